// Loaded with `node --expose-gc --import <this file>` into a server process under test. On a
// `{ type: 'heap' }` message over the IPC channel it runs a full garbage collection and
// answers with the heap still in use, so a test can tell retained memory from garbage without
// timing anything. The channel is unref'd: it never keeps the process alive by itself. When
// the channel closes because the parent died without stopping us (a test runner's timeout
// kills with a signal, and children outlive their parent), the process stops itself.
interface HeapQuery {
  type: 'heap';
}

export interface HeapReport {
  type: 'heap';
  /** Bytes of V8 heap in use after a full GC (or without one, if gc is not exposed). */
  heapUsed: number;
  /** Resident set size at the same moment. */
  rss: number;
  gcExposed: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

if (process.send !== undefined) {
  process.on('message', (message: unknown) => {
    if ((message as Partial<HeapQuery> | null)?.type !== 'heap') return;
    gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    const report: HeapReport = { type: 'heap', heapUsed, rss, gcExposed: gc !== undefined };
    process.send?.(report);
  });
  process.channel?.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
