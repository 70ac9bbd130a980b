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
import {
  compareText,
  describeRecord,
  endpointKey,
  isRecordType,
  recordKey,
  resourceOf,
} from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { checkOwnerId } from './ownership.js';
import { planDeletions } from './plan-deletions.js';
import type { Plan, PlanOptions, Refusal, ZonePlan } from './plan-types.js';
import { planEndpoint } from './plan-writes.js';
import type { Change, HostedZone, ResourceRecordSet } from './route53-types.js';
import { bareZoneId, normalizeRoute53Name } from './route53-names.js';
import { indexZone } from './zone-state.js';
import type { ZoneState } from './zone-state.js';
import { ownerIds, wantedByName } from './zone-work.js';
import type { KeptRecords, ZoneWork } from './zone-work.js';
import {
  heldAt,
  holdersOf,
  holds,
  incumbency,
  namespaceOfResource,
  resourcesOf,
  type Holders,
} from './incumbents.js';
import { judgeName } from '../tenancy/domain-policy.js';
import { eligibleZones, nameInFilter, zonesForName } from './zones.js';

export type * from './plan-types.js';

/**
 * @param current record sets per hosted zone ID (bare or `/hostedzone/`), each listing
 *   complete; a zone missing here is left alone.
 * @param unreadable `<kind>/<namespace>/<name>` of objects that exist but were skipped whole
 *   (invalid annotations, too many names): bad input loses nothing, so what they hold stays
 *   theirs — not deleted, not taken over, not joined — until they are fixed or deleted.
 */
export function plan(
  current: ReadonlyMap<string, readonly ResourceRecordSet[]>,
  desired: readonly Endpoint[],
  hostedZones: readonly HostedZone[],
  options: PlanOptions,
  unreadable: ReadonlySet<string> = new Set(),
): Plan {
  return planWith(current, desired, hostedZones, options, unreadable, true);
}

/**
 * plan() with every endpoint taken the full way, none through the shortcut for records
 * already written as wanted (already-written.ts): the reference the shortcut is tested
 * against, for identical plans.
 */
export function planExhaustively(
  current: ReadonlyMap<string, readonly ResourceRecordSet[]>,
  desired: readonly Endpoint[],
  hostedZones: readonly HostedZone[],
  options: PlanOptions,
  unreadable: ReadonlySet<string> = new Set(),
): Plan {
  return planWith(current, desired, hostedZones, options, unreadable, false);
}

