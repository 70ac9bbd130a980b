// Several clusters, one AWS account: two real kube-apiservers (each with its own etcd), a
// syncer process in each with its own owner ID and cluster identity, one moto behind the
// strictness proxy. The same Gateway manifests applied to both clusters make one record per
// cluster in a weighted set and in a failover pair, each at its own cluster's ingress address;
// deleting the object in one cluster leaves the other's record and TXT byte for byte; without
// a routing policy the second cluster is refused with an Event naming the first's owner ID;
// and both publishing 1,000 Gateways at once converge (the throttled share of calls and the
// time to converge go to the test's diagnostics).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import * as objects from '../helpers/cluster-objects.js';
import {
  getTestEnvironment,
  type StatsSnapshot,
  type TestCluster,
} from '../helpers/environment.js';
import { eventually } from '../helpers/eventually.js';
import { createZone, listRecordSets } from '../helpers/route53-zones.js';
import { startSyncerProcess, troubles, type SyncerProcess } from '../helpers/syncer-process.js';

const env = getTestEnvironment();
const PREFIX = 'route53.v1beta1.tetrate.io/';
const BULK = 1000;

interface Member {
  cluster: TestCluster;
  /** Its cluster identity (chart cluster.*), given to its syncer. */
  name: string;
  region: string;
  failover: 'PRIMARY' | 'SECONDARY';
  ownerId: string;
  /** Its ingress gateway's load balancer address. */
  address: string;
  syncer?: SyncerProcess;
}

const [first, second] = env.clusters(2) as [TestCluster, TestCluster, ...TestCluster[]];
const members: [Member, Member] = [
  {
    cluster: first,
    name: 'east',
    region: 'us-east-1',
    failover: 'PRIMARY',
    ownerId: 'e2e-clusters-east',
    address: '192.0.2.10',
  },
  {
    cluster: second,
    name: 'west',
    region: 'us-west-2',
    failover: 'SECONDARY',
    ownerId: 'e2e-clusters-west',
    address: '198.51.100.20',
  },
];
const [east, west] = members;

/** The same namespace name in every cluster, so the manifests are the same byte for byte. */
let ns: string;
let zone: string;
let zoneId: string;

const gateway = (name: string, host: string, annotations: Record<string, string> = {}) =>
  objects.istioGateway(
    ns,
    name,
    [host],
    Object.fromEntries(Object.entries(annotations).map(([k, v]) => [PREFIX + k, v])),
  );

/** Record sets at `name` (the record and its `a-` TXT), as Route 53 lists them. */
async function setsAt(name: string): Promise<ResourceRecordSet[]> {
  const sets = await listRecordSets(env, zoneId);
  return sets.filter((s) => s.Name === `${name}.` || s.Name === `a-${name}.`);
}

const ownership = (member: Member, gatewayName: string) =>
  `"heritage=aws-controller,aws-controller/owner=${member.ownerId},aws-controller/resource=gateway/${ns}/${gatewayName}"`;

/** One line per record set at a name: `TYPE set-id routing value`. */
const describeSets = (sets: readonly ResourceRecordSet[]) =>
  sets
    .map(
      (s) =>
        `${s.Type} ${s.SetIdentifier ?? '-'} ${s.Weight ?? s.Failover ?? s.Region ?? '-'} ${(s.ResourceRecords ?? []).map((r) => r.Value).join(',')}`,
    )
    .sort();

before(async () => {
  await env.resetRoute53();
  ns = `clusters-${process.pid}-${Date.now().toString(36)}`;
  zone = `${ns}.example.com`;
  zoneId = await createZone(env, zone);
  for (const member of members) {
    await objects.kubectlOk(member.cluster, ['create', 'namespace', ns]);
    await objects.ingressGateway(member.cluster, ns, member.address);
  }
  for (const member of members) {
    member.syncer = await startSyncerProcess(env, {
      ownerId: member.ownerId,
      kubeconfig: member.cluster.kubeconfigPath,
      domainFilter: [zone],
      leaseNamespace: ns,
      extraArgs: [
        ...['--cluster-name', member.name],
        ...['--cluster-region', member.region],
        ...['--cluster-failover', member.failover],
      ],
      // The proxy tells the two syncers' calls apart by this (its stats' `client`).
      env: { AWS_SDK_UA_APP_ID: `e2e-${member.name}` },
    });
  }
  await eventually(
    async () => {
      for (const member of members) assert.equal(await member.syncer?.ready(), true);
    },
    { timeoutMs: 60_000 },
  );
});

