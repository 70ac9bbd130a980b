// A one-layer OCI image archive (an OCI image layout in a tar) made from files in memory, for
// the node's pause image: the registry's image is out of reach, the binary is built from the
// kubernetes module's pause.c, and `ctr images import` reads this format. No dependency: a
// ustar writer is enough for a few regular files.
import { createHash } from 'node:crypto';

export interface ArchiveFile {
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as ustar wants.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(path: string, size: number, mode: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(path) > 100) throw new Error(`tar path longer than 100 bytes: ${path}`);
  const h = Buffer.alloc(512, 0);
  h.write(path, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(0, 12), 136, 12, 'ascii'); // mtime: fixed, so the archive is reproducible
  h.write('        ', 148, 8, 'ascii'); // checksum counted as spaces
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** A tar of regular files (and the folders their paths name), closed by two zero blocks. */
export function tar(files: readonly ArchiveFile[]): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const file of files) {
    const segments = file.path.split('/').slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = `${segments.slice(0, i).join('/')}/`;
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      parts.push(header(dir, 0, 0o755, '5'));
    }
    parts.push(header(file.path, file.content.length, file.mode, '0'), file.content);
    const pad = (512 - (file.content.length % 512)) % 512;
    if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function goArch(arch: string): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  const found = map[arch];
  if (found === undefined) throw new Error(`no OCI architecture name for Node's ${arch}`);
  return found;
}

/**
 * An OCI image layout archive of one image: one uncompressed layer holding `files`, run as
 * `entrypoint`, named `name` (registry/repository:tag) for containerd's importer.
 */
export function ociImageArchive(options: {
  name: string;
  files: readonly ArchiveFile[];
  entrypoint: readonly string[];
  user?: string;
  arch?: string;
}): Buffer {
  const arch = goArch(options.arch ?? process.arch);
  const tagAt = options.name.lastIndexOf(':');
  if (tagAt <= options.name.lastIndexOf('/'))
    throw new Error(`image name without a tag: ${options.name}`);
  const layer = tar(options.files);
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      config: {
        Entrypoint: [...options.entrypoint],
        ...(options.user ? { User: options.user } : {}),
      },
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: layerDigest,
          size: layer.length,
        },
      ],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha256(manifest),
          size: manifest.length,
          platform: { architecture: arch, os: 'linux' },
          annotations: {
            'io.containerd.image.name': options.name,
            'org.opencontainers.image.ref.name': options.name.slice(tagAt + 1),
          },
        },
      ],
    }),
  );
  const blob = (b: Buffer): ArchiveFile => ({
    path: `blobs/sha256/${sha256(b).slice('sha256:'.length)}`,
    content: b,
    mode: 0o644,
  });
  return tar([
    { path: 'oci-layout', content: Buffer.from('{"imageLayoutVersion":"1.0.0"}'), mode: 0o644 },
    { path: 'index.json', content: index, mode: 0o644 },
    blob(layer),
    blob(config),
    blob(manifest),
  ]);
}
