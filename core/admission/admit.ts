// What the webhook decides for one object, as pure functions: the mutating answer (a patch
// to the normal form) and the validating answer (allowed, or denied with messages).
import { error } from '../annotations/issues.js';
import { specNamesProblem } from '../annotations/limits.js';
import { parseAnnotations, type ParseResult } from '../annotations/parse.js';
import { groupOfApiVersion, kindOf, type KindInfo } from '../kinds.js';
import { escapePointerToken, type JsonPatchOperation } from './json-patch.js';

/** The parts of a Kubernetes object admission looks at. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AdmitOptions {
  controllerName?: string;
}

export interface MutateResult {
  patch: JsonPatchOperation[];
  warnings: string[];
}

export interface ValidateResult {
  allowed: boolean;
  /** All denial messages in one string, naming the object (what kubectl prints). */
  message: string | undefined;
  warnings: string[];
  /** The keys denied, for metrics. */
  deniedKeys: string[];
}

/** `Gateway bookinfo/bookinfo-gw` — how messages name an object. */
export function describeObject(object: KubeObject): string {
  const meta = object.metadata ?? {};
  const name = meta.name ?? (meta.generateName ? `${meta.generateName}*` : '<unnamed>');
  const qualified = meta.namespace ? `${meta.namespace}/${name}` : name;
  return `${object.kind ?? 'object'} ${qualified}`;
}

export function kindInfoOf(object: KubeObject): KindInfo | undefined {
  return kindOf(groupOfApiVersion(object.apiVersion ?? ''), object.kind ?? '');
}

export function parseObject(object: KubeObject, options: AdmitOptions = {}): ParseResult {
  const info = kindInfoOf(object);
  return parseAnnotations(object.metadata?.annotations, {
    kind: info?.kind,
    ...(info?.kind === 'service' && { headless: object.spec?.['clusterIP'] === 'None' }),
    ...(options.controllerName !== undefined && { controllerName: options.controllerName }),
  });
}

/**
 * The patch that puts our annotations into normal form. Only valid objects are patched (the
 * validating webhook denies the others with the reasons), and a value already in normal form
 * gets no operation, so applying the patch and mutating again yields an empty patch.
 */
export function mutateObject(object: KubeObject, options: AdmitOptions = {}): MutateResult {
  const parsed = parseObject(object, options);
  if (!parsed.relevant || parsed.normalised === undefined) return { patch: [], warnings: [] };
  const current = object.metadata?.annotations ?? {};
  const patch: JsonPatchOperation[] = [];
  for (const [key, value] of Object.entries(parsed.normalised)) {
    if (current[key] === value) continue;
    patch.push({
      op: key in current ? 'replace' : 'add',
      path: `/metadata/annotations/${escapePointerToken(key)}`,
      value,
    });
  }
  const warnings = parsed.warnings
    .filter((w) => w.resolvedByNormalising)
    .map((w) => `${describeObject(object)}: ${w.message}`);
  return { patch, warnings };
}

export function validateObject(object: KubeObject, options: AdmitOptions = {}): ValidateResult {
  const parsed = parseObject(object, options);
  const name = describeObject(object);
  const warnings = parsed.warnings.map((w) => `${name}: ${w.message}`);
  // The spec's names count against the same per-object limit as the annotation's: the
  // syncer would skip such an object whole, so it is better refused at apply time.
  const specProblem = specNamesProblem(kindInfoOf(object)?.kind, object.spec);
  const errors =
    specProblem === undefined ? parsed.errors : [...parsed.errors, error('spec', specProblem)];
  if (errors.length === 0) {
    return { allowed: true, message: undefined, warnings, deniedKeys: [] };
  }
  return {
    allowed: false,
    message: `${name}: ${errors.map((e) => e.message).join('; ')}`,
    warnings,
    deniedKeys: [...new Set(errors.map((e) => e.key ?? 'cross-key'))],
  };
}
