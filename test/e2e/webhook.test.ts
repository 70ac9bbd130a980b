// The admission webhook called by a real kube-apiserver: `kubectl apply` of a bad object is
// denied with our message, a good one is stored in normal form, warnings reach kubectl.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import {
  MAX_GATEWAY_REFS,
  MAX_NAMES_PER_OBJECT,
  MAX_ADDRESSES_PER_NAME,
} from '../../core/annotations/limits.js';
import { KINDS } from '../../core/kinds.js';
import { startWebhookServer, type RunningWebhook } from '../../webhook/server.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { createTestServingCert } from '../helpers/test-certs.js';

const env = getTestEnvironment();
const PREFIX = 'route53.v1beta1.tetrate.io/';
const CONFIG_NAME = 'aws-controller-e2e';

let webhook: RunningWebhook;
let dir: string;
let namespace: string;

/** The webhook configurations as the chart registers them, pointed at our local process. */
function configurations(port: number, caBundle: string, testLabel: string) {
  const rules = [...new Set(KINDS.map((k) => k.group))].map((group) => ({
    apiGroups: [group],
    apiVersions: ['*'],
    operations: ['CREATE', 'UPDATE'],
    resources: KINDS.filter((k) => k.group === group).map((k) => k.resource),
    scope: 'Namespaced',
  }));
  const common = (path: string) => ({
    name: `${path}.route53.tetrate.io`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    timeoutSeconds: 5,
    failurePolicy: 'Fail',
    clientConfig: { url: `https://127.0.0.1:${port}/${path}`, caBundle },
    rules,
    // Only this suite's namespace, so other suites running later are not affected.
    namespaceSelector: { matchLabels: { 'aws-controller-e2e': testLabel } },
    matchConditions: [
      {
        name: 'has-route53-annotations',
        expression: `has(object.metadata.annotations) && object.metadata.annotations.exists(k, k.startsWith('${PREFIX}'))`,
      },
    ],
  });
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: CONFIG_NAME },
      webhooks: [{ ...common('mutate'), reinvocationPolicy: 'IfNeeded' }],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: CONFIG_NAME },
      webhooks: [common('validate')],
    },
  ];
}

const gateway = (name: string, annotations: Record<string, string>) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace, annotations },
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['bookinfo.example.com'] },
    ],
  },
});

