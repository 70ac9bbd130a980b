// The `syncer` command's way of loading client-node, in a fresh process (a test process has
// the whole library loaded already): KubeConfig loads without one module of the generated API
// and without undici, and the calls the syncer makes, a watch among them, still reach an
// apiserver with the kubeconfig's credentials.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { runModuleScript } from '../../test/helpers/module-script.js';

const here = new URL('.', import.meta.url).href;

let dir: string;
let server: Server;
let kubeconfig: string;
const seen: { method: string; url: string; authorization: string; body: string }[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'narrow-client-node-'));
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization ?? '',
        body,
      });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1/namespaces/kube-system') {
        res.end(JSON.stringify({ metadata: { name: 'kube-system', uid: 'cluster-uid-1' } }));
      } else if (req.url?.startsWith('/apis/networking.istio.io/v1/gateways?') === true) {
        res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'g' } } })}\n`);
        res.end(`${JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'g' } } })}\n`);
      } else if (req.url === '/apis/networking.istio.io/v1') {
        res.end(JSON.stringify({ resources: [{ name: 'gateways' }, { name: 'gateways/status' }] }));
      } else if (req.url === '/api/v1/namespaces/team-a/events' && req.method === 'POST') {
        res.statusCode = 201;
        res.end(body);
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', code: 404 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain HTTP unless told to skip TLS verification.
      clusters: [
        {
          name: 'c',
          cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [{ name: 'u', user: { token: 'secret-token' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

// Records every module URL resolved in the child (the spy is registered first, so it sees
// what the narrowing hook passes on), then does what the syncer does at start.
const CHILD = `
import * as nodeModule from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const urls = [];
// The spy hooks the way the syncer does on this Node: in-thread where registerHooks exists,
// in the loader thread otherwise.
if (typeof nodeModule.registerHooks === 'function') {
  nodeModule.registerHooks({ resolve(s, c, next) { const r = next(s, c); urls.push(r.url); return r; } });
} else {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => urls.push(url));
  port1.unref();
  const spy = 'data:text/javascript,' + encodeURIComponent(
    'let port; export function initialize(data) { port = data.port; }' +
    'export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }');
  nodeModule.register(spy, { data: { port: port2 }, transferList: [port2] });
}
const here = process.argv[1];
const { loadClientNodeNarrowly } = await import(here + 'narrow-client-node.js');
loadClientNodeNarrowly();
const client = await import(here + 'client.js');
const { kubernetesEventSink } = await import(here + 'events.js');
const kc = client.loadKubeConfig(process.argv[2]);
const events = [];
await new Promise((resolve, reject) => client.watchStarter(kc).watch('/apis/networking.istio.io/v1/gateways', { resourceVersion: '1' },
  (type, object) => events.push(type + ' ' + object.metadata.name), (err) => (err ? reject(err) : resolve())));
const uid = await client.namespaceUid(kc, 'kube-system');
const served = await client.discoverer(kc)('networking.istio.io', 'v1');
const missing = await client.discoverer(kc)('example.com', 'v9');
const sink = kubernetesEventSink(kc, { warn: (o, m) => console.error(m, o) });
sink.record({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'team-a', name: 's' } }, 'Normal', 'Test', 'hello');
await sink.idle();
let status;
try { await client.kubeRequest(kc, 'GET', '/api/v1/namespaces/nope'); } catch (err) { status = err.statusCode; }
await new Promise((r) => setTimeout(r, 100));
const generated = urls.filter((u) => /client-node\\/dist\\/gen\\/(apis|types|models)\\//.test(u));
const clientNode = urls.filter((u) => u.includes('/@kubernetes/client-node/'));
const undici = urls.filter((u) => u.includes('/node_modules/undici/'));
console.log(JSON.stringify({ uid, served, missing, status, events, generated: generated.length, undici: undici.length, clientNode: clientNode.length }));
`;

it('loads KubeConfig without the generated API or undici, and makes the syncer calls', async () => {
  const result = await runModuleScript(CHILD, [here, kubeconfig]);
  assert.deepEqual(result, {
    uid: 'cluster-uid-1',
    served: ['gateways'],
    missing: null,
    status: 404,
    events: ['ADDED g', 'DELETED g'],
    generated: 0,
    // transport.ts goes through node:https; client-node's own undici is never loaded.
    undici: 0,
    // config, the request context and the small modules they need, not ~860.
    clientNode: result['clientNode'],
  });
  assert.ok(
    (result['clientNode'] as number) > 3 && (result['clientNode'] as number) < 60,
    JSON.stringify(result),
  );
  const event = seen.find((r) => r.method === 'POST');
  assert.ok(event, JSON.stringify(seen));
  assert.equal(event.authorization, 'Bearer secret-token');
  const body = JSON.parse(event.body) as Record<string, unknown>;
  assert.equal(body['reason'], 'Test');
  assert.deepEqual(body['involvedObject'], {
    apiVersion: 'v1',
    kind: 'Service',
    name: 's',
    namespace: 'team-a',
  });
  assert.ok(seen.every((r) => r.authorization === 'Bearer secret-token'));
});
