// The client's calls fail as promises, never by throwing at the call: the reflector and the
// Event sink chain `.then`/`.catch` on them, and a synchronous throw would escape both.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { kubeRequest, watchStarter } from './client.js';

it('rejects, rather than throws, when the kubeconfig has no current cluster', async () => {
  const kc = new KubeConfig();
  let call: Promise<unknown> | undefined;
  assert.doesNotThrow(() => (call = kubeRequest(kc, 'GET', '/api/v1/namespaces')));
  await assert.rejects(call as Promise<unknown>, /no current cluster/);

  let watch: Promise<unknown> | undefined;
  const done: unknown[] = [];
  assert.doesNotThrow(
    () =>
      (watch = watchStarter(kc).watch(
        '/api/v1/services',
        {},
        () => undefined,
        (err) => done.push(err),
      )),
  );
  await assert.rejects(watch as Promise<unknown>, /no current cluster/);
});
