// Several clusters, one AWS account: 1, 2 and 4 syncers, each in its own kube-apiserver (with
// its own etcd, owner ID and cluster identity), all against one moto behind the strictness
// proxy, which keeps the account's 5 requests/s (burst 5) over every client together. Each
// cluster gets the same manifests at the same moment — N Gateways, one host each, spread over
// the zones, `aws-weight: 1` so the clusters' records form one weighted set — and the run
// reports, per syncer count: the calls and throttled calls to converge, how long until every
// cluster's every record was accepted, the account's peak calls in a second, and then, at
// rest, the calls each cluster still makes (the drift check). A last part measures one
// cluster at rest over many zones for a whole drift interval: the share of the account's
// limit a cluster costs when nothing changes.
//
// Each syncer talks to Route 53 through its own tap (route53-tap.ts) in front of the proxy,
// so calls, throttled answers and accepted records are counted per cluster without polling
// moto; the proxy's own stats give the account's totals.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultStateFile, startEnvironment, stopEnvironment } from '../env/lifecycle.js';
import type { ClusterState, EnvironmentState } from '../env/state.js';
import { ENV_VARIABLE, getTestEnvironment, type TestEnvironment } from '../helpers/environment.js';
import { syncer, type RunningController } from './controllers.js';
import { inParallel, ISTIO, KubeApi } from './kube-api.js';
import { describeRun, fmt, table, type RunInfo } from './report.js';
import { peakCalls, startTap, within, type Tap } from './route53-tap.js';
import { cleanNamespace, freshZones, gateway, ingressService, zoneName } from './workload.js';

export interface ClustersOptions {
  /** Syncer counts to compare (each ≤ the clusters the environment has). */
  readonly counts: readonly number[];
  /** Gateways (one host each) applied to every cluster. */
  readonly gateways: number;
  readonly zones: number;
  /** Seconds at rest after convergence, counted per cluster. */
  readonly restSeconds: number;
  /** The at-rest part: this many zones, one cluster, one whole drift interval (0: skip). */
  readonly restZones: number;
  readonly restIntervalSeconds: number;
  readonly log: (line: string) => void;
}

const DOMAIN = 'clusters.example';
const NAMESPACE = 'bench-clusters';
const PREFIX = 'route53.v1beta1.tetrate.io/';
const CONVERGE_TIMEOUT_MS = 30 * 60_000;
/** A syncer's start-up listing is over once it has been quiet this long. */
const STARTUP_QUIET_MS = 3_000;
const ACCOUNT_RATE = 5;

/** Each cluster's ingress address: its records in the weighted set point here. */
const addressOf = (index: number): string => `198.51.100.${10 + index}`;

interface Member {
  readonly index: number;
  readonly cluster: ClusterState;
  readonly kube: KubeApi;
  readonly tap: Tap;
  readonly syncer: RunningController;
}

interface CountResult {
  readonly syncers: number;
  readonly startupSeconds: number;
  readonly convergeSeconds: number;
  /** Per cluster: seconds from the apply to its last record accepted. */
  readonly perClusterSeconds: number[];
  readonly calls: number;
  readonly throttled: number;
  readonly callsPerCluster: number[];
  readonly peakPerSecond: number;
  readonly restCallsPerCluster: number[];
  readonly restThrottled: number;
  readonly restSeconds: number;
}

interface RestResult {
  readonly zones: number;
  readonly intervalSeconds: number;
  readonly startupCalls: number;
  readonly startupSeconds: number;
  readonly calls: number;
  readonly throttled: number;
  readonly seconds: number;
  readonly peak1s: number;
  readonly peak10s: number;
}

/** The environment's clusters; one started without --clusters is its own only cluster. */
function clustersOf(state: EnvironmentState): readonly ClusterState[] {
  return state.clusters ?? [{ ...state, name: 'cluster-1', etcdDataDir: '' }];
}

