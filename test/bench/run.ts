// npm run bench [-- <benchmark>... [options]]: measures, and writes each benchmark's section of
// docs/benchmarks.md (machine, versions, the exact command, date; medians of several runs).
// Not part of the test command, and it asserts nothing about speed: it reports.
//
//   webhook   req/s, p50/p99 over HTTPS for /validate and /mutate vs a no-op express floor
//   hostile   the webhook's worst-case latency on hostile inputs, and what they cost others
//   plan      plan() time and memory for 1k/10k/100k endpoints, steady and 10 % changed
//   plan-command  the whole `aws-controller plan` command at 1k/10k/100k endpoints, YAML and
//             JSON manifests: CPU, wall, peak RSS, and where the CPU goes
//   economy   Route 53 calls per phase and apply→visible latency, external-dns vs the syncer
//   latency   one object written → its change accepted, 30 lone writes (p50, p99)
//   memory    controller RSS with 1k and 10k watched Gateways + VirtualServices
//   clusters  1, 2 and 4 syncers in their own clusters sharing one account's 5 requests/s:
//             calls, throttled calls, time to converge, calls at rest per cluster
//   incremental  the controller's CPU time and event-loop delay per change at 100k endpoints
//
// No benchmark named: webhook, hostile, plan and plan-command (those that need no cluster).
// Options:
//   --runs N              repetitions (default: webhook 5, hostile 5, plan 5, plan-command 3, incremental 3;
//                         economy, latency and memory 1)
//   --duration S          webhook: seconds per measured run (default 10; warm-up 2)
//   --sizes 1000,10000    plan, plan-command: endpoint counts (default 1000,10000,100000)
//   --controllers a,b     economy/latency/memory: external-dns and/or syncer (default both)
//   --memory-sizes N,…    memory: watched object counts (default 1000,10000; 100000 runs the
//                         syncer with the chart's flags only, and takes most of an hour)
//   --memory-defaults-max N  memory: the largest size the syncer also runs with Node's
//                         defaults at (default 10000; 1: the chart's flags only)
//   --memory-syncer-flags chart|defaults|both  memory: which of the syncer's runs to make
//                         (default both; one row of the table again, say)
//   --quiet S             economy: seconds of quiet after the burst (default 600)
//   --lone-writes N       latency: lone writes per run (default 30)
//   --lone-pause S        latency: quiet after each write's record is accepted (default 2; a
//                         minute or more lets V8 collect, and flush unused code, in between)
//   --counts 1,2,4        clusters: syncer counts (default 1,2,4; at most 4)
//   --gateways N          clusters: Gateways applied to every cluster (default 1000)
//   --zones N             clusters: hosted zones they spread over (default 50)
//   --rest S              clusters: seconds at rest after each convergence (default 120)
//   --rest-zones N        clusters: zones of the last part, one cluster at rest for a whole
//                         drift interval (default 500; 0 skips it)
//   --rest-interval S     clusters: that part's --interval, in seconds (default 600, the
//                         syncer's own default)
//   --baseline REV        plan-command: also run the command as built at git revision REV, in
//                         turns with this tree's, and report the paired differences
//   --no-write            print the sections instead of writing docs/benchmarks.md
import { parseArgs } from 'node:util';
import { CONTROLLERS, type ControllerName } from './controllers.js';
import { clustersBench } from './clusters-bench.js';
import {
  closeBenchEnvironment,
  economyBench,
  latencyBench,
  LONE_PAUSE_MS,
  LONE_WRITES,
  memoryBench,
} from './economy.js';
import { incrementalBench } from './incremental-bench.js';
import { planBench } from './plan-bench.js';
import { planCommandSection } from './plan-command-bench.js';
import { runInfo, writeSection } from './report.js';
import { webhookBench } from './webhook-bench.js';
import { hostileBench } from './webhook-hostile.js';

