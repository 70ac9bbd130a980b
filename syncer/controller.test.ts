import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { parseAnnotations } from '../core/annotations/parse.js';
import { PREFIX } from '../core/annotations/prefix.js';
import type { Change } from '../core/records/route53-types.js';
import type { ObjectCaches } from './controller.js';
import type { EventType } from './kube/events.js';
import type { KubeResource } from './kube/reflector.js';
import { createSyncerMetrics } from './metrics.js';
import { emptySnapshot } from './sources/objects.js';
import type { IstioGatewayObject, ServiceObject, Snapshot } from './sources/objects.js';
import { ParseCache } from './sources/parse-cache.js';
import {
  TEST_OPTIONS,
  capturingLogger,
  controllersStoppedAfterEach,
  testDeps,
} from './testing/controller-harness.js';
import { ManualClock, settle } from './testing/manual-clock.js';
import { FakeRoute53 } from './testing/fake-route53.js';
import { parseDomainPolicy, type DomainPolicy } from '../core/tenancy/domain-policy.js';
import { WriteNotAllowed } from './route53/resilient-client.js';
import { Route53Error } from './route53/api.js';

const service = (ip: string): ServiceObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    namespace: 'istio-system',
    name: 'istio-ingressgateway',
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' } },
  status: { loadBalancer: { ingress: [{ ip }] } },
});

const gateway = (
  name: string,
  hosts: string[],
  annotations: Record<string, string> = {},
): IstioGatewayObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { namespace: 'bookinfo', name, annotations, creationTimestamp: '2026-01-02T00:00:00Z' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts }] },
});

class Caches implements ObjectCaches {
  whole = true;
  objects: Partial<Snapshot> = {};
  synced() {
    return this.whole;
  }
  unsynced() {
    return this.whole ? [] : ['gateways'];
  }
  snapshot(): Snapshot {
    return emptySnapshot(this.objects);
  }
}

const startController = controllersStoppedAfterEach();

function setup(
  options: {
    leader?: boolean;
    policy?: 'SYNC' | 'UPSERT_ONLY';
    maxDeleteFraction?: number;
    domainPolicy?: () => DomainPolicy;
    clock?: ManualClock;
    driftIntervalMs?: number;
    logger?: Logger;
    domainFilter?: string[];
  } = {},
) {
  const route53 = new FakeRoute53();
  route53.addZone('Z1', 'example.com');
  const caches = new Caches();
  const events: { name: string; type: EventType; reason: string; message: string }[] = [];
  const metrics = createSyncerMetrics({ defaultMetrics: false });
  // Time moves only when a test moves it: no reconcile runs on its own.
  const clock: ManualClock = options.clock ?? new ManualClock();
  const controller = startController(
    {
      ...TEST_OPTIONS,
      policy: options.policy ?? 'SYNC',
      driftIntervalMs: options.driftIntervalMs ?? 600_000,
      driftMinSpacingMs: 1_000,
      retryDelayMs: 60_000,
      ...(options.maxDeleteFraction !== undefined && {
        maxDeleteFraction: options.maxDeleteFraction,
      }),
      ...(options.domainFilter !== undefined && { domainFilter: options.domainFilter }),
    },
    testDeps({
      caches,
      route53,
      isLeader: () => options.leader ?? true,
      events: {
        record: (o: KubeResource, type, reason, message) =>
          events.push({ name: o.metadata?.name ?? '', type, reason, message }),
      },
      metrics,
      clock,
      ...(options.logger !== undefined && { logger: options.logger }),
      ...(options.domainPolicy !== undefined && { currentDomainPolicy: options.domainPolicy }),
    }),
  );
  return { route53, caches, events, metrics, controller, clock };
}

