// Listing through the real apiserver: every page, every object. The syncer's deletes are only
// as safe as its belief that a list is whole; client-node's generic list once dropped the
// continue token, so a list ended after its first page (500 objects) and half the records of
// a 1,000-Gateway cluster were deleted at the next relist. Small pages here make any such
// truncation show with a handful of objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import {
  collectionPath,
  kubeRequest,
  lister,
  loadKubeConfig,
  watchStarter,
} from '../../syncer/kube/client.js';
import { Reflector, type KubeResource } from '../../syncer/kube/reflector.js';
import { realClock } from '../../syncer/route53/rate-limiter.js';
import { apply, istioGateway } from '../helpers/cluster-objects.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { WATCH_SILENCE_MS } from '../../syncer/kube/transport.js';
import { eventually } from '../helpers/eventually.js';

const env = getTestEnvironment();
const gateways = {
  group: 'networking.istio.io',
  version: 'v1',
  resource: 'gateways',
  kind: 'Gateway',
};
const services = { group: '', version: 'v1', resource: 'services', kind: 'Service' };

// Concurrent: the quiet watch below waits out a minute of the apiserver's time.
describe('lists through the real apiserver', { concurrency: true }, () => {
  it('follows continue tokens to the last page, for custom and core kinds', async () => {
    const ns = await env.createNamespace('lists');
    for (let i = 0; i < 11; i++)
      await apply(env, istioGateway(ns, `gw-${i}`, [`h${i}.example.com`]));
    const kc = loadKubeConfig(env.kubeconfigPath);

    const all = await lister(kc, gateways, 500)();
    const paged = await lister(kc, gateways, 3)();
    const mine = (items: KubeResource[]) =>
      items
        .filter((o) => o.metadata?.namespace === ns)
        .map((o) => o.metadata?.name)
        .sort();
    assert.equal(mine(paged.items).length, 11);
    assert.deepEqual(mine(paged.items), mine(all.items));
    assert.equal(paged.items.length, all.items.length, 'the same objects, page size aside');
    assert.ok(
      paged.items.every((o) => o.apiVersion === 'networking.istio.io/v1' && o.kind === 'Gateway'),
    );
    assert.match(paged.resourceVersion, /^[0-9]+$/);

    for (const name of ['one', 'two']) {
      await apply(env, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns },
        spec: { ports: [{ port: 80 }] },
      });
    }
    const core = await lister(kc, services, 1)();
    assert.deepEqual(mine(core.items), ['one', 'two'], 'pages of one object each');
    assert.ok(core.items.some((s) => s.metadata?.name === 'kubernetes'));
  });

  it('gives a reflector the whole kind when its list takes several pages', async () => {
    const ns = await env.createNamespace('reflect');
    for (let i = 0; i < 7; i++)
      await apply(env, istioGateway(ns, `gw-${i}`, [`r${i}.example.com`]));
    const kc = loadKubeConfig(env.kubeconfigPath);
    const reflector = new Reflector<KubeResource>({
      name: 'gateways',
      path: collectionPath(gateways),
      list: lister(kc, gateways, 2),
      watcher: watchStarter(kc),
      logger: pino({ level: 'silent' }),
      clock: realClock,
      onChange: () => undefined,
    });
    reflector.start();
    try {
      await eventually(() => assert.ok(reflector.synced));
      const cached = reflector.list().filter((o) => o.metadata?.namespace === ns);
      assert.equal(cached.length, 7);
      // A forced relist (as every 10 minutes) is whole too.
      reflector.relist();
      await apply(env, istioGateway(ns, 'gw-late', ['late.example.com']));
      await eventually(() =>
        assert.equal(reflector.list().filter((o) => o.metadata?.namespace === ns).length, 8),
      );
    } finally {
      await reflector.stop();
    }
  });

  it('watches: each change as one event from a resourceVersion, and 410 for one too old', async () => {
    const ns = await env.createNamespace('watch');
    const kc = loadKubeConfig(env.kubeconfigPath);
    const path = `/apis/networking.istio.io/v1/namespaces/${ns}/gateways`;
    const from = ((await kubeRequest(kc, 'GET', path)) as { metadata: { resourceVersion: string } })
      .metadata.resourceVersion;
    const events: string[] = [];
    let ended = 'running' as unknown;
    const handle = await watchStarter(kc).watch(
      path,
      { resourceVersion: from, allowWatchBookmarks: true, timeoutSeconds: 60 },
      (type, object) => {
        if (type !== 'BOOKMARK') events.push(`${type} ${(object as KubeResource).metadata?.name}`);
      },
      (err) => (ended = err),
    );
    try {
      await apply(env, istioGateway(ns, 'gw-w', ['w1.example.com']));
      await apply(env, istioGateway(ns, 'gw-w', ['w2.example.com']));
      await env.kubectl(['delete', 'gateways.networking.istio.io', 'gw-w', '-n', ns]);
      await eventually(() =>
        assert.deepEqual(events, ['ADDED gw-w', 'MODIFIED gw-w', 'DELETED gw-w']),
      );
      assert.equal(ended, 'running');
    } finally {
      handle.abort();
    }
    assert.equal((ended as { name?: string } | null)?.name, 'AbortError');

    // A resourceVersion etcd has compacted away, or one from before this cluster: the
    // apiserver says 410 Gone, in the stream or as the answer, and the reflector relists.
    const errors: unknown[] = [];
    const gone = await new Promise<unknown>((resolve) => {
      void watchStarter(kc).watch(
        path,
        { resourceVersion: '1', timeoutSeconds: 5 },
        (type, object) => {
          if (type === 'ERROR') errors.push((object as { code?: number }).code);
        },
        resolve,
      );
    });
    assert.ok(
      errors.includes(410) || (gone as { statusCode?: number } | null)?.statusCode === 410,
      `neither an ERROR event nor an answer of 410: ${JSON.stringify({ errors, gone: String(gone) })}`,
    );
  });

  it('keeps a quiet watch until the apiserver ends it: its bookmarks come within the silence bound', async () => {
    // Nothing changes in this namespace: the only bytes are the bookmarks the apiserver sends
    // each minute or so. The watch must end when the apiserver ends it (at timeoutSeconds,
    // past the first bookmark), not earlier as a silent connection.
    const ns = await env.createNamespace('quiet');
    const kc = loadKubeConfig(env.kubeconfigPath);
    const path = `/apis/networking.istio.io/v1/namespaces/${ns}/gateways`;
    const from = ((await kubeRequest(kc, 'GET', path)) as { metadata: { resourceVersion: string } })
      .metadata.resourceVersion;
    const started = Date.now();
    const bookmarks: number[] = [];
    const timeoutSeconds = 75;
    const ended = await new Promise<unknown>((resolve) => {
      void watchStarter(kc)
        .watch(
          path,
          { resourceVersion: from, allowWatchBookmarks: true, timeoutSeconds },
          (type) => {
            if (type === 'BOOKMARK') bookmarks.push(Date.now() - started);
          },
          resolve,
        )
        .catch(resolve);
    });
    const lasted = Date.now() - started;
    assert.equal(ended, null, `ended by the apiserver, not as silent: ${String(ended)}`);
    assert.ok(lasted >= (timeoutSeconds - 5) * 1000, `lasted ${lasted} ms`);
    const first = bookmarks[0];
    assert.ok(first !== undefined, 'a bookmark arrived');
    assert.ok(
      first < WATCH_SILENCE_MS,
      `the first bookmark came after ${first} ms, past the silence bound of ${WATCH_SILENCE_MS}`,
    );
  });
});
