// The chart's `domainPolicy` in a real kube-apiserver, end to end: a release of its own,
// installed with helm, reserving a name for one namespace; its ConfigMap read back from the
// apiserver and projected into a folder as the kubelet would; the webhook started from the
// rendered Deployment with that folder where the Deployment mounts it; and the installed
// webhook configurations calling it. A plain Gateway (none of our annotations) claiming the name
// from another namespace is denied through the fail-open policy entry, an annotated one through
// the fail-closed entry; a `helm upgrade` that moves the name, projected anew, changes the
// verdicts of the same webhook process; and with the webhook down, the plain Gateway goes in
// while the annotated one is still refused, so the policy entry widened nothing that fails
// closed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { getTestEnvironment } from '../helpers/environment.js';
import {
  CHART_DIR,
  container,
  eventually,
  findOne,
  flag,
  freePort,
  localCommand,
  parseManifests,
  startNode,
  webhooksOf,
  type KubeObject,
  type RunningProcess,
  removeRelease,
} from '../helpers/chart.js';
import { writeConfigMapVolume } from '../helpers/configmap-volume.js';

const env = getTestEnvironment();
const PREFIX = 'route53.v1beta1.tetrate.io/';
const RUN = randomBytes(3).toString('hex');
const POLICY_FILE = '/etc/aws-controller/domain-policy/domain-policy.yaml';

