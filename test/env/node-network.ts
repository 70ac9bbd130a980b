// The node environment's network: one network namespace (`awsc-node`) holding the kubelet,
// containerd, kube-proxy, the CNI bridge and every Pod, joined to the host by one veth pair.
// The host keeps only that veth end and two routes through it (Pods, Services), so the
// apiserver on the host reaches Service ClusterIPs the way a control-plane node does: through
// kube-proxy's rules, which live inside the namespace with everything else. Deleting the
// namespace removes the bridge, the veth pair (and so the routes) and every iptables chain.
// Nothing routes off the machine: the namespace has no default route and the host does not
// forward (its ip_forward is left as it is).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Addresses and names of the one node; fixed, so a leftover of a crashed run is found by name. */
export const NODE_NETWORK = {
  netns: 'awsc-node',
  /** The host end of the veth pair, and the address Pods reach the host (apiserver, Route 53 proxy) at. */
  hostInterface: 'awsc-node0',
  hostIp: '10.250.0.1',
  /** The namespace end: the node's InternalIP (kubelet, `kubectl logs`, probes' source). */
  nodeInterface: 'eth0',
  nodeIp: '10.250.0.2',
  linkPrefix: 30,
  bridge: 'cni0',
  podCidr: '10.251.0.0/24',
  podGateway: '10.251.0.1',
  /** The apiserver's --service-cluster-ip-range (cluster.ts). */
  serviceCidr: '10.0.0.0/24',
} as const;

export function netnsPath(): string {
  return `/run/netns/${NODE_NETWORK.netns}`;
}

/** argv prefix that runs a command inside the node's network namespace, and no other. */
export function inNodeNetns(command: string, args: readonly string[]): string[] {
  // nsenter, not `ip netns exec`: the latter also makes a new mount namespace, and the kubelet's
  // volume mounts must be seen by containerd and runc in the host's.
  return ['nsenter', `--net=${netnsPath()}`, '--', command, ...args];
}

async function ip(args: readonly string[], what: string): Promise<string> {
  try {
    const { stdout } = await run('ip', [...args]);
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed to ${what}: ${stderr.trim() || String(err)}`, {
      cause: err,
    });
  }
}

/** The `ip` commands that build the network, in order (a table the unit test reads). */
export function networkCommands(): string[][] {
  const n = NODE_NETWORK;
  const ns = ['-n', n.netns];
  return [
    ['netns', 'add', n.netns],
    [
      'link',
      'add',
      n.hostInterface,
      'type',
      'veth',
      'peer',
      'name',
      n.nodeInterface,
      'netns',
      n.netns,
    ],
    ['addr', 'add', `${n.hostIp}/${n.linkPrefix}`, 'dev', n.hostInterface],
    ['link', 'set', n.hostInterface, 'up'],
    [...ns, 'addr', 'add', `${n.nodeIp}/${n.linkPrefix}`, 'dev', n.nodeInterface],
    [...ns, 'link', 'set', n.nodeInterface, 'up'],
    [...ns, 'link', 'set', 'lo', 'up'],
    // The host sends Pod and Service traffic into the namespace; nothing else.
    ['route', 'add', n.podCidr, 'via', n.nodeIp, 'dev', n.hostInterface],
    ['route', 'add', n.serviceCidr, 'via', n.nodeIp, 'dev', n.hostInterface],
  ];
}

export async function createNodeNetwork(): Promise<void> {
  for (const args of networkCommands()) await ip(args, 'make the node network');
  // Forwarding between the bridge and the veth, inside the namespace only.
  await run('nsenter', [
    `--net=${netnsPath()}`,
    '--',
    'sysctl',
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
  ]);
}

export function nodeNetworkExists(): boolean {
  return existsSync(netnsPath());
}

/** Deletes the namespace (and with it the bridge, veths, routes, iptables); absent is fine. */
export async function deleteNodeNetwork(): Promise<void> {
  if (nodeNetworkExists())
    await ip(['netns', 'delete', NODE_NETWORK.netns], 'delete the node network');
  // The host end goes with its peer; if the namespace was already gone, make sure.
  const links = await ip(['-o', 'link', 'show'], 'list links');
  if (
    links.includes(` ${NODE_NETWORK.hostInterface}@`) ||
    links.includes(` ${NODE_NETWORK.hostInterface}:`)
  ) {
    await ip(['link', 'delete', NODE_NETWORK.hostInterface], 'delete the host veth');
  }
}
