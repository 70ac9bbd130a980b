// What every benchmark section says about where and how it was measured, small statistics,
// markdown tables, and writing generated sections into docs/benchmarks.md between markers
// (`<!-- bench:<name>:begin -->` … `<!-- bench:<name>:end -->`), leaving the rest alone.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../env/versions.js';

export interface RunInfo {
  readonly date: string;
  readonly command: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly commit: string;
  readonly loadAtStart: readonly number[];
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot() })
      .toString()
      .trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot() })
        .toString()
        .trim() !== '';
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export function runInfo(args: readonly string[]): RunInfo {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' '),
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    commit: gitCommit(),
    loadAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** Versions of installed npm packages, as `name version`. */
export function packageVersions(names: readonly string[]): string {
  return names
    .map((name) => {
      try {
        const file = join(repoRoot(), 'node_modules', name, 'package.json');
        return `${name} ${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
      } catch {
        return `${name} (not installed)`;
      }
    })
    .join(', ');
}

export function describeRun(info: RunInfo, extra: readonly string[] = []): string {
  return [
    `Measured ${info.date} with \`${info.command}\` at commit ${info.commit}.`,
    `Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB memory, Linux ${info.kernel}, ` +
      `Node ${info.node}; load average ${info.loadAtStart.join(' / ')} (1/5/15 min) when it started ` +
      '(two other engineers share these cores).',
    ...extra,
  ].join('\n');
}

// --- statistics ---

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The value below which `p` percent of the values fall (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** `min–max` of several values ('' for fewer than two), each as `format` writes it. */
export function spread(values: readonly number[], format: (n: number) => string = fmt): string {
  if (values.length < 2) return '';
  return `${format(Math.min(...values))}–${format(Math.max(...values))}`;
}

/** `median (min–max)`, or the median alone for one value; `unit` goes after the median. */
export function medianWithSpread(
  values: readonly number[],
  format: (n: number) => string = fmt,
  unit = '',
): string {
  const range = spread(values, format);
  return `${format(median(values))}${unit}${range === '' ? '' : ` (${range})`}`;
}

/** Numbers for tables: three significant digits, thousands separated. */
export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return '–';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 10 ** digits) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function ratio(a: number, b: number): string {
  return b === 0 || !Number.isFinite(a / b) ? '–' : `${(a / b).toFixed(2)}×`;
}

export const mib = (bytes: number): string => `${fmt(bytes / 1024 / 1024)} MiB`;

// --- markdown ---

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const DOC = (): string => join(repoRoot(), 'docs', 'benchmarks.md');

/** Replaces (or appends) the generated section `name` of docs/benchmarks.md. */
export function writeSection(name: string, markdown: string): string {
  const file = DOC();
  const begin = `<!-- bench:${name}:begin (generated by npm run bench; edits are overwritten) -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${begin}\n\n${markdown.trim()}\n\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const pattern = new RegExp(
    `<!-- bench:${name}:begin[^\\n]*-->[\\s\\S]*?<!-- bench:${name}:end -->`,
  );
  const next = pattern.test(text)
    ? text.replace(pattern, () => block)
    : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  return file;
}
