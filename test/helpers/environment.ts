// What an end-to-end suite needs from the real environment that test/run-e2e.ts started:
//   const env = getTestEnvironment();
//   const ns = await env.createNamespace('syncer');
//   const r53 = env.route53();            // via the strictness proxy
//   await env.resetRoute53();             // moto emptied, proxy stats and faults cleared
// The environment is found through AWS_CONTROLLER_TEST_ENV (path of its state.json).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { Route53ClientConfig } from '@aws-sdk/client-route-53';
import { startApiserver, stopApiserver } from '../env/restart.js';
import type { EnvironmentState } from '../env/state.js';
import type { FaultSchedule } from '../route53-proxy/faults.js';
import { OBSERVER_ACCESS_KEY } from '../route53-proxy/rate-limit.js';
import type { StatsSnapshot } from '../route53-proxy/stats.js';

export type { EnvironmentState } from '../env/state.js';
export type { FaultRule, FaultSchedule } from '../route53-proxy/faults.js';
export type { StatsSnapshot, CallRecord } from '../route53-proxy/stats.js';

export const ENV_VARIABLE = 'AWS_CONTROLLER_TEST_ENV';

/** The credentials the controllers under test use: counted against the account's rate. */
export const METERED_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin (e.g. a manifest for `apply -f -`). */
  readonly input?: string;
  /** Resolve with a non-zero code instead of throwing. */
  readonly allowFailure?: boolean;
  readonly timeoutMs?: number;
}

export interface Route53ProxyControl {
  stats(): Promise<StatsSnapshot>;
  /** Clears stats and faults (not moto's data: see resetRoute53). */
  reset(): Promise<void>;
  setFaults(schedule: FaultSchedule): Promise<void>;
  clearFaults(): Promise<void>;
  /** The account rate limit: "N", "N/BURST" or "off"; buckets start full. */
  setRate(rate: string): Promise<void>;
}

