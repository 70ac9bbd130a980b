// The webhook's batched asynchronous log destination: every line gets written, in order,
// whether traffic is a trickle (the periodic flush), a flood (batches) or the process exits.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ASYNC_BATCH_BYTES, createLogger } from './logger.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logger-test-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const lines = (file: string): { msg: string; i?: number }[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { msg: string; i?: number });

/** Polls until `count` lines are in the file (or 10 s have passed), then returns them. */
async function waitForLines(file: string, count: number) {
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (lines(file).length >= count) break;
    await sleep(50);
  }
  return lines(file);
}

describe('createLogger with asyncWrites', () => {
  it('writes a lone line, far below a batch, while the process runs', async () => {
    const file = join(dir, 'lone.log');
    // Left open: the destination's periodic flush outlives the test (unref'd, harmless).
    const fd = openSync(file, 'w');
    const logger = createLogger('info', 'test', { asyncWrites: true, fd });
    logger.info('normalised annotations');
    const written = await waitForLines(file, 1);
    assert.deepEqual(
      written.map((l) => l.msg),
      ['normalised annotations'],
    );
  });

  it('writes every line of a flood, in order', async () => {
    const file = join(dir, 'flood.log');
    // Left open: the destination's periodic flush outlives the test (unref'd, harmless).
    const fd = openSync(file, 'w');
    const logger = createLogger('info', 'test', { asyncWrites: true, fd });
    // Several batches' worth, and a tail shorter than one.
    const count = Math.ceil((ASYNC_BATCH_BYTES * 5) / 100) + 7;
    for (let i = 0; i < count; i++) logger.info({ i }, 'denied');
    const written = await waitForLines(file, count);
    assert.deepEqual(
      written.map((l) => l.i),
      Array.from({ length: count }, (_, i) => i),
    );
  });

  it('writes what is still gathered when the process exits', () => {
    const logger = fileURLToPath(new URL('./logger.js', import.meta.url));
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { createLogger } = await import(${JSON.stringify(logger)});
         const log = createLogger('info', 'test', { asyncWrites: true });
         log.info('first'); log.info('last');`,
      ],
      { encoding: 'utf8' },
    );
    assert.deepEqual(
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['first', 'last'],
    );
  });
});
