// npm run test:e2e: builds whatever the real environment lacks, starts it once, runs every
// compiled end-to-end suite (dist/test/e2e/**/*.test.js, plus the Route 53 proxy's own tests)
// one file after another with node's test runner, and stops the environment at the end —
// also on failure, SIGINT and SIGTERM.
// Exits non-zero if the environment cannot start or any test fails. One suite needs what not
// every machine has (the Pod suite: root, a node); where the machine cannot, it is skipped with
// ONE line saying why, never silently.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { containerSupport, ensureImage } from './env/image.js';
import { defaultStateFile, startEnvironment, stopAll, stopEnvironment } from './env/lifecycle.js';
import type { StartOptions } from './env/lifecycle.js';
import { nodeUnavailableReason } from './env/node.js';
import { isRunning } from './env/processes.js';
import { readState } from './env/state.js';
import { repoRoot } from './env/versions.js';
import { ENV_VARIABLE } from './helpers/environment.js';

const log = (line: string): void => void process.stderr.write(`[e2e] ${line}\n`);

/** Clusters the run starts: every suite uses the first; clusters.test.ts the others too. */
const E2E_CLUSTERS = 2;

function findTests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.js'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function runTests(
  files: readonly string[],
  stateFile: string,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        '--test-reporter=spec',
        // One file at a time: the suites share one cluster and one moto.
        '--test-concurrency=1',
        '--test-timeout=300000',
        ...files,
      ],
      { stdio: 'inherit', env: { ...process.env, [ENV_VARIABLE]: stateFile } },
    );
    const onAbort = (): void => void child.kill('SIGTERM');
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      log(`cannot run the test runner: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      resolve(code ?? (sig ? 128 : 1));
    });
  });
}

/**
 * Runs killed before they could clean up (SIGKILL, a closed terminal) leave their processes
 * recorded in .env-state/e2e-<pid>/: stop those whose owner is gone, and drop old run folders.
 * A run whose owner is still alive is someone else's and is left alone.
 */
async function cleanUpAbandonedRuns(): Promise<void> {
  const parent = join(repoRoot(), '.env-state');
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith('e2e-') || entry === `e2e-${process.pid}`) continue;
    const dir = join(parent, entry);
    const stateFile = join(dir, 'state.json');
    if (existsSync(stateFile)) {
      let state;
      try {
        state = await readState(stateFile);
      } catch {
        continue;
      }
      if (state.owner && isRunning(state.owner)) continue;
      const running = state.processes.filter((p) => isRunning(p));
      if (running.length > 0) {
        log(
          `stopping processes left by an abandoned run: ${running.map((p) => `${p.name} ${p.pid}`).join(', ')}`,
        );
        const failures = await stopAll(state.processes);
        if (failures.length > 0) {
          log(`could not stop all of them: ${failures.join('; ')}`);
          continue;
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** Why the Pod suite cannot run on this machine (one line), or undefined when it can. */
async function podsUnavailableReason(): Promise<string | undefined> {
  const containers = await containerSupport();
  if (!containers.ok) return containers.reason;
  return nodeUnavailableReason();
}

/** Starts an environment, runs `files` against it, stops it; the test runner's exit code. */
async function inEnvironment(
  stateFile: string,
  signal: AbortSignal,
  files: readonly string[],
  extra: Pick<StartOptions, 'node' | 'clusters'>,
): Promise<number> {
  const root = repoRoot();
  let started = false;
  let exitCode = 1;
  try {
    const begun = Date.now();
    const state = await startEnvironment({
      stateFile,
      signal,
      owned: true,
      log: (l) => log(l),
      ...extra,
    });
    started = true;
    log(
      `environment${extra.node ? ' with a node' : ''} up in ${((Date.now() - begun) / 1000).toFixed(1)}s`,
    );
    log(`component logs in ${state.logDir} (kept until the next run)`);
    log(`running ${files.length} suite file(s)`);
    for (const f of files) log(`  ${relative(root, f)}`);
    exitCode = await runTests(files, stateFile, signal);
  } catch (err) {
    log(
      `ERROR: the test environment could not start: ${err instanceof Error ? err.message : String(err)}`,
    );
    exitCode = 1;
  } finally {
    if (started) {
      try {
        await stopEnvironment(stateFile);
        log('environment stopped');
      } catch (err) {
        log(`ERROR stopping the environment: ${err instanceof Error ? err.message : String(err)}`);
        exitCode = exitCode === 0 ? 1 : exitCode;
      }
    }
  }
  return exitCode;
}

async function main(): Promise<number> {
  const root = repoRoot();
  // The proxy's and the environment's own unit tests ride along: test:unit:run covers only the product's folders.
  const files = [
    ...findTests(join(root, 'dist', 'test', 'e2e')),
    ...findTests(join(root, 'dist', 'test', 'route53-proxy')),
    // And the environment's own (the node's pieces that need no node).
    ...findTests(join(root, 'dist', 'test', 'env')),
  ];
  if (files.length === 0) {
    log('no end-to-end suites found under dist/test/e2e (did the build run?)');
    return 1;
  }
  // One folder per run, so two runs in one tree (two engineers, two terminals) never meet.
  const stateFile =
    process.env['AWS_CONTROLLER_TEST_E2E_STATE'] ?? defaultStateFile(`e2e-${process.pid}`);
  await cleanUpAbandonedRuns();

  const abort = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = sig;
    log(`${sig}: stopping`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // The Pod suite needs a node, which only root on Linux with Debian's packages can have, and
  // its own environment (a node beside the apiserver changes how it is started), so it runs
  // after the others, in a second environment, or is skipped saying why in one line.
  const podFiles = files.filter((f) => /[/\\]pods\.test\.js$/.test(f));
  const otherFiles = files.filter((f) => !podFiles.includes(f));
  let exitCode = await inEnvironment(stateFile, abort.signal, otherFiles, {
    // clusters.test.ts needs a second kube-apiserver (two clusters, one AWS account).
    clusters: E2E_CLUSTERS,
  });
  if (podFiles.length > 0 && !abort.signal.aborted) {
    const reason = await podsUnavailableReason();
    if (reason !== undefined) {
      log(`SKIPPED test/e2e/pods.test.ts (aws-controller as Pods on a real node): ${reason}`);
    } else {
      const image = await ensureImage({ archive: true, log: (l) => log(l) });
      if (image.archive === undefined) throw new Error('ensureImage wrote no archive');
      const podsCode = await inEnvironment(
        stateFile.replace(/state\.json$/, 'node-state.json'),
        abort.signal,
        podFiles,
        { node: { imageArchives: [image.archive] } },
      );
      exitCode = exitCode === 0 ? podsCode : exitCode;
    }
  }
  if (signalled) return signalled === 'SIGINT' ? 130 : 143;
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
