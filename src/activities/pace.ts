/**
 * An activity's pause between looks, for a cloud `timeScale` times faster than AWS (the
 * simulated one): the same pause in that cloud's time, never under 50 ms of real time. On AWS
 * (timeScale 1) each pause is the one given.
 */
export type Pace = (ms: number) => number;

export const paceFor = (timeScale = 1): Pace => (ms) => (timeScale === 1 ? ms : Math.max(50, ms / timeScale));
