import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
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
  return decodeUtf8(Buffer.concat(chunks));
}

/**
 * Bytes read as UTF-8, exactly as `toString('utf8')` reads them. ASCII is its own Latin-1,
 * which V8 copies into a string as it is, where its UTF-8 decoder visits every byte: the
 * 56 MiB of manifests and listings of a 100k-endpoint plan took ~50 ms this way against
 * 105–150 ms (Node 24; docs/benchmarks.md, plan command). Anything else — a byte order mark,
 * one non-ASCII character, bytes that are not UTF-8 — goes through the decoder as before.
 */
export function decodeUtf8(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** A file's whole text, as `readFileSync(path, 'utf8')` gives it; throws as it does. */
export function readTextFile(path: string): string {
  return decodeUtf8(readFileSync(path));
}
