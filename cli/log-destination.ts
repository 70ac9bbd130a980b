// Where the webhook's pino writes its lines: gathered in memory and written together, at most
// every `intervalMs`, by one asynchronous write at a time.
//
// Why not pino.destination({ sync: false }) (sonic-boom), as before: it starts a write for the
// first line it gets whenever none is in flight, so under load nearly every loop turn costs a
// hand-off to libuv's thread pool and back (a wake-up of the pool thread, write(2), an eventfd
// wake-up of the loop, the callback), and each line waiting behind a write has the whole
// pending text's UTF-8 length recounted and copied again. Measured on Node 24 with the
// webhook's patch line, one or two lines per loop turn: ~13–20 µs of process CPU per line,
// against ~3.3 µs for pino's own formatting; written once per interval instead, the writes
// cost next to nothing per line. Lines at warn and above are written at once (they are rare,
// and someone may be waiting for them).
//
// What waiting costs: a line reaches stdout up to `intervalMs` after it was logged; on exit
// (process 'exit', including process.exit()) the pending lines are written synchronously, as
// pino's own destination does. Only a process killed outright (SIGKILL, the OOM killer) loses
// what it had not written yet: at most one interval's lines.
import { write as fsWrite, writeSync as fsWriteSync } from 'node:fs';

/**
 * True for a line of pino's at warn (40) or above: `{"level":40,…`. Read from the line rather
 * than asked of pino (its `pino.metadata` symbol), which would have pino slice the time and
 * set five properties on this object for every line.
 */
export function isUrgentLine(line: string): boolean {
  if (!line.startsWith('{"level":')) return false;
  const tens = line.charCodeAt(9) - 48;
  const units = line.charCodeAt(10) - 48;
  if (tens < 0 || tens > 9) return false;
  // Two digits (pino's 10–60) or more: a one-digit level is below warn.
  return units >= 0 && units <= 9 && tens >= 4;
}

export interface LogDestinationOptions {
  /** File descriptor to write to (1: stdout). */
  fd: number;
  /** Longest a line waits before being written. */
  intervalMs?: number;
  /** Pending text (in UTF-16 code units) that starts a write before the interval is up. */
  flushChars?: number;
  /** fs.write, replaceable in tests. */
  write?: (
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: null,
    callback: (err: NodeJS.ErrnoException | null, written: number) => void,
  ) => void;
  /** fs.writeSync, replaceable in tests. */
  writeSync?: (fd: number, buffer: Buffer, offset: number, length: number) => number;
  /** Where a failed write is reported (the log itself cannot say it); default stderr. */
  onError?: (err: Error) => void;
  /** Register the synchronous flush on process 'exit' (default true). */
  flushOnExit?: boolean;
}

export const DEFAULT_LOG_INTERVAL_MS = 20;
export const DEFAULT_LOG_FLUSH_CHARS = 64 * 1024;
/** Time before retrying a write that met a full non-blocking pipe (EAGAIN). */
const RETRY_MS = 10;

export class BatchedLogDestination {
  private readonly fd: number;
  private readonly intervalMs: number;
  private readonly flushChars: number;
  private readonly writeAsync: NonNullable<LogDestinationOptions['write']>;
  private readonly writeSyncFn: NonNullable<LogDestinationOptions['writeSync']>;
  private readonly onError: (err: Error) => void;
  private pending: string[] = [];
  private pendingChars = 0;
  /** A line at warn or above is pending: write without waiting for the interval. */
  private urgent = false;
  /** The last write failed: the next failure is not reported again. */
  private failing = false;
  /** The bytes of the write in flight (not yet written), or undefined when none is. */
  private inFlight: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting: (() => void)[] = [];

