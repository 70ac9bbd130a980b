// A token bucket shared by every Route 53 call of this process. Route 53 allows 5 requests
// per second per account, shared by every cluster and user of that account, so we stay under
// it (default 4/s) rather than lean on throttling errors.

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (its timer then cleared). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * The same sleeps, with a monotonic `now` (ms from an arbitrary origin): for durations that
 * must not jump when the wall clock is stepped (NTP, a VM resumed), e.g. a lease's deadline.
 */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => realClock.sleep(ms, signal),
};

/**
 * A sleep another part of the code can end early (a change to react to, a stop). Ending it
 * clears the timer, so a stopped loop leaves nothing behind that keeps the process alive.
 */
export function wakeableSleep(clock: Clock, ms: number): { done: Promise<void>; wake: () => void } {
  const controller = new AbortController();
  return { done: clock.sleep(ms, controller.signal), wake: () => controller.abort() };
}

export class RateLimiter {
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = realClock,
    /** How many calls may go at once after a quiet spell. */
    private readonly burst = 1,
  ) {
    if (!(perSecond > 0)) throw new Error(`rate limit must be above 0, got ${perSecond}`);
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Resolves when the caller may send one request; callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#take());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Resolves when a call could go at once (every earlier caller served, a token free), without
   * taking the token: a sender can wait here and decide what to send at the last moment.
   */
  async ready(): Promise<void> {
    await this.#queue;
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) return;
      await this.clock.sleep(this.#untilToken());
    }
  }

  async #take(): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.clock.sleep(this.#untilToken());
    }
  }

  #refill(): void {
    const now = this.clock.now();
    this.#tokens = Math.min(
      this.burst,
      this.#tokens + ((now - this.#last) / 1000) * this.perSecond,
    );
    this.#last = now;
  }

  #untilToken(): number {
    return Math.ceil(((1 - this.#tokens) / this.perSecond) * 1000);
  }
}
