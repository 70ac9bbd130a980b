// The real `aws-controller syncer` command as a child process, pointed at the test
// environment: its JSON log lines collected, its /metrics and /readyz read, stopped with
// SIGTERM as a Pod would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestEnvironment } from './environment.js';
import { productNode } from './product-node.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface SyncerProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  readonly metricsPort: number;
  readonly identity: string;
  /** The value of one sample of /metrics (`name{labels}`), or undefined. */
  metric(sample: string): Promise<number | undefined>;
  metricsText(): Promise<string>;
  ready(): Promise<boolean>;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /**
   * Resolves with the first log line that matches, waiting up to `timeoutMs`; only lines
   * from index `from` of `logs` on count (say `logs.length` to wait for a new one).
   */
  waitForLog(
    match: (line: LogLine) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<LogLine>;
}

export interface SyncerProcessOptions {
  /** Absent: the syncer derives its default from the cluster. */
  ownerId: string | undefined;
  domainFilter?: string[];
  policy?: string;
  leaseNamespace: string;
  leaseName?: string;
  /** Another cluster of the environment (env.clusters()); default: the first. */
  kubeconfig?: string;
  extraArgs?: string[];
  /** Process environment additions (AWS_CONTROLLER_* flags, …). */
  env?: Record<string, string>;
}

/** The runner's environment without proxy settings: the syncer honours them for Route 53
 * (moto here), so a machine's proxy must not carry the suites' calls; a test that wants one
 * says so in `env`. */
function withoutProxies(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !/^(https?|no)_proxy$/i.test(name)),
  );
}

/** A log line without the fields every line has, cut at `max` characters. */
const terse = (l: LogLine, max = Infinity) =>
  JSON.stringify({ ...l, level: undefined, pid: undefined, hostname: undefined }).slice(0, max);

export async function startSyncerProcess(
  env: TestEnvironment,
  options: SyncerProcessOptions,
): Promise<SyncerProcess> {
  const args = [
    MAIN,
    'syncer',
    ...(options.ownerId !== undefined ? ['--owner-id', options.ownerId] : []),
    '--kubeconfig',
    options.kubeconfig ?? env.kubeconfigPath,
    '--route53-endpoint',
    env.route53Endpoint,
    '--aws-region',
    'us-east-1',
    '--metrics-port',
    '0',
    '--host',
    '127.0.0.1',
    '--leader-election-namespace',
    options.leaseNamespace,
    '--leader-election-name',
    options.leaseName ?? 'aws-controller-syncer',
    '--debounce',
    '200ms',
    '--log-level',
    'debug',
    ...(options.domainFilter ? ['--domain-filter', options.domainFilter.join(',')] : []),
    ...(options.policy ? ['--policy', options.policy] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(productNode(), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...withoutProxies(process.env),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...options.env,
    },
  });
  const logs: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      for (const w of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 30_000, from = 0) => {
    const seen = logs.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The lines it did log say which way it went: the last few since `from`, tersely.
        const seen = logs
          .slice(from)
          .slice(-15)
          .map((l) => terse(l))
          .join('\n  ');
        reject(
          new Error(
            `syncer: no matching log line in ${timeoutMs} ms; last lines:\n  ${seen}\nstderr: ${stderr}`,
          ),
        );
      }, timeoutMs);
      void exited.then((code) =>
        reject(new Error(`syncer exited (${code}) before the log line; stderr: ${stderr}`)),
      );
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };

  const started = await waitForLog((l) => l.msg === 'syncer started');
  const metricsPort = started['metricsPort'] as number;
  const base = `http://127.0.0.1:${metricsPort}`;
  const metricsText = async () => (await fetch(`${base}/metrics`)).text();
  return {
    child,
    logs,
    metricsPort,
    identity: started['identity'] as string,
    metricsText,
    metric: async (sample) => {
      const line = (await metricsText()).split('\n').find((l) => l.startsWith(`${sample} `));
      return line === undefined ? undefined : Number(line.slice(sample.length + 1));
    },
    ready: async () => (await fetch(`${base}/readyz`)).status === 200,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    waitForLog,
  };
}

/**
 * What a syncer said that went wrong, for a failed wait's message: each warning or error
 * message with how often it came, and the last few such lines whole (CI keeps only the
 * assertion's output, so this is what tells a slow run from a stuck one).
 */
export function troubles(logs: readonly LogLine[], last = 5): string {
  const bad = logs.filter((l) => l.level >= 40);
  const counts = new Map<string, number>();
  for (const l of bad) counts.set(l.msg, (counts.get(l.msg) ?? 0) + 1);
  // Every reconcile's summary line, whatever it says, carries unlistedZones.
  const reconciles = logs.filter((l) => l.unlistedZones !== undefined);
  const lastReconcile = reconciles.at(-1);
  return [
    `${logs.length} log lines, ${reconciles.length} reconciles; last: ${lastReconcile ? terse(lastReconcile, 600) : 'none'}`,
    ...[...counts].map(([msg, n]) => `${n}× ${msg}`),
    ...bad.slice(-last).map((l) => terse(l, 600)),
  ].join('\n    ');
}
