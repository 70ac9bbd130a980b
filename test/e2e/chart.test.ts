// The Helm chart with the real helm and a real kube-apiserver: lint; the objects `helm
// template` renders with default values and with the seed's --set flags; the schema refusing
// bad values; everything rendered accepted by the apiserver (server-side dry run); a real
// `helm install`, its webhook configurations and RBAC read back (and RBAC checked with the
// apiserver's own authorizer); the chart-made TLS kept across `helm upgrade`; and the webhook
// process started with the rendered Deployment's arguments, refusing a bad Gateway through the
// installed configuration while objects without our keys pass even while it is down; and the
// syncer started the same way, as the chart's service account, writing a record owned by the
// chart's owner ID into Route 53 (moto behind the strictness proxy).
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { parse, stringify } from 'yaml';
import { KINDS } from '../../core/kinds.js';
import { defaultOwnerId } from '../../core/records/owner-id.js';
import { getTestEnvironment } from '../helpers/environment.js';
import {
  CHART_DIR,
  container,
  deploymentSpec,
  eventually,
  findAll,
  findOne,
  flag,
  freePort,
  helmTemplate,
  localCommand,
  parseManifests,
  rulesOf,
  startNode,
  webhooksOf,
  type KubeObject,
  type RunningProcess,
  type WebhookEntry,
  removeRelease,
} from '../helpers/chart.js';

const env = getTestEnvironment();
const PREFIX = 'route53.v1beta1.tetrate.io/';
const RUN = randomBytes(3).toString('hex');
/** The seed's own install flags, exactly as its users type them. */
const SEED_FLAGS = [
  '--set',
  'spec.providerSettings.route53.serviceAccountName=route53-controller',
  '--set',
  'spec.providerSettings.route53.domainFilter={tse.tetratelabs.io}',
  '--set',
  'spec.providerSettings.route53.policy=UPSERT_ONLY',
];
const OWNER = ['--set', 'ownerId=e2e-owner'];

const b64decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** group/version/resource of every kind in the annotation contract. */
const contractResources = new Set(
  KINDS.flatMap((k) => k.versions.map((v) => `${k.group}/${v}/${k.resource}`)),
);

function ruleResources(webhook: WebhookEntry): Set<string> {
  const all = new Set<string>();
  for (const rule of webhook.rules) {
    for (const group of rule.apiGroups)
      for (const version of rule.apiVersions)
        for (const resource of rule.resources) all.add(`${group}/${version}/${resource}`);
  }
  return all;
}

/** group/resource:verb triples a ClusterRole or Role grants (resourceNames kept apart). */
function grants(rules: ReturnType<typeof rulesOf>): Set<string> {
  const all = new Set<string>();
  for (const rule of rules) {
    for (const group of rule.apiGroups)
      for (const resource of rule.resources)
        for (const verb of rule.verbs) {
          const names = rule.resourceNames ? `[${rule.resourceNames.join(',')}]` : '';
          all.add(`${group}/${resource}${names}:${verb}`);
        }
  }
  return all;
}

const expectedClusterGrants = new Set([
  ...[
    ...KINDS.map((k) => `${k.group}/${k.resource}`),
    '/nodes',
    'discovery.k8s.io/endpointslices',
  ].flatMap((r) => ['get', 'list', 'watch'].map((v) => `${r}:${v}`)),
  '/events:create',
  '/events:patch',
]);

const HAS_OURS = `has(object.metadata.annotations) && object.metadata.annotations.exists(k, k.startsWith('${PREFIX}'))`;
const HAS_EXTERNAL_DNS =
  "has(object.metadata.annotations) && object.metadata.annotations.exists(k, k.startsWith('external-dns.alpha.kubernetes.io/') || k.startsWith('external-dns.kubernetes.io/'))";

/**
 * Checks a webhook entry against what the issue asks of both configurations. The release
 * namespace is validated too (matchConditions make it safe), kube-system never.
 */
function assertWebhookShape(w: WebhookEntry, releaseNamespace: string): void {
  assert.deepEqual(w.admissionReviewVersions, ['v1']);
  assert.equal(w.sideEffects, 'None');
  assert.ok(w.timeoutSeconds >= 1 && w.timeoutSeconds <= 10, `timeout ${w.timeoutSeconds}s`);
  assert.deepEqual(ruleResources(w), contractResources, 'exactly the contract’s kinds');
  for (const rule of w.rules) {
    assert.deepEqual(rule.operations, ['CREATE', 'UPDATE']);
    assert.equal(rule.scope, 'Namespaced');
    for (const resource of rule.resources) assert.ok(!resource.includes('/'), 'no subresources');
  }
  const excluded = w.namespaceSelector?.matchExpressions?.find(
    (e) => e.key === 'kubernetes.io/metadata.name',
  );
  assert.equal(excluded?.operator, 'NotIn');
  assert.ok(excluded?.values.includes('kube-system'));
  assert.ok(!excluded?.values.includes(releaseNamespace), 'the release namespace is validated');
}

