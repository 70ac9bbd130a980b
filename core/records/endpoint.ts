// The desired-state model (design.md, "One data model"): one Endpoint per DNS record an
// object wants, in normal form, so two Endpoints are equal exactly when the records are.
import type { RoutingPolicy } from '../annotations/spec.js';

/** The record types aws-controller writes for traffic (its ownership TXTs aside). */
export type RecordType = 'A' | 'AAAA' | 'CNAME';
export const RECORD_TYPES: readonly RecordType[] = ['A', 'AAAA', 'CNAME'];

export function isRecordType(type: string): type is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(type);
}

/** The TTL of a record whose object names none (shared/spec/annotations.md, `ttl`). */
export const DEFAULT_TTL = 300;

/** The Kubernetes object an Endpoint comes from: who owns the record, and who wins a tie. */
export interface OwnerResource {
  /** The lower-case kind written into ownership TXTs (KindInfo.ownerKind: `gateway`, …). */
  kind: string;
  namespace: string;
  name: string;
  /** metadata.creationTimestamp (RFC 3339); the oldest object wins a conflict. */
  creationTimestamp: string;
}

/**
 * Where an alias points: a canonical hosted zone, or the zone the record itself lands in.
 * `evaluateTargetHealth` undefined: no annotation asks; false for a new record, and an
 * adopted record keeps what it has (core/records/plan-writes.ts).
 */
export type AliasInfo =
  | { sameZone: false; hostedZoneId: string; evaluateTargetHealth?: boolean }
  | { sameZone: true; evaluateTargetHealth?: boolean };

export interface Endpoint {
  /** Hostname in normal form (lower case, punycode, no final dot; `*` first label allowed). */
  name: string;
  type: RecordType;
  /** IPs (A/AAAA) or one hostname (CNAME, alias), in normal form, sorted. */
  targets: string[];
  /** Seconds; undefined for an alias, which has no TTL of its own. */
  ttl?: number;
  alias?: AliasInfo;
  setIdentifier?: string;
  routing?: RoutingPolicy;
  healthCheckId?: string;
  owner: OwnerResource;
}

/** `<kind>/<namespace>/<name>`, as written in the ownership TXT's resource label. */
export function resourceOf(owner: Pick<OwnerResource, 'kind' | 'namespace' | 'name'>): string {
  return `${owner.kind}/${owner.namespace}/${owner.name}`;
}

/**
 * The identity of a record set in Route 53: name, type and set identifier. Two records with
 * the same key are the same record set; anything else may coexist (subject to DNS rules).
 */
export function recordKey(name: string, type: string, setIdentifier: string | undefined): string {
  return `${name} ${type} ${setIdentifier ?? ''}`;
}

export function endpointKey(endpoint: Endpoint): string {
  return recordKey(endpoint.name, endpoint.type, endpoint.setIdentifier);
}

/** For messages and logs: `A www.example.com` or `A www.example.com (set blue)`. */
export function describeRecord(name: string, type: string, setIdentifier?: string): string {
  return `${type} ${name}${setIdentifier === undefined ? '' : ` (set ${setIdentifier})`}`;
}

/** Code-unit order, the same on every machine (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
