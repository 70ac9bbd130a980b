// A circuit breaker for mass deletion. Under SYNC the planner deletes what no object wants any
// more; when that is suddenly most of a zone's records, the likelier cause is a broken picture
// (a truncated list, CRDs uninstalled, a controller name or domain filter changed) than a
// cluster emptied on purpose, and deleting would take those names off the internet. Such a
// zone's pure deletions are held back and reported; creates and updates still go. An operator
// who means it raises the limit (`--max-delete-fraction 1` turns the guard off).
import { describeRecord } from './endpoint.js';
import { isOurRecordSet } from './ownership.js';
import type { ZonePlan } from './plan-types.js';
import { normalizeRoute53Name } from './route53-names.js';
import type { Change, ResourceRecordSet } from './route53-types.js';

/** The share of a zone's owned records one reconcile may delete unless told otherwise. */
export const DEFAULT_MAX_DELETE_FRACTION = 0.5;

/** Deletions up to this many per zone and reconcile are never held back. */
export const GUARD_MINIMUM = 10;

export interface HeldBack {
  zoneId: string;
  zoneName: string;
  /** Records (ownership TXTs aside) that would have been deleted. */
  deletions: number;
  /** Records we owned in the zone before. */
  owned: number;
  message: string;
}

/** How many records (not counting the TXTs) carry our ownership in a zone listing. */
export function ownedRecordCount(listing: readonly ResourceRecordSet[], ownerId: string): number {
  return listing.filter((set) => set.Type === 'TXT' && isOurRecordSet(set.ResourceRecords, ownerId))
    .length;
}

const isPureDeletion = (group: readonly Change[]) => group.every((c) => c.Action === 'DELETE');
const recordOf = (change: Change) =>
  describeRecord(
    normalizeRoute53Name(change.ResourceRecordSet.Name),
    change.ResourceRecordSet.Type,
    change.ResourceRecordSet.SetIdentifier,
  );

/**
 * The zone's plan without its pure deletions when they are more than `GUARD_MINIMUM` and
 * more than `maxFraction` of the records we own there; otherwise the plan unchanged.
 */
export function guardDeletions(
  zone: ZonePlan,
  owned: number,
  maxFraction: number,
): { plan: ZonePlan; heldBack?: HeldBack } {
  const pure = zone.groups.filter(isPureDeletion);
  const held = pure.flat().filter((c) => c.ResourceRecordSet.Type !== 'TXT');
  if (held.length <= GUARD_MINIMUM || held.length <= maxFraction * owned) return { plan: zone };
  const heldRecords = new Set(held.map(recordOf));
  const percent = owned === 0 ? 100 : Math.round((held.length / owned) * 100);
  return {
    plan: {
      ...zone,
      groups: zone.groups.filter((g) => !isPureDeletion(g)),
      decisions: zone.decisions.filter(
        (d) => !(d.action === 'delete' && heldRecords.has(d.record)),
      ),
    },
    heldBack: {
      zoneId: zone.zoneId,
      zoneName: zone.zoneName,
      deletions: held.length,
      owned,
      message: `held back deleting ${held.length} of the ${owned} records this controller owns in zone ${zone.zoneName} (${percent}%, above the ${Math.round(maxFraction * 100)}% limit): if objects were removed on purpose, raise --max-delete-fraction; otherwise look for what hides them (watch caches, CRDs, controller name, domain filter)`,
    },
  };
}