describe('Controller', () => {
  it('creates the records and their ownership TXTs, then sends nothing when nothing changed', async () => {
    const t = setup();
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('bookinfo-gw', ['bookinfo.example.com'])],
    };
    const first = await t.controller.reconcile();
    assert.equal(first.status, 'done');
    assert.deepEqual(t.route53.dump('Z1'), [
      'A bookinfo.example.com 203.0.113.10',
      'TXT a-bookinfo.example.com "heritage=aws-controller,aws-controller/owner=cluster-a,aws-controller/resource=gateway/bookinfo/bookinfo-gw"',
    ]);
    assert.deepEqual(
      t.events.map((e) => `${e.type} ${e.reason} ${e.message}`),
      ['Normal RecordCreated created A bookinfo.example.com in zone example.com'],
    );
    const calls = { ...t.route53.calls };
    assert.deepEqual(calls, {
      ListHostedZones: 1,
      ListResourceRecordSets: 1,
      ChangeResourceRecordSets: 1,
    });

    const second = await t.controller.reconcile();
    assert.equal(second.status === 'done' && second.applied, 0);
    assert.deepEqual(t.route53.calls, calls, 'no Route 53 call at all when nothing changed');

    t.caches.objects = { ...t.caches.objects, services: [service('203.0.113.99')] };
    await t.controller.reconcile();
    assert.deepEqual(t.route53.dump('Z1')[0], 'A bookinfo.example.com 203.0.113.99');
    assert.equal(t.route53.calls.ChangeResourceRecordSets, 2);
    assert.equal(t.route53.calls.ListResourceRecordSets, 1, 'the cache follows our own writes');
  });

  it('deletes under SYNC when the object goes, keeps under UPSERT_ONLY', async () => {
    for (const policy of ['SYNC', 'UPSERT_ONLY'] as const) {
      const t = setup({ policy });
      t.caches.objects = {
        services: [service('203.0.113.10')],
        istioGateways: [gateway('gw', ['a.example.com'])],
      };
      await t.controller.reconcile();
      t.caches.objects = { services: [service('203.0.113.10')] };
      await t.controller.reconcile();
      assert.equal(t.route53.dump('Z1').length, policy === 'SYNC' ? 0 : 2, policy);
    }
  });

  it('writes nothing unless leader, and plans nothing while a cache is not whole', async () => {
    const follower = setup({ leader: false });
    follower.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com'])],
    };
    assert.deepEqual(await follower.controller.reconcile(), { status: 'not-leader' });

    const t = setup();
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com'])],
    };
    await t.controller.reconcile();
    // The watch broke and the Gateway is missing from a cache that is not whole: no delete.
    t.caches.whole = false;
    t.caches.objects = { services: [service('203.0.113.10')] };
    assert.deepEqual(await t.controller.reconcile(), {
      status: 'waiting-for-caches',
      unsynced: ['gateways'],
    });
    assert.equal(t.route53.dump('Z1').length, 2);
    for (const calls of [follower.route53.calls])
      assert.deepEqual(calls, {
        ListHostedZones: 0,
        ListResourceRecordSets: 0,
        ChangeResourceRecordSets: 0,
      });
  });

  it('re-lists one zone at a time for the drift check, spread over the interval, not every zone at once', async () => {
    const clock = new ManualClock();
    const t = setup({ clock, driftIntervalMs: 30_000 });
    t.route53.addZone('Z2', 'example.org');
    t.route53.addZone('Z3', 'example.net');
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com'])],
    };
    // The reconcile a drift tick asks for runs at the leading edge (10 ms of the manual clock):
    // small steps, far below the drift spacing, let it run.
    const listedTimes = async (n: number) => {
      for (let waited = 0; t.route53.calls.ListResourceRecordSets < n && waited < 500;) {
        await clock.advance(10);
        waited += 10;
        await settle();
      }
      await clock.advance(30); // and nothing more comes
      await settle();
      return t.route53.calls.ListResourceRecordSets;
    };
    t.controller.start();
    assert.equal(await listedTimes(3), 3);
    assert.equal(t.route53.calls.ChangeResourceRecordSets, 1);
    await clock.advance(1_000); // the first look, after the minimum spacing: the oldest zone
    assert.equal(await listedTimes(4), 4);
    const listings: number[] = [];
    for (let tick = 0; tick < 3; tick++) {
      await clock.advance(10_000); // 30 s / 3 zones
      listings.push(await listedTimes(5 + tick));
    }
    // One more zone listed per tick; the zone list once in the interval.
    assert.deepEqual(listings, [5, 6, 7]);
    assert.equal(t.route53.calls.ListHostedZones, 2);
    assert.equal(t.route53.calls.ChangeResourceRecordSets, 1, 'nothing changed: nothing sent');
    await settle();
  });

  it('plans from a fresh listing after relist (on becoming leader): what another leader wrote is seen', async () => {
    const t = setup();
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com'])],
    };
    await t.controller.reconcile();
    // While this replica stood by, the leader of the time published b.example.com for a change
    // this one has not listed; its cached listing does not know.
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com', 'b.example.com'])],
    };
    const other = setup();
    other.route53.records.set('Z1', t.route53.records.get('Z1') ?? []);
    other.caches.objects = t.caches.objects;
    await other.controller.reconcile();
    t.route53.records.set('Z1', other.route53.records.get('Z1') ?? []);
    const listed = t.route53.calls.ListResourceRecordSets;
    t.controller.relist('became leader');
    const result = await t.controller.reconcile();
    assert.equal(t.route53.calls.ListResourceRecordSets, listed + 1, 'listed afresh');
    assert.equal(result.status === 'done' && result.applied + result.failed, 0, 'nothing to redo');
  });

  it('sends nothing more, and splits nothing, when the client refuses to write for lost leadership', async () => {
    const t = setup();
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com', 'b.example.com'])],
    };
    const fenced = t.route53.changeResourceRecordSets.bind(t.route53);
    let attempts = 0;
    t.route53.changeResourceRecordSets = () => {
      attempts++;
      return Promise.reject(new WriteNotAllowed('not sent: lost the lease'));
    };
    const result = await t.controller.reconcile();
    assert.equal(result.status === 'done' && result.failed, 4, 'both records and their TXTs');
    assert.equal(attempts, 1, 'the batch is not split into more attempts');
    assert.deepEqual(t.route53.dump('Z1'), []);
    assert.equal(
      (
        await t.metrics.registry
          .getSingleMetric('aws_controller_route53_failed_changes_total')
          ?.get()
      )?.values.length,
      0,
      'not counted as a change Route 53 refused',
    );
    t.route53.changeResourceRecordSets = fenced;
  });

  it('isolates a change Route 53 refuses and applies the rest, with a Warning on the object', async () => {
    const t = setup();
    t.route53.refuse = (c: Change) =>
      c.ResourceRecordSet.Name.startsWith('bad.')
        ? 'Tried to create resource record set [name=bad.example.com.] but it already exists'
        : undefined;
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [
        gateway('good', ['good.example.com', 'fine.example.com']),
        gateway('bad', ['bad.example.com']),
      ],
    };
    const result = await t.controller.reconcile();
    assert.equal(result.status === 'done' && result.failed, 2);
    assert.deepEqual(
      t.route53.dump('Z1').filter((l) => l.startsWith('A ')),
      ['A fine.example.com 203.0.113.10', 'A good.example.com 203.0.113.10'],
    );
    const warning = t.events.find((e) => e.type === 'Warning');
    assert.equal(warning?.name, 'bad');
    assert.match(warning?.message ?? '', /could not create A bad\.example\.com .*already exists/);
    assert.ok(t.route53.calls.ChangeResourceRecordSets >= 3, 'the batch was split');
    assert.match(
      await t.metrics.registry.metrics(),
      /aws_controller_route53_failed_changes_total\{reason="InvalidChangeBatch"\} 2/,
    );
  });

  it('fails the changes a refusal names and sends the rest at once, without halving', async () => {
    const t = setup();
    // Route 53's wording: the record set each refused change names, as InvalidChangeBatch says.
    t.route53.refuse = (c: Change) =>
      /^(a-)?stale\d/.test(c.ResourceRecordSet.Name)
        ? `Tried to create resource record set [name='${c.ResourceRecordSet.Name}.', type='${c.ResourceRecordSet.Type}'] but it already exists`
        : undefined;
    const hosts = Array.from(
      { length: 8 },
      (_, i) => `${i % 2 ? 'fresh' : 'stale'}${i}.example.com`,
    );
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: hosts.map((h, i) => gateway(`gw${i}`, [h])),
    };
    const before = t.route53.calls.ChangeResourceRecordSets;
    const result = await t.controller.reconcile();
    assert.equal(result.status === 'done' && result.failed, 8, 'four records and their TXTs');
    assert.equal(
      t.route53.calls.ChangeResourceRecordSets - before,
      2,
      'refused once, then the rest',
    );
    assert.deepEqual(
      t.route53.dump('Z1').filter((l) => l.startsWith('A ')),
      hosts.filter((h) => h.startsWith('fresh')).map((h) => `A ${h} 203.0.113.10`),
    );
    assert.deepEqual(
      t.events
        .filter((e) => e.type === 'Warning')
        .map((e) => e.name)
        .sort(),
      ['gw0', 'gw2', 'gw4', 'gw6'],
    );
  });

  it('says a batch Route 53 did not answer is unconfirmed, lists again and sends nothing landed', async () => {
    const t = setup();
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com'])],
    };
    // The batch lands, but its answer never comes: the client stops waiting (sdk-client.ts).
    const send = t.route53.changeResourceRecordSets.bind(t.route53);
    let answerLost = true;
    t.route53.changeResourceRecordSets = async (zoneId, changes) => {
      await send(zoneId, changes);
      if (!answerLost) return;
      answerLost = false;
      throw new Route53Error(
        'ChangeResourceRecordSets failed: TimeoutError: no answer',
        'ChangeResourceRecordSets',
        'TimeoutError',
        false,
      );
    };
    await t.controller.reconcile();
    assert.deepEqual(
      t.events.filter((e) => e.type === 'Warning').map((e) => `${e.name} ${e.reason}`),
      ['gw RecordChangeUnconfirmed'],
    );
    assert.match(
      t.events[0]?.message ?? '',
      /^sent create A a\.example\.com in zone example\.com, but Route 53 did not answer in time/,
    );
    const { ChangeResourceRecordSets: sent, ListResourceRecordSets: listed } = t.route53.calls;
    await t.controller.reconcile();
    assert.equal(t.route53.calls.ListResourceRecordSets, listed + 1, 'the zone listed again');
    assert.equal(t.route53.calls.ChangeResourceRecordSets, sent, 'nothing sent again: it landed');
    assert.equal(t.events.filter((e) => e.reason === 'RecordChangeFailed').length, 0);
  });

  it('records ten warnings per object, then one saying how many more, and repeats none', async () => {
    const t = setup();
    const names = Array.from({ length: 15 }, (_, i) => `taken${i}.example.com`);
    t.route53.records.set(
      'Z1',
      [...names, 'other.example.com'].map((name) => ({
        Name: `${name}.`,
        Type: 'A',
        TTL: 60,
        ResourceRecords: [{ Value: '198.51.100.1' }],
      })),
    );
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('greedy', names), gateway('modest', ['other.example.com'])],
    };
    await t.controller.reconcile();
    const warnings = (name: string) =>
      t.events.filter((e) => e.type === 'Warning' && e.name === name).map((e) => e.reason);
    assert.deepEqual(warnings('greedy'), [
      ...Array<string>(10).fill('RecordRefused'),
      'TooManyWarnings',
    ]);
    assert.match(
      t.events.find((e) => e.reason === 'TooManyWarnings')?.message ?? '',
      /^5 more warnings about this object not recorded as Events/,
    );
    assert.deepEqual(warnings('modest'), ['RecordRefused'], 'another object has its own ten');
    const before = t.events.length;
    await t.controller.reconcile();
    assert.equal(t.events.length, before, 'nothing said again');
  });

  it('counts names outside the domain filter apart from refusals, and puts no Event on them', async () => {
    const { logger, lines } = capturingLogger();
    const t = setup({ logger, domainFilter: ['shop.example.com'] });
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [
        gateway('mine', ['www.shop.example.com']),
        gateway('theirs', ['a.example.com', 'b.example.com']),
      ],
    };
    await t.controller.reconcile();
    const summary = lines.find((l) => l.msg === 'reconciled');
    assert.equal(summary?.refused, 0);
    assert.equal(summary?.outsideDomainFilter, 2);
    assert.deepEqual(
      t.events.filter((e) => e.type === 'Warning'),
      [],
    );
  });

  it('leaves a zone alone when its listing fails, and leaves foreign records untouched', async () => {
    const { logger, lines } = capturingLogger();
    const t = setup({ logger });
    t.route53.records.set('Z1', [
      {
        Name: 'taken.example.com.',
        Type: 'A',
        TTL: 60,
        ResourceRecords: [{ Value: '198.51.100.1' }],
      },
    ]);
    t.route53.failListing.add('Z1');
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['taken.example.com'])],
    };
    const failed = await t.controller.reconcile();
    assert.equal(failed.status === 'done' && failed.unlistedZones.length, 1);
    assert.equal(t.route53.calls.ChangeResourceRecordSets, 0);
    // Not "in sync": a zone it could not list may need anything.
    assert.deepEqual(
      lines.filter((l) => l.unlistedZones !== undefined).map((l) => l.msg),
      ['nothing changed, but some zones could not be listed: their names wait for the next try'],
    );

    t.route53.failListing.clear();
    await t.controller.reconcile();
    assert.deepEqual(t.route53.dump('Z1'), ['A taken.example.com 198.51.100.1']);
    const refusal = t.events.filter((e) => e.reason === 'RecordRefused');
    assert.equal(refusal.length, 1);
    await t.controller.reconcile();
    assert.equal(
      t.events.filter((e) => e.reason === 'RecordRefused').length,
      1,
      'the same refusal is not repeated',
    );
  });

  it('refuses a name the domain policy in force keeps from the namespace, with a NameNotAllowed Event', async () => {
    let policy = parseDomainPolicy(
      'domains: [{domain: shop.example.com, namespaces: [team-shop]}]',
      'p',
    );
    const t = setup({ domainPolicy: () => policy });
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['shop.example.com', 'b.example.com'])],
    };
    await t.controller.reconcile();
    assert.deepEqual(
      t.route53.dump('Z1').filter((r) => r.startsWith('A ')),
      ['A b.example.com 203.0.113.10'],
    );
    assert.deepEqual(
      t.events.filter((e) => e.type === 'Warning').map((e) => `${e.name} ${e.reason} ${e.message}`),
      [
        'gw NameNotAllowed A shop.example.com: shop.example.com may be published only from namespace team-shop (domain policy entry shop.example.com), not from namespace bookinfo',
      ],
    );
    // The policy changes while the syncer runs: the next reconcile follows it.
    policy = parseDomainPolicy(
      'domains: [{domain: shop.example.com, namespaces: [bookinfo]}]',
      'p',
    );
    await t.controller.reconcile();
    assert.ok(t.route53.dump('Z1').includes('A shop.example.com 203.0.113.10'));
  });

  it('brings a pending retry forward when something changes', async () => {
    const t = setup();
    t.route53.refuse = () => 'refused';
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com'])],
    };
    await t.controller.reconcile(); // fails: a retry is now a minute away
    const sent = t.route53.calls.ChangeResourceRecordSets;
    t.route53.refuse = () => undefined;
    t.controller.trigger('object changed');
    await t.clock.advance(10);
    await settle();
    assert.ok(t.route53.calls.ChangeResourceRecordSets > sent, 'the debounced reconcile ran');
    assert.equal(t.route53.dump('Z1').length, 2);
  });

  it('puts one Event per object and action on it, naming every record', async () => {
    const t = setup();
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('gw', ['a.example.com', 'b.example.com'])],
    };
    await t.controller.reconcile();
    assert.deepEqual(
      t.events.map((e) => `${e.name} ${e.reason} ${e.message}`),
      ['gw RecordCreated created A a.example.com, A b.example.com in zone example.com'],
    );
  });

  it('holds back deleting most of a zone at once, and deletes when told the limit is 1', async () => {
    for (const maxDeleteFraction of [0.5, 1]) {
      const t = setup({ maxDeleteFraction });
      const hosts = Array.from({ length: 12 }, (_, i) => `h${i}.example.com`);
      t.caches.objects = {
        services: [service('203.0.113.10')],
        istioGateways: [gateway('gw', hosts), gateway('keep', ['keep.example.com'])],
      };
      await t.controller.reconcile();
      t.caches.objects = {
        services: [service('203.0.113.10')],
        istioGateways: [gateway('keep', ['keep.example.com']), gateway('new', ['new.example.com'])],
      };
      const result = await t.controller.reconcile();
      const aRecords = t.route53.dump('Z1').filter((l) => l.startsWith('A '));
      if (maxDeleteFraction === 1) {
        assert.deepEqual(aRecords, [
          'A keep.example.com 203.0.113.10',
          'A new.example.com 203.0.113.10',
        ]);
        continue;
      }
      assert.equal(aRecords.length, 14, 'nothing deleted, the new record created');
      assert.ok(aRecords.includes('A new.example.com 203.0.113.10'));
      assert.equal(result.status === 'done' && result.heldBack[0]?.deletions, 12);
      assert.match(
        await t.metrics.registry.metrics(),
        /aws_controller_deletions_held_back\{zone="example.com"\} 12/,
      );
      assert.ok(!t.events.some((e) => e.reason === 'RecordDeleted'));
    }
  });
});

