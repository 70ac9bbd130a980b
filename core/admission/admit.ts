// What the webhook decides for one object, as pure functions: the mutating answer (a patch
// to the normal form) and the validating answer (allowed, or denied with messages).
import type { ClusterIdentity } from '../annotations/cluster.js';
import { KEY_NAMES } from '../annotations/keys.js';
import { gatewayRefsProblem, specNamesProblem } from '../annotations/limits.js';
import {
  DEFAULT_CONTROLLER_NAME,
  parseAnnotations,
  type ParseResult,
} from '../annotations/parse.js';
import { PREFIX } from '../annotations/prefix.js';
import { EMPTY_SPEC } from '../annotations/spec.js';
import { groupOfApiVersion, kindOf, type KindInfo, type ObjectKind } from '../kinds.js';
import { claimedNames } from '../tenancy/claimed-names.js';
import { judgeName, type DomainPolicy } from '../tenancy/domain-policy.js';
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
  /** What annotations may leave to the cluster: the syncer's identity, given to both. */
  cluster?: ClusterIdentity;
  /** Which namespaces may publish which names; absent: every namespace any name. */
  domainPolicy?: DomainPolicy;
  /** The namespace of an object whose manifest names none (kubectl's `default`). */
  defaultNamespace?: string;
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

export function parseObject(
  object: KubeObject,
  options: AdmitOptions = {},
  info: KindInfo | undefined = kindInfoOf(object),
): ParseResult {
  return parseAnnotations(object.metadata?.annotations, {
    kind: info?.kind,
    // Written out, not spread from conditionals (one object per admission): parseAnnotations
    // reads an undefined option as an absent one.
    headless: info?.kind === 'service' ? object.spec?.['clusterIP'] === 'None' : undefined,
    controllerName: options.controllerName,
    cluster: options.cluster,
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
  const { normalised } = parsed;
  const patch: JsonPatchOperation[] = [];
  for (const key of Object.keys(normalised)) {
    const value = normalised[key] as string;
    if (current[key] === value) continue;
    patch.push({ op: key in current ? 'replace' : 'add', path: annotationPath(key), value });
  }
  const warnings: string[] = [];
  for (const w of parsed.warnings) {
    if (w.resolvedByNormalising === true) warnings.push(`${describeObject(object)}: ${w.message}`);
  }
  return { patch, warnings };
}

/** The JSON pointer of each of our keys' annotations, made once rather than per patch. */
const ANNOTATION_PATHS = new Map(
  KEY_NAMES.map((name) => {
    const key = PREFIX + name;
    return [key, `/metadata/annotations/${escapePointerToken(key)}`];
  }),
);
const annotationPath = (key: string): string =>
  ANNOTATION_PATHS.get(key) ?? `/metadata/annotations/${escapePointerToken(key)}`;

export function validateObject(object: KubeObject, options: AdmitOptions = {}): ValidateResult {
  const info = kindInfoOf(object);
  const kind = info?.kind;
  const parsed = parseObject(object, options, info);
  const name = describeObject(object);
  // The spec's names count against the same per-object limit as the annotation's, and a
  // VirtualService's Gateways against theirs: the syncer would skip such an object whole, so
  // it is better refused at apply time.
  const specProblem = specNamesProblem(kind, object.spec);
  const refsProblem = gatewayRefsProblem(kind, object.spec);
  const errors: { key: string; message: string }[] = [];
  for (const e of parsed.errors) errors.push({ key: e.key ?? 'cross-key', message: e.message });
  if (specProblem !== undefined) errors.push({ key: 'spec', message: specProblem });
  if (refsProblem !== undefined) errors.push({ key: 'spec', message: refsProblem });
  // Only an object within the limits is judged name by name.
  if (errors.length === 0) {
    for (const e of policyErrors(object, kind, parsed, options)) errors.push(e);
  }
  if (errors.length === 0) {
    const warnings = parsed.warnings.map((w) => `${name}: ${w.message}`);
    return { allowed: true, message: undefined, warnings, deniedKeys: [] };
  }
  // A denied object is not patched (mutateObject patches only valid ones), so warnings that
  // say what normalising added or dropped would report changes that were never made.
  return {
    allowed: false,
    message: `${name}: ${errors.map((e) => e.message).join('; ')}`,
    warnings: parsed.warnings
      .filter((w) => w.resolvedByNormalising !== true)
      .map((w) => `${name}: ${w.message}`),
    deniedKeys: [...new Set(errors.map((e) => e.key))],
  };
}

/**
 * The names the object would publish that the domain policy keeps from its namespace: from
 * its spec as well as its annotations, so a plain Gateway claiming another team's name is
 * denied too. Objects for another controller publish nothing of ours and are not judged.
 */
function policyErrors(
  object: KubeObject,
  kind: ObjectKind | undefined,
  parsed: ParseResult,
  options: AdmitOptions,
): { key: string; message: string }[] {
  const policy = options.domainPolicy;
  if (policy === undefined || kind === undefined) return [];
  const spec = parsed.spec ?? EMPTY_SPEC;
  const controller = options.controllerName ?? DEFAULT_CONTROLLER_NAME;
  if (spec.controller !== undefined && spec.controller !== controller) return [];
  const namespace = object.metadata?.namespace || options.defaultNamespace || 'default';
  const errors: { key: string; message: string }[] = [];
  for (const host of claimedNames(kind, object, spec)) {
    const verdict = judgeName(policy, namespace, host);
    if (!verdict.allowed) errors.push({ key: 'domain-policy', message: verdict.message });
  }
  return errors;
}