after(async () => {
  for (const member of members) await member.syncer?.stop();
});

describe('one manifest, two clusters', () => {
  it('a weighted set: one record per cluster, at its own address, with its own TXT', async () => {
    const host = `shop.${zone}`;
    for (const member of members) {
      await objects.apply(member.cluster, gateway('shop', host, { 'aws-weight': '50' }));
    }
    await eventually(
      async () =>
        assert.deepEqual(describeSets(await setsAt(host)), [
          `A east 50 ${east.address}`,
          `A west 50 ${west.address}`,
          `TXT east 50 ${ownership(east, 'shop')}`,
          `TXT west 50 ${ownership(west, 'shop')}`,
        ]),
      { timeoutMs: 60_000 },
    );
  });

  it('deleting the object in one cluster removes only that cluster’s record and TXT', async () => {
    const host = `shop.${zone}`;
    const westBefore = JSON.stringify(
      (await setsAt(host)).filter((s) => s.SetIdentifier === 'west'),
    );
    await objects.kubectlOk(east.cluster, [
      'delete',
      'gateway.networking.istio.io',
      'shop',
      '-n',
      ns,
    ]);
    await eventually(
      async () =>
        assert.deepEqual(describeSets(await setsAt(host)), [
          `A west 50 ${west.address}`,
          `TXT west 50 ${ownership(west, 'shop')}`,
        ]),
      { timeoutMs: 60_000 },
    );
    // West's syncer had no reason to write, and east's never touched west's record sets.
    assert.equal(JSON.stringify(await setsAt(host)), westBefore);
  });

  it('a failover pair: aws-failover: cluster is PRIMARY in one cluster, SECONDARY in the other', async () => {
    const host = `app.${zone}`;
    for (const member of members) {
      await objects.apply(member.cluster, gateway('app', host, { 'aws-failover': 'cluster' }));
    }
    await eventually(
      async () =>
        assert.deepEqual(describeSets(await setsAt(host)), [
          `A east PRIMARY ${east.address}`,
          `A west SECONDARY ${west.address}`,
          `TXT east PRIMARY ${ownership(east, 'app')}`,
          `TXT west SECONDARY ${ownership(west, 'app')}`,
        ]),
      { timeoutMs: 60_000 },
    );
    const eastBefore = JSON.stringify(
      (await setsAt(host)).filter((s) => s.SetIdentifier === 'east'),
    );
    await objects.kubectlOk(west.cluster, [
      'delete',
      'gateway.networking.istio.io',
      'app',
      '-n',
      ns,
    ]);
    await eventually(
      async () =>
        assert.deepEqual(describeSets(await setsAt(host)), [
          `A east PRIMARY ${east.address}`,
          `TXT east PRIMARY ${ownership(east, 'app')}`,
        ]),
      { timeoutMs: 60_000 },
    );
    assert.equal(JSON.stringify(await setsAt(host)), eastBefore);
  });

  it('without a routing policy the second cluster is refused, with an Event naming the first’s owner', async () => {
    const host = `plain.${zone}`;
    await objects.apply(east.cluster, gateway('plain', host));
    await eventually(
      async () =>
        assert.deepEqual(describeSets(await setsAt(host)), [
          `A - - ${east.address}`,
          `TXT - - ${ownership(east, 'plain')}`,
        ]),
      { timeoutMs: 60_000 },
    );
    const before = JSON.stringify(await setsAt(host));
    await objects.apply(west.cluster, gateway('plain', host));
    const refusal = await eventually(
      async () => {
        const lines = await objects.eventLines(west.cluster, ns, 'plain');
        const found = lines.find((l) => /^Warning RecordRefused /.test(l));
        assert.ok(found, JSON.stringify(lines));
        return found;
      },
      { timeoutMs: 60_000 },
    );
    assert.match(refusal, new RegExp(`owned by aws-controller owner '${east.ownerId}'`));
    assert.equal(JSON.stringify(await setsAt(host)), before);
  });
});

