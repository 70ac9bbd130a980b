// npm run bench -- incremental: the real Controller over 100k endpoints (fake caches that say
// which objects changed, as ClusterCaches does from its watch events, and the in-memory
// Route 53): CPU time of the initial whole build, of a reconcile with nothing changed, and of
// one changed object (watch event to batch sent), and the event loop's delay meanwhile
// (perf_hooks monitorEventLoopDelay, 1 ms resolution): the longest stretch probes, lease
// renewals and /metrics would have waited. CPU time, not wall time: the cores are shared.
//
// Each run is a fresh process (incremental-worker.ts) on the product's Node with the chart's
// young-generation size: garbage collection pauses are part of the longest stretch, and the
// size of V8's semi-spaces decides how long each scavenge is.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Controller } from '../../syncer/controller.js';
import { createSyncerMetrics } from '../../syncer/metrics.js';
import type {
  IstioGatewayObject,
  ServiceObject,
  VirtualServiceObject,
} from '../../syncer/sources/objects.js';
import { FakeClock } from '../../syncer/testing/fake-clock.js';
import { WatchedCaches } from '../../syncer/testing/watched-caches.js';
import { keyOf } from '../../core/records/apply-changes.js';
import { bareZoneId } from '../../core/records/route53-names.js';
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import type { Route53Api } from '../../syncer/route53/api.js';
import { productNode } from '../helpers/product-node.js';
import { StretchRecorder } from './stretches.js';
import { chartRuntime, heapLimitFor, syncerV8Flags } from './controllers.js';
import {
  describeRun,
  fmt,
  median,
  medianWithSpread,
  percentile,
  table,
  type RunInfo,
} from './report.js';

export interface IncrementalOptions {
  endpoints: number;
  changes: number;
  log: (line: string) => void;
}

export interface IncrementalBenchOptions extends IncrementalOptions {
  /** Fresh processes, one after the other; the table gives medians over them. */
  runs: number;
}

interface Delay {
  max: number;
  p99: number;
  /** The longest garbage collection pause in the span. */
  gcMax: number;
  /** The longest time on a CPU between two turns of the loop (stretches.ts); NaN without /proc. */
  onCpuMax: number;
  /** How long the main thread waited for a core in the span, in all. */
  waited: number;
}

/** One run's figures (ms). */
export interface IncrementalSample {
  initial: number;
  initialDelay: Delay;
  noopMedian: number;
  oneMedian: number;
  oneP99: number;
  churnDelay: Delay;
  allChange: number;
  allDelay: Delay;
  drift: number;
  driftDelay: Delay;
  mismatches: number;
}

const ZONES = 50;
const GATEWAYS = 100;

const later = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Route 53 for this benchmark: it answers on a later turn of the event loop, as a request over
 * the network does (otherwise sending every zone's batches would look like one synchronous
 * stretch), and keeps each zone by record key, changed batch by batch. FakeRoute53 rebuilds a
 * zone's whole listing for every batch, which is simple and right for unit tests' few records
 * but at 2,000 names a zone cost milliseconds per batch, counted here against the syncer
 * (and stretched with it by the garbage collector): Route 53's work, not the syncer's.
 */
class BenchRoute53 implements Route53Api {
  readonly #zones: HostedZone[] = [];
  readonly #records = new Map<string, Map<string, ResourceRecordSet>>();

  addZone(id: string, name: string): void {
    this.#zones.push({ Id: `/hostedzone/${id}`, Name: `${name}.`, Config: { PrivateZone: false } });
    this.#records.set(id, new Map());
  }