describe('helm lint', () => {
  it('passes --strict with each TLS mode and the optional objects', async () => {
    for (const extra of [
      [],
      [...SEED_FLAGS],
      ['--set', 'tls.mode=cert-manager'],
      ['--set', 'tls.mode=secret', '--set', 'tls.secretName=mine', '--set', 'tls.caBundle=Zm9v'],
      ['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'dashboard.enabled=true'],
    ]) {
      const result = await env.helm(['lint', CHART_DIR, '--strict', ...OWNER, ...extra], {
        allowFailure: true,
      });
      assert.equal(result.code, 0, `${extra.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });
});

describe('helm template', () => {
  const ns = 'istio-system';

  it('renders the whole install with default values', async () => {
    const { objects, stderr, code } = await helmTemplate(env, 'aws-controller', ns, OWNER);
    assert.equal(code, 0, stderr);
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'MutatingWebhookConfiguration',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'Service',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ]);
    for (const o of objects) {
      assert.equal(o.metadata.labels?.['app'], 'aws-controller', `${o.kind} labelled`);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'aws-controller');
      const clusterScoped = /^(ClusterRole|ClusterRoleBinding|\w+WebhookConfiguration)$/.test(
        o.kind,
      );
      assert.equal(o.metadata.namespace, clusterScoped ? undefined : ns, `${o.kind} namespace`);
    }

    const deployment = findOne(objects, 'Deployment');
    const spec = deploymentSpec(deployment);
    assert.equal(spec.replicas, 2);
    assert.equal(spec.template.metadata.labels['app'], 'aws-controller', 'pods app=aws-controller');
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) {
      assert.equal(spec.template.metadata.labels[k], v, `selector ${k} matches the pods`);
    }
    const pod = spec.template.spec;
    assert.equal(pod.serviceAccountName, 'aws-controller');
    assert.deepEqual(
      pod.containers.map((c) => c.name),
      ['webhook', 'syncer'],
    );
    assert.equal(pod.containers[0]?.image, pod.containers[1]?.image, 'one image');
    assert.equal(pod.securityContext?.['runAsNonRoot'], true);
    assert.deepEqual(pod.securityContext?.['seccompProfile'], { type: 'RuntimeDefault' });
    assert.equal(pod.automountServiceAccountToken, false, 'no token for the webhook');
    const spread = pod.topologySpreadConstraints?.[0];
    assert.equal(spread?.topologyKey, 'kubernetes.io/hostname');
    assert.deepEqual(spread?.labelSelector?.matchLabels, spec.selector.matchLabels);

    const metricsPorts = new Set<number>();
    for (const c of pod.containers) {
      assert.equal(c.args?.[0], c.name, `${c.name} runs \`aws-controller ${c.name}\``);
      assert.equal(c.securityContext?.['readOnlyRootFilesystem'], true);
      assert.equal(c.securityContext?.['allowPrivilegeEscalation'], false);
      assert.deepEqual(c.securityContext?.['capabilities'], { drop: ['ALL'] });
      assert.ok(c.resources?.requests?.['cpu'] && c.resources.limits?.['memory'], 'resources');
      // The JavaScript heap capped below the memory limit (Mi), so V8 collects before the
      // container is killed.
      const heap = /(?:^| )--max-old-space-size=(\d+)(?: |$)/.exec(
        c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '',
      );
      const limit = Number(/^(\d+)Mi$/.exec(String(c.resources?.limits?.['memory']))?.[1]);
      assert.ok(heap && Number(heap[1]) > 0 && Number(heap[1]) < limit, `${c.name} heap cap`);
      const port = Number(flag(c, 'metrics-port'));
      metricsPorts.add(port);
      for (const probe of [c.livenessProbe, c.readinessProbe]) {
        const named = c.ports?.find((p) => p.name === probe?.httpGet?.port);
        assert.equal(named?.containerPort, port, `${c.name} probes its metrics port`);
      }
    }
    assert.equal(metricsPorts.size, 2, 'the containers share the pod network: distinct ports');
    const webhook = container(deployment, 'webhook');
    assert.equal(flag(webhook, 'port'), '9443');
    assert.equal(webhook.readinessProbe?.httpGet?.path, '/readyz');
    const syncer = container(deployment, 'syncer');
    assert.equal(flag(syncer, 'owner-id'), 'e2e-owner');
    assert.equal(flag(syncer, 'policy'), 'SYNC');
    assert.equal(flag(syncer, 'domain-filter'), undefined);
    assert.equal(flag(syncer, 'leader-election-namespace'), ns);
    assert.equal(flag(syncer, 'ingress-namespaces'), ns, 'the release namespace by default');
    assert.ok(
      syncer.volumeMounts?.some(
        (m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount',
      ),
      'the syncer alone gets an API token',
    );
    assert.ok(!webhook.volumeMounts?.some((m) => m.mountPath.includes('serviceaccount')));

    const sa = findOne(objects, 'ServiceAccount');
    for (const binding of [
      findOne(objects, 'ClusterRoleBinding'),
      findOne(objects, 'RoleBinding'),
    ]) {
      assert.deepEqual(binding['subjects'], [
        { kind: 'ServiceAccount', name: sa.metadata.name, namespace: ns },
      ]);
    }
    const pdb = findOne(objects, 'PodDisruptionBudget');
    assert.deepEqual(
      (pdb['spec'] as { selector: { matchLabels: unknown } }).selector.matchLabels,
      spec.selector.matchLabels,
    );
  });

  it('takes the seed’s --set flags: existing service account, domain filter and policy', async () => {
    const { objects, stderr, code } = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      ...SEED_FLAGS,
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(findAll(objects, 'ServiceAccount').length, 0, 'no ServiceAccount created');
    const deployment = findOne(objects, 'Deployment');
    assert.equal(deploymentSpec(deployment).template.spec.serviceAccountName, 'route53-controller');
    const syncer = container(deployment, 'syncer');
    assert.equal(flag(syncer, 'domain-filter'), 'tse.tetratelabs.io');
    assert.equal(flag(syncer, 'policy'), 'UPSERT_ONLY');
    for (const binding of [
      findOne(objects, 'ClusterRoleBinding'),
      findOne(objects, 'RoleBinding'),
    ]) {
      assert.deepEqual(binding['subjects'], [
        { kind: 'ServiceAccount', name: 'route53-controller', namespace: ns },
      ]);
    }

    const two = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'spec.providerSettings.route53.domainFilter={a.example.com,b.example.org}',
      '--set',
      'spec.providerSettings.route53.policy=CREATE_ONLY',
    ]);
    const twoSyncer = container(findOne(two.objects, 'Deployment'), 'syncer');
    assert.equal(flag(twoSyncer, 'domain-filter'), 'a.example.com,b.example.org');
    assert.equal(flag(twoSyncer, 'policy'), 'CREATE_ONLY');
  });

  it('passes the other values to the syncer', async () => {
    const { objects, code, stderr } = await helmTemplate(env, 'dns', ns, [
      ...OWNER,
      '--set',
      'awsRegion=eu-west-1',
      '--set',
      'logLevel=debug',
      '--set',
      'debounce=2s',
      '--set',
      'interval=5m',
      '--set',
      'rateLimit=2.5',
      '--set',
      'replicas=3',
      '--set',
      'zoneType=private',
      '--set',
      'adoptExternalDnsOwner=legacy',
      '--set',
      'externalDnsTxt.prefix=extdns-%{record_type}.',
      '--set',
      'image.tag=1.2.3',
      '--set',
      'maxDeleteFraction=0.8',
      '--set',
      'ingressNamespaces={istio-system,edge}',
    ]);
    assert.equal(code, 0, stderr);
    const deployment = findOne(objects, 'Deployment');
    assert.equal(deployment.metadata.name, 'dns-aws-controller');
    assert.equal(deploymentSpec(deployment).replicas, 3);
    const syncer = container(deployment, 'syncer');
    assert.match(syncer.image, /:1\.2\.3$/);
    assert.deepEqual(
      ['aws-region', 'log-level', 'debounce', 'interval', 'rate-limit', 'zone-type'].map((f) =>
        flag(syncer, f),
      ),
      ['eu-west-1', 'debug', '2s', '5m', '2.5', 'private'],
    );
    assert.equal(flag(syncer, 'adopt-external-dns-owner'), 'legacy');
    assert.equal(flag(syncer, 'external-dns-txt-prefix'), 'extdns-%{record_type}.');
    assert.equal(flag(syncer, 'external-dns-txt-suffix'), undefined);
    assert.equal(flag(syncer, 'max-delete-fraction'), '0.8');
    assert.equal(flag(syncer, 'ingress-namespaces'), 'istio-system,edge');
    assert.equal(flag(syncer, 'leader-election-name'), 'dns-aws-controller-syncer');
    assert.ok(syncer.env?.some((e) => e.name === 'AWS_REGION' && e.value === 'eu-west-1'));
    assert.equal(flag(container(deployment, 'webhook'), 'log-level'), 'debug');
  });

  it('passes the cluster identity to both containers, and no flag while it is empty', async () => {
    const rendered = await helmTemplate(env, 'dns', ns, [
      ...OWNER,
      '--set',
      'cluster.name=eu west (blue)',
      '--set',
      'cluster.region=eu-west-1',
      '--set',
      'cluster.failover=SECONDARY',
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const deployment = findOne(rendered.objects, 'Deployment');
    for (const name of ['webhook', 'syncer']) {
      const c = container(deployment, name);
      assert.deepEqual(
        ['cluster-name', 'cluster-region', 'cluster-failover'].map((f) => flag(c, f)),
        ['eu west (blue)', 'eu-west-1', 'SECONDARY'],
        name,
      );
    }
    const plain = await helmTemplate(env, 'dns', ns, OWNER);
    assert.equal(plain.code, 0, plain.stderr);
    for (const name of ['webhook', 'syncer']) {
      const args = container(findOne(plain.objects, 'Deployment'), name).args ?? [];
      assert.deepEqual(
        args.filter((a) => a.startsWith('--cluster-')),
        [],
        name,
      );
    }
    const bad = await helmTemplate(env, 'dns', ns, [...OWNER, '--set', 'cluster.failover=backup']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /cluster\.failover|failover/);
  });

  it('renders the syncer’s runtime settings from their values, and none when they are 0/false', async () => {
    const runtime = async (sets: string[]) => {
      const { objects, code, stderr } = await helmTemplate(env, 'dns', ns, [
        ...OWNER,
        ...sets.flatMap((s) => ['--set', s]),
      ]);
      assert.equal(code, 0, stderr);
      const syncer = container(findOne(objects, 'Deployment'), 'syncer');
      const envOf = (name: string) => syncer.env?.find((e) => e.name === name)?.value;
      return {
        nodeOptions: envOf('NODE_OPTIONS'),
        mallocArenaMax: envOf('MALLOC_ARENA_MAX'),
        preload: envOf('LD_PRELOAD'),
        mallocConf: envOf('MALLOC_CONF'),
        optimizeForSize: syncer.args?.includes('--optimize-for-size') ?? false,
        flushStartUpCode: syncer.args?.includes('--flush-start-up-code') ?? false,
      };
    };
    const JEMALLOC = {
      preload: '/usr/local/lib/libjemalloc.so.2',
      mallocConf:
        'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2,tcache:false',
    };
    assert.deepEqual(
      await runtime([
        'syncer.heapLimitMiB=512',
        'syncer.semiSpaceMiB=4',
        'syncer.optimizeForSize=true',
        'syncer.mallocArenaMax=1',
      ]),
      {
        nodeOptions: '--max-old-space-size=512 --max-semi-space-size=4',
        mallocArenaMax: undefined,
        ...JEMALLOC,
        optimizeForSize: true,
        flushStartUpCode: true,
      },
      'jemalloc by default: glibc settings do not apply',
    );
    assert.deepEqual(await runtime(['syncer.allocator=glibc', 'syncer.mallocArenaMax=1']), {
      nodeOptions: '--max-old-space-size=128 --max-semi-space-size=2',
      mallocArenaMax: '1',
      preload: undefined,
      mallocConf: undefined,
      optimizeForSize: true,
      flushStartUpCode: true,
    });
    assert.deepEqual(
      await runtime([
        'syncer.heapLimitMiB=0',
        'syncer.semiSpaceMiB=0',
        'syncer.optimizeForSize=false',
        'syncer.flushStartUpCode=false',
        'syncer.allocator=glibc',
        'syncer.mallocArenaMax=0',
      ]),
      {
        nodeOptions: undefined,
        mallocArenaMax: undefined,
        preload: undefined,
        mallocConf: undefined,
        optimizeForSize: false,
        flushStartUpCode: false,
      },
    );
    const wrong = await helmTemplate(env, 'dns', ns, [
      ...OWNER,
      '--set',
      'syncer.allocator=tcmalloc',
    ]);
    assert.notEqual(wrong.code, 0, 'an allocator the image does not carry is refused');
    assert.match(wrong.stderr, /allocator/);
    const { code } = await helmTemplate(env, 'dns', ns, [
      ...OWNER,
      '--set',
      'syncer.semiSpaceMiB=-1',
    ]);
    assert.notEqual(code, 0, 'values.schema.json refuses a negative semi-space');
  });

  it('refuses to render without an owner ID when there is no cluster to derive it from', async () => {
    const { code, stderr } = await helmTemplate(env, 'aws-controller', ns, []);
    assert.notEqual(code, 0);
    assert.match(stderr, /ownerId is required/);
  });

  it('values.schema.json rejects a bad policy and wrong types', async () => {
    for (const [set, message] of [
      [
        'spec.providerSettings.route53.policy=DELETE_ALL',
        /policy.*must be one of 'SYNC', 'UPSERT_ONLY', 'CREATE_ONLY'/,
      ],
      ['replicas=two', /replicas.*want integer/],
      ['spec.providerSettings.route53.domainFilter=tse.tetratelabs.io', /domainFilter.*want array/],
      [
        'spec.providerSettings.route53.domainfilter={x.com}',
        /additional properties 'domainfilter'/,
      ],
      ['webhook.failurePolicy=Sometimes', /failurePolicy/],
      ['maxDeleteFraction=2', /maxDeleteFraction/],
      // external-dns refuses a prefix with a suffix; so does the chart.
      ['externalDnsTxt.prefix=p-,externalDnsTxt.suffix=-s', /externalDnsTxt.*'not' failed/],
    ] as const) {
      const { code, stderr } = await helmTemplate(env, 'aws-controller', ns, [
        ...OWNER,
        '--set',
        set,
      ]);
      assert.notEqual(code, 0, `${set} refused`);
      assert.match(stderr, /values don't meet the specifications of the schema/);
      assert.match(stderr, message);
    }
  });

  it('registers both webhooks for exactly the contract’s kinds, only for objects with our keys', async () => {
    const { objects } = await helmTemplate(env, 'aws-controller', ns, OWNER);
    const secret = findOne(objects, 'Secret');
    const data = secret['data'] as Record<string, string>;
    const service = findOne(objects, 'Service', 'aws-controller-webhook');
    for (const [kind, path] of [
      ['MutatingWebhookConfiguration', '/mutate'],
      ['ValidatingWebhookConfiguration', '/validate'],
    ] as const) {
      const [w, ...more] = webhooksOf(findOne(objects, kind));
      assert.ok(w !== undefined);
      // Validating only: a second, fail-open entry for external-dns annotations (below).
      assert.equal(more.length, kind.startsWith('Mutating') ? 0 : 1);
      assertWebhookShape(w, ns);
      assert.equal(w.failurePolicy, 'Fail');
      assert.deepEqual(w.matchConditions, [
        { name: 'has-route53-annotations', expression: HAS_OURS },
      ]);
      assert.equal(w.clientConfig.url, undefined);
      assert.deepEqual(w.clientConfig.service, {
        name: service.metadata.name,
        namespace: ns,
        path,
        port: 443,
      });
      assert.equal(w.clientConfig.caBundle, data['ca.crt'], 'caBundle is the Secret’s CA');
      assert.equal(w.reinvocationPolicy, kind.startsWith('Mutating') ? 'IfNeeded' : undefined);
    }
    const ca = new X509Certificate(b64decode(data['ca.crt'] ?? ''));
    const cert = new X509Certificate(b64decode(data['tls.crt'] ?? ''));
    assert.ok(ca.ca);
    assert.ok(cert.verify(ca.publicKey), 'the serving certificate is signed by the CA');
    assert.match(cert.subjectAltName ?? '', /DNS:aws-controller-webhook\.istio-system\.svc\b/);
    assert.doesNotMatch(cert.subjectAltName ?? '', /IP Address/);
    // The Secret the pods mount is this one.
    const deployment = findOne(objects, 'Deployment');
    const volume = deploymentSpec(deployment).template.spec.volumes?.find((v) => v.name === 'tls');
    assert.equal(volume?.secret?.secretName, secret.metadata.name);
  });

  it('webhook.url registers by URL, with the URL’s host in the certificate', async () => {
    const { objects } = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'webhook.url=https://127.0.0.1:10250',
    ]);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const w = webhooksOf(findOne(objects, kind))[0] as WebhookEntry;
      assert.equal(w.clientConfig.service, undefined);
      assert.match(w.clientConfig.url ?? '', /^https:\/\/127\.0\.0\.1:10250\/(mutate|validate)$/);
    }
    const data = findOne(objects, 'Secret')['data'] as Record<string, string>;
    const cert = new X509Certificate(b64decode(data['tls.crt'] ?? ''));
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    const byName = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'webhook.url=https://webhook.dev.internal:8443/',
    ]);
    const w = webhooksOf(findOne(byName.objects, 'ValidatingWebhookConfiguration'))[0];
    assert.equal(w?.clientConfig.url, 'https://webhook.dev.internal:8443/validate');
    const named = new X509Certificate(
      b64decode(
        (findOne(byName.objects, 'Secret')['data'] as Record<string, string>)['tls.crt'] ?? '',
      ),
    );
    assert.match(named.subjectAltName ?? '', /DNS:webhook\.dev\.internal/);
  });

  it('without matchConditions (Kubernetes < 1.28) falls back to Ignore; failurePolicy is a value', async () => {
    const old = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--kube-version',
      '1.27.9',
    ]);
    assert.equal(old.code, 0, old.stderr);
    const oldHooks = webhooksOf(findOne(old.objects, 'ValidatingWebhookConfiguration'));
    const oldHook = oldHooks[0];
    assert.equal(
      oldHooks.length,
      1,
      'no fail-open entries: without matchConditions they would see everything',
    );
    assert.equal(oldHook?.matchConditions, undefined);
    assert.equal(oldHook?.failurePolicy, 'Ignore');
    assert.ok(
      oldHook?.namespaceSelector?.matchExpressions?.[0]?.values.includes(ns),
      'without matchConditions every Service there would be sent: the release namespace stays out',
    );
    const ignore = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'webhook.failurePolicy=Ignore',
    ]);
    assert.equal(
      webhooksOf(findOne(ignore.objects, 'MutatingWebhookConfiguration'))[0]?.failurePolicy,
      'Ignore',
    );
  });

  it('sends objects with external-dns keys and none of ours to /validate on a fail-open entry', async () => {
    const { objects } = await helmTemplate(env, 'aws-controller', ns, OWNER);
    const [, open, ...more] = webhooksOf(findOne(objects, 'ValidatingWebhookConfiguration'));
    assert.ok(open !== undefined && more.length === 0);
    assert.equal(open.name, 'external-dns.validate.aws-controller.tetrate.io');
    assertWebhookShape(open, ns);
    assert.equal(
      open.failurePolicy,
      'Ignore',
      'warns only: never blocks while the webhook is down',
    );
    assert.equal(open.clientConfig.service?.path, '/validate');
    assert.deepEqual(open.matchConditions, [
      { name: 'has-external-dns-annotations', expression: HAS_EXTERNAL_DNS },
      { name: 'no-route53-annotations', expression: `!(${HAS_OURS})` },
    ]);
    assert.ok(
      webhooksOf(findOne(objects, 'MutatingWebhookConfiguration')).every(
        (w) => w.failurePolicy === 'Fail' && w.matchConditions?.[0]?.expression === HAS_OURS,
      ),
      'nothing but objects with our keys is ever mutated',
    );
  });

  it('the chart’s own objects never meet a fail-closed entry, so its webhook being down never blocks them', async () => {
    for (const extra of [
      [],
      [
        '--set',
        'domainPolicy.domains[0].domain=example.com',
        '--set',
        'domainPolicy.domains[0].namespaces={team-*}',
      ],
    ]) {
      const { objects, code, stderr } = await helmTemplate(env, 'aws-controller', ns, [
        ...OWNER,
        '--set',
        'metrics.serviceMonitor.enabled=true',
        '--set',
        'networkPolicy.enabled=true',
        '--set',
        'networkPolicy.apiserverCIDRs={10.0.0.0/16}',
        ...extra,
      ]);
      assert.equal(code, 0, stderr);
      const closed = [
        ...webhooksOf(findOne(objects, 'MutatingWebhookConfiguration')),
        ...webhooksOf(findOne(objects, 'ValidatingWebhookConfiguration')),
      ].filter((w) => w.failurePolicy === 'Fail');
      assert.equal(closed.length, 2);
      const matched = new Set(closed.flatMap((w) => w.rules.flatMap((r) => r.resources)));
      // Every object the chart makes: either a kind no entry matches (Pods, Deployments,
      // Leases, Secrets, ConfigMaps are not in the rules), or without any of our keys, which the
      // fail-closed entries' matchConditions require.
      const resourceOf: Record<string, string> = { Service: 'services', Gateway: 'gateways' };
      for (const o of objects) {
        const keys = Object.keys(o.metadata.annotations ?? {}).filter((k) => k.startsWith(PREFIX));
        const resource = resourceOf[o.kind];
        if (resource !== undefined && matched.has(resource)) {
          assert.deepEqual(keys, [], `${o.kind}/${o.metadata.name} carries none of our keys`);
        }
      }
      for (const resource of [
        'pods',
        'deployments',
        'replicasets',
        'leases',
        'secrets',
        'configmaps',
        'events',
      ]) {
        assert.ok(!matched.has(resource), `${resource} are never sent`);
      }
      const template = deploymentSpec(findOne(objects, 'Deployment')).template as {
        metadata: { annotations?: Record<string, string> };
      };
      assert.ok(
        !Object.keys(template.metadata.annotations ?? {}).some((k) => k.startsWith(PREFIX)),
      );
    }
  });

  it('keeps the webhook container out of IRSA / EKS Pod Identity credential injection, and gives it no AWS settings', async () => {
    const skipKey = 'eks.amazonaws.com/skip-containers';
    const annotationsOf = (objects: KubeObject[]) =>
      (
        deploymentSpec(findOne(objects, 'Deployment')).template as {
          metadata: { annotations?: Record<string, string> };
        }
      ).metadata.annotations ?? {};
    const plain = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'awsRegion=eu-west-1',
      '--set',
      'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::111122223333:role/dns',
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(annotationsOf(plain.objects)[skipKey], 'webhook');
    const deployment = findOne(plain.objects, 'Deployment');
    const webhook = container(deployment, 'webhook');
    assert.deepEqual(
      (webhook.env ?? []).filter((e) => e.name.startsWith('AWS_')),
      [],
      'no AWS environment',
    );
    assert.ok(
      !(webhook.args ?? []).some((a) => a.startsWith('--aws-') || a.startsWith('--route53-')),
    );
    assert.deepEqual(
      (webhook.volumeMounts ?? []).map((m) => m.name).sort(),
      ['tls', 'tmp'],
      'no token or credentials volume',
    );
    const syncer = container(deployment, 'syncer');
    assert.ok(
      (syncer.env ?? []).some((e) => e.name === 'AWS_REGION'),
      'the syncer keeps its own',
    );
    // A skip list of the user's own is kept, with the webhook added once.
    const merged = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set-string',
      `podAnnotations.eks\\.amazonaws\\.com/skip-containers=debug\\,webhook`,
      '--set-string',
      'podAnnotations.team=dns',
    ]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(annotationsOf(merged.objects)[skipKey], 'debug,webhook');
    assert.equal(annotationsOf(merged.objects)['team'], 'dns');
  });

  it('syncer.env reaches the syncer container only, after the chart’s own variables', async () => {
    const rendered = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'syncer.env[0].name=AWS_ACCESS_KEY_ID',
      '--set',
      'syncer.env[0].valueFrom.secretKeyRef.name=route53-keys',
      '--set',
      'syncer.env[0].valueFrom.secretKeyRef.key=id',
      '--set',
      'syncer.env[1].name=AWS_SECRET_ACCESS_KEY',
      '--set',
      'syncer.env[1].value=not-a-secret',
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const deployment = findOne(rendered.objects, 'Deployment');
    const syncer = container(deployment, 'syncer');
    assert.deepEqual(
      (syncer.env ?? []).map((e) => e.name),
      [
        'POD_NAME',
        'POD_NAMESPACE',
        'NODE_OPTIONS',
        'LD_PRELOAD',
        'MALLOC_CONF',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
      ],
    );
    assert.deepEqual((syncer.env ?? []).find((e) => e.name === 'AWS_ACCESS_KEY_ID')?.valueFrom, {
      secretKeyRef: { name: 'route53-keys', key: 'id' },
    });
    const webhook = container(deployment, 'webhook');
    assert.deepEqual(
      (webhook.env ?? []).map((e) => e.name),
      ['NODE_OPTIONS'],
      'the webhook gets none of them',
    );
    const bad = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'syncer.env[0].value=no-name',
    ]);
    assert.notEqual(bad.code, 0, 'an entry without a name is refused by the schema');
  });

  it('networkPolicy: none by default; the webhook port from the apiserver CIDRs only, metrics from one namespace', async () => {
    const none = await helmTemplate(env, 'aws-controller', ns, OWNER);
    assert.equal(findAll(none.objects, 'NetworkPolicy').length, 0);
    const refused = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'networkPolicy.enabled=true',
    ]);
    assert.notEqual(refused.code, 0, 'enabled without apiserver CIDRs would cut the apiserver off');
    assert.match(refused.stderr, /apiserverCIDRs/);
    const badCidr = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'networkPolicy.enabled=true',
      '--set',
      'networkPolicy.apiserverCIDRs={10.0.0.0}',
    ]);
    assert.notEqual(badCidr.code, 0);

    const { objects, code, stderr } = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'networkPolicy.enabled=true',
      '--set',
      'networkPolicy.apiserverCIDRs={10.0.0.0/16,192.168.10.0/24}',
      '--set',
      'networkPolicy.metricsNamespace=monitoring',
      '--set',
      'networkPolicy.probeCIDRs={172.20.0.0/16}',
    ]);
    assert.equal(code, 0, stderr);
    const policy = findOne(objects, 'NetworkPolicy');
    const spec = policy['spec'] as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress: {
        from: {
          ipBlock?: { cidr: string };
          namespaceSelector?: { matchLabels: Record<string, string> };
        }[];
        ports: { port: string; protocol: string }[];
      }[];
    };
    assert.deepEqual(
      spec.podSelector.matchLabels,
      deploymentSpec(findOne(objects, 'Deployment')).selector.matchLabels,
    );
    assert.deepEqual(spec.policyTypes, ['Ingress'], 'egress stays open: apiserver, Route 53, STS');
    const rules = spec.ingress.map((r) => ({
      from: r.from.map(
        (f) =>
          f.ipBlock?.cidr ??
          `ns=${f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name']}`,
      ),
      ports: r.ports.map((p) => p.port),
    }));
    assert.deepEqual(rules, [
      { from: ['10.0.0.0/16', '192.168.10.0/24'], ports: ['https'] },
      { from: ['ns=monitoring'], ports: ['webhook-metrics', 'syncer-metrics'] },
      { from: ['172.20.0.0/16'], ports: ['webhook-metrics', 'syncer-metrics'] },
    ]);
    // The named ports are the containers' (and the probes use them).
    const deployment = findOne(objects, 'Deployment');
    const ports = ['webhook', 'syncer'].flatMap((c) =>
      (container(deployment, c).ports ?? []).map((p) => p.name),
    );
    for (const port of ['https', 'webhook-metrics', 'syncer-metrics'])
      assert.ok(ports.includes(port), port);
    assert.equal(container(deployment, 'webhook').readinessProbe?.httpGet?.port, 'webhook-metrics');
  });

  it('domainPolicy: a ConfigMap mounted in both containers, passed as --domain-policy, and a fail-open entry for objects without our keys', async () => {
    const none = await helmTemplate(env, 'aws-controller', ns, OWNER);
    assert.equal(findAll(none.objects, 'ConfigMap').length, 0, 'no policy: nothing rendered');
    for (const c of ['webhook', 'syncer']) {
      assert.equal(
        flag(container(findOne(none.objects, 'Deployment'), c), 'domain-policy'),
        undefined,
      );
    }
    assert.ok(
      !webhooksOf(findOne(none.objects, 'ValidatingWebhookConfiguration')).some((w) =>
        w.name.startsWith('policy.'),
      ),
    );

    const values = join(tmpdir(), `domain-policy-${RUN}.yaml`);
    const policy = {
      strict: true,
      domains: [
        { domain: 'shop.example.com', namespaces: ['team-shop'] },
        { domain: 'example.com', namespaces: ['platform', 'team-*'] },
      ],
    };
    await writeFile(values, stringify({ domainPolicy: policy }));
    const { objects, code, stderr } = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '-f',
      values,
    ]);
    await rm(values, { force: true });
    assert.equal(code, 0, stderr);
    const configMap = findOne(objects, 'ConfigMap', 'aws-controller-domain-policy');
    assert.equal(configMap.metadata.namespace, ns);
    const file = (configMap['data'] as Record<string, string>)['domain-policy.yaml'] ?? '';
    assert.deepEqual(parse(file), policy, 'the file holds exactly the values');

    const deployment = findOne(objects, 'Deployment');
    const pod = deploymentSpec(deployment).template as {
      metadata: { annotations?: Record<string, string> };
      spec: { volumes?: { name: string; configMap?: { name: string } }[] };
    };
    assert.deepEqual(pod.spec.volumes?.find((v) => v.name === 'domain-policy')?.configMap, {
      name: configMap.metadata.name,
    });
    for (const c of ['webhook', 'syncer']) {
      const mount = container(deployment, c).volumeMounts?.find((m) => m.name === 'domain-policy');
      assert.equal(mount?.mountPath, '/etc/aws-controller/domain-policy', `${c} mounts the folder`);
      assert.equal(
        (mount as { subPath?: string } | undefined)?.subPath,
        undefined,
        'no subPath: updates reach the file',
      );
      assert.equal(
        flag(container(deployment, c), 'domain-policy'),
        '/etc/aws-controller/domain-policy/domain-policy.yaml',
      );
    }
    // A policy change must not restart the pods: the processes re-read the file.
    assert.ok(
      !Object.keys(pod.metadata.annotations ?? {}).some((k) => k.startsWith('checksum/')),
      'no checksum annotation',
    );

    const hooks = webhooksOf(findOne(objects, 'ValidatingWebhookConfiguration'));
    assert.deepEqual(
      hooks.map((w) => `${w.name} ${w.failurePolicy}`),
      [
        'validate.aws-controller.tetrate.io Fail',
        'policy.validate.aws-controller.tetrate.io Ignore',
      ],
      'the fail-closed entry stays limited to our keys; the policy entry (which also covers external-dns keys) fails open',
    );
    const open = hooks[1] as WebhookEntry;
    assertWebhookShape(open, ns);
    assert.equal(open.clientConfig.service?.path, '/validate');
    assert.deepEqual(open.matchConditions, [
      { name: 'no-route53-annotations', expression: `!(${HAS_OURS})` },
    ]);
    assert.deepEqual(ruleResources(open), contractResources, 'the name-carrying kinds');
    assert.equal(hooks[0]?.matchConditions?.[0]?.expression, HAS_OURS);

    // The schema refuses what the processes could not read.
    for (const bad of [
      ['--set', 'domainPolicy.domains[0].domain=shop.example.com'],
      [
        '--set',
        'domainPolicy.domains[0].domain=bad domain',
        '--set',
        'domainPolicy.domains[0].namespaces={a}',
      ],
      [
        '--set',
        'domainPolicy.domains[0].domain=a.com',
        '--set',
        'domainPolicy.domains[0].namespaces={Team_A}',
      ],
      ['--set', 'domainPolicy.strict=yes'],
      ['--set', 'domainPolicy.other=1'],
    ]) {
      const refused = await helmTemplate(env, 'aws-controller', ns, [...OWNER, ...bad]);
      assert.notEqual(refused.code, 0, bad.join(' '));
      assert.match(refused.stderr, /domainPolicy/, bad.join(' '));
    }
    // strict alone is a policy (it refuses every name no entry covers).
    const strictOnly = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'domainPolicy.strict=true',
    ]);
    assert.equal(strictOnly.code, 0, strictOnly.stderr);
    assert.deepEqual(
      parse(
        (findOne(strictOnly.objects, 'ConfigMap')['data'] as Record<string, string>)[
          'domain-policy.yaml'
        ] ?? '',
      ),
      { strict: true, domains: [] },
    );
  });

  it('RBAC: reads exactly the watched kinds, writes Events, Leases only in its namespace', async () => {
    const { objects } = await helmTemplate(env, 'aws-controller', ns, OWNER);
    assert.deepEqual(grants(rulesOf(findOne(objects, 'ClusterRole'))), expectedClusterGrants);
    const role = findOne(objects, 'Role');
    assert.equal(role.metadata.namespace, ns);
    assert.deepEqual(
      grants(rulesOf(role)),
      new Set([
        'coordination.k8s.io/leases:create',
        'coordination.k8s.io/leases[aws-controller-syncer]:get',
        'coordination.k8s.io/leases[aws-controller-syncer]:update',
      ]),
    );
    assert.equal(findAll(objects, 'ClusterRole').length, 1);
  });

  it('tls.mode=cert-manager: a Certificate and cainjector instead of a chart-made Secret', async () => {
    const { objects, code, stderr } = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'tls.mode=cert-manager',
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(findAll(objects, 'Secret').length, 0);
    const certificate = findOne(objects, 'Certificate', 'aws-controller-webhook');
    const spec = certificate['spec'] as {
      secretName: string;
      dnsNames: string[];
      issuerRef: { name: string };
    };
    assert.ok(spec.dnsNames.includes('aws-controller-webhook.istio-system.svc'));
    findOne(objects, 'Issuer', spec.issuerRef.name);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const config = findOne(objects, kind);
      assert.equal(
        config.metadata.annotations?.['cert-manager.io/inject-ca-from'],
        `${ns}/aws-controller-webhook`,
      );
      assert.equal(webhooksOf(config)[0]?.clientConfig.caBundle, undefined);
    }
    const volume = deploymentSpec(findOne(objects, 'Deployment')).template.spec.volumes?.find(
      (v) => v.name === 'tls',
    );
    assert.equal(volume?.secret?.secretName, spec.secretName);
  });

  it('optional: ServiceMonitor for both metrics ports, and the Grafana dashboard ConfigMap', async () => {
    const { objects } = await helmTemplate(env, 'aws-controller', ns, [
      ...OWNER,
      '--set',
      'metrics.serviceMonitor.enabled=true',
      '--set',
      'dashboard.enabled=true',
    ]);
    const monitor = findOne(objects, 'ServiceMonitor');
    const metrics = findOne(objects, 'Service', 'aws-controller-metrics');
    const servicePorts = (metrics['spec'] as { ports: { name: string }[] }).ports.map(
      (p) => p.name,
    );
    const endpoints = (monitor['spec'] as { endpoints: { port: string }[] }).endpoints.map(
      (e) => e.port,
    );
    assert.deepEqual(endpoints.sort(), servicePorts.sort());
    const selector = (monitor['spec'] as { selector: { matchLabels: Record<string, string> } })
      .selector;
    for (const [k, v] of Object.entries(selector.matchLabels))
      assert.equal(metrics.metadata.labels?.[k], v);
    const dashboard = findOne(objects, 'ConfigMap');
    assert.equal(dashboard.metadata.labels?.['grafana_dashboard'], '1');
    const json = (dashboard['data'] as Record<string, string>)['aws-controller.json'] ?? '';
    assert.deepEqual(
      JSON.parse(json),
      JSON.parse(await readFile(join(CHART_DIR, 'files/dashboard.json'), 'utf8')),
    );
  });
});

