// One real node beside the environment's apiserver (`env up --node`): containerd, the kubelet,
// kube-proxy (all three in the node's network namespace, node-network.ts), and the
// kube-controller-manager and kube-scheduler on the host. What this machine needs, established
// by trying: cgroup v1 (hybrid) and a root without CAP_SYS_RESOURCE, so containerd must not
// lower oom_score_adj below its own (`restrict_oom_score_adj`) and the kubelet runs with the
// cgroupfs driver and `failCgroupV1: false`; a non-loopback node IP (the veth in the
// namespace); Pods on a CNI bridge (Debian's containernetworking-plugins) and Services through
// kube-proxy in iptables mode. The pause image is built from the kubernetes module's pause.c.
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { issueCert } from './certs.js';
import type { ClusterPki } from './cluster.js';
import { httpGet } from './http-get.js';
import {
  cgroupHierarchies,
  CONTAINER_LOG_LINKS,
  readSysctls,
  removeNodeLeftovers,
} from './node-teardown.js';
import type { NodeLeftovers } from './node-teardown.js';
import { createNodeNetwork, inNodeNetns, NODE_NETWORK, nodeNetworkExists } from './node-network.js';
import { ociImageArchive } from './oci-archive.js';
import { isRunning, startProcess, stopProcess, waitUntilReady } from './processes.js';
import { envSourceDir } from './versions.js';
import type { ProcessRecord, Started } from './processes.js';

const run = promisify(execFile);

export const NODE_NAME = 'awsc-node';
const CGROUP_ROOT = '/awsc-node';
/** Where `up` records the node before making anything, so a crashed run's leftovers are found. */
export const NODE_MARKER = '/run/aws-controller-test-node.json';
const RUNC = '/usr/sbin/runc';
const CNI_BIN = '/usr/lib/cni';

export interface NodeBinaries {
  readonly kubelet: string;
  readonly kubeScheduler: string;
  readonly kubeControllerManager: string;
  readonly kubeProxy: string;
  readonly containerd: string;
  readonly ctr: string;
  /** The static pause binary the sandbox image is made of. */
  readonly pause: string;
  readonly kubernetesVersion: string;
}

/** What the state file records about the node (and `down` needs to undo it). */
export interface NodeState extends NodeLeftovers {
  readonly name: string;
  readonly nodeIp: string;
  /** The host's address as Pods see it: the apiserver and the Route 53 proxy listen there. */
  readonly hostIp: string;
  readonly podCidr: string;
  readonly netns: string;
  readonly ctr: string;
  /** The sandbox image containerd runs every Pod's pause container from. */
  readonly pauseImage: string;
  /** Images loaded into containerd's k8s.io namespace besides the pause image. */
  readonly images: readonly string[];
}