export interface TestEnvironment {
  readonly state: EnvironmentState;
  readonly kubeconfigPath: string;
  readonly kubectlPath: string;
  readonly helmPath: string;
  readonly apiserverUrl: string;
  /** The Route 53 API to test against: the strictness proxy in front of moto. */
  readonly route53Endpoint: string;
  /** moto without the proxy (seeding data, or showing what moto alone would do). */
  readonly motoEndpoint: string;
  /** A fresh KubeConfig for the test cluster (admin, system:masters). */
  kubeConfig(): KubeConfig;
  /**
   * A Route 53 client for the proxy (or moto with { endpoint: env.motoEndpoint }). It signs
   * with the observer's key, which the proxy's account rate limit exempts: a suite's setup and
   * polling watch the account, they are not part of its load (docs/testing.md). For a client
   * that counts against the account, as the controllers do: { credentials: METERED_CREDENTIALS }.
   */
  route53(config?: Partial<Route53ClientConfig>): Route53Client;
  kubectl(args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  helm(args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * Creates a namespace with a unique name (prefix + random suffix) and returns its name.
   * Namespaces are not deleted: without a controller-manager they would stay Terminating.
   */
  createNamespace(prefix?: string, labels?: Record<string, string>): Promise<string>;
  /** Empties moto (POST /moto-api/reset) and clears the proxy's stats and faults. */
  resetRoute53(): Promise<void>;
  /** Stops the kube-apiserver (etcd keeps the data), for fault tests. */
  stopApiserver(): Promise<void>;
  /** Starts it again on the same port; resolves once /readyz answers (CRDs may lag). */
  startApiserver(): Promise<void>;
  readonly proxy: Route53ProxyControl;
  /**
   * Every cluster of the environment (`env up --clusters N`), the first being the one above;
   * throws when it has fewer than `atLeast`, saying how to start more.
   */
  clusters(atLeast?: number): TestCluster[];
}

/** One kube-apiserver of the environment, with its own etcd: what a suite does in it. */
export interface TestCluster {
  readonly name: string;
  readonly kubeconfigPath: string;
  readonly apiserverUrl: string;
  readonly kubeConfig: () => KubeConfig;
  readonly kubectl: (args: readonly string[], options?: RunOptions) => Promise<CommandResult>;
  /** As TestEnvironment.createNamespace, in this cluster. */
  readonly createNamespace: (prefix?: string, labels?: Record<string, string>) => Promise<string>;
}

function makeCluster(
  name: string,
  kubeconfigPath: string,
  apiserverUrl: string,
  kubectlPath: string,
): TestCluster {
  const kubeConfig = (): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    return kc;
  };
  return {
    name,
    kubeconfigPath,
    apiserverUrl,
    kubeConfig,
    kubectl: (args, options) =>
      run(kubectlPath, ['--kubeconfig', kubeconfigPath, ...args], options),
    createNamespace: async (prefix = 'test', labels = {}) => {
      const namespace = `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 63);
      await kubeConfig()
        .makeApiClient(CoreV1Api)
        .createNamespace({ body: { metadata: { name: namespace, labels } } });
      return namespace;
    },
  };
}

let cached: TestEnvironment | undefined;

/** The running environment; throws with instructions when the suite runs outside run-e2e. */
export function getTestEnvironment(): TestEnvironment {
  if (cached) return cached;
  const stateFile = process.env[ENV_VARIABLE];
  if (!stateFile) {
    throw new Error(
      `${ENV_VARIABLE} is not set: end-to-end suites need the real test environment. ` +
        'Run them with `npm run test:e2e` (it starts and stops the environment), or start one with ' +
        '`npm run env -- up` and set AWS_CONTROLLER_TEST_ENV to the stateFile it prints.',
    );
  }
  let state: EnvironmentState;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as EnvironmentState;
  } catch (err) {
    throw new Error(`${ENV_VARIABLE}=${stateFile} cannot be read; is the environment up?`, {
      cause: err,
    });
  }
  cached = makeEnvironment(state);
  return cached;
}

function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 32 << 20 },
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === 'number' ? error.code : error.killed ? 124 : 1;
        if (code !== 0 && !options.allowFailure) {
          reject(
            new Error(
              `${command} ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`,
              {
                cause: error,
              },
            ),
          );
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

async function request(url: string, method: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

function makeEnvironment(state: EnvironmentState): TestEnvironment {
  const first = makeCluster('cluster-1', state.kubeconfig, state.apiserverUrl, state.kubectl);
  const { kubeConfig } = first;
  const control = state.route53ProxyControl;
  const proxy: Route53ProxyControl = {
    stats: async () => (await request(`${control}/stats`, 'GET')) as StatsSnapshot,
    reset: async () => void (await request(`${control}/reset`, 'POST')),
    setFaults: async (schedule) => void (await request(`${control}/faults`, 'POST', schedule)),
    clearFaults: async () => void (await request(`${control}/faults`, 'DELETE')),
    setRate: async (rate) => void (await request(`${control}/rate`, 'POST', { rate })),
  };
  return {
    state,
    kubeconfigPath: state.kubeconfig,
    kubectlPath: state.kubectl,
    helmPath: state.helm,
    apiserverUrl: state.apiserverUrl,
    route53Endpoint: state.route53Endpoint,
    motoEndpoint: state.motoEndpoint,
    kubeConfig,
    route53: (config = {}) =>
      new Route53Client({
        region: 'us-east-1',
        endpoint: state.route53Endpoint,
        credentials: { accessKeyId: OBSERVER_ACCESS_KEY, secretAccessKey: 'test' },
        ...config,
      }),
    kubectl: (args, options) =>
      run(state.kubectl, ['--kubeconfig', state.kubeconfig, ...args], options),
    helm: (args, options) => run(state.helm, ['--kubeconfig', state.kubeconfig, ...args], options),
    createNamespace: first.createNamespace,
    stopApiserver: () => stopApiserver(state.stateFile),
    startApiserver: () => startApiserver(state.stateFile),
    resetRoute53: async () => {
      await request(`${state.motoEndpoint}/moto-api/reset`, 'POST');
      await proxy.reset();
    },
    proxy,
    clusters: (atLeast = 1) => {
      const all =
        state.clusters === undefined
          ? [first]
          : state.clusters.map((c, i) =>
              i === 0 ? first : makeCluster(c.name, c.kubeconfig, c.apiserverUrl, state.kubectl),
            );
      if (all.length < atLeast) {
        throw new Error(
          `this suite needs ${atLeast} clusters and the environment (${state.stateFile}) has ${all.length}: ` +
            `start it with \`npm run env -- up --clusters ${atLeast}\` (npm run test:e2e starts 2)`,
        );
      }
      return all;
    },
  };
}
