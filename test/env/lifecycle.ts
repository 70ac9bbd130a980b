// Bringing the whole environment up (build what is missing, start etcd, kube-apiserver, moto
// and the Route 53 proxy, install the CRDs) and down again. A failed or interrupted start
// stops whatever it had started before it throws.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createClusterPki, startApiserver, startEtcd, writeKubeconfig } from './cluster.js';
import { ensureComponents, ensureNodeBinaries } from './components.js';
import {
  createNodePki,
  nodeUnavailableReason,
  prepareNodeHost,
  removeNode,
  startNode,
} from './node.js';
import type { NodeBinaries, NodeState } from './node.js';
import type { NodeLeftovers } from './node-teardown.js';
import { NODE_NETWORK } from './node-network.js';
import { applyCrds, servedResourcesOf, waitUntilServed } from './crds.js';
import { freePorts, isRunning, liveProcesses, selfRecord, stopProcess } from './processes.js';
import type { ProcessRecord, Started } from './processes.js';
import { startMoto, startRoute53Proxy } from './route53.js';
import { readState, STATE_VERSION, writeState } from './state.js';
import type { EnvironmentState } from './state.js';
import { repoRoot } from './versions.js';

export interface StartOptions {
  readonly stateFile: string;
  /** Progress lines (stderr by default: stdout is for the JSON). */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Record this process as the owner that will stop the environment (run-e2e). */
  readonly owned?: boolean;
  /**
   * Add a node (containerd, kubelet, kube-proxy, kube-controller-manager, kube-scheduler) and
   * import these image archives into it (node.ts). Needs root; one per machine.
   */
  readonly node?: { readonly imageArchives: readonly string[] };
}

export function defaultStateFile(name = 'default'): string {
  return join(repoRoot(), '.env-state', name, 'state.json');
}

function interrupted(signal: AbortSignal | undefined, what: string): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    const fail = (): void => reject(new Error(`interrupted while ${what}`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/** Runs a step, abandoning it (not waiting for it) as soon as the signal aborts. */
async function step<T>(what: string, work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined); // its failure after an abort has nobody left to tell
  return Promise.race([work, interrupted(signal, what)]);
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
  const { signal } = options;
  const already = await runningState(stateFile);
  if (already) {
    throw new Error(
      `an environment is already running (state ${stateFile}, pids ${Object.values(already.pids).join(', ')}); ` +
        'stop it first with `npm run env -- down`',
    );
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
    const pkiDir = join(dir, 'pki');
    await mkdir(logDir, { recursive: true });

    const [etcdPort, peerPort, apiPort, motoPort, proxyPort] = (await freePorts(5)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const pki = await step(
      'creating certificates',
      createClusterPki(pkiDir, options.node ? [NODE_NETWORK.hostIp] : []),
      signal,
    );
    const nodePki = options.node
      ? await step('creating the node certificates', createNodePki(pki, pkiDir), signal)
      : undefined;
    if (options.node) {
      nodeHost = await step(
        'preparing the node network',
        prepareNodeHost({ dir, stateFile, log }),
        signal,
      );
      log(`node network ${NODE_NETWORK.netns} made (${since()})`);
    }

    // moto starts alongside the cluster: it has nothing to wait for.
    const motoStart = startMoto({ python: components.motoPython, port: motoPort, logDir });
    motoStart.catch(() => undefined);
    const etcd = await step(
      'starting etcd',
      startEtcd({
        binary: components.etcd,
        dataDir: join(dir, 'etcd-data'),
        logDir,
        clientPort: etcdPort,
        peerPort,
      }),
      signal,
    );
    log(`etcd ready at ${etcd.url} (${since()})`);
    const apiserver = await step(
      'starting kube-apiserver',
      startApiserver({
        binary: components.kubeApiserver,
        etcdUrl: etcd.url,
        port: apiPort,
        pki,
        logDir,
        ...(nodePki
          ? {
              node: {
                advertiseAddress: NODE_NETWORK.hostIp,
                kubeletClient: nodePki.apiserverKubeletClient,
              },
            }
          : {}),
      }),
      signal,
    );
    log(`kube-apiserver ready at ${apiserver.url} (${since()})`);

    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, apiserver.url, pki);
    await step(
      'installing CRDs',
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
    log(`CRDs served (${since()})`);

    const moto = await step('starting moto', motoStart, signal);
    const proxy = await step(
      'starting the Route 53 proxy',
      startRoute53Proxy({
        motoUrl: moto.url,
        port: proxyPort,
        logDir,
        allAddresses: !!options.node,
      }),
      signal,
    );
    log(`moto at ${moto.url}, Route 53 proxy at ${proxy.url} (${since()})`);

    const started: Started[] = [etcd.started, apiserver.started, moto.started, proxy.started];
    let node: NodeState | undefined;
    if (options.node && nodeBinaries && nodePki && nodeHost) {
      node = await step(
        'starting the node',
        startNode(
          {
            binaries: nodeBinaries,
            pki,
            nodePki,
            dir,
            logDir,
            stateFile,
            apiserverPort: apiPort,
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
      kubeconfig,
      kubectl: components.kubectl,
      helm: components.helm,
      apiserverUrl: apiserver.url,
      caCert: pki.ca.certFile,
      clientCert: pki.admin.certFile,
      clientKey: pki.admin.keyFile,
      etcdUrl: etcd.url,
      route53Endpoint: proxy.url,
      motoEndpoint: moto.url,
      route53ProxyControl: `${proxy.url}/__proxy`,
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
  await rm(state.stateFile, { force: true });
  return { stopped: running.map((p) => `${p.name} (pid ${p.pid})`) };
}
