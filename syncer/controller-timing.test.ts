// When the controller sends, and how much at once: a lone change on the wire at the leading
// edge, a burst gathered into one request per zone, changes joining a zone's batch while it
// waits for the rate limit, Route 53's per-request limits kept. Time is a ManualClock shared
// by the controller and the rate limiter (4 requests/s, as shipped), so nothing here depends
// on how fast the machine is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROUTE53_LIMITS, batches, sizeOf, withinLimits } from '../core/records/batches.js';
import { groupChanges } from '../core/records/change-groups.js';
import type { Change } from '../core/records/route53-types.js';
import type { ObjectCaches } from './controller.js';
import type { Route53Requests } from './route53/api.js';
import { RateLimiter } from './route53/rate-limiter.js';
import { ResilientRoute53Api } from './route53/resilient-client.js';
import { emptySnapshot, type IstioGatewayObject, type Snapshot } from './sources/objects.js';
import {
  TEST_OPTIONS,
  controllersStoppedAfterEach,
  testDeps,
} from './testing/controller-harness.js';
import { FakeRoute53 } from './testing/fake-route53.js';
import { ManualClock, settle } from './testing/manual-clock.js';

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    namespace: 'istio-system',
    name: 'istio-ingressgateway',
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' } },
  status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
};

const gateway = (name: string, hosts: string[]): IstioGatewayObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { namespace: 'apps', name, creationTimestamp: '2026-01-02T00:00:00Z' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts }] },
});

class Caches implements ObjectCaches {
  gateways: IstioGatewayObject[] = [];
  synced() {
    return true;
  }
  unsynced() {
    return [];
  }
  snapshot(): Snapshot {
    return emptySnapshot({ services: [service], istioGateways: [...this.gateways] });
  }
}

interface Sent {
  at: number;
  zoneId: string;
  changes: readonly Change[];
}

/** Route 53 one request at a time, over the fake, noting when each change batch arrived. */
class Requests implements Route53Requests {
  readonly sent: Sent[] = [];
  /** When each zone's records were listed. */
  readonly listed: number[] = [];
  constructor(
    readonly fake: FakeRoute53,
    readonly clock: ManualClock,
  ) {}
  async listHostedZonesPage() {
    return { zones: await this.fake.listHostedZones() };
  }
  async listResourceRecordSetsPage(zoneId: string) {
    this.listed.push(this.clock.now());
    return { sets: await this.fake.listResourceRecordSets(zoneId) };
  }
  changeResourceRecordSets(zoneId: string, changes: readonly Change[]) {
    this.sent.push({ at: this.clock.now(), zoneId, changes });
    return this.fake.changeResourceRecordSets(zoneId, changes);
  }
}

const startController = controllersStoppedAfterEach();

const zoneName = (i: number) => `zone${i}.example.com`;

function setup(zones: number, timing: { leadingMs?: number; driftIntervalMs?: number } = {}) {
  const clock = new ManualClock();
  const fake = new FakeRoute53();
  for (let i = 0; i < zones; i++) fake.addZone(`Z${i}`, zoneName(i));
  const requests = new Requests(fake, clock);
  const state = { leader: true };
  const caches = new Caches();
  const controller = startController(
    {
      ...TEST_OPTIONS,
      debounceMs: 1000,
      driftIntervalMs: timing.driftIntervalMs ?? 600_000,
      ...(timing.leadingMs !== undefined && { leadingMs: timing.leadingMs }),
    },
    testDeps({
      caches,
      route53: new ResilientRoute53Api(requests, {
        limiter: new RateLimiter(4, clock),
        clock,
        mayWrite: () => state.leader,
      }),
      isLeader: () => state.leader,
      clock,
    }),
  );
  /** Moves time on in small steps, letting every timer and promise due run. */
  const run = async (ms: number, step = 5) => {
    for (let passed = 0; passed < ms; passed += step) await clock.advance(step);
    await settle();
  };
  /** Lists the zones (their first reconcile) and lets the rate limit fill up again. */
  const warmUp = async () => {
    const first = controller.reconcile();
    await run(5_000);
    await first;
  };
  const changes = () => requests.sent.filter((s) => s.changes.length > 0);
  return { clock, fake, requests, caches, controller, state, run, warmUp, changes };
}

const records = (t: ReturnType<typeof setup>, zone: number) =>
  t.fake.dump(`Z${zone}`).filter((line) => line.startsWith('A '));

