// Bringing the whole environment up (build what is missing, start etcd, kube-apiserver, moto
// and the Route 53 proxy, install the CRDs) and down again. A failed or interrupted start
// stops whatever it had started before it throws.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createClusterPki, startApiserver, startEtcd, writeKubeconfig } from './cluster.js';
import type { ApiserverNodeFlags, ClusterPki } from './cluster.js';
import { ensureComponents, ensureNodeBinaries } from './components.js';
import {
  createNodePki,
  nodeUnavailableReason,
  prepareNodeHost,
  removeNode,
  startNode,
} from './node.js';
import type { NodeBinaries, NodePki, NodeState } from './node.js';
import type { NodeLeftovers } from './node-teardown.js';
import { NODE_NETWORK } from './node-network.js';
import { applyCrds, servedResourcesOf, waitUntilServed } from './crds.js';
import { freePorts, isRunning, liveProcesses, selfRecord, stopProcess } from './processes.js';
import type { ProcessRecord, Started } from './processes.js';
import { startMoto, startRoute53Proxy } from './route53.js';
import { readState, STATE_VERSION, writeState } from './state.js';
import type { ClusterState, EnvironmentState } from './state.js';
import { repoRoot } from './versions.js';
import { DEFAULT_RATE, describeRate, parseRate } from '../route53-proxy/rate-limit.js';

export interface StartOptions {
  readonly stateFile: string;
  /** Progress lines (stderr by default: stdout is for the JSON). */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Record this process as the owner that will stop the environment (run-e2e). */
  readonly owned?: boolean;
  /**
   * How many kube-apiservers to start, each with its own etcd, PKI, kubeconfig and CRDs, all
   * sharing moto and the proxy (several clusters, one AWS account). Default 1.
   */
  readonly clusters?: number;
  /**
   * The Route 53 proxy's account rate limit: "N", "N/BURST" or "off"; default: the proxy's
   * (Route 53's 5/s, burst 5; test/route53-proxy/rate-limit.ts), or $AWS_CONTROLLER_TEST_ROUTE53_RATE.
   */
  readonly route53Rate?: string;
  /**
   * Add a node (containerd, kubelet, kube-proxy, kube-controller-manager, kube-scheduler) and
   * import these image archives into it (node.ts). Needs root; one per machine.
   */
  readonly node?: { readonly imageArchives: readonly string[] };
}

export const MAX_CLUSTERS = 4;

interface StartedCluster {
  readonly cluster: ClusterState;
  readonly started: Started[];
  readonly pki: ClusterPki;
}

/** What a cluster that hosts the node does differently (node.ts). */
interface ClusterNodeSetup {
  /** Extra addresses the apiserver's serving certificate names. */
  readonly sans: readonly string[];
  /** After the cluster's PKI exists, before its apiserver starts: the apiserver's node flags. */
  prepare(pki: ClusterPki, pkiDir: string): Promise<ApiserverNodeFlags>;
}

/**
 * One cluster: etcd, kube-apiserver, kubeconfig, CRDs installed and served. The first keeps
 * the paths and process names a single-cluster environment always had; the others live in
 * `cluster-<n>/` and their processes are named `etcd-cluster-<n>`, `kube-apiserver-cluster-<n>`.
 */
async function startCluster(
  index: number,
  [etcdPort, peerPort, apiPort]: [number, number, number],
  components: Awaited<ReturnType<typeof ensureComponents>>,
  where: {
    dir: string;
    logDir: string;
    log: (line: string) => void;
    since: () => string;
    signal: AbortSignal | undefined;
    node?: ClusterNodeSetup;
  },
): Promise<StartedCluster> {
  const { dir, logDir, log, since, signal, node } = where;
  const name = `cluster-${index}`;
  const home = index === 1 ? dir : join(dir, name);
  const suffix = index === 1 ? '' : `-${name}`;
  const pkiDir = join(home, 'pki');
  const pki = await step(
    'creating certificates',
    createClusterPki(pkiDir, node?.sans ?? []),
    signal,
  );
  const nodeFlags = node && (await node.prepare(pki, pkiDir));
  const etcdDataDir = join(home, 'etcd-data');
  const etcd = await step(
    `starting etcd${suffix}`,
    startEtcd({
      binary: components.etcd,
      dataDir: etcdDataDir,
      logDir,
      clientPort: etcdPort,
      peerPort,
      name: `etcd${suffix}`,
    }),
    signal,
  );
  log(`etcd${suffix} ready at ${etcd.url} (${since()})`);
  const apiserver = await step(
    `starting kube-apiserver${suffix}`,
    startApiserver({
      binary: components.kubeApiserver,
      etcdUrl: etcd.url,
      port: apiPort,
      pki,
      logDir,
      name: `kube-apiserver${suffix}`,
      ...(nodeFlags && { node: nodeFlags }),
    }),
    signal,
  );
  log(`kube-apiserver${suffix} ready at ${apiserver.url} (${since()})`);

  const kubeconfig = join(home, 'kubeconfig');
  await writeKubeconfig(kubeconfig, apiserver.url, pki);
  await step(
    `installing CRDs${suffix}`,
    applyCrds({ kubectl: components.kubectl, kubeconfig, files: components.crdFiles }),
    signal,
  );
  const tls = {
    ca: await readFile(pki.ca.certFile),
    cert: await readFile(pki.admin.certFile),
    key: await readFile(pki.admin.keyFile),
  };
  await step(
    'waiting for CRDs to be served',
    waitUntilServed({
      apiserverUrl: apiserver.url,
      tls,
      resources: await servedResourcesOf(components.crdFiles),
      timeoutMs: 60_000,
    }),
    signal,
  );
  log(`CRDs served${index === 1 ? '' : ` in ${name}`} (${since()})`);
  return {
    cluster: {
      name,
      kubeconfig,
      apiserverUrl: apiserver.url,
      caCert: pki.ca.certFile,
      clientCert: pki.admin.certFile,
      clientKey: pki.admin.keyFile,
      etcdUrl: etcd.url,
      etcdDataDir,
    },
    started: [etcd.started, apiserver.started],
    pki,
  };
}

