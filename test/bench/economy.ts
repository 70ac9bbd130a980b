// Route 53 economy: external-dns and the syncer in turn, against the same apiserver and moto
// (behind the strictness proxy) with the same workload — 50 hosted zones, 10,000 Istio
// Gateway hosts (1,000 Gateways × 10 hosts), a burst of 500 changes, then quiet — counting
// every Route 53 call by operation at the proxy, phase by phase, and the time from each
// object's write being committed to its record being visible in moto. The memory benchmark
// (controller RSS with 1k and 10k watched Gateways + VirtualServices) reuses the same setup.
import {
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultStateFile, startEnvironment, stopEnvironment } from '../env/lifecycle.js';
import { ENV_VARIABLE, getTestEnvironment, type TestEnvironment } from '../helpers/environment.js';
import type { MemoryBreakdown } from '../helpers/gc-probe.js';
import type { StatsSnapshot } from '../route53-proxy/stats.js';
import {
  chartRuntime,
  CONTROLLERS,
  heapLimitFor,
  OWNER_ID,
  type ControllerName,
  type RunningController,
} from './controllers.js';
import { inParallel, ISTIO, KubeApi } from './kube-api.js';
import { describeRun, fmt, median, mib, percentile, ratio, table, type RunInfo } from './report.js';
import { peakCalls, startTap, within, type Tap } from './route53-tap.js';
import {
  cleanNamespace,
  freshZones,
  gateway,
  ingressService,
  virtualService,
  ZONES,
  zoneName,
} from './workload.js';

export interface EconomyOptions {
  readonly runs: number;
  readonly controllers: readonly ControllerName[];
  readonly quietSeconds: number;
  readonly log: (line: string) => void;
}

export interface MemoryOptions {
  readonly runs: number;
  readonly controllers: readonly ControllerName[];
  /** Watched object counts (default 1,000 and 10,000; 100,000 takes most of an hour). */
  readonly sizes: readonly number[];
  /** Sizes above this run the syncer with the chart's flags only. */
  readonly defaultsMaxObjects: number;
  /** Which of the syncer's runs to make: with the chart's flags, with Node's defaults, or both. */
  readonly syncerFlags?: 'chart' | 'defaults' | 'both';
  /** Sizes above this run without external-dns. */
  readonly externalDnsMaxObjects: number;
  readonly log: (line: string) => void;
}

const GATEWAYS = 1000;
const HOSTS_PER_GATEWAY = 10;
const BURST = 500;
const DOMAIN = 'economy.example';
/** Idle time after start, before the first object (what a controller does on its own). */
const STARTUP_SECONDS = 30;
/** After the last record of a phase is visible: its trailing calls still count to it. */
const SETTLE_SECONDS = 30;
const CONVERGE_TIMEOUT_MS = 30 * 60_000;
const WRITE_CONCURRENCY = 8;
/** Lone writes: how many, and the pause after each one's record is visible before the next. */
export const LONE_WRITES = 30;
export const LONE_PAUSE_MS = 2000;
const LONE_TIMEOUT_MS = 120_000;

// ---------- the environment ----------

interface Bench {
  readonly env: TestEnvironment;
  readonly kube: KubeApi;
  close(): Promise<void>;
  /** Set when a run's objects are still in the cluster: every controller would watch them. */
  dirty?: string;
}