  /** Record sets in every zone. */
  recordSets(): number {
    let count = 0;
    for (const zone of this.#records.values()) count += zone.size;
    return count;
  }

  async listHostedZones(): Promise<HostedZone[]> {
    await later();
    return [...this.#zones];
  }

  async listResourceRecordSets(zoneId: string): Promise<ResourceRecordSet[]> {
    await later();
    return [...(this.#records.get(bareZoneId(zoneId))?.values() ?? [])];
  }

  /** Applied as applyChanges does (by its keyOf; an update keeps its place), without Route
   * 53's checks: the syncer's batches are valid here. */
  async changeResourceRecordSets(zoneId: string, changes: readonly Change[]): Promise<void> {
    await later();
    const zone = this.#records.get(bareZoneId(zoneId));
    if (zone === undefined) throw new Error(`no zone ${zoneId}`);
    for (const { Action, ResourceRecordSet: set } of changes) {
      const key = keyOf(set);
      if (Action === 'DELETE') zone.delete(key);
      else zone.set(key, set);
    }
  }
}

const meta = (namespace: string, name: string, version: number) => ({
  namespace,
  name,
  uid: `${namespace}/${name}`,
  resourceVersion: String(version),
  creationTimestamp: '2026-01-01T00:00:00Z',
});

// As a watch hands it over, parsed from JSON: its strings flat. Built with template literals
// its longer strings were ConsStrings (core/flat-join.ts), ~300k heap objects at 100k that no
// syncer holds.
const virtualService = (i: number, version: number, suffix = ''): VirtualServiceObject =>
  JSON.parse(
    JSON.stringify({
      kind: 'VirtualService',
      metadata: meta(`team-${i % 200}`, `vs-${i}`, version),
      spec: {
        hosts: [`app-${i}${suffix}.z${i % ZONES}.example.com`],
        gateways: [`istio-system/gw-${i % GATEWAYS}`],
      },
    }),
  ) as VirtualServiceObject;

/** Event-loop time of `run` (CPU user+system), in ms. */
async function cpuMs(run: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** One run, in this process: what incremental-worker.ts does. */
export async function measureIncremental(options: IncrementalOptions): Promise<IncrementalSample> {
  const { log } = options;
  const route53 = new BenchRoute53();
  for (let z = 0; z < ZONES; z++) route53.addZone(`Z${z}`, `z${z}.example.com`);
  const caches = new WatchedCaches();
  const metrics = createSyncerMetrics({ defaultMetrics: false });
  const controller = new Controller(
    {
      ownerId: 'bench',
      policy: 'SYNC',
      domainFilter: [],
      controllerName: 'aws-controller',
      ingressNamespaces: ['istio-system'],
      debounceMs: 1000,
      driftIntervalMs: 3_600_000,
    },
    {
      caches,
      route53,
      isLeader: () => true,
      events: { record: () => undefined },
      metrics,
      logger: pino({ level: 'silent' }),
      clock: new FakeClock(),
    },
  );
  let ingress: ServiceObject = {
    kind: 'Service',
    metadata: meta('istio-system', 'ingressgateway', 1),
    spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' } },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
  };
  const gateways: IstioGatewayObject[] = Array.from({ length: GATEWAYS }, (_, g) => ({
    kind: 'Gateway',
    metadata: meta('istio-system', `gw-${g}`, 1),
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts: ['*/*.example.com'] }] },
  }));
  const vss = Array.from({ length: options.endpoints }, (_, i) => virtualService(i, 1));
  caches.set('services', [ingress]);
  caches.set('istioGateways', gateways);
  caches.set('virtualServices', vss);

  const delay = monitorEventLoopDelay({ resolution: 1 });
  // The longest garbage collection pause in each span: the main thread stops for it, so a
  // stretch no longer than it is V8's, not the controller's.
  let gcMax = 0;
  const noteGcs = (entries: readonly PerformanceEntry[]) => {
    for (const entry of entries) gcMax = Math.max(gcMax, entry.duration);
  };
  const gcs = new PerformanceObserver((list) => noteGcs(list.getEntries()));
  gcs.observe({ entryTypes: ['gc'] });
  // On shared cores a stretch's wall time counts the time the kernel ran something else: the
  // time on a CPU between two turns is the synchronous work itself.
  const stretches = StretchRecorder.open();
  const begin = () => {
    gcs.takeRecords();
    gcMax = 0;
    stretches?.start();
    delay.enable();
  };
  const delays = (): Delay => {
    delay.disable();
    noteGcs(gcs.takeRecords());
    const onCpu = stretches?.stop();
    const measured = {
      max: delay.max / 1e6,
      p99: delay.percentile(99) / 1e6,
      gcMax,
      onCpuMax: onCpu?.onCpuMax ?? NaN,
      waited: onCpu?.waitedTotal ?? NaN,
    };
    delay.reset();
    return measured;
  };

  log(`incremental: initial build of ${options.endpoints} endpoints`);
  begin();
  const initial = await cpuMs(() => controller.reconcile());
  const initialDelay = delays();
  // A record and its ownership TXT for every endpoint, or this measured something else.
  const published = route53.recordSets();
  if (published !== 2 * options.endpoints) {
    throw new Error(
      `initial build published ${published} record sets, not ${2 * options.endpoints}`,
    );
  }

  const noop: number[] = [];
  for (let i = 0; i < 50; i++) noop.push(await cpuMs(() => controller.reconcile()));

  log(`incremental: ${options.changes} single-object changes`);
  const one: number[] = [];
  let version = 2;
  begin();
  for (let n = 0; n < options.changes; n++) {
    const i = (n * 7919) % options.endpoints;
    // A watch event: the cache replaces one object and notes its key.
    const changed = virtualService(i, version++, n % 2 === 0 ? '-b' : '');
    one.push(
      await cpuMs(async () => {
        caches.event('virtualServices', changed);
        await controller.reconcile();
      }),
    );
    // Let timers and I/O in between, as the debounce would.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const churnDelay = delays();

  log('incremental: the ingress Service changes address (every endpoint changes)');
  ingress = { ...ingress, status: { loadBalancer: { ingress: [{ ip: '203.0.113.11' }] } } };
  begin();
  const allChange = await cpuMs(async () => {
    caches.event('services', ingress);
    await controller.reconcile();
  });
  const allDelay = delays();

  log('incremental: drift check (relist, whole build and cross-check, whole plan)');
  begin();
  const drift = await cpuMs(async () => {
    controller.relist('drift check', 3_600_000);
    await controller.reconcile();
  });
  const driftDelay = delays();
  gcs.disconnect();
  stretches?.close();
  await controller.stop();
  const mismatches = (await metrics.incrementalMismatches.get()).values[0]?.value ?? 0;

  const sorted = [...one].sort((a, b) => a - b);
  return {
    initial,
    initialDelay,
    noopMedian: median(noop),
    oneMedian: median(one),
    oneP99: percentile(sorted, 99),
    churnDelay,
    allChange,
    allDelay,
    drift,
    driftDelay,
    mismatches,
  };
}

const worker = join(dirname(fileURLToPath(import.meta.url)), 'incremental-worker.js');
/**
 * The chart's settings for that many objects (README: Memory): its young generation and the
 * V8 flags the syncer sets itself. The old generation's cap is raised well above the chart's,
 * since this process also holds the test doubles (200,000 record sets, 100,000 objects).
 */
function chartFlags(endpoints: number): string[] {
  const runtime = chartRuntime(heapLimitFor(endpoints));
  return [
    ...runtime.nodeOptions.filter((flag) => flag.startsWith('--max-semi-space-size=')),
    ...syncerV8Flags(runtime),
  ];
}
const WORKER_FLAGS = ['--max-old-space-size=4096'];

function runWorker(options: IncrementalOptions): Promise<IncrementalSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      productNode(),
      [
        ...chartFlags(options.endpoints),
        ...WORKER_FLAGS,
        worker,
        String(options.endpoints),
        String(options.changes),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      for (const line of c.split('\n')) if (line.trim() !== '') options.log(line);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`incremental-worker exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out) as IncrementalSample);
    });
  });
}

export async function incrementalBench(
  options: IncrementalBenchOptions,
  info: RunInfo,
): Promise<string> {
  const samples: IncrementalSample[] = [];
  for (let run = 0; run < options.runs; run++) {
    options.log(`incremental: run ${run + 1}/${options.runs}`);
    samples.push(await runWorker(options));
  }
  const ms = (f: (s: IncrementalSample) => number) => {
    const values = samples.map(f);
    // A figure this system cannot give (no /proc/self/schedstat): a dash, not "NaN ms".
    if (!values.some(Number.isFinite)) return '–';
    return medianWithSpread(values, fmt, ' ms');
  };
  // A span's row: its CPU time, then each figure of its Delay; a CPU-only row leaves them blank.
  const spanRow = (
    what: string,
    cpu: (s: IncrementalSample) => number,
    delay: (s: IncrementalSample) => Delay,
  ) => [
    what,
    ms(cpu),
    ...(['max', 'p99', 'onCpuMax', 'waited', 'gcMax'] as const).map((k) => ms((s) => delay(s)[k])),
  ];
  const cpuRow = (what: string, cpu: (s: IncrementalSample) => number) => [
    what,
    ms(cpu),
    ...Array<string>(5).fill(''),
  ];
  const version = spawnSync(productNode(), ['--version'], { encoding: 'utf8' }).stdout.trim();
  return [
    '## Incremental reconciles at 100k endpoints',
    '',
    describeRun(info, [
      `The real Controller: ${options.endpoints.toLocaleString('en-US')} VirtualServices (one host each) bound to ${GATEWAYS} Istio Gateways behind one ingress Service, over ${ZONES} zones; fake caches that say which objects changed (as ClusterCaches does from its watch events) and an in-memory Route 53 kept by record key, answering each call on a later turn of the event loop as a network call does (test doubles: no network, no rate limit).`,
      `Each run is a fresh process on the product's Node (${version}) with the chart's settings for that many objects as its README gives them, the syncer's own V8 flags included (\`${chartFlags(options.endpoints).join(' ') || 'Node defaults'}\`; garbage collection pauses count in the stretches) and \`${WORKER_FLAGS.join(' ')}\` for the test doubles it also holds; ${options.runs} run${options.runs === 1 ? '' : 's'}, medians (min–max).`,
      "CPU time (user + system) of the reconcile, from the cache change to the last batch sent; event-loop delay from perf_hooks.monitorEventLoopDelay (1 ms resolution) over the same span: its max is the longest time between two turns of the event loop, in wall time, so it also counts the time the kernel gave the core to another process; the longest stretch on a CPU is the main thread's own time on a core between two turns of a 1 ms timer (/proc/self/schedstat, test/bench/stretches.ts): the synchronous work itself, garbage collection on the main thread included; beside it, how long the main thread waited for a core in the whole span; the longest garbage collection pause in the span (perf_hooks 'gc' entries) says how much of a stretch V8 took.",
    ]),
    '',
    table(
      [
        'what',
        'CPU time',
        'event-loop delay max',
        'p99',
        'longest stretch on a CPU',
        'waited for a core',
        'longest GC pause',
      ],
      [
        spanRow(
          'initial whole build + plan + send',
          (s) => s.initial,
          (s) => s.initialDelay,
        ),
        cpuRow('reconcile with nothing changed (median of 50)', (s) => s.noopMedian),
        spanRow(
          `one changed VirtualService: median of ${options.changes}`,
          (s) => s.oneMedian,
          (s) => s.churnDelay,
        ),
        cpuRow(`one changed VirtualService: p99 of ${options.changes}`, (s) => s.oneP99),
        spanRow(
          'ingress Service address change (all endpoints change)',
          (s) => s.allChange,
          (s) => s.allDelay,
        ),
        spanRow(
          'drift check: relist, build afresh, cross-check, whole plan',
          (s) => s.drift,
          (s) => s.driftDelay,
        ),
      ],
    ),
    '',
    `Cross-check mismatches: ${samples.map((s) => s.mismatches).join(', ')}. Before this change every reconcile, whatever changed, recomputed every endpoint and planned every zone in one synchronous stretch: 3.2–3.5 s of \`plan()\` alone at 100k endpoints (the plan section).`,
  ].join('\n');
}
