import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { ManualClock, settle } from '../testing/manual-clock.js';
import { ClusterCaches, type CacheBackend, type CacheReflector } from './caches.js';
import type { KubeResource } from './reflector.js';
import type { WatchedResource } from './watched-resources.js';

const services: WatchedResource = {
  key: 'services',
  group: '',
  versions: ['v1'],
  resource: 'services',
  kind: 'Service',
  builtin: true,
};
const gateways: WatchedResource = {
  key: 'istioGateways',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  resource: 'gateways',
  kind: 'Gateway',
  builtin: false,
};

class FakeReflector implements CacheReflector {
  synced = false;
  lastError: unknown;
  started = false;
  stopped = false;
  items: KubeResource[] = [];
  constructor(
    readonly version: string,
    readonly onChange: (object?: KubeResource) => void,
  ) {}
  start() {
    this.started = true;
  }
  stop() {
    this.stopped = true;
    return Promise.resolve();
  }
  list() {
    return this.items;
  }
  get(namespace: string | undefined, name: string) {
    return this.items.find((i) => i.metadata?.namespace === namespace && i.metadata?.name === name);
  }
  /** The list succeeded. */
  sync(items: KubeResource[] = []) {
    this.items = items;
    this.synced = true;
    this.onChange();
  }
  fail(code: number) {
    this.lastError = Object.assign(new Error(`HTTP ${code}`), { code });
    this.synced = false;
    this.onChange();
  }
}

class FakeBackend implements CacheBackend {
  /** `group/version` → served resources; missing: not served; an Error: discovery fails. */
  served = new Map<string, string[] | Error>();
  discoveries = 0;
  reflectors: FakeReflector[] = [];
  discover(group: string, version: string) {
    this.discoveries++;
    const served = this.served.get(`${group}/${version}`);
    if (served instanceof Error) return Promise.reject(served);
    return Promise.resolve(served ?? null);
  }
  reflector(_r: WatchedResource, version: string, onChange: (object?: KubeResource) => void) {
    const reflector = new FakeReflector(version, onChange);
    this.reflectors.push(reflector);
    return reflector;
  }
}

