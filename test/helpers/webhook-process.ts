// The real webhook (`aws-controller webhook`, i.e. startWebhookServer behind the CLI) in a
// child process, with a throwaway CA and serving certificate. A crash shows up as the process
// exiting, and its memory is its own: the fuzz test reads the heap after a full GC through
// gc-probe.js, the benchmark keeps load generator and server on separate processes.
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createCa, issueCert } from '../env/certs.js';
import { freePorts } from '../env/processes.js';
import type { HeapReport } from './gc-probe.js';
import { productNode } from './product-node.js';

const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServingFiles {
  readonly dir: string;
  readonly caPem: Buffer;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA and a serving certificate for 127.0.0.1/localhost in a fresh temporary folder. */
export async function makeServingFiles(prefix = 'webhook-process-'): Promise<ServingFiles> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const ca = await createCa(dir, 'ca');
  const serving = await issueCert(ca, dir, {
    name: 'tls',
    commonName: 'aws-controller-webhook',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  return {
    dir,
    caPem: await readFile(ca.certFile),
    certFile: serving.certFile,
    keyFile: serving.keyFile,
  };
}

export interface WebhookProcessOptions {
  /** Expose gc and load gc-probe.js, so heapAfterGc() works. */
  readonly probeHeap?: boolean;
  readonly logLevel?: string;
  /** A different server script (the benchmark's floor); it gets the same arguments. */
  readonly script?: string;
  readonly files?: ServingFiles;
  /** More flags for the `webhook` command (`--domain-policy FILE`, …). */
  readonly extraArgs?: readonly string[];
}

export interface WebhookProcess {
  readonly pid: number;
  readonly port: number;
  readonly metricsPort: number;
  readonly caPem: Buffer;
  readonly child: ChildProcess;
  /** Set once the process has exited: how it ended. */
  exited(): string | undefined;
  /** The end of what it printed (stdout and stderr), for failure messages. */
  output(): string;
  /** Lines it printed at level error (50) or fatal (60), or that are not log lines. */
  errorLines(): string[];
  heapAfterGc(): Promise<HeapReport>;
  /** RSS from /proc, in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

const clip = (line: string): string => (line.length > 2000 ? `${line.slice(0, 2000)}…` : line);

/** Starts the server on two free ports and resolves once its /readyz answers 200. */
export async function startWebhookProcess(
  options: WebhookProcessOptions = {},
): Promise<WebhookProcess> {
  const files = options.files ?? (await makeServingFiles());
  const ownsFiles = options.files === undefined;
  const script = options.script ?? join(distRoot, 'cli', 'main.js');
  // gc-probe.js also stops the server if this process dies without stopping it.
  const probe = ['--import', join(distRoot, 'test', 'helpers', 'gc-probe.js')];
  const nodeArgs = options.probeHeap ? ['--expose-gc', ...probe] : probe;
  const [port, metricsPort] = (await freePorts(2)) as [number, number];
  const logFile = join(files.dir, `webhook-${port}.log`);
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    productNode(),
    [
      ...nodeArgs,
      script,
      'webhook',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--metrics-port',
      String(metricsPort),
      '--tls-cert-file',
      files.certFile,
      '--tls-key-file',
      files.keyFile,
      '--log-level',
      options.logLevel ?? 'info',
      // No Service sends it traffic to drain: stop at once.
      '--shutdown-delay',
      '0s',
      ...(options.extraArgs ?? []),
    ],
    // Logs go to a file, not a pipe: a pipe this process drains late would hold log lines in
    // the server's memory and blur what its heap keeps.
    { stdio: ['ignore', logFd, logFd, 'ipc'] },
  );
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${script}`);
  // If this process ends without stopping it (a test runner's timeout), it goes too.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = `exited with ${signal ?? `code ${code}`}`;
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const errors: string[] = [];
  let readUpTo = 0;
  let partial = '';
  const scanLog = (): void => {
    const size = statSync(logFile).size;
    if (size <= readUpTo) return;
    const fd = openSync(logFile, 'r');
    try {
      const chunk = Buffer.alloc(size - readUpTo);
      readSync(fd, chunk, 0, chunk.length, readUpTo);
      readUpTo = size;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const level = Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 0);
        if (level >= 50 || (level === 0 && line.trim() !== '')) errors.push(clip(line));
      }
    } finally {
      closeSync(fd);
    }
  };
  const output = (): string => {
    const size = statSync(logFile).size;
    const fd = openSync(logFile, 'r');
    try {
      const length = Math.min(size, 16_384);
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, size - length);
      return chunk.toString('utf8').split('\n').map(clip).join('\n');
    } finally {
      closeSync(fd);
    }
  };
  const stop = async (): Promise<void> => {
    if (exitReason === undefined) {
      child.kill('SIGTERM');
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (ownsFiles) await rm(files.dir, { recursive: true, force: true });
  };
  try {
    await waitReady(metricsPort, () => exitReason, 30_000);
  } catch (err) {
    const log = output();
    await stop();
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }
  return {
    pid,
    port,
    metricsPort,
    caPem: files.caPem,
    child,
    exited: () => exitReason,
    output,
    errorLines: () => {
      scanLog();
      return [...errors];
    },
    heapAfterGc: () =>
      new Promise<HeapReport>((resolve, reject) => {
        if (!child.connected) {
          reject(new Error('the webhook process has no IPC channel (exited?)'));
          return;
        }
        const onMessage = (message: unknown): void => {
          if ((message as Partial<HeapReport> | null)?.type !== 'heap') return;
          child.off('message', onMessage);
          resolve(message as HeapReport);
        };
        child.on('message', onMessage);
        child.send({ type: 'heap' });
      }),
    rss: () => readRss(pid),
    stop,
  };
}

async function waitReady(
  metricsPort: number,
  exited: () => string | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = exited();
    if (reason !== undefined) throw new Error(`the webhook process ${reason} before it was ready`);
    const status = await new Promise<number>((resolve) => {
      httpRequest({ host: '127.0.0.1', port: metricsPort, path: '/readyz' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', () => resolve(0))
        .end();
    });
    if (status === 200) return;
    await sleep(50);
  }
  throw new Error(`the webhook process was not ready after ${timeoutMs / 1000}s`);
}

/** VmRSS of a process, in bytes (0 once it is gone). */
export function readRss(pid: number): number {
  return readStatusKb(pid, 'VmRSS');
}

/** VmHWM of a process: the most RSS it ever had, in bytes (0 once it is gone). */
export function readPeakRss(pid: number): number {
  return readStatusKb(pid, 'VmHWM');
}

function readStatusKb(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** What the webhook answered one request with, and how long it took (wall clock, ms). */
export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  ms: number;
}

/** One POST to the webhook process over HTTPS (its own CA), on `agent`. */
export function postToWebhook(
  server: WebhookProcess,
  agent: HttpsAgent,
  req: {
    label: string;
    path: string;
    body: Buffer;
    contentType?: string | undefined;
    contentEncoding?: string | undefined;
  },
): Promise<WebhookAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const headers: Record<string, string | number> = { 'content-length': req.body.length };
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    if (req.contentEncoding !== undefined) headers['content-encoding'] = req.contentEncoding;
    const r = httpsRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: req.path,
        method: 'POST',
        ca: server.caPem,
        servername: 'localhost',
        headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', (err) => reject(new Error(`${req.label}: ${err.message}`, { cause: err })));
    r.end(req.body);
  });
}