  constructor(options: LogDestinationOptions) {
    this.fd = options.fd;
    this.intervalMs = options.intervalMs ?? DEFAULT_LOG_INTERVAL_MS;
    this.flushChars = options.flushChars ?? DEFAULT_LOG_FLUSH_CHARS;
    this.writeAsync = options.write ?? fsWrite;
    this.writeSyncFn = options.writeSync ?? fsWriteSync;
    this.onError =
      options.onError ??
      ((err) => process.stderr.write(`log destination: could not write: ${err.message}\n`));
    if (options.flushOnExit !== false) process.once('exit', () => this.flushSync());
  }

  /** pino's stream interface: one line (ending in a newline). */
  write(line: string): boolean {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (isUrgentLine(line)) this.urgent = true;
    if (this.urgent || this.pendingChars >= this.flushChars) this.startWrite();
    else if (this.inFlight === undefined) this.startTimer();
    return true;
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startWrite();
    }, this.intervalMs);
    // A pending line never keeps the process alive: 'exit' writes it.
    this.timer.unref();
  }

  /** pino's logger.flush(cb): writes what is pending now; cb once it is written. */
  flush(callback?: (err?: Error) => void): void {
    if (callback !== undefined) {
      if (this.inFlight === undefined && this.pending.length === 0) {
        process.nextTick(callback);
        return;
      }
      this.waiting.push(() => callback());
    }
    this.startWrite();
  }

  /**
   * Writes everything not yet written, synchronously (on exit). A write already handed to the
   * thread pool is written again from where the last callback left it: a line may then
   * appear twice, never not at all.
   */
  flushSync(): void {
    this.clearTimer();
    const parts: Buffer[] = [];
    if (this.inFlight !== undefined) parts.push(this.inFlight);
    if (this.pending.length > 0) parts.push(Buffer.from(this.takePending()));
    this.inFlight = undefined;
    for (const part of parts) this.writeAllSync(part);
    this.settleWaiting();
  }

  private takePending(): string {
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.urgent = false;
    return text;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private startWrite(): void {
    if (this.inFlight !== undefined) return; // its callback starts the next one
    this.clearTimer();
    if (this.pending.length === 0) {
      this.settleWaiting();
      return;
    }
    this.writeChunk(Buffer.from(this.takePending()));
  }

  private writeChunk(chunk: Buffer): void {
    this.inFlight = chunk;
    this.writeAsync(this.fd, chunk, 0, chunk.length, null, (err, written) => {
      if (this.inFlight !== chunk) return; // flushSync took it over
      if (err !== null) {
        if (err.code === 'EAGAIN') {
          // A non-blocking pipe is full: its reader will drain it.
          setTimeout(() => this.inFlight === chunk && this.writeChunk(chunk), RETRY_MS).unref();
          return;
        }
        // Lost lines are reported, not thrown: a log that cannot be written must not stop
        // the webhook answering. Once per run of failures: a closed stdout fails every write.
        if (!this.failing) {
          this.onError(new Error(`writing ${chunk.length} bytes to fd ${this.fd}`, { cause: err }));
        }
        this.failing = true;
        this.inFlight = undefined;
      } else if (written < chunk.length) {
        this.writeChunk(chunk.subarray(written));
        return;
      } else {
        this.failing = false;
        this.inFlight = undefined;
      }
      // Lines that arrived meanwhile wait for their interval unless they are many or urgent.
      if (this.urgent || this.pendingChars >= this.flushChars || this.waiting.length > 0) {
        this.startWrite();
      } else if (this.pending.length > 0) this.startTimer();
    });
  }

  private settleWaiting(): void {
    for (const done of this.waiting.splice(0)) done();
  }

  private writeAllSync(chunk: Buffer): void {
    let offset = 0;
    let retries = 0;
    while (offset < chunk.length) {
      try {
        offset += this.writeSyncFn(this.fd, chunk, offset, chunk.length - offset);
      } catch (err) {
        // A full non-blocking pipe at exit: wait for the reader a little, then give up.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN' && retries++ < 100) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
          continue;
        }
        this.onError(
          new Error(`writing ${chunk.length - offset} bytes to fd ${this.fd}`, { cause: err }),
        );
        return;
      }
    }
  }
}