describe('Controller: annotation readings across reconciles', () => {
  it('reads an unchanged object once, and again after its resourceVersion changed', async () => {
    let calls = 0;
    const parseCache = new ParseCache((annotations, ctx) => {
      calls++;
      return parseAnnotations(annotations, ctx);
    });
    const route53 = new FakeRoute53();
    route53.addZone('Z1', 'example.com');
    const caches = new Caches();
    const controller = startController(TEST_OPTIONS, testDeps({ caches, route53, parseCache }));
    const gw = (resourceVersion: string, host: string): IstioGatewayObject => {
      const g = gateway('bookinfo-gw', [], { [`${PREFIX}hostname`]: host });
      g.metadata = { ...g.metadata, uid: 'uid-gw', resourceVersion };
      return g;
    };
    const svc = service('203.0.113.10');
    svc.metadata = { ...svc.metadata, uid: 'uid-svc', resourceVersion: '5' };
    caches.objects = { services: [svc], istioGateways: [gw('7', 'a.example.com')] };

    await controller.reconcile();
    const first = calls;
    assert.ok(first >= 2, 'the first reconcile reads both objects');
    await controller.reconcile();
    assert.equal(calls, first, 'nothing read again while nothing changed');

    caches.objects = { services: [svc], istioGateways: [gw('8', 'b.example.com')] };
    await controller.reconcile();
    assert.equal(calls, first + 1, 'only the changed Gateway is read again');
    assert.deepEqual(
      route53.dump('Z1').filter((l) => l.startsWith('A ')),
      ['A b.example.com 203.0.113.10'],
    );

    caches.objects = { services: [svc] };
    await controller.reconcile();
    // The Service has no annotations: reading it keeps nothing.
    assert.equal(parseCache.size, 0, 'the deleted Gateway is forgotten');
  });
});

