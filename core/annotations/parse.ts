// parseAnnotations: an object's annotations → a typed spec in normal form, or the issues a
// person needs to fix them. The webhook, the syncer and the CLI all read annotations here.
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ValidateFunction } from 'ajv';
import { KINDS, type ObjectKind } from '../kinds.js';
import { error, warning, type Issue } from './issues.js';
import { KEY_NAMES, REGISTRY, isKeyName, type KeyName } from './keys.js';
import { MAX_LISTED_PROBLEMS, MAX_VALUE_LENGTH } from './limits.js';
import { EXTERNAL_DNS_PREFIXES, PREFIX, UNSUPPORTED_KEYS } from './prefix.js';
import type { ClusterIdentity } from './cluster.js';
import { applyRules } from './rules.js';
import { toSpec, type AnnotationSpec, type KeyValueMap } from './spec.js';
import { nearest } from './suggest.js';

export const DEFAULT_CONTROLLER_NAME = 'aws-controller';

export interface ParseContext {
  /** The object's kind; undefined for a kind outside the contract. */
  kind: ObjectKind | undefined;
  /** For Services: whether it is headless (`clusterIP: None`). */
  headless?: boolean;
  controllerName?: string;
  /** What annotations may leave to the cluster the controller runs in (cluster.ts). */
  cluster?: ClusterIdentity;
}

export interface ParseResult {
  /** Whether the object carries any key under our prefix. */
  relevant: boolean;
  /** The typed reading; present exactly when there are no errors. */
  spec: AnnotationSpec | undefined;
  errors: Issue[];
  warnings: Issue[];
  /**
   * Every key of ours (full annotation name) with its value in normal form, including keys
   * the normal form adds. Present when there are no errors.
   */
  normalised: Record<string, string> | undefined;
}

// Every key accepts any letter case, so patterns are compiled case-insensitive. (`code` names
// the engine for ajv's standalone code generation, which we do not use.)
const caseInsensitive = Object.assign(
  (pattern: string, flags: string) => new RegExp(pattern, `${flags}i`),
  { code: 'new RegExp' },
);
// ajv is loaded, and each key's schema compiled, when a value of that key is first checked:
// compiling them all took ~0.1-0.3 s of every process's start, and `aws-controller plan` or
// `validate` over manifests without annotations (or with a few keys) needs none or few.
const requireModule = createRequire(import.meta.url);
let ajv: AjvClass | undefined;
const validators = new Map<KeyName, ValidateFunction>();
function validatorOf(name: KeyName): ValidateFunction {
  let validator = validators.get(name);
  if (validator === undefined) {
    ajv ??= new (requireModule('ajv') as { Ajv: typeof AjvClass }).Ajv({
      code: { regExp: caseInsensitive },
    });
    validator = ajv.compile(REGISTRY[name].schema);
    validators.set(name, validator);
  }
  return validator;
}

/** Compiles every key's schema now (the webhook, so that no admission waits for it). */
export function compileAnnotationSchemas(): void {
  for (const name of KEY_NAMES) validatorOf(name);
}

function kindLabel(kind: ObjectKind): string {
  const info = KINDS.find((k) => k.kind === kind);
  return info ? `${info.k8sKind} (${info.group || 'core'})` : kind;
}

/**
 * A value or key as a message repeats it: whole when short, else its start and its length (a
 * message may end up in an Event, a log line and kubectl's output).
 */
function quoteLong(text: string): string {
  return text.length <= QUOTE_LIMIT
    ? text
    : `${text.slice(0, QUOTE_LIMIT)}…(${text.length} characters)`;
}
const QUOTE_LIMIT = 256;

/**
 * Each key's full annotation name, and the key of each full name. The keys of a parsed
 * object are already interned strings: looking one up whole spares the slice and the
 * concatenation per key that each needed its own hashing (a few per cent of an admission).
 */
const ANNOTATION_OF = Object.fromEntries(KEY_NAMES.map((name) => [name, PREFIX + name])) as {
  readonly [K in KeyName]: string;
};
const KEY_OF_ANNOTATION: ReadonlyMap<string, KeyName> = new Map(
  KEY_NAMES.map((name) => [ANNOTATION_OF[name], name]),
);

/**
 * Every key, undefined: what `values` and `raw` start from, so that every admission's pair
 * has the same shape whatever order its keys came in. Reads by key name (here and in
 * rules.ts) then find the property where the shape says, instead of a lookup by name in an
 * object of its own shape, and a key that is absent is not looked for on the prototype
 * chain. Nothing enumerates either object: an absent key and an undefined one read alike.
 */
const NO_VALUES: Readonly<Record<KeyName, undefined>> = Object.fromEntries(
  KEY_NAMES.map((name) => [name, undefined]),
) as Record<KeyName, undefined>;

