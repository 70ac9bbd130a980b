// plan() time and memory as the number of endpoints grows: each size and scenario measured in
// a fresh child process (plan-worker.ts), several times, medians reported with the growth from
// one size to the next.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanSample } from './plan-worker.js';
import { ZONE_COUNT } from './plan-worker.js';
import { describeRun, fmt, median, medianWithSpread, mib, table, type RunInfo } from './report.js';

export interface PlanBenchOptions {
  readonly runs: number;
  readonly sizes: readonly number[];
  readonly log: (line: string) => void;
}

const WARM_RUNS = 5;
const worker = join(dirname(fileURLToPath(import.meta.url)), 'plan-worker.js');

function measure(size: number, scenario: 'steady' | 'changed'): Promise<PlanSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', worker, String(size), scenario, String(WARM_RUNS)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`plan-worker ${size} ${scenario} exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as PlanSample);
    });
  });
}

export async function planBench(options: PlanBenchOptions, info: RunInfo): Promise<string> {
  const results = new Map<string, PlanSample[]>();
  const key = (size: number, scenario: string) => `${size} ${scenario}`;
  for (let run = 0; run < options.runs; run++) {
    for (const size of options.sizes) {
      for (const scenario of ['steady', 'changed'] as const) {
        const sample = await measure(size, scenario);
        const list = results.get(key(size, scenario)) ?? [];
        list.push(sample);
        results.set(key(size, scenario), list);
        options.log(
          `plan run ${run + 1}/${options.runs} ${size} ${scenario}: first ${fmt(sample.firstMs)} ms, warm ${fmt(sample.warmMedianMs)} ms, retained ${mib(sample.retainedBytes)}, peak RSS +${mib(sample.peakRssGrowthBytes)}`,
        );
      }
    }
  }
  const rows: string[][] = [];
  for (const scenario of ['steady', 'changed'] as const) {
    let previous: { size: number; warm: number } | undefined;
    for (const size of options.sizes) {
      const samples = results.get(key(size, scenario)) ?? [];
      const first = samples.map((s) => s.firstMs);
      const warm = median(samples.map((s) => s.warmMedianMs));
      const growth =
        previous === undefined
          ? ''
          : `${fmt(warm / previous.warm)}× for ${fmt(size / previous.size)}× endpoints`;
      const changes = samples[0]?.changes;
      rows.push([
        scenario === 'steady' ? 'steady state' : '10 % changed',
        size.toLocaleString('en-US'),
        (samples[0]?.currentRecordSets ?? 0).toLocaleString('en-US'),
        medianWithSpread(first),
        fmt(warm),
        growth,
        fmt(median(samples.map((s) => s.batchesMs))),
        changes ? `${changes.CREATE} / ${changes.UPSERT} / ${changes.DELETE}` : '',
        String(samples[0]?.requests ?? ''),
        mib(median(samples.map((s) => s.heapGrowthBytes))),
        mib(median(samples.map((s) => s.retainedBytes))),
        mib(median(samples.map((s) => s.peakRssGrowthBytes))),
      ]);
      previous = { size, warm };
    }
  }
  return [
    '## Plan: time and memory of `plan()`',
    '',
    describeRun(info),
    '',
    `N A-record endpoints over ${ZONE_COUNT} hosted zones, owned by N/10 Gateways, against the records Route 53 ` +
      'would list once they were all written (each record with its ownership TXT, plus SOA and NS per zone). ' +
      '"10 % changed": of the endpoints, a thirtieth have a new address, a thirtieth are gone, and a thirtieth as many new ' +
      'names appear. Every size and scenario runs in a fresh `node --expose-gc` process ' +
      `(${options.runs} processes each; medians). "first" is the first \`plan()\` in the process (cold: ` +
      `no JIT yet), "warm" the median of ${WARM_RUNS} more in the same process. Memory is measured around the first call: ` +
      'heap growth is heapUsed after minus before (garbage included), retained is the same after a full GC (the plan ' +
      'itself), peak RSS growth is VmHWM after minus VmRSS before (peak reset through /proc/self/clear_refs). ' +
      '`batches()` is then run on every zone plan ("requests" is how many ChangeResourceRecordSets calls result). ' +
      'The worker checks the plan is empty in steady state and has creates, updates and deletes when changed.',
    '',
    table(
      [
        'scenario',
        'endpoints',
        'current record sets',
        'first ms (min–max)',
        'warm ms',
        'warm growth',
        'batches() ms',
        'CREATE / UPSERT / DELETE',
        'requests',
        'heap growth',
        'retained after GC',
        'peak RSS growth',
      ],
      rows,
    ),
    '',
    'The whole `aws-controller plan` command (reading the files included) has its own section: ' +
      '`npm run bench -- plan-command`.',
  ].join('\n');
}
