// The running environment, as `env up` prints it and writes it to its state file. Suites read
// it through test/helpers/environment.ts; `env down` reads it to stop exactly these processes.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NodeState } from './node.js';
import type { ProcessRecord } from './processes.js';

export const STATE_VERSION = 1;

/** One kube-apiserver with its own etcd, PKI and kubeconfig (the CRDs installed). */
export interface ClusterState {
  /** `cluster-1`, `cluster-2`, …: also the suffix of its processes' names beyond the first. */
  readonly name: string;
  readonly kubeconfig: string;
  readonly apiserverUrl: string;
  readonly caCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly etcdUrl: string;
  /** Its etcd's data folder (removed by `env down`). */
  readonly etcdDataDir: string;
}

export interface EnvironmentState {
  readonly stateVersion: typeof STATE_VERSION;
  /** This file. */
  readonly stateFile: string;
  /** Folder holding certificates, kubeconfig, etcd data and logs of this environment. */
  readonly dir: string;
  readonly logDir: string;
  readonly startedAt: string;

  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly helm: string;
  readonly apiserverUrl: string;
  /** CA that signed the apiserver's serving cert (also the kubeconfig's). */
  readonly caCert: string;
  /** Admin client certificate (CN admin, O system:masters) used by the kubeconfig. */
  readonly clientCert: string;
  readonly clientKey: string;
  readonly etcdUrl: string;
  /**
   * Every cluster, the first being the one the fields above describe; present only when the
   * environment was started with more than one (`env up --clusters N`). They share moto and
   * the Route 53 proxy, as clusters share one AWS account.
   */
  readonly clusters?: readonly ClusterState[];

  /** Route 53 endpoint the suites use: the strictness proxy in front of moto. */
  readonly route53Endpoint: string;
  /** moto itself, bypassing the proxy (for setup and for comparing behaviour). */
  readonly motoEndpoint: string;
  /** Control API of the proxy: GET stats, POST reset, POST faults (under /__proxy/). */
  readonly route53ProxyControl: string;
  /** The proxy's account rate limit at start: "N/BURST" or "off" (it can be changed at run time). */
  readonly route53Rate?: string;

  /** Present with `up --node`: the node beside the apiserver (node.ts). */
  readonly node?: NodeState;
  /** With a node: the Route 53 proxy as Pods reach it (the host's veth address). */
  readonly route53EndpointForPods?: string;

  readonly versions: {
    readonly kubernetes: string;
    readonly etcd: string;
    readonly helm: string;
    readonly istioApi: string;
    readonly gatewayApi: string;
    readonly moto: string;
  };
  readonly crdFiles: readonly string[];
  /** The process that stops this environment when it ends (run-e2e); absent for `env up`. */
  readonly owner?: { readonly pid: number; readonly startTime: string };
  readonly pids: Readonly<Record<string, number>>;
  readonly processes: readonly ProcessRecord[];
}

export async function writeState(state: EnvironmentState): Promise<void> {
  await mkdir(dirname(state.stateFile), { recursive: true });
  const tmp = `${state.stateFile}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, state.stateFile);
}

export async function readState(stateFile: string): Promise<EnvironmentState> {
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read environment state ${stateFile}`, { cause: err });
  }
  const parsed = JSON.parse(text) as Partial<EnvironmentState>;
  if (parsed.stateVersion !== STATE_VERSION || !Array.isArray(parsed.processes)) {
    throw new Error(`${stateFile} is not an environment state of version ${STATE_VERSION}`);
  }
  return parsed as EnvironmentState;
}
