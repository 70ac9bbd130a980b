// The aws-controller image, built from the repository's Dockerfile as it is, with podman and no
// registry: install.sh makes the two base images the Dockerfile's FROM lines name (stand-ins
// from Debian's debootstrap and the Node.js wheel) and this module builds on them with
// `--pull=never`, once per change of the build's inputs. Whether this machine can do it at all
// (root, Debian's packages) is decided in one place, containerSupport(), so every suite that
// needs a container skips the same way, saying why in one line.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { cacheRoot } from './components.js';
import { envSourceDir, loadVersions, repoRoot } from './versions.js';

/** Whether containers can be built and run here, and if not, why (one line). */
export type ContainerSupport =
  { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Set to anything but '' or '0' to skip the container suites on purpose (CI without root). */
export const NO_CONTAINERS_VARIABLE = 'AWS_CONTROLLER_TEST_NO_CONTAINERS';

/** install.sh's exit code for "this machine cannot" (as opposed to "it failed"). */
const CANNOT = 3;

export interface BuiltImage {
  /** Full reference in podman's storage, e.g. localhost/aws-controller:test-0123456789ab. */
  readonly ref: string;
  readonly repository: string;
  readonly tag: string;
  /** podman's image ID. */
  readonly id: string;
  /** Hash of everything the build reads (context, base image IDs, npm settings). */
  readonly inputsHash: string;
  /** false when an image for these inputs already existed. */
  readonly built: boolean;
  readonly buildSeconds: number;
  /** A docker-archive of the image (for `ctr images import`), when asked for. */
  readonly archive?: string;
  /** Environment podman must run with (CONTAINERS_CONF), for anyone running it by hand. */
  readonly podmanEnv: Readonly<Record<string, string>>;
}

export const IMAGE_REPOSITORY = 'localhost/aws-controller';

function installScript(): string {
  return join(envSourceDir(), 'install.sh');
}

/** The environment podman runs with: our containers.conf (runc, ulimits within the hard limits). */
export function podmanEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { CONTAINERS_CONF: join(cacheRoot(env), 'podman', 'containers.conf') };
}

