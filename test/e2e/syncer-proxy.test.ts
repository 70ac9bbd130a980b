// The syncer behind an egress proxy, against the real environment: a real forward proxy (npm's
// `proxy`) between the syncer and Route 53 (moto, behind the strictness proxy, over http://,
// so HTTP_PROXY is the variable that applies; HTTPS_PROXY takes the same path through Node's
// agent, tunnelled with CONNECT). What must hold: Route 53's calls go through the proxy and
// the records converge, STS's too when IRSA's token is exchanged; the Kubernetes API is not
// proxied even when HTTPS_PROXY names the proxy, but is through a kubeconfig's proxy-url;
// NO_PROXY sends Route 53's calls directly; a proxy Node would silently ignore stops the
// syncer with the reason.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { createProxy } from 'proxy';
import { parse, stringify } from 'yaml';
import * as objects from '../helpers/cluster-objects.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { eventually } from '../helpers/eventually.js';
import { createZone, recordLines } from '../helpers/route53-zones.js';
import { startSyncerProcess, troubles, type SyncerProcess } from '../helpers/syncer-process.js';

const env = getTestEnvironment();

let proxy: Server;
let proxyUrl: string;
/** What reached the proxy: `CONNECT host:port` for a tunnel, `METHOD url` for a request. */
const seen: string[] = [];
before(async () => {
  proxy = createProxy(createServer());
  proxy.on('request', (req) => seen.push(`${req.method} ${req.url}`));
  proxy.on('connect', (req) => seen.push(`CONNECT ${req.url}`));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
});

const running: SyncerProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A namespace with an ingress gateway at `ip`, a zone, and one Gateway of two hosts. */
async function workload(prefix: string, ip: string) {
  const ns = await env.createNamespace(prefix);
  const zone = `${ns}.example.com`;
  const zoneId = await createZone(env, zone);
  await objects.ingressGateway(env, ns, ip);
  const names = [`a.${zone}`, `b.${zone}`];
  await objects.apply(env, objects.istioGateway(ns, 'gw', names));
  return { ns, zone, zoneId, wanted: names.map((n) => `A ${n}. ${ip}`) };
}

async function syncer(ns: string, zone: string, proxyEnv: Record<string, string>) {
  const s = await startSyncerProcess(env, {
    ownerId: 'proxied',
    domainFilter: [zone],
    leaseNamespace: ns,
    env: proxyEnv,
  });
  running.push(s);
  return s;
}

async function converged(s: SyncerProcess, zoneId: string, wanted: string[]) {
  await eventually(
    async () => {
      const lines = (await recordLines(env, zoneId)).filter((l) => l.startsWith('A '));
      assert.deepEqual(lines, wanted, troubles(s.logs));
    },
    { timeoutMs: 60_000 },
  );
}

const route53 = new URL(env.route53Endpoint);
const apiserver = new URL(env.apiserverUrl);

describe('syncer behind an egress proxy', () => {
  it("sends Route 53's calls through the proxy, and not the Kubernetes API's", async () => {
    const { ns, zone, zoneId, wanted } = await workload('proxied', '203.0.113.61');
    const from = seen.length;
    const s = await syncer(ns, zone, { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl });
    await converged(s, zoneId, wanted);

    const through = seen.slice(from);
    const toRoute53 = through.filter((l) => l.includes(`//${route53.host}/`));
    assert.ok(
      toRoute53.some((l) => l.startsWith('POST ') && l.includes('/rrset')),
      `the change went through the proxy; it saw:\n${through.join('\n')}`,
    );
    assert.ok(toRoute53.some((l) => l.startsWith('GET ') && l.includes('/hostedzone')));
    assert.deepEqual(
      through.filter((l) => l.includes(apiserver.port)),
      [],
      'the Kubernetes API is reached directly',
    );
    const said = s.logs.find((l) => l['httpProxy'] === proxyUrl);
    assert.ok(said !== undefined, 'the syncer says at start which proxy it uses');
    assert.match(said.msg, /go through the proxy/);
  });

  it("exchanges IRSA's token with STS through the proxy too", async () => {
    const { ns, zone, zoneId, wanted } = await workload('irsa', '203.0.113.63');
    const dir = await mkdtemp(join(tmpdir(), 'irsa-'));
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'a-projected-service-account-token');
    const from = seen.length;
    // As EKS sets them for IRSA, with moto as STS; no static keys left for the SDK to prefer.
    const s = await syncer(ns, zone, {
      HTTP_PROXY: proxyUrl,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/aws-controller-route53',
      AWS_ENDPOINT_URL_STS: env.motoEndpoint,
    });
    try {
      await converged(s, zoneId, wanted);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const sts = new URL(env.motoEndpoint);
    assert.ok(
      seen.slice(from).includes(`POST ${sts.origin}/`),
      `STS's AssumeRoleWithWebIdentity went through the proxy; it saw:\n${seen.slice(from).join('\n')}`,
    );
  });

  it('reaches Route 53 directly when NO_PROXY names its host', async () => {
    const { ns, zone, zoneId, wanted } = await workload('noproxy', '203.0.113.62');
    const from = seen.length;
    const s = await syncer(ns, zone, {
      HTTP_PROXY: proxyUrl,
      NO_PROXY: `example.org,${route53.hostname}`,
    });
    await converged(s, zoneId, wanted);
    assert.deepEqual(seen.slice(from), [], 'nothing went through the proxy');
  });

  it("reaches the Kubernetes API through the kubeconfig's proxy-url", async () => {
    const { ns, zone, zoneId, wanted } = await workload('proxyurl', '203.0.113.64');
    const dir = await mkdtemp(join(tmpdir(), 'proxy-url-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const config = parse(await readFile(env.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: Record<string, unknown> }[];
    };
    for (const { cluster } of config.clusters) cluster['proxy-url'] = proxyUrl;
    await writeFile(kubeconfig, stringify(config));
    const from = seen.length;
    try {
      const s = await startSyncerProcess(env, {
        ownerId: 'proxied',
        domainFilter: [zone],
        leaseNamespace: ns,
        kubeconfig,
      });
      running.push(s);
      await converged(s, zoneId, wanted);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const through = seen.slice(from);
    assert.ok(
      through.includes(`CONNECT ${apiserver.host}`),
      `the apiserver was reached through the proxy; it saw:\n${through.join('\n')}`,
    );
    assert.deepEqual(
      through.filter((l) => l.includes(route53.host)),
      [],
      'Route 53 is reached directly: no proxy variable is set',
    );
  });

  it('stops with the reason when the proxy is one Node would ignore', async () => {
    const ns = await env.createNamespace('badproxy');
    await assert.rejects(
      syncer(ns, `${ns}.example.com`, { https_proxy: 'socks5://127.0.0.1:1080' }),
      (err: Error) => {
        assert.match(err.message, /exited \(2\)/);
        assert.match(err.message, /https_proxy 'socks5:\/\/127\.0\.0\.1:1080' is a socks5 proxy/);
        return true;
      },
    );
  });
});