describe('the chart’s domainPolicy in a real kube-apiserver', () => {
  // Its own release (and so its own cluster-scoped objects), apart from chart.test.ts's.
  const release = `aws-controller-policy-${RUN}`;
  const label = `chart-policy-${RUN}`;
  const shop = `shop.${RUN}.example.com`;
  let namespace: string;
  let teamA: string;
  let teamB: string;
  let dir: string;
  let valuesFile: string;
  let policyDir: string;
  let ports: { webhook: number; webhookMetrics: number; syncerMetrics: number };
  let webhook: RunningProcess | undefined;
  let installed = false;

  const gateway = (name: string, inNamespace: string, annotations: Record<string, string>) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: inNamespace, annotations },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [shop] }],
    },
  });
  /** No key of ours: only the policy entry (failurePolicy Ignore) sends it to the webhook. */
  const plain = (name: string, inNamespace: string) => gateway(name, inNamespace, { team: 'shop' });
  /** A key of ours: the fail-closed entry sends it. */
  const annotated = (name: string, inNamespace: string) =>
    gateway(name, inNamespace, { [`${PREFIX}ttl`]: '300' });
  const apply = (object: unknown) =>
    env.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object), allowFailure: true });
  const getJson = async (args: readonly string[]) =>
    JSON.parse((await env.kubectl(['get', ...args, '-o', 'json'])).stdout) as KubeObject;
  const policyValues = (namespaces: string[]) => [
    '--set',
    `domainPolicy.domains[0].domain=${shop}`,
    '--set',
    `domainPolicy.domains[0].namespaces={${namespaces.join(',')}}`,
  ];
  /** The webhook's denial through `entry`: `validate` (fail-closed) or `policy.validate`. */
  const denial = (entry: string, name: string, inNamespace: string, allowed: string) =>
    new RegExp(
      `admission webhook "${entry.replace(/\./g, '\\.')}\\.aws-controller\\.tetrate\\.io" denied the request: Gateway ${inNamespace}/${name}: ${shop.replace(/\./g, '\\.')} may be published only from namespace ${allowed} \\(domain policy entry ${shop.replace(/\./g, '\\.')}\\), not from namespace ${inNamespace}`,
    );
  /** The kubelet's part: the ConfigMap as the apiserver has it, projected into the folder. */
  const projectPolicy = async () => {
    const configMap = await getJson(['configmap', `${release}-domain-policy`, '-n', namespace]);
    await writeConfigMapVolume(policyDir, configMap['data'] as Record<string, string>);
  };

  before(async () => {
    // Our webhook configurations select only namespaces with this label, so the other suites
    // sharing the apiserver never meet them.
    namespace = await env.createNamespace('chart-policy', { 'aws-controller-chart-e2e': label });
    teamA = await env.createNamespace('team-a', { 'aws-controller-chart-e2e': label });
    teamB = await env.createNamespace('team-b', { 'aws-controller-chart-e2e': label });
    dir = await mkdtemp(join(tmpdir(), 'chart-policy-e2e-'));
    policyDir = join(dir, 'domain-policy');
    ports = {
      webhook: await freePort(),
      webhookMetrics: await freePort(),
      syncerMetrics: await freePort(),
    };
    valuesFile = join(dir, 'values.yaml');
    await writeFile(
      valuesFile,
      stringify({
        ownerId: `chart-policy-${RUN}`,
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
    await webhook?.stop();
    await removeRelease(env, release, namespace, installed);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('denies a plain Gateway claiming a reserved name, follows a ConfigMap change without a restart, and fails open only for objects without our keys', async () => {
    installed = true; // from here on, `after` uninstalls (also after a partial install)
    const install = await env.helm([
      'install',
      release,
      CHART_DIR,
      '-n',
      namespace,
      '-f',
      valuesFile,
      ...policyValues([teamA]),
    ]);
    assert.match(install.stdout, /STATUS: deployed/);
    const hooks = webhooksOf(await getJson(['validatingwebhookconfiguration', release]));
    assert.deepEqual(
      hooks.map((w) => `${w.name} ${w.failurePolicy} ${w.clientConfig.url}`),
      [
        `validate.aws-controller.tetrate.io Fail https://127.0.0.1:${ports.webhook}/validate`,
        `policy.validate.aws-controller.tetrate.io Ignore https://127.0.0.1:${ports.webhook}/validate`,
      ],
    );

    // The kubelet's part: the TLS Secret's files and the policy ConfigMap's volume, where the
    // rendered Deployment mounts them.
    const deployment = findOne(
      parseManifests((await env.helm(['get', 'manifest', release, '-n', namespace])).stdout),
      'Deployment',
    );
    const secret = await getJson(['secret', `${release}-webhook-tls`, '-n', namespace]);
    const tlsDir = join(dir, 'tls');
    await mkdir(tlsDir);
    for (const [key, value] of Object.entries(secret['data'] as Record<string, string>)) {
      await writeFile(join(tlsDir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
    }
    await projectPolicy();
    const spec = container(deployment, 'webhook');
    assert.equal(flag(spec, 'domain-policy'), POLICY_FILE);
    const command = localCommand(
      spec,
      { name: `${release}-5f6d7c-q8w2e`, namespace },
      { tls: tlsDir, 'domain-policy': policyDir },
    );
    assert.ok(
      command.argv.includes(`--domain-policy=${policyDir}/domain-policy.yaml`),
      command.argv.join(' '),
    );
    // Bound to loopback here (in a pod the default 0.0.0.0 is the pod's own address).
    const server = startNode([...command.argv, '--host=127.0.0.1'], command.env);
    webhook = server;
    await eventually(
      'the webhook to report ready',
      async () => {
        if (server.child.exitCode !== null) {
          throw new Error(`webhook exited: ${server.output()}`);
        }
        const res = await fetch(`http://127.0.0.1:${ports.webhookMetrics}/readyz`).catch(
          () => undefined,
        );
        return res?.status === 200 ? true : undefined;
      },
      20_000,
    );
    const pid = server.child.pid;

    // A plain Gateway in team B claiming team A's name: denied with the policy's message. The
    // apiserver loads new webhook configurations asynchronously, and the entry fails open, so
    // until it calls the webhook the Gateway would go in: retry on a fresh name each time.
    let attempt = 0;
    const denied = await eventually(
      'the policy entry to call the webhook',
      async () => {
        const name = `plain-b-${(attempt += 1)}`;
        const result = await apply(plain(name, teamB));
        if (result.code === 0) return undefined;
        return { name, result };
      },
      30_000,
    );
    assert.match(
      denied.result.stderr,
      denial('policy.validate', denied.name, teamB, teamA),
      denied.result.stderr,
    );

    const inA = await apply(plain('plain-a', teamA));
    assert.equal(inA.code, 0, inA.stderr);
    const ours = await apply(annotated('ours-b', teamB));
    assert.notEqual(ours.code, 0, 'an annotated Gateway in team B is refused too');
    assert.match(ours.stderr, denial('validate', 'ours-b', teamB, teamA));
    const oursInA = await apply(annotated('ours-a', teamA));
    assert.equal(oursInA.code, 0, oursInA.stderr);

    // The name moves to team B: helm upgrade changes the ConfigMap, the kubelet projects it
    // anew (a new folder swapped in by rename), and the running webhook picks it up.
    await env.helm([
      'upgrade',
      release,
      CHART_DIR,
      '-n',
      namespace,
      '-f',
      valuesFile,
      ...policyValues([teamB]),
    ]);
    await projectPolicy();
    const admitted = await eventually(
      'the webhook to apply the changed policy',
      async () => {
        const result = await apply(plain('plain-b', teamB));
        return result.code === 0 ? result : undefined;
      },
      45_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; webhook output:\n${server.output()}`, {
        cause: err,
      });
    });
    assert.equal(admitted.code, 0);
    const nowDenied = await apply(plain('plain-a-2', teamA));
    assert.notEqual(nowDenied.code, 0, 'team A lost the name');
    assert.match(nowDenied.stderr, denial('policy.validate', 'plain-a-2', teamA, teamB));
    assert.equal(server.child.exitCode, null, 'never restarted');
    assert.equal(server.child.pid, pid);
    assert.match(server.output(), /"msg":"domain policy changed"/);

    // The webhook down: the policy entry fails open, so the plain Gateway it denied a moment
    // ago goes in; an object with our keys is refused as before, and no more.
    await server.stop();
    const whileDown = await eventually('the webhook to be unreachable', async () => {
      const result = await apply(annotated('ours-a-down', teamA));
      return /failed calling webhook "(mutate|validate)\.aws-controller\.tetrate\.io"/.test(
        result.stderr,
      )
        ? result
        : undefined;
    });
    assert.notEqual(whileDown.code, 0, 'fails closed for our keys');
    const plainDown = await apply(plain('plain-a-2', teamA));
    assert.equal(plainDown.code, 0, plainDown.stderr);
  });
});
