// Generated Route 53 worlds for property tests: a few hosted zones sharing names (a public
// and a private `example.com`, a delegated `apps.example.com`), records of ours from an
// earlier reconciliation (some drifted), records of another aws-controller, of external-dns
// (both TXT formats), and plain foreign records, all built through the strict simulator so
// every world is one Route 53 could hold.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Endpoint } from '../endpoint.js';
import { endpointArb, mutate, mutationArb, NAMES, routingArb } from './endpoint-arbitraries.js';
import type { Routed } from './endpoint-arbitraries.js';
import type { Plan, PlanOptions } from '../plan.js';
import { plan } from '../plan.js';
import type { Change, HostedZone, ResourceRecordSet } from '../route53-types.js';
import { bareZoneId, normalizeRoute53Name } from '../route53-names.js';
import { formatTxtValue } from '../txt-strings.js';
import { batches } from '../batches.js';
import { ownershipTxtName, ownershipValue } from '../ownership.js';
import { routingFieldsOf } from '../routing.js';
import { toRecordSet } from '../to-route53.js';
import { InvalidChangeBatch, applyChanges } from './route53-simulator.js';

export const OWNER_ID = 'me';
export const OTHER_OWNER_ID = 'them';
export const EXTERNAL_DNS_OWNER = 'edns';

export const ZONES: HostedZone[] = [
  { Id: '/hostedzone/ZPUB', Name: 'example.com.', Config: { PrivateZone: false } },
  { Id: '/hostedzone/ZPRIV', Name: 'example.com.', Config: { PrivateZone: true } },
  { Id: '/hostedzone/ZAPPS', Name: 'apps.example.com.' },
  { Id: 'ZORG', Name: 'Other.ORG.' },
];

type ForeignLabel =
  'none' | 'them' | 'edns-new' | 'edns-legacy' | 'edns-cname' | 'edns-other' | 'garbage';

interface ForeignRecord {
  zone: number;
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX';
  routed: Routed;
  ttl: number;
  alias: boolean;
  label: ForeignLabel;
}

const foreignArb: Arbitrary<ForeignRecord> = fc.record({
  zone: fc.nat(ZONES.length - 1),
  name: fc.constantFrom(...NAMES, 'a-www.example.com', 'cname-api.example.com'),
  type: fc.constantFrom(
    'A' as const,
    'AAAA' as const,
    'CNAME' as const,
    'TXT' as const,
    'MX' as const,
  ),
  routed: routingArb(false),
  ttl: fc.constantFrom(60, 300),
  alias: fc.boolean(),
  label: fc.constantFrom<ForeignLabel>(
    'none',
    'them',
    'edns-new',
    'edns-legacy',
    'edns-cname',
    'edns-other',
    'garbage',
  ),
});

type HeldLabel = 'edns-new' | 'edns-legacy' | 'edns-cname' | 'them' | 'none';
const heldArb = fc.record({
  index: fc.nat(20),
  label: fc.constantFrom<HeldLabel>('edns-new', 'edns-legacy', 'edns-cname', 'them', 'none'),
});

/** A desired record as someone else wrote it (other targets), with their registry TXT. */
function heldChanges(
  endpoint: Endpoint,
  label: HeldLabel,
  zone: { id: string; name: string },
): Change[] {
  const theirs: Endpoint =
    endpoint.alias === undefined && endpoint.type !== 'CNAME'
      ? { ...endpoint, targets: [endpoint.type === 'A' ? '198.51.100.2' : '2001:db8::77'] }
      : endpoint;
  const record = toRecordSet(theirs, zone);
  const type = endpoint.type.toLowerCase();
  const routing = routingFieldsOf(record);
  const txtAt = (txtName: string, value: string): Change => ({
    Action: 'CREATE',
    ResourceRecordSet: {
      Name: txtName,
      Type: 'TXT',
      ...(record.SetIdentifier !== undefined && { SetIdentifier: record.SetIdentifier }),
      ...routing,
      TTL: 300,
      ResourceRecords: [{ Value: value }],
    },
  });
  const txts: Record<HeldLabel, Change[]> = {
    'edns-new': [txtAt(`${type}-${endpoint.name}`, edLabel(EXTERNAL_DNS_OWNER))],
    'edns-legacy': [txtAt(endpoint.name, edLabel(EXTERNAL_DNS_OWNER))],
    'edns-cname': [txtAt(`cname-${endpoint.name}`, edLabel(EXTERNAL_DNS_OWNER))],
    them: [
      txtAt(
        ownershipTxtName(endpoint.name, endpoint.type, zone.name),
        ownershipValue(OTHER_OWNER_ID, 'service/x/y'),
      ),
    ],
    none: [],
  };
  return [{ Action: 'CREATE', ResourceRecordSet: record }, ...txts[label]];
}

