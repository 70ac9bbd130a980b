// The controller works in proportion to what changed: a reconcile with nothing changed reads
// no cache list and plans nothing; a changed object is read alone (with what depends on it)
// and only its names are planned; the drift check builds the desired state afresh, and when
// it differs from the one kept up to date, says so, counts it and uses the fresh one. A drift
// tick that re-lists a few zones plans only those zones' names; the cluster's identity is
// applied as the whole computation applies it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import { PREFIX } from '../core/annotations/prefix.js';
import { createSyncerMetrics } from './metrics.js';
import type { IstioGatewayObject, ServiceObject, VirtualServiceObject } from './sources/objects.js';
import { ManualClock, settle } from './testing/manual-clock.js';
import {
  TEST_OPTIONS,
  capturingLogger,
  controllersStoppedAfterEach,
  testDeps,
} from './testing/controller-harness.js';
import type { ResourceRecordSet } from '../core/records/route53-types.js';
import { FakeRoute53 } from './testing/fake-route53.js';
import { WatchedCaches } from './testing/watched-caches.js';

const service = (ip: string): ServiceObject => ({
  kind: 'Service',
  metadata: {
    namespace: 'istio-system',
    name: 'ingress',
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' } },
  status: { loadBalancer: { ingress: [{ ip }] } },
});
const gateway = (name: string): IstioGatewayObject => ({
  kind: 'Gateway',
  metadata: { namespace: 'shop', name, creationTimestamp: '2026-01-02T00:00:00Z' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts: ['*.example.com'] }] },
});
const virtualService = (name: string, host: string, gw = 'gw'): VirtualServiceObject => ({
  kind: 'VirtualService',
  metadata: { namespace: 'shop', name, creationTimestamp: '2026-01-03T00:00:00Z' },
  spec: { hosts: [host], gateways: [gw] },
});
const annotated = (name: string, host: string): IstioGatewayObject => ({
  ...gateway(name),
  metadata: { ...gateway(name).metadata, annotations: { [`${PREFIX}hostname`]: host } },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts: [host] }] },
});

const startController = controllersStoppedAfterEach();

function setup(
  maxDeleteFraction?: number,
  more: {
    clock?: ManualClock;
    driftIntervalMs?: number;
    cluster?: ClusterIdentity;
    hints?: boolean;
    records?: ResourceRecordSet[];
  } = {},
) {
  const route53 = new FakeRoute53();
  route53.addZone('Z1', 'example.com', more.records);
  const caches = new WatchedCaches({ hints: more.hints === true });
  const metrics = createSyncerMetrics({ defaultMetrics: false });
  /** Every line logged at info or above. */
  const { logger, lines, errors } = capturingLogger();
  const controller = startController(
    {
      ...TEST_OPTIONS,
      driftIntervalMs: more.driftIntervalMs ?? 600_000,
      ...(maxDeleteFraction !== undefined && { maxDeleteFraction }),
      ...(more.cluster !== undefined && { cluster: more.cluster }),
    },
    testDeps({
      caches,
      route53,
      metrics,
      logger,
      ...(more.clock !== undefined && { clock: more.clock }),
    }),
  );
  return { route53, caches, metrics, controller, errors, lines };
}

const records = (route53: FakeRoute53) =>
  route53.dump('Z1').filter((line) => line.startsWith('A '));

