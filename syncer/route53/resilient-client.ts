// Every Route 53 request goes through here: the shared rate limit, retries with jittered
// exponential backoff for throttling and transient failures, and a count of each attempt.
// Listings are paged here, so each page is one limited, retried, counted request: a zone of
// 10,000 records is 34 requests, spaced like any others, and a throttled page is retried
// alone rather than the listing started again.
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import {
  Route53Error,
  incompleteListing,
  type RecordSetsStart,
  type Route53Api,
  type Route53Operation,
  type Route53Requests,
} from './api.js';
import { realClock, type Clock, type Limiter } from './rate-limiter.js';

export type CallOutcome = 'success' | 'throttled' | 'retryable_error' | 'error';

export interface ResilientOptions {
  limiter: Limiter;
  clock?: Clock;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /** A listing longer than this is treated as broken, never as complete. */
  maxPages?: number;
  /** Told of every attempt, for metrics. */
  onAttempt?: (operation: Route53Operation, outcome: CallOutcome, seconds: number) => void;
  onRetry?: (operation: Route53Operation, error: Route53Error, delayMs: number) => void;
  /**
   * Asked right before every attempt of a change, the first and each retry (after the rate
   * limiter's and the backoff's waits, which can be long): false stops it with WriteNotAllowed.
   * The syncer's leadership: a replica that lost it mid-call must not write.
   */
  mayWrite?: () => boolean;
}

/** A change not sent because this process may no longer write (it lost the lease). */
export class WriteNotAllowed extends Error {}

/** The account's rate limit refused the request (not PriorRequestNotComplete: that is per zone). */
function isRateThrottling(err: unknown): boolean {
  return (
    err instanceof Route53Error && (err.code === 'Throttling' || err.code === 'ThrottlingException')
  );
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
  readonly #inner: Route53Requests;
  readonly #options: Required<Omit<ResilientOptions, 'onAttempt' | 'onRetry' | 'mayWrite'>> &
    Pick<ResilientOptions, 'onAttempt' | 'onRetry' | 'mayWrite'>;

  constructor(inner: Route53Requests, options: ResilientOptions) {
    this.#inner = inner;
    this.#options = {
      clock: realClock,
      maxAttempts: 6,
      baseDelayMs: 500,
      maxDelayMs: 20_000,
      random: Math.random,
      maxPages: 1_000,
      ...options,
    };
  }

  async listHostedZones(): Promise<HostedZone[]> {
    const zones: HostedZone[] = [];
    let marker: string | undefined;
    for (let page = 0; page < this.#options.maxPages; page++) {
      const at = marker;
      const { zones: some, next } = await this.#call('ListHostedZones', () =>
        this.#inner.listHostedZonesPage(at),
      );
      zones.push(...some);
      if (next === undefined) return zones;
      if (next === marker) throw incompleteListing('ListHostedZones', 'the same page again');
      marker = next;
    }
    throw incompleteListing('ListHostedZones', `more than ${this.#options.maxPages} pages`);
  }

  async listResourceRecordSets(zoneId: string): Promise<ResourceRecordSet[]> {
    const sets: ResourceRecordSet[] = [];
    let start: RecordSetsStart | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < this.#options.maxPages; page++) {
      const at = start;
      const { sets: some, next } = await this.#call('ListResourceRecordSets', () =>
        this.#inner.listResourceRecordSetsPage(zoneId, at),
      );
      sets.push(...some);
      if (next === undefined) return sets;
      // moto ignores the record identifier when paging, so the same page can come back
      // forever; a repeated position means the listing cannot be trusted to be complete.
      const position = `${next.name}|${next.type}|${next.identifier ?? ''}`;
      if (seen.has(position)) {
        throw incompleteListing('ListResourceRecordSets', `${zoneId}: the same page again`);
      }
      seen.add(position);
      start = next;
    }
    throw incompleteListing(
      'ListResourceRecordSets',
      `${zoneId}: more than ${this.#options.maxPages} pages`,
    );
  }

  ready(): Promise<void> {
    return this.#options.limiter.ready();
  }

  changeResourceRecordSets(zoneId: string, changes: readonly Change[]): Promise<void> {
    const { mayWrite } = this.#options;
    return this.#call(
      'ChangeResourceRecordSets',
      () => this.#inner.changeResourceRecordSets(zoneId, changes),
      mayWrite &&
        (() => {
          if (!mayWrite()) {
            throw new WriteNotAllowed(
              `ChangeResourceRecordSets to ${zoneId} not sent: this replica no longer holds the lease`,
            );
          }
        }),
    );
  }

  async #call<T>(
    operation: Route53Operation,
    send: () => Promise<T>,
    beforeAttempt?: () => void,
  ): Promise<T> {
    const { limiter, clock, maxAttempts, baseDelayMs, maxDelayMs, random } = this.#options;
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire();
      beforeAttempt?.();
      const started = clock.now();
      try {
        const result = await send();
        limiter.succeeded();
        this.#options.onAttempt?.(operation, 'success', (clock.now() - started) / 1000);
        return result;
      } catch (err) {
        const outcome = outcomeOf(err);
        // Any answer from Route 53 but Throttling means the account had room for the request.
        if (isRateThrottling(err)) limiter.throttled();
        else if (err instanceof Route53Error && (err.httpStatus ?? 500) < 500) limiter.succeeded();
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
