/**
 * The lognormal distribution fitted to a published median and p90: how the simulated cloud
 * draws latencies and how waits decide when to look again. Pure arithmetic, so workflow code
 * may use it.
 */

export interface Lognormal {
  mu: number;
  sigma: number;
}

/** The 90th percentile of the standard normal distribution. */
export const z90 = 1.2815515655446004;

/** The lognormal whose median and 90th percentile are the given ones. */
export function fitLognormal({ median, p90 }: { median: number; p90: number }): Lognormal {
  if (!(median > 0) || !(p90 >= median)) throw new RangeError(`a lognormal needs 0 < median <= p90, got median ${median} and p90 ${p90}`);
  const mu = Math.log(median);
  return { mu, sigma: (Math.log(p90) - mu) / z90 };
}

/**
 * The complementary error function (Numerical Recipes' erfcc): relative error under 1.2e-7
 * everywhere, tails included, which the hazard's ratio of two small numbers needs.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(-z * z + poly);
  return x >= 0 ? value : 2 - value;
}

/** P(T > t): the chance it is still not done after t. */
export function survival(t: number, { mu, sigma }: Lognormal): number {
  if (t <= 0) return 1;
  return 0.5 * erfc((Math.log(t) - mu) / (sigma * Math.SQRT2));
}

export function density(t: number, { mu, sigma }: Lognormal): number {
  if (t <= 0) return 0;
  const z = (Math.log(t) - mu) / sigma;
  return Math.exp(-0.5 * z * z) / (t * sigma * Math.sqrt(2 * Math.PI));
}

/** The chance per second of finishing now, given it has not finished yet. */
export function hazard(t: number, fit: Lognormal): number {
  const left = survival(t, fit);
  return left > 0 ? density(t, fit) / left : Number.POSITIVE_INFINITY;
}
