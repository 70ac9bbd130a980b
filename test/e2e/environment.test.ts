// Proves the test environment is the real thing: a version-stamped kube-apiserver serving the
// Istio and Gateway API CRDs, calling admission webhooks on loopback, helm built at the pinned
// version, and moto answering the Route 53 API.
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AdmissionregistrationV1Api,
  ApisApi,
  CustomObjectsApi,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import { getTestEnvironment } from '../helpers/environment.js';
import { createTestServingCert } from '../helpers/test-certs.js';

const env = getTestEnvironment();

function gateway(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, labels },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['www.example.com'] },
      ],
    },
  };
}

describe('kube-apiserver', () => {
  it('reports the pinned Kubernetes version (helm kubeVersion checks depend on it)', async () => {
    const info = await env.kubeConfig().makeApiClient(VersionApi).getCode();
    assert.equal(info.gitVersion, env.state.versions.kubernetes);
    assert.equal(info.major, '1');
    assert.equal(info.minor, env.state.versions.kubernetes.split('.')[1]);
  });

  it('serves the Istio and Gateway API CRDs at v1', async () => {
    const kc = env.kubeConfig();
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    const versionsOf = (name: string): string[] =>
      groups.groups.find((g) => g.name === name)?.versions.map((v) => v.version) ?? [];
    assert.ok(versionsOf('networking.istio.io').includes('v1'), 'networking.istio.io/v1 served');
    assert.ok(
      versionsOf('gateway.networking.k8s.io').includes('v1'),
      'gateway.networking.k8s.io/v1 served',
    );

    const custom = kc.makeApiClient(CustomObjectsApi);
    const istio = await custom.getAPIResources({ group: 'networking.istio.io', version: 'v1' });
    const istioKinds = istio.resources.map((r) => r.kind);
    assert.ok(istioKinds.includes('Gateway'), `Istio Gateway in ${istioKinds.join(', ')}`);
    assert.ok(istioKinds.includes('VirtualService'), 'Istio VirtualService served');
    const gwapi = await custom.getAPIResources({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
    });
    const gwKinds = gwapi.resources.map((r) => r.kind);
    for (const kind of ['Gateway', 'HTTPRoute', 'GatewayClass']) {
      assert.ok(gwKinds.includes(kind), `Gateway API ${kind} in ${gwKinds.join(', ')}`);
    }
  });

  it('creates, lists and watches an Istio Gateway through client-node', async () => {
    const kc = env.kubeConfig();
    const namespace = await env.createNamespace('env-gw');
    const custom = kc.makeApiClient(CustomObjectsApi);
    const coords = { group: 'networking.istio.io', version: 'v1', namespace, plural: 'gateways' };

    const seen: string[] = [];
    let resolveAdded: (name: string) => void = () => undefined;
    const added = new Promise<string>((resolve) => (resolveAdded = resolve));
    const watch = await new Watch(kc).watch(
      `/apis/networking.istio.io/v1/namespaces/${namespace}/gateways`,
      {},
      (phase, obj: { metadata?: { name?: string } }) => {
        seen.push(`${phase} ${obj.metadata?.name ?? '?'}`);
        if (phase === 'ADDED' && obj.metadata?.name === 'public') resolveAdded('public');
      },
      () => undefined,
    );
    try {
      await custom.createNamespacedCustomObject({ ...coords, body: gateway('public') });
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no ADDED event; saw ${seen.join(', ')}`)),
          10_000,
        ).unref(),
      );
      assert.equal(await Promise.race([added, timeout]), 'public');

      const list = (await custom.listNamespacedCustomObject(coords)) as {
        items: { metadata: { name: string }; spec: { servers: { hosts: string[] }[] } }[];
      };
      assert.deepEqual(
        list.items.map((i) => i.metadata.name),
        ['public'],
      );
      assert.deepEqual(list.items[0]?.spec.servers[0]?.hosts, ['www.example.com']);
    } finally {
      watch.abort();
    }
  });
});

describe('admission webhooks on loopback', () => {
  let server: Server | undefined;
  const configName = `env-test-${process.pid}`;
  const marker = `env-webhook-${process.pid}`;
  const denial = 'denied by the environment test webhook: label deny=true';
  const calls: string[] = [];

  before(async () => {
    const tls = await createTestServingCert('env-test-webhook');
    server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          apiVersion: string;
          request: {
            uid: string;
            object?: { metadata?: { name?: string; labels?: Record<string, string> } };
          };
        };
        const object = review.request.object;
        calls.push(object?.metadata?.name ?? '?');
        const deny = object?.metadata?.labels?.['deny'] === 'true';
        const body = JSON.stringify({
          apiVersion: review.apiVersion,
          kind: 'AdmissionReview',
          response: {
            uid: review.request.uid,
            allowed: !deny,
            ...(deny ? { status: { code: 403, message: denial } } : {}),
          },
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const address = listening.address();
    assert.ok(address !== null && typeof address === 'object');

    await env
      .kubeConfig()
      .makeApiClient(AdmissionregistrationV1Api)
      .createValidatingWebhookConfiguration({
        body: {
          metadata: { name: configName },
          webhooks: [
            {
              name: 'env-test.aws-controller.test',
              clientConfig: {
                url: `https://127.0.0.1:${address.port}/validate`,
                caBundle: tls.caBundle,
              },
              rules: [
                {
                  apiGroups: ['networking.istio.io'],
                  apiVersions: ['v1'],
                  operations: ['CREATE', 'UPDATE'],
                  resources: ['gateways'],
                  scope: 'Namespaced',
                },
              ],
              // Only objects of this test: other suites share the cluster.
              objectSelector: { matchLabels: { 'aws-controller.test/webhook': marker } },
              admissionReviewVersions: ['v1'],
              sideEffects: 'None',
              failurePolicy: 'Fail',
              timeoutSeconds: 5,
            },
          ],
        },
      });
  });

  after(async () => {
    await env
      .kubeConfig()
      .makeApiClient(AdmissionregistrationV1Api)
      .deleteValidatingWebhookConfiguration({ name: configName })
      .catch(() => undefined);
    const s = server;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('calls a webhook at https://127.0.0.1 and kubectl apply reports its denial', async () => {
    const namespace = await env.createNamespace('env-webhook');
    const manifest = (name: string, deny: boolean): string =>
      JSON.stringify({
        ...gateway(name, {
          'aws-controller.test/webhook': marker,
          ...(deny ? { deny: 'true' } : {}),
        }),
        metadata: {
          name,
          namespace,
          labels: { 'aws-controller.test/webhook': marker, ...(deny ? { deny: 'true' } : {}) },
        },
      });

    // The apiserver picks up new webhook configurations asynchronously: wait (with server
    // dry-run, which calls side-effect-free webhooks but stores nothing) until it is active.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const probe = await env.kubectl(['apply', '--dry-run=server', '-f', '-'], {
        input: manifest('probe', true),
        allowFailure: true,
      });
      if (probe.code !== 0 && probe.stderr.includes(denial)) break;
      assert.ok(
        Date.now() < deadline,
        `webhook never became active: ${probe.stderr}${probe.stdout}`,
      );
      await new Promise((r) => setTimeout(r, 250));
    }

    const denied = await env.kubectl(['apply', '-f', '-'], {
      input: manifest('denied', true),
      allowFailure: true,
    });
    assert.notEqual(denied.code, 0, 'kubectl apply of a denied object must fail');
    assert.match(
      denied.stderr,
      /admission webhook "env-test\.aws-controller\.test" denied the request/,
    );
    assert.ok(denied.stderr.includes(denial), denied.stderr);

    const allowed = await env.kubectl(['apply', '-f', '-'], { input: manifest('allowed', false) });
    assert.match(allowed.stdout, /gateway\.networking\.istio\.io\/allowed created/);
    assert.ok(
      calls.includes('denied') && calls.includes('allowed'),
      `webhook saw ${calls.join(', ')}`,
    );

    const stored = await env.kubectl([
      'get',
      'gateways.networking.istio.io',
      '-n',
      namespace,
      '-o',
      'name',
    ]);
    assert.equal(stored.stdout.trim(), 'gateway.networking.istio.io/allowed');
  });
});

