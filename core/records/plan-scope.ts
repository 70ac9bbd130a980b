// Planning part of the names: the planner's decisions about one name depend only on the
// endpoints and records at that name and at the names of its ownership TXTs (ours, at
// `<type>-<name>`; external-dns's, wherever its naming puts them) — holders, incumbency,
// conflicts, the domain policy, what is kept and what blocks what are all judged per name
// (incumbents.ts, conflicts.ts, plan-writes.ts, plan-deletions.ts). So the names fall into
// families that can be planned apart: plan() over one family's endpoints and records gives
// exactly the changes, refusals and conflicts the whole plan has for them. The syncer replans
// only the families of the names that changed, and cuts a whole plan into chunks it can
// yield between. A property test (plan-scope.properties.test.ts) holds this to plan().
import { groupNameOf } from './change-groups.js';
import { compareText, RECORD_TYPES } from './endpoint.js';
import {
  EXTERNAL_DNS_DEFAULT_NAMING,
  externalDnsTxtNames,
  guardedRecordOf,
  ownershipTxtName,
  type ExternalDnsTxtNaming,
} from './ownership.js';
import type { Plan, ZonePlan } from './plan-types.js';
import type { Change } from './route53-types.js';
import { NAMES_PER_STEP, runSteps, type Steps } from './steps.js';

const isDefaultNaming = (naming: ExternalDnsTxtNaming | undefined): boolean =>
  naming === undefined ||
  (naming.prefix === EXTERNAL_DNS_DEFAULT_NAMING.prefix &&
    naming.suffix === EXTERNAL_DNS_DEFAULT_NAMING.suffix &&
    naming.wildcardReplacement === EXTERNAL_DNS_DEFAULT_NAMING.wildcardReplacement);

/**
 * The names whose planning may read or write what planning `name` does: the record it guards
 * when it is an ownership TXT's name, and the names of its own TXTs (in every zone, apex or
 * not, for every record type, alias or not). Not all of them exist: the caller keeps those
 * that do.
 */
export function relatedNames(
  name: string,
  zoneNames: readonly string[],
  naming?: ExternalDnsTxtNaming,
): string[] {
  const related: string[] = [];
  const guarded = guardedRecordOf(name);
  if (guarded !== undefined) related.push(guarded.name);
  for (const type of RECORD_TYPES) {
    related.push(ownershipTxtName(name, type, ''));
    if (zoneNames.includes(name)) related.push(ownershipTxtName(name, type, name));
    for (const alias of [false, true])
      related.push(...externalDnsTxtNames(name, type, alias, naming));
  }
  return related;
}

/**
 * The families of `seeds`: every name reachable from them through relatedNames() among the
 * names that exist (`exists`: a record is listed there, or an endpoint wants it). Planning
 * these names alone plans the seeds as the whole plan would.
 */
export function namesInScope(
  seeds: Iterable<string>,
  exists: (name: string) => boolean,
  zoneNames: readonly string[],
  naming?: ExternalDnsTxtNaming,
): Set<string> {
  return runSteps(namesInScopeSteps(seeds, exists, zoneNames, naming));
}

/** namesInScope in steps (steps.ts). */
export function* namesInScopeSteps(
  seeds: Iterable<string>,
  exists: (name: string) => boolean,
  zoneNames: readonly string[],
  naming?: ExternalDnsTxtNaming,
): Steps<Set<string>> {
  const scope = new Set<string>();
  const queue: string[] = [];
  // A change every name shares (an ingress address) seeds every name: taken in steps too.
  for (const name of seeds) {
    if (scope.has(name)) continue;
    scope.add(name);
    if (queue.push(name) % NAMES_PER_STEP === 0) yield;
  }
  for (let i = 0; i < queue.length; i++) {
    if (i % NAMES_PER_STEP === NAMES_PER_STEP - 1) yield;
    for (const other of relatedNames(queue[i] ?? '', zoneNames, naming)) {
      if (scope.has(other) || !exists(other)) continue;
      scope.add(other);
      queue.push(other);
    }
  }
  return scope;
}

/**
 * Every existing name, in families (each family whole in one part), in parts of about
 * `partSize` names: the whole plan, cut so each part can be planned apart. With external-dns's
 * default naming every related name is either guarded by the other (`<type>-<name>`) or the
 * name itself, so one pass over the names with guardedRecordOf finds the families; other
 * namings also link each wanted name to where that naming puts its TXTs.
 */
export function nameFamilies(
  names: Iterable<string>,
  wanted: Iterable<{ name: string; type: (typeof RECORD_TYPES)[number]; alias: boolean }>,
  partSize: number,
  naming?: ExternalDnsTxtNaming,
): string[][] {
  return runSteps(nameFamiliesSteps(names, wanted, partSize, naming));
}