interface Marker {
  readonly stateFile: string;
  readonly leftovers: NodeLeftovers;
  readonly processes: readonly Pick<ProcessRecord, 'name' | 'pid' | 'startTime'>[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let supportDecided: Promise<string | undefined> | undefined;

/**
 * Why this machine cannot run the node, in one line, or undefined when it can; installs the
 * Debian packages it needs first (install.sh node-tools), once per process.
 */
export function nodeUnavailableReason(): Promise<string | undefined> {
  supportDecided ??= decideNodeSupport();
  return supportDecided;
}

async function decideNodeSupport(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `a node needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) {
    return `a node needs root (containerd, network namespaces, iptables; uid ${process.getuid?.()})`;
  }
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [join(envSourceDir(), 'install.sh'), 'node-tools'], {
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  if (code === 3) {
    return 'runc, containernetworking-plugins, iptables and conntrack are missing and apt-get cannot install them';
  }
  if (code !== 0) throw new Error(`install.sh node-tools failed (exit ${code})`);
  return missingNodeTools();
}

/** What is still missing after node-tools: the checks `up --node` relies on. */
function missingNodeTools(): string | undefined {
  const missing: string[] = [];
  if (!isExecutable(RUNC)) missing.push(`runc (${RUNC}; Debian package runc)`);
  if (!isExecutable(join(CNI_BIN, 'bridge')) || !isExecutable(join(CNI_BIN, 'host-local'))) {
    missing.push(`CNI plugins (${CNI_BIN}; Debian package containernetworking-plugins)`);
  }
  const onPath = (b: string): boolean =>
    (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin')
      .split(':')
      .some((dir) => isExecutable(join(dir, b)));
  for (const [b, pkg] of [
    ['iptables', 'iptables'],
    ['nsenter', 'util-linux'],
    ['ip', 'iproute2'],
    ['gcc', 'gcc'],
  ] as const) {
    if (!onPath(b)) missing.push(`${b} (Debian package ${pkg})`);
  }
  if (missing.length > 0) return `a node needs ${missing.join(', ')}`;
  if (cgroupHierarchies().length === 0)
    return 'a node needs cgroup v1 hierarchies under /sys/fs/cgroup';
  return undefined;
}

function readMarker(): Marker | undefined {
  try {
    return JSON.parse(readFileSync(NODE_MARKER, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function writeMarker(marker: Marker): void {
  writeFileSync(`${NODE_MARKER}.tmp`, `${JSON.stringify(marker, null, 2)}\n`);
  writeFileSync(NODE_MARKER, readFileSync(`${NODE_MARKER}.tmp`));
  void rm(`${NODE_MARKER}.tmp`, { force: true });
}

/**
 * Removes what an earlier run left (its processes, if their owner is gone, then everything
 * on the host); refuses when that node is still running. Logs what it found.
 */
export async function cleanUpEarlierNode(log: (line: string) => void): Promise<void> {
  const marker = readMarker();
  if (marker === undefined) {
    if (nodeNetworkExists()) {
      throw new Error(
        `the network namespace ${NODE_NETWORK.netns} exists but ${NODE_MARKER} does not: ` +
          `made by something else? Remove it with \`ip netns delete ${NODE_NETWORK.netns}\``,
      );
    }
    return;
  }
  const alive = marker.processes.filter((p) => isRunning(p));
  if (existsSync(marker.stateFile) && alive.length > 0) {
    let owned: boolean;
    try {
      const state = JSON.parse(readFileSync(marker.stateFile, 'utf8')) as {
        processes?: { pid: number; startTime: string }[];
      };
      owned = (state.processes ?? []).some((p) => isRunning(p));
    } catch {
      owned = false;
    }
    if (owned) {
      throw new Error(
        `a node environment is already running (state ${marker.stateFile}); only one node fits ` +
          'on a machine: stop it first with `npm run env -- down --state <that file>`',
      );
    }
  }
  log(
    `cleaning up a node left by an earlier run (${marker.stateFile}${alive.length > 0 ? `, stopping ${alive.map((p) => `${p.name} ${p.pid}`).join(', ')}` : ''})`,
  );
  for (const p of [...alive].reverse()) {
    await stopProcess({ ...p, command: [], logFile: '' }, 5_000);
  }
  await removeNodeLeftovers(marker.leftovers);
  await rm(NODE_MARKER, { force: true });
}

