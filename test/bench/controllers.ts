// The controllers the economy and memory benchmarks compare, each started as a child process
// against the same apiserver and Route 53 endpoint with the same policy and owner ID:
//   external-dns  the pinned release (test/env/versions.env), Istio gateway source, AWS
//                 provider, TXT registry, events on; everything else at its defaults
//   syncer        `aws-controller syncer` from this build (dist/cli/main.js)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { envSourceDir } from '../env/versions.js';
import { freePort } from '../env/processes.js';
import {
  AWS_TEST_ENV,
  launch,
  waitHealthy,
  type RunningController,
} from '../helpers/controller-process.js';
import {
  externalDnsBinary,
  externalDnsVersion,
  startExternalDns,
} from '../helpers/external-dns.js';
import { v8FlagsFor } from '../../cli/start-up-code.js';
import { productNode } from '../helpers/product-node.js';

export type { RunningController };

export type ControllerName = 'external-dns' | 'syncer';

export const OWNER_ID = 'bench';

export interface StartContext {
  readonly kubeconfig: string;
  /** Where the controller sends Route 53 calls (the tap in front of the proxy). */
  readonly route53Endpoint: string;
  /** A namespace the syncer may keep its Lease in. */
  readonly leaseNamespace: string;
  readonly logFile: string;
  /** Also watch VirtualServices (the memory benchmark). */
  readonly virtualServices: boolean;
  /** The syncer: run with the Node flags and environment the chart ships (chartRuntime()). */
  readonly chartRuntime?: boolean;
  /** With chartRuntime: a heap cap raised to at least this (MiB), as the chart README says. */
  readonly heapLimitMiBAtLeast?: number;
  /** The syncer: another owner ID than OWNER_ID (one per cluster of an account). */
  readonly ownerId?: string;
  /** The syncer: more flags (a cluster identity, a domain filter, timings). */
  readonly extraArgs?: readonly string[];
  /**
   * The syncer: without the heap probe (`--expose-gc`, gc-probe.js and its IPC channel), as
   * the chart runs it; heapAfterGc() then answers undefined. The probe's modules and channel
   * are ~1 MiB of RSS of their own, which an idle reading should not count.
   */
  readonly withoutProbe?: boolean;
}

export interface NodeRuntime {
  /** Flags the chart puts in NODE_OPTIONS. */
  readonly nodeOptions: string[];
  /** Flags of the syncer command itself (--optimize-for-size, --flush-start-up-code). */
  readonly syncerFlags: string[];
  /** Other environment it sets (jemalloc's LD_PRELOAD and MALLOC_CONF, or MALLOC_ARENA_MAX). */
  readonly env: Record<string, string>;
}

const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The heap cap the chart README tells a user to set for this many watched objects (its Memory
 * section: 88 MiB plus 4 KB per object, rounded up to 32 MiB, which leaves room above a live
 * heap of ~13–15 MiB plus ~1.7–2 KB per object); the chart's default (128 MiB) covers 10,000.
 */
export function heapLimitFor(objects: number): number {
  return Math.ceil((88 + (objects * 4) / 1024) / 32) * 32;
}

/** The V8 flags the syncer command sets from its own flags (cli/syncer-command.ts). */
export function syncerV8Flags(runtime: NodeRuntime): string[] {
  return v8FlagsFor({
    optimizeForSize: runtime.syncerFlags.includes('--optimize-for-size'),
    flushStartUpCode: runtime.syncerFlags.includes('--flush-start-up-code'),
  });
}

/**
 * The syncer container's runtime settings as the chart renders them from its values.yaml
 * defaults (same rules as templates/deployment.yaml), so the benchmark measures what ships;
 * with a heap cap raised for more objects, as the chart README's Memory section says for that
 * many: the cap raised and `optimizeForSize` off (its memory-reducing full collections paused
 * a syncer of 100,000 objects for 0.2–0.6 s).
 */