type Drift = { kind: 'ttl' | 'drop-txt' | 'drop-record'; index: number };

const driftArb: Arbitrary<Drift> = fc.record({
  kind: fc.constantFrom('ttl' as const, 'drop-txt' as const, 'drop-record' as const),
  index: fc.nat(50),
});

export interface World {
  /** Record sets per bare zone ID; a zone may be missing (listing failed). */
  current: Map<string, ResourceRecordSet[]>;
  desired: Endpoint[];
  options: PlanOptions;
}

export type State = Map<string, ResourceRecordSet[]>;

const zoneNameOf = (id: string): string =>
  normalizeRoute53Name(ZONES.find((z) => bareZoneId(z.Id) === id)?.Name ?? '');

/** Applies a plan's changes, batch by batch (small batches, to exercise their order). */
export function applyPlan(
  state: State,
  result: Plan,
  limits = { maxRecords: 7, maxValueChars: 600 },
): State {
  const next = new Map(state);
  for (const zonePlan of result.zones) {
    let sets = next.get(zonePlan.zoneId);
    if (sets === undefined) throw new Error(`plan touches unlisted zone ${zonePlan.zoneId}`);
    for (const batch of batches(zonePlan.groups, limits)) {
      sets = applyChanges(zonePlan.zoneName, sets, batch);
    }
    next.set(zonePlan.zoneId, sets);
  }
  return next;
}

function tryApply(state: State, zoneId: string, changes: Change[]): void {
  try {
    state.set(zoneId, applyChanges(zoneNameOf(zoneId), state.get(zoneId) ?? [], changes));
  } catch (error) {
    if (!(error instanceof InvalidChangeBatch)) throw error;
  }
}

function edLabel(owner: string): string {
  return formatTxtValue(
    `heritage=external-dns,external-dns/owner=${owner},external-dns/resource=service/default/x`,
  );
}

