// Cutting a zone's changes into ChangeResourceRecordSets requests within Route 53's limits:
// at most 1,000 ResourceRecord elements and 32,000 characters of Value per request, an UPSERT
// counting twice for both. A group (change-groups.ts) is never cut: a record and its
// ownership TXT travel together. When Route 53 rejects a batch, `splitBatch` halves it along
// group lines so the caller can narrow down the bad change without holding back the rest;
// `partRefusedBatch` spares it the halving when Route 53's refusal names the changes.
import { keyOf } from './apply-changes.js';
import { groupChanges } from './change-groups.js';
import type { Change } from './route53-types.js';

export interface BatchLimits {
  maxRecords: number;
  maxValueChars: number;
}

export const ROUTE53_LIMITS: BatchLimits = { maxRecords: 1000, maxValueChars: 32000 };

export interface BatchSize {
  records: number;
  valueChars: number;
}

/**
 * What a change counts against the limits. An alias has no ResourceRecord elements; it is
 * counted as one, with its DNS name as its characters, to stay on the safe side of a limit
 * Route 53 does not document for aliases.
 */
export function changeSize(change: Change): BatchSize {
  const set = change.ResourceRecordSet;
  const factor = change.Action === 'UPSERT' ? 2 : 1;
  const values = set.ResourceRecords ?? [];
  const records = set.AliasTarget === undefined ? values.length : 1;
  const valueChars =
    set.AliasTarget === undefined
      ? values.reduce((sum, r) => sum + r.Value.length, 0)
      : set.AliasTarget.DNSName.length;
  return { records: factor * Math.max(records, 1), valueChars: factor * valueChars };
}

export function sizeOf(changes: readonly Change[]): BatchSize {
  return changes.map(changeSize).reduce(
    (sum, size) => ({
      records: sum.records + size.records,
      valueChars: sum.valueChars + size.valueChars,
    }),
    { records: 0, valueChars: 0 },
  );
}

export function withinLimits(size: BatchSize, limits: BatchLimits): boolean {
  return size.records <= limits.maxRecords && size.valueChars <= limits.maxValueChars;
}

/**
 * Packs groups, in order, into as few batches as fit the limits. A group too big for any
 * batch goes alone (Route 53 will refuse it, and the caller reports it) rather than being
 * cut. Concatenating the batches gives back the groups' changes in order.
 */
export function batches(
  groups: readonly (readonly Change[])[],
  limits: BatchLimits = ROUTE53_LIMITS,
): Change[][] {
  const out: Change[][] = [];
  let batch: Change[] = [];
  let size: BatchSize = { records: 0, valueChars: 0 };
  for (const group of groups) {
    if (group.length === 0) continue;
    const groupSize = sizeOf(group);
    const next = {
      records: size.records + groupSize.records,
      valueChars: size.valueChars + groupSize.valueChars,
    };
    if (batch.length > 0 && !withinLimits(next, limits)) {
      out.push(batch);
      batch = [...group];
      size = groupSize;
    } else {
      batch.push(...group);
      size = next;
    }
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * How many of the leading groups make the first request `batches` would cut: the syncer sends
 * a zone's changes one request at a time and keeps the rest waiting, where a newer plan can
 * still replace them before they are sent. At least one group when there are any (a group too
 * big for a request goes alone, as in `batches`).
 */
export function groupsInFirstBatch(
  groups: readonly (readonly Change[])[],
  limits: BatchLimits = ROUTE53_LIMITS,
): number {
  let size: BatchSize = { records: 0, valueChars: 0 };
  let changes = 0;
  for (const [i, group] of groups.entries()) {
    if (group.length === 0) continue;
    const groupSize = sizeOf(group);
    const next = {
      records: size.records + groupSize.records,
      valueChars: size.valueChars + groupSize.valueChars,
    };
    if (changes > 0 && !withinLimits(next, limits)) return i;
    size = next;
    changes += group.length;
  }
  return groups.length;
}

/**
 * A failed batch cut in two along group lines (groups re-derived from the changes), or the
 * batch alone when it is one group: that group is the bad change.
 */
export function splitBatch(batch: readonly Change[]): Change[][] {
  const groups = groupChanges(batch);
  if (groups.length < 2) return [[...batch]];
  const half = Math.ceil(groups.length / 2);
  return [groups.slice(0, half).flat(), groups.slice(half).flat()];
}

/**
 * A record set as an InvalidChangeBatch message names it, for example "Tried to create
 * resource record set [name='w.example.com.', type='A', set-identifier='east'] but it already
 * exists", "Tried to delete … but it was not found", "… but the values provided do not match
 * the current values". Route 53 gives one such message per change it refuses.
 */
const NAMED_RECORD_SET =
  /resource record set \[name='([^']*)', type='([A-Za-z0-9]+)'(?:, set-identifier='([^']*)')?\]/g;

/**
 * A refused batch parted by what the refusal names: the groups holding a change it names, and
 * the other groups, which can go again as they are. Undefined when it names none of the
 * batch's changes (a refusal worded otherwise), so the caller halves the batch instead.
 *
 * Why it matters: when our picture of a zone is behind (a batch we stopped waiting for landed
 * after all, someone else wrote), every change of a batch can be refused at once, and halving
 * down to each of them costs about two requests per change: 500 for a batch of 250 names, at
 * 5 requests per second shared by the whole account. Parted, it costs one more request.
 */
export function partRefusedBatch(
  batch: readonly Change[],
  messages: readonly string[],
): { refused: Change[]; rest: Change[] } | undefined {
  const named = new Set<string>();
  for (const message of messages) {
    for (const [, name = '', type = '', identifier] of message.matchAll(NAMED_RECORD_SET)) {
      named.add(
        keyOf({
          Name: name,
          Type: type.toUpperCase(),
          ...(identifier !== undefined && { SetIdentifier: identifier }),
        }),
      );
    }
  }
  if (named.size === 0) return undefined;
  const refused: Change[] = [];
  const rest: Change[] = [];
  for (const group of groupChanges(batch)) {
    // Our changes spell types in capitals, as Route 53's messages do.
    const hit = group.some((c) => named.has(keyOf(c.ResourceRecordSet)));
    (hit ? refused : rest).push(...group);
  }
  return refused.length === 0 ? undefined : { refused, rest };
}