export function chartRuntime(heapLimitMiBAtLeast = 0): NodeRuntime {
  const file = join(distRoot, '..', 'charts', 'aws-controller', 'values.yaml');
  const values = parseYaml(readFileSync(file, 'utf8')) as {
    syncer: {
      heapLimitMiB?: number;
      semiSpaceMiB?: number;
      optimizeForSize?: boolean;
      flushStartUpCode?: boolean;
      allocator?: string;
      mallocArenaMax?: number;
    };
  };
  const { semiSpaceMiB = 0, flushStartUpCode = false } = values.syncer;
  // A user watching more objects raises the cap as the chart README's Memory section says,
  // and turns optimizeForSize off with it.
  const raised = heapLimitMiBAtLeast > (values.syncer.heapLimitMiB ?? 0);
  const heapLimitMiB = Math.max(values.syncer.heapLimitMiB ?? 0, heapLimitMiBAtLeast);
  const optimizeForSize = (values.syncer.optimizeForSize ?? false) && !raised;
  const { mallocArenaMax = 0, allocator = 'glibc' } = values.syncer;
  return {
    nodeOptions: [
      ...(heapLimitMiB > 0 ? [`--max-old-space-size=${heapLimitMiB}`] : []),
      ...(semiSpaceMiB > 0 ? [`--max-semi-space-size=${semiSpaceMiB}`] : []),
    ],
    syncerFlags: [
      ...(optimizeForSize ? ['--optimize-for-size'] : []),
      ...(flushStartUpCode ? ['--flush-start-up-code'] : []),
    ],
    env:
      allocator === 'jemalloc'
        ? jemallocEnv()
        : mallocArenaMax > 0
          ? { MALLOC_ARENA_MAX: String(mallocArenaMax) }
          : {},
  };
}

/**
 * The chart's jemalloc settings on this machine: its MALLOC_CONF as the template writes it,
 * and Debian's libjemalloc2 from this machine's library path (the image's is
 * /usr/local/lib), installed by test/env/install.sh when missing.
 */
function jemallocEnv(): Record<string, string> {
  const template = readFileSync(
    join(distRoot, '..', 'charts', 'aws-controller', 'templates', 'deployment.yaml'),
    'utf8',
  );
  const conf = /name: MALLOC_CONF\s+value: (\S+)/.exec(template)?.[1];
  if (conf === undefined) throw new Error('deployment.yaml sets no MALLOC_CONF for jemalloc');
  const find = () =>
    /libjemalloc\.so\.2 .*=> (\S+)/.exec(
      spawnSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '',
    )?.[1];
  let library = find();
  if (library === undefined) {
    spawnSync('bash', [join(envSourceDir(), 'install.sh'), 'jemalloc'], {
      stdio: ['ignore', process.stderr, process.stderr],
    });
    library = find();
  }
  if (library === undefined) {
    throw new Error(
      'the chart runs the syncer on jemalloc, and this machine has no libjemalloc.so.2 (`bash test/env/install.sh jemalloc` needs root and apt-get)',
    );
  }
  return { LD_PRELOAD: library, MALLOC_CONF: conf };
}

export interface ControllerUnderTest {
  readonly name: ControllerName;
  /** Version and how it was built, for the report. */
  describe(): string;
  /** Builds or checks what it needs; throws with instructions when it cannot run. */
  prepare(log: (line: string) => void): Promise<void>;
  start(context: StartContext): Promise<RunningController>;
}

