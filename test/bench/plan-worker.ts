// One plan() measurement in a fresh process (started by plan-bench.ts with --expose-gc):
//   node --expose-gc dist/test/bench/plan-worker.js <endpoints> steady|changed <warm runs>
// Prints one JSON line. Inputs: N A-record endpoints spread over 50 hosted zones (owned by
// N/10 Gateways), and as many current records as Route 53 would list once they were all
// written (record + ownership TXT each, plus SOA and NS per zone) — made by planning against
// empty zones and applying the result. "changed": 10 % of the endpoints differ from the
// records: a thirtieth get a new address, a thirtieth are gone, and a thirtieth as many new
// names appear, in every zone alike.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyChanges } from '../../core/records/apply-changes.js';
import { batches } from '../../core/records/batches.js';
import type { Endpoint, OwnerResource } from '../../core/records/endpoint.js';
import { plan, type Plan, type PlanOptions } from '../../core/records/plan.js';
import type { HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import { zoneApex } from './zone-apex.js';

export const ZONE_COUNT = 50;

export interface PlanSample {
  endpoints: number;
  scenario: 'steady' | 'changed';
  currentRecordSets: number;
  firstMs: number;
  warmMedianMs: number;
  batchesMs: number;
  heapGrowthBytes: number;
  retainedBytes: number;
  peakRssGrowthBytes: number;
  changes: { CREATE: number; UPSERT: number; DELETE: number };
  requests: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function zones(): HostedZone[] {
  return Array.from({ length: ZONE_COUNT }, (_, z) => ({
    Id: `/hostedzone/ZBENCH${String(z).padStart(4, '0')}`,
    Name: `z${z}.bench.example.`,
    Config: { PrivateZone: false },
  }));
}

const owners = new Map<number, OwnerResource>();
function ownerOf(i: number): OwnerResource {
  const g = Math.floor(i / 10);
  let owner = owners.get(g);
  if (owner === undefined) {
    owner = {
      kind: 'gateway',
      namespace: 'bench',
      name: `gw-${g}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
    };
    owners.set(g, owner);
  }
  return owner;
}

const ip = (i: number, salt = 0): string =>
  `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i + salt) & 255}`;

function endpoint(prefix: string, i: number, salt = 0): Endpoint {
  return {
    name: `${prefix}${i}.z${i % ZONE_COUNT}.bench.example`,
    type: 'A',
    targets: [ip(i, salt)],
    ttl: 300,
    owner: ownerOf(i),
  };
}

function emptyListings(hosted: readonly HostedZone[]): Map<string, ResourceRecordSet[]> {
  return new Map(hosted.map((zone) => [zone.Id, zoneApex(zone)]));
}

function rssKiB(field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN);
}

function countChanges(result: Plan): PlanSample['changes'] {
  const counts = { CREATE: 0, UPSERT: 0, DELETE: 0 };
  for (const zone of result.zones) {
    for (const group of zone.groups) for (const change of group) counts[change.Action]++;
  }
  return counts;
}

function main(): void {
  const [sizeArg, scenarioArg, warmArg] = process.argv.slice(2);
  const n = Number(sizeArg);
  const scenario = scenarioArg === 'changed' ? 'changed' : 'steady';
  const warmRuns = Number(warmArg ?? 5);
  if (gc === undefined) throw new Error('run with --expose-gc');

  const hosted = zones();
  const options: PlanOptions = { ownerId: 'bench', policy: 'SYNC', domainFilter: [] };
  const desiredAtStart = Array.from({ length: n }, (_, i) => endpoint('h', i));
  // The records as Route 53 lists them once every endpoint was written.
  const initial = plan(emptyListings(hosted), desiredAtStart, hosted, options);
  const current = emptyListings(hosted);
  for (const zonePlan of initial.zones) {
    const id = hosted.find((z) => z.Id.endsWith(zonePlan.zoneId))?.Id ?? zonePlan.zoneId;
    current.set(id, applyChanges(current.get(id) ?? [], zonePlan.groups.flat()));
  }
  let desired = desiredAtStart;
  if (scenario === 'changed') {
    // Blocks of ZONE_COUNT consecutive endpoints cover every zone once, so the changes are
    // spread over all zones.
    const block = (i: number) => Math.floor(i / ZONE_COUNT) % 30;
    desired = [];
    for (let i = 0; i < n; i++) {
      if (block(i) === 0)
        desired.push(endpoint('h', i, 1)); // a new address
      else if (block(i) !== 1) desired.push(desiredAtStart[i] as Endpoint); // block 1: gone
      if (block(i) === 2) desired.push(endpoint('new', i)); // a new name
    }
  }
  const currentRecordSets = [...current.values()].reduce((s, l) => s + l.length, 0);
  initial.zones.length = 0;

  gc();
  gc();
  writeFileSync('/proc/self/clear_refs', '5'); // peak RSS := current RSS
  const rssBefore = rssKiB('VmRSS');
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const result = plan(current, desired, hosted, options);
  const firstMs = performance.now() - t0;
  const heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore;
  const peakRssGrowthBytes = (rssKiB('VmHWM') - rssBefore) * 1024;
  gc();
  const retainedBytes = process.memoryUsage().heapUsed - heapBefore;

  const tb = performance.now();
  let requests = 0;
  for (const zone of result.zones) requests += batches(zone.groups).length;
  const batchesMs = performance.now() - tb;

  const changes = countChanges(result);
  const total = changes.CREATE + changes.UPSERT + changes.DELETE;
  if (
    scenario === 'steady' ? total !== 0 : changes.CREATE * changes.UPSERT * changes.DELETE === 0
  ) {
    throw new Error(`plan gave ${JSON.stringify(changes)} for the ${scenario} scenario`);
  }

  const warm: number[] = [];
  for (let r = 0; r < warmRuns; r++) {
    const t = performance.now();
    plan(current, desired, hosted, options);
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  const sample: PlanSample = {
    endpoints: n,
    scenario,
    currentRecordSets,
    firstMs,
    warmMedianMs: warm[Math.floor(warm.length / 2)] ?? NaN,
    batchesMs,
    heapGrowthBytes,
    retainedBytes,
    peakRssGrowthBytes,
    changes,
    requests,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

// Imported by plan-bench.ts for its types and constants: run only as a script.
if (process.argv[1] === fileURLToPath(import.meta.url)) main();