async function openEnvironment(
  clusters: number,
  log: (line: string) => void,
): Promise<{ env: TestEnvironment; close: () => Promise<void> }> {
  if (process.env[ENV_VARIABLE] !== undefined) {
    log(`using the running environment ${process.env[ENV_VARIABLE]}`);
    const env = getTestEnvironment();
    const have = clustersOf(env.state).length;
    if (have < clusters) {
      throw new Error(
        `the running environment has ${have} cluster(s); this run needs ${clusters} (npm run env -- up --clusters ${clusters})`,
      );
    }
    return { env, close: () => Promise.resolve() };
  }
  const stateFile = defaultStateFile('bench-clusters');
  log(`starting a test environment with ${clusters} clusters (${stateFile})`);
  await startEnvironment({ stateFile, owned: true, clusters, log: (l) => log(`env: ${l}`) });
  process.env[ENV_VARIABLE] = stateFile;
  return {
    env: getTestEnvironment(),
    close: async () => {
      delete process.env[ENV_VARIABLE];
      await stopEnvironment(stateFile);
    },
  };
}

async function ensureNamespace(kube: KubeApi): Promise<void> {
  const res = await kube.call('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NAMESPACE },
  });
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`creating namespace ${NAMESPACE} answered ${res.status}`);
  }
}

/**
 * Resolves once the tap has seen at least `calls` calls and then none for STARTUP_QUIET_MS
 * (a start-up listing goes back to back at the syncer's rate, so a pause means it is over).
 */
async function settled(tap: Tap, calls: number, alive: () => string | undefined): Promise<void> {
  const deadline = performance.now() + CONVERGE_TIMEOUT_MS;
  for (;;) {
    const dead = alive();
    if (dead !== undefined) throw new Error(`the syncer ${dead}`);
    const last = tap.calls.at(-1) ?? 0;
    if (tap.calls.length >= calls && performance.now() - last >= STARTUP_QUIET_MS) return;
    if (performance.now() > deadline) {
      throw new Error(`the syncer made ${tap.calls.length} of ${calls} start-up calls`);
    }
    await sleep(250);
  }
}

async function startMembers(
  env: TestEnvironment,
  count: number,
  logDir: string,
  tag: string,
  extraArgs: readonly string[] = [],
): Promise<Member[]> {
  const members: Member[] = [];
  for (const [index, cluster] of clustersOf(env.state).slice(0, count).entries()) {
    const kube = new KubeApi(cluster, 8);
    await ensureNamespace(kube);
    await cleanNamespace(kube, NAMESPACE);
    await ingressService(kube, NAMESPACE, addressOf(index));
    const tap = await startTap(env.route53Endpoint);
    const running = await syncer.start({
      kubeconfig: cluster.kubeconfig,
      route53Endpoint: tap.url,
      leaseNamespace: NAMESPACE,
      logFile: join(logDir, `clusters-${tag}-c${index + 1}.log`),
      virtualServices: false,
      chartRuntime: true,
      ownerId: `bench-c${index + 1}`,
      extraArgs: [
        ...['--cluster-name', `c${index + 1}`],
        ...['--domain-filter', DOMAIN],
        ...['--ingress-namespaces', NAMESPACE],
        ...extraArgs,
      ],
    });
    members.push({ index, cluster, kube, tap, syncer: running });
  }
  // Every syncer lists the zone list (and the zones it plans for) before it has anything to do.
  await Promise.all(members.map((m) => settled(m.tap, 1, () => m.syncer.exited())));
  return members;
}

async function stopMembers(members: readonly Member[]): Promise<void> {
  for (const m of members) {
    await m.syncer.stop();
    await m.tap.close();
    await cleanNamespace(m.kube, NAMESPACE).catch(() => undefined);
    m.kube.close();
  }
}

const between = (times: readonly number[], from: number, to: number): number =>
  within(times, from, to).length;