function runInstall(components: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [installScript(), ...components], {
      env: { ...env, AWS_CONTROLLER_TEST_CACHE: cacheRoot(env) },
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('error', (err) => reject(new Error(`cannot run ${installScript()}`, { cause: err })));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

let supportDecided: Promise<ContainerSupport> | undefined;

/**
 * Decides once per process whether this machine can build and run the image: Linux, root (podman
 * runs rootful here), and podman, buildah, runc, crun and debootstrap installed or installable
 * with apt-get. Installs them when missing. Only "cannot" becomes { ok: false }: a failure of
 * something that should work (podman itself broken) throws.
 */
export function containerSupport(env: NodeJS.ProcessEnv = process.env): Promise<ContainerSupport> {
  supportDecided ??= decideSupport(env);
  return supportDecided;
}

async function decideSupport(env: NodeJS.ProcessEnv): Promise<ContainerSupport> {
  const optOut = env[NO_CONTAINERS_VARIABLE];
  if (optOut !== undefined && optOut !== '' && optOut !== '0') {
    return { ok: false, reason: `${NO_CONTAINERS_VARIABLE}=${optOut} is set` };
  }
  if (process.platform !== 'linux') {
    return { ok: false, reason: `containers need Linux (this is ${process.platform})` };
  }
  if (process.getuid?.() !== 0) {
    return {
      ok: false,
      reason: `containers need root here (podman rootful; uid ${process.getuid?.()})`,
    };
  }
  const code = await runInstall(['image-tools'], env);
  if (code === CANNOT) {
    return {
      ok: false,
      reason:
        'podman, buildah, runc, crun and debootstrap are missing and apt-get cannot install them',
    };
  }
  if (code !== 0) throw new Error(`install.sh image-tools failed (exit ${code})`);
  const info = spawnSync('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}'], {
    env: { ...env, ...podmanEnv(env) },
    encoding: 'utf8',
  });
  if (info.status !== 0) {
    throw new Error(`podman is installed but does not work: ${info.stderr.trim()}`);
  }
  return { ok: true };
}

/** Patterns of a .dockerignore, the small subset ours uses: names and `*` globs per path segment. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((p) => {
      if (p.startsWith('!')) throw new Error(`.dockerignore exceptions (${p}) are not supported`);
      const source = p
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((seg) => seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('/');
      // A pattern names a path from the context root; everything under it goes with it.
      return new RegExp(`^${source}(/|$)`);
    });
  return (path) => patterns.some((p) => p.test(path));
}

/** Files of the build context (what podman sends), sorted, relative to the repository. */
export function contextFiles(root: string): string[] {
  const ignored = dockerignoreMatcher(readFileSync(join(root, '.dockerignore'), 'utf8'));
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(root, full);
      if (ignored(rel)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk(root);
  return out.sort();
}

function podmanSync(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync('podman', args, {
    env: { ...env, ...podmanEnv(env) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `podman ${args.join(' ')} failed: ${result.stderr.trim() || result.error?.message}`,
    );
  }
  return result.stdout.trim();
}

/** Test images kept besides the one just built: other checkouts on the machine may use them. */
const KEPT_IMAGES = 2;

/**
 * The tags of test images to remove: all but the newest `kept` besides `current`. Every change
 * to the sources is a new tag (the inputs hash), and each image and its archive are a few
 * hundred MB: kept for ever, a developer's disk filled up.
 */
export function staleImageTags(
  images: readonly { tag: string; /** Seconds since the epoch. */ created: number }[],
  current: string,
  kept = KEPT_IMAGES,
): string[] {
  // One entry per tag: podman lists an image once per tag, each entry with all its names.
  const created = new Map<string, number>();
  for (const { tag, created: at } of images) {
    if (tag !== current && tag.startsWith('test-')) {
      created.set(tag, Math.max(at, created.get(tag) ?? at));
    }
  }
  return [...created]
    .sort(([, a], [, b]) => b - a)
    .slice(kept)
    .map(([tag]) => tag);
}

/** Removes stale test images with their archives and build logs; a failure only warns. */
function pruneOldImages(
  current: string,
  workDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): void {
  try {
    // JSON: its fields have kept their names across podman versions, unlike --format's.
    const listed = JSON.parse(
      podmanSync(
        ['images', '--filter', `reference=${IMAGE_REPOSITORY}`, '--format', 'json'],
        env,
      ) || '[]',
    ) as { Names?: string[]; Created?: number }[];
    const images = listed.flatMap((image) =>
      (image.Names ?? [])
        .filter((name) => name.startsWith(`${IMAGE_REPOSITORY}:`))
        .map((name) => ({
          tag: name.slice(IMAGE_REPOSITORY.length + 1),
          created: image.Created ?? 0,
        })),
    );
    for (const tag of staleImageTags(images, current)) {
      // An image a container still uses stays (podman refuses): it goes on a later build.
      const removed = spawnSync('podman', ['rmi', `${IMAGE_REPOSITORY}:${tag}`], {
        env: { ...env, ...podmanEnv(env) },
        encoding: 'utf8',
      });
      if (removed.status !== 0) continue;
      rmSync(join(workDir, `aws-controller-${tag}.tar`), { force: true });
      rmSync(join(workDir, `build-${tag}.log`), { force: true });
      log(`removed the old test image ${IMAGE_REPOSITORY}:${tag}`);
    }
  } catch (err) {
    log(`could not prune old test images: ${(err as Error).message}`);
  }
}

/** The npm registry the host's npm uses, so `npm ci` in the build reaches the same one. */
function hostRegistry(env: NodeJS.ProcessEnv): string {
  const result = spawnSync('npm', ['config', 'get', 'registry'], { env, encoding: 'utf8' });
  const registry = result.stdout?.trim();
  if (result.status !== 0 || !registry) {
    throw new Error(`npm config get registry failed: ${result.stderr?.trim()}`);
  }
  return registry;
}

/** The CA bundle the host trusts (a TLS-inspecting proxy's CA is in it on CI machines). */
function hostCaBundle(env: NodeJS.ProcessEnv): string | undefined {
  const candidates = [env['NODE_EXTRA_CA_CERTS'], '/etc/ssl/certs/ca-certificates.crt'];
  return candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
}

export interface EnsureImageOptions {
  /** Also write a docker-archive (for `ctr -n k8s.io images import`). */
  readonly archive?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * Builds the image from the Dockerfile unless an image for the same inputs is already in
 * podman's storage, and returns where it is. Throws when the machine cannot (check
 * containerSupport() first) or the build fails, with podman's output in the log file named.
 */
export async function ensureImage(
  options: EnsureImageOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuiltImage> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`[image] ${line}\n`));
  const support = await containerSupport(env);
  if (!support.ok) throw new Error(`cannot build the image here: ${support.reason}`);
  const installed = await runInstall(['node', 'base-images'], env);
  if (installed !== 0) throw new Error(`install.sh node base-images failed (exit ${installed})`);

  const root = repoRoot();
  const major = loadVersions().nodeWheel.split('.')[0] ?? '';
  const bases = [
    `docker.io/library/node:${major}-bookworm-slim`,
    `gcr.io/distroless/nodejs${major}-debian12:nonroot`,
  ];
  const registry = hostRegistry(env);
  const ca = hostCaBundle(env);
  const hash = createHash('sha256');
  for (const base of bases)
    hash.update(
      `base ${base} ${podmanSync(['image', 'inspect', '--format', '{{.Id}}', base], env)}\n`,
    );
  hash.update(
    `registry ${registry}\nca ${ca ? createHash('sha256').update(readFileSync(ca)).digest('hex') : '-'}\n`,
  );
  for (const file of contextFiles(root)) {
    hash.update(
      `file ${file} ${createHash('sha256')
        .update(readFileSync(join(root, file)))
        .digest('hex')}\n`,
    );
  }
  const inputsHash = hash.digest('hex');
  const tag = `test-${inputsHash.slice(0, 12)}`;
  const ref = `${IMAGE_REPOSITORY}:${tag}`;

  const workDir = join(cacheRoot(env), 'images');
  mkdirSync(workDir, { recursive: true });
  const exists = spawnSync('podman', ['image', 'exists', ref], {
    env: { ...env, ...podmanEnv(env) },
  });
  let built = false;
  let buildSeconds = 0;
  if (exists.status !== 0) {
    // npm in the build stages reads its global config file ($PREFIX/etc/npmrc, /usr/local in the
    // node image): the host's registry and CA bundle go there through a read-only bind mount
    // for RUN steps only, so nothing of the host lands in a layer and the Dockerfile is unchanged.
    const npmrc = join(workDir, `npmrc-${process.pid}`);
    writeFileSync(
      npmrc,
      `registry=${registry}\n${ca ? 'cafile=/run/aws-controller-test/ca.crt\n' : ''}`,
    );
    const logFile = join(workDir, `build-${tag}.log`);
    log(
      `building ${ref} from ${join(root, 'Dockerfile')} (podman build --pull=never; log ${logFile})`,
    );
    const started = process.hrtime.bigint();
    const args = [
      'build',
      '--pull=never',
      // The build's `npm ci` needs the registry; the host's network namespace touches nothing
      // on the host (no bridge, no iptables rules), unlike podman's default network.
      '--network=host',
      '--volume',
      `${npmrc}:/usr/local/etc/npmrc:ro`,
      ...(ca ? ['--volume', `${ca}:/run/aws-controller-test/ca.crt:ro`] : []),
      '--label',
      `aws-controller-test.inputs=${inputsHash}`,
      '--tag',
      ref,
      '--file',
      join(root, 'Dockerfile'),
      root,
    ];
    // One log per inputs hash: the last attempt's.
    const out = openSync(logFile, 'w');
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('podman', args, {
        env: { ...env, ...podmanEnv(env) },
        stdio: ['ignore', out, out],
      });
      child.on('error', (err) => reject(new Error('cannot run podman', { cause: err })));
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    }).finally(() => {
      closeSync(out);
      rmSync(npmrc, { force: true });
    });
    buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) {
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(`podman build of ${ref} failed (exit ${code}); ${logFile} ends:\n${tail}`);
    }
    built = true;
    log(`built ${ref} in ${buildSeconds.toFixed(1)} s`);
    pruneOldImages(tag, workDir, env, log);
  }
  const id = podmanSync(['image', 'inspect', '--format', '{{.Id}}', ref], env);
  let archive: string | undefined;
  if (options.archive) {
    archive = join(workDir, `aws-controller-${tag}.tar`);
    if (!existsSync(archive)) {
      const partial = `${archive}.${process.pid}.tmp`;
      podmanSync(['save', '--quiet', '--format', 'docker-archive', '--output', partial, ref], env);
      renameSync(partial, archive);
    }
  }
  return {
    ref,
    repository: IMAGE_REPOSITORY,
    tag,
    id,
    inputsHash,
    built,
    buildSeconds,
    ...(archive !== undefined && { archive }),
    podmanEnv: podmanEnv(env),
  };
}
