import { pino, type Logger } from 'pino';
import { BatchedLogDestination } from './log-destination.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  /**
   * Write lines from the event loop without waiting for each one's write(2): the webhook logs
   * every patch and denial, and under load one write per answer (synchronous, or handed to the
   * thread pool) was a visible share of its CPU. Lines are gathered for up to 20 ms and
   * written together (log-destination.ts); those pending are written on exit.
   */
  asyncWrites?: boolean;
}

/** Structured JSON logs, one line per decision. */
export function createLogger(
  level = 'info',
  name = 'aws-controller',
  options: LoggerOptions = {},
): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`log level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  }
  if (options.asyncWrites === true) {
    return pino({ name, level }, new BatchedLogDestination({ fd: 1 }));
  }
  return pino({ name, level });
}