function planWith(
  current: ReadonlyMap<string, readonly ResourceRecordSet[]>,
  desired: readonly Endpoint[],
  hostedZones: readonly HostedZone[],
  options: PlanOptions,
  unreadable: ReadonlySet<string>,
  shortcuts: boolean,
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
  const holders = holdersOf(states.values(), ownerIds(options), desired, unreadable);
  // The policy first: a name a namespace may not publish must not win a conflict — unless
  // its object holds the record already (the policy changed under it): then it is not
  // written, but neither can a newcomer take the record over before a person has looked.
  const notAllowed = new Set(judgedByPolicy(desired, options, refused));
  const resolution = resolveConflicts(
    desired.filter((e) => !notAllowed.has(e) || incumbency(e, holders) === 0),
    holders,
  );
  const accepted = resolution.accepted.filter(
    (e) => !notAllowed.has(e) && !heldForUnreadable(e, holders, unreadable, refused),
  );
  const { conflicts } = resolution;
  const wanted = new Map<string, Endpoint[]>();

  for (const endpoint of accepted) {
    // Described only when refused (describe below): built for each of 100k accepted
    // endpoints, it was a string apiece for nothing.
    if (!nameInFilter(endpoint.name, options.domainFilter)) {
      refused.push({
        reason: 'outside-domain-filter',
        endpoint,
        message: `${describe(endpoint)} is outside the domains this controller manages (${options.domainFilter.join(', ')})`,
      });
      continue;
    }
    const homes = zonesForName(endpoint.name, zones);
    if (homes.length === 0) {
      refused.push({
        reason: 'no-zone',
        endpoint,
        message: `no hosted zone${options.zoneType === undefined ? '' : ` (${options.zoneType})`} holds ${describe(endpoint)}`,
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
      const zonePlan = planZone(
        state,
        wanted.get(zone.id) ?? [],
        kept,
        options,
        zoneRefusals,
        shortcuts,
      );
      if (zonePlan.groups.length > 0) plans.push(zonePlan);
    }
    return { plans, zoneRefusals };
  };
  // What an object holds at a name stays while it wants something there it cannot have: a
  // record the policy now refuses its namespace, a record it is replacing with one that is
  // refused, a conflict loser's when the winner turns out unpublishable. Deleting those would
  // hand the name to the next object in line on the next reconcile (or leave it dark); they
  // are planned again, kept, whenever the first plan deleted one.
  const keptForUnreadable =
    unreadable.size === 0
      ? []
      : [...holders.byName].flatMap(([name, held]) =>
          resourcesOf(held)
            .filter((r) => unreadable.has(r))
            .map((resource) => ({ name, resource })),
        );
  let planned = planZones(keptRecords([...notAllowed], keptForUnreadable));
  const unpublished = new Set([...refused, ...planned.zoneRefusals].map((r) => r.endpoint));
  const kept = keptRecords(
    [
      ...notAllowed,
      ...planned.zoneRefusals.map((r) => r.endpoint),
      ...conflicts.filter((c) => unpublished.has(c.winner)).map((c) => c.loser),
    ],
    keptForUnreadable,
  );
  if (deletesKept(planned.plans, kept, holders)) {
    // Found by endpoint, not by searching the first list for each: refusals can be as many as
    // the endpoints, and a search per refusal made this quadratic in them.
    const first = new Map<Endpoint, Refusal[]>();
    for (const f of planned.zoneRefusals) {
      const list = first.get(f.endpoint);
      if (list === undefined) first.set(f.endpoint, [f]);
      else list.push(f);
    }
    planned = planZones(kept);
    // Said as the first plan found it: what a kept record blocks now is not the cause.
    planned.zoneRefusals = planned.zoneRefusals.map(
      (r) => first.get(r.endpoint)?.find((f) => f.zoneId === r.zoneId) ?? r,
    );
  }
  for (const refusal of planned.zoneRefusals) refused.push(refusal); // no spread: may be 100k+
  return {
    zones: planned.plans,
    refused,
    conflicts,
    unlistedZones: zones.filter((zone) => !states.has(zone.id)).map((zone) => zone.id),
  };
}

function describe(endpoint: Endpoint): string {
  return describeRecord(endpoint.name, endpoint.type, endpoint.setIdentifier);
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
    const record = describe(endpoint);
    refused.push({
      reason: 'name-not-allowed',
      endpoint,
      message: `${record}: ${verdict.message}`,
    });
    return true;
  });
}

/** Per name, the objects whose own records there must not be deleted. */
function keptRecords(
  endpoints: readonly Endpoint[],
  more: readonly { name: string; resource: string }[] = [],
): KeptRecords {
  const kept = new Map<string, Set<string>>();
  const pairs = [
    ...endpoints.map((e) => ({ name: e.name, resource: resourceOf(e.owner) })),
    ...more,
  ];
  for (const { name, resource } of pairs) {
    const resources = kept.get(name);
    if (resources === undefined) kept.set(name, new Set([resource]));
    else resources.add(resource);
  }
  return kept;
}

/**
 * Whether the endpoint would take the very record set held for an unreadable object, or join
 * a name one of another namespace holds; refused if so (no competing endpoint says so, the
 * object having been skipped).
 */
function heldForUnreadable(
  endpoint: Endpoint,
  holders: Holders,
  unreadable: ReadonlySet<string>,
  refused: Refusal[],
): boolean {
  if (unreadable.size === 0) return false;
  const own = resourceOf(endpoint.owner);
  const atKey = heldAt(holders, endpoint.name, endpoint.type, endpoint.setIdentifier);
  const holder = resourcesOf(holders.byName.get(endpoint.name)).find(
    (r) =>
      unreadable.has(r) &&
      r !== own &&
      (holds(atKey, r) || namespaceOfResource(r) !== endpoint.owner.namespace),
  );
  if (holder === undefined) return false;
  const record = describe(endpoint);
  refused.push({
    reason: 'name-taken',
    endpoint,
    message: `${record}: the name is held for ${holder}, which is skipped or asks for a record it cannot have (its annotations, names or addresses are over a limit or cannot be read now); it keeps what it holds until it is fixed or deleted`,
  });
  return true;
}

