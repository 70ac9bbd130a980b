// The flags `syncer` and `plan` share: what the planner is told (owner, policy, domains,
// zones), parsed and checked the same way for both, so the offline plan is the syncer's.
import { DEFAULT_CONTROLLER_NAME } from '../core/annotations/parse.js';
import { DEFAULT_MAX_DELETE_FRACTION } from '../core/records/deletion-guard.js';
import {
  DEFAULT_RELEASE,
  DEFAULT_RELEASE_NAMESPACE,
  defaultOwnerId,
} from '../core/records/owner-id.js';
import { checkOwnerId, type ExternalDnsTxtNaming } from '../core/records/ownership.js';
import type { PlanOptions, Policy } from '../core/records/plan.js';
import type { ZoneType } from '../core/records/zones.js';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_USAGE, clusterFlags } from './cluster-options.js';
import { stringOption, UsageError, type OptionSpec, type ParsedOptions } from './options.js';

export const PLAN_FLAGS: OptionSpec = {
  'owner-id': { type: 'string' },
  release: { type: 'string' },
  'release-namespace': { type: 'string' },
  policy: { type: 'string' },
  'domain-filter': { type: 'string', multiple: true },
  'zone-type': { type: 'string' },
  'controller-name': { type: 'string' },
  'adopt-external-dns-owner': { type: 'string' },
  'external-dns-txt-prefix': { type: 'string' },
  'external-dns-txt-suffix': { type: 'string' },
  'external-dns-txt-wildcard-replacement': { type: 'string' },
  'max-delete-fraction': { type: 'string' },
  'domain-policy': { type: 'string' },
  'ingress-namespaces': { type: 'string', multiple: true },
  ...CLUSTER_FLAGS,
};

export const PLAN_FLAGS_USAGE = `  --owner-id ID             written into ownership TXTs; records are ours only with it.
                            Default, as the Helm chart's: <release>.<release-namespace>.
                            <UID of the cluster's kube-system namespace>
  --release NAME, --release-namespace NS
                            the installation's name and namespace in that default
                            (default ${DEFAULT_RELEASE}, and ${DEFAULT_RELEASE_NAMESPACE} for plan,
                            $POD_NAMESPACE else ${DEFAULT_RELEASE_NAMESPACE} for the syncer)
  --policy P                SYNC (create, update, delete; default), UPSERT_ONLY (never
                            delete) or CREATE_ONLY (only create)
  --domain-filter a,b       only names within these domains (and zones that can hold them)
  --zone-type T             public or private: only zones of that type (default both)
  --controller-name NAME    act on objects whose controller annotation is absent or NAME
                            (default aws-controller)
  --adopt-external-dns-owner ID
                            take over records external-dns wrote with this owner ID
  --external-dns-txt-prefix P, --external-dns-txt-suffix S,
  --external-dns-txt-wildcard-replacement W
                            the --txt-prefix, --txt-suffix, --txt-wildcard-replacement
                            external-dns ran with, so its TXTs are found (default none)
  --max-delete-fraction F   hold back a zone's deletions when they are more than F (0 to 1,
                            default 0.5) of the records owned there and more than 10;
                            1 turns this guard off
  --domain-policy FILE      which namespaces may publish which names (YAML or JSON:
                            strict, domains[].domain, domains[].namespaces); a name
                            refused to its namespace is never published (default: none,
                            every namespace may publish any name)

  --ingress-namespaces a,b  where an Istio Gateway's ingress gateway Services may be besides
                            the Gateway's own namespace (a Service elsewhere never lends
                            its addresses)
${CLUSTER_FLAGS_USAGE}`;

const POLICIES: Record<string, Policy> = {
  SYNC: 'SYNC',
  UPSERT_ONLY: 'UPSERT_ONLY',
  CREATE_ONLY: 'CREATE_ONLY',
};

const DOMAIN =
  /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function parsePolicy(raw: string | undefined): Policy {
  if (raw === undefined) return 'SYNC';
  const policy = POLICIES[raw.trim().toUpperCase().replace(/-/g, '_')];
  if (policy === undefined) {
    throw new UsageError(`--policy must be SYNC, UPSERT_ONLY or CREATE_ONLY, got '${raw}'`);
  }
  return policy;
}

