// `aws-controller plan` timed as a user runs it: a fresh process reading the manifests, the
// zones and their listings from files, planning and printing (to /dev/null). Wall time, CPU
// time (user + system, from /usr/bin/time: on shared cores it moves far less than wall time)
// and peak RSS per size; and for the largest size, where the CPU goes, from a V8 CPU profile
// of one more run (inclusive share of each phase's function). With a baseline revision, the
// command as built there runs in turns with this tree's: on a shared host whose speed swings
// by half within minutes, runs side by side are the only comparison that holds.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  writePlanCommandInputs,
  type ManifestFormat,
  type PlanCommandInputs,
} from './plan-command-inputs.js';
import { describeRun, fmt, median, medianWithSpread, mib, table, type RunInfo } from './report.js';
import { productNode } from '../helpers/product-node.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');
const TIME = '/usr/bin/time';

interface CommandSample {
  wallSeconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
}

function runOnce(
  inputs: PlanCommandInputs,
  format: ManifestFormat,
  dir: string,
  extra: string[] = [],
  cli = CLI,
) {
  return new Promise<CommandSample>((resolve, reject) => {
    const timeFile = join(dir, 'time.txt');
    const started = performance.now();
    const args = ['plan', '-f', inputs.manifests[format].file, ...inputs.args];
    const child = spawn(
      TIME,
      ['-o', timeFile, '-f', '%U %S %M', productNode(), ...extra, cli, ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`plan exited ${code}: ${err}`));
      const [user, sys, rssKiB] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
      resolve({
        wallSeconds,
        cpuSeconds: (user ?? NaN) + (sys ?? NaN),
        maxRssBytes: (rssKiB ?? NaN) * 1024,
      });
    });
  });
}

