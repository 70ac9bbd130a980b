// Who holds each name now: the objects our ownership TXTs name, read from the listings. The
// planner gives them precedence (an incumbent keeps its name for as long as it wants it,
// whatever the creation times) and keeps every record set at one name within one namespace.
import { isRecordType, resourceOf, type Endpoint } from './endpoint.js';
import { addOneOrMany } from '../one-or-many.js';
import type { ZoneState } from './zone-state.js';
import { ownershipOf, type OwnerIds } from './zone-state.js';

/** The `<kind>/<namespace>/<name>` of each object holding a record, per name (in normal
 * form) and per record key: one object as its resource, several as a set (a name or a record
 * set is nearly always held for one object, and at 100k names a set each was a large share
 * of the plan's allocations). */
export interface Holders {
  byName: ReadonlyMap<string, HeldFor>;
  /**
   * Per record set, under its name (see heldAt): keyed by name, a string every lookup shares,
   * rather than by a record key built for each lookup. May also name objects that no longer
   * want the name (holdersOf's are unfiltered): every reader asks it about an object that
   * wants the record's name, or one skipped whole, and for those the answer is the same.
   */
  byRecord: ReadonlyMap<string, HeldRecord | readonly HeldRecord[]>;
}

/** The objects holding one record set: its type and set identifier (absent as `''`). */
export interface HeldRecord {
  type: string;
  setIdentifier: string;
  held: HeldFor;
}

export type HeldFor = string | ReadonlySet<string>;

export const NO_HOLDERS: Holders = { byName: new Map(), byRecord: new Map() };

/** The objects holding the record set of this name, type and set identifier (its key). */
export function heldAt(
  holders: Holders,
  name: string,
  type: string,
  setIdentifier: string | undefined,
): HeldFor | undefined {
  const atName = holders.byRecord.get(name);
  if (atName === undefined) return undefined;
  const set = setIdentifier ?? '';
  if (!Array.isArray(atName)) {
    const one = atName as HeldRecord;
    return one.type === type && one.setIdentifier === set ? one.held : undefined;
  }
  const all = atName as readonly HeldRecord[];
  return all.find((r) => r.type === type && r.setIdentifier === set)?.held;
}

/** Whether `resource` is among those `held` names. */
export function holds(held: HeldFor | undefined, resource: string): boolean {
  return typeof held === 'string' ? held === resource : held?.has(resource) === true;
}

/** The resources `held` names, in the order they were found. */
export function resourcesOf(held: HeldFor | undefined): readonly string[] {
  return held === undefined ? [] : typeof held === 'string' ? [held] : [...held];
}

/**
 * @param desired every endpoint wanted now: an object holds a name only while it still wants
 *   something there (a record of an object that wants nothing at the name any more holds it
 *   for no one: it is about to be deleted).
 * @param unreadable objects skipped whole (see plan.ts): they hold whatever they hold.
 */
export function holdersOf(
  states: Iterable<ZoneState>,
  ids: OwnerIds,
  desired: readonly Endpoint[],
  unreadable: ReadonlySet<string> = new Set(),
): Holders {
  const zones = [...states];
  // Both built on first use. Only endpoints that share a name, records to delete and objects
  // skipped or refused ask (conflicts.ts, plan.ts): in steady state nothing does, and reading
  // every listed record's ownership into a map of 100k names was a tenth of the plan.
  let found:
    | { names: string[]; resources: string[]; byRecord: Map<string, HeldRecord | HeldRecord[]> }
    | undefined;
  const ours = () => {
    if (found !== undefined) return found;
    // Each record of ours with the object its TXT names, in listing order.
    found = { names: [], resources: [], byRecord: new Map() };
    for (const state of zones) {
      for (const record of state.records) {
        if (!isRecordType(record.type)) continue;
        const ownership = ownershipOf(state, record, ids);
        if (ownership.kind !== 'ours') continue;
        const resource = ownership.resource;
        if (resource === undefined) continue;
        found.names.push(record.name);
        found.resources.push(resource);
        addHeld(found.byRecord, record, resource);
      }
    }
    return found;
  };
  // By name only the objects still wanting something there hold it: an endpoint whose very
  // record set is held for its object never asks, and the objects wanting each name take a
  // map of every desired name.
  let byName: Map<string, HeldFor> | undefined;
  const holdersByName = (): Map<string, HeldFor> => {
    if (byName !== undefined) return byName;
    const { names, resources } = ours();
    const wanting = new Map<string, HeldFor>();
    for (const endpoint of desired) addTo(wanting, endpoint.name, resourceOf(endpoint.owner));
    byName = new Map();
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const resource = resources[i] as string;
      // A skipped object is taken to want what it holds: it cannot say otherwise now.
      if (holds(wanting.get(name), resource) || unreadable.has(resource)) {
        addTo(byName, name, resource);
      }
    }
    return byName;
  };
  return {
    get byName() {
      return holdersByName();
    },
    get byRecord() {
      return ours().byRecord;
    },
  };
}

function addHeld(
  map: Map<string, HeldRecord | HeldRecord[]>,
  record: { name: string; type: string; setIdentifier?: string },
  resource: string,
): void {
  const setIdentifier = record.setIdentifier ?? '';
  const atName = map.get(record.name);
  const found =
    atName === undefined
      ? undefined
      : Array.isArray(atName)
        ? atName.find((r) => r.type === record.type && r.setIdentifier === setIdentifier)
        : atName.type === record.type && atName.setIdentifier === setIdentifier
          ? atName
          : undefined;
  if (found !== undefined) {
    if (typeof found.held === 'string') {
      if (found.held !== resource) found.held = new Set([found.held, resource]);
    } else (found.held as Set<string>).add(resource);
    return;
  }
  addOneOrMany(map, record.name, { type: record.type, setIdentifier, held: resource });
}

function addTo(map: Map<string, HeldFor>, key: string, value: string): void {
  const held = map.get(key);
  if (held === undefined) map.set(key, value);
  else if (typeof held === 'string') {
    if (held !== value) map.set(key, new Set([held, value]));
  } else (held as Set<string>).add(value);
}

/** The namespace part of `<kind>/<namespace>/<name>`. */
export function namespaceOfResource(resource: string): string {
  return resource.split('/')[1] ?? '';
}

/**
 * 0: the very record set it wants is held for this object; 1: a record at the name is held
 * for an object of its namespace (itself included); 2: a newcomer to the name. Judged per
 * record set, not per name: an object that holds one record at a name must not, by that,
 * win a second one from the object that holds that one (the two would take turns).
 */
export function incumbency(endpoint: Endpoint, holders: Holders): 0 | 1 | 2 {
  const atKey = heldAt(holders, endpoint.name, endpoint.type, endpoint.setIdentifier);
  if (atKey !== undefined && holds(atKey, resourceOf(endpoint.owner))) return 0;
  const atName = holders.byName.get(endpoint.name);
  if (atName === undefined) return 2;
  for (const resource of resourcesOf(atName)) {
    if (namespaceOfResource(resource) === endpoint.owner.namespace) return 1;
  }
  return 2;
}