describe('Controller: when changes go out', () => {
  it('sends a lone change at the leading edge, within 10 ms, in one request', async () => {
    const t = setup(3);
    await t.warmUp();
    assert.equal(t.changes().length, 0, 'nothing to send yet');

    const start = t.clock.now();
    t.caches.gateways = [gateway('lone', [`lone.${zoneName(1)}`])];
    t.controller.trigger('gateways changed');
    await t.clock.advance(9);
    await settle();
    assert.equal(t.changes().length, 0, 'not before the leading window has passed');
    await t.clock.advance(1);
    await settle();
    const sent = t.changes();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.at, start + 10);
    assert.equal(sent[0]?.zoneId, 'Z1');
    assert.deepEqual(
      sent[0]?.changes.map((c) => `${c.Action} ${c.ResourceRecordSet.Type}`),
      ['CREATE A', 'CREATE TXT'],
    );
    assert.deepEqual(records(t, 1), ['A lone.zone1.example.com 203.0.113.10']);
  });

  it('turns a burst of writes spread over 2 s into one request per zone, after the first change', async () => {
    const zones = 5;
    const t = setup(zones);
    await t.warmUp();
    const start = t.clock.now();
    // 100 Gateways, one every 20 ms, round the zones: every zone changes all through.
    for (let g = 0; g < 100; g++) {
      t.caches.gateways = [
        ...t.caches.gateways,
        gateway(`gw${g}`, [`gw${g}.${zoneName(g % zones)}`]),
      ];
      t.controller.trigger('gateways changed');
      await t.clock.advance(10);
      await t.clock.advance(10);
    }
    const burstEnd = t.clock.now();
    await t.run(10_000);

    const sent = t.changes();
    // The first change could have been a lone one: it goes at the leading edge, alone.
    assert.equal(sent[0]?.at, start + 10);
    assert.equal(sent[0]?.changes.length, 2);
    const rest = sent.slice(1);
    assert.deepEqual(
      rest.map((s) => s.zoneId).sort(),
      Array.from({ length: zones }, (_, i) => `Z${i}`),
      'one request per zone for the rest',
    );
    for (const s of rest) assert.ok(s.at >= burstEnd, 'none sent half full during the burst');
    for (let z = 0; z < zones; z++) assert.equal(records(t, z).length, 20);
  });

  it('adds changes to a zone whose batch waits for the rate limit', async () => {
    const t = setup(2);
    await t.warmUp();
    // Takes the rate limit's token: the next request may go only 250 ms later.
    t.caches.gateways = [gateway('first', [`first.${zoneName(0)}`])];
    t.controller.trigger('gateways changed');
    await t.run(150);
    assert.equal(t.changes().length, 1);
    // Zone 1 changes twice while its batch waits for that token.
    t.caches.gateways = [...t.caches.gateways, gateway('a', [`a.${zoneName(1)}`])];
    t.controller.trigger('gateways changed');
    await t.run(50);
    t.caches.gateways = [...t.caches.gateways, gateway('b', [`b.${zoneName(1)}`])];
    t.controller.trigger('gateways changed');
    await t.run(2_000);

    const zone1 = t.changes().filter((s) => s.zoneId === 'Z1');
    assert.equal(zone1.length, 1, 'one request for both changes');
    assert.deepEqual(records(t, 1), [
      'A a.zone1.example.com 203.0.113.10',
      'A b.zone1.example.com 203.0.113.10',
    ]);
  });

  it("cuts a zone's changes into as few requests as Route 53's limits allow, each within them", async () => {
    const t = setup(1);
    await t.warmUp();
    // 7 Gateways × 100 hosts written together: 1,400 changes (each record and its TXT).
    for (let g = 0; g < 7; g++) {
      const hosts = Array.from({ length: 100 }, (_, h) => `g${g}-h${h}.${zoneName(0)}`);
      t.caches.gateways = [...t.caches.gateways, gateway(`gw${g}`, hosts)];
      t.controller.trigger('gateways changed');
    }
    await t.run(5_000);
    const sent = t.changes();
    // The TXT values' characters bind before the 1,000 records do.
    const fewest = batches(groupChanges(sent.flatMap((s) => s.changes))).length;
    assert.ok(fewest > 1);
    assert.equal(sent.length, fewest);
    for (const s of sent) assert.ok(withinLimits(sizeOf(s.changes), ROUTE53_LIMITS));
    assert.equal(records(t, 0).length, 700);
  });

  it('sends nothing waiting in the outbox once the lease is lost', async () => {
    const t = setup(3);
    await t.warmUp();
    t.caches.gateways = [0, 1, 2].map((z) => gateway(`gw${z}`, [`gw.${zoneName(z)}`]));
    t.controller.trigger('gateways changed');
    // The first zone's request goes at the leading edge; the others wait for the rate limit.
    await t.run(50);
    assert.equal(t.changes().length, 1);
    t.state.leader = false;
    await t.run(3_000);
    assert.equal(t.changes().length, 1);
    assert.deepEqual(records(t, 1), []);
    assert.deepEqual(records(t, 2), []);
  });

  it('lets a change after a drift check wait its own leading delay: a drift check opens no burst', async () => {
    // The leading delay longer than --debounce, as the frozen-leader suite runs it: a change
    // just after a drift check once joined that check's "burst" and went out at once.
    const t = setup(1, { leadingMs: 3_000, driftIntervalMs: 6_000 });
    t.controller.start();
    await t.warmUp();
    const listedBefore = t.requests.listed.length;
    for (let waited = 0; t.requests.listed.length === listedBefore; waited += 50) {
      assert.ok(waited < 10_000, 'a drift check re-lists the zone within its interval');
      await t.run(50);
    }
    const driftAt = t.clock.now();
    await t.run(400);
    const changedAt = t.clock.now();
    t.caches.gateways = [gateway('late', [`late.${zoneName(0)}`])];
    t.controller.trigger('gateways changed');
    await t.run(2_900);
    assert.equal(t.changes().length, 0, `nothing before its leading delay (drift at ${driftAt})`);
    await t.run(200);
    assert.equal(t.changes().length, 1);
    const at = t.changes()[0]?.at ?? 0;
    assert.ok(at >= changedAt + 3_000 && at <= changedAt + 3_010, `sent at +${at - changedAt} ms`);
  });
});
