// Record sets as Route 53 lists them, read into the form the planner compares in. Route 53
// hands back names escaped and dotted, TXT values quoted, IPv6 in whatever form it was given,
// alias DNS names dotted (and for load balancers often with a `dualstack.` prefix the
// console adds). A planner comparing raw fields would see changes where there are none and
// send updates forever; everything is compared through `comparableForm` instead.
import { normalizeIp } from '../names/ip.js';
import { sameData, type Nothing } from '../same-data.js';
import { recordKey } from './endpoint.js';
import { routingFieldsOf } from './routing.js';
import type { ResourceRecord, ResourceRecordSet } from './route53-types.js';
import type { Ownership } from './zone-state.js';
import { bareZoneId, normalizeRoute53Name } from './route53-names.js';
import { parseTxtValue } from './txt-strings.js';

/** A listed record set with its identity in our normal form. */
export interface CurrentRecord {
  readonly name: string;
  readonly type: string;
  readonly setIdentifier?: string;
  /** recordKey of name, type and set identifier. */
  readonly key: string;
  readonly recordSet: ResourceRecordSet;
  /** zone-state.ts's memo of ownershipOf, valid under the token it was read with. */
  ownership?: Ownership;
  ownershipToken?: object;
}

// The key is built when asked for, not per listed record: in steady state nothing asks (the
// planner finds records by name), and 200k keys at 100k endpoints were strings kept alive
// for the whole plan.
class ListedRecord implements CurrentRecord {
  ownership?: Ownership;
  ownershipToken?: object;
  constructor(
    readonly name: string,
    readonly type: string,
    readonly setIdentifier: string | undefined,
    readonly recordSet: ResourceRecordSet,
  ) {}

  get key(): string {
    return recordKey(this.name, this.type, this.setIdentifier);
  }
}

export function readRecordSet(recordSet: ResourceRecordSet): CurrentRecord {
  return new ListedRecord(
    normalizeRoute53Name(recordSet.Name),
    recordSet.Type.toUpperCase(),
    recordSet.SetIdentifier,
    recordSet,
  );
}

/** The values of a record set, each as its plain text (TXT unquoted). */
export function valuesOf(recordSet: ResourceRecordSet): string[] {
  return (recordSet.ResourceRecords ?? []).map((r) => r.Value);
}

function normalValue(type: string, value: string): string {
  switch (type) {
    case 'A':
    case 'AAAA':
      return normalizeIp(value.trim()) ?? value.trim();
    case 'CNAME':
      return normalizeRoute53Name(value.trim());
    case 'TXT':
      return parseTxtValue(value);
    default:
      return value.trim();
  }
}

/** An alias DNS name as compared: `dualstack.` names the same load balancer as without it. */
function normalAliasName(dnsName: string): string {
  return normalizeRoute53Name(dnsName).replace(/^dualstack\./, '');
}

/**
 * A string equal for two record sets exactly when Route 53 would serve them the same way.
 * An alias has no TTL of its own, so none is compared (Route 53 lists none either).
 */
export function comparableForm(recordSet: ResourceRecordSet): string {
  const { name, type, setIdentifier } = readRecordSet(recordSet);
  const routing = routingFieldsOf(recordSet);
  const alias = recordSet.AliasTarget;
  return JSON.stringify([
    name,
    type,
    setIdentifier ?? null,
    routing.Weight ?? null,
    routing.Region ?? null,
    routing.Failover ?? null,
    routing.GeoLocation?.ContinentCode?.toUpperCase() ?? null,
    routing.GeoLocation?.CountryCode?.toUpperCase() ?? null,
    routing.GeoLocation?.SubdivisionCode?.toUpperCase() ?? null,
    routing.MultiValueAnswer ?? false,
    recordSet.HealthCheckId?.toLowerCase() ?? null,
    alias === undefined
      ? [
          recordSet.TTL ?? null,
          valuesOf(recordSet)
            .map((v) => normalValue(type, v))
            .sort(),
        ]
      : [
          bareZoneId(alias.HostedZoneId).toUpperCase(),
          normalAliasName(alias.DNSName),
          alias.EvaluateTargetHealth,
        ],
  ]);
}

export function sameRecordSet(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  // Equal field by field means equal comparable forms: the common case (a record as we wrote
  // it) answered without building and normalising both.
  return sameFields(a, b) || comparableForm(a) === comparableForm(b);
}

/**
 * Every field equal, the nested ones as data: what sameData says of two record sets, without
 * its generic walk (keys enumerated and counted at every level), which was ~0.5 s of CPU per
 * three whole plans at 100k records. Exported for its property test.
 */
export function sameFields(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  return (
    a === b ||
    (a.Name === b.Name &&
      a.Type === b.Type &&
      a.TTL === b.TTL &&
      a.SetIdentifier === b.SetIdentifier &&
      a.Weight === b.Weight &&
      a.Region === b.Region &&
      a.Failover === b.Failover &&
      a.MultiValueAnswer === b.MultiValueAnswer &&
      a.HealthCheckId === b.HealthCheckId &&
      sameValues(a.ResourceRecords, b.ResourceRecords) &&
      sameData(a.AliasTarget, b.AliasTarget) &&
      sameData(a.GeoLocation, b.GeoLocation))
  );
}

function sameValues(a: readonly ResourceRecord[] | undefined, b: typeof a): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]?.Value !== b[i]?.Value) return false;
  return true;
}

// sameFields compares each of these; a field added to either type fails to compile here until
// it does too.
type Compared =
  | 'Name'
  | 'Type'
  | 'TTL'
  | 'SetIdentifier'
  | 'Weight'
  | 'Region'
  | 'Failover'
  | 'MultiValueAnswer'
  | 'HealthCheckId'
  | 'ResourceRecords'
  | 'AliasTarget'
  | 'GeoLocation';
export type EveryRecordSetFieldCompared = Nothing<Exclude<keyof ResourceRecordSet, Compared>>;
export type EveryValueFieldCompared = Nothing<Exclude<keyof ResourceRecord, 'Value'>>;
