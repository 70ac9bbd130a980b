// aws-controller as Pods on a real node (`env up --node`: containerd, kubelet, kube-proxy,
// controller-manager, scheduler), from the image built from the Dockerfile: the README's
// install command word for word (plus the settings this environment needs, appended), every
// Pod Running and Ready, a bad Gateway denied by the webhook Pod through its Service, a good
// one published by the syncer Pod into moto, the decision readable with the seed's `kubectl
// logs`, a `helm upgrade` rolled without one admission failure, the leader Pod deleted and the
// Lease handed over with the next change still published, and `helm uninstall` leaving no
// webhook configuration behind. Runs only in an environment with a node (run-e2e starts one
// for this file when the machine can, and says in one line why not when it cannot).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CHART_DIR, eventually, removeRelease } from '../helpers/chart.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { createZone, recordLines } from '../helpers/route53-zones.js';
import { repoRoot } from '../env/versions.js';

const PREFIX = 'route53.v1beta1.tetrate.io/';
const RUN = randomBytes(3).toString('hex');
const env = getTestEnvironment();
const node = env.state.node;
const skip =
  node === undefined ? 'needs an environment with a node (`npm run env -- up --node`)' : false;

/** The README's "Install with Helm" block: its commands, continuation lines joined, split into words. */
export function readmeInstallCommands(readme: string): string[][] {
  const section = /## Install with Helm\n+```sh\n([\s\S]*?)```/.exec(readme);
  if (!section?.[1]) throw new Error('README.md has no "## Install with Helm" sh block');
  return section[1]
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      // Shell words: double quotes group and are removed; nothing else is special here.
      [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? ''),
    );
}

/**
 * The memory map of a Pod's syncer process, as this machine sees it (the node runs here): the
 * process whose environment names the Pod and whose command is the syncer.
 */
function syncerProcessMaps(podName: string): string | undefined {
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(`POD_NAME=${podName}`)) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('syncer')) continue;
      return readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch {
      // Gone meanwhile, or a process we may not read: not the one.
    }
  }
  return undefined;
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string; creationTimestamp: string };
  spec: { nodeName?: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; image: string }[];
  };
}

