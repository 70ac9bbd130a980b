// One hosted zone's listed record sets as the controller keeps them between listings: by
// name (normal form), so planning a few names reads only their records, and updated change by
// change as Route 53 accepts batches (core/records/apply-changes.ts has the same semantics
// over a whole array), with the count of records we own kept as it goes.
import { isOurs } from '../../core/records/ownership.js';
import { valuesOf } from '../../core/records/from-route53.js';
import { normalizeRoute53Name } from '../../core/records/route53-names.js';
import type { Change, ResourceRecordSet } from '../../core/records/route53-types.js';

const idOf = (set: ResourceRecordSet) => `${set.Type}|${set.SetIdentifier ?? ''}`;

export class ZoneRecords {
  readonly #ownerId: string;
  /** name → `type|setIdentifier` → record set */
  readonly #byName = new Map<string, Map<string, ResourceRecordSet>>();
  #owned = 0;
  #all: ResourceRecordSet[] | undefined;

  constructor(records: readonly ResourceRecordSet[], ownerId: string) {
    this.#ownerId = ownerId;
    for (const set of records) this.#put(set);
  }

  /** Every record set (a cached array: do not change it). */
  all(): readonly ResourceRecordSet[] {
    this.#all ??= [...this.#byName.values()].flatMap((sets) => [...sets.values()]);
    return this.#all;
  }

  at(name: string): readonly ResourceRecordSet[] {
    const sets = this.#byName.get(name);
    return sets === undefined ? [] : [...sets.values()];
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

  #put(set: ResourceRecordSet): void {
    const name = normalizeRoute53Name(set.Name);
    let sets = this.#byName.get(name);
    if (sets === undefined) {
      sets = new Map();
      this.#byName.set(name, sets);
    }
    const id = idOf(set);
    if (this.#isOurs(sets.get(id))) this.#owned--;
    sets.set(id, set);
    if (this.#isOurs(set)) this.#owned++;
    this.#all = undefined;
  }

  #delete(set: ResourceRecordSet): void {
    const name = normalizeRoute53Name(set.Name);
    const sets = this.#byName.get(name);
    const id = idOf(set);
    if (this.#isOurs(sets?.get(id))) this.#owned--;
    sets?.delete(id);
    if (sets?.size === 0) this.#byName.delete(name);
    this.#all = undefined;
  }
}