const running: ClusterCaches[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

function setup(resources: WatchedResource[]) {
  const backend = new FakeBackend();
  const clock = new ManualClock();
  const changes: string[] = [];
  const caches = new ClusterCaches({
    resources,
    backend,
    clock,
    logger: pino({ level: 'silent' }),
    onChange: (key) => changes.push(key),
    absenceConfirmMs: 30_000,
    rediscoverIntervalMs: 300_000,
  });
  running.push(caches);
  return { backend, clock, caches, changes };
}

describe('ClusterCaches', () => {
  it('watches built-in kinds without discovery, and is whole once every reflector has listed', async () => {
    const t = setup([services]);
    t.caches.start();
    await settle();
    assert.equal(t.backend.discoveries, 0);
    const [reflector] = t.backend.reflectors;
    assert.ok(reflector?.started);
    assert.equal(t.caches.synced(), false);
    reflector.sync([{ metadata: { name: 'web', namespace: 'shop' } }]);
    assert.equal(t.caches.synced(), true);
    assert.deepEqual(
      t.caches.snapshot().services.map((s) => s.metadata?.name),
      ['web'],
    );
  });

  it('watches the first preferred version the cluster serves', async () => {
    const t = setup([gateways]);
    t.backend.served.set('networking.istio.io/v1beta1', ['gateways', 'virtualservices']);
    t.backend.served.set('networking.istio.io/v1alpha3', ['gateways']);
    t.caches.start();
    await settle();
    assert.equal(t.backend.reflectors[0]?.version, 'v1beta1');
    assert.deepEqual(t.caches.status(), { istioGateways: 'v1beta1 (syncing)' });
  });

  it('believes a kind is not served only when the apiserver says so twice, some time apart', async () => {
    const t = setup([gateways]);
    t.caches.start();
    await settle();
    assert.equal(t.caches.synced(), false, 'one "not served" is not enough');
    assert.deepEqual(t.caches.unsynced(), ['istioGateways (networking.istio.io/gateways)']);
    await t.clock.advance(30_000);
    assert.equal(t.caches.synced(), true);
    assert.deepEqual(t.caches.snapshot().istioGateways, []);
    assert.ok(t.changes.includes('istioGateways'), 'the change is announced');

    // The CRDs are installed later: found on the next lookup.
    t.backend.served.set('networking.istio.io/v1', ['gateways']);
    await t.clock.advance(300_000);
    assert.equal(t.backend.reflectors[0]?.version, 'v1');
    assert.equal(t.caches.synced(), false, 'not whole until the new kind is listed');
  });

  it('is not whole while a served kind comes back between two "not served" answers', async () => {
    const t = setup([gateways]);
    t.caches.start();
    await settle();
    t.backend.served.set('networking.istio.io/v1', ['gateways']);
    await t.clock.advance(30_000);
    assert.equal(t.caches.synced(), false);
    t.backend.reflectors[0]?.sync();
    assert.equal(t.caches.synced(), true);
  });

  it('retries a failing discovery and stays not whole meanwhile', async () => {
    const t = setup([gateways]);
    t.backend.served.set('networking.istio.io/v1', new Error('connection refused'));
    t.caches.start();
    await settle();
    assert.equal(t.caches.synced(), false);
    const before = t.backend.discoveries;
    t.backend.served.set('networking.istio.io/v1', ['gateways']);
    await t.clock.advance(30_000);
    assert.ok(t.backend.discoveries > before);
    assert.equal(t.backend.reflectors.length, 1);
  });

  it('looks a kind up again when its watch starts answering 404, and is not whole meanwhile', async () => {
    const t = setup([gateways]);
    t.backend.served.set('networking.istio.io/v1', ['gateways']);
    t.caches.start();
    await settle();
    const first = t.backend.reflectors[0];
    first?.sync([{ metadata: { name: 'gw', namespace: 'a' } }]);
    assert.equal(t.caches.synced(), true);

    t.backend.served.delete('networking.istio.io/v1');
    first?.fail(404);
    await settle();
    assert.ok(first?.stopped, 'the old reflector is stopped');
    assert.equal(t.caches.synced(), false, 'a vanished kind is not taken for an empty one');
    assert.deepEqual(t.caches.snapshot().istioGateways, []);
    await t.clock.advance(30_000);
    assert.equal(t.caches.synced(), true, 'confirmed gone');
  });

  it('keeps the cache not whole on other watch errors, leaving the retry to the reflector', async () => {
    const t = setup([gateways]);
    t.backend.served.set('networking.istio.io/v1', ['gateways']);
    t.caches.start();
    await settle();
    const reflector = t.backend.reflectors[0];
    reflector?.sync();
    reflector?.fail(500);
    await settle();
    assert.equal(reflector?.stopped, false);
    assert.equal(t.caches.synced(), false);
    reflector?.sync();
    assert.equal(t.caches.synced(), true);
  });

  it('tells which objects watch events changed, and to read the whole kind after a relist', async () => {
    const t = setup([services]);
    t.caches.start();
    await settle();
    const [reflector] = t.backend.reflectors;
    const svc = (namespace: string, name: string): KubeResource => ({
      kind: 'Service',
      metadata: { namespace, name },
    });
    reflector?.sync([svc('a', 'one')]);
    // The first list (and a new reflector) is the whole kind.
    assert.deepEqual([...t.caches.takeChanges()], [['services', 'all']]);
    assert.deepEqual([...t.caches.takeChanges()], [], 'taken: nothing left');

    // Watch events: the keys of the objects they changed, once each.
    reflector?.onChange(svc('a', 'one'));
    reflector?.onChange(svc('b', 'two'));
    reflector?.onChange(svc('a', 'one'));
    assert.deepEqual(
      [...t.caches.takeChanges()].map(([k, v]) => [k, v === 'all' ? v : [...v]]),
      [['services', ['a/one', 'b/two']]],
    );
    // A relist tells no object: the whole kind is read, whatever events came before.
    reflector?.onChange(svc('a', 'one'));
    reflector?.sync([svc('a', 'one')]);
    reflector?.onChange(svc('c', 'three'));
    assert.deepEqual([...t.caches.takeChanges()], [['services', 'all']]);
  });

  it('says to read the whole kind once too many objects changed to tell apart', async () => {
    const t = setup([services]);
    t.caches.start();
    await settle();
    const [reflector] = t.backend.reflectors;
    reflector?.sync([]);
    t.caches.takeChanges();
    for (let i = 0; i < 6_000; i++) {
      reflector?.onChange({ kind: 'Service', metadata: { namespace: 'a', name: `s${i}` } });
    }
    assert.deepEqual([...t.caches.takeChanges()], [['services', 'all']]);
  });
});