async function openBench(log: (line: string) => void): Promise<Bench> {
  let stop = (): Promise<void> => Promise.resolve();
  if (process.env[ENV_VARIABLE] === undefined) {
    const stateFile = defaultStateFile('bench');
    log(`starting a test environment (${stateFile})`);
    await startEnvironment({ stateFile, owned: true, log: (l) => log(`env: ${l}`) });
    process.env[ENV_VARIABLE] = stateFile;
    stop = () => stopEnvironment(stateFile).then(() => undefined);
  } else {
    log(`using the running environment ${process.env[ENV_VARIABLE]}`);
  }
  try {
    const env = getTestEnvironment();
    const kube = new KubeApi(env.state, WRITE_CONCURRENCY);
    const existing = (await kube.must('GET', `${ISTIO}/gateways?limit=1`)).body as {
      items: unknown[];
    };
    if (existing.items.length > 0) {
      log('WARNING: the cluster already holds Istio Gateways; both controllers will see them');
    }
    return {
      env,
      kube,
      close: async () => {
        kube.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// One environment for every benchmark of this process (economy, then memory), stopped by
// closeBenchEnvironment() at the end, also after a failure or a signal.
let shared: Promise<Bench> | undefined;

function benchEnvironment(log: (line: string) => void): Promise<Bench> {
  shared ??= openBench(log);
  return shared;
}

export async function closeBenchEnvironment(): Promise<void> {
  const bench = await shared?.catch(() => undefined);
  shared = undefined;
  await bench?.close();
}

// ---------- phases ----------

interface Phase {
  readonly name: string;
  readonly seconds: number;
  readonly stats: StatsSnapshot;
  readonly peakPerSecond: number;
  readonly tapCalls: number;
}

interface Latencies {
  readonly what: string;
  readonly seconds: number[];
  readonly missing: number;
}

interface EconomyRun {
  readonly controller: ControllerName;
  readonly phases: Phase[];
  readonly latencies: Latencies[];
  readonly finalRecords: Record<string, number>;
  readonly refused: string[];
  readonly rssEndBytes: number;
  readonly logFile: string;
  readonly failure?: string;
}

async function endPhase(env: TestEnvironment, tap: Tap, name: string, start: number) {
  const end = performance.now();
  const stats = await env.proxy.stats();
  await env.proxy.reset();
  const phase: Phase = {
    name,
    seconds: (end - start) / 1000,
    stats,
    peakPerSecond: peakCalls(tap.calls, start, end),
    tapCalls: within(tap.calls, start, end).length,
  };
  return { phase, end };
}

/** Waits until every key is in `seen`; resolves with how many are still missing at timeout. */
async function waitForAll(
  keys: Iterable<string>,
  seen: ReadonlyMap<string, number>,
  timeoutMs: number,
  what: string,
  log: (line: string) => void,
  alive: () => string | undefined,
): Promise<number> {
  const wanted = [...keys];
  const deadline = performance.now() + timeoutMs;
  let lastReport = performance.now();
  for (;;) {
    const missing = wanted.filter((k) => !seen.has(k)).length;
    if (missing === 0) return 0;
    const dead = alive();
    if (dead !== undefined) throw new Error(`the controller ${dead}`);
    if (performance.now() > deadline) return missing;
    if (performance.now() - lastReport > 30_000) {
      log(`${what}: ${wanted.length - missing} of ${wanted.length} visible`);
      lastReport = performance.now();
    }
    await sleep(250);
  }
}

function latencies(
  what: string,
  committed: ReadonlyMap<string, number>,
  seen: ReadonlyMap<string, number>,
): Latencies {
  const seconds: number[] = [];
  let missing = 0;
  for (const [key, at] of committed) {
    const visible = seen.get(key);
    if (visible === undefined) missing++;
    else seconds.push((visible - at) / 1000);
  }
  return { what, seconds: seconds.sort((a, b) => a - b), missing };
}

async function recordsInMoto(env: TestEnvironment): Promise<Record<string, number>> {
  const moto = env.route53({ endpoint: env.motoEndpoint });
  const counts: Record<string, number> = {};
  try {
    const { HostedZones = [] } = await moto.send(new ListHostedZonesCommand({}));
    for (const zone of HostedZones) {
      const seen = new Set<string>();
      let start: { name?: string; type?: string } = {};
      // moto has no NextRecordIdentifier: page by name and type, and cap the pages.
      for (let page = 0; page < 1000; page++) {
        const res = await moto.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zone.Id,
            ...(start.name !== undefined && { StartRecordName: start.name }),
            ...(start.type !== undefined && { StartRecordType: start.type as 'A' }),
          }),
        );
        for (const set of res.ResourceRecordSets ?? ([] as ResourceRecordSet[])) {
          const key = `${set.Type} ${set.Name}`;
          if (seen.has(key)) continue;
          seen.add(key);
          counts[set.Type ?? '?'] = (counts[set.Type ?? '?'] ?? 0) + 1;
        }
        if (!res.IsTruncated) break;
        start = { name: res.NextRecordName, type: res.NextRecordType };
      }
    }
  } finally {
    moto.destroy();
  }
  return counts;
}

/**
 * One Gateway of one host at a time, each written once the previous one's record is visible
 * and a pause has passed, so each is a lone change: the time from its write being committed
 * to its change batch being accepted. Returns when each was committed, by `A <host>`.
 */
async function loneWrites(
  kube: KubeApi,
  namespace: string,
  hosts: readonly string[],
  tap: Tap,
  alive: () => string | undefined,
  pauseMs = LONE_PAUSE_MS,
): Promise<Map<string, number>> {
  const committed = new Map<string, number>();
  for (const [i, host] of hosts.entries()) {
    const res = await kube.must(
      'POST',
      `${ISTIO}/namespaces/${namespace}/gateways`,
      gateway(namespace, `lone-${i}`, [host]),
    );
    committed.set(`A ${host}`, res.at);
    const deadline = performance.now() + LONE_TIMEOUT_MS;
    while (!tap.written.has(`A ${host}`) && performance.now() < deadline) {
      const dead = alive();
      if (dead !== undefined) throw new Error(`the controller ${dead}`);
      await sleep(5);
    }
    await sleep(pauseMs);
  }
  return committed;
}

const hostName = (g: number, j: number, version = 1): string =>
  `g${g}-h${j}${version > 1 ? `-v${version}` : ''}.${zoneName(DOMAIN, g % ZONES)}`;
const hostsOf = (g: number, version = 1): string[] =>
  Array.from({ length: HOSTS_PER_GATEWAY }, (_, j) => hostName(g, j, j === 0 ? version : 1));

async function economyRun(
  bench: Bench,
  name: ControllerName,
  run: number,
  quietSeconds: number,
  log: (line: string) => void,
): Promise<EconomyRun> {
  const { env, kube } = bench;
  const controller = CONTROLLERS[name];
  const say = (line: string) => log(`economy ${name} run ${run}: ${line}`);
  await freshZones(env, DOMAIN);
  const namespace = await env.createNamespace('economy');
  await ingressService(kube, namespace);
  const tap = await startTap(env.route53Endpoint);
  const logFile = join(env.state.logDir, `bench-economy-${name}-${run}.log`);
  // startup: the controller alone with 50 empty zones, from the moment it is started
  await env.proxy.reset();
  let start = performance.now();
  const running = await controller.start({
    kubeconfig: env.kubeconfigPath,
    route53Endpoint: tap.url,
    leaseNamespace: namespace,
    logFile,
    virtualServices: false,
  });
  const phases: Phase[] = [];
  const lat: Latencies[] = [];
  let failure: string | undefined;
  let rssEndBytes = 0;
  try {
    say(`started (pid ${running.pid}); ${STARTUP_SECONDS} s with no objects`);
    await sleep(STARTUP_SECONDS * 1000);
    let done = await endPhase(env, tap, `startup, no objects (${STARTUP_SECONDS} s)`, start);
    phases.push(done.phase);

    // initial: 1,000 Gateways × 10 hosts
    start = done.end;
    const committed = new Map<string, number>();
    await inParallel(
      Array.from({ length: GATEWAYS }, (_, g) => g),
      WRITE_CONCURRENCY,
      async (g) => {
        const res = await kube.must(
          'POST',
          `${ISTIO}/namespaces/${namespace}/gateways`,
          gateway(namespace, `gw-${g}`, hostsOf(g)),
        );
        for (const host of hostsOf(g)) committed.set(`A ${host}`, res.at);
      },
    );
    say(`${GATEWAYS} Gateways written in ${fmt((performance.now() - start) / 1000)} s`);
    const missingInitial = await waitForAll(
      committed.keys(),
      tap.written,
      CONVERGE_TIMEOUT_MS,
      'initial',
      say,
      () => running.exited(),
    );
    lat.push(latencies('initial: 10,000 hosts created', committed, tap.written));
    if (missingInitial > 0) {
      throw new Error(
        `${missingInitial} of ${committed.size} records not visible after ${CONVERGE_TIMEOUT_MS / 60_000} min`,
      );
    }
    say(`all ${committed.size} records visible; settling ${SETTLE_SECONDS} s`);
    await sleep(SETTLE_SECONDS * 1000);
    done = await endPhase(
      env,
      tap,
      `initial: 1,000 Gateways × 10 hosts, until visible + ${SETTLE_SECONDS} s`,
      start,
    );
    phases.push(done.phase);

    // burst: 500 Gateways each get one host renamed
    start = done.end;
    const created = new Map<string, number>();
    const removed = new Map<string, number>();
    await inParallel(
      Array.from({ length: BURST }, (_, g) => g),
      WRITE_CONCURRENCY,
      async (g) => {
        const res = await kube.must(
          'PATCH',
          `${ISTIO}/namespaces/${namespace}/gateways/gw-${g}`,
          { spec: gateway(namespace, `gw-${g}`, hostsOf(g, 2)).spec },
          'application/merge-patch+json',
        );
        created.set(`A ${hostName(g, 0, 2)}`, res.at);
        removed.set(`A ${hostName(g, 0, 1)}`, res.at);
      },
    );
    say(`${BURST} Gateways patched in ${fmt((performance.now() - start) / 1000)} s`);
    const missingCreated = await waitForAll(
      created.keys(),
      tap.written,
      CONVERGE_TIMEOUT_MS,
      'burst creates',
      say,
      () => running.exited(),
    );
    const missingRemoved = await waitForAll(
      removed.keys(),
      tap.deleted,
      CONVERGE_TIMEOUT_MS,
      'burst deletes',
      say,
      () => running.exited(),
    );
    lat.push(latencies('burst: 500 new hosts created', created, tap.written));
    lat.push(latencies('burst: 500 old hosts deleted', removed, tap.deleted));
    if (missingCreated + missingRemoved > 0) {
      throw new Error(`burst: ${missingCreated} creates and ${missingRemoved} deletes not visible`);
    }
    say(`burst visible; settling ${SETTLE_SECONDS} s`);
    await sleep(SETTLE_SECONDS * 1000);
    done = await endPhase(
      env,
      tap,
      `burst: 500 host renames, until visible + ${SETTLE_SECONDS} s`,
      start,
    );
    phases.push(done.phase);

    // lone: single writes, one at a time, with the 10,000 records in place
    start = done.end;
    const lone = await loneWrites(
      kube,
      namespace,
      Array.from({ length: LONE_WRITES }, (_, i) => `lone${i}.${zoneName(DOMAIN, i % ZONES)}`),
      tap,
      () => running.exited(),
    );
    lat.push(
      latencies(`lone: ${LONE_WRITES} single-host Gateways, one at a time`, lone, tap.written),
    );
    done = await endPhase(
      env,
      tap,
      `lone: ${LONE_WRITES} single-host Gateways, each after the last is visible + ${LONE_PAUSE_MS / 1000} s`,
      start,
    );
    phases.push(done.phase);

    // quiet
    start = done.end;
    say(`quiet for ${quietSeconds} s`);
    await sleep(quietSeconds * 1000);
    done = await endPhase(env, tap, `quiet (${fmt(quietSeconds / 60)} min)`, start);
    phases.push(done.phase);
    rssEndBytes = running.rss();
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    say(`FAILED: ${failure}`);
  } finally {
    await running.stop();
    await tap.close();
  }
  const finalRecords = await recordsInMoto(env);
  await cleanNamespace(kube, namespace);
  say(`records in moto: ${JSON.stringify(finalRecords)}`);
  return {
    controller: name,
    phases,
    latencies: lat,
    finalRecords,
    refused: tap.refused,
    rssEndBytes,
    logFile,
    ...(failure !== undefined && { failure }),
  };
}

// ---------- the report ----------

function phaseTable(runs: readonly EconomyRun[]): string {
  const operations = new Set<string>();
  for (const run of runs) {
    for (const phase of run.phases)
      Object.keys(phase.stats.byOperation).forEach((op) => operations.add(op));
  }
  const ops = [...operations].sort();
  const byKey = new Map<string, Phase[]>();
  for (const run of runs) {
    run.phases.forEach((phase, i) => {
      const key = `${i}\u0000${phase.name}\u0000${run.controller}`;
      byKey.set(key, [...(byKey.get(key) ?? []), phase]);
    });
  }
  const rows = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, phases]) => {
      const [, name, controller] = key.split('\u0000') as [string, string, string];
      const total = median(phases.map((p) => p.stats.total));
      const minutes = median(phases.map((p) => p.seconds)) / 60;
      return [
        name,
        controller,
        fmt(median(phases.map((p) => p.seconds))),
        fmt(total),
        ...ops.map((op) => fmt(median(phases.map((p) => p.stats.byOperation[op]?.calls ?? 0)))),
        fmt(
          median(
            phases.map((p) =>
              Object.values(p.stats.byOperation).reduce((n, s) => n + s.rejected, 0),
            ),
          ),
        ),
        fmt(
          median(
            phases.map((p) =>
              Object.values(p.stats.byOperation).reduce((n, s) => n + (s.throttled ?? 0), 0),
            ),
          ),
        ),
        fmt(total / minutes),
        fmt(median(phases.map((p) => p.peakPerSecond))),
      ];
    });
  return table(
    [
      'phase',
      'controller',
      'seconds',
      'Route 53 calls',
      ...ops,
      'refused',
      'throttled',
      'calls/min',
      'peak calls in 1 s',
    ],
    rows,
  );
}

