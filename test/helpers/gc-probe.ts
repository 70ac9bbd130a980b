// Loaded with `node --expose-gc --import <this file>` into a server process under test. On a
// `{ type: 'heap' }` message over the IPC channel it runs a full garbage collection and
// answers with the heap still in use, so a test can tell retained memory from garbage without
// timing anything. The answer also says where the process's memory was just before that
// collection (V8's spaces, buffers outside the heap, file-backed and anonymous pages), which is
// what the memory benchmark reports as its breakdown. The channel is unref'd: it never keeps
// the process alive by itself. When the channel closes because the parent died without
// stopping us (a test runner's timeout kills with a signal, and children outlive their
// parent), the process stops itself.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

interface HeapQuery {
  type: 'heap';
}

/** Where the memory was, in bytes, read before the forced collection. */
export interface MemoryBreakdown {
  readonly rss: number;
  /** V8's heap as committed (every space), and what of it was in use. */
  readonly heapTotal: number;
  readonly heapUsed: number;
  /** Committed bytes per V8 space (new_space, old_space, code_space, large_object_space, …). */
  readonly spaces: Readonly<Record<string, number>>;
  /** Memory of C++ objects bound to JavaScript ones, ArrayBuffers (Buffers) among them. */
  readonly external: number;
  readonly arrayBuffers: number;
  /** From /proc/self/smaps_rollup: resident pages backed by files (node's code) and anonymous. */
  readonly rssFile: number;
  readonly rssAnonymous: number;
  readonly threads: number;
}

export interface HeapReport {
  type: 'heap';
  /** Bytes of V8 heap in use after a full GC (or without one, if gc is not exposed). */
  heapUsed: number;
  /** Resident set size at the same moment. */
  rss: number;
  gcExposed: boolean;
  /** The process just before the collection. */
  before?: MemoryBreakdown;
}

const gc = (globalThis as { gc?: () => void }).gc;

function procKiB(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : NaN;
}

function breakdown(): MemoryBreakdown {
  const usage = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = space.space_size;
  let rollup = '';
  let status = '';
  try {
    rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux: the fields read NaN
  }
  const anonymous = procKiB(rollup, 'Anonymous');
  return {
    rss: usage.rss,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    spaces,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    rssFile: procKiB(rollup, 'Rss') - anonymous,
    rssAnonymous: anonymous,
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN),
  };
}

if (process.send !== undefined) {
  process.on('message', (message: unknown) => {
    if ((message as Partial<HeapQuery> | null)?.type !== 'heap') return;
    const before = breakdown();
    gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    const report: HeapReport = {
      type: 'heap',
      heapUsed,
      rss,
      gcExposed: gc !== undefined,
      before,
    };
    process.send?.(report);
  });
  process.channel?.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
