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

export function isRetryableCode(code: string, httpStatus: number | undefined): boolean {
  return RETRYABLE_CODES.has(code) || (httpStatus !== undefined && httpStatus >= 500);
}
