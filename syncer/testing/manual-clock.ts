import type { Clock } from '../route53/rate-limiter.js';

/** A clock that moves only when a test says so; sleepers wake once their time has come. */
export class ManualClock implements Clock {
  time = 0;
  #sleepers: { until: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#sleepers.push({ until: this.time + ms, wake: resolve }));
  }

  /** Moves time on and wakes every sleeper due, then lets the woken code run. */
  async advance(ms: number): Promise<void> {
    this.time += ms;
    const due = this.#sleepers.filter((s) => s.until <= this.time);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.time);
    for (const sleeper of due) sleeper.wake();
    await settle();
  }
}

/** Lets pending promise callbacks and immediates run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
