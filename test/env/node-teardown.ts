// Undoing the node on the host, after its recorded processes (kubelet, containerd, …) have
// been stopped: what those leave behind outlives them. Containers and their runc shims keep
// running; the kubelet's volume mounts, the containers' root filesystems and the Pods' network
// namespace mounts stay mounted; the kubelet's cgroups stay; the network namespace holds the
// bridge and kube-proxy's iptables chains. Each step tolerates what is already gone, so the
// same function cleans up after a crashed run (`up` calls it when it finds a leftover).
import { execFile } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { deleteNodeNetwork } from './node-network.js';

const run = promisify(execFile);

export interface NodeLeftovers {
  /** The folder holding containerd's root and state, the kubelet's root and the CNI files. */
  readonly dir: string;
  /** The kubelet's cgroupRoot, e.g. `/awsc-node`, in every cgroup v1 hierarchy. */
  readonly cgroupRoot: string;
  /** containerd's socket: its shims carry it in their command line (`-address`). */
  readonly containerdSocket: string;
  /** True when /run/containerd (shim sockets) did not exist before this node made it. */
  readonly removeRunContainerd: boolean;
  /**
   * The host's values, before the kubelet ran, of the kernel settings it sets on start
   * (KUBELET_SYSCTLS), to put back on `down`: they are global, not per namespace.
   */
  readonly sysctls: Readonly<Record<string, string>>;
  /** True when /run/netns (which `ip netns add` makes and bind-mounts on itself) did not exist. */
  readonly removeRunNetns: boolean;
  /** True when /var/log/containers did not exist before this node's kubelet made it. */
  readonly removeContainerLogLinks: boolean;
}

/** The kubelet links every container's log here, whatever its podLogsDir (a fixed path). */
export const CONTAINER_LOG_LINKS = '/var/log/containers';

/**
 * What the kubelet writes to /proc/sys when it starts (setupKernelTunables in
 * pkg/kubelet/cm/container_manager_linux.go) unless protectKernelDefaults, which instead refuses
 * to start on a host whose values differ: vm.overcommit_memory=1, vm.panic_on_oom=0,
 * kernel.panic=10, kernel.panic_on_oops=1, kernel.keys.root_maxkeys and root_maxbytes.
 */
export const KUBELET_SYSCTLS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
] as const;

export function readSysctls(): Record<string, string> {
  return Object.fromEntries(
    KUBELET_SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]),
  );
}

const CGROUP_FS = '/sys/fs/cgroup';

/** The cgroup v1 hierarchies mounted here (cpu, memory, pids, …, name=systemd). */
export function cgroupHierarchies(): string[] {
  if (!existsSync(CGROUP_FS)) return [];
  return readdirSync(CGROUP_FS, { withFileTypes: true })
    .filter((e) => e.isDirectory() || e.isSymbolicLink())
    .map((e) => join(CGROUP_FS, e.name))
    .filter((dir) => existsSync(join(dir, 'cgroup.procs')))
    .filter((dir, index, all) => {
      // cpu and cpuacct may be one hierarchy under two names (symlinks): visit it once.
      try {
        const real = readlinkSync(dir);
        return !all.slice(0, index).some((d) => d.endsWith(real));
      } catch {
        return true;
      }
    });
}

/** Every cgroup folder under `root` in one hierarchy, deepest first. */
function cgroupsUnder(hierarchy: string, root: string): string[] {
  const top = join(hierarchy, root);
  if (!existsSync(top)) return [];
  const found: string[] = [top];
  for (const e of readdirSync(top, { withFileTypes: true, recursive: true })) {
    if (e.isDirectory()) found.push(join(e.parentPath, e.name));
  }
  return found.sort((a, b) => b.split('/').length - a.split('/').length);
}