/** The node's certificates: the kubelet (client and serving), the other components, the apiserver's kubelet client. */
export async function createNodePki(pki: ClusterPki, dir: string) {
  const client = (name: string, commonName: string, organizations: string[] = []) =>
    issueCert(pki.ca, dir, { name, commonName, organizations, usage: 'client' });
  // One after another: openssl's -CAcreateserial rewrites the CA's serial file, which parallel
  // signings read half-written ("Unable to load number from ca.srl").
  const kubelet = await client('kubelet', `system:node:${NODE_NAME}`, ['system:nodes']);
  const kubeletServing = await issueCert(pki.ca, dir, {
    name: 'kubelet-serving',
    commonName: NODE_NAME,
    dnsNames: [NODE_NAME],
    ipAddresses: [NODE_NETWORK.nodeIp],
    usage: 'server',
  });
  const controllerManager = await client(
    'kube-controller-manager',
    'system:kube-controller-manager',
  );
  const scheduler = await client('kube-scheduler', 'system:kube-scheduler');
  const kubeProxy = await client('kube-proxy', 'system:kube-proxy');
  // The apiserver's client for the kubelet's API (logs, exec): full access to it.
  const apiserverKubeletClient = await client(
    'apiserver-kubelet-client',
    'kube-apiserver-kubelet-client',
    ['system:masters'],
  );
  return {
    kubelet,
    kubeletServing,
    controllerManager,
    scheduler,
    kubeProxy,
    apiserverKubeletClient,
  };
}
export type NodePki = Awaited<ReturnType<typeof createNodePki>>;

async function kubeconfigFor(
  file: string,
  server: string,
  caFile: string,
  user: { certFile: string; keyFile: string },
): Promise<string> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': caFile } }],
    users: [
      { name: 'user', user: { 'client-certificate': user.certFile, 'client-key': user.keyFile } },
    ],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'user' } }],
    'current-context': 'local',
  };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

function containerdConfig(dir: string, socket: string, pauseImage: string): string {
  // TOML by hand: a handful of keys, every value a plain string or boolean.
  const q = (s: string): string => JSON.stringify(s);
  return `version = 3
root = ${q(join(dir, 'containerd', 'root'))}
state = ${q(join(dir, 'containerd', 'state'))}

[grpc]
  address = ${q(socket)}

[ttrpc]
  address = ${q(`${socket}.ttrpc`)}

[plugins]
  [plugins.'io.containerd.cri.v1.runtime']
    # root lacks CAP_SYS_RESOURCE here: a container may not get a lower oom_score_adj than ours.
    restrict_oom_score_adj = true
    # Pods' network namespaces are mounted under our state folder, not /var/run/netns.
    netns_mounts_under_state_dir = true
    enable_selinux = false
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = ${q(RUNC)}
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${q(CNI_BIN)}]
      conf_dir = ${q(join(dir, 'cni', 'net.d'))}
      max_conf_num = 1
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = ${q(pauseImage)}
  # NRI would listen on /var/run/nri/nri.sock, a file on the host nobody here needs.
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.internal.v1.opt']
    path = ${q(join(dir, 'containerd', 'opt'))}
`;
}

function cniConfig(dir: string): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: NODE_NAME,
      plugins: [
        {
          type: 'bridge',
          bridge: NODE_NETWORK.bridge,
          isGateway: true,
          // Nothing leaves the machine, so there is nothing to masquerade for.
          ipMasq: false,
          // A Pod reaching its own Service lands back on its own veth.
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: NODE_NETWORK.podCidr, gateway: NODE_NETWORK.podGateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
            // Our folder, not /var/lib/cni: a crashed run's leases go with it.
            dataDir: join(dir, 'cni', 'ipam'),
          },
        },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(
  dir: string,
  socket: string,
  caFile: string,
  serving: { certFile: string; keyFile: string },
) {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_NETWORK.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzPort: 0,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: caFile },
    },
    // Only the apiserver holds a client certificate of this CA for it.
    authorization: { mode: 'AlwaysAllow' },
    tlsCertFile: serving.certFile,
    tlsPrivateKeyFile: serving.keyFile,
    containerRuntimeEndpoint: `unix://${socket}`,
    // cgroup v1 here, and no systemd to delegate to.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    // Every cgroup of ours under one root, removed whole on `down`.
    cgroupRoot: CGROUP_ROOT,
    failSwapOn: false,
    podLogsDir: join(dir, 'pod-logs'),
    // The disk is shared with other work: never evict our Pods or collect our images (there is
    // no registry to pull them back from).
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    // Pods get the host's resolver; no cluster DNS runs.
    resolvConf: '/etc/resolv.conf',
    registerNode: true,
  };
}

