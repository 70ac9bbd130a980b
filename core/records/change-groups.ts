// Changes that must travel in one ChangeResourceRecordSets request. A record and its
// ownership TXT always do (design.md); so do all changes at one name, because Route 53 checks
// a batch as a whole: replacing an A with a CNAME, simple routing with weighted, or one
// policy kind with another is a DELETE and a CREATE that fail when sent apart.
import { guardedRecordOf } from './ownership.js';
import type { Change, ChangeAction } from './route53-types.js';
import { normalizeRoute53Name } from './route53-names.js';

/** The record name a change belongs with: its own, or for an ownership TXT the guarded one. */
export function groupNameOf(change: Change): string {
  const name = normalizeRoute53Name(change.ResourceRecordSet.Name);
  if (change.ResourceRecordSet.Type.toUpperCase() !== 'TXT') return name;
  return guardedRecordOf(name)?.name ?? name;
}

const ACTION_ORDER: Record<ChangeAction, number> = { DELETE: 0, UPSERT: 1, CREATE: 2 };

/** Deletions first, so what a CREATE replaces is gone when Route 53 checks the CREATE. */
export function compareActions(a: Change, b: Change): number {
  return ACTION_ORDER[a.Action] - ACTION_ORDER[b.Action];
}

/**
 * `changes` cut into groups by `groupNameOf`, groups in order of first appearance, changes
 * within a group deletions first (otherwise in their given order).
 */
export function groupChanges(changes: readonly Change[]): Change[][] {
  const groups = new Map<string, Change[]>();
  for (const change of changes) {
    const key = groupNameOf(change);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [change]);
    else group.push(change);
  }
  return [...groups.values()].map((group) => [...group].sort(compareActions));
}
