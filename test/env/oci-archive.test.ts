import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ociImageArchive, tar } from './oci-archive.js';

const run = promisify(execFile);

async function withTemp<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-archive-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('tar', () => {
  it('is read back by GNU tar: folders, modes, contents of every size around a block', async () => {
    await withTemp(async (dir) => {
      const files = [0, 1, 511, 512, 513, 4096].map((size, i) => ({
        path: `a/b${i}/f${size}`,
        content: Buffer.alloc(size, i + 65),
        mode: i % 2 === 0 ? 0o755 : 0o644,
      }));
      await writeFile(join(dir, 'x.tar'), tar(files));
      const { stdout } = await run('tar', ['-tvf', join(dir, 'x.tar')]);
      assert.match(stdout, /^drwxr-xr-x .* a\/$/m);
      assert.match(stdout, /^-rw-r--r-- .* 4096 .* a\/b5\/f4096$/m);
      assert.match(stdout, /^-rwxr-xr-x .* 511 .* a\/b2\/f511$/m);
      await run('tar', ['-xf', join(dir, 'x.tar'), '-C', dir]);
      for (const f of files) assert.deepEqual(await readFile(join(dir, f.path)), f.content);
    });
  });

  it('refuses a path ustar cannot hold without a prefix field', () => {
    assert.throws(
      () => tar([{ path: 'x'.repeat(101), content: Buffer.alloc(0), mode: 0o644 }]),
      /longer than 100 bytes/,
    );
  });
});

describe('ociImageArchive', () => {
  it('is an OCI layout whose index names the image and whose digests match the blobs', async () => {
    await withTemp(async (dir) => {
      const binary = Buffer.from('#!/bin/true\n');
      const archive = ociImageArchive({
        name: 'localhost/test/pause:v1',
        files: [{ path: 'pause', content: binary, mode: 0o755 }],
        entrypoint: ['/pause'],
        user: '65535:65535',
        arch: 'x64',
      });
      await writeFile(join(dir, 'image.tar'), archive);
      await run('tar', ['-xf', join(dir, 'image.tar'), '-C', dir]);
      const json = async (path: string) =>
        JSON.parse(await readFile(join(dir, path), 'utf8')) as unknown;
      const blob = (digest: string) => join('blobs', 'sha256', digest.replace('sha256:', ''));
      const check = async (descriptor: { digest: string; size: number }) => {
        const content = await readFile(join(dir, blob(descriptor.digest)));
        assert.equal(content.length, descriptor.size);
        assert.equal(
          `sha256:${createHash('sha256').update(content).digest('hex')}`,
          descriptor.digest,
        );
      };
      assert.deepEqual(await json('oci-layout'), { imageLayoutVersion: '1.0.0' });
      const index = (await json('index.json')) as {
        manifests: {
          digest: string;
          size: number;
          platform: unknown;
          annotations: Record<string, string>;
        }[];
      };
      const [entry] = index.manifests;
      assert.ok(entry);
      assert.deepEqual(entry.platform, { architecture: 'amd64', os: 'linux' });
      assert.equal(entry.annotations['io.containerd.image.name'], 'localhost/test/pause:v1');
      assert.equal(entry.annotations['org.opencontainers.image.ref.name'], 'v1');
      await check(entry);
      const manifest = (await json(blob(entry.digest))) as {
        config: { digest: string; size: number };
        layers: { digest: string; size: number }[];
      };
      await check(manifest.config);
      const [layer] = manifest.layers;
      assert.ok(layer);
      await check(layer);
      const config = (await json(blob(manifest.config.digest))) as {
        config: { Entrypoint: string[]; User: string };
        rootfs: { diff_ids: string[] };
      };
      assert.deepEqual(config.config.Entrypoint, ['/pause']);
      assert.equal(config.config.User, '65535:65535');
      assert.deepEqual(config.rootfs.diff_ids, [layer.digest], 'uncompressed: diff ID = digest');
      const { stdout } = await run('tar', ['-tvf', join(dir, blob(layer.digest))]);
      assert.match(stdout, /^-rwxr-xr-x .* pause$/m);
    });
  });

  it('needs a tag and an architecture it knows', () => {
    const files = [{ path: 'p', content: Buffer.alloc(1), mode: 0o755 }];
    assert.throws(
      () => ociImageArchive({ name: 'localhost:5000/x', files, entrypoint: [] }),
      /without a tag/,
    );
    assert.throws(
      () => ociImageArchive({ name: 'x:1', files, entrypoint: [], arch: 'mips' }),
      /no OCI architecture/,
    );
  });
});