describe('Controller: one bad change never blocks the others', () => {
  const objects = () => ({
    services: [service('203.0.113.10')],
    istioGateways: [
      gateway('good', ['good.example.com', 'fine.example.com', 'also.example.com']),
      gateway('bad', ['bad.example.com']),
    ],
  });
  const isBad = (c: Change) => c.ResourceRecordSet.Name.startsWith('bad.');

  for (const [code, httpStatus] of [
    ['InvalidInput', 400],
    ['NoSuchHealthCheck', 404],
    ['InvalidArgument', 400],
    ['SomeFutureClientError', 400],
  ] as const) {
    it(`splits a batch refused with ${code} and applies every change but the bad one`, async () => {
      const t = setup();
      t.route53.refuse = (c) =>
        isBad(c) ? { code, message: `refused ${c.ResourceRecordSet.Name}`, httpStatus } : undefined;
      t.caches.objects = objects();
      const result = await t.controller.reconcile();
      assert.equal(result.status === 'done' && result.failed, 2, 'the bad record and its TXT');
      assert.deepEqual(
        t.route53.dump('Z1').filter((l) => l.startsWith('A ')),
        [
          'A also.example.com 203.0.113.10',
          'A fine.example.com 203.0.113.10',
          'A good.example.com 203.0.113.10',
        ],
      );
      const warning = t.events.find((e) => e.type === 'Warning');
      assert.equal(warning?.name, 'bad');
      assert.match(
        warning?.message ?? '',
        new RegExp(`could not create A bad\\.example\\.com .*${code}`),
      );
      assert.match(
        await t.metrics.registry.metrics(),
        new RegExp(`aws_controller_route53_failed_changes_total\\{reason="${code}"\\} 2`),
      );
    });
  }

  for (const [code, httpStatus, retryable] of [
    ['NoSuchHostedZone', 404, false],
    ['AccessDenied', 403, false],
    ['Throttling', 400, true],
    ['PriorRequestNotComplete', 400, true],
    ['InternalFailure', 500, true],
  ] as const) {
    it(`does not split a batch refused with ${code}: one call, every change failed`, async () => {
      const t = setup();
      t.route53.refuse = () => ({ code, message: 'refused', httpStatus, retryable });
      t.caches.objects = objects();
      const result = await t.controller.reconcile();
      assert.equal(result.status === 'done' && result.failed, 8);
      assert.equal(t.route53.calls.ChangeResourceRecordSets, 1);
      assert.deepEqual(t.route53.dump('Z1'), []);
    });
  }
});

