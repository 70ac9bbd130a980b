import type { Writable } from 'node:stream';

/** What a command may touch of the outside world, passed in so tests can capture it. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  readStdin: () => Promise<string>;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
