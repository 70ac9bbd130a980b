import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  /**
   * Write lines from the event loop without waiting for each one's write(2): the webhook logs
   * every patch and denial, and under load one synchronous write per answer was a visible
   * share of its CPU. Lines are gathered up to ASYNC_BATCH_BYTES (or ASYNC_FLUSH_MS, whichever
   * comes first) and written together; pino flushes what is left on exit.
   */
  asyncWrites?: boolean;
  /** The file descriptor lines go to (default 1, stdout). */
  fd?: number;
}

/**
 * Under load one asynchronous write per line still cost a thread-pool round trip per answer
 * (profiles of /mutate at ~3,000 patches/s: ~7 % of the webhook's CPU in pino and
 * sonic-boom); a few KiB per write makes that a tenth. At a trickle a line waits at most
 * ASYNC_FLUSH_MS.
 */
export const ASYNC_BATCH_BYTES = 4096;
export const ASYNC_FLUSH_MS = 250;

/** Structured JSON logs, one line per decision. */
export function createLogger(
  level = 'info',
  name = 'aws-controller',
  options: LoggerOptions = {},
): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`log level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  }
  const fd = options.fd ?? 1;
  if (options.asyncWrites === true) {
    return pino(
      { name, level },
      pino.destination({
        dest: fd,
        sync: false,
        minLength: ASYNC_BATCH_BYTES,
        periodicFlush: ASYNC_FLUSH_MS,
      }),
    );
  }
  return fd === 1 ? pino({ name, level }) : pino({ name, level }, pino.destination(fd));
}
