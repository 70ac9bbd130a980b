// What the syncer needs of Route 53: exactly the three calls the default IAM policy allows.
// The controller depends on this interface, so tests hand in a fake and the SDK stays at the edge.
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';

export type Route53Operation =
  'ListHostedZones' | 'ListResourceRecordSets' | 'ChangeResourceRecordSets';

export interface Route53Api {
  listHostedZones(): Promise<HostedZone[]>;
  /** Every record set of the zone; throws rather than return a partial listing. */
  listResourceRecordSets(zoneId: string): Promise<ResourceRecordSet[]>;
  /** Applies one batch atomically (as Route 53 does) or throws. */
  changeResourceRecordSets(zoneId: string, changes: readonly Change[]): Promise<void>;
}

/** Where a ListResourceRecordSets page starts: what the previous page said comes next. */
export interface RecordSetsStart {
  name: string;
  type: string;
  identifier?: string;
}

/**
 * Route 53 one request at a time: what the SDK client does. Listings come a page per request,
 * so that the rate limit, retries and counts (resilient-client.ts, which pages through these
 * into a Route53Api) apply to every request that reaches AWS, not to a whole listing.
 */
export interface Route53Requests {
  listHostedZonesPage(marker?: string): Promise<{ zones: HostedZone[]; next?: string }>;
  listResourceRecordSetsPage(
    zoneId: string,
    start?: RecordSetsStart,
  ): Promise<{ sets: ResourceRecordSet[]; next?: RecordSetsStart }>;
  changeResourceRecordSets(zoneId: string, changes: readonly Change[]): Promise<void>;
}

/** A failed Route 53 call, with what the retry and batch-splitting logic needs to know. */
export class Route53Error extends Error {
  constructor(
    message: string,
    readonly operation: Route53Operation,
    /** Route 53's error code (`Throttling`, `InvalidChangeBatch`, `AccessDenied`, …). */
    readonly code: string,
    /** Worth retrying the same request after a pause. */
    readonly retryable: boolean,
    /** For InvalidChangeBatch: Route 53's messages, one per rejected change. */
    readonly messages: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'Route53Error';
  }
}

const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'TimeoutError',
]);

/** A listing that cannot be trusted to be whole: never retried, never taken as complete. */
export function incompleteListing(operation: Route53Operation, why: string): Route53Error {
  return new Route53Error(
    `${operation} did not finish cleanly (${why}); treating the listing as incomplete`,
    operation,
    'IncompleteListing',
    false,
  );
}

export function isRetryableCode(code: string, httpStatus: number | undefined): boolean {
  return RETRYABLE_CODES.has(code) || (httpStatus !== undefined && httpStatus >= 500);
}