function pidsIn(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Processes whose argv holds `-address <socket>`: the runc shims of that containerd. */
export function shimPids(socket: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = argv.indexOf('-address');
    if (at >= 0 && argv[at + 1] === socket && (argv[0] ?? '').endsWith('containerd-shim-runc-v2')) {
      found.push(Number(entry));
    }
  }
  return found;
}

/** Mount points at or under `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && p !== '')
    // mountinfo escapes space, tab, newline and backslash as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function unmountAll(dir: string): Promise<void> {
  // Lazy unmounts can uncover mounts below; repeat until none is left.
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), dir);
    if (points.length === 0) return;
    for (const point of points) {
      await run('umount', ['-l', point]).catch(() => undefined);
    }
  }
  const left = mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), dir);
  if (left.length > 0) throw new Error(`still mounted under ${dir}: ${left.join(', ')}`);
}

/** Everything the node left on the host, removed; throws listing what could not be. */
export async function removeNodeLeftovers(node: NodeLeftovers): Promise<void> {
  const problems: string[] = [];
  const hierarchies = cgroupHierarchies();

  // 1. Containers (every process in the node's cgroups) and the shims that watch them.
  for (let round = 0; round < 50; round++) {
    const pids = [
      ...new Set([
        ...hierarchies.flatMap((h) => cgroupsUnder(h, node.cgroupRoot).flatMap(pidsIn)),
        ...shimPids(node.containerdSocket),
      ]),
    ];
    if (pids.length === 0) break;
    pids.forEach(kill);
    await sleep(100);
  }

  // 2. Mounts: volumes, root filesystems, /dev/shm of sandboxes, Pods' network namespaces.
  try {
    await unmountAll(node.dir);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }

  // 3. Cgroups, deepest first (a cgroup is removed with rmdir once it holds no process).
  for (const h of hierarchies) {
    for (const cgroup of cgroupsUnder(h, node.cgroupRoot)) {
      let removed = false;
      for (let attempt = 0; attempt < 20 && !removed; attempt++) {
        try {
          rmdirSync(cgroup);
          removed = true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') removed = true;
          else await sleep(100);
        }
      }
      if (!removed) problems.push(`cannot remove cgroup ${cgroup}`);
    }
  }

  // 4. The network namespace: bridge, veths, routes and kube-proxy's chains go with it.
  try {
    await deleteNodeNetwork();
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }

  // 5. The kernel settings the kubelet changed, as they were.
  for (const [key, value] of Object.entries(node.sysctls)) {
    try {
      if (readFileSync(`/proc/sys/${key}`, 'utf8').trim() !== value) {
        writeFileSync(`/proc/sys/${key}`, value);
      }
    } catch (err) {
      problems.push(`cannot restore ${key}=${value}: ${(err as Error).message}`);
    }
  }

  // 6. The kubelet's links to our containers' logs (it removes them only with the containers).
  if (existsSync(CONTAINER_LOG_LINKS)) {
    for (const entry of readdirSync(CONTAINER_LOG_LINKS)) {
      const link = join(CONTAINER_LOG_LINKS, entry);
      try {
        if (readlinkSync(link).startsWith(`${node.dir}/`)) await rm(link, { force: true });
      } catch {
        // not a link: not the kubelet's
      }
    }
    if (node.removeContainerLogLinks && readdirSync(CONTAINER_LOG_LINKS).length === 0) {
      rmdirSync(CONTAINER_LOG_LINKS);
    }
  }

  // 7. Files: only once nothing is mounted there any more.
  if (problems.length === 0) await rm(node.dir, { recursive: true, force: true });
  if (node.removeRunContainerd) await rm('/run/containerd', { recursive: true, force: true });
  if (node.removeRunNetns && existsSync('/run/netns') && readdirSync('/run/netns').length === 0) {
    await run('umount', ['/run/netns']).catch(() => undefined);
    rmdirSync('/run/netns');
  }

  if (problems.length > 0) throw new Error(`the node left things behind: ${problems.join('; ')}`);
}