const BENCHMARKS = [
  'webhook',
  'hostile',
  'plan',
  'plan-command',
  'economy',
  'latency',
  'memory',
  'clusters',
  'incremental',
] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: 'string' },
      duration: { type: 'string' },
      sizes: { type: 'string' },
      'memory-sizes': { type: 'string' },
      'memory-defaults-max': { type: 'string' },
      'memory-syncer-flags': { type: 'string' },
      'lone-writes': { type: 'string' },
      'lone-pause': { type: 'string' },
      controllers: { type: 'string' },
      quiet: { type: 'string' },
      counts: { type: 'string' },
      gateways: { type: 'string' },
      zones: { type: 'string' },
      rest: { type: 'string' },
      'rest-zones': { type: 'string' },
      'rest-interval': { type: 'string' },
      'no-write': { type: 'boolean' },
      baseline: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stderr.write(
      'usage: npm run bench -- [webhook] [hostile] [plan] [plan-command] [economy] [latency] [memory] [clusters] [incremental] [options]\n',
    );
    return 0;
  }
  const unknown = positionals.filter((p) => !(BENCHMARKS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    log(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
    return 2;
  }
  const chosen: Benchmark[] =
    positionals.length > 0
      ? (positionals as Benchmark[])
      : ['webhook', 'hostile', 'plan', 'plan-command'];
  const number = (raw: string | undefined, fallback: number, what: string): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number`);
    return n;
  };
  const syncerFlagsOption = (raw = 'both'): 'chart' | 'defaults' | 'both' => {
    if (raw === 'chart' || raw === 'defaults' || raw === 'both') return raw;
    throw new Error(`--memory-syncer-flags must be chart, defaults or both, got '${raw}'`);
  };
  const named = (values.controllers ?? 'external-dns,syncer').split(',').filter(Boolean);
  const controllers = named.filter((c): c is ControllerName => c in CONTROLLERS);
  if (controllers.length !== named.length) {
    throw new Error(`--controllers: choose from ${Object.keys(CONTROLLERS).join(', ')}`);
  }
  const info = runInfo(argv);
  const failures: string[] = [];
  // A test environment that economy or memory started is stopped on the way out, whatever
  // happens: after the last benchmark, after a failure, on SIGINT or SIGTERM.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void closeBenchEnvironment().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  for (const name of chosen) {
    log(`${name}: starting`);
    try {
      const section = await (async () => {
        switch (name) {
          case 'webhook':
            return webhookBench(
              {
                runs: number(values.runs, 5, 'runs'),
                durationSeconds: number(values.duration, 10, 'duration'),
                warmupSeconds: 2,
                log,
              },
              info,
            );
          case 'hostile':
            return hostileBench({ runs: number(values.runs, 5, 'runs'), log }, info);
          case 'plan':
            return planBench(
              {
                runs: number(values.runs, 5, 'runs'),
                sizes: (values.sizes ?? '1000,10000,100000').split(',').map(Number),
                log,
              },
              info,
            );
          case 'plan-command':
            return planCommandSection(
              {
                runs: number(values.runs, 3, 'runs'),
                sizes: (values.sizes ?? '1000,10000,100000').split(',').map(Number),
                ...(values.baseline !== undefined && { baseline: values.baseline }),
                log,
              },
              info,
            );
          case 'economy':
            return economyBench(
              {
                runs: number(values.runs, 1, 'runs'),
                controllers: controllers,
                quietSeconds: number(values.quiet, 600, 'quiet'),
                log,
              },
              info,
            );
          case 'latency':
            return latencyBench(
              {
                runs: number(values.runs, 1, 'runs'),
                controllers: controllers,
                writes: number(values['lone-writes'], LONE_WRITES, 'lone-writes'),
                pauseSeconds: number(values['lone-pause'], LONE_PAUSE_MS / 1000, 'lone-pause'),
                log,
              },
              info,
            );
          case 'incremental':
            return incrementalBench(
              {
                endpoints: Number((values.sizes ?? '100000').split(',')[0]),
                changes: 200,
                runs: number(values.runs, 3, 'runs'),
                log,
              },
              info,
            );
          case 'memory':
            return memoryBench(
              {
                runs: number(values.runs, 1, 'runs'),
                controllers: controllers,
                sizes: (values['memory-sizes'] ?? '1000,10000').split(',').map(Number),
                defaultsMaxObjects: number(
                  values['memory-defaults-max'],
                  10_000,
                  'memory-defaults-max',
                ),
                externalDnsMaxObjects: 10_000,
                syncerFlags: syncerFlagsOption(values['memory-syncer-flags']),
                log,
              },
              info,
            );
          case 'clusters':
            return clustersBench(
              {
                counts: (values.counts ?? '1,2,4').split(',').map(Number),
                gateways: number(values.gateways, 1000, 'gateways'),
                zones: number(values.zones, 50, 'zones'),
                restSeconds: number(values.rest, 120, 'rest'),
                // 0 skips the at-rest part: not a positive number, so read apart.
                restZones:
                  values['rest-zones'] === '0'
                    ? 0
                    : number(values['rest-zones'], 500, 'rest-zones'),
                restIntervalSeconds: number(values['rest-interval'], 600, 'rest-interval'),
                log,
              },
              info,
            );
        }
      })();
      if (values['no-write']) process.stdout.write(`${section}\n\n`);
      else log(`${name}: written to ${writeSection(name, section)}`);
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`${name}: FAILED: ${message}`);
      failures.push(name);
    }
  }
  await closeBenchEnvironment();
  if (failures.length > 0) {
    log(`failed: ${failures.join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
    await closeBenchEnvironment().catch(() => undefined);
    process.exit(2);
  },
);