function foreignChanges(f: ForeignRecord, zoneName: string): Change[] {
  const name = f.name;
  const isAlias = f.alias && (f.type === 'A' || f.type === 'AAAA');
  const values: Record<ForeignRecord['type'], string[]> = {
    A: ['198.51.100.1'],
    AAAA: ['2001:db8::99'],
    CNAME: ['elsewhere.example.net'],
    TXT: ['"v=spf1 -all"'],
    MX: ['10 mail.example.net'],
  };
  const routing = {
    ...(f.routed.setIdentifier !== undefined && { SetIdentifier: f.routed.setIdentifier }),
    ...(f.routed.routing?.type === 'weighted' && { Weight: f.routed.routing.weight }),
    ...(f.routed.routing?.type === 'latency' && { Region: f.routed.routing.region }),
    ...(f.routed.routing?.type === 'failover' && { Failover: f.routed.routing.role }),
    ...(f.routed.routing?.type === 'geolocation' && {
      GeoLocation: { ContinentCode: f.routed.routing.continent ?? 'EU' },
    }),
  };
  const record: ResourceRecordSet = isAlias
    ? {
        Name: `${name.replace('*', '\\052')}.`,
        Type: f.type,
        ...routing,
        AliasTarget: {
          HostedZoneId: 'Z35SXDOTRQ7X7K',
          DNSName: 'dualstack.lb-9.us-east-1.elb.amazonaws.com.',
          EvaluateTargetHealth: false,
        },
      }
    : {
        Name: `${name.replace('*', '\\052')}.`,
        Type: f.type,
        ...routing,
        TTL: f.ttl,
        ResourceRecords: values[f.type].map((Value) => ({ Value })),
      };
  const txt = (txtName: string, value: string): Change => ({
    Action: 'CREATE',
    ResourceRecordSet: {
      Name: txtName,
      Type: 'TXT',
      ...routing,
      TTL: 300,
      ResourceRecords: [{ Value: value }],
    },
  });
  const type = f.type.toLowerCase();
  const prefixed = name === zoneName ? `${type}-.${name}` : `${type}-${name}`;
  const labels: Record<ForeignLabel, Change[]> = {
    none: [],
    them: [
      txt(
        prefixed,
        formatTxtValue(
          `heritage=aws-controller,aws-controller/owner=${OTHER_OWNER_ID},aws-controller/resource=service/x/y`,
        ),
      ),
    ],
    'edns-new': [txt(`${type}-${name}`, edLabel(EXTERNAL_DNS_OWNER))],
    'edns-legacy': [txt(name, edLabel(EXTERNAL_DNS_OWNER))],
    'edns-cname': [txt(`cname-${name}`, edLabel(EXTERNAL_DNS_OWNER))],
    'edns-other': [txt(`${type}-${name}`, edLabel('someone-else'))],
    garbage: [txt(prefixed, '"not a label"')],
  };
  return [{ Action: 'CREATE', ResourceRecordSet: record }, ...labels[f.label]];
}

function applyDrift(state: State, drift: Drift): void {
  const all = [...state.entries()].flatMap(([zoneId, sets]) =>
    sets.map((set) => ({ zoneId, set })),
  );
  const pick = all[drift.index % Math.max(all.length, 1)];
  if (pick === undefined) return;
  const { zoneId, set } = pick;
  if (
    drift.kind === 'ttl' &&
    set.AliasTarget === undefined &&
    set.Type !== 'SOA' &&
    set.Type !== 'NS'
  ) {
    tryApply(state, zoneId, [
      { Action: 'UPSERT', ResourceRecordSet: { ...set, TTL: (set.TTL ?? 0) + 1 } },
    ]);
  } else if (drift.kind === 'drop-txt' && set.Type === 'TXT') {
    tryApply(state, zoneId, [{ Action: 'DELETE', ResourceRecordSet: set }]);
  } else if (drift.kind === 'drop-record' && ['A', 'AAAA', 'CNAME'].includes(set.Type)) {
    tryApply(state, zoneId, [{ Action: 'DELETE', ResourceRecordSet: set }]);
  }
}

const BASE_OPTIONS = { domainFilter: [], policy: 'SYNC' } as const;

