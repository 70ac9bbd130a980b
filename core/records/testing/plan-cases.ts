// Small builders for the planner's table tests: records as Route 53 lists them, endpoints,
// and a one-line-per-change view of a plan.
import type { Endpoint, OwnerResource } from '../endpoint.js';
import { ownershipValue } from '../ownership.js';
import { plan } from '../plan.js';
import type { Plan, PlanOptions } from '../plan.js';
import type { Change, HostedZone, ResourceRecordSet } from '../route53-types.js';

export const PUBLIC: HostedZone = {
  Id: '/hostedzone/ZPUB',
  Name: 'example.com.',
  Config: { PrivateZone: false },
};
export const PRIVATE: HostedZone = {
  Id: '/hostedzone/ZPRIV',
  Name: 'example.com.',
  Config: { PrivateZone: true },
};
export const APPS: HostedZone = { Id: '/hostedzone/ZAPPS', Name: 'apps.example.com.' };
export const GW: OwnerResource = {
  kind: 'gateway',
  namespace: 'istio-system',
  name: 'main',
  creationTimestamp: '2024-01-01T00:00:00Z',
};
export const SVC: OwnerResource = {
  kind: 'service',
  namespace: 'apps',
  name: 'web',
  creationTimestamp: '2024-03-01T00:00:00Z',
};
export const ELB = 'lb-1.us-east-1.elb.amazonaws.com';
export const OURS = ownershipValue('me', 'gateway/istio-system/main');
export const EDNS =
  '"heritage=external-dns,external-dns/owner=edns,external-dns/resource=service/default/web"';

export const a = (name: string, targets: string[], extra: Partial<Endpoint> = {}): Endpoint => ({
  name,
  type: 'A',
  targets,
  ttl: 300,
  owner: GW,
  ...extra,
});
export const cname = (name: string, target: string, extra: Partial<Endpoint> = {}): Endpoint => ({
  name,
  type: 'CNAME',
  targets: [target],
  ttl: 300,
  owner: GW,
  ...extra,
});
export const alias = (name: string, target: string, extra: Partial<Endpoint> = {}): Endpoint => ({
  name,
  type: 'A',
  targets: [target],
  alias: { sameZone: false, hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: false },
  owner: GW,
  ...extra,
});

/** A record set as Route 53 lists it: dotted name. */
export const rr = (
  name: string,
  type: string,
  values: string[],
  extra: Partial<ResourceRecordSet> = {},
): ResourceRecordSet => ({
  Name: `${name}.`,
  Type: type,
  TTL: 300,
  ResourceRecords: values.map((Value) => ({ Value })),
  ...extra,
});
export const txt = (name: string, value: string, extra: Partial<ResourceRecordSet> = {}) =>
  rr(name, 'TXT', [value], extra);

export function run(
  current: ResourceRecordSet[] | Record<string, ResourceRecordSet[]>,
  desired: Endpoint[],
  options: Partial<PlanOptions> = {},
  zones: HostedZone[] = [PUBLIC],
  unreadable?: ReadonlySet<string>,
): Plan {
  const listings = Array.isArray(current) ? { ZPUB: current } : current;
  return plan(
    new Map(Object.entries(listings)),
    desired,
    zones,
    { ownerId: 'me', policy: 'SYNC', domainFilter: [], ...options },
    unreadable,
  );
}

/** The plan's changes, one line each: `ZONE ACTION TYPE name (set) values`. */
export function lines(result: Plan): string[] {
  const describe = (zoneId: string, c: Change): string => {
    const s = c.ResourceRecordSet;
    const what = s.AliasTarget
      ? `alias ${s.AliasTarget.DNSName}`
      : (s.ResourceRecords ?? []).map((r) => r.Value).join(',');
    return `${zoneId} ${c.Action} ${s.Type} ${s.Name}${s.SetIdentifier === undefined ? '' : ` (${s.SetIdentifier})`} ${what}`;
  };
  return result.zones.flatMap((z) => z.groups.flat().map((c) => describe(z.zoneId, c)));
}