/** `--domain-filter a.com,b.com` (or the flag repeated): lower case, no final dot. */
export function parseDomainFilter(raw: readonly string[]): string[] {
  const domains = raw
    .flatMap((value) => value.split(','))
    .map((d) => d.trim().toLowerCase().replace(/\.$/, ''))
    .filter((d) => d !== '');
  for (const domain of domains) {
    if (!DOMAIN.test(domain) || domain.length > 253) {
      throw new UsageError(`--domain-filter: '${domain}' is not a domain name`);
    }
  }
  return [...new Set(domains)];
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `--ingress-namespaces a,b` (or the flag repeated); undefined when not given. */
export function parseIngressNamespaces(raw: readonly string[]): string[] | undefined {
  const namespaces = raw.flatMap((value) => value.split(',')).map((n) => n.trim());
  if (namespaces.every((n) => n === '')) return undefined;
  for (const namespace of namespaces.filter((n) => n !== '')) {
    if (!LABEL.test(namespace)) {
      throw new UsageError(`--ingress-namespaces: '${namespace}' is not a namespace name`);
    }
  }
  return [...new Set(namespaces.filter((n) => n !== ''))];
}

export function parseZoneType(raw: string | undefined): ZoneType | undefined {
  if (raw === undefined) return undefined;
  const type = raw.trim().toLowerCase();
  if (type !== 'public' && type !== 'private') {
    throw new UsageError(`--zone-type must be public or private, got '${raw}'`);
  }
  return type;
}

export function checkedOwnerId(ownerId: string): string {
  try {
    checkOwnerId(ownerId);
  } catch (err) {
    throw new UsageError(`--owner-id: ${(err as Error).message}`, { cause: err });
  }
  return ownerId;
}

/**
 * The default owner ID (core/records/owner-id.ts) from --release, --release-namespace and the
 * cluster's UID: `namespaceFallback` when --release-namespace is not given.
 */
export function derivedOwnerId(
  values: ParsedOptions['values'],
  clusterUid: string,
  namespaceFallback: string,
): string {
  try {
    return defaultOwnerId({
      release: stringOption(values, 'release') ?? DEFAULT_RELEASE,
      namespace: stringOption(values, 'release-namespace') ?? namespaceFallback,
      clusterUid,
    });
  } catch (err) {
    throw new UsageError(`the default owner ID: ${(err as Error).message}; or set --owner-id`, {
      cause: err,
    });
  }
}

export interface PlanFlags extends Omit<PlanOptions, 'ownerId'> {
  ownerId: string | undefined;
  controllerName: string;
  /** What annotations may leave to this cluster (core/annotations/cluster.ts). */
  cluster?: ClusterIdentity;
  maxDeleteFraction: number;
  /** As given; each command has its own default (the namespace the controller runs in). */
  ingressNamespaces: string[] | undefined;
}

export function parseFraction(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`--${flag} must be a number from 0 to 1, got '${raw}'`);
  }
  return n;
}

const AFFIX = /^[a-z0-9_.%{}-]*$/i;

/** external-dns's TXT naming flags, checked as it checks them (prefix and suffix exclusive). */
export function parseExternalDnsNaming(
  values: ParsedOptions['values'],
): ExternalDnsTxtNaming | undefined {
  const prefix = stringOption(values, 'external-dns-txt-prefix') ?? '';
  const suffix = stringOption(values, 'external-dns-txt-suffix') ?? '';
  const wildcardReplacement = stringOption(values, 'external-dns-txt-wildcard-replacement') ?? '';
  if (prefix === '' && suffix === '' && wildcardReplacement === '') return undefined;
  if (prefix !== '' && suffix !== '') {
    throw new UsageError(
      '--external-dns-txt-prefix and --external-dns-txt-suffix exclude each other, as in external-dns',
    );
  }
  for (const [flag, value] of [
    ['external-dns-txt-prefix', prefix],
    ['external-dns-txt-suffix', suffix],
    ['external-dns-txt-wildcard-replacement', wildcardReplacement],
  ] as const) {
    if (!AFFIX.test(value)) {
      throw new UsageError(
        `--${flag}: '${value}' can hold only letters, digits, '-', '_', '.' and %{record_type}`,
      );
    }
  }
  return { prefix, suffix, wildcardReplacement };
}

export function planFlags(values: ParsedOptions['values']): PlanFlags {
  const ownerId = stringOption(values, 'owner-id');
  const adopt = stringOption(values, 'adopt-external-dns-owner');
  const zoneType = parseZoneType(stringOption(values, 'zone-type'));
  const naming = parseExternalDnsNaming(values);
  const domainFilter = values['domain-filter'];
  const ingressNamespaces = values['ingress-namespaces'];
  const cluster = clusterFlags(values);
  return {
    ownerId: ownerId === undefined ? undefined : checkedOwnerId(ownerId),
    policy: parsePolicy(stringOption(values, 'policy')),
    domainFilter: parseDomainFilter(
      Array.isArray(domainFilter) ? domainFilter.filter((d) => typeof d === 'string') : [],
    ),
    ...(zoneType !== undefined && { zoneType }),
    controllerName: stringOption(values, 'controller-name') ?? DEFAULT_CONTROLLER_NAME,
    ...(cluster !== undefined && { cluster }),
    maxDeleteFraction: parseFraction(
      stringOption(values, 'max-delete-fraction'),
      'max-delete-fraction',
      DEFAULT_MAX_DELETE_FRACTION,
    ),
    ingressNamespaces: parseIngressNamespaces(
      Array.isArray(ingressNamespaces)
        ? ingressNamespaces.filter((n) => typeof n === 'string')
        : [],
    ),
    ...(adopt !== undefined && { adoptExternalDnsOwner: checkedOwnerId(adopt) }),
    ...(naming !== undefined && { externalDnsTxtNaming: naming }),
  };
}
