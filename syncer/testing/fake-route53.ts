import { applyChanges } from '../../core/records/apply-changes.js';
import { bareZoneId, normalizeRoute53Name } from '../../core/records/route53-names.js';
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import { Route53Error, type Route53Api, type Route53Operation } from '../route53/api.js';

/** A refusal with Route 53's code and HTTP status, for errors other than InvalidChangeBatch. */
export interface FakeRefusal {
  code: string;
  message: string;
  httpStatus: number;
  retryable?: boolean;
}

/** In-memory Route 53 for unit tests: atomic batches, call counts, refusals on demand. */
export class FakeRoute53 implements Route53Api {
  readonly zones: HostedZone[] = [];
  readonly records = new Map<string, ResourceRecordSet[]>();
  readonly calls: Record<Route53Operation, number> = {
    ListHostedZones: 0,
    ListResourceRecordSets: 0,
    ChangeResourceRecordSets: 0,
  };
  /**
   * A change this returns a message for makes its whole batch fail, as Route 53 does: with
   * InvalidChangeBatch listing every such message, or, for a refusal with a code of its own
   * (NoSuchHealthCheck, AccessDenied, …), with the first such refusal of the batch.
   */
  refuse: (change: Change) => string | FakeRefusal | undefined = () => undefined;
  /** Bare zone IDs whose listing fails. */
  failListing = new Set<string>();

  addZone(id: string, name: string, records: ResourceRecordSet[] = []): void {
    this.zones.push({ Id: `/hostedzone/${id}`, Name: `${name}.`, Config: { PrivateZone: false } });
    this.records.set(id, records);
  }

  listHostedZones(): Promise<HostedZone[]> {
    this.calls.ListHostedZones++;
    return Promise.resolve([...this.zones]);
  }

  listResourceRecordSets(zoneId: string): Promise<ResourceRecordSet[]> {
    this.calls.ListResourceRecordSets++;
    if (this.failListing.has(bareZoneId(zoneId))) {
      return Promise.reject(
        new Route53Error('listing failed', 'ListResourceRecordSets', 'InternalFailure', true),
      );
    }
    return Promise.resolve([...(this.records.get(bareZoneId(zoneId)) ?? [])]);
  }

  changeResourceRecordSets(zoneId: string, changes: readonly Change[]): Promise<void> {
    this.calls.ChangeResourceRecordSets++;
    const refusals = changes.map((c) => this.refuse(c));
    const coded = refusals.find((r): r is FakeRefusal => typeof r === 'object');
    if (coded !== undefined) {
      return Promise.reject(
        new Route53Error(
          `${coded.code}: ${coded.message}`,
          'ChangeResourceRecordSets',
          coded.code,
          coded.retryable ?? false,
          [],
          { httpStatus: coded.httpStatus },
        ),
      );
    }
    const messages = refusals.filter((m): m is string => typeof m === 'string');
    if (messages.length > 0) {
      return Promise.reject(
        new Route53Error(
          `InvalidChangeBatch: ${messages.join('; ')}`,
          'ChangeResourceRecordSets',
          'InvalidChangeBatch',
          false,
          messages,
        ),
      );
    }
    const id = bareZoneId(zoneId);
    this.records.set(id, applyChanges(this.records.get(id) ?? [], changes));
    return Promise.resolve();
  }

  /** `TYPE name value` lines of a zone, sorted, for assertions. */
  dump(zoneId: string): string[] {
    return (this.records.get(zoneId) ?? [])
      .map(
        (s) =>
          `${s.Type} ${normalizeRoute53Name(s.Name)} ${(s.ResourceRecords ?? []).map((r) => r.Value).join(',')}${s.AliasTarget ? `alias:${s.AliasTarget.DNSName}` : ''}`,
      )
      .sort();
  }
}
