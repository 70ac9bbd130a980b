// What the syncer's process loads on the product's Node, talking to the real apiserver: no
// undici, neither the npm package (client-node's) nor the copy bundled in Node, whose loading
// was ~20 MiB of an idle syncer's RSS (docs/benchmarks.md, Memory), and none of what the
// command's resolve hook defers (syncer/narrow/hooks.ts: client-node's auth providers and
// SOCKS agent, prom-client's OpenTelemetry API, the AWS SDK's node:http2), ~2.5 MiB of it.
// The syncer's kube modules, metrics and Route 53 client are loaded as the `syncer` command
// loads them, and make a call, a watch, a scrape and a listing (moto), so a module that
// brought any of them back would show here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getTestEnvironment } from '../helpers/environment.js';
import { runModuleScript } from '../helpers/module-script.js';
import { productNode } from '../helpers/product-node.js';

const env = getTestEnvironment();
const dist = fileURLToPath(new URL('../../', import.meta.url));

// The packages the hook defers, as they appear in a resolved URL.
const DEFERRED =
  /\/node_modules\/(openid-client|oauth4webapi|jose|jsonpath-plus|socks|socks-proxy-agent|smart-buffer|ip-address|@opentelemetry\/api)\//;

// argv: dist root, kubeconfig, whether to import the command's first module, DEFERRED, Route 53.
const CHILD = `
import * as nodeModule from 'node:module';
const resolved = [];
nodeModule.registerHooks({ resolve(s, c, next) { const r = next(s, c); resolved.push(r.url); return r; } });
const [dist, kubeconfig, first, deferred, route53Endpoint] = process.argv.slice(1);
const DEFERRED = new RegExp(deferred);
if (first === 'yes') await import(dist + 'cli/http-web-exports.js');
const { loadDependenciesNarrowly } = await import(dist + 'syncer/narrow/register.js');
loadDependenciesNarrowly();
const client = await import(dist + 'syncer/kube/client.js');
const { createSyncerMetrics } = await import(dist + 'syncer/metrics.js');
const scraped = await createSyncerMetrics().registry.metrics();
const { SdkRoute53Api } = await import(dist + 'syncer/route53/sdk-client.js');
const route53 = new SdkRoute53Api({ endpoint: route53Endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const zonesListed = Array.isArray((await route53.listHostedZonesPage()).zones);
const kc = client.loadKubeConfig(kubeconfig);
const uid = await client.namespaceUid(kc, 'kube-system');
const ended = await new Promise((resolve) => {
  client.watchStarter(kc)
    .watch('/api/v1/namespaces', { timeoutSeconds: 1 }, () => undefined, resolve)
    .catch(resolve);
});
console.log(JSON.stringify({
  uid: uid.length > 0,
  watchEnded: ended === null ? null : String(ended),
  bundledUndici: process.moduleLoadList.some((m) => m.includes('internal/deps/undici')),
  npmUndici: resolved.filter((u) => u.includes('/node_modules/undici/')).length,
  cpuScraped: scraped.includes('aws_controller_syncer_process_cpu_seconds_total'),
  zonesListed,
  http2: process.moduleLoadList.some((m) => m.endsWith(' http2')),
  deferred: resolved.filter((u) => DEFERRED.test(u)).map((u) => u.slice(u.lastIndexOf('/node_modules/'))),
}));
`;

function loads(first: boolean): Promise<Record<string, unknown>> {
  return runModuleScript(
    CHILD,
    [dist, env.kubeconfigPath, first ? 'yes' : 'no', DEFERRED.source, env.route53Endpoint],
    productNode(),
  );
}

describe("the syncer's process on the product's Node", () => {
  it('loads no undici while it lists and watches the real apiserver', async () => {
    assert.deepEqual(await loads(true), {
      uid: true,
      // The apiserver ends a watch at its timeoutSeconds: a clean end.
      watchEnded: null,
      bundledUndici: false,
      npmUndici: 0,
      cpuScraped: true,
      zonesListed: true,
      http2: false,
      deferred: [],
    });
  });

  it("loads Node's bundled undici without the command's first module (why it exists)", async () => {
    // If this fails, Node no longer loads undici for an ES import of node:http, and
    // cli/http-web-exports.ts can go.
    const result = await loads(false);
    assert.equal(result['bundledUndici'], true);
    assert.equal(result['npmUndici'], 0);
  });
});
