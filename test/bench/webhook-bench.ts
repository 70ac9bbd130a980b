// Webhook throughput and latency over HTTPS, against the same machine's floor. The real
// webhook (`aws-controller webhook`, default log level) and the floor (a no-op express HTTPS
// handler returning a fixed AdmissionReview) each run in their own process; autocannon runs
// in this one. On two cores that gives server and load generator a core each instead of one
// event loop serving both, and the server's CPU time per request (from /proc) is read apart
// from the client's.
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  makeServingFiles,
  startWebhookProcess,
  type WebhookProcess,
} from '../helpers/webhook-process.js';
import { MUTATE_BODY, VALIDATE_BODY } from './gateway-review.js';
import {
  describeRun,
  fmt,
  median,
  packageVersions,
  percentile,
  ratio,
  medianWithSpread,
  table,
  type RunInfo,
} from './report.js';
import { rm } from 'node:fs/promises';

export interface WebhookBenchOptions {
  readonly runs: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly log: (line: string) => void;
}

type Target = 'floor' | 'validate' | 'mutate';
const TARGETS: readonly Target[] = ['floor', 'validate', 'mutate'];

interface Sample {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  serverCpuMicrosPerRequest: number;
  requests: number;
  errors: number;
  non2xx: number;
}

const here = dirname(fileURLToPath(import.meta.url));

