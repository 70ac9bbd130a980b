// `aws-controller validate`: the webhook's checks on manifest files, in the order the
// apiserver applies them (mutate, then validate the mutated object).
import {
  kindInfoOf,
  mutateObject,
  validateObject,
  type KubeObject,
} from '../core/admission/admit.js';
import { applyJsonPatch, type JsonPatchOperation } from '../core/admission/json-patch.js';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import type { DomainPolicy } from '../core/tenancy/domain-policy.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_USAGE, clusterFlags } from './cluster-options.js';
import { readDomainPolicyFile } from './domain-policy-file.js';
import type { CliIo } from './io.js';
import { readManifests } from './manifests.js';
import { parseOptions, stringOption, UsageError } from './options.js';

export interface ValidationResult {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string | null;
  allowed: boolean;
  message: string | null;
  warnings: string[];
  patch: JsonPatchOperation[];
  annotations: Record<string, string>;
}

export interface ValidateOptions {
  controllerName?: string;
  cluster?: ClusterIdentity;
  domainPolicy?: DomainPolicy;
  /** For manifests that name no namespace, as kubectl would (default: default). */
  defaultNamespace?: string;
}

/** One object through mutate then validate, as the apiserver would call the webhook. */
export function admitManifest(object: KubeObject, options: ValidateOptions = {}): ValidationResult {
  const mutated = mutateObject(object, options);
  const after = mutated.patch.length > 0 ? applyJsonPatch(object, mutated.patch) : object;
  const verdict = validateObject(after, options);
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    namespace: object.metadata?.namespace ?? null,
    name: object.metadata?.name ?? null,
    allowed: verdict.allowed,
    message: verdict.message ?? null,
    warnings: [...mutated.warnings, ...verdict.warnings],
    patch: mutated.patch,
    annotations: { ...(after.metadata?.annotations ?? {}) },
  };
}

function formatText(results: ValidationResult[], skipped: number): string {
  const lines: string[] = [];
  for (const r of results) {
    const name = r.namespace ? `${r.namespace}/${r.name ?? ''}` : (r.name ?? '');
    lines.push(`${r.kind} ${name}: ${r.allowed ? 'admitted' : 'DENIED'}`);
    if (r.message) lines.push(`  denied: ${r.message}`);
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
    for (const op of r.patch)
      lines.push(`  normalised: ${op.op} ${op.path} = ${JSON.stringify(op.value)}`);
    const ours = Object.entries(r.annotations).filter(([k]) => k.startsWith('route53.'));
    if (ours.length > 0) {
      lines.push('  annotations:');
      for (const [k, v] of ours) lines.push(`    ${k}: ${JSON.stringify(v)}`);
    }
  }
  const denied = results.filter((r) => !r.allowed).length;
  lines.push(
    `${results.length} object(s) checked: ${results.length - denied} admitted, ${denied} denied` +
      (skipped > 0 ? `; ${skipped} object(s) of other kinds not checked` : ''),
  );
  return `${lines.join('\n')}\n`;
}

const USAGE = `Usage: aws-controller validate [-o text|json] [--controller-name NAME]
       [--cluster-name NAME] [--cluster-region R] [--cluster-failover ROLE]
       [--domain-policy FILE] [--namespace NS] FILE|DIR|- ...

${CLUSTER_FLAGS_USAGE}
                         (check manifests as the webhook of the cluster given so will)
  --domain-policy FILE   deny names the object's namespace may not publish, as the webhook
                         does with the same file (names from the spec and annotations)
  --namespace NS         the namespace of manifests that name none (default: default)`;

export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    {
      output: { type: 'string', short: 'o' },
      'controller-name': { type: 'string' },
      ...CLUSTER_FLAGS,
      'domain-policy': { type: 'string' },
      namespace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    {},
    true,
  );
  if (values['help'] === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const output = stringOption(values, 'output') ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UsageError(`-o must be text or json, got '${output}'`);
  if (positionals.length === 0)
    throw new UsageError(`validate needs at least one FILE, DIR or -\n${USAGE}`);

  const controllerName = stringOption(values, 'controller-name');
  const policyFile = stringOption(values, 'domain-policy');
  const defaultNamespace = stringOption(values, 'namespace');
  const cluster = clusterFlags(values);
  const options: ValidateOptions = {
    ...(controllerName !== undefined && { controllerName }),
    ...(cluster !== undefined && { cluster }),
    ...(policyFile !== undefined && { domainPolicy: readDomainPolicyFile(policyFile) }),
    ...(defaultNamespace !== undefined && { defaultNamespace }),
  };
  const manifests = await readManifests(positionals, io.readStdin);
  const checked = manifests.filter((m) => kindInfoOf(m.object) !== undefined);
  const results = checked.map((m) => admitManifest(m.object, options));
  io.stdout.write(
    output === 'json'
      ? `${JSON.stringify({ results }, null, 2)}\n`
      : formatText(results, manifests.length - checked.length),
  );
  return results.every((r) => r.allowed) ? 0 : 1;
}
