// The desired-state model (design.md, "One data model"): one Endpoint per DNS record an
// object wants, in normal form, so two Endpoints are equal exactly when the records are.
import type { RoutingPolicy } from '../annotations/spec.js';
import { sameData, type Nothing } from '../same-data.js';

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
  targets: readonly string[];
  /** Seconds; undefined for an alias, which has no TTL of its own. */
  ttl?: number;
  alias?: AliasInfo;
  setIdentifier?: string;
  routing?: RoutingPolicy;
  healthCheckId?: string;
  owner: OwnerResource;
}

/**
 * Whether two lists of endpoints hold the same data, in the same order: what sameData says of
 * them, field by field. The incremental state asks it of every object it computes again and
 * of every object in the drift check's cross-check; sameData's generic walk (keys enumerated
 * and counted at every level) was ~1.2 s of CPU for one ingress address change and one drift
 * check at 100k endpoints.
 */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!sameEndpoint(a[i] as Endpoint, b[i] as Endpoint)) return false;
  }
  return true;
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return (
    a === b ||
    (a.name === b.name &&
      a.type === b.type &&
      a.ttl === b.ttl &&
      a.setIdentifier === b.setIdentifier &&
      a.healthCheckId === b.healthCheckId &&
      sameStrings(a.targets, b.targets) &&
      (a.owner === b.owner ||
        (a.owner.kind === b.owner.kind &&
          a.owner.namespace === b.owner.namespace &&
          a.owner.name === b.owner.name &&
          a.owner.creationTimestamp === b.owner.creationTimestamp)) &&
      // Rare, and nested: the generic walk.
      sameData(a.alias, b.alias) &&
      sameData(a.routing, b.routing))
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// sameEndpoint compares each of these fields, and OwnerResource's four. A field added to
// either type fails to compile here until sameEndpoint compares it too.
type Compared =
  | 'name'
  | 'type'
  | 'ttl'
  | 'setIdentifier'
  | 'healthCheckId'
  | 'targets'
  | 'owner'
  | 'alias'
  | 'routing';
type OwnerCompared = 'kind' | 'namespace' | 'name' | 'creationTimestamp';
export type EveryEndpointFieldCompared = Nothing<Exclude<keyof Endpoint, Compared>>;
export type EveryOwnerFieldCompared = Nothing<Exclude<keyof OwnerResource, OwnerCompared>>;

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
