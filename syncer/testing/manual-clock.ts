import type { Clock } from '../route53/rate-limiter.js';

/** A clock that moves only when a test says so; sleepers wake once their time has come. */
export class ManualClock implements Clock {
  time = 0;
  #sleepers: { until: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { until: this.time + ms, wake: resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        resolve();
      });
    });
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
