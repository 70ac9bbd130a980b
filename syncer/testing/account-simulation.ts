// Several syncers' Route 53 clients sharing one account's rate limit, in simulated time: each
// client is the real ResilientRoute53Api (limiter, retries, backoff) over a fake Route 53 that
// answers after a fixed latency, or Throttling when the account's token bucket is empty. Used
// by the rate limiter's tests and by `npm run bench -- clusters` to compare ways of sharing.
import type { Clock, Limiter } from '../route53/rate-limiter.js';
import { Route53Error, type Route53Requests } from '../route53/api.js';
import { ResilientRoute53Api } from '../route53/resilient-client.js';
import { seededRandom } from '../../test/route53-proxy/faults.js';
import { AccountRateLimiter } from '../../test/route53-proxy/rate-limit.js';

/** Timers in simulated time: a sleep resolves when `run` reaches its moment. */
export class SimClock implements Clock {
  time = 0;
  #timers: { at: number; seq: number; wake: () => void }[] = [];
  #seq = 0;

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // As Node's setTimeout: at least 1 ms, so a loop of tiny sleeps still moves time on.
      const timer = { at: this.time + Math.max(1, ms), seq: this.#seq++, wake: resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      });
    });
  }

  /** Runs timers in order until `done` resolves or no timer is left (or `limitMs` passes). */
  async run(done: Promise<unknown>, limitMs = 3_600_000): Promise<void> {
    let finished = false;
    void done.then(() => (finished = true));
    for (;;) {
      // Let every woken caller run until it sleeps again.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      if (finished || this.#timers.length === 0) return;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift();
      if (!next || next.at > limitMs) return;
      this.time = next.at;
      next.wake();
    }
  }
}

/**
 * The account's bucket: the test proxy's own limiter (test/route53-proxy/rate-limit.ts) on the
 * simulated clock, so the simulation throttles exactly as the proxy the e2e suites meet does.
 */
export class SimAccount {
  readonly #bucket: AccountRateLimiter;
  admitted: number[] = [];
  throttled = 0;
  constructor(
    private readonly clock: Clock,
    perSecond = 5,
    burst = 5,
  ) {
    this.#bucket = new AccountRateLimiter({ perSecond, burst }, { now: () => clock.now() });
  }
  admit(): boolean {
    if (!this.#bucket.admit(undefined).admitted) {
      this.throttled++;
      return false;
    }
    this.admitted.push(this.clock.now());
    return true;
  }
}

/** A Route 53 whose every request is judged by the shared account after `latencyMs`. */
export function simulatedRoute53(
  clock: Clock,
  account: SimAccount,
  latencyMs: number,
): Route53Requests {
  const call = async <T>(operation: 'ChangeResourceRecordSets', value: T): Promise<T> => {
    // The account counts the request when it arrives; the answer comes back after the latency.
    const admitted = account.admit();
    await clock.sleep(latencyMs);
    if (!admitted)
      throw new Route53Error('Rate exceeded', operation, 'Throttling', true, [], {
        httpStatus: 400,
      });
    return value;
  };
  return {
    listHostedZonesPage: () => Promise.reject(new Error('not simulated')),
    listResourceRecordSetsPage: () => Promise.reject(new Error('not simulated')),
    changeResourceRecordSets: () => call('ChangeResourceRecordSets', undefined),
  };
}

export interface ClientResult {
  /** Requests sent, retries included. */
  sent: number;
  throttled: number;
  /** Simulated ms when its last request was accepted. */
  doneAtMs: number;
  /** Its limiter's rate at the end. */
  finalRate: number;
}

export interface SimulationResult {
  clients: ClientResult[];
  /** Every request the account admitted, by simulated ms. */
  admittedAt: number[];
  throttled: number;
  doneAtMs: number;
}

/**
 * N clients, each with `requests` changes to send one after another (a syncer's reconcile
 * sends its batches in sequence), against one account.
 */
export async function simulateAccount(options: {
  clients: number;
  requests: number;
  latencyMs: number;
  limiter: (clock: Clock) => Limiter;
  accountPerSecond?: number;
  accountBurst?: number;
  /** Client i starts at i × this (ms). */
  staggerMs?: number;
  seed?: number;
  /** Hook run before the simulation, with the clock (e.g. to point a library's timers at it). */
  onClock?: (clock: SimClock) => void;
}): Promise<SimulationResult> {
  const clock = new SimClock();
  options.onClock?.(clock);
  const account = new SimAccount(clock, options.accountPerSecond, options.accountBurst);
  const random = seededRandom(options.seed ?? 1);
  const results: ClientResult[] = [];
  const runs = Array.from({ length: options.clients }, async (_, i) => {
    const limiter = options.limiter(clock);
    const result: ClientResult = { sent: 0, throttled: 0, doneAtMs: 0, finalRate: 0 };
    results[i] = result;
    const api = new ResilientRoute53Api(simulatedRoute53(clock, account, options.latencyMs), {
      limiter,
      clock,
      random,
      maxAttempts: 100,
      onAttempt: (_op, outcome) => {
        result.sent++;
        if (outcome === 'throttled') result.throttled++;
      },
    });
    await clock.sleep(i * (options.staggerMs ?? 0));
    for (let n = 0; n < options.requests; n++) await api.changeResourceRecordSets('Z', []);
    result.doneAtMs = clock.now();
    result.finalRate = limiter.rate;
  });
  await clock.run(Promise.all(runs));
  return {
    clients: results,
    admittedAt: account.admitted,
    throttled: account.throttled,
    doneAtMs: Math.max(...results.map((r) => r.doneAtMs)),
  };
}
