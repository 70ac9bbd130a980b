// The planner: desired Endpoints against Route 53's current record sets → the changes to
// send, per hosted zone. Pure: the caller lists the zones and record sets and sends the
// result. Its promises (design.md, "Mechanisms that must be right"):
// - nothing we don't own is updated or deleted: a record is ours only when our ownership TXT
//   guards it; a name someone else holds is refused (reported), never overwritten;
// - a zone without a listing gets no changes at all: deletes are never computed from a
//   partial picture, and the caller passes only zones whose listing completed;
// - planning against the state the plan produces yields no changes (steady state);
// - SYNC creates, updates and deletes; UPSERT_ONLY never deletes; CREATE_ONLY only creates;
//   names outside domainFilter and zones outside it or zoneType are never touched.
import { resolveConflicts } from './conflicts.js';
import { compareActions, groupChanges, groupNameOf } from './change-groups.js';
import { compareText, describeRecord, endpointKey, recordKey, resourceOf } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { checkOwnerId, ownershipTxtName } from './ownership.js';
import { planDeletions } from './plan-deletions.js';
import type { Plan, PlanOptions, Refusal, ZonePlan } from './plan-types.js';
import { planEndpoint } from './plan-writes.js';
import type { Change, HostedZone, ResourceRecordSet } from './route53-types.js';
import { bareZoneId } from './route53-names.js';
import { indexZone } from './zone-state.js';
import type { ZoneState } from './zone-state.js';
import { ownerIds } from './zone-work.js';
import type { KeptRecords, ZoneWork } from './zone-work.js';
import { holdersOf, incumbency } from './incumbents.js';
import { judgeName } from '../tenancy/domain-policy.js';
import { eligibleZones, nameInFilter, zonesForName } from './zones.js';

export type * from './plan-types.js';

/**
 * @param current record sets per hosted zone ID (bare or `/hostedzone/`), each listing
 *   complete; a zone missing here is left alone.
 */
export function plan(
  current: ReadonlyMap<string, readonly ResourceRecordSet[]>,
  desired: readonly Endpoint[],
  hostedZones: readonly HostedZone[],
  options: PlanOptions,
): Plan {
  checkOwnerId(options.ownerId);
  if (options.adoptExternalDnsOwner === '') {
    throw new Error('adoptExternalDnsOwner is empty: name the external-dns owner ID to adopt');
  }
  const listings = new Map([...current].map(([id, sets]) => [bareZoneId(id), sets]));
  const zones = eligibleZones(hostedZones, options);
  const states = new Map<string, ZoneState>();
  for (const zone of zones) {
    const listing = listings.get(zone.id);
    if (listing !== undefined) states.set(zone.id, indexZone(zone, listing));
  }
  const refused: Refusal[] = [];
  const holders = holdersOf(states.values(), ownerIds(options));
  // The policy first: a name a namespace may not publish must not win a conflict — unless
  // its object holds the record already (the policy changed under it): then it is not
  // written, but neither can a newcomer take the record over before a person has looked.
  const notAllowed = new Set(judgedByPolicy(desired, options, refused));
  const resolution = resolveConflicts(
    desired.filter((e) => !notAllowed.has(e) || incumbency(e, holders) === 0),
    holders,
  );
  const accepted = resolution.accepted.filter((e) => !notAllowed.has(e));
  const { conflicts } = resolution;
  const wanted = new Map<string, Endpoint[]>();

  for (const endpoint of accepted) {
    const record = describeRecord(endpoint.name, endpoint.type, endpoint.setIdentifier);
    if (!nameInFilter(endpoint.name, options.domainFilter)) {
      refused.push({
        reason: 'outside-domain-filter',
        endpoint,
        message: `${record} is outside the domains this controller manages (${options.domainFilter.join(', ')})`,
      });
      continue;
    }
    const homes = zonesForName(endpoint.name, zones);
    if (homes.length === 0) {
      refused.push({
        reason: 'no-zone',
        endpoint,
        message: `no hosted zone${options.zoneType === undefined ? '' : ` (${options.zoneType})`} holds ${record}`,
      });
      continue;
    }
    for (const zone of homes) {
      const list = wanted.get(zone.id);
      if (list === undefined) wanted.set(zone.id, [endpoint]);
      else list.push(endpoint);
    }
  }

  const planZones = (kept: KeptRecords) => {
    const plans: ZonePlan[] = [];
    const zoneRefusals: Refusal[] = [];
    for (const zone of zones) {
      const state = states.get(zone.id);
      if (state === undefined) continue;
      const zonePlan = planZone(state, wanted.get(zone.id) ?? [], kept, options, zoneRefusals);
      if (zonePlan.groups.length > 0) plans.push(zonePlan);
    }
    return { plans, zoneRefusals };
  };
  // What an object holds stays while it still wants it and cannot have it: a record the
  // policy now refuses its namespace is not deleted (its object hears why), and neither is a
  // conflict loser's when the winner turns out unpublishable — planned again to keep those.
  let planned = planZones(keptRecords([...notAllowed]));
  const unpublished = new Set([...refused, ...planned.zoneRefusals].map((r) => r.endpoint));
  const strandedLosers = conflicts.filter((c) => unpublished.has(c.winner)).map((c) => c.loser);
  if (strandedLosers.length > 0) {
    planned = planZones(keptRecords([...notAllowed, ...strandedLosers]));
  }
  refused.push(...planned.zoneRefusals);
  return {
    zones: planned.plans,
    refused,
    conflicts,
    unlistedZones: zones.filter((zone) => !states.has(zone.id)).map((zone) => zone.id),
  };
}

