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
 * Bytes read as UTF-8, exactly as `toString('utf8')` reads them. Files are read as bytes and
 * decoded here, not by `readFileSync(path, 'utf8')`, whose decoding (V8's own UTF-8 reader)
 * took twice as long on Node 24: the 56 MiB of a 100k-endpoint plan's manifests and listings
 * read in ~75 ms this way against ~145 ms (docs/benchmarks.md, plan command). ASCII, which
 * nearly every manifest and listing is, is its own Latin-1: Node copies it as it is, over
 * ~1 MiB into a string held outside V8's heap, which the scavenges then need not copy.
 * Anything else (a byte order mark, any non-ASCII character, bytes that are not UTF-8) goes
 * through Node's UTF-8 decoder.
 */
export function decodeUtf8(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** A file's whole text, as `readFileSync(path, 'utf8')` gives it; throws as it does. */
export function readTextFile(path: string): string {
  return decodeUtf8(readFileSync(path));
}
