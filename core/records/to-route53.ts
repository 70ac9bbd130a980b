// Endpoints written as the record sets Route 53's API takes. The result is exactly what the
// syncer sends and what `aws-controller plan -o json` prints, so fields appear only when set.
import { DEFAULT_TTL } from './endpoint.js';
import type { Endpoint, RecordType } from './endpoint.js';
import { OWNERSHIP_TTL, ownershipTxtName } from './ownership.js';
import { routingFields } from './routing.js';
import type { RoutingFields } from './routing.js';
import type { ResourceRecordSet } from './route53-types.js';
import { bareZoneId } from './route53-names.js';

/** The hosted zone a record set is written to; a same-zone alias points back into it. */
export interface ZoneRef {
  /** Bare or `/hostedzone/` prefixed. */
  id: string;
  /** Normal form. */
  name: string;
}

/** The record set for `endpoint` in `zone`. */
export function toRecordSet(endpoint: Endpoint, zone: ZoneRef): ResourceRecordSet {
  const recordSet: ResourceRecordSet = {
    Name: endpoint.name,
    Type: endpoint.type,
    ...(endpoint.setIdentifier !== undefined && { SetIdentifier: endpoint.setIdentifier }),
    ...routingFields(endpoint.routing),
  };
  if (endpoint.alias !== undefined) {
    recordSet.AliasTarget = {
      HostedZoneId: endpoint.alias.sameZone ? bareZoneId(zone.id) : endpoint.alias.hostedZoneId,
      DNSName: endpoint.targets[0] ?? '',
      EvaluateTargetHealth: endpoint.alias.evaluateTargetHealth ?? false,
    };
  } else {
    recordSet.TTL = endpoint.ttl ?? DEFAULT_TTL;
    recordSet.ResourceRecords = endpoint.targets.map((Value) => ({ Value }));
  }
  if (endpoint.healthCheckId !== undefined) recordSet.HealthCheckId = endpoint.healthCheckId;
  return recordSet;
}

/**
 * The ownership TXT guarding a record: same set identifier and routing policy (so weighted
 * records at one name each have their own), TTL 300, and the given values (ours first).
 */
export function ownershipRecordSet(
  record: { name: string; type: RecordType; setIdentifier?: string; routing: RoutingFields },
  zoneName: string,
  values: readonly string[],
): ResourceRecordSet {
  return {
    Name: ownershipTxtName(record.name, record.type, zoneName),
    Type: 'TXT',
    ...(record.setIdentifier !== undefined && { SetIdentifier: record.setIdentifier }),
    ...record.routing,
    TTL: OWNERSHIP_TTL,
    ResourceRecords: values.map((Value) => ({ Value })),
  };
}
