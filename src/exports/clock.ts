/** The time source of the scheduler and runs; tests pass a controllable one. */
export interface Clock {
  now(): Date;
  /** Waits `ms` milliseconds (a retry backoff). */
  sleep(ms: number): Promise<void>;
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
