// A token bucket shared by every Route 53 call of this process. Route 53 allows 5 requests
// per second per account, shared by every cluster and user of that account, so we stay under
// it (default 4/s) rather than lean on throttling errors; and since other clusters spend the
// same budget without telling us, the rate adapts to the throttling we see (Adaptation).

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

/**
 * How a limiter follows the account's throttling (AIMD, as TCP shares a link): every Throttling
 * answer cuts the rate to `decrease` × itself; every success raises it so that, while sending
 * at rate r, it climbs `increasePerSecond` per second (each success adds increasePerSecond / r).
 * N syncers of one account that never talk to each other so converge on shares that sum to
 * about the account's limit, and a lone one climbs back to its ceiling. See docs/benchmarks.md
 * (clusters) for the measured choice of the two numbers against the AWS SDK's adaptive mode.
 */
export interface Adaptation {
  readonly decrease: number;
  readonly increasePerSecond: number;
  /** The rate never drops below this (requests/s). */
  readonly floor: number;
}

export const DEFAULT_ADAPTATION: Adaptation = { decrease: 0.5, increasePerSecond: 0.1, floor: 0.2 };

/** What the Route 53 client needs of a limiter: a turn to send, and what came of it. */
export interface Limiter {
  acquire(): Promise<void>;
  /** Resolves when acquire() would not wait, without taking a turn. */
  ready(): Promise<void>;
  /** Route 53 answered (anything but Throttling): the account had room. */
  succeeded(): void;
  /** Route 53 answered Throttling. */
  throttled(): void;
  readonly rate: number;
}

export class RateLimiter implements Limiter {
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();
  #rate: number;
  readonly #adaptation: Adaptation | undefined;

  constructor(
    /** The ceiling: requests per second this process never exceeds (--rate-limit). */
    private readonly perSecond: number,
    private readonly clock: Clock = realClock,
    /** How many calls may go at once after a quiet spell. */
    private readonly burst = 1,
    /** Follow the account's throttling below the ceiling; undefined: a fixed rate. */
    adaptation?: Adaptation,
  ) {
    if (!(perSecond > 0)) throw new Error(`rate limit must be above 0, got ${perSecond}`);
    this.#tokens = burst;
    this.#last = clock.now();
    this.#rate = perSecond;
    this.#adaptation = adaptation && {
      ...adaptation,
      floor: Math.min(adaptation.floor, perSecond),
    };
  }

  /** Requests per second allowed now (the ceiling unless throttling brought it down). */
  get rate(): number {
    return this.#rate;
  }

  /** Resolves when the caller may send one request; callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#take());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Route 53 answered Throttling: the account is over its limit, send slower. */
  throttled(): void {
    const a = this.#adaptation;
    if (!a) return;
    this.#setRate(Math.max(a.floor, this.#rate * a.decrease));
  }

  /** A request went through: creep back up towards the ceiling. */
  succeeded(): void {
    const a = this.#adaptation;
    if (!a || this.#rate >= this.perSecond) return;
    this.#setRate(Math.min(this.perSecond, this.#rate + a.increasePerSecond / this.#rate));
  }

  /**
   * Resolves when a call could go at once (every earlier caller served, a token free), without
   * taking the token: a sender can wait here and decide what to send at the last moment.
   */
  async ready(): Promise<void> {
    await this.#queue;
    for (;;) {
      this.#refill(this.clock.now());
      if (this.#tokens >= 1) return;
      await this.clock.sleep(this.#untilToken());
    }
  }

  #setRate(rate: number): void {
    this.#refill(this.clock.now()); // tokens earned so far count at the old rate
    this.#rate = rate;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }

  #untilToken(): number {
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  async #take(): Promise<void> {
    for (;;) {
      this.#refill(this.clock.now());
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.clock.sleep(this.#untilToken());
    }
  }
}
