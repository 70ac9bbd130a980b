// The syncer against the real thing: `aws-controller syncer` processes watching a real
// kube-apiserver and writing through the strictness proxy to moto's Route 53. Each test has
// its own namespace, its own hosted zone (the syncer's domain filter) and its own Lease.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import * as objects from '../helpers/cluster-objects.js';
import { MAX_GATEWAY_REFS, MAX_ADDRESSES_PER_NAME } from '../../core/annotations/limits.js';
import { defaultOwnerId } from '../../core/records/owner-id.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { eventually } from '../helpers/eventually.js';
import {
  createZone,
  listRecordSets,
  putForeignRecord,
  recordLines,
} from '../helpers/route53-zones.js';
import { startSyncerProcess, type SyncerProcess } from '../helpers/syncer-process.js';
import { KubeApi } from '../bench/kube-api.js';

const env = getTestEnvironment();
const PREFIX = 'route53.v1beta1.tetrate.io/';

const running: SyncerProcess[] = [];
// Each test's syncers stop with it: another test's retries must not show in the proxy's counts.
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function syncer(
  ns: string,
  zone: string,
  extra: {
    policy?: string;
    leaseName?: string;
    args?: string[];
    env?: Record<string, string>;
  } = {},
) {
  const process = await startSyncerProcess(env, {
    ownerId: 'e2e',
    domainFilter: [zone],
    leaseNamespace: ns,
    ...(extra.policy !== undefined && { policy: extra.policy }),
    ...(extra.leaseName !== undefined && { leaseName: extra.leaseName }),
    ...(extra.args !== undefined && { extraArgs: extra.args }),
    ...(extra.env !== undefined && { env: extra.env }),
  });
  running.push(process);
  return process;
}

const apply = (object: unknown) => objects.apply(env, object);
const kubectl = (args: string[]) => objects.kubectlOk(env, args);
const ingressGateway = (ns: string, ip: string) => objects.ingressGateway(env, ns, ip);
const setAddress = (ns: string, ip: string) => objects.setLoadBalancerIp(env, ns, ip);
const gateway = objects.istioGateway;

const events = (ns: string, name: string) => objects.eventLines(env, ns, name);

const owned = (zone: string, resource: string) =>
  `"heritage=aws-controller,aws-controller/owner=e2e,aws-controller/resource=${resource}"`;

async function setup(prefix: string) {
  const ns = await env.createNamespace(prefix);
  const zone = `${ns}.example.com`;
  const zoneId = await createZone(env, zone);
  return { ns, zone, zoneId };
}