describe('Controller: work in proportion to what changed', () => {
  it('reads and plans nothing when nothing changed, and only the changed kind when one did', async () => {
    const t = setup();
    t.caches.set('services', [service('203.0.113.10')]);
    t.caches.set('istioGateways', [gateway('gw')]);
    t.caches.set('virtualServices', [
      virtualService('a', 'a.example.com'),
      virtualService('b', 'b.example.com'),
    ]);
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.10',
      'A a.example.com 203.0.113.10',
      'A b.example.com 203.0.113.10',
    ]);

    t.caches.reads.snapshots = 0;
    t.caches.reads.lists = [];
    const calls = { ...t.route53.calls };
    const idle = await t.controller.reconcile();
    assert.equal(idle.status, 'done');
    assert.equal(t.caches.reads.snapshots, 0, 'no snapshot taken');
    assert.deepEqual(t.caches.reads.lists, [], 'no list read');
    assert.deepEqual(idle.status === 'done' && idle.plan.zones, []);
    assert.deepEqual(t.route53.calls, calls, 'no Route 53 call');

    // One VirtualService changes its host: only its kind is read, only its names change.
    t.caches.set('virtualServices', [
      virtualService('a', 'a2.example.com'),
      virtualService('b', 'b.example.com'),
    ]);
    const one = await t.controller.reconcile();
    assert.deepEqual(t.caches.reads.lists, ['virtualServices']);
    assert.equal(t.caches.reads.snapshots, 0);
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.10',
      'A a2.example.com 203.0.113.10',
      'A b.example.com 203.0.113.10',
    ]);
    assert.equal(one.status === 'done' && one.applied, 4, 'A and TXT deleted, A and TXT created');
  });

  it("carries a Service's new address to the VirtualServices of the Gateways selecting it", async () => {
    const t = setup();
    t.caches.set('services', [service('203.0.113.10')]);
    t.caches.set('istioGateways', [gateway('gw'), annotated('other', 'other.example.com')]);
    t.caches.set('virtualServices', [
      virtualService('a', 'a.example.com'),
      virtualService('orphan', 'c.example.com', 'missing'),
    ]);
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.10',
      'A a.example.com 203.0.113.10',
      'A other.example.com 203.0.113.10',
    ]);
    t.caches.reads.lists = [];
    t.caches.set('services', [service('203.0.113.99')]);
    const result = await t.controller.reconcile();
    assert.deepEqual(t.caches.reads.lists, ['services']);
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.99',
      'A a.example.com 203.0.113.99',
      'A other.example.com 203.0.113.99',
    ]);
    assert.equal(result.status === 'done' && result.applied, 3, 'three UPSERTs of A records');
  });

  it('after a change most names share, plans them all and keeps what it refuses standing', async () => {
    // 600 names, more than a part of the whole plan (400): most of them changing is planned
    // as a whole plan, not as the scope of the changed names (controller.ts, mostNames).
    const foreign = {
      Name: 'taken.example.com.',
      Type: 'A' as const,
      TTL: 60,
      ResourceRecords: [{ Value: '198.51.100.1' }],
    };
    const t = setup(undefined, { records: [foreign] });
    const hosts = Array.from({ length: 600 }, (_, i) => `h${i}.example.com`);
    t.caches.set('services', [service('203.0.113.10')]);
    t.caches.set('istioGateways', [gateway('gw')]);
    t.caches.set('virtualServices', [
      ...hosts.map((h, i) => virtualService(`v${i}`, h)),
      virtualService('taken', 'taken.example.com'),
    ]);
    const refusedNames = (r: Awaited<ReturnType<typeof t.controller.reconcile>>) =>
      r.status === 'done' ? r.plan.refused.map((x) => x.endpoint.name) : [];
    const first = await t.controller.reconcile();
    assert.deepEqual(refusedNames(first), ['taken.example.com']);
    t.caches.set('services', [service('203.0.113.99')]);
    const moved = await t.controller.reconcile();
    assert.equal(moved.status === 'done' && moved.applied, 601, 'the wildcard and every host');
    assert.deepEqual(refusedNames(moved), ['taken.example.com']);
    const now = records(t.route53);
    assert.equal(now.filter((line) => line.endsWith(' 203.0.113.99')).length, 601);
    assert.ok(now.includes('A taken.example.com 198.51.100.1'), 'the foreign record untouched');
    // A lone change afterwards is planned in its scope: the refusal stays standing.
    t.caches.set('virtualServices', [
      ...hosts.map((h, i) => virtualService(`v${i}`, i === 0 ? 'new.example.com' : h)),
      virtualService('taken', 'taken.example.com'),
    ]);
    const lone = await t.controller.reconcile();
    assert.equal(lone.status === 'done' && lone.applied, 4, 'A and TXT deleted, A and TXT created');
    assert.deepEqual(refusedNames(lone), ['taken.example.com']);
  });

  it('keeps deletions held back by the guard on later reconciles that plan other names', async () => {
    const t = setup(0.5);
    const hosts = Array.from({ length: 14 }, (_, i) => `h${i}.example.com`);
    t.caches.set('services', [service('203.0.113.10')]);
    t.caches.set(
      'istioGateways',
      hosts.map((h, i) => annotated(`g${i}`, h)),
    );
    await t.controller.reconcile();
    assert.equal(records(t.route53).length, 14);
    // Twelve of fourteen go: more than half of what we own, so the deletions are held back.
    t.caches.set('istioGateways', [
      annotated('g0', hosts[0] ?? ''),
      annotated('g1', hosts[1] ?? ''),
    ]);
    const held = await t.controller.reconcile();
    assert.equal(held.status === 'done' && held.heldBack.length, 1);
    // A new name elsewhere: the held-back deletions are planned with it and held back still.
    t.caches.set('istioGateways', [
      annotated('g0', hosts[0] ?? ''),
      annotated('g1', hosts[1] ?? ''),
      annotated('new', 'new.example.com'),
    ]);
    const later = await t.controller.reconcile();
    assert.equal(later.status === 'done' && later.heldBack.length, 1);
    assert.equal(later.status === 'done' && later.heldBack[0]?.deletions, 12);
    assert.equal(records(t.route53).length, 15, 'nothing deleted, the new name created');
  });

  it('on the drift check, uses the desired state computed afresh and says when the kept one differed', async () => {
    const t = setup();
    const svc = service('203.0.113.10');
    t.caches.set('services', [svc]);
    t.caches.set('istioGateways', [annotated('gw', 'www.example.com')]);
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), ['A www.example.com 203.0.113.10']);

    // Nothing is told of a change made to a cached object in place: the kept state is stale.
    svc.status = { loadBalancer: { ingress: [{ ip: '203.0.113.77' }] } };
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), ['A www.example.com 203.0.113.10']);
    const mismatches = async () =>
      (await t.metrics.incrementalMismatches.get()).values[0]?.value ?? 0;
    assert.equal(await mismatches(), 0);

    t.controller.relist('drift check', 0);
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), ['A www.example.com 203.0.113.77']);
    assert.equal(await mismatches(), 1);
    assert.ok(t.errors.some((e) => e.includes('differs from the one computed afresh')));

    // A drift check that finds them equal says nothing.
    t.controller.relist('drift check', 0);
    await t.controller.reconcile();
    assert.equal(await mismatches(), 1);
  });

  it("on a drift tick, re-lists only the zones it expires and plans only those zones' names", async () => {
    const clock = new ManualClock();
    const t = setup(undefined, { clock, driftIntervalMs: 30_000 });
    t.route53.addZone('Z2', 'example.org');
    t.caches.set('services', [service('203.0.113.10')]);
    t.caches.set('istioGateways', [
      annotated('gw1', 'a.example.com'),
      annotated('gw2', 'b.example.org'),
    ]);
    const aRecords = () =>
      ['Z1', 'Z2'].flatMap((zone) => t.route53.dump(zone).filter((l) => l.startsWith('A ')));
    /** Moves time on in small steps until `done`, or 20 s of it. */
    const until = async (done: () => boolean) => {
      for (let waited = 0; !done() && waited < 20_000; waited += 50) await clock.advance(50);
      await clock.advance(30);
      await settle();
    };
    t.controller.start();
    await until(() => aRecords().length === 2);
    assert.deepEqual(aRecords(), ['A a.example.com 203.0.113.10', 'A b.example.org 203.0.113.10']);
    const listed = t.route53.calls.ListResourceRecordSets;
    assert.equal(listed, 2);

    // Someone deletes both A records behind our back; the cached listings do not know.
    for (const zone of ['Z1', 'Z2']) {
      t.route53.records.set(
        zone,
        (t.route53.records.get(zone) ?? []).filter((r) => r.Type !== 'A'),
      );
    }
    t.lines.length = 0;
    // The first drift tick re-lists one zone of the two (the interval spread over them).
    await until(() => t.route53.calls.ListResourceRecordSets > listed);
    assert.equal(t.route53.calls.ListResourceRecordSets, listed + 1);
    assert.equal(aRecords().length, 1, 'the zone listed afresh is repaired, the other not yet');
    const reconciled = t.lines.filter((l) => l['msg'] === 'reconciled');
    assert.equal(reconciled.length, 1);
    const planned = reconciled[0]?.['planned'];
    assert.ok(typeof planned === 'number' && planned <= 3, `planned ${String(planned)} names`);
    assert.equal(reconciled[0]?.['recomputed'], 0, 'no object recomputed');

    // The next tick re-lists the other zone.
    await until(() => t.route53.calls.ListResourceRecordSets > listed + 1);
    assert.deepEqual(aRecords(), ['A a.example.com 203.0.113.10', 'A b.example.org 203.0.113.10']);
    assert.equal((await t.metrics.incrementalMismatches.get()).values[0]?.value ?? 0, 0);
  });

  it("applies the cluster's identity as the whole computation does, change by change", async () => {
    const t = setup(undefined, { cluster: { name: 'blue', region: 'eu-west-1' } });
    const weighted = (weight: string): IstioGatewayObject => {
      const gw = annotated('gw', 'www.example.com');
      return {
        ...gw,
        metadata: {
          ...gw.metadata,
          annotations: { ...gw.metadata?.annotations, [`${PREFIX}aws-weight`]: weight },
        },
      };
    };
    t.caches.set('services', [service('203.0.113.10')]);
    t.caches.set('istioGateways', [weighted('10')]);
    await t.controller.reconcile();
    const sets = () =>
      (t.route53.records.get('Z1') ?? [])
        .filter((r) => r.Type === 'A')
        .map((r) => `${r.SetIdentifier ?? '-'} ${String(r.Weight)}`);
    assert.deepEqual(sets(), ['blue 10'], "the cluster's name is the set identifier");

    t.caches.set('istioGateways', [weighted('30')]);
    await t.controller.reconcile();
    assert.deepEqual(sets(), ['blue 30']);

    // The drift check's whole computation, with the same identity, finds the same.
    t.controller.relist('drift check', 0);
    await t.controller.reconcile();
    assert.equal((await t.metrics.incrementalMismatches.get()).values[0]?.value ?? 0, 0);
    assert.deepEqual(sets(), ['blue 30']);
  });

  it('with per-object hints, reads only the objects that changed, and the whole kind after a relist', async () => {
    const t = setup(undefined, { hints: true });
    const caches = t.caches;
    caches.set('services', [service('203.0.113.10')]);
    caches.set('istioGateways', [gateway('gw')]);
    caches.set('virtualServices', [
      virtualService('a', 'a.example.com'),
      virtualService('b', 'b.example.com'),
    ]);
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.10',
      'A a.example.com 203.0.113.10',
      'A b.example.com 203.0.113.10',
    ]);

    // One VirtualService changes host: it alone is read, by its key.
    caches.reads.snapshots = 0;
    caches.reads.lists = [];
    caches.reads.gets = 0;
    caches.event('virtualServices', virtualService('a', 'a2.example.com'));
    const one = await t.controller.reconcile();
    assert.equal(caches.reads.snapshots, 0, 'no snapshot');
    assert.deepEqual(caches.reads.lists, [], 'no list read');
    assert.equal(caches.reads.gets, 1, 'one object read');
    assert.equal(one.status === 'done' && one.applied, 4, 'A and TXT deleted, A and TXT created');
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.10',
      'A a2.example.com 203.0.113.10',
      'A b.example.com 203.0.113.10',
    ]);

    // The ingress Service's new address reaches the VirtualServices through their Gateway.
    caches.event('services', service('203.0.113.20'));
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.20',
      'A a2.example.com 203.0.113.20',
      'A b.example.com 203.0.113.20',
    ]);

    // A deletion, told by its key.
    caches.event('virtualServices', virtualService('b', 'b.example.com'), true);
    await t.controller.reconcile();
    assert.deepEqual(records(t.route53), [
      'A *.example.com 203.0.113.20',
      'A a2.example.com 203.0.113.20',
    ]);

    // After a relist the kind is read whole: what it no longer holds is deleted.
    caches.reads.lists = [];
    caches.set('virtualServices', []);
    await t.controller.reconcile();
    assert.deepEqual(caches.reads.lists, ['virtualServices']);
    assert.deepEqual(records(t.route53), ['A *.example.com 203.0.113.20']);

    // The drift check's whole computation agrees with what the hints built.
    t.controller.relist('drift check', 0);
    await t.controller.reconcile();
    assert.equal((await t.metrics.incrementalMismatches.get()).values[0]?.value ?? 0, 0);
  });
});
