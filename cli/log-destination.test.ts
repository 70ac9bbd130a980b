import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, write as fsWrite } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import {
  BatchedLogDestination,
  isUrgentLine,
  type LogDestinationOptions,
} from './log-destination.js';

type WriteFn = NonNullable<LogDestinationOptions['write']>;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'log-destination-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file to write to, and fs.write wrapped to record what each call was given. */
function recordingFile(name: string) {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  const calls: string[] = [];
  const write: WriteFn = (f, buffer, offset, length, position, callback) => {
    calls.push(buffer.subarray(offset, offset + length).toString());
    fsWrite(f, buffer, offset, length, position, callback);
  };
  return { path, fd, calls, write, text: () => readFileSync(path, 'utf8') };
}

/**
 * Waits for destination.flush's callback. The destination's timers are unref'd (a pending line
 * never keeps a process alive), so the test holds the event loop open meanwhile.
 */
async function flushed(destination: BatchedLogDestination): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await new Promise<void>((resolve) => destination.flush(() => resolve()));
  } finally {
    clearInterval(keepAlive);
  }
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the batched log destination', () => {
  it('writes the lines of one interval together, in order, as pino made them', async () => {
    const file = recordingFile('batch.log');
    const destination = new BatchedLogDestination({
      fd: file.fd,
      intervalMs: 30,
      write: file.write,
      flushOnExit: false,
    });
    const logger = pino({ name: 'test', level: 'info' }, destination);
    const patch = [{ op: 'replace', path: '/metadata/annotations/x', value: 'y' }];
    for (let i = 0; i < 5; i++) {
      logger.info({ object: `Gateway ns/gw-${i}`, patch, dryRun: false }, 'normalised annotations');
    }
    assert.equal(file.calls.length, 0, 'nothing is written while the interval runs');
    await flushed(destination);
    closeSync(file.fd);
    assert.equal(file.calls.length, 1, 'one write for the five lines');
    const written = lines(file.text());
    assert.deepEqual(
      written.map((l) => l['object']),
      [0, 1, 2, 3, 4].map((i) => `Gateway ns/gw-${i}`),
    );
    for (const line of written) {
      assert.equal(line['level'], 30);
      assert.equal(line['name'], 'test');
      assert.equal(line['msg'], 'normalised annotations');
      assert.deepEqual(line['patch'], patch);
      assert.equal(line['dryRun'], false);
    }
  });

  it('writes by itself once the interval is up', async () => {
    const file = recordingFile('interval.log');
    const destination = new BatchedLogDestination({
      fd: file.fd,
      intervalMs: 5,
      write: file.write,
      flushOnExit: false,
    });
    const logger = pino({ level: 'info' }, destination);
    logger.info('one');
    logger.info('two');
    // Nobody asks for a flush: the interval's timer starts the write.
    for (let i = 0; i < 500 && file.calls.length === 0; i++) await sleep(10);
    await flushed(destination);
    closeSync(file.fd);
    assert.equal(file.calls.length, 1);
    assert.deepEqual(
      lines(file.text()).map((l) => l['msg']),
      ['one', 'two'],
    );
  });

  it('starts writing at once for a line at warn or above, and for many pending lines', () => {
    // Writes recorded, never made: nothing here waits for them.
    const calls: string[] = [];
    const options = {
      fd: 99,
      intervalMs: 60_000,
      flushChars: 1000,
      write: ((_fd, buffer, offset, length) => {
        calls.push(buffer.subarray(offset, offset + length).toString());
      }) as WriteFn,
      flushOnExit: false,
    };
    const logger = pino({ level: 'info' }, new BatchedLogDestination(options));
    logger.info('waits');
    assert.equal(calls.length, 0);
    logger.warn('goes now');
    assert.equal(calls.length, 1, 'the warn line started a write');
    assert.match(calls[0] ?? '', /"msg":"waits".*\n.*"msg":"goes now"/s);
    const many = new BatchedLogDestination(options);
    many.write(`${'x'.repeat(600)}\n`);
    assert.equal(calls.length, 1);
    many.write(`${'y'.repeat(600)}\n`);
    assert.equal(calls.length, 2, 'past flushChars a write starts');
    assert.equal(calls[1], `${'x'.repeat(600)}\n${'y'.repeat(600)}\n`);
  });

  it('reads the level of pino lines only', () => {
    const table: [string, boolean][] = [
      ['{"level":30,"time":1,"msg":"x"}\n', false],
      ['{"level":40,"time":1,"msg":"x"}\n', true],
      ['{"level":50,"time":1}\n', true],
      ['{"level":60,"time":1}\n', true],
      ['{"level":10,"time":1}\n', false],
      ['{"level":5,"time":1}\n', false],
      ['{"level":"warn"}\n', false],
      ['{"msg":"x","level":50}\n', false],
      ['plain text\n', false],
      ['', false],
    ];
    for (const [line, urgent] of table) assert.equal(isUrgentLine(line), urgent, line);
  });

  it('finishes short writes and retries a full pipe (EAGAIN), keeping the order', async () => {
    const file = recordingFile('partial.log');
    let eagain = 2;
    const write: WriteFn = (fd, buffer, offset, length, position, callback) => {
      if (eagain-- > 0) {
        setImmediate(() => callback(Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' }), 0));
        return;
      }
      // At most 7 bytes per call, as a pipe may take.
      file.write(fd, buffer, offset, Math.min(length, 7), position, callback);
    };
    const destination = new BatchedLogDestination({
      fd: file.fd,
      intervalMs: 1,
      write,
      flushOnExit: false,
    });
    const expected = Array.from({ length: 20 }, (_, i) => `line ${i} ✓\n`);
    for (const line of expected) destination.write(line);
    await flushed(destination);
    closeSync(file.fd);
    assert.equal(file.text(), expected.join(''));
  });

  it('reports the first of a run of failed writes and goes on writing later lines', async () => {
    const file = recordingFile('failed.log');
    let failures = 2;
    const errors: Error[] = [];
    const write: WriteFn = (fd, buffer, offset, length, position, callback) => {
      if (failures > 0) {
        failures--;
        setImmediate(() => callback(Object.assign(new Error('EIO'), { code: 'EIO' }), 0));
        return;
      }
      file.write(fd, buffer, offset, length, position, callback);
    };
    const destination = new BatchedLogDestination({
      fd: file.fd,
      intervalMs: 1,
      write,
      onError: (err) => errors.push(err),
      flushOnExit: false,
    });
    destination.write('lost\n');
    await flushed(destination);
    destination.write('lost too\n');
    await flushed(destination);
    destination.write('kept\n');
    await flushed(destination);
    closeSync(file.fd);
    assert.equal(errors.length, 1, 'the second failure in a row is not reported again');
    assert.match(errors[0]?.message ?? '', new RegExp(`writing 5 bytes to fd ${file.fd}`));
    assert.equal((errors[0]?.cause as NodeJS.ErrnoException).code, 'EIO');
    assert.equal(file.text(), 'kept\n');
  });

  it('on flushSync writes what is pending and what a write in flight has not confirmed', () => {
    const file = recordingFile('sync.log');
    // A write handed to the thread pool that never reports back before the process ends.
    const write: WriteFn = () => undefined;
    const destination = new BatchedLogDestination({
      fd: file.fd,
      intervalMs: 60_000,
      write,
      flushOnExit: false,
    });
    destination.write('{"level":50,"msg":"in flight"}\n');
    destination.write('{"level":30,"msg":"pending"}\n');
    destination.flushSync();
    closeSync(file.fd);
    assert.deepEqual(
      lines(file.text()).map((l) => l['msg']),
      ['in flight', 'pending'],
    );
  });

  it("writes the lines still pending when the process exits (the webhook's logger)", () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = `
      const { createLogger } = await import(${JSON.stringify(join(here, 'logger.js'))});
      const logger = createLogger('info', 'exit-test', { asyncWrites: true });
      for (let i = 0; i < 3; i++) logger.info({ i }, 'before exit');
      ${'process.exitCode = 0;'}
    `;
    for (const ending of ['', 'process.exit(3);']) {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script + ending], {
        encoding: 'utf8',
      });
      assert.equal(child.status, ending === '' ? 0 : 3, child.stderr);
      assert.deepEqual(
        lines(child.stdout).map((l) => [l['name'], l['i'], l['msg']]),
        [0, 1, 2].map((i) => ['exit-test', i, 'before exit']),
      );
    }
  });
});