/** Reads one key's trimmed value; records issues and, when valid, the typed value. */
function readKey<K extends KeyName>(
  name: K,
  value: string,
  ctx: ParseContext,
  values: KeyValueMap,
  issues: Issue[],
): void {
  const definition = REGISTRY[name];
  if (value === '') {
    issues.push(error(name, `${name}: the value is empty: must be ${definition.accepted}`));
    return;
  }
  // Before any other check, and without echoing the value: every later step costs time (and
  // message length) in proportion to it.
  if (value.length > MAX_VALUE_LENGTH) {
    issues.push(
      error(
        name,
        `${name}: the value is ${value.length} characters long, over the limit of ${MAX_VALUE_LENGTH} characters`,
      ),
    );
    return;
  }
  // A plain boolean: ajv's type guard would narrow `value` to never on failure.
  const shaped: boolean = validatorOf(name)(value);
  if (!shaped) {
    issues.push(
      error(name, `${name}: '${quoteLong(value)}' is not valid: must be ${definition.accepted}`),
    );
    return;
  }
  const parsed = definition.parse(value);
  if (!parsed.ok) {
    const what = parsed.omitValue === true ? '' : `'${quoteLong(value)}' `;
    issues.push(error(name, `${name}: ${what}${parsed.reason}`));
    return;
  }
  values[name] = parsed.value;
  if (parsed.dropped !== undefined) {
    for (const item of parsed.dropped) {
      issues.push(warning(name, `${name}: ${item} was dropped`, true));
    }
  }
  if (parsed.warnings !== undefined) {
    for (const text of parsed.warnings) issues.push(warning(name, `${name}: ${text}`));
  }

  if (
    definition.kinds !== undefined &&
    ctx.kind !== undefined &&
    !definition.kinds.includes(ctx.kind)
  ) {
    const where = definition.kinds.map(kindLabel).join(', ');
    issues.push(
      warning(
        name,
        `${name} only has an effect on ${where}; it is ignored on ${kindLabel(ctx.kind)}`,
      ),
    );
  } else if (name === 'endpoints-type' && ctx.kind === 'service' && ctx.headless === false) {
    issues.push(
      warning(name, `${name} only has an effect on a headless Service (clusterIP: None)`),
    );
  }
}

function formatValue<K extends KeyName>(name: K, values: KeyValueMap): string | undefined {
  const value = values[name];
  return value === undefined ? undefined : REGISTRY[name].format(value);
}

function externalDnsWarning(key: string): Issue | undefined {
  const prefix = EXTERNAL_DNS_PREFIXES.find((p) => key.startsWith(p));
  if (prefix === undefined) return undefined;
  const suffix = key.slice(prefix.length);
  const equivalent = isKeyName(suffix)
    ? `use ${PREFIX}${suffix} instead`
    : `aws-controller has no equivalent key`;
  return warning(
    undefined,
    `${key} is an external-dns annotation, which aws-controller does not read: ${equivalent}`,
  );
}

export function parseAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  ctx: ParseContext,
): ParseResult {
  const issues: Issue[] = [];
  const values: KeyValueMap = { ...NO_VALUES };
  const raw: Partial<Record<KeyName, string>> = { ...NO_VALUES };
  let relevant = false;

  // Past the first few, unknown and external-dns keys are only counted: an object may carry
  // 100,000 of them, and a suggestion and a message each took that one request 27 s.
  let unknownKeys = 0;
  let externalKeys = 0;
  // Keys, not entries: an object may carry 100,000 annotations, and a [key, value] pair for
  // each was half the time such a request took.
  const all = annotations ?? {};
  for (const key of Object.keys(all)) {
    const value = all[key];
    // Our own keys are found by one Map lookup of the (interned) key; only the others are
    // asked whether they start with the prefix, which costs V8 several times the lookup.
    const known = KEY_OF_ANNOTATION.get(key);
    if (known === undefined) {
      if (!key.startsWith(PREFIX)) {
        const external = externalDnsWarning(key);
        if (external && ++externalKeys <= MAX_LISTED_PROBLEMS) issues.push(external);
        continue;
      }
      relevant = true;
      const name = key.slice(PREFIX.length);
      const unsupported = Object.hasOwn(UNSUPPORTED_KEYS, name)
        ? UNSUPPORTED_KEYS[name]
        : undefined;
      if (unsupported !== undefined) {
        issues.push(
          error(name, `${name}: not supported by aws-controller: ${unsupported}; remove it`),
        );
        continue;
      }
      if (++unknownKeys > MAX_LISTED_PROBLEMS) continue;
      const guess = nearest(name, KEY_NAMES);
      const hint = guess ? `did you mean \`${guess}\`?` : `known keys are ${KEY_NAMES.join(', ')}`;
      issues.push(error(name, `${quoteLong(name)}: unknown key under ${PREFIX}: ${hint}`));
      continue;
    }
    relevant = true;
    if (typeof value !== 'string') {
      raw[known] = '';
      issues.push(error(known, `${known}: the value must be a string`));
      continue;
    }
    const trimmed = value.trim();
    raw[known] = trimmed;
    readKey(known, trimmed, ctx, values, issues);
  }

  if (unknownKeys > MAX_LISTED_PROBLEMS) {
    const more = unknownKeys - MAX_LISTED_PROBLEMS;
    issues.push(error(undefined, `and ${more} more unknown keys under ${PREFIX}`));
  }
  if (externalKeys > MAX_LISTED_PROBLEMS) {
    const more = externalKeys - MAX_LISTED_PROBLEMS;
    issues.push(warning(undefined, `and ${more} more external-dns annotations`));
  }

  if (!relevant) {
    return { relevant, spec: undefined, errors: [], warnings: issues, normalised: undefined };
  }

  const rules = applyRules(values, {
    raw,
    controllerName: ctx.controllerName ?? DEFAULT_CONTROLLER_NAME,
    cluster: ctx.cluster,
  });
  for (const issue of rules.issues) issues.push(issue);

  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  for (const issue of issues) (issue.severity === 'error' ? errors : warnings).push(issue);
  if (errors.length > 0)
    return { relevant, spec: undefined, errors, warnings, normalised: undefined };

  const normalised: Record<string, string> = {};
  for (const name of KEY_NAMES) {
    const value = formatValue(name, values);
    if (value !== undefined) normalised[ANNOTATION_OF[name]] = value;
  }
  for (const name of Object.keys(rules.additions) as KeyName[]) {
    const value = rules.additions[name];
    if (value !== undefined) normalised[ANNOTATION_OF[name]] = value;
  }
  const spec = toSpec(values, rules.routing, values['set-identifier'] ?? rules.setIdentifier);
  return { relevant, spec, errors, warnings, normalised };
}
