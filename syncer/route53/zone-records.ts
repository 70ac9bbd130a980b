// One hosted zone's listed record sets as the controller keeps them between listings: by
// name (normal form), so planning a few names reads only their records, and updated change by
// change as Route 53 accepts batches (core/records/apply-changes.ts has the same semantics
// over a whole array), with the count of records we own kept as it goes.
import { isOurs } from '../../core/records/ownership.js';
import { valuesOf } from '../../core/records/from-route53.js';
import { normalizeRoute53Name } from '../../core/records/route53-names.js';
import type {
  Change,
  ResourceRecord,
  ResourceRecordSet,
} from '../../core/records/route53-types.js';
import { SharedValues } from '../../core/shared-values.js';

const idOf = (set: ResourceRecordSet) => `${set.Type}|${set.SetIdentifier ?? ''}`;

/**
 * The values of address records, kept once (core/shared-values.ts): every record that points
 * at one ingress gateway lists the same addresses, and a list of its own was three heap
 * objects per record (the list, its elements, the record) for V8 to keep and mark. Only the
 * types whose values are addresses or host names (no line breaks, so joined they are a key
 * of one list only); ownership TXTs and other types are kept as they are.
 */
const SHARED_TYPES = new Set(['A', 'AAAA', 'CNAME']);
const recordLists = new SharedValues<ResourceRecord[]>(1024);

/** The set as kept: a new object with the shared, frozen record list where it has one. */
function kept(set: ResourceRecordSet): ResourceRecordSet {
  const records = set.ResourceRecords;
  if (!SHARED_TYPES.has(set.Type) || records === undefined || records.length === 0) return set;
  const key = `${set.Type}\n${records.map((r) => r.Value).join('\n')}`;
  const shared = recordLists.get(
    key,
    () => Object.freeze(records.map(({ Value }) => Object.freeze({ Value }))) as ResourceRecord[],
  );
  return shared === records ? set : { ...set, ResourceRecords: shared };
}

export class ZoneRecords {
  readonly #ownerId: string;
  /**
   * name → its record set, or `type|setIdentifier` → record set where a name has several.
   * Most names have one (a record, or its ownership TXT): a Map each would be most of what a
   * listing of 100k names keeps.
   */
  readonly #byName = new Map<string, AtName>();
  #owned = 0;
  #all: ResourceRecordSet[] | undefined;

  constructor(records: readonly ResourceRecordSet[], ownerId: string) {
    this.#ownerId = ownerId;
    for (const set of records) this.#put(set);
  }

  /** Every record set (a cached array: do not change it). */
  all(): readonly ResourceRecordSet[] {
    this.#all ??= [...this.#byName.values()].flatMap(setsOf);
    return this.#all;
  }

  at(name: string): readonly ResourceRecordSet[] {
    const sets = this.#byName.get(name);
    return sets === undefined ? [] : setsOf(sets);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  names(): IterableIterator<string> {
    return this.#byName.keys();
  }

  /** Our ownership TXTs here: what the deletion guard measures deletions against. */
  get owned(): number {
    return this.#owned;
  }

  /** The zone after a batch Route 53 accepted. */
  apply(changes: readonly Change[]): void {
    for (const { Action, ResourceRecordSet: set } of changes) {
      if (Action === 'DELETE') this.#delete(set);
      else this.#put(set);
    }
  }

  #isOurs(set: ResourceRecordSet | undefined): boolean {
    return set?.Type === 'TXT' && isOurs(valuesOf(set), this.#ownerId);
  }

  #put(listed: ResourceRecordSet): void {
    const set = kept(listed);
    const name = normalizeRoute53Name(set.Name);
    const id = idOf(set);
    const here = this.#byName.get(name);
    if (this.#isOurs(find(here, id))) this.#owned--;
    if (here instanceof Map) here.set(id, set);
    else if (here === undefined || idOf(here) === id) this.#byName.set(name, set);
    else {
      this.#byName.set(
        name,
        new Map([
          [idOf(here), here],
          [id, set],
        ]),
      );
    }
    if (this.#isOurs(set)) this.#owned++;
    this.#all = undefined;
  }

  #delete(set: ResourceRecordSet): void {
    const name = normalizeRoute53Name(set.Name);
    const id = idOf(set);
    const here = this.#byName.get(name);
    if (this.#isOurs(find(here, id))) this.#owned--;
    if (here instanceof Map) {
      here.delete(id);
      // Back to one set: kept bare again.
      const [only, more] = here.values();
      if (only === undefined) this.#byName.delete(name);
      else if (more === undefined) this.#byName.set(name, only);
    } else if (here !== undefined && idOf(here) === id) this.#byName.delete(name);
    this.#all = undefined;
  }
}

type AtName = ResourceRecordSet | Map<string, ResourceRecordSet>;

const setsOf = (sets: AtName): ResourceRecordSet[] =>
  sets instanceof Map ? [...sets.values()] : [sets];

/** The set with that `type|setIdentifier` among a name's. */
function find(sets: AtName | undefined, id: string): ResourceRecordSet | undefined {
  if (sets instanceof Map) return sets.get(id);
  return sets !== undefined && idOf(sets) === id ? sets : undefined;
}
