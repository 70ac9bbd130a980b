// A ConfigMap volume as the kubelet lays it out, for processes the chart suites start locally:
// each key is a symlink `key -> ..data/key`, `..data` a symlink to a timestamped folder holding
// the files. An update writes a new folder and swaps `..data` by rename, so a reader sees the
// old set or the new one, never a half-written file; that swap is what the processes watching
// a mounted file must notice.
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

let generation = 0;

/**
 * Writes `data` into `dir` the way the kubelet projects a ConfigMap (first time or update; a
 * key dropped by an update keeps a dangling link, which no suite here needs to tell apart).
 */
export async function writeConfigMapVolume(
  dir: string,
  data: Readonly<Record<string, string>>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  generation += 1;
  const folder = `..${new Date().toISOString().replace(/[-:.TZ]/g, '_')}${generation}`;
  await mkdir(join(dir, folder));
  for (const [key, value] of Object.entries(data)) {
    await writeFile(join(dir, folder, key), value, { mode: 0o644 });
  }
  const previous = await readlink(join(dir, '..data')).catch(() => undefined);
  await symlink(folder, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const key of Object.keys(data)) {
    await symlink(join('..data', key), join(dir, key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // already links through ..data
    });
  }
  if (previous !== undefined) await rm(join(dir, previous), { recursive: true, force: true });
}