describe('aws-controller as Pods on a real node', { skip }, () => {
  const release = 'aws-controller';
  const namespace = 'istio-system';
  let commands: string[][];
  let image: { repository: string; tag: string };
  let zoneId: string;
  let zone: string;
  let appNamespace: string;
  let installed = false;

  const kubectl = (args: readonly string[], input?: string) =>
    env.kubectl(args, {
      allowFailure: true,
      ...(input !== undefined ? { input } : {}),
      timeoutMs: 120_000,
    });
  const pods = async (): Promise<PodJson[]> => {
    const out = await env.kubectl([
      'get',
      'pods',
      '-n',
      namespace,
      '-l',
      'app=aws-controller',
      '-o',
      'json',
    ]);
    return (JSON.parse(out.stdout) as { items: PodJson[] }).items;
  };
  const ready = (p: PodJson): boolean =>
    p.metadata.deletionTimestamp === undefined &&
    p.status.phase === 'Running' &&
    (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  /** Waits until exactly `count` Pods exist, all Running and Ready, and returns them. */
  const allReady = (count: number, timeoutMs = 180_000) =>
    eventually(
      `${count} aws-controller Pods Running and Ready`,
      async () => {
        const list = await pods();
        return list.length === count && list.every(ready) ? list : undefined;
      },
      timeoutMs,
    ).catch(async (err: unknown) => {
      const described = await kubectl([
        'describe',
        'pods',
        '-n',
        namespace,
        '-l',
        'app=aws-controller',
      ]);
      throw new Error(`${(err as Error).message}\n${described.stdout.slice(-6000)}`, {
        cause: err,
      });
    });
  const gateway = (name: string, host: string, annotations: Record<string, string>) =>
    JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: appNamespace, annotations },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host] }],
      },
    });
  const published = (host: string, target: string) =>
    eventually(
      `${host} published in Route 53`,
      async () => {
        const lines = await recordLines(env, zoneId);
        return lines.includes(`A ${host}. ${target}`) ? lines : undefined;
      },
      90_000,
    );
  const leaseHolder = async (): Promise<string | undefined> => {
    const out = await kubectl(['get', 'lease', `${release}-syncer`, '-n', namespace, '-o', 'json']);
    if (out.code !== 0) return undefined;
    return (JSON.parse(out.stdout) as { spec: { holderIdentity?: string } }).spec.holderIdentity;
  };

  before(async () => {
    assert.ok(node);
    commands = readmeInstallCommands(readFileSync(`${repoRoot()}/README.md`, 'utf8'));
    const [ref] = node.images.filter((i) => !i.includes('/pause:'));
    assert.ok(ref, `the node has no aws-controller image loaded (${node.images.join(', ')})`);
    const at = ref.lastIndexOf(':');
    image = { repository: ref.slice(0, at), tag: ref.slice(at + 1) };
    zone = `${RUN}.tse.tetratelabs.io`;
    zoneId = await createZone(env, zone);
    appNamespace = await env.createNamespace('pods-apps');
    // What the README assumes exists: the namespace, and the ServiceAccount it names (made by
    // `eksctl create iamserviceaccount` on EKS).
    await kubectl(['create', 'namespace', namespace]);
    await kubectl(['create', 'serviceaccount', 'route53-controller', '-n', namespace]);
  });

  after(async () => {
    await removeRelease(env, release, namespace, installed);
  });

  it('installs with the README’s command, word for word, and every Pod runs and is Ready', async () => {
    const [install, getPods] = commands;
    assert.deepEqual(install?.slice(0, 5), [
      'helm',
      'install',
      'aws-controller',
      'charts/aws-controller',
      '-n',
    ]);
    assert.deepEqual(getPods, [
      'kubectl',
      'get',
      'pods',
      '-n',
      'istio-system',
      '-l',
      'app=aws-controller',
    ]);
    assert.ok(install);
    // The README's words, with the chart path made absolute, then what this environment needs:
    // the image built here, Route 53 at the proxy Pods reach, and dummy credentials for moto.
    const args = install.slice(1).map((w) => (w === 'charts/aws-controller' ? CHART_DIR : w));
    const result = await env.helm(
      [
        ...args,
        '--set',
        `image.repository=${image.repository}`,
        '--set',
        `image.tag=${image.tag}`,
        '--set',
        'image.pullPolicy=Never',
        '--set',
        `route53Endpoint=${env.state.route53EndpointForPods ?? ''}`,
        '--set',
        'awsRegion=us-east-1',
        '--set',
        'syncer.env[0].name=AWS_ACCESS_KEY_ID',
        '--set',
        'syncer.env[0].value=test',
        '--set',
        'syncer.env[1].name=AWS_SECRET_ACCESS_KEY',
        '--set',
        'syncer.env[1].value=test',
        // A short debounce so the suite does not wait on it (the default is 1s already).
        '--set',
        'debounce=500ms',
      ],
      { allowFailure: true, timeoutMs: 120_000 },
    );
    installed = true;
    assert.equal(result.code, 0, result.stderr);

    const list = await allReady(2);
    for (const p of list) {
      assert.equal(p.spec.nodeName, node?.name);
      assert.deepEqual((p.status.containerStatuses ?? []).map((c) => [c.name, c.ready]).sort(), [
        ['syncer', true],
        ['webhook', true],
      ]);
      // The chart's allocator (values.yaml: syncer.allocator) is in the image and loaded.
      const maps = syncerProcessMaps(p.metadata.name);
      assert.ok(maps !== undefined, `the syncer process of ${p.metadata.name} on this node`);
      assert.match(maps, /\/usr\/local\/lib\/libjemalloc\.so\.2$/m, 'jemalloc is preloaded');
    }
    // Ready Pods are not yet a routed Service: kube-proxy writes the Service's rules on its own
    // schedule (seconds on a busy node), and until then the apiserver's call to the webhook finds
    // no route. A user's next `kubectl apply` meets the same gap; wait it out as they would.
    await eventually(
      'the webhook answering through its Service',
      async () => {
        const out = await kubectl(
          ['apply', '--dry-run=server', '-f', '-'],
          gateway('probe', `probe.${zone}`, { [`${PREFIX}ttl`]: '60' }),
        );
        if (out.code === 0) return true;
        assert.match(out.stderr, /failed calling webhook/, out.stderr);
        return undefined;
      },
      60_000,
    );
    // The seed's own check, as typed.
    const seen = await env.kubectl(getPods.slice(1));
    for (const p of list) {
      assert.match(
        seen.stdout,
        new RegExp(`^${p.metadata.name}\\s+2/2\\s+Running\\s`, 'm'),
        seen.stdout,
      );
    }
  });

  it('the webhook Pod denies a bad Gateway, called through its Service', async () => {
    const configs = await env.kubectl([
      'get',
      'validatingwebhookconfiguration',
      release,
      '-o',
      'json',
    ]);
    const webhooks = (
      JSON.parse(configs.stdout) as {
        webhooks: {
          clientConfig: { service?: { name: string; namespace: string }; url?: string };
        }[];
      }
    ).webhooks;
    for (const w of webhooks) {
      assert.equal(w.clientConfig.url, undefined);
      assert.equal(w.clientConfig.service?.namespace, namespace);
    }
    const denied = await kubectl(
      ['apply', '-f', '-'],
      gateway('weighted', `weighted.${zone}`, {
        [`${PREFIX}set-identifier`]: 'blue',
        [`${PREFIX}aws-weight`]: '300',
      }),
    );
    assert.notEqual(denied.code, 0, 'refused');
    assert.match(
      denied.stderr,
      new RegExp(
        `admission webhook "(mutate|validate)\\.aws-controller\\.tetrate\\.io" denied the request: Gateway ${appNamespace}/weighted: aws-weight: '300' is out of range`,
      ),
    );
  });

  it('the syncer Pod publishes a good Gateway into Route 53, and the seed’s `kubectl logs` shows it', async () => {
    const applied = await kubectl(
      ['apply', '-f', '-'],
      gateway('shop', `shop.${zone}`, {
        [`${PREFIX}target`]: '203.0.113.10',
        [`${PREFIX}ttl`]: '60',
      }),
    );
    assert.equal(applied.code, 0, applied.stderr);
    const lines = await published(`shop.${zone}`, '203.0.113.10');
    assert.ok(
      lines.some((l) => l.startsWith(`TXT a-shop.${zone}. `)),
      `the ownership TXT beside it: ${lines.join('; ')}`,
    );
    // `kubectl logs -f -n istio-system -l app=aws-controller`, without -f so it returns.
    const logs = await eventually(
      'the record decision in the Pods’ logs',
      async () => {
        const out = await env.kubectl([
          'logs',
          '-n',
          namespace,
          '-l',
          'app=aws-controller',
          '--tail=-1',
        ]);
        return out.stdout.includes(`shop.${zone}`) ? out.stdout : undefined;
      },
      30_000,
    );
    assert.match(
      logs,
      new RegExp(
        `"msg":"record changed".*shop\\.${zone.replace(/\./g, '\\.')}|shop\\.${zone.replace(/\./g, '\\.')}.*"msg":"record changed"`,
      ),
    );
  });

  it('helm upgrade rolls every Pod with no admission failure on the way', async () => {
    const before = new Set((await pods()).map((p) => p.metadata.name));
    const upgrade = env.helm(
      [
        'upgrade',
        release,
        CHART_DIR,
        '-n',
        namespace,
        '--reuse-values',
        '--set-string',
        `podAnnotations.roll=${RUN}`,
      ],
      { allowFailure: true, timeoutMs: 120_000 },
    );
    // Admission requests all through the roll: each must get the webhook's answer.
    const failures: string[] = [];
    let sent = 0;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const list = await pods();
      const rolled =
        list.length === 2 && list.every((p) => ready(p) && !before.has(p.metadata.name));
      if (rolled || Date.now() > deadline) break;
      sent++;
      const out = await kubectl(
        ['apply', '--dry-run=server', '-f', '-'],
        gateway('roll', `roll.${zone}`, { [`${PREFIX}ttl`]: '5m' }),
      );
      if (out.code !== 0) failures.push(out.stderr.trim());
    }
    const result = await upgrade;
    assert.equal(result.code, 0, result.stderr);
    const after = await allReady(2);
    assert.ok(
      after.every((p) => !before.has(p.metadata.name)),
      'every Pod replaced',
    );
    assert.ok(sent >= 5, `admission requests sent during the roll: ${sent}`);
    assert.deepEqual(failures, [], `${failures.length} of ${sent} requests failed during the roll`);
  });

  it('deleting the leader Pod hands the Lease over, and the next change is still published', async () => {
    const holder = await eventually('a Lease holder', leaseHolder, 60_000);
    // The syncer's identity is `<Pod name>_<random>` (a restarted container is a new holder).
    const holderPod = holder.slice(0, holder.lastIndexOf('_'));
    const current = new Set((await pods()).map((p) => p.metadata.name));
    assert.ok(current.has(holderPod), `the holder ${holder} is one of the Pods`);
    const deleted = await kubectl(['delete', 'pod', holderPod, '-n', namespace, '--wait=false']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const next = await eventually(
      'another Pod holding the Lease',
      async () => {
        const h = await leaseHolder();
        return h !== undefined && !h.startsWith(`${holderPod}_`) ? h : undefined;
      },
      90_000,
    );
    assert.notEqual(next, holder);
    const applied = await kubectl(
      ['apply', '-f', '-'],
      gateway('cart', `cart.${zone}`, { [`${PREFIX}target`]: '203.0.113.20' }),
    );
    assert.equal(applied.code, 0, applied.stderr);
    await published(`cart.${zone}`, '203.0.113.20');
    await allReady(2);
  });

  it('helm uninstall leaves no webhook configuration behind', async () => {
    const result = await env.helm(['uninstall', release, '-n', namespace, '--wait'], {
      allowFailure: true,
      timeoutMs: 120_000,
    });
    assert.equal(result.code, 0, result.stderr);
    installed = false;
    const left = await env.kubectl([
      'get',
      'validatingwebhookconfigurations,mutatingwebhookconfigurations',
      '-o',
      'name',
    ]);
    assert.deepEqual(
      left.stdout.split('\n').filter((l) => l.includes('aws-controller')),
      [],
      left.stdout,
    );
    await eventually(
      'the Pods gone',
      async () => ((await pods()).length === 0 ? true : undefined),
      120_000,
    );
    // Route 53 keeps what was published (the README's uninstall section says so).
    assert.ok((await recordLines(env, zoneId)).includes(`A shop.${zone}. 203.0.113.10`));
  });
});
