// Several clusters, one zone: the same annotations read in each cluster (with its own
// identity) and planned with its own owner ID against a strict Route 53 stand-in. Each cluster
// writes and deletes only its own record of a set and the TXT beside it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterIdentity } from '../annotations/cluster.js';
import { parseAnnotations } from '../annotations/parse.js';
import { PREFIX } from '../annotations/prefix.js';
import { endpointsFor } from './desired-endpoints.js';
import type { Endpoint } from './endpoint.js';
import { plan } from './plan.js';
import type { Plan } from './plan.js';
import type { ResourceRecordSet } from './route53-types.js';
import { applyChanges } from './testing/route53-simulator.js';
import { GW, PUBLIC } from './testing/plan-cases.js';

interface Cluster {
  ownerId: string;
  identity: ClusterIdentity;
  /** Its ingress gateway's address. */
  address: string;
}

const EAST: Cluster = {
  ownerId: 'owner-east',
  identity: { name: 'east', region: 'us-east-1', failover: 'PRIMARY' },
  address: '192.0.2.10',
};
const WEST: Cluster = {
  ownerId: 'owner-west',
  identity: { name: 'west', region: 'us-west-2', failover: 'SECONDARY' },
  address: '198.51.100.20',
};

/** The one Gateway manifest applied to every cluster, read as `cluster` reads it. */
function endpointsIn(cluster: Cluster, annotations: Record<string, string>): Endpoint[] {
  const parsed = parseAnnotations(
    Object.fromEntries(Object.entries(annotations).map(([k, v]) => [PREFIX + k, v])),
    { kind: 'istio-gateway', cluster: cluster.identity },
  );
  assert.deepEqual(parsed.errors, []);
  assert.ok(parsed.spec);
  return endpointsFor({
    hostnames: ['www.example.com'],
    targets: [{ type: 'ip', family: 4, value: cluster.address }],
    spec: parsed.spec,
    owner: GW,
  }).endpoints;
}

function planIn(cluster: Cluster, zone: ResourceRecordSet[], desired: Endpoint[]): Plan {
  return plan(new Map([['ZPUB', zone]]), desired, [PUBLIC], {
    ownerId: cluster.ownerId,
    policy: 'SYNC',
    domainFilter: [],
  });
}

function sync(cluster: Cluster, zone: ResourceRecordSet[], desired: Endpoint[]) {
  const result = planIn(cluster, zone, desired);
  let next = zone;
  for (const zonePlan of result.zones) {
    for (const group of zonePlan.groups) next = applyChanges('example.com', next, group);
  }
  return { result, zone: next };
}

const keyOf = (s: ResourceRecordSet) => `${s.Name} ${s.Type} ${s.SetIdentifier ?? '-'}`;
const bySetId = (zone: ResourceRecordSet[], id: string) =>
  zone.filter((s) => s.SetIdentifier === id).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

describe('one manifest in two clusters', () => {
  const sets: { name: string; annotations: Record<string, string>; weight?: number }[] = [
    { name: 'weighted', annotations: { 'aws-weight': '50' }, weight: 50 },
    { name: 'failover', annotations: { 'aws-failover': 'cluster' } },
    { name: 'latency', annotations: { 'aws-region': 'cluster' } },
  ];
  for (const { name, annotations, weight } of sets) {
    it(`${name}: one record per cluster with its own address and set identifier, each deleted alone`, () => {
      let zone: ResourceRecordSet[] = [];
      zone = sync(EAST, zone, endpointsIn(EAST, annotations)).zone;
      const west = sync(WEST, zone, endpointsIn(WEST, annotations));
      assert.deepEqual(west.result.refused, []);
      // West sent only its own record and TXT.
      const sent = west.result.zones.flatMap((z) => z.groups.flat());
      assert.deepEqual(
        sent.map((c) => `${c.Action} ${keyOf(c.ResourceRecordSet)}`),
        ['CREATE www.example.com A west', 'CREATE a-www.example.com TXT west'],
      );
      zone = west.zone;
      const records = zone.filter((s) => s.Type === 'A');
      assert.deepEqual(
        records.map((s) => [s.SetIdentifier, s.ResourceRecords?.[0]?.Value]),
        [
          ['east', EAST.address],
          ['west', WEST.address],
        ],
      );
      if (weight !== undefined) for (const r of records) assert.equal(r.Weight, weight);
      if (name === 'failover') {
        assert.deepEqual(
          records.map((r) => r.Failover),
          ['PRIMARY', 'SECONDARY'],
        );
      }
      if (name === 'latency') {
        assert.deepEqual(
          records.map((r) => r.Region),
          ['us-east-1', 'us-west-2'],
        );
      }
      // At rest, neither sends anything.
      assert.equal(planIn(EAST, zone, endpointsIn(EAST, annotations)).zones.length, 0);
      assert.equal(planIn(WEST, zone, endpointsIn(WEST, annotations)).zones.length, 0);

      // The object deleted in east: east's record and TXT go, west's stay byte for byte.
      const westBefore = JSON.stringify(bySetId(zone, 'west'));
      const removed = sync(EAST, zone, []);
      assert.deepEqual(
        removed.result.zones
          .flatMap((z) => z.groups.flat())
          .map((c) => `${c.Action} ${keyOf(c.ResourceRecordSet)}`),
        ['DELETE www.example.com A east', 'DELETE a-www.example.com TXT east'],
      );
      assert.equal(JSON.stringify(bySetId(removed.zone, 'west')), westBefore);
      assert.deepEqual(bySetId(removed.zone, 'east'), []);
    });
  }

  it('without a routing policy the second cluster is refused, naming the first owner', () => {
    const annotations = { hostname: 'www.example.com' };
    const { zone } = sync(EAST, [], endpointsIn(EAST, annotations));
    const west = planIn(WEST, zone, endpointsIn(WEST, annotations));
    assert.deepEqual(west.zones, []);
    assert.equal(west.refused.length, 1);
    assert.equal(west.refused[0]?.reason, 'foreign-owned');
    assert.match(
      west.refused[0]?.message ?? '',
      /not ours \(owned by aws-controller owner 'owner-east'\)/,
    );
  });

  it('an explicit set-identifier is the same in both: the second is refused, nothing touched', () => {
    const annotations = { 'aws-weight': '50', 'set-identifier': 'blue' };
    const { zone } = sync(EAST, [], endpointsIn(EAST, annotations));
    const west = planIn(WEST, zone, endpointsIn(WEST, annotations));
    assert.deepEqual(west.zones, []);
    assert.equal(west.refused[0]?.reason, 'foreign-owned');
    assert.match(west.refused[0]?.message ?? '', /owner-east/);
  });
});