describe('both clusters publishing 1,000 Gateways at once', () => {
  it('converge: every name has both clusters’ records and TXTs', async (t) => {
    await env.proxy.reset();
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: Array.from({ length: BULK }, (_, i) =>
        gateway(`bulk-${i}`, `bulk-${i}.${zone}`, { 'aws-weight': '1' }),
      ),
    };
    const started = Date.now();
    await Promise.all(
      members.map((member) =>
        objects.kubectlOk(member.cluster, ['apply', '-f', '-'], JSON.stringify(list)),
      ),
    );
    const applied = Date.now();
    // Counted from moto itself, so waiting costs the account's budget nothing.
    const moto = env.route53({ endpoint: env.motoEndpoint });
    // moto pages without NextRecordIdentifier, so a page that ends inside a name's weighted
    // records starts the next one at that name again: keep one of each record set.
    const bulkRecords = async () => {
      const sets = new Map<string, ResourceRecordSet>();
      let start: { name?: string; type?: string } | undefined;
      for (let page = 0; page < 200; page++) {
        const out = await moto.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ...(start?.name !== undefined && { StartRecordName: start.name }),
            ...(start?.type !== undefined && { StartRecordType: start.type as 'A' }),
          }),
        );
        for (const set of out.ResourceRecordSets ?? []) {
          sets.set(`${set.Name ?? ''} ${set.Type ?? ''} ${set.SetIdentifier ?? ''}`, set);
        }
        if (!out.IsTruncated) break;
        start = { name: out.NextRecordName, type: out.NextRecordType };
      }
      return [...sets.values()].filter((s) => /^(a-)?bulk-/.test(s.Name ?? ''));
    };
    const sets = await eventually(
      async () => {
        const found = await bulkRecords();
        const bySyncer = members.map(
          (m) =>
            `${m.name}: ${found.filter((s) => s.SetIdentifier === m.name).length} record sets; ` +
            troubles(m.syncer?.logs ?? []),
        );
        assert.equal(
          found.length,
          4 * BULK,
          `${found.length} of ${4 * BULK} record sets\n  ${bySyncer.join('\n  ')}`,
        );
        return found;
      },
      // The whole file must end within run-e2e's 300 s per file.
      { timeoutMs: 180_000, intervalMs: 3_000 },
    );
    const converged = Date.now();
    for (const member of members) {
      const mine = sets.filter((s) => s.SetIdentifier === member.name);
      assert.equal(mine.filter((s) => s.Type === 'A').length, BULK);
      assert.ok(
        mine
          .filter((s) => s.Type === 'A')
          .every((s) => s.ResourceRecords?.[0]?.Value === member.address && s.Weight === 1),
      );
      assert.ok(
        mine
          .filter((s) => s.Type === 'TXT')
          .every((s) => s.ResourceRecords?.[0]?.Value?.includes(`owner=${member.ownerId},`)),
      );
    }

    const stats: StatsSnapshot & { throttled?: number } = await env.proxy.stats();
    // The rate-limiting proxy answers `Throttling`; counted as its own field where it has one.
    const throttled = stats.throttled ?? stats.codes['Throttling'] ?? 0;
    const byClient = new Map<string, number>();
    for (const call of stats.recent) {
      const key = call.client ?? 'unknown';
      byClient.set(key, (byClient.get(key) ?? 0) + 1);
    }
    t.diagnostic(
      `${BULK} Gateways in each of ${members.length} clusters: applied in ${((applied - started) / 1000).toFixed(1)} s, ` +
        `converged ${((converged - started) / 1000).toFixed(1)} s after the apply began`,
    );
    t.diagnostic(
      `Route 53 calls: ${stats.total} (${Object.entries(stats.byOperation)
        .map(([op, s]) => `${op} ${s.calls}`)
        .join(', ')}); by client: ${[...byClient].map(([c, n]) => `${c} ${n}`).join(', ')}`,
    );
    t.diagnostic(
      `throttled: ${throttled} of ${stats.total} calls (${stats.total === 0 ? 0 : ((100 * throttled) / stats.total).toFixed(1)}%)`,
    );
    assert.ok(stats.total > 0);
  });
});