/** The endpoints the domain policy keeps from their namespaces, each refused with why. */
function judgedByPolicy(
  desired: readonly Endpoint[],
  options: PlanOptions,
  refused: Refusal[],
): Endpoint[] {
  const policy = options.domainPolicy;
  if (policy === undefined) return [];
  return desired.filter((endpoint) => {
    // A name outside the domain filter is another controller's to judge (and publish).
    if (!nameInFilter(endpoint.name, options.domainFilter)) return false;
    const verdict = judgeName(policy, endpoint.owner.namespace, endpoint.name);
    if (verdict.allowed) return false;
    const record = describeRecord(endpoint.name, endpoint.type, endpoint.setIdentifier);
    refused.push({
      reason: 'name-not-allowed',
      endpoint,
      message: `${record}: ${verdict.message}`,
    });
    return true;
  });
}

/** Per record key, the objects whose own record there must not be deleted. */
function keptRecords(endpoints: readonly Endpoint[]): KeptRecords {
  const kept = new Map<string, Set<string>>();
  for (const endpoint of endpoints) {
    const key = endpointKey(endpoint);
    const resources = kept.get(key);
    if (resources === undefined) kept.set(key, new Set([resourceOf(endpoint.owner)]));
    else resources.add(resourceOf(endpoint.owner));
  }
  return kept;
}

function planZone(
  state: ZoneState,
  wanted: readonly Endpoint[],
  kept: KeptRecords,
  options: PlanOptions,
  refused: Refusal[],
): ZonePlan {
  // A record an endpoint wants is judged by what it will become, not what it is: unless that
  // endpoint ends up refused (its record stays as it is). Plan again without those it
  // was refused for whenever a decision relied on them; the set only shrinks, so this ends.
  let written = options.policy === 'CREATE_ONLY' ? [] : wanted;
  for (;;) {
    const work = zoneWork(state, wanted, written, kept, options);
    // Deletions first: what they remove must not count as blocking a desired record.
    if (options.policy === 'SYNC') planDeletions(work);
    for (const endpoint of wanted) planEndpoint(work, endpoint);
    const refusedKeys = new Set(work.refused.map((r) => endpointKey(r.endpoint)));
    if (![...work.reliedOn].some((key) => refusedKeys.has(key))) {
      refused.push(...work.refused);
      return zonePlan(state, work);
    }
    written = written.filter((e) => !refusedKeys.has(endpointKey(e)));
  }
}

function zoneWork(
  state: ZoneState,
  wanted: readonly Endpoint[],
  written: readonly Endpoint[],
  kept: KeptRecords,
  options: PlanOptions,
): ZoneWork {
  const rewritten = new Map<string, string>();
  for (const endpoint of written) {
    const key = endpointKey(endpoint);
    rewritten.set(key, key);
    const txtName = ownershipTxtName(endpoint.name, endpoint.type, state.zone.name);
    rewritten.set(recordKey(txtName, 'TXT', endpoint.setIdentifier), key);
  }
  return {
    state,
    options,
    ids: ownerIds(options),
    changes: [],
    decisions: [],
    refused: [],
    deleting: new Set(),
    wantedKeys: new Set(wanted.map(endpointKey)),
    kept,
    rewritten,
    reliedOn: new Set(),
    released: new Set(),
  };
}

function zonePlan(state: ZoneState, work: ZoneWork): ZonePlan {
  const order = (change: Change): number =>
    // A same-zone alias needs its target to exist: send those after everything else.
    change.Action !== 'DELETE' &&
    change.ResourceRecordSet.AliasTarget?.HostedZoneId === state.zone.id
      ? 1
      : 0;
  const groupOrder = new Map<string, number>();
  for (const change of work.changes) {
    const name = groupNameOf(change);
    groupOrder.set(name, Math.max(groupOrder.get(name) ?? 0, order(change)));
  }
  const sorted = [...work.changes].sort(
    (a, b) =>
      (groupOrder.get(groupNameOf(a)) ?? 0) - (groupOrder.get(groupNameOf(b)) ?? 0) ||
      compareText(groupNameOf(a), groupNameOf(b)) ||
      compareActions(a, b) ||
      // A record before its ownership TXT: the order a reader expects.
      Number(a.ResourceRecordSet.Type === 'TXT') - Number(b.ResourceRecordSet.Type === 'TXT') ||
      compareText(changeId(a), changeId(b)),
  );
  return {
    zoneId: state.zone.id,
    zoneName: state.zone.name,
    private: state.zone.private,
    groups: groupChanges(sorted),
    decisions: work.decisions.sort(
      (a, b) => compareText(a.record, b.record) || compareText(a.action, b.action),
    ),
  };
}

function changeId(change: Change): string {
  const set = change.ResourceRecordSet;
  return recordKey(set.Name, set.Type, set.SetIdentifier);
}
