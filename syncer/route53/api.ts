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
  /**
   * Resolves when a call could be sent without waiting for the rate limit (none: at once), so
   * a caller can choose what to send at the last moment.
   */
  ready?(): Promise<void>;
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
    options?: ErrorOptions & { httpStatus?: number },
  ) {
    super(message, options);
    this.name = 'Route53Error';
    this.httpStatus = options?.httpStatus;
  }

  /** The HTTP status of Route 53's answer, when there was one. */
  readonly httpStatus: number | undefined;
}

/**
 * Whether a failed call may have done its work all the same: a change batch we stopped waiting
 * for without any answer (moto under load answered a 1,000-change batch after 6 s). It is not
 * sent again blind: its CREATEs would fail as existing records, or it would undo a newer
 * write. The zone is listed afresh and the next reconcile plans from what Route 53 holds.
 */
export function mayHaveLanded(
  operation: Route53Operation,
  code: string,
  httpStatus: number | undefined,
): boolean {
  return (
    operation === 'ChangeResourceRecordSets' && httpStatus === undefined && code === 'TimeoutError'
  );
}

/** mayHaveLanded() for an error a call ended with. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof Route53Error && mayHaveLanded(err.operation, err.code, err.httpStatus);
}

/**
 * Refusals of a ChangeResourceRecordSets request as a whole — who sent it, or to which zone —
 * that every part of the batch would get again: splitting the batch would only multiply them.
 */
const WHOLE_REQUEST_CODES = new Set([
  'NoSuchHostedZone',
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'NotAuthorized',
  'OptInRequired',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);

/**
 * ChangeResourceRecordSets' refusals of something in the batch (the SDK's client faults for
 * the call, and Route 53's parameter checks): recognised even without an HTTP status, as from
 * a fake or a proxy.
 */
const CHANGE_REFUSAL_CODES = new Set([
  'InvalidChangeBatch',
  'InvalidInput',
  'NoSuchHealthCheck',
  'InvalidArgument',
  'InvalidParameterValue',
  'ValidationError',
]);

/**
 * Whether a failed ChangeResourceRecordSets may be the fault of one change in it, so that
 * splitting the batch isolates that change and lets the others through: any non-retryable
 * client error, except those about the request as a whole. Throttling,
 * PriorRequestNotComplete and 5xx are retried instead (and their batches never split).
 */
export function refusesSomeChange(err: unknown): err is Route53Error {
  if (!(err instanceof Route53Error)) return false;
  if (err.operation !== 'ChangeResourceRecordSets' || err.retryable) return false;
  if (WHOLE_REQUEST_CODES.has(err.code)) return false;
  if (CHANGE_REFUSAL_CODES.has(err.code)) return true;
  return err.httpStatus !== undefined && err.httpStatus >= 400 && err.httpStatus < 500;
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
