// The domain policy (issue "Tenancy"): which namespaces may publish which names. One file,
// read by `validate`, `plan`, the webhook and the syncer, so a name is judged the same way at
// `kubectl apply` time and at reconcile time. Pure: the caller reads the file.
//
//   strict: false                # a name no entry covers: allowed (false) or refused (true)
//   domains:
//     - domain: shop.example.com # this name and every name under it...
//       namespaces: [team-shop]  # ...only from these namespaces (`*` globs: team-*)
//
// The longest `domain` equal to a name or a parent of it decides. A wildcard record
// (`*.shop.example.com`) and an underscore label (`_acme-challenge.shop.example.com`) are
// names under their parent like any other: a tenant cannot reach into a sibling's subtree
// with either.
import { createRequire } from 'node:module';
import type { parse as ParseYaml } from 'yaml';
import { normalizeHostname } from '../names/hostname.js';

export interface DomainPolicyEntry {
  /** In normal form (lower case, punycode, no final dot). */
  domain: string;
  /** As written: namespace names, or globs where `*` stands for any run of characters. */
  namespaces: string[];
}

export interface DomainPolicy {
  strict: boolean;
  domains: DomainPolicyEntry[];
}

/** A policy compiled for lookups: entries by domain, namespace globs as patterns. */
interface Compiled {
  byDomain: Map<string, { entry: DomainPolicyEntry; patterns: RegExp[] }>;
}

const compiled = new WeakMap<DomainPolicy, Compiled>();

export type NameVerdict =
  | { allowed: true }
  | {
      allowed: false;
      /** Says what the name is, which entry (or strictness) refused it and what would do. */
      message: string;
      /** The deciding entry; absent when no entry covers the name (strict policy). */
      entry?: DomainPolicyEntry;
    };

/** Namespaces are DNS-1123 labels; a glob adds `*`. */
const NAMESPACE_GLOB = /^[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?$/;
const TOP_KEYS = new Set(['strict', 'domains']);
const ENTRY_KEYS = new Set(['domain', 'namespaces']);

// The YAML parser is loaded on the first policy read, not with this module: the syncer and the
// webhook judge names with this module in every process, and read a policy file only when
// one is configured.
const requireModule = createRequire(import.meta.url);
let parseYamlText: typeof ParseYaml | undefined;
function parseYaml(text: string): unknown {
  parseYamlText ??= (requireModule('yaml') as { parse: typeof ParseYaml }).parse;
  return parseYamlText(text);
}

/**
 * Reads a policy from YAML or JSON text (JSON is YAML). Throws an Error naming `source` and
 * every problem: a policy with a typo must stop the process, not open the door.
 */
export function parseDomainPolicy(text: string, source: string): DomainPolicy {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new Error(`domain policy ${source}: not YAML or JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const problems: string[] = [];
  const policy = readPolicy(document ?? {}, problems);
  if (problems.length > 0) {
    throw new Error(`domain policy ${source}: ${problems.join('; ')}`);
  }
  return policy;
}

function readPolicy(document: unknown, problems: string[]): DomainPolicy {
  if (!isRecord(document)) {
    problems.push('must be a mapping with `strict` and `domains`');
    return { strict: false, domains: [] };
  }
  for (const key of Object.keys(document)) {
    if (!TOP_KEYS.has(key)) problems.push(`unknown key \`${key}\` (known: strict, domains)`);
  }
  const strict = document['strict'] ?? false;
  if (typeof strict !== 'boolean') problems.push('`strict` must be true or false');
  const rawDomains = document['domains'] ?? [];
  if (!Array.isArray(rawDomains)) {
    problems.push('`domains` must be a list of {domain, namespaces}');
    return { strict: strict === true, domains: [] };
  }
  const domains: DomainPolicyEntry[] = [];
  const seen = new Set<string>();
  rawDomains.forEach((raw: unknown, index) => {
    const entry = readEntry(raw, `domains[${index}]`, problems);
    if (entry === undefined) return;
    if (seen.has(entry.domain)) {
      problems.push(`domains[${index}]: ${entry.domain} is listed twice`);
      return;
    }
    seen.add(entry.domain);
    domains.push(entry);
  });
  return { strict: strict === true, domains };
}

function readEntry(raw: unknown, where: string, problems: string[]): DomainPolicyEntry | undefined {
  if (!isRecord(raw)) {
    problems.push(`${where} must be a mapping with \`domain\` and \`namespaces\``);
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.has(key)) {
      problems.push(`${where}: unknown key \`${key}\` (known: domain, namespaces)`);
    }
  }
  const rawDomain = raw['domain'];
  let domain = '';
  if (typeof rawDomain !== 'string') problems.push(`${where}.domain must be a hostname`);
  else {
    const name = normalizeHostname(rawDomain, { allowWildcard: false });
    if (name.ok) domain = name.value;
    else problems.push(`${where}.domain '${rawDomain}' ${name.reason}`);
  }
  const rawNamespaces = raw['namespaces'];
  const namespaces: string[] = [];
  if (!Array.isArray(rawNamespaces)) {
    problems.push(
      `${where}.namespaces must be a list of namespaces or globs (an empty list reserves the domain for no namespace)`,
    );
  } else {
    for (const ns of rawNamespaces as unknown[]) {
      if (typeof ns === 'string' && NAMESPACE_GLOB.test(ns)) namespaces.push(ns);
      else
        problems.push(
          `${where}.namespaces: ${JSON.stringify(ns)} is not a namespace name or glob (a-z, 0-9, '-', '*')`,
        );
    }
  }
  return problems.length === before ? { domain, namespaces } : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compile(policy: DomainPolicy): Compiled {
  let result = compiled.get(policy);
  if (result === undefined) {
    result = {
      byDomain: new Map(
        policy.domains.map((entry) => [
          entry.domain,
          { entry, patterns: entry.namespaces.map(globPattern) },
        ]),
      ),
    };
    compiled.set(policy, result);
  }
  return result;
}

function globPattern(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/** The entry that decides for `name`: the longest domain equal to it or a parent of it. */
export function decidingEntry(policy: DomainPolicy, name: string): DomainPolicyEntry | undefined {
  const { byDomain } = compile(policy);
  // Walk up the labels: a few map lookups per name, whatever the policy's size.
  for (let suffix = name; ;) {
    const found = byDomain.get(suffix);
    if (found !== undefined) return found.entry;
    const dot = suffix.indexOf('.');
    if (dot < 0) return undefined;
    suffix = suffix.slice(dot + 1);
  }
}

/** Whether `namespace` may publish `name` (in normal form) under the policy. */
export function judgeName(policy: DomainPolicy, namespace: string, name: string): NameVerdict {
  const entry = decidingEntry(policy, name);
  if (entry === undefined) {
    return policy.strict
      ? {
          allowed: false,
          message: `${name} is not covered by any entry of the domain policy, which is strict: ask the platform team to add a domain entry for namespace ${namespace}`,
        }
      : { allowed: true };
  }
  const patterns = compile(policy).byDomain.get(entry.domain)?.patterns ?? [];
  if (patterns.some((pattern) => pattern.test(namespace))) return { allowed: true };
  const who =
    entry.namespaces.length === 0
      ? 'no namespace'
      : `namespace${entry.namespaces.length === 1 ? '' : 's'} ${entry.namespaces.join(', ')}`;
  return {
    allowed: false,
    entry,
    message: `${name} may be published only from ${who} (domain policy entry ${entry.domain}), not from namespace ${namespace}`,
  };
}
