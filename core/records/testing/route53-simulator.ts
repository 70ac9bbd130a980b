// A small, strict stand-in for one Route 53 hosted zone, for property tests: it applies a
// change batch the way Route 53 does (all or nothing, CREATE must not exist, DELETE must match
// exactly, UPSERT may not change the kind of routing policy) and checks the result with
// Route 53's rules on which record sets may share a name. Written separately from the
// planner's own rules (coexistence.ts) so the two check each other.
import type { Change, ResourceRecordSet } from '../route53-types.js';
import { normalizeRoute53Name } from '../route53-names.js';
import { comparableForm } from '../from-route53.js';

export class InvalidChangeBatch extends Error {}

const keyOf = (set: ResourceRecordSet): string =>
  `${normalizeRoute53Name(set.Name)}|${set.Type}|${set.SetIdentifier ?? ''}`;

function routingKind(set: ResourceRecordSet): string {
  if (set.SetIdentifier === undefined) return 'simple';
  const kinds = [
    set.Weight !== undefined && 'weighted',
    set.Region !== undefined && 'latency',
    set.Failover !== undefined && 'failover',
    set.GeoLocation !== undefined && 'geolocation',
    set.MultiValueAnswer === true && 'multivalue',
  ].filter((k): k is string => k !== false);
  if (kinds.length !== 1)
    throw new InvalidChangeBatch(
      `${keyOf(set)}: expected exactly one routing policy, found ${kinds.length}`,
    );
  return kinds[0] ?? 'simple';
}

function checkRecordSet(zoneName: string, set: ResourceRecordSet): void {
  const name = normalizeRoute53Name(set.Name);
  if (name !== zoneName && !name.endsWith(`.${zoneName}`)) {
    throw new InvalidChangeBatch(`${name} is not in zone ${zoneName}`);
  }
  const hasRouting =
    set.Weight !== undefined ||
    set.Region !== undefined ||
    set.Failover !== undefined ||
    set.GeoLocation !== undefined ||
    set.MultiValueAnswer !== undefined;
  if (set.SetIdentifier === undefined && hasRouting) {
    throw new InvalidChangeBatch(`${keyOf(set)}: a routing policy needs a SetIdentifier`);
  }
  routingKind(set);
  if (set.AliasTarget !== undefined) {
    if (set.TTL !== undefined || set.ResourceRecords !== undefined) {
      throw new InvalidChangeBatch(`${keyOf(set)}: an alias has neither TTL nor ResourceRecords`);
    }
    if (set.Type !== 'A' && set.Type !== 'AAAA')
      throw new InvalidChangeBatch(`${keyOf(set)}: alias of type ${set.Type}`);
    if (set.MultiValueAnswer === true)
      throw new InvalidChangeBatch(`${keyOf(set)}: multivalue alias`);
  } else {
    if (set.TTL === undefined || (set.ResourceRecords ?? []).length === 0) {
      throw new InvalidChangeBatch(`${keyOf(set)}: TTL and ResourceRecords are required`);
    }
    if (set.Type === 'CNAME' && set.ResourceRecords?.length !== 1) {
      throw new InvalidChangeBatch(`${keyOf(set)}: a CNAME has one value`);
    }
  }
  if (set.Type === 'CNAME' && name === zoneName)
    throw new InvalidChangeBatch(`CNAME at apex ${name}`);
  if (set.Type === 'CNAME' && set.MultiValueAnswer === true)
    throw new InvalidChangeBatch(`${keyOf(set)}: multivalue CNAME`);
}

function checkZone(sets: readonly ResourceRecordSet[]): void {
  for (const [i, a] of sets.entries()) {
    for (const b of sets.slice(i + 1)) {
      if (normalizeRoute53Name(a.Name) !== normalizeRoute53Name(b.Name)) continue;
      const what = `${keyOf(a)} and ${keyOf(b)}`;
      if (a.Type !== b.Type) {
        if (a.Type === 'CNAME' || b.Type === 'CNAME')
          throw new InvalidChangeBatch(`${what}: CNAME beside another type`);
        continue;
      }
      const kind = routingKind(a);
      if (kind === 'simple' || routingKind(b) !== kind)
        throw new InvalidChangeBatch(`${what}: mixed routing`);
      const sameCase =
        JSON.stringify([a.Region, a.Failover, a.GeoLocation]) ===
        JSON.stringify([b.Region, b.Failover, b.GeoLocation]);
      if (['latency', 'failover', 'geolocation'].includes(kind) && sameCase) {
        throw new InvalidChangeBatch(`${what}: two ${kind} records for one case`);
      }
    }
  }
}

/** The zone's record sets after `changes`, or InvalidChangeBatch (the zone unchanged). */
export function applyChanges(
  zoneName: string,
  recordSets: readonly ResourceRecordSet[],
  changes: readonly Change[],
): ResourceRecordSet[] {
  const state = new Map(recordSets.map((set) => [keyOf(set), set]));
  for (const { Action, ResourceRecordSet: set } of changes) {
    checkRecordSet(zoneName, set);
    const key = keyOf(set);
    const existing = state.get(key);
    switch (Action) {
      case 'CREATE':
        if (existing !== undefined) throw new InvalidChangeBatch(`${key} already exists`);
        state.set(key, set);
        break;
      case 'DELETE':
        if (existing === undefined) throw new InvalidChangeBatch(`${key} not found`);
        if (comparableForm(existing) !== comparableForm(set)) {
          throw new InvalidChangeBatch(`${key}: values provided do not match the current values`);
        }
        state.delete(key);
        break;
      case 'UPSERT':
        if (existing !== undefined && routingKind(existing) !== routingKind(set)) {
          throw new InvalidChangeBatch(`${key}: cannot change the routing policy kind with UPSERT`);
        }
        state.set(key, set);
        break;
    }
  }
  const result = [...state.values()];
  checkZone(result);
  return result;
}
