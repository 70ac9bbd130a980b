// The controllers the economy and memory benchmarks compare, each started as a child process
// against the same apiserver and Route 53 endpoint with the same policy and owner ID:
//   external-dns  the pinned release (test/env/versions.env), Istio gateway source, AWS
//                 provider, TXT registry, events on; everything else at its defaults
//   syncer        `aws-controller syncer` from this build (dist/cli/main.js)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../env/components.js';
import { envSourceDir, pinnedValue } from '../env/versions.js';
import { freePort } from '../env/processes.js';
import { readRss } from '../helpers/webhook-process.js';

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
}

export interface RunningController {
  readonly pid: number;
  readonly command: string;
  rss(): number;
  exited(): string | undefined;
  stop(): Promise<void>;
}

export interface ControllerUnderTest {
  readonly name: ControllerName;
  /** Version and how it was built, for the report. */
  describe(): string;
  /** Builds or checks what it needs; throws with instructions when it cannot run. */
  prepare(log: (line: string) => void): Promise<void>;
  start(context: StartContext): Promise<RunningController>;
}

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

function launch(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string) {
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env, NO_PROXY: '127.0.0.1,localhost' },
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = `exited with ${signal ?? `code ${code}`}; see ${logFile}`;
      resolve();
    }),
  );
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const running: RunningController = {
    pid,
    command: [command, ...args].join(' '),
    rss: () => readRss(pid),
    exited: () => exitReason,
    stop: async () => {
      process.off('exit', killOnExit);
      if (exitReason !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return running;
}

async function waitHealthy(
  running: RunningController,
  url: string,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = running.exited();
    if (reason !== undefined) throw new Error(`${what} ${reason}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${what}: ${url} not healthy after ${timeoutMs / 1000}s`);
}

export const externalDns: ControllerUnderTest = {
  name: 'external-dns',
  describe: () =>
    `external-dns ${pinnedValue('EXTERNAL_DNS_VERSION')} (\`go install sigs.k8s.io/external-dns@${pinnedValue('EXTERNAL_DNS_VERSION')}\` from the Go module proxy)`,
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
  start: async (context) => {
    const metricsPort = await freePort();
    const args = [
      '--source=istio-gateway',
      ...(context.virtualServices ? ['--source=istio-virtualservice'] : []),
      '--provider=aws',
      '--registry=txt',
      `--txt-owner-id=${OWNER_ID}`,
      '--policy=sync',
      '--events',
      `--kubeconfig=${context.kubeconfig}`,
      `--metrics-address=127.0.0.1:${metricsPort}`,
      '--log-level=info',
    ];
    const running = launch(
      externalDnsBinary(),
      args,
      // The AWS SDK for Go v2 reads a per-service endpoint from the environment; Route 53's
      // service ID is "Route 53", hence ROUTE_53.
      { ...AWS_ENV, AWS_ENDPOINT_URL_ROUTE_53: context.route53Endpoint },
      context.logFile,
    );
    await waitHealthy(running, `http://127.0.0.1:${metricsPort}/healthz`, 'external-dns');
    return running;
  },
};

function externalDnsBinary(): string {
  const version = pinnedValue('EXTERNAL_DNS_VERSION');
  return join(cacheRoot(), `external-dns-${version}`, 'bin', 'external-dns');
}

const cliMain = (): string =>
  process.env['AWS_CONTROLLER_BENCH_CLI'] ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');

export const syncer: ControllerUnderTest = {
  name: 'syncer',
  describe: () =>
    process.env['AWS_CONTROLLER_BENCH_CLI'] === undefined
      ? '`aws-controller syncer` from this checkout (dist/cli/main.js)'
      : `\`aws-controller syncer\` from ${process.env['AWS_CONTROLLER_BENCH_CLI']}`,
  prepare: () => {
    // The flags below are the contract; without the command there is nothing to measure.
    const help = spawnSync(process.execPath, [cliMain(), 'syncer', '--help'], {
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
    const args = [
      cliMain(),
      'syncer',
      '--owner-id',
      OWNER_ID,
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
    ];
    const running = launch(process.execPath, args, AWS_ENV, context.logFile);
    await waitHealthy(running, `http://127.0.0.1:${metricsPort}/healthz`, 'the syncer');
    return running;
  },
};

export const CONTROLLERS: Record<ControllerName, ControllerUnderTest> = {
  'external-dns': externalDns,
  syncer,
};