function latencyTable(runs: readonly EconomyRun[]): string {
  const rows: string[][] = [];
  const whats = [...new Set(runs.flatMap((r) => r.latencies.map((l) => l.what)))];
  for (const what of whats) {
    for (const controller of [...new Set(runs.map((r) => r.controller))]) {
      const samples = runs
        .filter((r) => r.controller === controller)
        .flatMap((r) => r.latencies.filter((l) => l.what === what));
      if (samples.length === 0) continue;
      rows.push([
        what,
        controller,
        fmt(median(samples.map((s) => s.seconds.length))),
        fmt(median(samples.map((s) => percentile(s.seconds, 50)))),
        fmt(median(samples.map((s) => percentile(s.seconds, 99)))),
        fmt(median(samples.map((s) => s.seconds[s.seconds.length - 1] ?? NaN))),
        fmt(median(samples.map((s) => s.missing))),
      ]);
    }
  }
  return table(
    ['change', 'controller', 'records', 'p50 s', 'p99 s', 'max s', 'never visible'],
    rows,
  );
}

function ratioTable(runs: readonly EconomyRun[]): string | undefined {
  const ours = runs.filter((r) => r.controller === 'syncer' && r.failure === undefined);
  const theirs = runs.filter((r) => r.controller === 'external-dns' && r.failure === undefined);
  if (ours.length === 0 || theirs.length === 0) return undefined;
  const rows: string[][] = [];
  const phaseCount = Math.min(ours[0]?.phases.length ?? 0, theirs[0]?.phases.length ?? 0);
  for (let i = 0; i < phaseCount; i++) {
    const a = median(ours.map((r) => r.phases[i]?.stats.total ?? NaN));
    const b = median(theirs.map((r) => r.phases[i]?.stats.total ?? NaN));
    rows.push([`calls: ${theirs[0]?.phases[i]?.name ?? ''}`, fmt(a), fmt(b), ratio(a, b)]);
  }
  for (const what of theirs[0]?.latencies.map((l) => l.what) ?? []) {
    for (const p of [50, 99]) {
      const a = median(
        ours.map((r) => percentile(r.latencies.find((l) => l.what === what)?.seconds ?? [], p)),
      );
      const b = median(
        theirs.map((r) => percentile(r.latencies.find((l) => l.what === what)?.seconds ?? [], p)),
      );
      rows.push([`p${p} s: ${what}`, fmt(a), fmt(b), ratio(a, b)]);
    }
  }
  return table(['measure', 'syncer', 'external-dns', 'syncer / external-dns'], rows);
}