/** Whether the plans delete a record held for an object that `kept` says keeps it. */
function deletesKept(plans: readonly ZonePlan[], kept: KeptRecords, holders: Holders): boolean {
  return plans.some((zonePlan) =>
    zonePlan.groups.flat().some((change) => {
      const set = change.ResourceRecordSet;
      if (change.Action !== 'DELETE' || !isRecordType(set.Type)) return false;
      const name = normalizeRoute53Name(set.Name);
      const held = heldAt(holders, name, set.Type, set.SetIdentifier);
      return resourcesOf(held).some((resource) => kept.get(name)?.has(resource) === true);
    }),
  );
}

function planZone(
  state: ZoneState,
  wanted: readonly Endpoint[],
  kept: KeptRecords,
  options: PlanOptions,
  refused: Refusal[],
  shortcuts: boolean,
): ZonePlan {
  // A record an endpoint wants is judged by what it will become, not what it is: unless that
  // endpoint ends up refused (its record stays as it is). Plan again without those it
  // was refused for whenever a decision relied on them; the set only shrinks, so this ends.
  let written = options.policy === 'CREATE_ONLY' ? [] : wanted;
  for (;;) {
    const work = zoneWork(state, wanted, written, kept, options, shortcuts);
    // Deletions first: what they remove must not count as blocking a desired record.
    if (options.policy === 'SYNC') planDeletions(work);
    for (const endpoint of wanted) planEndpoint(work, endpoint);
    const refusedKeys = new Set(work.refused.map((r) => endpointKey(r.endpoint)));
    if (![...work.reliedOn].some((key) => refusedKeys.has(key))) {
      for (const refusal of work.refused) refused.push(refusal);
      return zonePlan(state, work);
    }
    written = written.filter((e) => !refusedKeys.has(endpointKey(e)));
  }
}

/** One zone's work as planning starts (exported for already-written.test.ts). */
export function zoneWork(
  state: ZoneState,
  wanted: readonly Endpoint[],
  written: readonly Endpoint[],
  kept: KeptRecords,
  options: PlanOptions,
  shortcuts: boolean,
): ZoneWork {
  return {
    state,
    options,
    ids: ownerIds(options),
    changes: [],
    decisions: [],
    refused: [],
    deleting: new Set(),
    wantedAt: wantedByName(wanted),
    kept,
    written,
    reliedOn: new Set(),
    released: new Set(),
    shortcuts,
    ownValues: new Map(),
  };
}

function zonePlan(state: ZoneState, work: ZoneWork): ZonePlan {
  // Each change's sort keys worked out once: the comparator runs N log N times, and a group
  // name (a TXT's guarded name read from its label) and a record key are strings built anew
  // on every call (at 800 changes a part, most of the part's planning time).
  const keyed = work.changes.map((change) => ({
    change,
    group: groupNameOf(change),
    // A same-zone alias needs its target to exist: send those after everything else.
    late:
      change.Action !== 'DELETE' &&
      change.ResourceRecordSet.AliasTarget?.HostedZoneId === state.zone.id
        ? 1
        : 0,
    txt: Number(change.ResourceRecordSet.Type === 'TXT'),
    id: changeId(change),
  }));
  const groupOrder = new Map<string, number>();
  for (const { group, late } of keyed) {
    groupOrder.set(group, Math.max(groupOrder.get(group) ?? 0, late));
  }
  keyed.sort(
    (a, b) =>
      (groupOrder.get(a.group) ?? 0) - (groupOrder.get(b.group) ?? 0) ||
      compareText(a.group, b.group) ||
      compareActions(a.change, b.change) ||
      // A record before its ownership TXT: the order a reader expects.
      a.txt - b.txt ||
      compareText(a.id, b.id),
  );
  return {
    zoneId: state.zone.id,
    zoneName: state.zone.name,
    private: state.zone.private,
    groups: groupChanges(keyed.map((k) => k.change)),
    decisions: work.decisions.sort(
      (a, b) => compareText(a.record, b.record) || compareText(a.action, b.action),
    ),
  };
}

function changeId(change: Change): string {
  const set = change.ResourceRecordSet;
  return recordKey(set.Name, set.Type, set.SetIdentifier);
}
