import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Reflector, type KubeResource, type ListResult, type WatchStarter } from './reflector.js';

interface WatchCall {
  query: Record<string, unknown>;
  emit: (type: string, object: unknown) => void;
  end: (err: unknown) => void;
  aborted: boolean;
}

class ScriptedWatcher implements WatchStarter {
  calls: WatchCall[] = [];
  watch(
    _path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: unknown) => void,
    done: (err: unknown) => void,
  ) {
    const call: WatchCall = { query, emit: onEvent, end: done, aborted: false };
    this.calls.push(call);
    return Promise.resolve({
      abort: () => {
        call.aborted = true;
        const err = new Error('aborted');
        err.name = 'AbortError';
        done(err);
      },
    });
  }
}

const obj = (name: string, rv: string): KubeResource => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function setup(
  lists: (() => Promise<ListResult<KubeResource>>)[],
  transform?: (o: KubeResource) => KubeResource,
) {
  const watcher = new ScriptedWatcher();
  let listCalls = 0;
  let changes = 0;
  let time = 0;
  const reflector = new Reflector<KubeResource>({
    name: 'gateways',
    path: '/apis/networking.istio.io/v1/gateways',
    list: () => {
      const next = lists[Math.min(listCalls, lists.length - 1)];
      listCalls++;
      return next ? next() : Promise.reject(new Error('no list scripted'));
    },
    watcher,
    logger: pino({ level: 'silent' }),
    clock: { now: () => time, sleep: () => new Promise((r) => setImmediate(r)) },
    onChange: () => changes++,
    relistIntervalMs: 60_000,
    ...(transform !== undefined && { transform }),
  });
  return {
    reflector,
    watcher,
    listCalls: () => listCalls,
    changes: () => changes,
    advance: (ms: number) => (time += ms),
  };
}

describe('Reflector', () => {
  it('caches objects as its transform makes them, listed or watched', async () => {
    const tagged = (o: KubeResource) => ({ ...o, metadata: { ...o.metadata, labels: { t: 'y' } } });
    const t = setup(
      [() => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '1' })],
      tagged,
    );
    t.reflector.start();
    await until(() => t.watcher.calls.length === 1, 'the first watch');
    t.watcher.calls[0]?.emit('ADDED', obj('b', '2'));
    assert.deepEqual(
      t.reflector.list().map((o) => `${o.metadata?.name} ${o.metadata?.labels?.['t']}`),
      ['a y', 'b y'],
    );
    await t.reflector.stop();
  });

  it('lists, then follows watch events from the listed resourceVersion', async () => {
    const t = setup([() => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '5' })]);
    assert.equal(t.reflector.synced, false);
    t.reflector.start();
    await until(() => t.watcher.calls.length === 1, 'the first watch');
    assert.equal(t.reflector.synced, true);
    assert.equal(t.watcher.calls[0]?.query['resourceVersion'], '5');
    t.watcher.calls[0]?.emit('ADDED', obj('b', '6'));
    t.watcher.calls[0]?.emit('MODIFIED', obj('a', '7'));
    t.watcher.calls[0]?.emit('DELETED', obj('b', '8'));
    t.watcher.calls[0]?.emit('BOOKMARK', { metadata: { resourceVersion: '9' } });
    assert.deepEqual(t.reflector.list(), [obj('a', '7')]);
    // A watch that times out or is closed by the server resumes where it was, without a list.
    t.watcher.calls[0]?.end(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    await until(() => t.watcher.calls.length === 2, 'the resumed watch');
    assert.equal(t.watcher.calls[1]?.query['resourceVersion'], '9');
    t.watcher.calls[1]?.end(null);
    await until(() => t.watcher.calls.length === 3, 'the next watch');
    assert.equal(t.listCalls(), 1);
    await t.reflector.stop();
  });

  it('is not synced from a watch error until a relist succeeds, keeping the old objects meanwhile', async () => {
    let release: (value: ListResult<KubeResource>) => void = () => undefined;
    const t = setup([
      () => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '1' }),
      () => Promise.reject(new Error('apiserver down')),
      () => new Promise((resolve) => (release = resolve)),
    ]);
    t.reflector.start();
    await until(() => t.watcher.calls.length === 1, 'the first watch');
    t.watcher.calls[0]?.end(
      Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }),
    );
    await until(() => t.listCalls() === 3, 'two relists');
    assert.equal(t.reflector.synced, false, 'a failed relist leaves the cache incomplete');
    assert.deepEqual(t.reflector.list(), [obj('a', '1')]);
    release({ items: [obj('a', '2'), obj('c', '3')], resourceVersion: '3' });
    await until(() => t.reflector.synced, 'the relist');
    assert.deepEqual(
      t.reflector.list().map((o) => o.metadata?.name),
      ['a', 'c'],
    );
    await t.reflector.stop();
  });

  it('relists after 410 Gone and when the relist interval has passed, staying synced', async () => {
    const t = setup([
      () => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '1' }),
      () => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '20' }),
      () => Promise.resolve({ items: [], resourceVersion: '30' }),
    ]);
    t.reflector.start();
    await until(() => t.watcher.calls.length === 1, 'the first watch');
    t.watcher.calls[0]?.emit('ERROR', { code: 410, reason: 'Expired' });
    t.watcher.calls[0]?.end(null);
    await until(() => t.watcher.calls.length === 2, 'the watch after 410');
    assert.equal(t.listCalls(), 2);
    assert.equal(t.watcher.calls[1]?.query['resourceVersion'], '20');
    assert.equal(t.reflector.synced, true);
    t.advance(60_000);
    t.watcher.calls[1]?.end(null);
    await until(() => t.watcher.calls.length === 3, 'the watch after the interval relist');
    assert.equal(t.listCalls(), 3);
    assert.deepEqual(t.reflector.list(), [], 'a relist drops what was deleted while unwatched');
    await t.reflector.stop();
  });

  it('relist() on demand aborts the watch without counting it as a failure', async () => {
    const t = setup([() => Promise.resolve({ items: [], resourceVersion: '1' })]);
    t.reflector.start();
    await until(() => t.watcher.calls.length === 1, 'the first watch');
    t.reflector.relist();
    await until(() => t.watcher.calls.length === 2, 'the watch after relist');
    assert.equal(t.watcher.calls[0]?.aborted, true);
    assert.equal(t.listCalls(), 2);
    assert.equal(t.reflector.synced, true);
    await t.reflector.stop();
  });

  it('keeps the object it holds through a relist when its resourceVersion is unchanged', async () => {
    const t = setup([
      () => Promise.resolve({ items: [obj('a', '1'), obj('b', '2')], resourceVersion: '2' }),
      () => Promise.resolve({ items: [obj('a', '1'), obj('b', '5')], resourceVersion: '5' }),
    ]);
    t.reflector.start();
    await until(() => t.watcher.calls.length === 1, 'the first watch');
    const [a, b] = t.reflector.list();
    t.reflector.relist();
    await until(() => t.watcher.calls.length === 2, 'the watch after relist');
    const [a2, b2] = t.reflector.list();
    // The controller compares objects by reference: an unchanged one must stay the same.
    assert.equal(a2, a, 'unchanged: the same object');
    assert.notEqual(b2, b);
    assert.equal(b2?.metadata?.resourceVersion, '5');
    await t.reflector.stop();
  });
});