function controllerLines(names: readonly ControllerName[]): string[] {
  return names.map((n) => `- ${n}: ${CONTROLLERS[n].describe()}`);
}

/** What every section run against the environment says it ran on, and with which controllers. */
function environmentLines(bench: Bench, names: readonly ControllerName[]): string[] {
  const { kubernetes, moto } = bench.env.state.versions;
  return [
    `Environment: kube-apiserver ${kubernetes}, moto ${moto} behind the Route 53 strictness proxy (\`docs/testing.md\`).`,
    'Controllers:',
    ...controllerLines(names),
  ];
}

/**
 * Builds or checks each controller; those that cannot run are reported as not measured (never
 * given numbers), and the benchmark stops only if none can.
 */
async function prepareControllers(
  names: readonly ControllerName[],
  log: (line: string) => void,
): Promise<{ ready: ControllerName[]; notRun: string[] }> {
  const ready: ControllerName[] = [];
  const notRun: string[] = [];
  for (const name of names) {
    try {
      await CONTROLLERS[name].prepare(log);
      ready.push(name);
    } catch (err) {
      notRun.push(`- **${name}: not measured.** ${(err as Error).message}`);
      log(`${name}: not measured: ${(err as Error).message}`);
    }
  }
  if (ready.length === 0) throw new Error(`no controller could run:\n${notRun.join('\n')}`);
  return { ready, notRun };
}

export async function economyBench(options: EconomyOptions, info: RunInfo): Promise<string> {
  const { log } = options;
  const { ready, notRun } = await prepareControllers(options.controllers, log);
  const bench = await benchEnvironment(log);
  const runs: EconomyRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const name of ready) {
      runs.push(await economyRun(bench, name, run, options.quietSeconds, log));
    }
  }
  const failures = runs.filter((r) => r.failure !== undefined);
  const ratios = ratioTable(runs);
  return [
    '## Route 53 economy: the syncer side by side with external-dns',
    '',
    describeRun(info, [...environmentLines(bench, options.controllers)]),
    '',
    `Workload, the same for each controller in turn (fresh moto, fresh namespace, previous objects deleted): ` +
      `${ZONES} public hosted zones; the ingress gateway Service (\`istio: ingressgateway\`, type LoadBalancer, ` +
      `status set to one IP by the harness since no controller-manager runs); ${GATEWAYS.toLocaleString('en-US')} ` +
      `Istio Gateways of ${HOSTS_PER_GATEWAY} hosts each (${(GATEWAYS * HOSTS_PER_GATEWAY).toLocaleString('en-US')} A records, ` +
      `each Gateway's hosts in one zone, 200 hosts per zone), written ${WRITE_CONCURRENCY} at a time through the API; then a ` +
      `burst of ${BURST} changes (the first ${BURST} Gateways, 10 per zone, each get one host renamed: ${BURST} records to create and ` +
      `${BURST} to delete); then ${LONE_WRITES} lone writes (one single-host Gateway at a time, each once the previous one's record is ` +
      `accepted and ${LONE_PAUSE_MS / 1000} s have passed); then ${fmt(options.quietSeconds / 60)} minutes of quiet. Both run with policy sync and owner ID ` +
      `\`${OWNER_ID}\`; external-dns with \`--source=istio-gateway --provider=aws --registry=txt --txt-owner-id=${OWNER_ID} ` +
      '--policy=sync --events` and its defaults otherwise (`--interval=1m`, `--min-event-sync-interval=5s`, ' +
      '`--aws-batch-change-size=1000`, `--aws-batch-change-interval=1s`, no zone cache); the syncer with ' +
      `\`--owner-id ${OWNER_ID} --policy sync\` and its defaults (rate limit 4/s, lone-change delay 10 ms, debounce 1s, drift interval 10m).`,
    '',
    'Counting: every HTTP call reaching the Route 53 proxy in front of moto, by operation, SDK retries included ' +
      `(\`env.proxy.stats()\`, reset between phases). A phase runs from its first write until its last record is visible, plus ${SETTLE_SECONDS} s ` +
      'so that trailing calls count to it; "startup" is the controller alone with the empty zones. The proxy enforces the account\'s ' +
      `rate limit (${bench.env.state.route53Rate ?? '5/5'}: requests per second / burst, every client of the account together, as Route 53 does): ` +
      '"throttled" calls were answered `Throttling` and retried by the controller (they are in the calls too). ' +
      'Latency: from the moment the apiserver answered the write of an object (what `kubectl apply` waits for) to the moment ' +
      'the change batch holding its A record (or its deletion) was accepted, seen by a pass-through in front of the proxy that notes ' +
      "when each accepted batch's 200 went back. That costs moto nothing; polling moto for 10,000 names would compete for the " +
      'same two cores as the controller under test.',
    '',
    ...(notRun.length > 0 ? [...notRun, ''] : []),
    ...(failures.length > 0
      ? [
          ...failures.map(
            (f) => `- **${f.controller}: run failed:** ${f.failure} (log: \`${f.logFile}\`)`,
          ),
          '',
        ]
      : []),
    '### Route 53 calls per phase',
    '',
    phaseTable(runs),
    '',
    '### Write → visible in moto',
    '',
    latencyTable(runs),
    '',
    ...(ratios ? ['### Ratios', '', ratios, ''] : []),
    '### Checks',
    '',
    ...runs.map(
      (r) =>
        `- ${r.controller}: records in moto at the end ${JSON.stringify(r.finalRecords)}; change batches refused by the proxy: ` +
        `${r.refused.length === 0 ? 'none' : r.refused.join(', ')}; RSS at the end ${mib(r.rssEndBytes)}.`,
    ),
  ].join('\n');
}

