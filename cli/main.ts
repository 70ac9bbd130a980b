#!/usr/bin/env node
// Entry point of the `aws-controller` command. Sub-commands are wired in cli/commands.ts.
import { runCli } from './commands.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
