// Every Route 53 call goes through here: the shared rate limit, retries with jittered
// exponential backoff for throttling and transient failures, and a count of each attempt.
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import { Route53Error, type Route53Api, type Route53Operation } from './api.js';
import { realClock, type Clock, type RateLimiter } from './rate-limiter.js';

export type CallOutcome = 'success' | 'throttled' | 'retryable_error' | 'error';

export interface ResilientOptions {
  limiter: RateLimiter;
  clock?: Clock;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /** Told of every attempt, for metrics. */
  onAttempt?: (operation: Route53Operation, outcome: CallOutcome, seconds: number) => void;
  onRetry?: (operation: Route53Operation, error: Route53Error, delayMs: number) => void;
}

function outcomeOf(err: unknown): CallOutcome {
  if (!(err instanceof Route53Error)) return 'error';
  if (
    err.code === 'Throttling' ||
    err.code === 'ThrottlingException' ||
    err.code === 'PriorRequestNotComplete'
  ) {
    return 'throttled';
  }
  return err.retryable ? 'retryable_error' : 'error';
}

export class ResilientRoute53Api implements Route53Api {
  readonly #inner: Route53Api;
  readonly #options: Required<Omit<ResilientOptions, 'onAttempt' | 'onRetry'>> &
    Pick<ResilientOptions, 'onAttempt' | 'onRetry'>;

  constructor(inner: Route53Api, options: ResilientOptions) {
    this.#inner = inner;
    this.#options = {
      clock: realClock,
      maxAttempts: 6,
      baseDelayMs: 500,
      maxDelayMs: 20_000,
      random: Math.random,
      ...options,
    };
  }

  listHostedZones(): Promise<HostedZone[]> {
    return this.#call('ListHostedZones', () => this.#inner.listHostedZones());
  }

  listResourceRecordSets(zoneId: string): Promise<ResourceRecordSet[]> {
    return this.#call('ListResourceRecordSets', () => this.#inner.listResourceRecordSets(zoneId));
  }

  changeResourceRecordSets(zoneId: string, changes: readonly Change[]): Promise<void> {
    return this.#call('ChangeResourceRecordSets', () =>
      this.#inner.changeResourceRecordSets(zoneId, changes),
    );
  }

  async #call<T>(operation: Route53Operation, send: () => Promise<T>): Promise<T> {
    const { limiter, clock, maxAttempts, baseDelayMs, maxDelayMs, random } = this.#options;
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire();
      const started = clock.now();
      try {
        const result = await send();
        this.#options.onAttempt?.(operation, 'success', (clock.now() - started) / 1000);
        return result;
      } catch (err) {
        const outcome = outcomeOf(err);
        this.#options.onAttempt?.(operation, outcome, (clock.now() - started) / 1000);
        if (!(err instanceof Route53Error) || !err.retryable || attempt >= maxAttempts) throw err;
        // Full jitter: replicas and other clusters sharing the account spread out.
        const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(random() * ceiling);
        this.#options.onRetry?.(operation, err, delay);
        await clock.sleep(delay);
      }
    }
  }
}