/** utime + stime of a process in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function checkAnswer(server: WebhookProcess, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: 'POST',
        ca: server.caPem,
        servername: 'localhost',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(text)
            : reject(new Error(`${path} answered ${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function load(
  server: WebhookProcess,
  path: string,
  body: string,
  connections: number,
  seconds: number,
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const ticksBefore = cpuTicks(server.pid);
    const instance = autocannon(
      {
        url: `https://127.0.0.1:${server.port}${path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        pipelining: 1,
        duration: seconds,
      },
      (err, result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const ticks = cpuTicks(server.pid) - ticksBefore;
        const sorted = Float64Array.from(latencies).sort();
        const completed = result.requests.total;
        resolve({
          requestsPerSecond: completed / (result.duration || seconds),
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          serverCpuMicrosPerRequest: completed > 0 ? (ticks * 10_000) / completed : NaN,
          requests: completed,
          errors: result.errors,
          non2xx: result.non2xx,
        });
      },
    );
    // autocannon's own histogram keeps whole milliseconds; these are its float timings.
    (instance as unknown as EventEmitter).on('response', (...args: unknown[]) => {
      const ms = args[3];
      if (typeof ms === 'number') latencies.push(ms);
    });
  });
}

interface Results {
  readonly heavy: Map<Target, Sample[]>;
  readonly light: Map<Target, Sample[]>;
}

function rows(results: Map<Target, Sample[]>): string[][] {
  const floor = results.get('floor') ?? [];
  const floorRps = median(floor.map((s) => s.requestsPerSecond));
  const floorP50 = median(floor.map((s) => s.p50));
  const floorP99 = median(floor.map((s) => s.p99));
  const floorCpu = median(floor.map((s) => s.serverCpuMicrosPerRequest));
  return TARGETS.map((target) => {
    const samples = results.get(target) ?? [];
    const rps = samples.map((s) => s.requestsPerSecond);
    const p50 = median(samples.map((s) => s.p50));
    const p99 = median(samples.map((s) => s.p99));
    const cpu = median(samples.map((s) => s.serverCpuMicrosPerRequest));
    const failures = samples.reduce((n, s) => n + s.errors + s.non2xx, 0);
    // Each run's ratio to the floor's run beside it (seconds apart): the host's slow drift,
    // which moves both, cancels out of it, where it does not from a ratio of two medians.
    const paired = samples.map(
      (s, run) => s.requestsPerSecond / (floor[run]?.requestsPerSecond ?? NaN),
    );
    return [
      target === 'floor' ? 'floor (no-op express)' : `webhook /${target}`,
      medianWithSpread(rps),
      target === 'floor' ? '1.00×' : ratio(median(rps), floorRps),
      target === 'floor' ? '1.00×' : medianWithSpread(paired, (n) => n.toFixed(2), '×'),
      fmt(p50),
      target === 'floor' ? '1.00×' : ratio(p50, floorP50),
      fmt(p99),
      target === 'floor' ? '1.00×' : ratio(p99, floorP99),
      `${fmt(cpu)}`,
      target === 'floor' ? '1.00×' : ratio(cpu, floorCpu),
      String(failures),
    ];
  });
}

const HEADERS = [
  'server',
  'req/s median (min–max)',
  'req/s vs floor',
  'req/s vs floor, run by run: median (min–max)',
  'p50 ms',
  'p50 vs floor',
  'p99 ms',
  'p99 vs floor',
  'server CPU µs/req',
  'CPU vs floor',
  'errors + non-2xx',
];

export async function webhookBench(options: WebhookBenchOptions, info: RunInfo): Promise<string> {
  const { log } = options;
  const files = await makeServingFiles('webhook-bench-');
  const servers: Partial<Record<'ours' | 'floor', WebhookProcess>> = {};
  try {
    servers.ours = await startWebhookProcess({ files });
    servers.floor = await startWebhookProcess({ files, script: join(here, 'webhook-floor.js') });
    const ours = servers.ours;
    const floor = servers.floor;
    // The answers are what they should be before anything is timed.
    const mutated = JSON.parse(await checkAnswer(ours, '/mutate', MUTATE_BODY)) as {
      response: { allowed: boolean; patch?: string };
    };
    if (!mutated.response.allowed || mutated.response.patch === undefined) {
      throw new Error(`/mutate did not patch the benchmark Gateway: ${JSON.stringify(mutated)}`);
    }
    const validated = JSON.parse(await checkAnswer(ours, '/validate', VALIDATE_BODY)) as {
      response: { allowed: boolean; warnings?: string[] };
    };
    if (!validated.response.allowed || validated.response.warnings !== undefined) {
      throw new Error(
        `/validate did not admit the benchmark Gateway cleanly: ${JSON.stringify(validated)}`,
      );
    }
    await checkAnswer(floor, '/validate', VALIDATE_BODY);

    const plan: Record<Target, { server: WebhookProcess; path: string; body: string }> = {
      floor: { server: floor, path: '/validate', body: VALIDATE_BODY },
      validate: { server: ours, path: '/validate', body: VALIDATE_BODY },
      mutate: { server: ours, path: '/mutate', body: MUTATE_BODY },
    };
    const results: Results = { heavy: new Map(), light: new Map() };
    for (let run = 0; run < options.runs; run++) {
      // Rotate the order each run so slow drift on a shared machine does not favour one, and
      // measure the three servers one after another at each load, so that each run's samples
      // of the webhook and of the floor are seconds apart.
      const order = TARGETS.map((_, i) => TARGETS[(i + run) % TARGETS.length] as Target);
      for (const [kind, connections] of [
        ['heavy', 10],
        ['light', 1],
      ] as const) {
        for (const target of order) {
          const { server, path, body } = plan[target];
          await load(server, path, body, connections, options.warmupSeconds);
          const sample = await load(server, path, body, connections, options.durationSeconds);
          const list = results[kind].get(target) ?? [];
          list.push(sample);
          results[kind].set(target, list);
          log(
            `webhook run ${run + 1}/${options.runs} ${target} ${connections} conn: ${fmt(sample.requestsPerSecond)} req/s, p50 ${fmt(sample.p50)} ms, p99 ${fmt(sample.p99)} ms, ${fmt(sample.serverCpuMicrosPerRequest)} µs CPU/req`,
          );
        }
      }
    }
    for (const server of [ours, floor]) {
      if (server.exited() !== undefined) throw new Error(`a server died: ${server.output()}`);
    }
    const bodyBytes = (s: string) => Buffer.byteLength(s).toLocaleString('en-US');
    return [
      '## Webhook: requests/s and latency over HTTPS',
      '',
      describeRun(info, [
        `Packages: ${packageVersions(['express', 'autocannon', 'ajv', 'pino'])}.`,
      ]),
      '',
      `${options.runs} runs per server, each ${options.durationSeconds} s after a ${options.warmupSeconds} s warm-up (discarded), ` +
        'the three servers one after another at each load, in rotating order; medians over the runs, ratios of medians to the floor, ' +
        "and the median of each run's ratio to the floor's run beside it (which the host's slow drift moves less). " +
        'Server: `aws-controller webhook` in its own process (log level info, as shipped); ' +
        'floor: a no-op express 5 HTTPS handler answering a fixed AdmissionReview without reading the body, ' +
        'same TLS (1.2+, ECDSA P-256 certificate from a test CA) and keep-alive settings, in its own process. ' +
        'Load: autocannon in the benchmark process, keep-alive connections, no pipelining; latencies from ' +
        "autocannon's per-response float timings (its own histogram rounds to whole ms). " +
        `Bodies: an Istio Gateway with 6 of our annotations plus kubectl's last-applied-configuration and managedFields — ` +
        `/mutate ${bodyBytes(MUTATE_BODY)} bytes as written (2 values not in normal form, so the answer carries a patch), ` +
        `/validate ${bodyBytes(VALIDATE_BODY)} bytes after mutation (admitted, no warnings). ` +
        'Server CPU is utime+stime from /proc over the run (10 ms ticks), per completed request: ' +
        'unlike req/s it barely depends on what else the shared cores are doing.',
      '',
      '### Saturated: 10 connections',
      '',
      table(HEADERS, rows(results.heavy)),
      '',
      '### One connection (one request at a time, as a single apiserver call path)',
      '',
      table(HEADERS, rows(results.light)),
    ].join('\n');
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    await rm(files.dir, { recursive: true, force: true });
  }
}