describe('helm', () => {
  it('runs the built binary at the pinned version', async () => {
    const { stdout } = await env.helm(['version', '--template', '{{.Version}}']);
    assert.equal(stdout.trim(), env.state.versions.helm);
  });

  it('installs a chart whose kubeVersion constraint needs a stamped apiserver', async () => {
    const namespace = await env.createNamespace('env-helm');
    const dir = await mkdtemp(join(tmpdir(), 'env-helm-chart-'));
    try {
      await mkdir(join(dir, 'templates'));
      await writeFile(
        join(dir, 'Chart.yaml'),
        'apiVersion: v2\nname: env-probe\nversion: 0.1.0\nkubeVersion: ">=1.34.0-0"\n',
      );
      await writeFile(
        join(dir, 'templates', 'configmap.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: env-probe\ndata:\n  kube: "{{ .Capabilities.KubeVersion.Version }}"\n',
      );
      await env.helm([
        'install',
        'env-probe',
        dir,
        '--namespace',
        namespace,
        '--wait',
        '--timeout',
        '60s',
      ]);
      const { stdout } = await env.kubectl([
        'get',
        'configmap',
        'env-probe',
        '-n',
        namespace,
        '-o',
        'jsonpath={.data.kube}',
      ]);
      assert.equal(stdout, env.state.versions.kubernetes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('moto Route 53', () => {
  before(() => env.resetRoute53());

  it('creates a zone, writes and lists record sets through the SDK (via the proxy)', async () => {
    const r53 = env.route53();
    const zone = await r53.send(
      new CreateHostedZoneCommand({
        Name: 'env.example.com',
        CallerReference: `env-${Date.now()}`,
      }),
    );
    const zoneId = zone.HostedZone?.Id;
    assert.ok(zoneId);
    const change = await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'www.env.example.com',
                Type: 'A',
                TTL: 300,
                ResourceRecords: [{ Value: '192.0.2.10' }],
              },
            },
          ],
        },
      }),
    );
    assert.equal(change.ChangeInfo?.Status, 'INSYNC');
    const listed = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const www = listed.ResourceRecordSets?.find((r) => r.Name === 'www.env.example.com.');
    assert.deepEqual(www, {
      Name: 'www.env.example.com.',
      Type: 'A',
      TTL: 300,
      ResourceRecords: [{ Value: '192.0.2.10' }],
    });
    assert.deepEqual(listed.ResourceRecordSets?.map((r) => r.Type).sort(), ['A', 'NS', 'SOA']);
  });

  it('moto alone answers InvalidChangeBatch for re-creating an identical record, InvalidInput for deleting a missing one', async () => {
    // What moto 5.2.1 itself says, without the proxy: the proxy exists because of answers like these.
    const moto = env.route53({ endpoint: env.motoEndpoint });
    const zone = await moto.send(
      new CreateHostedZoneCommand({
        Name: 'moto.example.com',
        CallerReference: `moto-${Date.now()}`,
      }),
    );
    const HostedZoneId = zone.HostedZone?.Id;
    const rrs = {
      Name: 'www.moto.example.com',
      Type: 'A' as const,
      TTL: 300,
      ResourceRecords: [{ Value: '192.0.2.1' }],
    };
    const batch = (Action: 'CREATE' | 'DELETE', set = rrs) =>
      new ChangeResourceRecordSetsCommand({
        HostedZoneId,
        ChangeBatch: { Changes: [{ Action, ResourceRecordSet: set }] },
      });
    await moto.send(batch('CREATE'));
    await assert.rejects(
      moto.send(batch('CREATE')),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, 'InvalidChangeBatch');
        assert.equal(err.$metadata?.httpStatusCode, 400);
        assert.equal(
          err.message,
          "Tried to create resource record set [name='www.moto.example.com.', type='A'] but it already exists",
        );
        return true;
      },
    );
    await assert.rejects(
      moto.send(batch('DELETE', { ...rrs, Name: 'nothing.moto.example.com' })),
      (err: Error) => {
        assert.equal(err.name, 'InvalidInput');
        assert.match(
          err.message,
          /Expected exactly one of \[AliasTarget, all of \[TTL, and ResourceRecords\]/,
        );
        return true;
      },
    );
  });
});