// ---------- latency ----------

export interface LatencyOptions {
  readonly runs: number;
  /** Lone writes per run, and the quiet after each one's record before the next. */
  readonly writes: number;
  readonly pauseSeconds: number;
  readonly controllers: readonly ControllerName[];
  readonly log: (line: string) => void;
}

const LATENCY_DOMAIN = 'latency.example';

interface LatencyRun {
  readonly controller: ControllerName;
  readonly seconds: number[];
  readonly missing: number;
  readonly changeCalls: number;
  readonly failure?: string;
}

async function latencyRun(
  bench: Bench,
  name: ControllerName,
  run: number,
  options: LatencyOptions,
): Promise<LatencyRun> {
  const { log, writes, pauseSeconds } = options;
  const { env, kube } = bench;
  const say = (line: string) => log(`latency ${name} run ${run}: ${line}`);
  await freshZones(env, LATENCY_DOMAIN);
  const namespace = await env.createNamespace('latency');
  await ingressService(kube, namespace);
  const tap = await startTap(env.route53Endpoint);
  const running = await CONTROLLERS[name].start({
    kubeconfig: env.kubeconfigPath,
    route53Endpoint: tap.url,
    leaseNamespace: namespace,
    logFile: join(env.state.logDir, `bench-latency-${name}-${run}.log`),
    virtualServices: false,
    chartRuntime: true,
  });
  try {
    say(`started; ${STARTUP_SECONDS} s for it to list the zones`);
    await sleep(STARTUP_SECONDS * 1000);
    await env.proxy.reset();
    const hosts = Array.from(
      { length: writes },
      (_, i) => `one${i}.${zoneName(LATENCY_DOMAIN, i % ZONES)}`,
    );
    const committed = await loneWrites(
      kube,
      namespace,
      hosts,
      tap,
      () => running.exited(),
      pauseSeconds * 1000,
    );
    const stats = await env.proxy.stats();
    const result = latencies('lone', committed, tap.written);
    const inOrder = hosts.map((host) => {
      const [at, accepted] = [committed.get(`A ${host}`), tap.written.get(`A ${host}`)];
      return at === undefined || accepted === undefined ? NaN : (accepted - at) / 1000;
    });
    say(
      `p50 ${fmt(percentile(result.seconds, 50))} s, p99 ${fmt(percentile(result.seconds, 99))} s; ` +
        `in the order written: ${inOrder.map((s) => fmt(s)).join(' ')}`,
    );
    return {
      controller: name,
      seconds: result.seconds,
      missing: result.missing,
      changeCalls: stats.byOperation['ChangeResourceRecordSets']?.calls ?? 0,
    };
  } catch (err) {
    return {
      controller: name,
      seconds: [],
      missing: writes,
      changeCalls: 0,
      failure: (err as Error).message,
    };
  } finally {
    await running.stop();
    await tap.close();
    await cleanNamespace(kube, namespace);
  }
}

export async function latencyBench(options: LatencyOptions, info: RunInfo): Promise<string> {
  const { log } = options;
  const { ready, notRun } = await prepareControllers(options.controllers, log);
  const bench = await benchEnvironment(log);
  const runs: LatencyRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const name of ready) runs.push(await latencyRun(bench, name, run, options));
  }
  const rows = ready.map((name) => {
    const mine = runs.filter((r) => r.controller === name && r.failure === undefined);
    const all = mine.flatMap((r) => r.seconds).sort((a, b) => a - b);
    return [
      name,
      fmt(all.length),
      fmt(percentile(all, 50)),
      fmt(percentile(all, 90)),
      fmt(percentile(all, 99)),
      fmt(all[0] ?? NaN),
      fmt(all[all.length - 1] ?? NaN),
      fmt(median(mine.map((r) => r.changeCalls))),
      fmt(median(mine.map((r) => r.missing))),
    ];
  });
  return [
    '## Latency: one object written → its change accepted',
    '',
    describeRun(info, [...environmentLines(bench, options.controllers)]),
    '',
    `${ZONES} fresh public hosted zones, the ingress gateway Service, and nothing else to publish; the controller is started ` +
      `and left ${STARTUP_SECONDS} s to list the zones; the syncer runs with the chart's runtime settings (values.yaml). Then ${options.writes} ` +
      `Istio Gateways of one host each (hosts round the zones) are written one at a time through the API, each once the ` +
      `previous one's record was accepted and ${fmt(options.pauseSeconds)} s have passed, so every write is a lone change. ` +
      'Latency: from the moment the apiserver answered the write (what `kubectl apply` ' +
      'waits for) to the moment the change batch holding its A record was accepted (the tap in front of the proxy, as in ' +
      'the economy benchmark). "change calls" counts ChangeResourceRecordSets reaching the proxy over the writes ' +
      `(${options.writes} means one request per write). The same measure with 10,000 records published is the "lone" row of ` +
      'the economy benchmark.',
    '',
    ...notRun,
    ...runs
      .filter((r) => r.failure !== undefined)
      .map((r) => `- **${r.controller}: run failed:** ${r.failure}`),
    '',
    table(
      [
        'controller',
        'writes',
        'p50 s',
        'p90 s',
        'p99 s',
        'min s',
        'max s',
        'change calls',
        'never accepted',
      ],
      rows,
    ),
  ].join('\n');
}

