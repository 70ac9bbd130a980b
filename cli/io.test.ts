import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { decodeUtf8, readAll, readTextFile } from './io.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-io-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each as bytes: the ASCII shortcut must not change what any of them reads as.
const SAMPLES: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['ASCII JSON', Buffer.from('{"ResourceRecordSets": [{"Name": "a.example.com."}]}\n')],
  ['every ASCII byte', Buffer.from(Array.from({ length: 128 }, (_, i) => i))],
  ['Latin-1 letters as UTF-8', Buffer.from('name: café-büro\n', 'utf8')],
  ['a byte order mark', Buffer.from('\ufeff{"kind": "List"}', 'utf8')],
  ['outside the BMP', Buffer.from('comment: 🚀 launch\n', 'utf8')],
  ['one byte above 0x7f in ASCII', Buffer.from([0x61, 0x62, 0xe9, 0x63])],
  ['a truncated sequence', Buffer.from([0x7b, 0xe2, 0x82])],
  ['a lone continuation byte at the end', Buffer.from('{"a": 1}\x80', 'latin1')],
];

describe('reading text', () => {
  it('decodes bytes exactly as toString("utf8") does, ASCII or not', () => {
    for (const [what, bytes] of SAMPLES) {
      assert.equal(decodeUtf8(bytes), bytes.toString('utf8'), what);
    }
  });

  it('reads a file exactly as readFileSync(path, "utf8") does', async () => {
    for (const [i, [what, bytes]] of SAMPLES.entries()) {
      const file = join(dir, `sample-${i}`);
      await writeFile(file, bytes);
      assert.equal(readTextFile(file), readFileSync(file, 'utf8'), what);
    }
  });

  it('throws as readFileSync does for a file that cannot be read', () => {
    assert.throws(() => readTextFile(join(dir, 'missing')), { code: 'ENOENT' });
    assert.throws(() => readTextFile(dir), { code: 'EISDIR' });
  });

  it('reads stdin in chunks that split a character, as one text', async () => {
    const bytes = Buffer.from("hosts: ['ünïcode.example.com']\n", 'utf8');
    // Split inside the two-byte ü, so each chunk alone is not valid UTF-8.
    const chunks = [bytes.subarray(0, 10), bytes.subarray(10)];
    assert.equal(await readAll(Readable.from(chunks)), bytes.toString('utf8'));
  });
});
