// Flag parsing shared by the commands: node's parseArgs, with every long flag also settable
// from an environment variable (`--tls-cert-file` ← AWS_CONTROLLER_TLS_CERT_FILE), so the
// chart can use either.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function envName(flag: string): string {
  return `AWS_CONTROLLER_${flag.toUpperCase().replace(/-/g, '_')}`;
}

export interface ParsedOptions {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parseOptions(
  argv: string[],
  options: OptionSpec,
  env: NodeJS.ProcessEnv = process.env,
  allowPositionals = false,
): ParsedOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const values: ParsedOptions['values'] = { ...parsed.values };
  for (const [flag, spec] of Object.entries(options)) {
    if (values[flag] !== undefined) continue;
    const fromEnv = env[envName(flag)];
    if (fromEnv === undefined || fromEnv === '') continue;
    if (spec.type === 'boolean') values[flag] = /^(1|true|yes)$/i.test(fromEnv);
    else values[flag] = spec.multiple ? fromEnv.split(',') : fromEnv;
  }
  return { values, positionals: parsed.positionals };
}

export function stringOption(values: ParsedOptions['values'], flag: string): string | undefined {
  const value = values[flag];
  return typeof value === 'string' ? value : undefined;
}

export function requiredString(values: ParsedOptions['values'], flag: string): string {
  const value = stringOption(values, flag);
  if (value === undefined) {
    throw new UsageError(`--${flag} is required (or set ${envName(flag)})`);
  }
  return value;
}

export function integerOption(
  values: ParsedOptions['values'],
  flag: string,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  const raw = stringOption(values, flag);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** Durations as `250ms`, `10s`, `5m` or a bare number of seconds, in milliseconds. */
export function durationOption(
  values: ParsedOptions['values'],
  flag: string,
  fallbackMs: number,
): number {
  const raw = stringOption(values, flag);
  if (raw === undefined) return fallbackMs;
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (match === null) {
    throw new UsageError(`--${flag} must be a duration such as 500ms, 10s or 5m, got '${raw}'`);
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Math.round(Number(match[1]) * unit);
}