// ---------- memory ----------

/** external-dns; the syncer with Node's defaults; the syncer with the chart's runtime flags. */
type MemoryVariant = 'external-dns' | 'syncer' | 'syncer-chart';

const VARIANT_LABEL: Record<MemoryVariant, string> = {
  'external-dns': 'external-dns',
  syncer: 'syncer, Node defaults',
  'syncer-chart': "syncer, the chart's flags",
};

interface MemorySample {
  readonly variant: MemoryVariant;
  readonly objects: number;
  readonly idleRss: number;
  readonly idleHeap: number;
  readonly settledRss: number;
  readonly settledRssMax: number;
  readonly peakRss: number;
  readonly liveHeap: number;
  readonly convergeSeconds: number;
  /** The syncer: where its memory was at the settled reading (before the forced GC). */
  readonly settled?: MemoryBreakdown;
  readonly failure?: string;
}

const MEMORY_DOMAIN = 'memory.example';
/** Quiet after the last record is visible before settled RSS is read: V8 gives memory back
 * 30–60 s after activity stops; sampling inside that window read anything from 150 to 544 MiB. */
const QUIET_SECONDS = 90;
const IDLE_SECONDS = 30;

/** Ten readings 2 s apart. */
async function rssSamples(running: RunningController): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    samples.push(running.rss());
    await sleep(2000);
  }
  return samples;
}

/** Idle RSS as the memory table reads it: the median of ten readings from IDLE_SECONDS - 20 s. */
async function readIdleRss(running: RunningController): Promise<number> {
  await sleep((IDLE_SECONDS - 20) * 1000);
  return median(await rssSamples(running));
}

/** readIdleRss of a controller started for that reading alone, then stopped. */
async function idleRssOnly(running: RunningController): Promise<number> {
  try {
    return await readIdleRss(running);
  } finally {
    await running.stop();
  }
}

async function memoryRun(
  bench: Bench,
  variant: MemoryVariant,
  objects: number,
  log: (line: string) => void,
): Promise<MemorySample> {
  const { env, kube } = bench;
  const say = (line: string) => log(`memory ${variant} ${objects}: ${line}`);
  await freshZones(env, MEMORY_DOMAIN);
  const namespace = await env.createNamespace('memory');
  await ingressService(kube, namespace);
  // A catch-all Gateway the VirtualServices bind to; '*' publishes nothing by itself.
  await kube.must(
    'POST',
    `${ISTIO}/namespaces/${namespace}/gateways`,
    gateway(namespace, 'gw-all', ['*']),
  );
  const tap = await startTap(env.route53Endpoint);
  const name: ControllerName = variant === 'external-dns' ? 'external-dns' : 'syncer';
  const context = {
    kubeconfig: env.kubeconfigPath,
    route53Endpoint: tap.url,
    leaseNamespace: namespace,
    logFile: join(env.state.logDir, `bench-memory-${variant}-${objects}.log`),
    virtualServices: true,
    chartRuntime: variant === 'syncer-chart',
    heapLimitMiBAtLeast: heapLimitFor(objects),
  };
  // The syncer's idle RSS is read from a start without the heap probe, as the chart runs it
  // (the probe's modules and IPC channel are ~1 MiB of their own); its own Lease namespace,
  // so the measured start below does not wait for this one's lease.
  const plainIdleRss =
    name === 'syncer'
      ? await idleRssOnly(
          await CONTROLLERS.syncer.start({
            ...context,
            leaseNamespace: await env.createNamespace('memory-idle'),
            withoutProbe: true,
          }),
        )
      : undefined;
  const running = await CONTROLLERS[name].start(context);
  try {
    const probedIdleRss = await readIdleRss(running);
    const idleRss = plainIdleRss ?? probedIdleRss;
    if (plainIdleRss !== undefined) {
      say(`idle ${mib(plainIdleRss)} without the heap probe, ${mib(probedIdleRss)} with it`);
    }
    const idleReport = await running.heapAfterGc();
    const idleHeap = idleReport?.heapUsed ?? NaN;
    if (idleReport?.before) say(`idle breakdown ${describeBreakdown(idleReport.before)}`);
    const half = Math.floor(objects / 2);
    const expected: string[] = [];
    const start = performance.now();
    await inParallel(
      Array.from({ length: objects }, (_, i) => i),
      WRITE_CONCURRENCY,
      async (i) => {
        const zone = zoneName(MEMORY_DOMAIN, i % ZONES);
        if (i < half) {
          const host = `gw${i}.${zone}`;
          expected.push(`A ${host}`);
          await kube.must(
            'POST',
            `${ISTIO}/namespaces/${namespace}/gateways`,
            gateway(namespace, `gw-${i}`, [host]),
          );
        } else {
          const host = `vs${i}.${zone}`;
          expected.push(`A ${host}`);
          await kube.must(
            'POST',
            `${ISTIO}/namespaces/${namespace}/virtualservices`,
            virtualService(namespace, `vs-${i}`, host, 'gw-all'),
          );
        }
      },
    );
    const missing = await waitForAll(
      expected,
      tap.written,
      CONVERGE_TIMEOUT_MS,
      'records',
      say,
      () => running.exited(),
    );
    if (missing > 0) throw new Error(`${missing} of ${expected.length} records never visible`);
    const convergeSeconds = (performance.now() - start) / 1000;
    say(`converged in ${fmt(convergeSeconds)} s; ${QUIET_SECONDS} s of quiet, then RSS`);
    await sleep(QUIET_SECONDS * 1000);
    const samples = await rssSamples(running);
    const peakRss = running.peakRss();
    // Last: the forced collection changes what RSS reads next.
    const settledReport = await running.heapAfterGc();
    const liveHeap = settledReport?.heapUsed ?? NaN;
    if (settledReport?.before) say(`settled breakdown ${describeBreakdown(settledReport.before)}`);
    if (running.exited() !== undefined) throw new Error(`the controller ${running.exited()}`);
    return {
      variant,
      objects,
      idleRss,
      idleHeap,
      settledRss: median(samples),
      settledRssMax: Math.max(...samples),
      peakRss,
      liveHeap,
      convergeSeconds,
      ...(settledReport?.before && { settled: settledReport.before }),
    };
  } catch (err) {
    return {
      variant,
      objects,
      idleRss: NaN,
      idleHeap: NaN,
      settledRss: NaN,
      settledRssMax: NaN,
      peakRss: NaN,
      liveHeap: NaN,
      convergeSeconds: NaN,
      failure: (err as Error).message,
    };
  } finally {
    await running.stop();
    await tap.close();
    // A clean-up that fails must not lose what was measured: the sample is returned, and
    // the caller measures nothing more on a cluster still holding these objects.
    await cleanNamespace(kube, namespace).catch((err: unknown) => {
      bench.dirty = `the objects of the ${objects}-object run could not be deleted: ${(err as Error).message}`;
      say(bench.dirty);
    });
  }
}