async function runCount(
  env: TestEnvironment,
  count: number,
  options: ClustersOptions,
  logDir: string,
): Promise<CountResult> {
  const { gateways, zones, log } = options;
  await freshZones(env, DOMAIN, zones);
  const begun = performance.now();
  const members = await startMembers(env, count, logDir, `${count}`);
  try {
    const startupSeconds = (performance.now() - begun) / 1000;
    log(`${count} syncer(s) listed ${zones} zones in ${fmt(startupSeconds)} s`);
    await env.proxy.reset();
    const hosts = Array.from(
      { length: gateways },
      (_, g) => `g${g}.${zoneName(DOMAIN, g % zones)}`,
    );
    const objects = hosts.map((host, g) => {
      const object = gateway(NAMESPACE, `g${g}`, [host]);
      return {
        ...object,
        metadata: { ...object.metadata, annotations: { [`${PREFIX}aws-weight`]: '1' } },
      };
    });
    const start = performance.now();
    // The same manifests into every cluster at once, as a GitOps sync would.
    await Promise.all(
      members.map((m) =>
        inParallel(objects, 8, (o) =>
          m.kube.must('POST', `${ISTIO}/namespaces/${NAMESPACE}/gateways`, o),
        ),
      ),
    );
    log(`applied ${gateways} Gateways to each of ${count} cluster(s)`);
    const done = new Map<number, number>();
    const deadline = start + CONVERGE_TIMEOUT_MS;
    let reported = performance.now();
    while (done.size < members.length) {
      for (const m of members) {
        if (done.has(m.index)) continue;
        const dead = m.syncer.exited();
        if (dead !== undefined) throw new Error(`syncer c${m.index + 1} ${dead}`);
        const times = hosts.map((h) => m.tap.written.get(`A ${h}`));
        if (times.every((t) => t !== undefined)) {
          done.set(m.index, Math.max(...times));
        }
      }
      if (performance.now() > deadline) {
        throw new Error(`not converged after ${CONVERGE_TIMEOUT_MS / 60_000} min`);
      }
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        log(
          members
            .map(
              (m) => `c${m.index + 1}: ${hosts.filter((h) => m.tap.written.has(`A ${h}`)).length}`,
            )
            .join(', ') + ` of ${gateways} accepted`,
        );
      }
      await sleep(250);
    }
    const convergedAt = Math.max(...done.values());
    // The calls trailing the last record (a TXT batch, a listing) still belong to the burst.
    await sleep(5_000);
    const end = performance.now();
    const stats = await env.proxy.stats();
    const allCalls = members.flatMap((m) => m.tap.calls).sort((a, b) => a - b);
    const result = {
      perClusterSeconds: members.map((m) => ((done.get(m.index) ?? end) - start) / 1000),
      convergeSeconds: (convergedAt - start) / 1000,
      calls: stats.total,
      throttled: members.reduce((n, m) => n + between(m.tap.throttled, start, end), 0),
      callsPerCluster: members.map((m) => between(m.tap.calls, start, end)),
      peakPerSecond: peakCalls(allCalls, start, end),
    };
    log(
      `${count} syncer(s): converged in ${fmt(result.convergeSeconds)} s, ${result.calls} calls, ${result.throttled} throttled`,
    );

    // At rest: nothing changes; what each cluster still calls is its drift check.
    const restStart = performance.now();
    await sleep(options.restSeconds * 1000);
    const restEnd = performance.now();
    return {
      syncers: count,
      startupSeconds,
      ...result,
      restCallsPerCluster: members.map((m) => between(m.tap.calls, restStart, restEnd)),
      restThrottled: members.reduce((n, m) => n + between(m.tap.throttled, restStart, restEnd), 0),
      restSeconds: (restEnd - restStart) / 1000,
    };
  } finally {
    await stopMembers(members);
  }
}

async function runRest(
  env: TestEnvironment,
  options: ClustersOptions,
  logDir: string,
): Promise<RestResult> {
  const zones = options.restZones;
  const interval = options.restIntervalSeconds;
  await freshZones(env, DOMAIN, zones);
  const begun = performance.now();
  const members = await startMembers(env, 1, logDir, `rest-${zones}`, [
    '--interval',
    `${interval}s`,
  ]);
  const [member] = members as [Member];
  try {
    const startupSeconds = (performance.now() - begun) / 1000;
    const startupCalls = member.tap.calls.length;
    options.log(
      `1 syncer listed ${zones} zones in ${fmt(startupSeconds)} s (${startupCalls} calls); at rest for ${interval} s`,
    );
    const start = performance.now();
    await sleep(interval * 1000);
    const end = performance.now();
    return {
      zones,
      intervalSeconds: interval,
      startupCalls,
      startupSeconds,
      calls: between(member.tap.calls, start, end),
      throttled: between(member.tap.throttled, start, end),
      seconds: (end - start) / 1000,
      peak1s: peakCalls(member.tap.calls, start, end, 1_000),
      peak10s: peakCalls(member.tap.calls, start, end, 10_000),
    };
  } finally {
    await stopMembers(members);
  }
}

