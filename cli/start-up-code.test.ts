import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { START_UP_FLAGS, v8FlagsFor } from './start-up-code.js';

// In a process of its own: V8's flags are process-wide. A function of ~100 KB of bytecode
// runs once, then the process allocates until V8 has made three full collections of its own
// accord (gc() would not do: a forced collection leaves code ages alone), and runs the
// function again: the bytecode V8 compiled for that second run is what it had dropped.
// FLUSH: 'yes' to set the syncer's --flush-start-up-code first.
const CHILD = `
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapCodeStatistics } from 'node:v8';
import { setRuntimeFlags } from ${JSON.stringify(new URL('./start-up-code.js', import.meta.url).href)};
setRuntimeFlags({ optimizeForSize: false, flushStartUpCode: process.env.FLUSH === 'yes' });
await new Promise((resolve) => setTimeout(resolve, 20));
const bytecode = () => getHeapCodeStatistics().bytecode_and_metadata_size;
let before = bytecode();
const body = Array.from({ length: 4000 }, (_, i) => 's += (x * ' + i + ') % 7;').join(' ');
const once = new Function('x', 'let s = 0; ' + body + ' return s;');
once(3);
const compiled = bytecode() - before;
let fullCollections = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullCollections++;
  }
});
observer.observe({ entryTypes: ['gc'] });
let kept = [];
while (fullCollections < 3) {
  kept.push(Array.from({ length: 20000 }, (_, i) => ({ i })));
  if (kept.length > 40) kept = [];
  await new Promise((resolve) => setImmediate(resolve));
}
observer.disconnect();
before = bytecode();
once(3);
process.stdout.write(JSON.stringify({ compiled, recompiled: bytecode() - before }));
`;

function run(flush: boolean): { compiled: number; recompiled: number } {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=64', '--input-type=module', '-e', CHILD],
    // Not NODE_TEST_CONTEXT: the child is a plain script, not a test file of this run.
    {
      env: { PATH: process.env['PATH'], FLUSH: flush ? 'yes' : 'no' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.doesNotMatch(`${child.stdout}${child.stderr}`, /unrecognized flag/i);
  return JSON.parse(child.stdout) as { compiled: number; recompiled: number };
}

describe('setRuntimeFlags: --flush-start-up-code', () => {
  it('drops code that has not run for two full collections', () => {
    const { compiled, recompiled } = run(true);
    assert.ok(compiled > 80_000, `the function compiled to ${compiled} bytes of bytecode`);
    assert.ok(recompiled > compiled * 0.9, `compiled ${compiled} bytes, again ${recompiled}`);
  });

  it('is what drops it: without it V8 keeps the code through three', () => {
    const { compiled, recompiled } = run(false);
    assert.ok(compiled > 80_000, `the function compiled to ${compiled} bytes of bytecode`);
    assert.ok(recompiled < compiled / 4, `compiled again ${recompiled}`);
  });
});

describe('v8FlagsFor', () => {
  it('maps each of the syncer flags to the V8 flags it sets', () => {
    assert.deepEqual(v8FlagsFor({ optimizeForSize: false, flushStartUpCode: false }), []);
    assert.deepEqual(v8FlagsFor({ optimizeForSize: true, flushStartUpCode: false }), [
      '--optimize-for-size',
    ]);
    assert.deepEqual(v8FlagsFor({ optimizeForSize: false, flushStartUpCode: true }), [
      ...START_UP_FLAGS,
    ]);
    assert.deepEqual(v8FlagsFor({ optimizeForSize: true, flushStartUpCode: true }), [
      '--optimize-for-size',
      ...START_UP_FLAGS,
    ]);
  });
});
