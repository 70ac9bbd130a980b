// Which hosted zones a name lands in. `domainFilter` bounds what the syncer may touch at all;
// among the zones that remain, a name goes to the most specific one (a delegated
// `apps.example.com` zone wins over `example.com`), and to every zone of that name (a public
// and a private zone of one name are both served) unless `zoneType` picks one kind.
import { isWithinDomain } from '../names/hostname.js';
import type { HostedZone } from './route53-types.js';
import { bareZoneId, normalizeRoute53Name } from './route53-names.js';

export type ZoneType = 'public' | 'private';

export interface ZoneSelection {
  /** Domains whose names (and subdomains) may be touched; empty means all. */
  domainFilter: readonly string[];
  zoneType?: ZoneType;
}

/** A hosted zone with its ID bare and its name in normal form. */
export interface Zone {
  id: string;
  name: string;
  private: boolean;
  hostedZone: HostedZone;
}

export function readZone(hostedZone: HostedZone): Zone {
  return {
    id: bareZoneId(hostedZone.Id),
    name: normalizeRoute53Name(hostedZone.Name),
    private: hostedZone.Config?.PrivateZone === true,
    hostedZone,
  };
}

// Read once per filter, not per name: the planner asks for each of 100k names and each
// listed record. A filter is read-only (PlanOptions), so what is remembered cannot go stale.
const normalised = new WeakMap<readonly string[], readonly string[]>();
function normalDomains(domainFilter: readonly string[]): readonly string[] {
  let domains = normalised.get(domainFilter);
  if (domains === undefined) {
    domains = domainFilter
      .map((d) => normalizeRoute53Name(d.trim()).replace(/^\./, ''))
      .filter((d) => d !== '');
    normalised.set(domainFilter, domains);
  }
  return domains;
}

/** True when `name` lies within the filter: one of its domains or their subdomains. */
export function nameInFilter(name: string, domainFilter: readonly string[]): boolean {
  const domains = normalDomains(domainFilter);
  return domains.length === 0 || domains.some((domain) => isWithinDomain(name, domain));
}

/**
 * True when a zone can hold names within the filter: the zone lies within a filter domain,
 * or a filter domain lies within the zone (`example.com` holds `apps.example.com`).
 */
export function zoneInFilter(zoneName: string, domainFilter: readonly string[]): boolean {
  const domains = normalDomains(domainFilter);
  return (
    domains.length === 0 ||
    domains.some((d) => isWithinDomain(zoneName, d) || isWithinDomain(d, zoneName))
  );
}

/** The zones the syncer may touch under `selection`, sorted by ID. */
export function eligibleZones(zones: readonly HostedZone[], selection: ZoneSelection): Zone[] {
  return zones
    .map(readZone)
    .filter((zone) => zoneInFilter(zone.name, selection.domainFilter))
    .filter(
      (zone) =>
        selection.zoneType === undefined || zone.private === (selection.zoneType === 'private'),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The zones among `zones` where `name` belongs: all those with the longest matching name. */
export function zonesForName(name: string, zones: readonly Zone[]): Zone[] {
  const byName = zonesByName(zones);
  if (byName === undefined) {
    const matching = zones.filter((zone) => isWithinDomain(name, zone.name));
    const longest = Math.max(0, ...matching.map((zone) => zone.name.length));
    return matching.filter((zone) => zone.name.length === longest);
  }
  // The name itself, then each parent: the first one that names zones is the longest match
  // (the same zones, in the same order, as filtering every zone with isWithinDomain). With
  // 100k names and 50 zones, this is what keeps planning from testing 5 million suffixes.
  let suffix = name;
  for (;;) {
    const found = byName.get(suffix);
    if (found !== undefined) return [...found];
    const dot = suffix.indexOf('.');
    if (dot < 0) return [];
    suffix = suffix.slice(dot + 1);
  }
}

/** The zones by name, built once per zone list; undefined when a zone's name is empty. */
const indexes = new WeakMap<readonly Zone[], Map<string, Zone[]> | undefined>();
function zonesByName(zones: readonly Zone[]): Map<string, Zone[]> | undefined {
  if (indexes.has(zones)) return indexes.get(zones);
  let index: Map<string, Zone[]> | undefined = new Map<string, Zone[]>();
  for (const zone of zones) {
    if (zone.name === '') {
      index = undefined;
      break;
    }
    const list = index.get(zone.name);
    if (list === undefined) index.set(zone.name, [zone]);
    else list.push(zone);
  }
  indexes.set(zones, index);
  return index;
}
