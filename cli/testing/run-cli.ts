// Runs the CLI in-process for tests, capturing what it writes.
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../commands.js';

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString('utf8');
    done();
  }
}

/** The repository's examples folder (what `demo` reads). */
export const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));

export async function runCommand(argv: string[], stdin = '') {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, {
    stdout,
    stderr,
    readStdin: () => Promise.resolve(stdin),
    signal: new AbortController().signal,
    examplesDir: EXAMPLES,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
