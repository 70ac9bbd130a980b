// Stopping and starting the environment's kube-apiserver during a run, for the fault tests
// (watches dropped, requests refused, CRD-backed APIs briefly unserved after the restart).
// The new process is recorded in the state file, so `env down` still stops exactly it.
import { readFile } from 'node:fs/promises';
import { httpGet } from './http-get.js';
import { isRunning, startProcess, stopProcess, waitUntilReady } from './processes.js';
import { readState, writeState } from './state.js';

const NAME = 'kube-apiserver';

async function record(stateFile: string) {
  const state = await readState(stateFile);
  const found = state.processes.find((p) => p.name === NAME);
  if (found === undefined) throw new Error(`${stateFile} records no ${NAME}`);
  return { state, found };
}

export async function stopApiserver(stateFile: string): Promise<void> {
  const { found } = await record(stateFile);
  await stopProcess(found);
}

/** Starts it again with the same command line; resolves once /readyz answers 200. */
export async function startApiserver(stateFile: string): Promise<void> {
  const { state, found } = await record(stateFile);
  if (isRunning(found)) return;
  const [command, ...args] = found.command;
  if (command === undefined) throw new Error(`${stateFile}: ${NAME} has no command recorded`);
  const started = startProcess({ name: NAME, command, args, logDir: state.logDir });
  const tls = {
    ca: await readFile(state.caCert),
    cert: await readFile(state.clientCert),
    key: await readFile(state.clientKey),
  };
  await waitUntilReady(
    started,
    `${NAME} on ${state.apiserverUrl} (restarted)`,
    async () => (await httpGet(`${state.apiserverUrl}/readyz`, tls)).status === 200,
    120_000,
  );
  await writeState({
    ...state,
    pids: { ...state.pids, [NAME]: started.record.pid },
    processes: state.processes.map((p) => (p.name === NAME ? started.record : p)),
  });
  started.release();
}
