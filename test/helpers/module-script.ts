// Runs an inline ES module in a fresh Node process and returns what it printed last, as JSON:
// how the tests see what a process loads (a test process has loaded everything already).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

export async function runModuleScript(
  script: string,
  args: readonly string[],
  node: string = process.execPath,
): Promise<Record<string, unknown>> {
  const child = spawn(node, ['--input-type=module', '-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}
