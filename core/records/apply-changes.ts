// A zone listing after a change batch Route 53 accepted: what the syncer's cache becomes,
// so a successful write costs no relisting. No checks: Route 53 has already made them.
import { flatJoin } from '../flat-join.js';
import { normalizeRoute53Name } from './route53-names.js';
import type { Change, ResourceRecordSet } from './route53-types.js';

/**
 * The record set a change replaces or deletes: its name (normal form), type and set
 * identifier. Joined flat (core/flat-join.ts): a cache kept by record key holds one per record.
 */
export const keyOf = (set: ResourceRecordSet): string =>
  flatJoin('|', normalizeRoute53Name(set.Name), set.Type, set.SetIdentifier ?? '');

export function applyChanges(
  listing: readonly ResourceRecordSet[],
  changes: readonly Change[],
): ResourceRecordSet[] {
  const byKey = new Map(listing.map((set) => [keyOf(set), set]));
  for (const { Action, ResourceRecordSet: set } of changes) {
    if (Action === 'DELETE') byKey.delete(keyOf(set));
    else byKey.set(keyOf(set), set);
  }
  return [...byKey.values()];
}