const share = (callsPerSecond: number): string =>
  `${fmt((100 * callsPerSecond) / ACCOUNT_RATE, 2)} %`;

export async function clustersBench(options: ClustersOptions, info: RunInfo): Promise<string> {
  const most = Math.max(...options.counts);
  const { env, close } = await openEnvironment(most, options.log);
  const logDir = env.state.logDir;
  try {
    const results: CountResult[] = [];
    for (const count of options.counts) results.push(await runCount(env, count, options, logDir));
    const rest = options.restZones > 0 ? await runRest(env, options, logDir) : undefined;
    const rows = results.map((r) => {
      const restPerSecond =
        r.restCallsPerCluster.reduce((a, b) => a + b, 0) /
        r.restCallsPerCluster.length /
        r.restSeconds;
      return [
        String(r.syncers),
        fmt(r.convergeSeconds),
        r.perClusterSeconds.map((s) => fmt(s)).join(' / '),
        String(r.calls),
        `${r.throttled} (${fmt(r.calls === 0 ? 0 : (100 * r.throttled) / r.calls, 2)} %)`,
        r.callsPerCluster.join(' / '),
        String(r.peakPerSecond),
        `${r.restCallsPerCluster.join(' / ')} in ${fmt(r.restSeconds)} s`,
        share(restPerSecond),
      ];
    });
    const lines = [
      `## Several clusters, one account: ${options.counts.join(', ')} syncers sharing 5 requests/s`,
      '',
      describeRun(info, [
        `Each syncer in its own kube-apiserver (own etcd), with its own owner ID and \`--cluster-name\`, ` +
          `the chart's runtime flags and its defaults otherwise (\`--rate-limit\` 4, \`--interval\` 10m); ` +
          `one moto behind the proxy keeping the account's ${ACCOUNT_RATE} requests/s, burst 5, over all of them. ` +
          `Every cluster gets the same ${options.gateways} Gateways (one host each, \`aws-weight: 1\`) over ` +
          `${options.zones} zones at the same moment.`,
      ]),
      '',
      '"converged" runs from the apply to the last cluster\'s last record accepted; "calls" and "throttled" ' +
        'count every request of the burst (until 5 s after that) at the proxy and the `Throttling` answers; ' +
        '"peak" is the account\'s most calls in any second. "at rest" counts each cluster\'s calls after ' +
        "convergence, with nothing changing (the drift check), and its share of the account's limit.",
      '',
      table(
        [
          'syncers',
          'converged s',
          'per cluster s',
          'calls',
          'throttled',
          'calls per cluster',
          'peak calls/s',
          'at rest, calls per cluster',
          'at rest, share of 5/s per cluster',
        ],
        rows,
      ),
    ];
    if (rest !== undefined) {
      const perSecond = rest.calls / rest.seconds;
      lines.push(
        '',
        `At rest over ${rest.zones} zones (one cluster, \`--interval ${rest.intervalSeconds}s\`, measured for one whole interval ` +
          `after its start-up listing of ${rest.startupCalls} calls in ${fmt(rest.startupSeconds)} s):`,
        '',
        table(
          [
            'zones',
            'interval s',
            'calls in the interval',
            'per second',
            'share of 5/s',
            'most in 1 s',
            'most in 10 s',
            'throttled',
          ],
          [
            [
              String(rest.zones),
              String(rest.intervalSeconds),
              String(rest.calls),
              fmt(perSecond),
              share(perSecond),
              String(rest.peak1s),
              String(rest.peak10s),
              String(rest.throttled),
            ],
          ],
        ),
      );
    }
    return lines.join('\n');
  } finally {
    await close();
  }
}