export const ROUTE53_RATE_VARIABLE = 'AWS_CONTROLLER_TEST_ROUTE53_RATE';

export function defaultStateFile(name = 'default'): string {
  return join(repoRoot(), '.env-state', name, 'state.json');
}

/** Runs a step, abandoning it (not waiting for it) as soon as the signal aborts. */
async function step<T>(what: string, work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined); // its failure after an abort has nobody left to tell
  let fail: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    fail = (): void => reject(new Error(`interrupted while ${what}`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } finally {
    // One listener per step would pile up past Node's warning limit with several clusters.
    if (fail !== undefined) signal.removeEventListener('abort', fail);
  }
}

/** Stops recorded processes in reverse start order; collects failures instead of stopping early. */
export async function stopAll(records: readonly ProcessRecord[]): Promise<string[]> {
  const failures: string[] = [];
  for (const record of [...records].reverse()) {
    try {
      await stopProcess(record);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  return failures;
}

/** True when the state file names at least one process that is still running. */
export async function runningState(stateFile: string): Promise<EnvironmentState | undefined> {
  if (!existsSync(stateFile)) return undefined;
  try {
    const state = await readState(stateFile);
    return state.processes.some((p) => isRunning(p)) ? state : undefined;
  } catch {
    return undefined;
  }
}

export async function startEnvironment(options: StartOptions): Promise<EnvironmentState> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[env] ${line}\n`));
  const stateFile = resolve(options.stateFile);
  // Checked before anything starts: a typo must not cost a minute of startup.
  const route53Rate = describeRate(
    parseRate(
      options.route53Rate ?? process.env[ROUTE53_RATE_VARIABLE] ?? describeRate(DEFAULT_RATE),
    ),
  );
  const { signal } = options;
  const already = await runningState(stateFile);
  if (already) {
    throw new Error(
      `an environment is already running (state ${stateFile}, pids ${Object.values(already.pids).join(', ')}); ` +
        'stop it first with `npm run env -- down`',
    );
  }
  const count = options.clusters ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_CLUSTERS) {
    throw new Error(`clusters must be a whole number from 1 to ${MAX_CLUSTERS}, got ${count}`);
  }
  const before = new Set(liveProcesses().map((p) => p.pid));
  const begun = Date.now();
  const since = (): string => `${((Date.now() - begun) / 1000).toFixed(1)}s`;
  let nodeHost: NodeLeftovers | undefined;
  try {
    if (options.node) {
      const reason = await step('checking the node’s needs', nodeUnavailableReason(), signal);
      if (reason !== undefined) throw new Error(`cannot run a node here: ${reason}`);
    }
    const components = await step('building components', ensureComponents(), signal);
    let nodeBinaries: NodeBinaries | undefined;
    if (options.node) {
      nodeBinaries = await step('building the node binaries', ensureNodeBinaries(), signal);
    }
    log(`components ready (${since()})`);

    const dir = dirname(stateFile);
    await rm(dir, { recursive: true, force: true });
    const logDir = join(dir, 'logs');
    await mkdir(logDir, { recursive: true });

    // Every port at once: asked for one by one, a port handed out but not yet bound (moto's,
    // while it starts) could be handed out again.
    const [motoPort, proxyPort, ...clusterPorts] = (await freePorts(2 + 3 * count)) as [
      number,
      number,
      ...number[],
    ];
    // The node belongs to the first cluster: its apiserver's certificate names the host's end
    // of the node's veth, and it is told how to reach the kubelet.
    let nodePki: NodePki | undefined;
    const nodeSetup: ClusterNodeSetup | undefined = options.node && {
      sans: [NODE_NETWORK.hostIp],
      prepare: async (pki, pkiDir) => {
        const made = await step(
          'creating the node certificates',
          createNodePki(pki, pkiDir),
          signal,
        );
        nodePki = made;
        nodeHost = await step(
          'preparing the node network',
          prepareNodeHost({ dir, stateFile, log }),
          signal,
        );
        log(`node network ${NODE_NETWORK.netns} made (${since()})`);
        return {
          advertiseAddress: NODE_NETWORK.hostIp,
          kubeletClient: made.apiserverKubeletClient,
        };
      },
    };
    // moto starts alongside the clusters: it has nothing to wait for.
    const motoStart = startMoto({ python: components.motoPython, port: motoPort, logDir });
    motoStart.catch(() => undefined);
    // One after another: two cores cannot start two apiservers at once much faster.
    const clusters: StartedCluster[] = [];
    for (let index = 1; index <= count; index++) {
      const ports = clusterPorts.slice(3 * (index - 1), 3 * index) as [number, number, number];
      clusters.push(
        await startCluster(index, ports, components, {
          dir,
          logDir,
          log,
          since,
          signal,
          ...(index === 1 && nodeSetup && { node: nodeSetup }),
        }),
      );
    }
    const [first] = clusters as [StartedCluster, ...StartedCluster[]];
    const main = first.cluster;

    const moto = await step('starting moto', motoStart, signal);
    const proxy = await step(
      'starting the Route 53 proxy',
      startRoute53Proxy({
        motoUrl: moto.url,
        port: proxyPort,
        logDir,
        rate: route53Rate,
        allAddresses: !!options.node,
      }),
      signal,
    );
    log(`moto at ${moto.url}, Route 53 proxy at ${proxy.url} (${since()})`);
    log(`Route 53 account rate limit: ${route53Rate}`);

    const started: Started[] = [...clusters.flatMap((c) => c.started), moto.started, proxy.started];
    let node: NodeState | undefined;
    if (options.node && nodeBinaries && nodePki && nodeHost) {
      node = await step(
        'starting the node',
        startNode(
          {
            binaries: nodeBinaries,
            pki: first.pki,
            nodePki,
            dir,
            logDir,
            stateFile,
            apiserverPort: clusterPorts[2] as number,
            imageArchives: options.node.imageArchives,
            log,
            onStarted: (s) => started.push(s),
          },
          nodeHost,
        ),
        signal,
      );
    }
    const state: EnvironmentState = {
      stateVersion: STATE_VERSION,
      stateFile,
      dir,
      logDir,
      startedAt: new Date().toISOString(),
      kubeconfig: main.kubeconfig,
      kubectl: components.kubectl,
      helm: components.helm,
      apiserverUrl: main.apiserverUrl,
      caCert: main.caCert,
      clientCert: main.clientCert,
      clientKey: main.clientKey,
      etcdUrl: main.etcdUrl,
      ...(count > 1 && { clusters: clusters.map((c) => c.cluster) }),
      route53Endpoint: proxy.url,
      motoEndpoint: moto.url,
      route53ProxyControl: `${proxy.url}/__proxy`,
      route53Rate,
      ...(node
        ? {
            node,
            route53EndpointForPods: `http://${node.hostIp}:${proxyPort}`,
          }
        : {}),
      versions: components.versions,
      crdFiles: components.crdFiles,
      ...(options.owned ? { owner: selfRecord() } : {}),
      pids: Object.fromEntries(started.map((s) => [s.record.name, s.record.pid])),
      processes: started.map((s) => s.record),
    };
    await writeState(state);
    for (const s of started) s.release();
    log(`environment up in ${since()}; state ${stateFile}`);
    return state;
  } catch (err) {
    const ours = liveProcesses().filter((p) => !before.has(p.pid));
    const failures = await stopAll(ours);
    if (nodeHost) {
      await removeNode(nodeHost).catch((e: unknown) =>
        failures.push(e instanceof Error ? e.message : String(e)),
      );
    }
    if (failures.length > 0) log(`while cleaning up: ${failures.join('; ')}`);
    throw err;
  }
}

/** Stops exactly the processes the state file records, then removes the state file. */
export async function stopEnvironment(stateFile: string): Promise<{ stopped: string[] }> {
  const state = await readState(resolve(stateFile));
  const running = state.processes.filter((p) => isRunning(p));
  const failures = await stopAll(state.processes);
  // Containers, mounts, cgroups and the network namespace outlive the node's processes.
  if (failures.length === 0 && state.node) {
    await removeNode(state.node).catch((e: unknown) =>
      failures.push(e instanceof Error ? e.message : String(e)),
    );
  }
  if (failures.length > 0) {
    throw new Error(`could not stop every process of ${stateFile}: ${failures.join('; ')}`);
  }
  await rm(join(state.dir, 'etcd-data'), { recursive: true, force: true });
  for (const cluster of state.clusters ?? []) {
    await rm(cluster.etcdDataDir, { recursive: true, force: true });
  }
  await rm(state.stateFile, { force: true });
  return { stopped: running.map((p) => `${p.name} (pid ${p.pid})`) };
}