function buildCurrent(
  ours: Endpoint[],
  theirs: Endpoint[],
  foreign: ForeignRecord[],
  drifts: Drift[],
  unlisted: number | undefined,
  held: { endpoint: Endpoint; label: HeldLabel }[],
): State {
  let state: State = new Map(ZONES.map((z) => [bareZoneId(z.Id), []]));
  // Every zone has its SOA and NS at the apex, which nobody may touch.
  for (const zone of ZONES) {
    const apex = zone.Name;
    tryApply(state, bareZoneId(zone.Id), [
      {
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: apex,
          Type: 'SOA',
          TTL: 900,
          ResourceRecords: [{ Value: 'ns-1.awsdns. hostmaster. 1 7200 900 1209600 86400' }],
        },
      },
      {
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: apex,
          Type: 'NS',
          TTL: 172800,
          ResourceRecords: [{ Value: 'ns-1.awsdns.' }],
        },
      },
    ]);
  }
  for (const [ownerId, endpoints] of [
    [OWNER_ID, ours],
    [OTHER_OWNER_ID, theirs],
  ] as const) {
    const earlier = plan(state, endpoints, ZONES, { ...BASE_OPTIONS, ownerId });
    try {
      state = applyPlan(state, earlier, { maxRecords: 1000, maxValueChars: 32000 });
    } catch (error) {
      if (!(error instanceof InvalidChangeBatch)) throw error;
    }
  }
  for (const f of foreign) {
    const zone = ZONES[f.zone];
    if (zone === undefined) continue;
    const zoneName = normalizeRoute53Name(zone.Name);
    if (f.name !== zoneName && !f.name.endsWith(`.${zoneName}`)) continue;
    tryApply(state, bareZoneId(zone.Id), foreignChanges(f, zoneName));
  }
  for (const { endpoint, label } of held) {
    for (const zone of ZONES) {
      const ref = { id: bareZoneId(zone.Id), name: normalizeRoute53Name(zone.Name) };
      if (endpoint.name !== ref.name && !endpoint.name.endsWith(`.${ref.name}`)) continue;
      tryApply(state, ref.id, heldChanges(endpoint, label, ref));
    }
  }
  for (const drift of drifts) applyDrift(state, drift);
  if (unlisted !== undefined) {
    const zone = ZONES[unlisted];
    if (zone !== undefined) state.delete(bareZoneId(zone.Id));
  }
  return state;
}

export const optionsArb: Arbitrary<PlanOptions> = fc
  .record({
    ownerId: fc.constant(OWNER_ID),
    policy: fc.constantFrom('SYNC' as const, 'UPSERT_ONLY' as const, 'CREATE_ONLY' as const),
    domainFilter: fc.oneof(
      { arbitrary: fc.constant([]), weight: 4 },
      {
        arbitrary: fc.constantFrom(
          ['example.com'],
          ['apps.example.com', 'other.org'],
          ['www.example.com'],
        ),
        weight: 2,
      },
    ),
    zoneType: fc.constantFrom(undefined, 'public' as const, 'private' as const),
    adoptExternalDnsOwner: fc.constantFrom(undefined, EXTERNAL_DNS_OWNER),
  })
  .map((o) => {
    const { zoneType, adoptExternalDnsOwner, ...rest } = o;
    return {
      ...rest,
      ...(zoneType !== undefined && { zoneType }),
      ...(adoptExternalDnsOwner !== undefined && { adoptExternalDnsOwner }),
    };
  });

export const worldArb: Arbitrary<World> = fc
  .record({
    ours: fc.array(endpointArb, { maxLength: 8 }),
    theirs: fc.array(endpointArb, { maxLength: 3 }),
    foreign: fc.array(foreignArb, { maxLength: 8 }),
    drifts: fc.array(driftArb, { maxLength: 3 }),
    unlisted: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 4 },
      { arbitrary: fc.nat(ZONES.length - 1), weight: 1 },
    ),
    desired: fc.array(endpointArb, { maxLength: 8 }),
    keep: fc.nat(8),
    mutations: fc.array(mutationArb, { maxLength: 4 }),
    held: fc.array(heldArb, { maxLength: 3 }),
    options: optionsArb,
  })
  .map((g) => {
    // Often the new desired state overlaps the old one, as between reconciliations, with
    // some records changed.
    const kept = g.ours
      .slice(0, g.keep)
      .map((e, i) => g.mutations.reduce((m, mu) => (mu.index === i ? mutate(m, mu.kind) : m), e));
    const desired = [...kept, ...g.desired];
    // Some desired names are already held by external-dns or another aws-controller.
    const heldForeign = g.held.flatMap((h) => {
      const endpoint = desired[h.index % Math.max(desired.length, 1)];
      return endpoint === undefined ? [] : [{ endpoint, label: h.label }];
    });
    return {
      current: buildCurrent(g.ours, g.theirs, g.foreign, g.drifts, g.unlisted, heldForeign),
      desired,
      options: g.options,
    };
  });