function kubeProxyConfig(kubeconfig: string) {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig },
    hostnameOverride: NODE_NAME,
    clusterCIDR: NODE_NETWORK.podCidr,
    bindAddress: NODE_NETWORK.nodeIp,
    // The namespace's own ports: nothing else listens there.
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    // nf_conntrack_max is global and read-only from a network namespace: leave it, and the
    // timeouts, as they are.
    conntrack: {
      maxPerCore: 0,
      min: 0,
      tcpEstablishedTimeout: '0s',
      tcpCloseWaitTimeout: '0s',
    },
    iptables: { localhostNodePorts: false },
  };
}

async function ctr(
  binary: string,
  socket: string,
  args: readonly string[],
  input?: Buffer | string,
) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(binary, ['--address', socket, '--namespace', 'k8s.io', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // stdout alone is the answer: ctr warns on stderr (cgroup v1 deprecation, every call).
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`ctr ${args.join(' ')} exited ${code}: ${(err || out).trim()}`)),
    );
    child.stdin.end(input ?? '');
  });
}

export interface StartNodeOptions {
  readonly binaries: NodeBinaries;
  readonly pki: ClusterPki;
  readonly nodePki: NodePki;
  /** The environment's folder; the node's files go into `<dir>/node`. */
  readonly dir: string;
  readonly logDir: string;
  readonly stateFile: string;
  readonly apiserverPort: number;
  /** Image archives (docker-archive or OCI) to import into containerd: the built aws-controller image. */
  readonly imageArchives: readonly string[];
  readonly log: (line: string) => void;
  /** Each process as soon as it starts, so a failure stops exactly those. */
  readonly onStarted: (s: Started) => void;
}

/** Everything `up --node` does before the apiserver starts: leftovers, marker, network, cgroups. */
export async function prepareNodeHost(options: {
  dir: string;
  stateFile: string;
  log: (line: string) => void;
}): Promise<NodeLeftovers> {
  await cleanUpEarlierNode(options.log);
  const leftovers: NodeLeftovers = {
    dir: join(options.dir, 'node'),
    cgroupRoot: CGROUP_ROOT,
    // Short: unix socket paths are limited to 108 bytes, and containerd adds `.ttrpc`.
    containerdSocket: join(options.dir, 'node', 'c.sock'),
    removeRunContainerd: !existsSync('/run/containerd'),
    sysctls: readSysctls(),
    removeContainerLogLinks: !existsSync(CONTAINER_LOG_LINKS),
    removeRunNetns: !existsSync('/run/netns'),
  };
  writeMarker({ stateFile: options.stateFile, leftovers, processes: [] });
  await createNodeNetwork();
  // The kubelet's cgroupRoot must exist in every hierarchy; a new cpuset needs its CPUs and
  // memory nodes before anything can join it.
  for (const h of cgroupHierarchies()) {
    const cg = join(h, CGROUP_ROOT);
    mkdirSync(cg, { recursive: true });
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(h, file))) writeFileSync(join(cg, file), readFileSync(join(h, file)));
    }
  }
  return leftovers;
}

function recordInMarker(started: Started): void {
  const marker = readMarker();
  if (marker === undefined) return;
  const { name, pid, startTime } = started.record;
  writeMarker({ ...marker, processes: [...marker.processes, { name, pid, startTime }] });
}

