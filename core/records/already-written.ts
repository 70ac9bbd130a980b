// The planner's shortcut for the common case: an endpoint whose record set and ownership TXT
// are already exactly as it would write them, with nothing else at either name. In steady
// state that is every endpoint, and the full path (plan-writes.ts) builds both record sets,
// their keys and labels, looks for blockers and compares comparable forms only to do nothing.
//
// The shortcut is a sufficient condition, never an approximation: it answers true only where
// planEndpoint would add no change, decision or refusal and rely on no other endpoint's
// rewrite; anything it is not sure of (aliases, routing policies, adoption, CREATE_ONLY,
// another record at the name, a value in another form) goes the full way. Why each check
// suffices, step by step through planEndpoint:
// - not a CNAME at the apex and not an alias: neither early refusal applies;
// - the record at the endpoint's key is the endpoint's own name, type and set identifier,
//   and ours: not refused as foreign, no external-dns claim is looked at (it exists);
// - it is the only record at its name, and its ownership TXT (the one our ownership reading
//   found, at the very name and set identifier planEndpoint looks up) is the only one at its
//   name: neither blocker search finds anything, so nothing is relied on;
// - the record's TTL, values (same strings, same order), health check and absent routing
//   fields are what toRecordSet writes: equal as data where comparableForm reads, so
//   sameRecordSet holds and write() adds nothing;
// - the TXT holds exactly one value, our label for this endpoint's object as ownershipValue
//   writes it, with TTL 300, no routing, no health check, no alias: nothing is preserved
//   beside it and it equals the TXT planEndpoint builds;
// - no adopted owner: releaseAdopted is not run.
import { DEFAULT_TTL, resourceOf, type Endpoint } from './endpoint.js';
import type { CurrentRecord } from './from-route53.js';
import { OWNERSHIP_TTL, ownershipValue } from './ownership.js';
import type { ResourceRecordSet } from './route53-types.js';
import { ownershipOf, recordAt } from './zone-state.js';
import type { ZoneWork } from './zone-work.js';

/** True when planning `endpoint` in this zone changes nothing. */
export function alreadyWritten(work: ZoneWork, endpoint: Endpoint): boolean {
  const { state, ids, options } = work;
  if (endpoint.alias !== undefined || endpoint.routing !== undefined) return false;
  if (options.policy === 'CREATE_ONLY' || ids.adoptExternalDnsOwner !== undefined) return false;
  if (endpoint.type === 'CNAME' && endpoint.name === state.zone.name) return false;
  const current = recordAt(state, endpoint.name, endpoint.type, endpoint.setIdentifier);
  if (
    current === undefined ||
    current.setIdentifier !== endpoint.setIdentifier ||
    !aloneAtName(work, current)
  ) {
    return false;
  }
  const ownership = ownershipOf(state, current, ids);
  if (ownership.kind !== 'ours') return false;
  const txt = ownership.txt;
  if (txt.type !== 'TXT' || txt.setIdentifier !== endpoint.setIdentifier) return false;
  if (!aloneAtName(work, txt)) return false;

  const set = current.recordSet;
  if (
    set.TTL !== (endpoint.ttl ?? DEFAULT_TTL) ||
    set.HealthCheckId !== endpoint.healthCheckId ||
    !plainRouting(set) ||
    !sameValues(set, endpoint.targets)
  ) {
    return false;
  }
  const txtSet = txt.recordSet;
  const values = txtSet.ResourceRecords;
  return (
    txtSet.TTL === OWNERSHIP_TTL &&
    txtSet.HealthCheckId === undefined &&
    plainRouting(txtSet) &&
    values !== undefined &&
    values.length === 1 &&
    values[0]?.Value === ownValue(work, endpoint)
  );
}

function aloneAtName(work: ZoneWork, record: CurrentRecord): boolean {
  return work.state.byName.get(record.name) === record;
}

/** No alias, and none of the routing fields comparableForm reads. */
function plainRouting(set: ResourceRecordSet): boolean {
  return (
    set.AliasTarget === undefined &&
    set.Weight === undefined &&
    set.Region === undefined &&
    set.Failover === undefined &&
    set.GeoLocation === undefined &&
    set.MultiValueAnswer !== true
  );
}

function sameValues(set: ResourceRecordSet, targets: readonly string[]): boolean {
  const records = set.ResourceRecords ?? [];
  if (records.length !== targets.length) return false;
  for (let i = 0; i < targets.length; i++) {
    if (records[i]?.Value !== targets[i]) return false;
  }
  return true;
}

/** Our label for the endpoint's object, built once per object (its endpoints share it). */
function ownValue(work: ZoneWork, endpoint: Endpoint): string {
  let value = work.ownValues.get(endpoint.owner);
  if (value === undefined) {
    value = ownershipValue(work.ids.ownerId, resourceOf(endpoint.owner));
    work.ownValues.set(endpoint.owner, value);
  }
  return value;
}