describe('syncer end to end', () => {
  it('publishes a Gateway at its ingress gateway address, follows the address, deletes under SYNC', async () => {
    const { ns, zone, zoneId } = await setup('sync');
    await ingressGateway(ns, '203.0.113.10');
    await apply(gateway(ns, 'bookinfo-gw', [`bookinfo.${zone}`]));
    const s = await syncer(ns, zone);

    await eventually(async () =>
      assert.deepEqual(await recordLines(env, zoneId), [
        `A bookinfo.${zone}. 203.0.113.10`,
        `TXT a-bookinfo.${zone}. ${owned(zone, `gateway/${ns}/bookinfo-gw`)}`,
      ]),
    );
    await eventually(async () =>
      assert.deepEqual(await events(ns, 'bookinfo-gw'), [
        `Normal RecordCreated created A bookinfo.${zone} in zone ${zone}`,
      ]),
    );

    await setAddress(ns, '203.0.113.99');
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A bookinfo.${zone}. 203.0.113.99`)),
    );

    await kubectl(['delete', 'gateway.networking.istio.io', 'bookinfo-gw', '-n', ns]);
    await eventually(async () => assert.deepEqual(await recordLines(env, zoneId), []));
    assert.equal(await s.metric('aws_controller_leader'), 1);
    assert.equal(await s.metric('aws_controller_caches_synced'), 1);
    assert.ok(await s.ready());
  });

  it('keeps the record under UPSERT_ONLY when the Gateway goes', async () => {
    const { ns, zone, zoneId } = await setup('upsert');
    await ingressGateway(ns, '203.0.113.11');
    await apply(gateway(ns, 'gw', [`keep.${zone}`]));
    const s = await syncer(ns, zone, { policy: 'UPSERT_ONLY' });
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A keep.${zone}. 203.0.113.11`)),
    );
    const from = s.logs.length;
    await kubectl(['delete', 'gateway.networking.istio.io', 'gw', '-n', ns]);
    // The delete reached the syncer, and it planned no deletion.
    await s.waitForLog((l) => l.msg === 'reconcile scheduled', 30_000, from);
    await s.waitForLog((l) => l.msg === 'in sync: nothing to change', 30_000, from);
    assert.deepEqual(await recordLines(env, zoneId), [
      `A keep.${zone}. 203.0.113.11`,
      `TXT a-keep.${zone}. ${owned(zone, `gateway/${ns}/gw`)}`,
    ]);
  });

  it('leaves a record someone else owns untouched, and says so on the object', async () => {
    const { ns, zone, zoneId } = await setup('foreign');
    await putForeignRecord(env, zoneId, `taken.${zone}`, '198.51.100.1');
    await ingressGateway(ns, '203.0.113.12');
    await apply(gateway(ns, 'gw', [`taken.${zone}`, `free.${zone}`]));
    await syncer(ns, zone);
    await eventually(async () =>
      assert.deepEqual(await recordLines(env, zoneId), [
        `A free.${zone}. 203.0.113.12`,
        `A taken.${zone}. 198.51.100.1`,
        `TXT a-free.${zone}. ${owned(zone, `gateway/${ns}/gw`)}`,
      ]),
    );
    await eventually(async () => {
      const said = await events(ns, 'gw');
      assert.ok(
        said.some((e) =>
          /^Warning RecordRefused A taken\..* the record exists and is not ours/.test(e),
        ),
        said.join('\n'),
      );
    });
  });

  it('applies the rest of a batch Route 53 refuses one change of, then reports that one', async () => {
    const { ns, zone, zoneId } = await setup('batch');
    await ingressGateway(ns, '203.0.113.13');
    await apply(gateway(ns, 'first', [`first.${zone}`]));
    const s = await syncer(ns, zone);
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A first.${zone}. 203.0.113.13`)),
    );
    // Behind the syncer's back (its listing is cached): someone takes one of the names.
    await putForeignRecord(env, zoneId, `late.${zone}`, '198.51.100.2');
    await env.proxy.reset();
    await apply(gateway(ns, 'second', [`late.${zone}`, `ok1.${zone}`, `ok2.${zone}`]));

    await eventually(async () => {
      const lines = await recordLines(env, zoneId);
      for (const name of ['ok1', 'ok2'])
        assert.ok(lines.includes(`A ${name}.${zone}. 203.0.113.13`));
      assert.ok(lines.includes(`A late.${zone}. 198.51.100.2`), 'the foreign record is intact');
      assert.ok(!lines.includes(`TXT a-late.${zone}. ${owned(zone, `gateway/${ns}/second`)}`));
    });
    const stats = await env.proxy.stats();
    assert.ok((stats.codes['InvalidChangeBatch'] ?? 0) >= 1, 'Route 53 refused a batch');
    // After the failure the zone is listed afresh: the name is then seen as taken.
    await eventually(async () => {
      const said = await events(ns, 'second');
      assert.ok(said.some((e) => /^Warning RecordChangeFailed could not create A late\./.test(e)));
      assert.ok(
        said.some((e) => /^Warning RecordRefused A late\./.test(e)),
        said.join('\n'),
      );
    });
    assert.equal(await s.metric('aws_controller_refused_records{reason="foreign-owned"}'), 1);
  });

  it('sends a burst of Gateways written at once as one or two change batches (never one each), and a lone change as a batch of its own', async () => {
    const { ns, zone, zoneId } = await setup('burst');
    await ingressGateway(ns, '203.0.113.17');
    await apply(gateway(ns, 'seed', [`seed.${zone}`]));
    await syncer(ns, zone);
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A seed.${zone}. 203.0.113.17`)),
    );
    const changeBatches = async () =>
      (await env.proxy.stats()).recent.filter((c) => c.operation === 'ChangeResourceRecordSets');

    // Ten Gateways written together, straight to the API (one kubectl each would spread them
    // over seconds): the first may go out alone at the leading edge, the rest together.
    await env.proxy.reset();
    const burst = Array.from({ length: 10 }, (_, i) => `b${i}.${zone}`);
    const kube = new KubeApi(env.state, burst.length);
    try {
      await Promise.all(
        burst.map((host, i) =>
          kube.must(
            'POST',
            `/apis/networking.istio.io/v1/namespaces/${ns}/gateways`,
            gateway(ns, `b${i}`, [host]),
          ),
        ),
      );
    } finally {
      kube.close();
    }
    await eventually(async () => {
      const lines = await recordLines(env, zoneId);
      for (const host of burst) assert.ok(lines.includes(`A ${host}. 203.0.113.17`), host);
    });
    const sent = await changeBatches();
    assert.ok(sent.length >= 1 && sent.length <= 2, `${sent.length} batches for 10 Gateways`);
    assert.equal(sent.flatMap((c) => c.changes ?? []).length, 20, 'each record and its TXT once');

    // A lone change afterwards: one batch, holding its record and TXT only.
    await env.proxy.reset();
    await apply(gateway(ns, 'lone', [`lone.${zone}`]));
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A lone.${zone}. 203.0.113.17`)),
    );
    const lone = await changeBatches();
    assert.equal(lone.length, 1);
    assert.deepEqual((lone[0]?.changes ?? []).map((c) => c.replace(/\.$/, '')).sort(), [
      `CREATE A lone.${zone}`,
      `CREATE TXT a-lone.${zone}`,
    ]);
  });

  it('runs one writer among replicas, and hands over when the leader stops', async () => {
    const { ns, zone, zoneId } = await setup('leader');
    await ingressGateway(ns, '203.0.113.14');
    const a = await syncer(ns, zone);
    const b = await syncer(ns, zone);
    const leaders = async () =>
      (await Promise.all([a, b].map((s) => s.metric('aws_controller_leader')))).map((v) => v ?? 0);
    await eventually(async () => assert.deepEqual((await leaders()).sort(), [0, 1]));
    await env.proxy.reset();
    await apply(gateway(ns, 'gw', [`one.${zone}`]));
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A one.${zone}. 203.0.113.14`)),
    );
    const stats = await env.proxy.stats();
    assert.equal(stats.byOperation['ChangeResourceRecordSets']?.calls, 1, 'one write, by one');

    const [leader, follower] = (await leaders())[0] === 1 ? [a, b] : [b, a];
    assert.equal(await leader.stop(), 0);
    await eventually(async () => assert.equal(await follower.metric('aws_controller_leader'), 1), {
      timeoutMs: 20_000,
    });
    await apply(gateway(ns, 'gw', [`one.${zone}`, `two.${zone}`]));
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A two.${zone}. 203.0.113.14`)),
    );
  });

  it('keeps one writer when the leader is frozen past its lease: resumed, it sends no change before it holds the lease again', async () => {
    const { ns, zone, zoneId } = await setup('frozen');
    await ingressGateway(ns, '203.0.113.16');
    // Short timings so the test takes seconds; the order is the production one.
    const args = [
      '--lone-change-delay',
      '3s',
      '--leader-election-lease-duration',
      '6s',
      '--leader-election-renew-deadline',
      '4s',
      '--leader-election-retry-period',
      '1s',
    ];
    // Each process tags its Route 53 calls (User-Agent `app/<id>`), so the proxy tells them apart.
    const a = await syncer(ns, zone, { args, env: { AWS_SDK_UA_APP_ID: `${ns}-a` } });
    const b = await syncer(ns, zone, { args, env: { AWS_SDK_UA_APP_ID: `${ns}-b` } });
    const clientOf = new Map([
      [a, `${ns}-a`],
      [b, `${ns}-b`],
    ]);
    const leaders = async () =>
      (await Promise.all([a, b].map((s) => s.metric('aws_controller_leader')))).map((v) => v ?? 0);
    await eventually(async () => assert.deepEqual((await leaders()).sort(), [0, 1]));
    const [old, standby] = (await leaders())[0] === 1 ? [a, b] : [b, a];
    await env.proxy.reset();
    await apply(gateway(ns, 'gw', [`one.${zone}`]));
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A one.${zone}. 203.0.113.16`)),
    );
    const changesBy = async (s: SyncerProcess) =>
      (await env.proxy.stats()).recent.filter(
        (c) => c.operation === 'ChangeResourceRecordSets' && c.client === clientOf.get(s),
      );
    assert.equal((await changesBy(old)).length, 1, 'the leader wrote it');

    // Freeze the leader with a change to make pending: it has seen the Gateway change and
    // scheduled a reconcile (a lone change waits 3 s here), which will fire the moment it resumes,
    // before its lease loop has had a chance to look at the Lease.
    let from = old.logs.length;
    await apply(gateway(ns, 'gw', [`one.${zone}`, `two.${zone}`]));
    await old.waitForLog(
      (l) => l.msg === 'reconcile scheduled' && /changed/.test(String(l['reason'])),
      10_000,
      from,
    );
    // Its own count of change attempts (sent or not, answered or not): the proxy sees only the
    // requests that reach it, and a socket that died during the pause would hide one.
    const attempts = async (s: SyncerProcess) =>
      [
        ...(await s.metricsText()).matchAll(
          /^aws_controller_route53_requests_total\{[^}]*operation="ChangeResourceRecordSets"[^}]*\} (\d+)$/gm,
        ),
      ].reduce((sum, m) => sum + Number(m[1]), 0);
    const attemptsBefore = await attempts(old);
    const frozenAt = Date.now();
    old.child.kill('SIGSTOP');
    try {
      // Well past the lease duration: the standby takes over and writes.
      await eventually(async () => assert.equal(await standby.metric('aws_controller_leader'), 1), {
        timeoutMs: 30_000,
      });
      await eventually(async () =>
        assert.ok((await recordLines(env, zoneId)).includes(`A two.${zone}. 203.0.113.16`)),
      );
      assert.ok((await changesBy(standby)).length >= 1, 'the new leader wrote');
    } finally {
      from = old.logs.length;
      old.child.kill('SIGCONT');
    }
    // Resumed, its pending reconcile runs at once, from a stale picture (`two` missing from its
    // Route 53 listing): its own renew deadline has passed, so it plans and sends nothing.
    await old.waitForLog((l) => l.msg === 'not the leader: planning nothing', 10_000, from);
    await old.waitForLog((l) => l.msg === 'stopped leading', 10_000, from);
    assert.deepEqual(
      (await changesBy(old)).filter((c) => Date.parse(c.at) >= frozenAt),
      [],
      'no change from the old leader since it was frozen',
    );
    assert.equal(await attempts(old), attemptsBefore, 'not even an attempt');
    assert.equal(await old.metric('aws_controller_leader'), 0);
    assert.equal(await standby.metric('aws_controller_leader'), 1);

    // Once the standby goes, the old leader re-acquires, and only then writes again.
    assert.equal(await standby.stop(), 0);
    const became = await old.waitForLog((l) => l.msg === 'became leader', 30_000, from);
    await apply(gateway(ns, 'gw', [`one.${zone}`, `two.${zone}`, `four.${zone}`]));
    await eventually(async () =>
      assert.ok((await recordLines(env, zoneId)).includes(`A four.${zone}. 203.0.113.16`)),
    );
    const after = (await changesBy(old)).filter((c) => Date.parse(c.at) >= frozenAt);
    assert.ok(after.length >= 1, 'it writes again once it leads');
    for (const call of after) {
      assert.ok(
        Date.parse(call.at) >= (became['time'] as number),
        `change at ${call.at} sent before re-acquiring at ${new Date(became['time'] as number).toISOString()}`,
      );
    }
  });

  it('without --owner-id derives the owner ID as the chart and plan do: <release>.<namespace>.<kube-system UID>', async () => {
    const ns = await env.createNamespace('owner');
    const uid = JSON.parse(
      (await kubectl(['get', 'namespace', 'kube-system', '-o', 'json'])).stdout,
    ) as { metadata: { uid: string } };
    // A domain filter no zone matches: these syncers only show what they derived.
    const domainFilter = [`${ns}.invalid`];
    const byDefault = await startSyncerProcess(env, {
      ownerId: undefined,
      domainFilter,
      leaseNamespace: ns,
      env: { POD_NAMESPACE: ns },
    });
    running.push(byDefault);
    const named = await startSyncerProcess(env, {
      ownerId: undefined,
      domainFilter,
      leaseNamespace: ns,
      leaseName: 'named',
      extraArgs: ['--release', 'dns', '--release-namespace', 'platform'],
    });
    running.push(named);
    const startedWith = async (s: SyncerProcess) =>
      (await s.waitForLog((l) => l.msg === 'syncer started'))['ownerId'];
    assert.equal(
      await startedWith(byDefault),
      defaultOwnerId({ release: 'aws-controller', namespace: ns, clusterUid: uid.metadata.uid }),
    );
    assert.equal(await startedWith(named), `dns.platform.${uid.metadata.uid}`);
  });

  it('skips an object whose annotations are invalid (admitted with the webhook off), saying why', async () => {
    const { ns, zone, zoneId } = await setup('invalid');
    await ingressGateway(ns, '203.0.113.15');
    await apply(gateway(ns, 'bad', [`bad.${zone}`], { [`${PREFIX}aws-weight`]: '300' }));
    await apply(gateway(ns, 'good', [`good.${zone}`]));
    await syncer(ns, zone);
    await eventually(async () =>
      assert.deepEqual(await recordLines(env, zoneId), [
        `A good.${zone}. 203.0.113.15`,
        `TXT a-good.${zone}. ${owned(zone, `gateway/${ns}/good`)}`,
      ]),
    );
    await eventually(async () => {
      const said = await events(ns, 'bad');
      assert.ok(
        said.some((e) => /^Warning InvalidAnnotations skipped: .*aws-weight.*300/.test(e)),
        said.join('\n'),
      );
    });
  });

  it('skips an object naming more names than the limit (webhook off), publishing none of them', async () => {
    const { ns, zone, zoneId } = await setup('toomany');
    await ingressGateway(ns, '203.0.113.17');
    const hosts = Array.from({ length: 1001 }, (_, i) => `h${i}.${zone}`);
    await apply(gateway(ns, 'wide', hosts));
    await apply(gateway(ns, 'good', [`good.${zone}`]));
    const s = await syncer(ns, zone);
    await eventually(async () => {
      const said = await events(ns, 'wide');
      assert.ok(
        said.some((e) =>
          /^Warning TooManyNames skipped: spec: 1001 names \(servers' hosts\) is over the limit of 1000 names per object/.test(
            e,
          ),
        ),
        said.join('\n'),
      );
    });
    await eventually(async () =>
      assert.deepEqual(await recordLines(env, zoneId), [
        `A good.${zone}. 203.0.113.17`,
        `TXT a-good.${zone}. ${owned(zone, `gateway/${ns}/good`)}`,
      ]),
    );
    assert.equal(await s.metric('aws_controller_skipped_objects{reason="TooManyNames"}'), 1);
  });

  it('skips a VirtualService that comes to bind more Gateways than the limit (webhook off), keeping its records', async () => {
    const { ns, zone, zoneId } = await setup('toomanygw');
    await ingressGateway(ns, '203.0.113.19');
    await apply(gateway(ns, 'edge', [`*/*.a.${zone}`]));
    const virtualService = (gateways: string[]) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'routes', namespace: ns },
      spec: { hosts: [`app.a.${zone}`], gateways },
    });
    await apply(virtualService(['edge']));
    const s = await syncer(ns, zone);
    const held = [
      `A app.a.${zone}. 203.0.113.19`,
      `TXT a-app.a.${zone}. ${owned(zone, `virtualservice/${ns}/routes`)}`,
    ];
    // The Gateway's own wildcard record and its TXT aside.
    const ours = async () => (await recordLines(env, zoneId)).filter((l) => l.includes('app.a.'));
    await eventually(async () => assert.deepEqual(await ours(), held));
    const refs = Array.from({ length: MAX_GATEWAY_REFS }, (_, i) => `made-up-${i}`);
    const from = s.logs.length;
    await apply(virtualService(['edge', ...refs]));
    await eventually(async () => {
      const said = await events(ns, 'routes');
      assert.ok(
        said.some((e) =>
          new RegExp(
            `^Warning TooManyGateways skipped: spec\\.gateways: ${MAX_GATEWAY_REFS + 1} entries is over the limit of ${MAX_GATEWAY_REFS} Gateways per VirtualService`,
          ).test(e),
        ),
        said.join('\n'),
      );
    });
    assert.equal(await s.metric('aws_controller_skipped_objects{reason="TooManyGateways"}'), 1);
    await s.waitForLog((l) => l.msg === 'in sync: nothing to change', 30_000, from);
    // Skipped whole: what it published stays as it was, neither deleted nor changed.
    assert.deepEqual(await ours(), held);
  });

  it('publishes no record of more addresses than a name may carry (webhook off), saying so', async () => {
    const { ns, zone, zoneId } = await setup('toomanyips');
    const service = (name: string, ips: number) =>
      apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name,
          namespace: ns,
          annotations: { [`${PREFIX}hostname`]: `${name}.${zone}` },
        },
        spec: {
          ports: [{ port: 80 }],
          externalIPs: Array.from({ length: ips }, (_, i) => `10.9.${i >> 8}.${i & 255}`),
        },
      });
    await service('wide', MAX_ADDRESSES_PER_NAME + 1);
    await service('full', MAX_ADDRESSES_PER_NAME);
    await syncer(ns, zone);
    await eventually(async () => {
      const lines = await recordLines(env, zoneId);
      assert.deepEqual(
        lines.map((l) => l.split(' ').slice(0, 2).join(' ')),
        [`A full.${zone}.`, `TXT a-full.${zone}.`],
      );
      // All of them, in one record: Route 53 took it with its TXT in one request.
      assert.equal(lines[0]?.split(' ')[2]?.split(',').length, MAX_ADDRESSES_PER_NAME);
    });
    await eventually(async () => {
      const said = await events(ns, 'wide');
      assert.ok(
        said.some((e) =>
          new RegExp(
            `^Warning TooManyAddresses ${MAX_ADDRESSES_PER_NAME + 1} addresses \\(${MAX_ADDRESSES_PER_NAME + 1} IPv4, 0 IPv6\\) are more than the ${MAX_ADDRESSES_PER_NAME} one name's records may carry`,
          ).test(e),
        ),
        said.join('\n'),
      );
    });
  });

  it('publishes an alias to an AWS load balancer, a NodePort Service at its nodes, a headless one at its endpoints', async () => {
    const { ns, zone, zoneId } = await setup('kinds');
    // The ingress gateway behind an NLB: a hostname, not an IP.
    await objects.ingressGateway(env, ns, '203.0.113.16');
    await kubectl([
      'patch',
      'service',
      'istio-ingressgateway',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          loadBalancer: {
            ingress: [{ hostname: 'gw-0123456789abcdef.elb.us-east-1.amazonaws.com' }],
          },
        },
      }),
    ]);
    await apply(gateway(ns, 'gw', [`lb.${zone}`]));
    // Nodes are cluster-scoped and shared by the suites: named for this test.
    for (const [i, external] of ['198.51.100.21', '198.51.100.22'].entries()) {
      await apply({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: `${ns}-node-${i}` },
      });
      await kubectl([
        'patch',
        'node',
        `${ns}-node-${i}`,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({
          status: {
            addresses: [
              { type: 'ExternalIP', address: external },
              { type: 'InternalIP', address: `10.9.0.${21 + i}` },
            ],
          },
        }),
      ]);
    }
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'np',
        namespace: ns,
        annotations: { [`${PREFIX}hostname`]: `np.${zone}`, [`${PREFIX}access`]: 'public' },
      },
      spec: {
        type: 'NodePort',
        externalTrafficPolicy: 'Local',
        selector: { app: 'np' },
        ports: [{ port: 80 }],
      },
    });
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: ns, annotations: { [`${PREFIX}hostname`]: `db.${zone}` } },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
    });
    const slice = (service: string, endpoints: unknown[]) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${service}-1`,
        namespace: ns,
        labels: { 'kubernetes.io/service-name': service },
      },
      addressType: 'IPv4',
      ports: [{ port: 80 }],
      endpoints,
    });
    await apply(
      slice('np', [
        { addresses: ['10.2.0.5'], nodeName: `${ns}-node-1`, conditions: { ready: true } },
      ]),
    );
    await apply(
      slice('db', [
        {
          addresses: ['10.2.0.7'],
          hostname: 'db-0',
          nodeName: `${ns}-node-0`,
          conditions: { ready: true },
        },
        {
          addresses: ['10.2.0.8'],
          hostname: 'db-1',
          nodeName: `${ns}-node-1`,
          conditions: { ready: false },
        },
      ]),
    );
    await syncer(ns, zone);
    await eventually(async () =>
      assert.deepEqual(
        (await recordLines(env, zoneId)).filter((l) => !l.startsWith('TXT ')),
        [
          `A db-0.db.${zone}. 10.2.0.7`,
          `A db.${zone}. 10.2.0.7`,
          `A lb.${zone}. alias:gw-0123456789abcdef.elb.us-east-1.amazonaws.com`,
          `A np.${zone}. 198.51.100.22`,
        ],
      ),
    );

    // An endpoint becoming ready is a change the syncer follows.
    await apply(
      slice('db', [
        {
          addresses: ['10.2.0.7'],
          hostname: 'db-0',
          nodeName: `${ns}-node-0`,
          conditions: { ready: true },
        },
        {
          addresses: ['10.2.0.8'],
          hostname: 'db-1',
          nodeName: `${ns}-node-1`,
          conditions: { ready: true },
        },
      ]),
    );
    await eventually(async () => {
      const lines = await recordLines(env, zoneId);
      assert.ok(lines.includes(`A db.${zone}. 10.2.0.7,10.2.0.8`), lines.join('\n'));
      assert.ok(lines.includes(`A db-1.db.${zone}. 10.2.0.8`));
    });
  });

  it('aliases an eu-north-1 ALB into its own hosted zone; an unknown-region one gets a Warning and no CNAME', async () => {
    const { ns, zone, zoneId } = await setup('alias-zones');
    const lbStatus = (service: string, hostname: string) =>
      kubectl([
        'patch',
        'service',
        service,
        '-n',
        ns,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { loadBalancer: { ingress: [{ hostname }] } } }),
      ]);
    const service = (name: string, host: string) =>
      apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns, annotations: { [`${PREFIX}hostname`]: host } },
        spec: { type: 'LoadBalancer', ports: [{ port: 443 }] },
      });
    await service('stockholm', `eu.${zone}`);
    await lbStatus('stockholm', 'k8s-web-0123456789.eu-north-1.elb.amazonaws.com');
    await service('nowhere', `new.${zone}`);
    await lbStatus('nowhere', 'k8s-web-0123456789.xx-nowhere-9.elb.amazonaws.com');
    await syncer(ns, zone);
    await eventually(async () => {
      const sets = (await listRecordSets(env, zoneId)).filter(
        (s) => s.Type !== 'SOA' && s.Type !== 'NS' && s.Type !== 'TXT',
      );
      assert.deepEqual(
        // moto gives the alias DNS name back as sent; Route 53 adds the final dot.
        sets.map((s) => [
          s.Type,
          s.Name,
          s.AliasTarget?.HostedZoneId,
          s.AliasTarget?.DNSName?.replace(/\.$/, ''),
        ]),
        [['A', `eu.${zone}.`, 'Z23TAZ6LKFMNIO', 'k8s-web-0123456789.eu-north-1.elb.amazonaws.com']],
      );
    });
    await eventually(async () => {
      const said = await events(ns, 'nowhere');
      assert.ok(
        said.some((e) =>
          /^Warning TargetProblem .*xx-nowhere-9.*not published, rather than as a CNAME.*aws-target-hosted-zone/.test(
            e,
          ),
        ),
        said.join('\n'),
      );
    });
    // Still nothing for it after the Event: no CNAME, no TXT.
    assert.ok(!(await recordLines(env, zoneId)).some((l) => l.includes(`new.${zone}`)));
  });

  it('holds back deleting most of a zone at once, until told the limit is 1', async () => {
    const { ns, zone, zoneId } = await setup('guard');
    await ingressGateway(ns, '203.0.113.17');
    const hosts = Array.from({ length: 12 }, (_, i) => `g${i}.${zone}`);
    await apply(gateway(ns, 'many', hosts));
    const first = await syncer(ns, zone);
    await eventually(async () =>
      assert.equal((await recordLines(env, zoneId)).filter((l) => l.startsWith('A ')).length, 12),
    );
    await kubectl(['delete', 'gateway.networking.istio.io', 'many', '-n', ns]);
    await first.waitForLog((l) => /^held back deleting 12 of the 12 records/.test(l.msg));
    assert.equal(await first.metric(`aws_controller_deletions_held_back{zone="${zone}"}`), 12);
    assert.equal((await recordLines(env, zoneId)).filter((l) => l.startsWith('A ')).length, 12);
    await first.stop();

    await syncer(ns, zone, { args: ['--max-delete-fraction', '1'] });
    await eventually(async () => assert.deepEqual(await recordLines(env, zoneId), []));
  });

  it('publishes an HTTPRoute only where its Gateway admits it (allowedRoutes, sectionName)', async () => {
    const { ns, zone, zoneId } = await setup('gwapi');
    const other = await env.createNamespace('routes');
    const listeners = (webFrom: string) => [
      {
        name: 'web',
        port: 80,
        protocol: 'HTTP',
        hostname: `*.${zone}`,
        allowedRoutes: { namespaces: { from: webFrom } },
      },
      {
        name: 'admin',
        port: 8080,
        protocol: 'HTTP',
        hostname: `*.admin.${zone}`,
        allowedRoutes: { namespaces: { from: 'All' } },
      },
    ];
    const publicGateway = (webFrom: string) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'public', namespace: ns },
      spec: { gatewayClassName: 'example', listeners: listeners(webFrom) },
    });
    await apply(publicGateway('Same'));
    // What the Gateway's controller would report (none runs here).
    await kubectl([
      'patch',
      'gateway.gateway.networking.k8s.io',
      'public',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { addresses: [{ type: 'IPAddress', value: '203.0.113.30' }] } }),
    ]);
    const route = (namespace: string, name: string, spec: object) =>
      apply({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name, namespace },
        spec,
      });
    const parent = { name: 'public', namespace: ns };
    await route(ns, 'local', { hostnames: [`local.${zone}`], parentRefs: [parent] });
    await route(other, 'far', {
      hostnames: [`far.${zone}`],
      parentRefs: [{ ...parent, sectionName: 'web' }],
    });
    await route(other, 'pinned', {
      hostnames: [`ops.admin.${zone}`, `x.${zone}`],
      parentRefs: [{ ...parent, sectionName: 'admin' }],
    });
    await syncer(ns, zone);

    const aRecords = async () =>
      (await recordLines(env, zoneId))
        .filter((l) => l.startsWith('A '))
        .map((l) => l.replace('\\052', '*'));
    const expected = (...names: string[]) =>
      names.map((n) => `A ${n}.${zone}. 203.0.113.30`).sort();
    await eventually(async () =>
      assert.deepEqual(await aRecords(), expected('*', '*.admin', 'local', 'ops.admin')),
    );
    await eventually(async () => {
      const said = await events(other, 'far');
      assert.ok(
        said.some((e) =>
          /^Warning NotAttached not published: no listener of Gateway .*\/public named web admits routes from namespace/.test(
            e,
          ),
        ),
        said.join('\n'),
      );
    });
    await eventually(async () => {
      const said = await events(other, 'pinned');
      assert.ok(
        said.some((e) => /^Warning HostNotOnGateway hostname x\./.test(e)),
        said.join('\n'),
      );
    });

    await apply(publicGateway('All'));
    await eventually(async () =>
      assert.deepEqual(await aRecords(), expected('*', '*.admin', 'far', 'local', 'ops.admin')),
    );
  });
  it("takes ingress addresses only from the Gateway's and the ingress namespaces, per host, through every spec.gateways form", async () => {
    // ns is the syncer's namespace, so its ingress namespace by default (no POD_NAMESPACE here).
    const { ns, zone, zoneId } = await setup('tenancy');
    const team = await env.createNamespace('team');
    const rogue = await env.createNamespace('rogue');
    await ingressGateway(ns, '203.0.113.40');
    // A second ingress, in the team's own namespace, selected by other labels.
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'edge-b', namespace: team },
      spec: {
        type: 'LoadBalancer',
        selector: { istio: 'edge-b' },
        ports: [{ name: 'http2', port: 80, targetPort: 8080 }],
      },
    });
    await kubectl([
      'patch',
      'service',
      'edge-b',
      '-n',
      team,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.41' }] } } }),
    ]);
    // Someone else's namespace: a plain Service with the ingress gateway's labels and
    // externalIPs. It must never lend an address to anyone's Gateway.
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'not-an-ingress', namespace: rogue },
      spec: {
        selector: { istio: 'ingressgateway' },
        externalIPs: ['198.51.100.66'],
        ports: [{ name: 'http', port: 80 }],
      },
    });
    await apply(gateway(team, 'shop', [`shop.${zone}`]));
    // The Gateways publish only their wildcards: the VirtualService's names are its own records.
    await apply(gateway(ns, 'edge-a', [`*/*.a.${zone}`]));
    await apply({
      ...gateway(team, 'edge-b', [`*/*.b.${zone}`]),
      spec: {
        selector: { istio: 'edge-b' },
        servers: [
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [`*/*.b.${zone}`] },
        ],
      },
    });
    await apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: {
        name: 'both',
        namespace: team,
        annotations: { [`${PREFIX}hostname`]: `c.${zone}` },
      },
      spec: {
        hosts: [`app.a.${zone}`, `app.b.${zone}`, `reviews.${team}.svc.cluster.local`],
        gateways: [`edge-a.${ns}.svc.cluster.local`, './edge-b', 'edge-gone'],
        http: [{ route: [{ destination: { host: 'reviews' } }] }],
      },
    });
    await syncer(ns, zone);

    await eventually(async () =>
      assert.deepEqual(
        (await recordLines(env, zoneId)).filter(
          (l) => l.startsWith('A ') && !/^A (\*|\\052)\./.test(l),
        ),
        [
          `A app.a.${zone}. 203.0.113.40`,
          `A app.b.${zone}. 203.0.113.41`,
          `A shop.${zone}. 203.0.113.40`,
        ],
      ),
    );
    await eventually(async () => {
      const said = await events(team, 'both');
      for (const expected of [
        /^Warning GatewayNotFound spec\.gateways entry 'edge-gone' names Gateway team-[a-z0-9-]+\/edge-gone, which does not exist/,
        /^Warning HostNotOnGateway hostname c\..* \(hostname annotation\) is not served by the Gateways it binds to/,
      ])
        assert.ok(
          said.some((e) => expected.test(e)),
          `${expected}\n${said.join('\n')}`,
        );
      assert.ok(!said.some((e) => /svc\.cluster\.local/.test(e)), said.join('\n'));
    });
    const all = (await recordLines(env, zoneId)).join('\n');
    assert.ok(!all.includes('198.51.100.66'), 'the rogue Service lent no address');
  });

  it('publishes each HTTPRoute hostname at the Gateways whose listeners serve it, and no further', async () => {
    const { ns, zone, zoneId } = await setup('perhost');
    const parentGateway = async (name: string, hostname: string, ip: string) => {
      await apply({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name, namespace: ns },
        spec: {
          gatewayClassName: 'example',
          listeners: [{ name: 'web', port: 80, protocol: 'HTTP', hostname }],
        },
      });
      await kubectl([
        'patch',
        'gateway.gateway.networking.k8s.io',
        name,
        '-n',
        ns,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { addresses: [{ type: 'IPAddress', value: ip }] } }),
      ]);
    };
    await parentGateway('one', `*.one.${zone}`, '203.0.113.51');
    await parentGateway('two', `*.two.${zone}`, '203.0.113.52');
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'r',
        namespace: ns,
        annotations: { [`${PREFIX}hostname`]: `x.three.${zone}` },
      },
      spec: {
        hostnames: [`app.one.${zone}`, `app.two.${zone}`],
        parentRefs: [{ name: 'one' }, { name: 'two' }],
      },
    });
    await syncer(ns, zone);
    await eventually(async () =>
      assert.deepEqual(
        (await recordLines(env, zoneId))
          .filter((l) => l.startsWith('A ') && l.includes('app.'))
          .sort(),
        [`A app.one.${zone}. 203.0.113.51`, `A app.two.${zone}. 203.0.113.52`],
      ),
    );
    await eventually(async () => {
      const said = await events(ns, 'r');
      assert.ok(
        said.some((e) =>
          /^Warning HostNotOnGateway hostname x\.three\..* \(hostname annotation\) is accepted by no listener/.test(
            e,
          ),
        ),
        said.join('\n'),
      );
    });
    assert.ok(!(await recordLines(env, zoneId)).some((l) => l.includes('x.three.')));
  });
});