/** One line: where the process's memory was (MiB). */
function describeBreakdown(b: MemoryBreakdown): string {
  const m = (bytes: number) => (bytes / 1048576).toFixed(1);
  const spaces = Object.entries(b.spaces)
    .filter(([, bytes]) => bytes > 0)
    .map(([name, bytes]) => `${name.replace(/_space$/, '')} ${m(bytes)}`)
    .join(', ');
  return (
    `rss ${m(b.rss)} = file ${m(b.rssFile)} + anon ${m(b.rssAnonymous)}; ` +
    `V8 heap committed ${m(b.heapTotal)}, used ${m(b.heapUsed)} (committed per space: ${spaces}); ` +
    `external ${m(b.external)} (arrayBuffers ${m(b.arrayBuffers)}); threads ${b.threads}`
  );
}

/** The syncer's runs each --memory-syncer-flags value makes. */
const SYNCER_VARIANTS = {
  chart: ['syncer-chart'],
  defaults: ['syncer'],
  both: ['syncer-chart', 'syncer'],
} as const satisfies Record<string, readonly MemoryVariant[]>;

const mibOrDash = (bytes: number) => (Number.isFinite(bytes) ? mib(bytes) : '–');

export async function memoryBench(options: MemoryOptions, info: RunInfo): Promise<string> {
  const { log } = options;
  const { ready, notRun } = await prepareControllers(options.controllers, log);
  const variants: MemoryVariant[] = ready.flatMap((name): MemoryVariant[] =>
    name === 'syncer' ? [...SYNCER_VARIANTS[options.syncerFlags ?? 'both']] : [name],
  );
  const runtime = chartRuntime();
  const bench = await benchEnvironment(log);
  const samples: MemorySample[] = [];
  /** Runs left out because an earlier one left its objects behind, each a report line. */
  const unmeasured: string[] = [];
  for (let run = 0; run < options.runs; run++) {
    for (const objects of options.sizes) {
      for (const variant of variants) {
        // external-dns's figure for the largest sizes is the slowest part of a run.
        if (variant === 'external-dns' && objects > options.externalDnsMaxObjects) continue;
        if (variant === 'syncer' && objects > options.defaultsMaxObjects) continue;
        if (bench.dirty !== undefined) {
          log(`memory ${variant} ${objects}: not measured, ${bench.dirty}`);
          unmeasured.push(
            `- ${VARIANT_LABEL[variant]} with ${objects}: not measured, ${bench.dirty}.`,
          );
          continue;
        }
        const sample = await memoryRun(bench, variant, objects, log);
        samples.push(sample);
        log(
          `memory ${variant} ${objects}: ${
            sample.failure ??
            `idle ${mib(sample.idleRss)}, settled ${mib(sample.settledRss)}, peak ${mib(sample.peakRss)}, live heap ${mibOrDash(sample.liveHeap)}`
          }`,
        );
      }
    }
  }
  const rows: string[][] = [];
  for (const objects of options.sizes) {
    for (const variant of variants) {
      const mine = samples.filter(
        (s) => s.variant === variant && s.objects === objects && s.failure === undefined,
      );
      if (mine.length === 0) continue;
      const med = (f: (s: MemorySample) => number) => median(mine.map(f));
      rows.push([
        objects.toLocaleString('en-US'),
        VARIANT_LABEL[variant],
        mib(med((s) => s.idleRss)),
        mibOrDash(med((s) => s.idleHeap)),
        mib(med((s) => s.settledRss)),
        mib(med((s) => s.settledRssMax)),
        mib(med((s) => s.peakRss)),
        mibOrDash(med((s) => s.liveHeap)),
        fmt(med((s) => s.convergeSeconds)),
      ]);
    }
  }
  // Where the syncer's settled RSS was: pages of node's binary and libraries (file), V8's heap
  // as committed (young generation apart: its semi-spaces are sized by a flag), buffers outside
  // the heap, and the rest of the anonymous pages (malloc's arenas, thread stacks, V8's code
  // range and zones).
  const breakdownRows: string[][] = [];
  for (const objects of options.sizes) {
    for (const variant of variants) {
      const mine = samples.filter(
        (s) => s.variant === variant && s.objects === objects && s.settled !== undefined,
      );
      if (mine.length === 0) continue;
      const med = (f: (b: MemoryBreakdown) => number) =>
        median(mine.map((s) => f(s.settled as MemoryBreakdown)));
      const young = (b: MemoryBreakdown) =>
        (b.spaces['new_space'] ?? 0) + (b.spaces['new_large_object_space'] ?? 0);
      breakdownRows.push([
        objects.toLocaleString('en-US'),
        VARIANT_LABEL[variant],
        mib(med((b) => b.rss)),
        mib(med((b) => b.rssFile)),
        mib(med((b) => b.heapTotal - young(b))),
        mib(med(young)),
        mib(med((b) => b.heapUsed)),
        mib(med((b) => b.arrayBuffers)),
        mib(med((b) => b.rssAnonymous - b.heapTotal - b.arrayBuffers)),
        fmt(med((b) => b.threads)),
      ]);
    }
  }
  const flags = [
    ...runtime.nodeOptions,
    ...Object.entries(runtime.env).map(([k, v]) => `${k}=${v}`),
  ];
  const chartCap = chartRuntime(0).nodeOptions.find((f) => f.startsWith('--max-old-space-size='));
  const raised = options.sizes
    .filter((n) =>
      chartRuntime(heapLimitFor(n)).nodeOptions.some((f) => !runtime.nodeOptions.includes(f)),
    )
    .map(
      (n) =>
        `- ${n.toLocaleString('en-US')} objects: the chart's flags with the heap cap raised to \`--max-old-space-size=${heapLimitFor(n)}\`${runtime.syncerFlags.includes('--optimize-for-size') && !chartRuntime(heapLimitFor(n)).syncerFlags.includes('--optimize-for-size') ? ' and without `--optimize-for-size`' : ''} ` +
        `(the chart README's rule for that many objects; the default is \`${chartCap ?? 'none'}\`).`,
    );
  const skipped = [
    ...raised,
    ...unmeasured,
    ...(ready.includes('external-dns') &&
    options.sizes.some((n) => n > options.externalDnsMaxObjects)
      ? [
          `- external-dns was not run above ${options.externalDnsMaxObjects.toLocaleString('en-US')} objects (time).`,
        ]
      : []),
    ...(ready.includes('syncer') && options.sizes.some((n) => n > options.defaultsMaxObjects)
      ? [
          `- The syncer with Node's defaults was not run above ${options.defaultsMaxObjects.toLocaleString('en-US')} objects (time).`,
        ]
      : []),
  ];
  return [
    '## Memory: controller RSS with watched Gateways and VirtualServices',
    '',
    describeRun(info, ['Controllers:', ...controllerLines(options.controllers)]),
    '',
    `For each size N, a fresh namespace holds N/2 Istio Gateways (one host each) and N/2 VirtualServices (one host each, ` +
      `bound to a catch-all Gateway), hosts spread over ${ZONES} zones, so every object yields one A record. The controller ` +
      '(external-dns with both Istio sources, so it watches the same kinds) starts first. Idle: RSS (VmRSS from /proc), ' +
      `median of ten readings 2 s apart from ${IDLE_SECONDS - 20} s after start (the syncer's from a start of its own without the heap ` +
      "probe named below, as the chart runs it: the probe's modules and IPC channel hold ~1 MiB), then (the syncer) the V8 heap " +
      'in use after a forced full GC. Then the ' +
      `objects are written; once every record is visible and ${QUIET_SECONDS} s have passed without activity, settled RSS is the ` +
      'median (and max) of ten readings 2 s apart; peak is VmHWM, the most RSS the process ever had (what meets a ' +
      "container's memory limit); live heap is the V8 heap in use after a forced full GC, read last (the syncer runs with " +
      '`--expose-gc` and a probe answering over IPC; neither changes what it keeps). Each controller also watches what it ' +
      'always watches (Services, and for the syncer its other kinds), in a cluster holding nothing else of note.',
    '',
    `The chart's flags, from charts/aws-controller/values.yaml: \`${flags.join(' ')}\`. Node defaults: none of them.`,
    '',
    'Before this work (2026-11-25, commit acbafec, RSS 30 s after convergence, inside the GC window): the syncer ' +
      '170 MiB at 1,000 objects and 365 MiB at 10,000, idle 130–160 MiB; external-dns 87.8 and 152 MiB, idle 79 MiB.',
    '',
    ...notRun,
    ...skipped,
    ...samples
      .filter((s) => s.failure !== undefined)
      .map((s) => `- **${VARIANT_LABEL[s.variant]} with ${s.objects}: failed:** ${s.failure}`),
    '',
    table(
      [
        'objects',
        'controller',
        'RSS idle',
        'live heap idle',
        `RSS settled (≥ ${QUIET_SECONDS} s quiet), median`,
        'settled max',
        'peak (VmHWM)',
        'live heap after GC',
        'seconds until all records visible',
      ],
      rows,
    ),
    ...(breakdownRows.length > 0
      ? [
          '',
          "Where the syncer's settled RSS was, read inside the process just before the forced GC (`process.memoryUsage()`, " +
            "`v8.getHeapSpaceStatistics()`, `/proc/self/smaps_rollup`): file-backed pages (node's binary and libraries), " +
            "V8's heap as committed (old generation, code and other spaces; the young generation apart), the heap in use, " +
            "ArrayBuffers (Buffers) outside the heap, and the other anonymous pages (malloc's arenas, thread stacks, " +
            "V8's compiler zones). V8's figures are committed memory; an untouched page of it is not resident, so the " +
            'last column can read low.',
          '',
          table(
            [
              'objects',
              'controller',
              'RSS',
              'file-backed',
              'V8 heap (old, code, …)',
              'V8 young generation',
              'heap in use',
              'ArrayBuffers',
              'other anonymous (malloc, stacks)',
              'threads',
            ],
            breakdownRows,
          ),
        ]
      : []),
  ].join('\n');
}