export const externalDns: ControllerUnderTest = {
  name: 'external-dns',
  describe: () =>
    `external-dns ${externalDnsVersion()} (\`go install sigs.k8s.io/external-dns@${externalDnsVersion()}\` from the Go module proxy)`,
  prepare: (log) => {
    const binary = externalDnsBinary();
    if (existsSync(binary)) return Promise.resolve();
    log(`building external-dns into ${dirname(dirname(binary))} (a few minutes cold)`);
    const result = spawnSync('bash', [join(envSourceDir(), 'install.sh'), 'external-dns'], {
      stdio: ['ignore', process.stderr, process.stderr],
    });
    if (result.status !== 0 || !existsSync(binary)) {
      return Promise.reject(new Error('bash test/env/install.sh external-dns failed'));
    }
    return Promise.resolve();
  },
  start: (context) =>
    startExternalDns({
      kubeconfig: context.kubeconfig,
      route53Endpoint: context.route53Endpoint,
      ownerId: OWNER_ID,
      sources: ['istio-gateway', ...(context.virtualServices ? ['istio-virtualservice'] : [])],
      logFile: context.logFile,
    }),
};

let nodeVersion: string | undefined;

/** The version of the Node that runs the syncer (not the one running the benchmark). */
function productNodeVersion(): string {
  nodeVersion ??= spawnSync(productNode(), ['--version'], { encoding: 'utf8' }).stdout.trim();
  return nodeVersion;
}

const cliMain = (): string =>
  process.env['AWS_CONTROLLER_BENCH_CLI'] ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');

export const syncer: ControllerUnderTest = {
  name: 'syncer',
  describe: () =>
    (process.env['AWS_CONTROLLER_BENCH_CLI'] === undefined
      ? '`aws-controller syncer` from this checkout (dist/cli/main.js)'
      : `\`aws-controller syncer\` from ${process.env['AWS_CONTROLLER_BENCH_CLI']}`) +
    ` on Node ${productNodeVersion()} (the product's Node, test/helpers/product-node.ts; the "Node" of the machine line is the benchmark's own)`,
  prepare: () => {
    // The flags below are the contract; without the command there is nothing to measure.
    const help = spawnSync(productNode(), [cliMain(), 'syncer', '--help'], {
      encoding: 'utf8',
    });
    const text = `${help.stdout}${help.stderr}`;
    if (help.status !== 0 || !text.includes('--route53-endpoint')) {
      return Promise.reject(
        new Error(
          `\`aws-controller syncer\` is not in this build (${cliMain()} syncer --help exited ${help.status}: ` +
            `${text.trim().split('\n')[0] ?? ''}). The syncer half of this benchmark runs once it is merged; ` +
            'no numbers are made up for it.',
        ),
      );
    }
    return Promise.resolve();
  },
  start: async (context) => {
    const metricsPort = await freePort();
    const runtime: NodeRuntime = context.chartRuntime
      ? chartRuntime(context.heapLimitMiBAtLeast)
      : { nodeOptions: [], syncerFlags: [], env: {} };
    const noProbe = context.withoutProbe === true;
    const args = [
      // The live heap after a full GC, on request over IPC (gc-probe.js).
      ...(noProbe
        ? []
        : ['--expose-gc', '--import', join(distRoot, 'test', 'helpers', 'gc-probe.js')]),
      ...runtime.nodeOptions,
      cliMain(),
      'syncer',
      '--owner-id',
      context.ownerId ?? OWNER_ID,
      '--policy',
      'sync',
      '--kubeconfig',
      context.kubeconfig,
      '--route53-endpoint',
      context.route53Endpoint,
      '--aws-region',
      'us-east-1',
      '--metrics-port',
      String(metricsPort),
      '--leader-election-namespace',
      context.leaseNamespace,
      ...runtime.syncerFlags,
      ...(context.extraArgs ?? []),
    ];
    const running = launch(
      productNode(),
      args,
      { ...AWS_TEST_ENV, ...runtime.env },
      context.logFile,
      { ipc: !noProbe },
    );
    await waitHealthy(running, `http://127.0.0.1:${metricsPort}/healthz`, 'the syncer');
    return running;
  },
};

export const CONTROLLERS: Record<ControllerName, ControllerUnderTest> = {
  'external-dns': externalDns,
  syncer,
};
