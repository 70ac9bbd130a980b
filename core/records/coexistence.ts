// Which record sets Route 53 lets share a name. A CNAME excludes every other type at its
// name; record sets of one name and type must either be a single simple one, or all carry a
// set identifier with the same kind of routing policy, and latency, failover and geolocation
// records must differ in region, role or location (each answers one case). Conflict resolution and the planner
// both ask this, so a desired record that could never be written is caught before sending.
import { policyKind } from './routing.js';
import type { ResourceRecordSet } from './route53-types.js';
import { readRecordSet } from './from-route53.js';

/**
 * True when `a` and `b` (different record sets: their name, type or set identifier differ)
 * may exist at the same time.
 */
export function canCoexist(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  const ra = readRecordSet(a);
  const rb = readRecordSet(b);
  if (ra.name !== rb.name) return true;
  if (ra.type !== rb.type) return ra.type !== 'CNAME' && rb.type !== 'CNAME';
  if (ra.setIdentifier === undefined || rb.setIdentifier === undefined) return false;
  if (ra.setIdentifier === rb.setIdentifier) return false;
  const kind = policyKind(a);
  if (kind !== policyKind(b)) return false;
  return !(kind in SINGLE_PER_CASE) || caseOf(a) !== caseOf(b);
}

/** Policies where one record set answers each region, role or location. */
const SINGLE_PER_CASE = { latency: true, failover: true, geolocation: true };

function caseOf(recordSet: ResourceRecordSet): string {
  const geo = recordSet.GeoLocation;
  return JSON.stringify([
    recordSet.Region ?? null,
    recordSet.Failover ?? null,
    geo?.ContinentCode?.toUpperCase() ?? null,
    geo?.CountryCode?.toUpperCase() ?? null,
    geo?.SubdivisionCode?.toUpperCase() ?? null,
  ]);
}
