// A DNS controller (external-dns, or the syncer as the benchmarks start it) as a child process
// whose output goes to a log file: started, watched for an early exit, its RSS read, stopped
// with SIGTERM (SIGKILL after 15 s) and never left behind when the test process exits.
import { closeSync, openSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HeapReport } from './gc-probe.js';
import { readPeakRss, readRss } from './webhook-process.js';

/** Credentials and region for moto: any values do, none may come from the machine. */
export const AWS_TEST_ENV = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

export interface RunningController {
  readonly pid: number;
  readonly command: string;
  readonly logFile: string;
  rss(): number;
  /** VmHWM: the most RSS it ever had. */
  peakRss(): number;
  /**
   * The V8 heap in use after a full GC, for a Node process launched with `--expose-gc
   * --import gc-probe.js` and `ipc`; undefined for any other.
   */
  heapAfterGc(): Promise<HeapReport | undefined>;
  /** Why it exited, once it has. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

export function launch(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  options: { ipc?: boolean } = {},
): RunningController {
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, {
    stdio: options.ipc === true ? ['ignore', fd, fd, 'ipc'] : ['ignore', fd, fd],
    env: { ...process.env, ...env, NO_PROXY: '127.0.0.1,localhost' },
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = `exited with ${signal ?? `code ${code}`}; see ${logFile}`;
      resolve();
    }),
  );
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    pid,
    command: [command, ...args].join(' '),
    logFile,
    rss: () => readRss(pid),
    peakRss: () => readPeakRss(pid),
    heapAfterGc: () =>
      new Promise<HeapReport | undefined>((resolve) => {
        if (options.ipc !== true || !child.connected) {
          resolve(undefined);
          return;
        }
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          resolve(undefined);
        }, 30_000);
        const onMessage = (message: unknown): void => {
          if ((message as Partial<HeapReport> | null)?.type !== 'heap') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(message as HeapReport);
        };
        child.on('message', onMessage);
        child.send({ type: 'heap' });
      }),
    exited: () => exitReason,
    stop: async () => {
      process.off('exit', killOnExit);
      if (exitReason !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once `url` answers 2xx; throws if the process exits first or time runs out. */
export async function waitHealthy(
  running: RunningController,
  url: string,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = running.exited();
    if (reason !== undefined) throw new Error(`${what} ${reason}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${what}: ${url} not healthy after ${timeoutMs / 1000}s`);
}
