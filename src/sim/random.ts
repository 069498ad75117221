/**
 * Seeded randomness for the simulated cloud: the same seed gives the same latencies and the
 * same injected faults, so a run (or a benchmark's parallel and sequential variants) can be
 * replayed against identical draws.
 */
import type { Lognormal } from '../domain/lognormal';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** cyrb128: four 32-bit words from a string, to seed sfc32 from any key. */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** sfc32: small, fast, and passes PractRand; plenty for latencies and fault coin flips. */
export function seededRandom(seed: string | number): Random {
  let [a, b, c, d] = hash128(String(seed));
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of a fresh sfc32 state are correlated with the seed: discard them.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * A generator for one named draw (an operation on one resource): the value depends on the
 * seed and the key only, not on how many other draws happened before it, so concurrent
 * environments do not change each other's latencies.
 */
export const keyedRandom = (seed: string | number, ...key: (string | number)[]): Random => seededRandom([seed, ...key].join('\u0000'));

/** A standard normal draw (Box–Muller). */
export function standardNormal(random: Random): number {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export { fitLognormal, z90, type Lognormal } from '../domain/lognormal';

export const sampleLognormal = (random: Random, { mu, sigma }: Lognormal): number => Math.exp(mu + sigma * standardNormal(random));
