// Starting and stopping the environment's processes. Each runs detached (its own process
// group, so a Ctrl-C in the terminal reaches only us and we stop it in order), writes to its
// own log file, and is recorded by pid plus its kernel start time, so `down` never signals a
// recycled pid that now belongs to something else.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: identifies this process even if the pid is reused. */
  readonly startTime: string;
  readonly command: readonly string[];
  readonly logFile: string;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logDir: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** A started process; `exited` settles if it dies while we still watch it. */
export interface Started {
  readonly record: ProcessRecord;
  readonly exited: Promise<string>;
  /** Stop watching, so this Node process can exit while the child keeps running. */
  release(): void;
}

// Every process this Node process started and has not stopped, so a failed or interrupted
// start can stop exactly those.
const live = new Map<number, ProcessRecord>();

export function liveProcesses(): ProcessRecord[] {
  return [...live.values()];
}

function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    if (state === 'Z' || state === 'X') return undefined; // exited, waiting to be reaped
    return rest[19]; // field 22 overall
  } catch {
    return undefined;
  }
}

/** This Node process, identified the same way, to record who owns an environment. */
export function selfRecord(): { pid: number; startTime: string } {
  return { pid: process.pid, startTime: procStartTime(process.pid) ?? '' };
}

/** True while the exact process we started is alive. */
export function isRunning(record: Pick<ProcessRecord, 'pid' | 'startTime'>): boolean {
  return procStartTime(record.pid) === record.startTime;
}

// Children must not route loopback calls through a proxy the machine may have configured.
function childEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete env[key];
  env['NO_PROXY'] = env['no_proxy'] = '127.0.0.1,localhost';
  return env;
}

export function startProcess(options: StartOptions): Started {
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(options.command, [...options.args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: childEnv(options.env),
    cwd: options.cwd,
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${options.name} (${options.command}); see ${logFile}`);
  }
  const startTime = procStartTime(pid);
  if (startTime === undefined) {
    throw new Error(`${options.name} exited immediately; see ${logFile}`);
  }
  const record: ProcessRecord = {
    name: options.name,
    pid,
    startTime,
    command: [options.command, ...options.args],
    logFile,
  };
  live.set(pid, record);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(pid);
      resolve(`${options.name} exited (${signal ?? `code ${code}`}); see ${logFile}`);
    });
    child.once('error', (err) => resolve(`${options.name} failed to start: ${err.message}`));
  });
  return {
    record,
    exited,
    release: () => child.unref(),
  };
}

/**
 * Polls `check` until it returns true, failing early with the process's exit reason if it
 * dies, and with `what` plus the log file when time runs out.
 */
export async function waitUntilReady(
  started: Started,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died: string | undefined;
  void started.exited.then((reason) => {
    died = reason;
  });
  let lastError = '';
  while (Date.now() < deadline) {
    if (died !== undefined) throw new Error(`${what}: ${died}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(
    `${what}: not ready after ${Math.round(timeoutMs / 1000)}s` +
      `${lastError ? ` (last error: ${lastError})` : ''}; see ${started.record.logFile}`,
  );
}

/** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
export async function stopProcess(record: ProcessRecord, graceMs = 10_000): Promise<void> {
  live.delete(record.pid);
  if (!isRunning(record)) return;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(record.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(record) && Date.now() < deadline) await sleep(50);
  if (!isRunning(record)) return;
  signal('SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isRunning(record) && Date.now() < killDeadline) await sleep(50);
  if (isRunning(record)) throw new Error(`${record.name} (pid ${record.pid}) survived SIGKILL`);
}

/** A port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** `count` distinct free ports (the kernel may hand the same one out twice in a row). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