describe('Controller: stop', () => {
  it('returns while a reconcile is still planning, and drops what that reconcile planned', async () => {
    const t = setup();
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('bookinfo-gw', ['bookinfo.example.com'])],
    };
    // The zone's listing answers only once stop() has been called: planning is under way.
    let answer!: () => void;
    const stopCalled = new Promise<void>((resolve) => (answer = resolve));
    const list = t.route53.listResourceRecordSets.bind(t.route53);
    t.route53.listResourceRecordSets = async (zoneId) => {
      await stopCalled;
      return list(zoneId);
    };
    const reconciled = t.controller.reconcile();
    await settle();
    assert.equal(t.route53.calls.ListResourceRecordSets, 0, 'the listing is still awaited');
    const stopped = t.controller.stop();
    answer();
    // A hang, not a speed, is what this bounds: without the guard the planned changes were
    // offered to an outbox stop() had already emptied, and neither promise ever settled.
    const outcome = await Promise.race([
      Promise.all([reconciled, stopped]).then(([result]) => result),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000).unref()),
    ]);
    assert.deepEqual(outcome, { status: 'stopped' });
    assert.equal(t.route53.calls.ChangeResourceRecordSets, 0, 'nothing is sent after stop()');
  });
});

describe('Controller: what it logs at info', () => {
  it('says each reconcile that changed something, and keeps one that changed nothing at debug', async () => {
    const { logger, lines } = capturingLogger();
    const t = setup({ logger });
    t.caches.objects = {
      services: [service('203.0.113.10')],
      istioGateways: [gateway('bookinfo-gw', ['bookinfo.example.com'])],
    };
    await t.controller.reconcile();
    const said = () => lines.map((l) => l.msg).filter((m) => /reconciled|in sync/.test(m));
    assert.deepEqual(said(), ['reconciled']);
    // At rest (the drift check's ticks): nothing to change, nothing said at info.
    await t.controller.reconcile();
    await t.controller.reconcile();
    assert.deepEqual(said(), ['reconciled']);
    t.caches.objects = { ...t.caches.objects, services: [service('203.0.113.11')] };
    await t.controller.reconcile();
    assert.deepEqual(said(), ['reconciled', 'reconciled']);
  });
});
