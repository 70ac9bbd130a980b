// Route 53's request rate limit, per account, over every client: a token bucket that refills at
// `perSecond` up to `burst`; a request finding it empty is answered Throttling and takes no
// token (it did not run). Route 53's guide (DNSLimitations) says "five requests per second per
// AWS account" and gives no burst; we take one second's worth (5) as the default burst, so a
// client that never sends more than 5 in any second is never throttled. (A newer page of the
// guide, "Throttling for Amazon Route 53 API requests", describes a bucket of 50 refilled at
// 10/s account-wide; `--route53-rate 10/50` reproduces that.)
//
// The account is found from the request's SigV4 access key. Every key is one account unless
// mapped otherwise, so several syncers with the same test credentials share one budget, as
// several clusters of one AWS account do. The suites' own observer key is exempt: the tests'
// setup and polling are the experimenter, not part of the account under test (see
// docs/testing.md); its calls are still counted in the stats.

export interface RateLimitConfig {
  /** Sustained requests per second per account. */
  readonly perSecond: number;
  /** Requests a full bucket lets through at once. */
  readonly burst: number;
}

/** The access key the suites' setup and polling use: never throttled. */
export const OBSERVER_ACCESS_KEY = 'aws-controller-test-observer';
export const DEFAULT_ACCOUNT = 'default';
export const DEFAULT_RATE: RateLimitConfig = { perSecond: 5, burst: 5 };

/**
 * Parses `off`, `N` (N per second, burst N rounded up, at least 1) or `N/B` (burst B).
 * Returns undefined for off.
 */
export function parseRate(text: string): RateLimitConfig | undefined {
  const trimmed = text.trim();
  if (trimmed === 'off' || trimmed === '0') return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(trimmed);
  const perSecond = Number(match?.[1]);
  const burst = match?.[2] !== undefined ? Number(match[2]) : Math.max(1, Math.ceil(perSecond));
  if (!match || !(perSecond > 0) || !(burst >= 1)) {
    throw new Error(
      `route53 rate must be "off", N or N/BURST (requests per second, burst), got "${text}"`,
    );
  }
  return { perSecond, burst };
}

export const describeRate = (rate: RateLimitConfig | undefined): string =>
  rate === undefined ? 'off' : `${rate.perSecond}/${rate.burst}`;

/** The access key of a SigV4 `Authorization` header (`… Credential=AKID/date/region/…`). */
export function accessKeyOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

export interface Admission {
  readonly account: string;
  readonly admitted: boolean;
}

export class AccountRateLimiter {
  #rate: RateLimitConfig | undefined;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #accounts: Readonly<Record<string, string>>;
  readonly #now: () => number;

  constructor(
    rate: RateLimitConfig | undefined,
    options: {
      /** Access key → account; unlisted keys belong to the default account. */
      accounts?: Readonly<Record<string, string>>;
      /** Milliseconds, monotonic. */
      now?: () => number;
    } = {},
  ) {
    this.#rate = rate;
    this.#accounts = options.accounts ?? {};
    this.#now = options.now ?? (() => performance.now());
  }

  get rate(): RateLimitConfig | undefined {
    return this.#rate;
  }

  /** A new rate; every bucket starts full again. */
  configure(rate: RateLimitConfig | undefined): void {
    this.#rate = rate;
    this.#buckets.clear();
  }

  /** Every bucket full again (between tests: one test's burst must not throttle the next). */
  refill(): void {
    this.#buckets.clear();
  }

  accountOf(accessKey: string | undefined): string | undefined {
    if (accessKey === OBSERVER_ACCESS_KEY) return undefined;
    return (accessKey !== undefined ? this.#accounts[accessKey] : undefined) ?? DEFAULT_ACCOUNT;
  }

  /** Takes a token for the request's account; admitted false: answer Throttling. */
  admit(accessKey: string | undefined): Admission {
    const account = this.accountOf(accessKey);
    if (account === undefined) return { account: 'observer', admitted: true };
    const rate = this.#rate;
    if (rate === undefined) return { account, admitted: true };
    const now = this.#now();
    const bucket = this.#buckets.get(account) ?? { tokens: rate.burst, at: now };
    bucket.tokens = Math.min(
      rate.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond,
    );
    bucket.at = now;
    this.#buckets.set(account, bucket);
    if (bucket.tokens < 1) return { account, admitted: false };
    bucket.tokens -= 1;
    return { account, admitted: true };
  }
}
