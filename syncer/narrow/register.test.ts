// The `syncer` command's way of loading client-node, in a fresh process (a test process has
// the whole library loaded already): KubeConfig loads without one module of the generated API
// and without undici, and the calls the syncer makes, a watch among them, still reach an
// apiserver with the kubeconfig's credentials. What the hook defers (the auth providers, the
// SOCKS proxy agent) is loaded when a kubeconfig needs it, and works as client-node's own.
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
// what the narrowing hook passes on).
const SPY = `
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
`;

// Does what the syncer does at start.
const CHILD = `${SPY}
const here = process.argv[1];
const { loadDependenciesNarrowly } = await import(here + 'register.js');
loadDependenciesNarrowly();
const client = await import(here + '../kube/client.js');
const { kubernetesEventSink } = await import(here + '../kube/events.js');
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

// A kubeconfig user of each auth provider the hook defers, and a cluster behind a SOCKS proxy.
function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
const idToken = [
  base64url({ alg: 'none' }),
  base64url({ exp: Math.floor(Date.now() / 1000) + 3600 }),
  'sig',
].join('.');
const PROVIDERS_KUBECONFIG = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    { name: 'direct', cluster: { server: 'https://127.0.0.1:1' } },
    {
      name: 'socks',
      cluster: { server: 'https://127.0.0.1:1', 'proxy-url': 'socks5://127.0.0.1:1080' },
    },
  ],
  users: [
    {
      name: 'oidc',
      user: {
        'auth-provider': {
          name: 'oidc',
          config: {
            'client-id': 'c',
            'idp-issuer-url': 'https://issuer.invalid',
            'id-token': idToken,
          },
        },
      },
    },
    {
      name: 'azure',
      user: { 'auth-provider': { name: 'azure', config: { 'access-token': 'az' } } },
    },
    { name: 'gcp', user: { 'auth-provider': { name: 'gcp', config: { 'access-token': 'gc' } } } },
    { name: 'plain', user: { token: 'plain-token' } },
  ],
  contexts: [
    { name: 'oidc', context: { cluster: 'direct', user: 'oidc' } },
    { name: 'azure', context: { cluster: 'direct', user: 'azure' } },
    { name: 'gcp', context: { cluster: 'direct', user: 'gcp' } },
    { name: 'socks', context: { cluster: 'socks', user: 'plain' } },
  ],
  'current-context': 'socks',
};

const DEFERRED =
  /\/node_modules\/(openid-client|oauth4webapi|jose|jsonpath-plus|socks|socks-proxy-agent|smart-buffer|ip-address)\//;

// Loads KubeConfig as the syncer does, then applies each context's credentials and agent.
const PROVIDERS_CHILD = `${SPY}
import { createRequire } from 'node:module';
const here = process.argv[1];
const { loadDependenciesNarrowly } = await import(here + 'register.js');
loadDependenciesNarrowly();
const client = await import(here + '../kube/client.js');
const kc = client.loadKubeConfig(process.argv[2]);
const deferred = new RegExp(process.argv[3]);
const loadedAtStart = urls.filter((u) => deferred.test(u));
const applied = {};
for (const name of ['oidc', 'azure', 'gcp', 'socks']) {
  kc.setCurrentContext(name);
  const options = {};
  await kc.applyToHTTPSOptions(options);
  applied[name] = { authorization: options.headers?.Authorization ?? null, agent: options.agent?.constructor.name };
}
const { SocksProxyAgent } = createRequire(import.meta.resolve('@kubernetes/client-node/dist/config.js'))('socks-proxy-agent');
kc.setCurrentContext('socks');
const options = {};
await kc.applyToHTTPSOptions(options);
console.log(JSON.stringify({ loadedAtStart, applied, realSocksAgent: options.agent instanceof SocksProxyAgent }));
`;

it('loads an auth provider or the SOCKS agent only for a kubeconfig that uses it, and they work', async () => {
  const file = join(dir, 'providers-kubeconfig');
  await writeFile(file, JSON.stringify(PROVIDERS_KUBECONFIG));
  const result = await runModuleScript(PROVIDERS_CHILD, [here, file, DEFERRED.source]);
  assert.deepEqual(result, {
    loadedAtStart: [],
    applied: {
      oidc: { authorization: `Bearer ${idToken}`, agent: 'Agent' },
      azure: { authorization: 'Bearer az', agent: 'Agent' },
      gcp: { authorization: 'Bearer gc', agent: 'Agent' },
      socks: { authorization: 'Bearer plain-token', agent: 'SocksProxyAgent' },
    },
    realSocksAgent: true,
  });
});
