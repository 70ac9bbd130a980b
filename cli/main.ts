#!/usr/bin/env node
// Entry point of the `aws-controller` command.
import { fileURLToPath } from 'node:url';
import { runCli } from './commands.js';
import { readAll } from './io.js';

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => controller.abort());
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readAll(process.stdin),
  signal: controller.signal,
  examplesDir: fileURLToPath(new URL('../../examples', import.meta.url)),
});