/** Starts containerd, loads the images, then the control loops, kubelet and kube-proxy. */
export async function startNode(
  options: StartNodeOptions,
  leftovers: NodeLeftovers,
): Promise<NodeState> {
  const { binaries, pki, nodePki, log } = options;
  const dir = leftovers.dir;
  const socket = leftovers.containerdSocket;
  for (const sub of ['containerd', 'cni/net.d', 'cni/ipam', 'kubelet', 'pod-logs', 'config']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const pauseImage = `localhost/aws-controller-test/pause:${binaries.kubernetesVersion}`;
  const config = join(dir, 'config');
  await writeFile(join(config, 'containerd.toml'), containerdConfig(dir, socket, pauseImage));
  await writeFile(join(dir, 'cni', 'net.d', '10-awsc-node.conflist'), cniConfig(dir));
  const began = Date.now();
  const since = (): string => `${((Date.now() - began) / 1000).toFixed(1)}s`;
  const started = (s: Started): Started => {
    options.onStarted(s);
    recordInMarker(s);
    return s;
  };

  const binDir = join(binaries.containerd, '..');
  const [cmd, ...args] = inNodeNetns(binaries.containerd, [
    '--config',
    join(config, 'containerd.toml'),
  ]);
  const containerd = started(
    startProcess({
      name: 'containerd',
      command: cmd as string,
      args,
      logDir: options.logDir,
      // The shim is found on PATH; runc and the CNI plugins by their configured paths.
      env: { PATH: `${binDir}:/usr/sbin:/usr/bin:/sbin:/bin` },
    }),
  );
  await waitUntilReady(
    containerd,
    `containerd on ${socket}`,
    async () => await ctr(binaries.ctr, socket, ['version']).then(() => true),
    30_000,
  );
  log(`containerd ready (${since()})`);

  const pause = ociImageArchive({
    name: pauseImage,
    files: [{ path: 'pause', content: await readFile(binaries.pause), mode: 0o755 }],
    entrypoint: ['/pause'],
    user: '65535:65535',
  });
  await ctr(binaries.ctr, socket, ['images', 'import', '-'], pause);
  for (const archive of options.imageArchives) {
    await ctr(binaries.ctr, socket, ['images', 'import', archive]);
  }
  // What the archives held, by name (an image also appears under its digest alone).
  const images = (await ctr(binaries.ctr, socket, ['images', 'list', '--quiet']))
    .split('\n')
    .filter((name) => name !== '' && name !== pauseImage && !name.startsWith('sha256:'));
  log(`images loaded: ${[pauseImage, ...images].join(', ')} (${since()})`);

  const apiserverLocal = `https://127.0.0.1:${options.apiserverPort}`;
  const apiserverFromNode = `https://${NODE_NETWORK.hostIp}:${options.apiserverPort}`;
  const kc = async (name: string, server: string, user: { certFile: string; keyFile: string }) =>
    kubeconfigFor(join(config, `${name}.kubeconfig`), server, pki.ca.certFile, user);

  const cmKubeconfig = await kc(
    'kube-controller-manager',
    apiserverLocal,
    nodePki.controllerManager,
  );
  started(
    startProcess({
      name: 'kube-controller-manager',
      command: binaries.kubeControllerManager,
      args: [
        `--kubeconfig=${cmKubeconfig}`,
        `--authentication-kubeconfig=${cmKubeconfig}`,
        `--authorization-kubeconfig=${cmKubeconfig}`,
        // The same key the apiserver verifies tokens with (its --service-account-key-file).
        `--service-account-private-key-file=${pki.serviceAccount.privateKeyFile}`,
        `--root-ca-file=${pki.ca.certFile}`,
        '--use-service-account-credentials=true',
        '--leader-elect=false',
        '--secure-port=0',
        // Pod CIDRs come from the CNI config, not from the node object.
        '--allocate-node-cidrs=false',
        '--v=1',
      ],
      logDir: options.logDir,
    }),
  );
  const schedKubeconfig = await kc('kube-scheduler', apiserverLocal, nodePki.scheduler);
  started(
    startProcess({
      name: 'kube-scheduler',
      command: binaries.kubeScheduler,
      args: [
        `--kubeconfig=${schedKubeconfig}`,
        `--authentication-kubeconfig=${schedKubeconfig}`,
        `--authorization-kubeconfig=${schedKubeconfig}`,
        '--leader-elect=false',
        '--secure-port=0',
        '--v=1',
      ],
      logDir: options.logDir,
    }),
  );

  const kubeletKubeconfig = await kc('kubelet', apiserverFromNode, nodePki.kubelet);
  await writeFile(
    join(config, 'kubelet.json'),
    JSON.stringify(kubeletConfig(dir, socket, pki.ca.certFile, nodePki.kubeletServing), null, 2),
  );
  const [kcmd, ...kargs] = inNodeNetns(binaries.kubelet, [
    `--config=${join(config, 'kubelet.json')}`,
    `--kubeconfig=${kubeletKubeconfig}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NODE_NETWORK.nodeIp}`,
    `--root-dir=${join(dir, 'kubelet')}`,
    // Its default is /var/lib/kubelet/pki whatever --root-dir says.
    `--cert-dir=${join(dir, 'kubelet', 'pki')}`,
    '--v=1',
  ]);
  started(
    startProcess({ name: 'kubelet', command: kcmd as string, args: kargs, logDir: options.logDir }),
  );

  const proxyKubeconfig = await kc('kube-proxy', apiserverFromNode, nodePki.kubeProxy);
  await writeFile(
    join(config, 'kube-proxy.json'),
    JSON.stringify(kubeProxyConfig(proxyKubeconfig), null, 2),
  );
  const [pcmd, ...pargs] = inNodeNetns(binaries.kubeProxy, [
    `--config=${join(config, 'kube-proxy.json')}`,
    '--v=1',
  ]);
  const kubeProxy = started(
    startProcess({
      name: 'kube-proxy',
      command: pcmd as string,
      args: pargs,
      logDir: options.logDir,
    }),
  );

  const tls = {
    ca: await readFile(pki.ca.certFile),
    cert: await readFile(pki.admin.certFile),
    key: await readFile(pki.admin.keyFile),
  };
  const get = async (path: string): Promise<unknown> => {
    const res = await httpGet(`${apiserverLocal}${path}`, tls);
    return res.status === 200 ? (JSON.parse(res.body) as unknown) : undefined;
  };
  await waitUntilReady(
    kubeProxy,
    `node ${NODE_NAME} Ready`,
    async () => {
      const node = (await get(`/api/v1/nodes/${NODE_NAME}`)) as
        { status?: { conditions?: { type: string; status: string }[] } } | undefined;
      return (
        node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
      );
    },
    120_000,
  );
  log(`node ${NODE_NAME} Ready (${since()})`);
  // The controller-manager makes every namespace's `default` ServiceAccount; Pods wait on it.
  await waitUntilReady(
    kubeProxy,
    'the default ServiceAccount (kube-controller-manager)',
    async () => (await get('/api/v1/namespaces/default/serviceaccounts/default')) !== undefined,
    60_000,
  );
  // kube-proxy has written its rules once it has synced the `kubernetes` Service.
  await waitUntilReady(
    kubeProxy,
    'kube-proxy rules for the kubernetes Service',
    async () => {
      const { stdout } = await run('nsenter', [
        `--net=/run/netns/${NODE_NETWORK.netns}`,
        '--',
        'iptables-save',
        '-t',
        'nat',
      ]);
      return stdout.includes('default/kubernetes:https');
    },
    60_000,
  );
  log(`controller-manager, scheduler and kube-proxy working (${since()})`);

  return {
    ...leftovers,
    name: NODE_NAME,
    nodeIp: NODE_NETWORK.nodeIp,
    hostIp: NODE_NETWORK.hostIp,
    podCidr: NODE_NETWORK.podCidr,
    netns: NODE_NETWORK.netns,
    ctr: binaries.ctr,
    pauseImage,
    images,
  };
}

/** `down` for the node, after its processes are stopped: leftovers removed, marker dropped. */
export async function removeNode(node: NodeLeftovers): Promise<void> {
  await removeNodeLeftovers(node);
  await rm(NODE_MARKER, { force: true });
}
