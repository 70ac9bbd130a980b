// One hosted zone's listed record sets as the controller keeps them between listings: by
// name (normal form), so planning a few names reads only their records, and updated change by
// change as Route 53 accepts batches (core/records/apply-changes.ts has the same semantics
// over a whole array), with the count of records we own kept as it goes.
import { isOurRecordSet } from '../../core/records/ownership.js';
import { normalizeRoute53Name } from '../../core/records/route53-names.js';
import type {
  Change,
  ResourceRecord,
  ResourceRecordSet,
} from '../../core/records/route53-types.js';
import { SharedValues } from '../../core/shared-values.js';

/**
 * A TXT record set of one value and nothing else: what every ownership TXT is, one per record
 * we own. Kept as one object, where the set as listed is four (the set, its record list, the
 * list's elements, the record) that V8 keeps and marks for as long as the zone is listed:
 * ~96 bytes less per TXT on Node 24. The set is made again when read (`setOf`), which a plan
 * does for the names it plans: a few in a reconcile, every one in the drift check's.
 */
class OneValueTxt {
  constructor(
    readonly name: string,
    readonly ttl: number,
    readonly value: string,
  ) {}
}

type Kept = ResourceRecordSet | OneValueTxt;

/** The set as listed, whatever form it is kept in. Made afresh: callers may keep or change it. */
const setOf = (kept: Kept): ResourceRecordSet =>
  kept instanceof OneValueTxt
    ? { Name: kept.name, Type: 'TXT', TTL: kept.ttl, ResourceRecords: [{ Value: kept.value }] }
    : kept;

const idOf = (kept: Kept) =>
  kept instanceof OneValueTxt ? 'TXT|' : `${kept.Type}|${kept.SetIdentifier ?? ''}`;

/** The fields of a TXT set OneValueTxt keeps; a set with any other is kept as listed. */
const ONE_VALUE_TXT_FIELDS = 4;

/**
 * The values of address records, kept once (core/shared-values.ts): every record that points
 * at one ingress gateway lists the same addresses, and a list of its own was three heap
 * objects per record (the list, its elements, the record) for V8 to keep and mark. Only the
 * types whose values are addresses or host names (no line breaks, so joined they are a key
 * of one list only); ownership TXTs are kept as OneValueTxt, other types as they are.
 */
const SHARED_TYPES = new Set(['A', 'AAAA', 'CNAME']);
const recordLists = new SharedValues<ResourceRecord[]>(1024);

/**
 * The set as kept: a TXT of one value as a OneValueTxt, an address record as a new object with
 * the shared, frozen record list, any other as it is.
 */
function kept(set: ResourceRecordSet): Kept {
  const records = set.ResourceRecords;
  if (set.Type === 'TXT')
    return isOneValueTxt(set)
      ? new OneValueTxt(set.Name, set.TTL, set.ResourceRecords[0].Value)
      : set;
  if (!SHARED_TYPES.has(set.Type) || records === undefined || records.length === 0) return set;
  const key = `${set.Type}\n${records.map((r) => r.Value).join('\n')}`;
  const shared = recordLists.get(
    key,
    () => Object.freeze(records.map(({ Value }) => Object.freeze({ Value }))) as ResourceRecord[],
  );
  return shared === records ? set : { ...set, ResourceRecords: shared };
}

function isOneValueTxt(
  set: ResourceRecordSet,
): set is ResourceRecordSet & { TTL: number; ResourceRecords: [ResourceRecord] } {
  if (set.TTL === undefined || set.ResourceRecords?.length !== 1) return false;
  let fields = 0;
  for (const field in set) if (set[field as keyof ResourceRecordSet] !== undefined) fields++;
  return fields === ONE_VALUE_TXT_FIELDS;
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

  constructor(records: readonly ResourceRecordSet[], ownerId: string) {
    this.#ownerId = ownerId;
    for (const set of records) this.#put(set);
  }

  /** Every record set, made afresh (a OneValueTxt is a set again only while it is read). */
  all(): ResourceRecordSet[] {
    return [...this.#byName.values()].flatMap(setsOf);
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

  #isOurs(kept: Kept | undefined): boolean {
    if (kept instanceof OneValueTxt) return isOurRecordSet([{ Value: kept.value }], this.#ownerId);
    return kept?.Type === 'TXT' && isOurRecordSet(kept.ResourceRecords, this.#ownerId);
  }

  #put(listed: ResourceRecordSet): void {
    const set = kept(listed);
    const name = normalizeRoute53Name(listed.Name);
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
  }
}

type AtName = Kept | Map<string, Kept>;

const setsOf = (sets: AtName): ResourceRecordSet[] =>
  sets instanceof Map ? Array.from(sets.values(), setOf) : [setOf(sets)];

/** The set with that `type|setIdentifier` among a name's. */
function find(sets: AtName | undefined, id: string): Kept | undefined {
  if (sets instanceof Map) return sets.get(id);
  return sets !== undefined && idOf(sets) === id ? sets : undefined;
}