const apply = (object: unknown) =>
  env.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object), allowFailure: true });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webhook-e2e-'));
  const certs = await createTestServingCert('aws-controller-webhook');
  await writeFile(join(dir, 'tls.crt'), certs.cert);
  await writeFile(join(dir, 'tls.key'), certs.key);
  webhook = await startWebhookServer({
    port: 0,
    metricsPort: 0,
    host: '127.0.0.1',
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    logger: pino({ level: 'silent' }),
  });
  const label = `run-${process.pid}`;
  namespace = await env.createNamespace('webhook', { 'aws-controller-e2e': label });
  await env.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: configurations(webhook.port, certs.caBundle, label),
    }),
  });
  // The apiserver picks up new webhook configurations asynchronously: wait until a bad
  // object is refused by us (bounded), so the tests below see the webhook in place.
  for (let i = 0; ; i++) {
    const probe = await apply(gateway('probe', { [`${PREFIX}ttl`]: '-1' }));
    if (probe.code !== 0 && /ttl: '-1'/.test(probe.stderr)) break;
    if (probe.code === 0)
      await env.kubectl(['delete', 'gateways.networking.istio.io', 'probe', '-n', namespace]);
    if (i >= 60) throw new Error(`webhook not called after 30 s: ${probe.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

after(async () => {
  await env.kubectl([
    'delete',
    'mutatingwebhookconfiguration,validatingwebhookconfiguration',
    CONFIG_NAME,
    '--ignore-not-found',
  ]);
  await webhook?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admission webhook in a real kube-apiserver', () => {
  it('denies `kubectl apply` of a weight of 300 with our message', async () => {
    const result = await apply(
      gateway('weighted', { [`${PREFIX}set-identifier`]: 'blue', [`${PREFIX}aws-weight`]: '300' }),
    );
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      new RegExp(
        `denied the request: Gateway ${namespace}/weighted: aws-weight: '300' is out of range: must be an integer from 0 to 255`,
      ),
    );
    const get = await env.kubectl(
      ['get', 'gateways.networking.istio.io', 'weighted', '-n', namespace],
      {
        allowFailure: true,
      },
    );
    assert.notEqual(get.code, 0, 'nothing was stored');
  });

  it('denies a hostname list over the limit, and a spec naming too many names, with the limits', async () => {
    const names = Array.from({ length: 5000 }, (_, i) => `${i}.io`).join(',');
    const listed = await apply(gateway('many', { [`${PREFIX}hostname`]: names }));
    assert.notEqual(listed.code, 0);
    assert.match(
      listed.stderr,
      new RegExp(
        `Gateway ${namespace}/many: hostname: 5000 names is over the limit of ${MAX_NAMES_PER_OBJECT} names per object`,
      ),
    );
    const hosts = Array.from({ length: MAX_NAMES_PER_OBJECT + 1 }, (_, i) => `h${i}.example.com`);
    const spec = await apply({
      ...gateway('wide', { [`${PREFIX}ttl`]: '60' }),
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }],
      },
    });
    assert.notEqual(spec.code, 0);
    assert.match(
      spec.stderr,
      new RegExp(
        `Gateway ${namespace}/wide: spec: ${MAX_NAMES_PER_OBJECT + 1} names \\(servers' hosts\\) is over the limit of ${MAX_NAMES_PER_OBJECT} names per object`,
      ),
    );
  });

  it('denies a VirtualService binding more Gateways than the limit', async () => {
    const virtualService = (name: string, gateways: string[]) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      // One of our keys: only objects carrying them come to the webhook (matchConditions).
      metadata: { name, namespace, annotations: { [`${PREFIX}ttl`]: '60' } },
      spec: { hosts: [`${name}.example.com`], gateways },
    });
    const refs = (n: number) => Array.from({ length: n }, (_, i) => `shared/g${i}`);
    const over = await apply(virtualService('bound-wide', refs(MAX_GATEWAY_REFS + 1)));
    assert.notEqual(over.code, 0);
    assert.match(
      over.stderr,
      new RegExp(
        `VirtualService ${namespace}/bound-wide: spec.gateways: ${MAX_GATEWAY_REFS + 1} entries is over the limit of ${MAX_GATEWAY_REFS} Gateways per VirtualService`,
      ),
    );
    const at = await apply(virtualService('bound-many', refs(MAX_GATEWAY_REFS)));
    assert.equal(at.code, 0, at.stderr);
  });

  it('denies a target list of more addresses than one name may carry', async () => {
    const ips = Array.from(
      { length: MAX_ADDRESSES_PER_NAME + 1 },
      (_, i) => `10.9.${i >> 8}.${i & 255}`,
    );
    const result = await apply(gateway('wide-target', { [`${PREFIX}target`]: ips.join(',') }));
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      new RegExp(
        `Gateway ${namespace}/wide-target: target: ${MAX_ADDRESSES_PER_NAME + 1} addresses is over the limit of ${MAX_ADDRESSES_PER_NAME} addresses per name`,
      ),
    );
  });

  it('denies a set-identifier with a control character, naming it', async () => {
    const result = await apply(gateway('tabbed', { [`${PREFIX}set-identifier`]: 'blue\tgreen' }));
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /set-identifier: 'blue\\u\{9\}green' has the control character U\+0009 at position 5: use printable ASCII characters only/,
    );
  });

  it('denies a typo’d key, suggesting the right one', async () => {
    const result = await apply(gateway('typo', { [`${PREFIX}hostnmae`]: 'shop.example.com' }));
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /hostnmae: unknown key under route53\.v1beta1\.tetrate\.io\/: did you mean `hostname`\?/,
    );
  });

  it('stores a valid object in normal form and shows the warnings', async () => {
    const result = await apply(
      gateway('good', {
        [`${PREFIX}hostname`]: 'Reviews.Example.com.,,ratings.example.com',
        [`${PREFIX}ttl`]: '5m',
        [`${PREFIX}set-identifier`]: 'east',
        [`${PREFIX}access`]: 'public',
      }),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Warning: .*aws-weight: '1' was added/);
    assert.match(result.stderr, /Warning: .*access only has an effect on Service/);
    const stored = JSON.parse(
      (
        await env.kubectl([
          'get',
          'gateways.networking.istio.io',
          'good',
          '-n',
          namespace,
          '-o',
          'json',
        ])
      ).stdout,
    ) as {
      metadata: { annotations: Record<string, string> };
    };
    const ours = Object.fromEntries(
      Object.entries(stored.metadata.annotations).filter(([k]) => k.startsWith(PREFIX)),
    );
    assert.deepEqual(ours, {
      [`${PREFIX}hostname`]: 'reviews.example.com,ratings.example.com',
      [`${PREFIX}ttl`]: '300',
      [`${PREFIX}set-identifier`]: 'east',
      [`${PREFIX}access`]: 'public',
      [`${PREFIX}aws-weight`]: '1',
    });
  });

  it('checks UPDATE too, and passes objects without our keys untouched', async () => {
    const update = await apply(
      gateway('good', { [`${PREFIX}ttl`]: '1.5h', [`${PREFIX}set-identifier`]: 'east' }),
    );
    assert.notEqual(update.code, 0);
    assert.match(update.stderr, /ttl: '1\.5h' is not valid/);
    const plain = await apply(gateway('plain', { team: 'bookinfo' }));
    assert.equal(plain.code, 0, plain.stderr);
  });

  it('answers dry runs the same way', async () => {
    const result = await env.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify(
        gateway('dry', { [`${PREFIX}aws-failover`]: 'sideways', [`${PREFIX}set-identifier`]: 'x' }),
      ),
      allowFailure: true,
    });
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /aws-failover: 'sideways' is not valid: must be `PRIMARY` or `SECONDARY`/,
    );
  });
});