describe('the chart in a real kube-apiserver', () => {
  const release = `aws-controller-${RUN}`;
  const label = `chart-${RUN}`;
  let namespace: string;
  let appNamespace: string;
  let dir: string;
  let valuesFile: string;
  let ports: { webhook: number; webhookMetrics: number; syncerMetrics: number };
  const processes: RunningProcess[] = [];
  let installed = false;

  const gateway = (
    name: string,
    annotations: Record<string, string>,
    inNamespace: string = appNamespace,
  ) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: inNamespace, annotations },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [`${name}.example.com`] },
      ],
    },
  });
  const apply = (object: unknown) =>
    env.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object), allowFailure: true });
  const getJson = async (args: readonly string[]) =>
    JSON.parse((await env.kubectl(['get', ...args, '-o', 'json'])).stdout) as KubeObject;

  before(async () => {
    // The release namespace carries the label too: the webhook validates objects there.
    namespace = await env.createNamespace('chart', { 'aws-controller-chart-e2e': label });
    // Our webhook configurations select only namespaces with this label, so the other suites
    // sharing the apiserver never meet them.
    appNamespace = await env.createNamespace('chart-apps', { 'aws-controller-chart-e2e': label });
    dir = await mkdtemp(join(tmpdir(), 'chart-e2e-'));
    ports = {
      webhook: await freePort(),
      webhookMetrics: await freePort(),
      syncerMetrics: await freePort(),
    };
    valuesFile = join(dir, 'values.yaml');
    await writeFile(
      valuesFile,
      stringify({
        route53Endpoint: env.route53Endpoint,
        webhook: {
          url: `https://127.0.0.1:${ports.webhook}`,
          port: ports.webhook,
          metricsPort: ports.webhookMetrics,
          namespaceSelector: { matchLabels: { 'aws-controller-chart-e2e': label } },
        },
        syncer: { metricsPort: ports.syncerMetrics },
      }),
    );
  });

  after(async () => {
    for (const p of processes) await p.stop();
    await removeRelease(env, release, namespace, installed);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('everything rendered is accepted by the apiserver (server-side dry run)', async () => {
    const kubeSystem = await getJson(['namespace', 'kube-system']);
    const optional = [
      ...['--set', 'dashboard.enabled=true', '--set', 'networkPolicy.enabled=true'],
      ...['--set', 'networkPolicy.apiserverCIDRs={10.0.0.0/16}'],
      ...['--set', 'networkPolicy.metricsNamespace=monitoring'],
      ...['--set', 'domainPolicy.domains[0].domain=example.com'],
      ...['--set', 'domainPolicy.domains[0].namespaces={team-*}'],
    ];
    // The apiserver compiles every matchConditions CEL expression, so this checks them too.
    for (const extra of [[], [...SEED_FLAGS, ...optional]]) {
      // --dry-run=server lets the chart read the cluster (lookup), as helm install does.
      const rendered = await helmTemplate(env, release, namespace, ['--dry-run=server', ...extra]);
      assert.equal(rendered.code, 0, rendered.stderr);
      const syncer = container(findOne(rendered.objects, 'Deployment'), 'syncer');
      assert.equal(
        flag(syncer, 'owner-id'),
        defaultOwnerId({ release, namespace, clusterUid: kubeSystem.metadata.uid ?? '' }),
        'the owner ID defaults to one derived from kube-system’s UID, by the rule plan and syncer use',
      );
      const result = await env.kubectl(
        ['apply', '--server-side', '--dry-run=server', '--field-manager=chart-e2e', '-f', '-'],
        { input: rendered.stdout },
      );
      for (const o of rendered.objects) {
        assert.match(
          result.stdout,
          new RegExp(
            `${o.kind.toLowerCase()}[^ ]*/${o.metadata.name} serverside-applied \\(server dry run\\)`,
          ),
          `${o.kind}/${o.metadata.name} accepted`,
        );
      }
    }
    const nothing = await env.kubectl([
      'get',
      'deployments,secrets',
      '-n',
      namespace,
      '-o',
      'name',
    ]);
    assert.equal(nothing.stdout.trim(), '', 'a dry run stores nothing');
  });

  it('installs with helm; the webhook configurations and RBAC read back as rendered', async () => {
    // The schema is checked at install too: a bad policy installs nothing.
    const refused = await env.helm(
      [
        'install',
        release,
        CHART_DIR,
        '-n',
        namespace,
        '-f',
        valuesFile,
        '--set',
        'spec.providerSettings.route53.policy=DELETE_ALL',
      ],
      { allowFailure: true },
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /policy.*must be one of 'SYNC', 'UPSERT_ONLY', 'CREATE_ONLY'/);
    assert.equal((await env.helm(['list', '-n', namespace, '-q'])).stdout.trim(), '');

    installed = true; // from here on, `after` uninstalls (also after a partial install)
    const result = await env.helm([
      'install',
      release,
      CHART_DIR,
      '-n',
      namespace,
      '-f',
      valuesFile,
      '--set',
      'spec.providerSettings.route53.domainFilter={tse.tetratelabs.io}',
      '--set',
      'spec.providerSettings.route53.policy=UPSERT_ONLY',
    ]);
    assert.match(result.stdout, /STATUS: deployed/);
    assert.match(
      result.stdout,
      new RegExp(`kubectl get pods -n ${namespace} -l app=aws-controller`),
    );
    assert.match(result.stdout, /kubectl logs -f -n \S+ -l app=aws-controller\S* -c syncer/);

    const secret = await getJson(['secret', `${release}-webhook-tls`, '-n', namespace]);
    const caBundle = (secret['data'] as Record<string, string>)['ca.crt'];
    for (const [kind, path] of [
      ['mutatingwebhookconfiguration', 'mutate'],
      ['validatingwebhookconfiguration', 'validate'],
    ] as const) {
      const [w, ...open] = webhooksOf(await getJson([kind, release]));
      assert.ok(w);
      assertWebhookShape(w, namespace);
      assert.equal(w.failurePolicy, 'Fail');
      assert.equal(w.matchConditions?.length, 1);
      assert.deepEqual(
        open.map((o) => `${o.name} ${o.failurePolicy}`),
        path === 'validate' ? ['external-dns.validate.aws-controller.tetrate.io Ignore'] : [],
      );
      assert.equal(w.clientConfig.url, `https://127.0.0.1:${ports.webhook}/${path}`);
      assert.equal(w.clientConfig.caBundle, caBundle);
      assert.deepEqual(w.namespaceSelector?.matchLabels, { 'aws-controller-chart-e2e': label });
    }
    const clusterRole = await getJson(['clusterrole', release]);
    assert.deepEqual(grants(rulesOf(clusterRole)), expectedClusterGrants);
    const binding = await getJson(['clusterrolebinding', release]);
    assert.deepEqual(binding['subjects'], [{ kind: 'ServiceAccount', name: release, namespace }]);
    const role = await getJson(['role', `${release}-leader-election`, '-n', namespace]);
    assert.ok([...grants(rulesOf(role))].every((g) => g.startsWith('coordination.k8s.io/leases')));
    await getJson(['rolebinding', `${release}-leader-election`, '-n', namespace]);
    await getJson(['serviceaccount', release, '-n', namespace]);
  });

  it('the service account can do what the syncer needs and nothing more (apiserver authorizer)', async () => {
    const sa = `system:serviceaccount:${namespace}:${release}`;
    const can = async (...args: string[]) =>
      (
        await env.kubectl(['auth', 'can-i', '--as', sa, ...args], { allowFailure: true })
      ).stdout.trim();
    for (const k of KINDS) {
      const resource = k.group === '' ? k.resource : `${k.resource}.${k.group}`;
      for (const verb of ['list', 'watch'])
        assert.equal(await can(verb, resource, '-A'), 'yes', `${verb} ${resource}`);
      assert.equal(await can('update', resource, '-n', appNamespace), 'no', `update ${resource}`);
    }
    assert.equal(await can('list', 'nodes'), 'yes');
    assert.equal(await can('list', 'endpointslices.discovery.k8s.io', '-A'), 'yes');
    assert.equal(await can('create', 'events', '-n', appNamespace), 'yes');
    assert.equal(await can('create', 'leases.coordination.k8s.io', '-n', namespace), 'yes');
    assert.equal(
      await can('update', `leases.coordination.k8s.io/${release}-syncer`, '-n', namespace),
      'yes',
    );
    assert.equal(
      await can('update', 'leases.coordination.k8s.io/kube-scheduler', '-n', namespace),
      'no',
    );
    assert.equal(await can('create', 'leases.coordination.k8s.io', '-n', 'kube-system'), 'no');
    assert.equal(await can('get', 'secrets', '-n', namespace), 'no');
    assert.equal(await can('list', 'pods', '-A'), 'no');
  });

  it('helm upgrade keeps the chart-made certificate and caBundle', async () => {
    const secretBefore = await getJson(['secret', `${release}-webhook-tls`, '-n', namespace]);
    const bundleBefore = webhooksOf(await getJson(['validatingwebhookconfiguration', release]))[0]
      ?.clientConfig.caBundle;
    await env.helm([
      'upgrade',
      release,
      CHART_DIR,
      '-n',
      namespace,
      '--reuse-values',
      '--set',
      'logLevel=debug',
    ]);
    const secretAfter = await getJson(['secret', `${release}-webhook-tls`, '-n', namespace]);
    assert.deepEqual(secretAfter['data'], secretBefore['data']);
    for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
      assert.equal(
        webhooksOf(await getJson([kind, release]))[0]?.clientConfig.caBundle,
        bundleBefore,
      );
    }
    const deployment = await getJson(['deployment', release, '-n', namespace]);
    assert.equal(
      flag(container(deployment, 'webhook'), 'log-level'),
      'debug',
      'the upgrade applied',
    );

    // Made for other names (another webhook.url host), the certificate is made anew.
    const moved = await helmTemplate(env, release, namespace, [
      '--dry-run=server',
      '-f',
      valuesFile,
      '--set',
      'webhook.url=https://localhost:9443',
    ]);
    const movedData = findOne(moved.objects, 'Secret')['data'] as Record<string, string>;
    assert.notEqual(
      movedData['tls.crt'],
      (secretBefore['data'] as Record<string, string>)['tls.crt'],
    );
    assert.match(
      new X509Certificate(b64decode(movedData['tls.crt'] ?? '')).subjectAltName ?? '',
      /DNS:localhost/,
    );
  });

  it('while the webhook is down, only objects with our keys are refused (matchConditions)', async () => {
    const plain = await apply(gateway('plain-while-down', { team: 'bookinfo' }));
    assert.equal(plain.code, 0, plain.stderr);
    // The apiserver loads new webhook configurations asynchronously: wait for ours.
    const refused = await eventually('the installed webhook to be called', async () => {
      const result = await apply(gateway('ours-while-down', { [`${PREFIX}ttl`]: '300' }));
      if (result.code === 0) {
        await env.kubectl([
          'delete',
          'gateways.networking.istio.io',
          'ours-while-down',
          '-n',
          appNamespace,
        ]);
        return undefined;
      }
      return result;
    });
    assert.match(
      refused.stderr,
      /failed calling webhook "(mutate|validate)\.aws-controller\.tetrate\.io"/,
    );

    // The release namespace is validated too: a Gateway there with our keys is refused...
    const inRelease = await apply(
      gateway('ours-in-release', { [`${PREFIX}ttl`]: '300' }, namespace),
    );
    assert.notEqual(inRelease.code, 0, 'validated in the release namespace');
    assert.match(inRelease.stderr, /failed calling webhook "(mutate|validate)\.aws-controller/);
    // ...while the chart's own objects there are not blocked by their webhook being down: its
    // Services change (a helm upgrade would patch them), a plain Gateway goes in.
    const annotated = await env.kubectl(
      [
        'annotate',
        'service',
        `${release}-webhook`,
        '-n',
        namespace,
        'e2e/touched=yes',
        '--overwrite',
      ],
      { allowFailure: true },
    );
    assert.equal(annotated.code, 0, annotated.stderr);
    const plainInRelease = await apply(gateway('plain-in-release', { team: 'mesh' }, namespace));
    assert.equal(plainInRelease.code, 0, plainInRelease.stderr);
    // Objects still annotated for external-dns only: their entry fails open.
    const externalDns = await apply(
      gateway('external-dns-while-down', {
        'external-dns.alpha.kubernetes.io/hostname': 'old.example.com',
      }),
    );
    assert.equal(externalDns.code, 0, externalDns.stderr);
  });

  it('the webhook, started from the rendered Deployment, denies a bad Gateway', async () => {
    const manifest = parseManifests(
      (await env.helm(['get', 'manifest', release, '-n', namespace])).stdout,
    );
    const deployment = findOne(manifest, 'Deployment');
    const pod = { name: `${release}-7d4b9c-x2x5q`, namespace };

    // The kubelet's part: the TLS Secret as files where the Deployment mounts it.
    const secret = await getJson(['secret', `${release}-webhook-tls`, '-n', namespace]);
    const tlsDir = join(dir, 'tls');
    await mkdir(tlsDir);
    for (const [key, value] of Object.entries(secret['data'] as Record<string, string>)) {
      await writeFile(join(tlsDir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
    }
    const webhook = localCommand(container(deployment, 'webhook'), pod, { tls: tlsDir });
    assert.ok(webhook.argv.includes(`--tls-cert-file=${tlsDir}/tls.crt`), webhook.argv.join(' '));
    // Bound to loopback here (in a pod the default 0.0.0.0 is the pod's own address).
    const webhookProcess = startNode([...webhook.argv, '--host=127.0.0.1'], webhook.env);
    processes.push(webhookProcess);
    await eventually(
      'the webhook to report ready',
      async () => {
        if (webhookProcess.child.exitCode !== null) {
          throw new Error(`webhook exited: ${webhookProcess.output()}`);
        }
        const res = await fetch(`http://127.0.0.1:${ports.webhookMetrics}/readyz`).catch(
          () => undefined,
        );
        return res?.status === 200 ? true : undefined;
      },
      20_000,
    );

    const denied = await eventually('our verdict', async () => {
      const result = await apply(
        gateway('weighted', {
          [`${PREFIX}set-identifier`]: 'blue',
          [`${PREFIX}aws-weight`]: '300',
        }),
      );
      return /failed calling webhook/.test(result.stderr) ? undefined : result;
    });
    assert.notEqual(denied.code, 0, 'refused');
    assert.match(
      denied.stderr,
      new RegExp(
        `admission webhook "(mutate|validate)\\.aws-controller\\.tetrate\\.io" denied the request: Gateway ${appNamespace}/weighted: aws-weight: '300' is out of range: must be an integer from 0 to 255`,
      ),
    );

    const good = await apply(
      gateway('good', { [`${PREFIX}ttl`]: '5m', [`${PREFIX}hostname`]: 'Shop.Example.com.' }),
    );
    assert.equal(good.code, 0, good.stderr);
    const stored = await getJson(['gateways.networking.istio.io', 'good', '-n', appNamespace]);
    assert.equal(stored.metadata.annotations?.[`${PREFIX}ttl`], '300', 'mutated to normal form');
    assert.equal(stored.metadata.annotations?.[`${PREFIX}hostname`], 'shop.example.com');

    // An object without our keys is admitted without the webhook being asked at all.
    const requests = async () => {
      const text = await (await fetch(`http://127.0.0.1:${ports.webhookMetrics}/metrics`)).text();
      return [
        ...text.matchAll(/^aws_controller_admission_requests_total\{[^}]*\} (\d+)$/gm),
      ].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const asked = await requests();
    assert.ok(asked >= 3, `the webhook answered the apiserver (${asked} requests)`);
    const plain = await apply(gateway('plain', { team: 'bookinfo' }));
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(await requests(), asked, 'not sent to the webhook');

    // The migration mistake: only an external-dns hostname. Admitted, with the warning printed
    // by kubectl (sent on the fail-open entry).
    const migrated = await apply(
      gateway('migrated', { 'external-dns.alpha.kubernetes.io/hostname': 'shop.example.com' }),
    );
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(
      migrated.stderr,
      new RegExp(
        `Warning: Gateway ${appNamespace}/migrated: external-dns\\.alpha\\.kubernetes\\.io/hostname is an external-dns annotation, which aws-controller does not read: use ${PREFIX.replace(/\./g, '\\.')}hostname instead`,
      ),
    );
    assert.equal(await requests(), asked + 1, 'validated once, not mutated');
  });

  it('the syncer, started from the rendered Deployment as the chart’s service account, writes Route 53', async () => {
    const manifest = parseManifests(
      (await env.helm(['get', 'manifest', release, '-n', namespace])).stdout,
    );
    const deployment = findOne(manifest, 'Deployment');
    const syncer = container(deployment, 'syncer');
    const pod = { name: `${release}-7d4b9c-x2x5q`, namespace };
    const command = localCommand(syncer, pod, {});
    assert.equal(command.argv[1], 'syncer');
    assert.equal(flag(syncer, 'route53-endpoint'), env.route53Endpoint);
    assert.equal(flag(syncer, 'domain-filter'), 'tse.tetratelabs.io');
    assert.equal(flag(syncer, 'policy'), 'UPSERT_ONLY');
    assert.equal(flag(syncer, 'leader-election-namespace'), namespace);
    // The measured runtime settings (values.yaml): Node accepts them in NODE_OPTIONS, and the
    // syncer started below runs with them.
    assert.deepEqual(command.env, {
      POD_NAME: pod.name,
      POD_NAMESPACE: namespace,
      NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=2',
      LD_PRELOAD: '/usr/local/lib/libjemalloc.so.2',
      MALLOC_CONF:
        'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2,tcache:false',
    });
    assert.ok(command.argv.includes('--optimize-for-size'), command.argv.join(' '));
    assert.ok(command.argv.includes('--flush-start-up-code'), command.argv.join(' '));
    const ownerId = flag(syncer, 'owner-id');
    const kubeSystem = await getJson(['namespace', 'kube-system']);
    assert.equal(
      ownerId,
      defaultOwnerId({ release, namespace, clusterUid: kubeSystem.metadata.uid ?? '' }),
      'the chart derives the owner ID by the rule plan and syncer use',
    );

    // The kubelet's part: the service account's token (the Deployment mounts one for the
    // syncer alone), here in a kubeconfig, so the syncer runs with exactly the chart's RBAC.
    const token = (
      await env.kubectl([
        'create',
        'token',
        deploymentSpec(deployment).template.spec.serviceAccountName ?? '',
        '-n',
        namespace,
      ])
    ).stdout.trim();
    const kubeconfig = join(dir, 'syncer-kubeconfig');
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'e2e',
            cluster: { server: env.apiserverUrl, 'certificate-authority': env.state.caCert },
          },
        ],
        users: [{ name: 'syncer', user: { token } }],
        contexts: [{ name: 'syncer', context: { cluster: 'e2e', user: 'syncer', namespace } }],
        'current-context': 'syncer',
      }),
      { mode: 0o600 },
    );
    // A zone of our own inside the seed's domain filter, and a Gateway publishing a name in it.
    const zone = `${RUN}.tse.tetratelabs.io`;
    const created = await env
      .route53()
      .send(new CreateHostedZoneCommand({ Name: zone, CallerReference: `chart-e2e-${RUN}` }));
    const zoneId = created.HostedZone?.Id ?? '';
    const published = await apply({
      ...gateway('published', {
        [`${PREFIX}target`]: '203.0.113.10',
        [`${PREFIX}ttl`]: '60',
      }),
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [`shop.${zone}`] },
        ],
      },
    });
    assert.equal(published.code, 0, published.stderr);

    const syncerProcess = startNode(
      [...command.argv, `--kubeconfig=${kubeconfig}`, '--host=127.0.0.1'],
      {
        ...command.env,
        // Credentials for moto; in a pod they come from IRSA or Pod Identity.
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_EC2_METADATA_DISABLED: 'true',
        HOME: dir,
      },
    );
    processes.push(syncerProcess);
    await eventually(
      'the syncer to report ready',
      async () => {
        if (syncerProcess.child.exitCode !== null) {
          throw new Error(`syncer exited: ${syncerProcess.output()}`);
        }
        const res = await fetch(`http://127.0.0.1:${ports.syncerMetrics}/readyz`).catch(
          () => undefined,
        );
        return res?.status === 200 ? true : undefined;
      },
      30_000,
    );

    const records = await eventually(
      'the record and its ownership TXT in Route 53',
      async () => {
        const listed = await env
          .route53()
          .send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
        const sets = listed.ResourceRecordSets ?? [];
        const a = sets.find((r) => r.Type === 'A' && r.Name === `shop.${zone}.`);
        const txt = sets.find((r) => r.Type === 'TXT' && r.Name === `a-shop.${zone}.`);
        return a && txt ? { a, txt } : undefined;
      },
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; syncer output:\n${syncerProcess.output()}`, {
        cause: err,
      });
    });
    assert.deepEqual(records.a.ResourceRecords, [{ Value: '203.0.113.10' }]);
    assert.equal(records.a.TTL, 60);
    assert.equal(
      records.txt.ResourceRecords?.[0]?.Value,
      `"heritage=aws-controller,aws-controller/owner=${ownerId},aws-controller/resource=gateway/${appNamespace}/published"`,
    );
    // The chart's RBAC was enough for everything it did (watches, discovery, Lease, Events).
    assert.doesNotMatch(syncerProcess.output(), /forbidden/i);
    // V8 knows every flag the chart's options set (it names one it does not, and goes on).
    assert.doesNotMatch(syncerProcess.output(), /unrecognized flag/i);
    // It holds the Lease the chart's Role lets it renew, in the release namespace.
    const lease = await getJson(['lease', `${release}-syncer`, '-n', namespace]);
    assert.match(
      (lease['spec'] as { holderIdentity?: string }).holderIdentity ?? '',
      new RegExp(`^${pod.name}`),
    );
  });
});