/** nameFamilies in steps (steps.ts). */
export function* nameFamiliesSteps(
  names: Iterable<string>,
  wanted: Iterable<{ name: string; type: (typeof RECORD_TYPES)[number]; alias: boolean }>,
  partSize: number,
  naming?: ExternalDnsTxtNaming,
): Steps<string[][]> {
  const families = isDefaultNaming(naming)
    ? yield* familiesByGuardedName(names)
    : yield* familiesByUnion(names, wanted, naming);
  const parts: string[][] = [];
  let part: string[] = [];
  for (const family of families) {
    part.push(...family);
    if (part.length >= partSize) {
      parts.push(part);
      part = [];
    }
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** Every `4 * NAMES_PER_STEP` calls, true: the caller yields. */
function stepper(): () => boolean {
  let n = 0;
  return () => ++n % (4 * NAMES_PER_STEP) === 0;
}

/**
 * The families under external-dns's default naming: each name links at most to the one name
 * it guards (guardedRecordOf), so the links form trees and a name's family is the root of its
 * tree, found by following them while the guarded name exists. No union-find: at 100k
 * endpoints its map of parents and its lookups were most of a whole plan's cutting.
 * Families in order of their first name, names in the order given, as familiesByUnion gives
 * them (exported for the property test that holds the two together).
 */
export function* familiesByGuardedName(names: Iterable<string>): Steps<Iterable<string[]>> {
  const step = stepper();
  const all = new Set<string>();
  for (const name of names) {
    all.add(name);
    if (step()) yield;
  }
  const families = new Map<string, string[]>();
  for (const name of all) {
    let root = name;
    for (let up = guardedRecordOf(root); up !== undefined && all.has(up.name);) {
      root = up.name;
      up = guardedRecordOf(root);
    }
    const family = families.get(root);
    if (family === undefined) families.set(root, [name]);
    else family.push(name);
    if (step()) yield;
  }
  return families.values();
}

/** The families under any naming: names joined with what they guard and with the names
 * where the naming puts each wanted name's TXTs (exported for the property test). */
export function* familiesByUnion(
  names: Iterable<string>,
  wanted: Iterable<{ name: string; type: (typeof RECORD_TYPES)[number]; alias: boolean }>,
  naming?: ExternalDnsTxtNaming,
): Steps<Iterable<string[]>> {
  const step = stepper();
  const parent = new Map<string, string>();
  for (const name of names) {
    parent.set(name, name);
    if (step()) yield;
  }
  const find = (name: string): string => {
    let root = name;
    for (let up = parent.get(root); up !== undefined && up !== root; up = parent.get(root)) {
      root = up;
    }
    // Path compression: the next find from here is one step.
    for (let at = name; at !== root;) {
      const up = parent.get(at) ?? root;
      parent.set(at, root);
      at = up;
    }
    return root;
  };
  const union = (a: string, b: string) => {
    if (!parent.has(a) || !parent.has(b)) return;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const name of parent.keys()) {
    const guarded = guardedRecordOf(name);
    if (guarded !== undefined) union(name, guarded.name);
    if (step()) yield;
  }
  for (const { name, type, alias } of wanted) {
    for (const txt of externalDnsTxtNames(name, type, alias, naming)) union(name, txt);
    if (step()) yield;
  }
  const families = new Map<string, string[]>();
  for (const name of parent.keys()) {
    if (step()) yield;
    const root = find(name);
    const family = families.get(root);
    if (family === undefined) families.set(root, [name]);
    else family.push(name);
  }
  return families.values();
}

/** A same-zone alias is sent after everything else (plan.ts zonePlan): its target first. */
const sendLast = (change: Change, zoneId: string): number =>
  change.Action !== 'DELETE' && change.ResourceRecordSet.AliasTarget?.HostedZoneId === zoneId
    ? 1
    : 0;

/** Plans of disjoint sets of names as one plan, zone by zone, in plan()'s order. */
export function mergePlans(parts: readonly Plan[], zoneOrder: readonly string[]): Plan {
  return runSteps(mergePlansSteps(parts, zoneOrder));
}

/** mergePlans in steps (steps.ts): a part, or a zone's sort, at a time. */
export function* mergePlansSteps(
  parts: readonly Plan[],
  zoneOrder: readonly string[],
): Steps<Plan> {
  const zones = new Map<string, ZonePlan>();
  for (const part of parts) {
    yield;
    for (const zone of part.zones) {
      const merged = zones.get(zone.zoneId);
      if (merged === undefined) {
        zones.set(zone.zoneId, {
          ...zone,
          groups: [...zone.groups],
          decisions: [...zone.decisions],
        });
      } else {
        // One by one: a spread of a zone's ~120k+ groups would overflow the stack.
        for (const group of zone.groups) merged.groups.push(group);
        for (const decision of zone.decisions) merged.decisions.push(decision);
      }
    }
  }
  for (const zone of zones.values()) {
    yield;
    const rank = (group: Change[]) => Math.max(...group.map((c) => sendLast(c, zone.zoneId)));
    const keyed = zone.groups.map((group) => ({
      group,
      rank: rank(group),
      name: group[0] === undefined ? '' : groupNameOf(group[0]),
    }));
    keyed.sort((a, b) => a.rank - b.rank || compareText(a.name, b.name));
    zone.groups = keyed.map((k) => k.group);
    zone.decisions.sort(
      (a, b) => compareText(a.record, b.record) || compareText(a.action, b.action),
    );
  }
  const order = new Map(zoneOrder.map((id, i) => [id, i]));
  return {
    zones: [...zones.values()].sort(
      (a, b) => (order.get(a.zoneId) ?? Infinity) - (order.get(b.zoneId) ?? Infinity),
    ),
    refused: parts.flatMap((p) => p.refused),
    conflicts: parts.flatMap((p) => p.conflicts),
    unlistedZones: parts[0]?.unlistedZones ?? [],
  };
}