function productNodeVersion(): string {
  return spawnSync(productNode(), ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** Phases of the command, by the function whose inclusive time stands for each. */
const PHASES: [string, (fn: string, url: string) => boolean][] = [
  ['reading the manifests', (fn) => fn === 'readManifests'],
  ['admission checks', (fn) => fn === 'admitManifest'],
  ['desired state', (fn) => fn === 'desiredState'],
  ['plan()', (fn, url) => fn === 'plan' && url.endsWith('core/records/plan.js')],
  ['batches()', (fn, url) => fn === 'batches' && url.endsWith('core/records/batches.js')],
  ['printing', (fn) => fn === 'formatPlanText'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
];

const REST = 'the rest (start-up, module loading, reading the JSON listings)';

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Baseline {
  /** The revision as given, and the commit it names. */
  revision: string;
  commit: string;
  cli: string;
  remove(): void;
}

/**
 * The CLI as built at `revision`: a detached worktree of this repository beside the temporary
 * files, sharing this tree's node_modules, compiled with its own tsconfig.
 */
function buildBaseline(revision: string, log: (line: string) => void): Baseline {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', REPO, ...args], { encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short', `${revision}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), 'plan-command-baseline-'));
  const tree = join(dir, 'tree');
  // A run killed before its clean-up leaves its worktree registered; once its temporary
  // directory is gone, prune forgets it, so such leftovers do not pile up in .git/worktrees.
  git('worktree', 'prune');
  git('worktree', 'add', '--detach', tree, commit);
  const remove = () => {
    git('worktree', 'remove', '--force', tree);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(join(REPO, 'node_modules'), join(tree, 'node_modules'), 'dir');
    log(`plan command: building the baseline ${revision} (${commit})`);
    execFileSync(
      process.execPath,
      [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tree],
      {
        stdio: 'inherit',
      },
    );
  } catch (err) {
    remove();
    throw err;
  }
  return { revision, commit, cli: join(tree, 'dist', 'cli', 'main.js'), remove };
}

/** Medians of runs made in turns, and how the pairs compare. */
function pairedRow(
  label: string[],
  current: readonly CommandSample[],
  baseline: readonly CommandSample[],
): string[] {
  const wall = (list: readonly CommandSample[]) => list.map((s) => s.wallSeconds);
  const cpu = (list: readonly CommandSample[]) => list.map((s) => s.cpuSeconds);
  const pairs = current.map((sample, i) => ({ now: sample, then: baseline[i] as CommandSample }));
  const faster = pairs.filter((p) => p.now.wallSeconds < p.then.wallSeconds).length;
  const change = (now: readonly number[], then: readonly number[]) =>
    `${fmt(median(then))} → ${fmt(median(now))}`;
  return [
    ...label,
    change(wall(current), wall(baseline)),
    fmt(median(pairs.map((p) => p.now.wallSeconds - p.then.wallSeconds))),
    change(cpu(current), cpu(baseline)),
    fmt(median(pairs.map((p) => p.now.cpuSeconds - p.then.cpuSeconds))),
    `${faster} of ${pairs.length}`,
  ];
}

/** Share of the profile's samples spent inside each phase (inclusive). */
function phaseShares(profile: Profile): [string, number][] {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const phaseOf = new Map<number, string | undefined>();
  const resolvePhase = (id: number): string | undefined => {
    if (phaseOf.has(id)) return phaseOf.get(id);
    const node = byId.get(id);
    const own = node
      ? PHASES.find(([, match]) => match(node.callFrame.functionName, node.callFrame.url))?.[0]
      : undefined;
    const up = parent.get(id);
    // The innermost phase wins (plan() inside the command counts as plan()).
    const phase = own ?? (up === undefined ? undefined : resolvePhase(up));
    phaseOf.set(id, phase);
    return phase;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const phase = resolvePhase(id) ?? REST;
    totals.set(phase, (totals.get(phase) ?? 0) + dt);
  });
  return [...totals].map(([phase, t]) => [phase, t / all] as [string, number]);
}

const FORMATS: readonly ManifestFormat[] = ['yaml', 'json'];
const FORMAT_LABEL: Record<ManifestFormat, string> = {
  yaml: 'YAML (multi-document)',
  json: 'JSON (a List)',
};

/** `npm run bench -- plan-command`: the whole command, per size and manifest format. */
export async function planCommandSection(
  options: {
    sizes: readonly number[];
    runs: number;
    /** A git revision to run in turns with this tree (`--baseline`). */
    baseline?: string;
    log: (line: string) => void;
  },
  info: RunInfo,
): Promise<string> {
  const { log } = options;
  if (!existsSync(TIME)) return `(${TIME} not found: the whole-command timing was not measured)`;
  const baseline =
    options.baseline === undefined ? undefined : buildBaseline(options.baseline, log);
  try {
    return await measure(options, info, baseline);
  } finally {
    baseline?.remove();
  }
}

async function measure(
  options: { sizes: readonly number[]; runs: number; log: (line: string) => void },
  info: RunInfo,
  baseline: Baseline | undefined,
): Promise<string> {
  const { sizes, runs, log } = options;
  const rows: string[][] = [];
  const pairedRows: string[][] = [];
  const shares = new Map<ManifestFormat, [string, number][]>();
  const largest = Math.max(...sizes);
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), `plan-command-${size}-`));
    try {
      const inputs = writePlanCommandInputs(dir, size);
      for (const format of FORMATS) {
        const samples: CommandSample[] = [];
        const baseSamples: CommandSample[] = [];
        for (let run = 0; run < runs; run++) {
          // In turns, each first every other time: neither side always meets a host that has
          // just sped up or slowed down.
          const current = () => runOnce(inputs, format, dir);
          const base = () => runOnce(inputs, format, dir, [], baseline?.cli);
          if (baseline !== undefined && run % 2 === 1) baseSamples.push(await base());
          const sample = await current();
          samples.push(sample);
          if (baseline !== undefined && run % 2 === 0) baseSamples.push(await base());
          const then = baseSamples[run];
          log(
            `plan command ${size} ${format} run ${run + 1}/${runs}: wall ${fmt(sample.wallSeconds)} s, CPU ${fmt(sample.cpuSeconds)} s` +
              (then === undefined
                ? ''
                : `; baseline wall ${fmt(then.wallSeconds)} s, CPU ${fmt(then.cpuSeconds)} s`),
          );
        }
        if (baseline !== undefined) {
          pairedRows.push(
            pairedRow(
              [inputs.endpoints.toLocaleString('en-US'), FORMAT_LABEL[format]],
              samples,
              baseSamples,
            ),
          );
        }
        const cpu = samples.map((s) => s.cpuSeconds);
        const wall = samples.map((s) => s.wallSeconds);
        rows.push([
          inputs.endpoints.toLocaleString('en-US'),
          FORMAT_LABEL[format],
          mib(inputs.manifests[format].bytes),
          inputs.recordSets.toLocaleString('en-US'),
          medianWithSpread(cpu),
          medianWithSpread(wall),
          mib(median(samples.map((s) => s.maxRssBytes))),
        ]);
        if (size === largest) {
          const profDir = join(dir, `profile-${format}`);
          await runOnce(inputs, format, dir, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
          const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
          if (file !== undefined) {
            const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile;
            shares.set(format, phaseShares(profile));
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const phases = [...new Set([...shares.values()].flatMap((list) => list.map(([p]) => p)))];
  const shareOf = (format: ManifestFormat, phase: string) => {
    const share = shares.get(format)?.find(([p]) => p === phase)?.[1];
    return share === undefined ? '' : `${fmt(share * 100)} %`;
  };
  const byYamlShare = (p: string) => shares.get('yaml')?.find(([q]) => q === p)?.[1] ?? 0;
  const against =
    baseline === undefined
      ? []
      : [
          '',
          `Against ${baseline.commit} (\`--baseline ${baseline.revision}\`), built in a worktree and run in turns ` +
            'with this tree, each side first every other run: medians of each side, and the median of the ' +
            "per-pair differences (this tree's run minus the baseline's next to it), which the host's swings " +
            'move far less than either side.',
          '',
          table(
            [
              'endpoints',
              'manifests',
              'wall s, baseline → now',
              'paired wall difference s',
              'CPU s, baseline → now',
              'paired CPU difference s',
              'pairs where now is faster',
            ],
            pairedRows,
          ),
        ];
  return [
    '## The whole `aws-controller plan` command',
    '',
    describeRun(info),
    '',
    'N endpoints as N/10 Istio Gateways of 10 hosts (each Gateway in one of 50 zones), with the ingress gateway ' +
      'Service, once as one multi-document YAML file and once as one JSON List as `kubectl get -o json` prints it ' +
      '(4-space indents); `--zones` with the 50 zones and one `--records` file per zone (JSON as the AWS CLI ' +
      'prints it) holding what the syncer writes for them (each record and its ownership TXT, SOA and NS): the steady ' +
      'state, so the plan is empty and every record is compared. Each run is a fresh ' +
      `\`node dist/cli/main.js plan -f … > /dev/null\` (text output) on the product's Node (${productNodeVersion()}, ` +
      "as the image ships it; the machine line's Node is the benchmark's own, and the CLI runs on any Node from 20.19); " +
      `${runs} runs per size and format, medians (min–max). CPU is user + system time from \`/usr/bin/time\`: on ` +
      'shared cores it moves much less than wall time, which also counts waiting for a core.',
    '',
    table(
      ['endpoints', 'manifests', 'size', 'record sets listed', 'CPU s', 'wall s', 'peak RSS'],
      rows,
    ),
    ...against,
    '',
    `Where the CPU goes at ${largest.toLocaleString('en-US')} endpoints (one more run per format under ` +
      '`--cpu-prof`; share of the profile, each sample counted in the innermost phase it falls in):',
    '',
    table(
      ['phase', ...FORMATS.map((f) => FORMAT_LABEL[f])],
      phases
        .sort((a, b) => byYamlShare(b) - byYamlShare(a))
        .map((phase) => [phase, ...FORMATS.map((f) => shareOf(f, phase))]),
    ),
  ].join('\n');
}
