// Rules across keys (shared/spec/annotations.md, "Rules across keys").
import { awsAliasTarget } from '../aws/alias-targets.js';
import { CLUSTER_VALUE, type ClusterIdentity } from './cluster.js';
import { US_SUBDIVISION_CODES } from './geo.js';
import { error, warning, type Issue } from './issues.js';
import type { KeyName } from './keys.js';
import type { KeyValueMap, RoutingPolicy } from './spec.js';

export interface RuleContext {
  /** Raw (trimmed) values of every key present, for messages. */
  raw: Partial<Record<KeyName, string>>;
  controllerName: string;
  /** What the annotations may leave to the cluster (cluster.ts); none: nothing. */
  cluster?: ClusterIdentity;
}

export interface RuleOutcome {
  issues: Issue[];
  routing: RoutingPolicy | undefined;
  /** Keys the normal form adds, with their values. */
  additions: Partial<Record<KeyName, string>>;
  /**
   * The set identifier when the annotation leaves it to the cluster: the cluster's name, for a
   * routing policy without `set-identifier`. Not an addition: the stored object stays as
   * written, the same in every cluster.
   */
  setIdentifier?: string;
}

const quote = (key: KeyName, ctx: RuleContext) => `${key}: '${ctx.raw[key] ?? ''}'`;

/**
 * Whether the record will be an alias, as far as the annotations alone can tell:
 * true or false when they decide it, undefined when it depends on the derived target.
 */
function aliasKnown(values: KeyValueMap): boolean | undefined {
  const explicit = values.alias ?? values['aws-alias'];
  if (explicit !== undefined) return explicit;
  if (values['same-zone'] === true) return true;
  const targets = values.target;
  if (targets === undefined) return undefined;
  const [first] = targets;
  return first?.type === 'hostname' && awsAliasTarget(first.value) !== undefined;
}

function routingPolicies(
  values: KeyValueMap,
  cluster: ClusterIdentity,
): { keys: KeyName[]; policy: RoutingPolicy }[] {
  const found: { keys: KeyName[]; policy: RoutingPolicy }[] = [];
  if (values['aws-weight'] !== undefined) {
    found.push({
      keys: ['aws-weight'],
      policy: { type: 'weighted', weight: values['aws-weight'] },
    });
  }
  // `cluster` without a configured value has its own error (applyRules); the policy is
  // then never used.
  const region = values['aws-region'];
  if (region !== undefined) {
    found.push({
      keys: ['aws-region'],
      policy: {
        type: 'latency',
        region: region === CLUSTER_VALUE ? (cluster.region ?? CLUSTER_VALUE) : region,
      },
    });
  }
  const role = values['aws-failover'];
  if (role !== undefined) {
    found.push({
      keys: ['aws-failover'],
      policy: {
        type: 'failover',
        role: role === CLUSTER_VALUE ? (cluster.failover ?? 'PRIMARY') : role,
      },
    });
  }
  const geoKeys = (
    [
      'aws-geolocation-continent-code',
      'aws-geolocation-country-code',
      'aws-geolocation-subdivision-code',
    ] as const
  ).filter((key) => values[key] !== undefined);
  if (geoKeys.length > 0) {
    const continent = values['aws-geolocation-continent-code'];
    const country = values['aws-geolocation-country-code'];
    const subdivision = values['aws-geolocation-subdivision-code'];
    found.push({
      keys: geoKeys,
      policy: {
        type: 'geolocation',
        ...(continent !== undefined && { continent }),
        ...(country !== undefined && { country }),
        ...(subdivision !== undefined && { subdivision }),
      },
    });
  }
  if (values['aws-multi-value-answer'] === true) {
    found.push({ keys: ['aws-multi-value-answer'], policy: { type: 'multivalue' } });
  }
  return found;
}

// Keys that choose a routing policy. A key present but invalid already has its own error;
// the rules below look at presence so they do not pile a second, misleading one on top.
const POLICY_KEYS: readonly KeyName[] = [
  'aws-weight',
  'aws-region',
  'aws-failover',
  'aws-geolocation-continent-code',
  'aws-geolocation-country-code',
  'aws-geolocation-subdivision-code',
  'aws-multi-value-answer',
];

export function applyRules(values: KeyValueMap, ctx: RuleContext): RuleOutcome {
  const present = (key: KeyName) => ctx.raw[key] !== undefined;
  const issues: Issue[] = [];
  const additions: Partial<Record<KeyName, string>> = {};
  const cluster = ctx.cluster ?? {};
  let setIdentifier: string | undefined;

  if (
    values.alias !== undefined &&
    values['aws-alias'] !== undefined &&
    values.alias !== values['aws-alias']
  ) {
    issues.push(
      error(
        'aws-alias',
        `${quote('alias', ctx)} and ${quote('aws-alias', ctx)} disagree: keep one of them`,
      ),
    );
  }

  if (values.controller !== undefined && values.controller !== ctx.controllerName) {
    issues.push(
      warning(
        'controller',
        `${quote('controller', ctx)} names another controller: '${ctx.controllerName}' will not publish records for this object`,
      ),
    );
  }

  if (values.hostname !== undefined && values['ingress-hostname-source'] === 'defined-hosts-only') {
    issues.push(
      warning(
        'hostname',
        `hostname is ignored because ingress-hostname-source is 'defined-hosts-only'`,
      ),
    );
  }

  // What `cluster` stands for must be configured here (the webhook is given the syncer's
  // identity), or the syncer could not publish what the webhook admitted.
  if (values['aws-region'] === CLUSTER_VALUE && cluster.region === undefined) {
    issues.push(
      error(
        'aws-region',
        `${quote('aws-region', ctx)} stands for this cluster's region, but the controller is given none: set the chart's cluster.region (--cluster-region), or name the region`,
      ),
    );
  }
  if (values['aws-failover'] === CLUSTER_VALUE && cluster.failover === undefined) {
    issues.push(
      error(
        'aws-failover',
        `${quote('aws-failover', ctx)} stands for this cluster's failover role, but the controller is given none: set the chart's cluster.failover (--cluster-failover), or write PRIMARY or SECONDARY`,
      ),
    );
  }

  // Routing policy: at most one, each needing a set identifier (the cluster's name when the
  // annotation gives none).
  const policies = routingPolicies(values, cluster);
  let routing: RoutingPolicy | undefined;
  if (policies.length > 1) {
    const named = policies.map((p) => `${p.policy.type} (${p.keys.join(', ')})`).join(', ');
    issues.push(error(undefined, `more than one routing policy is set: ${named}; choose one`));
  } else if (policies.length === 1 && policies[0] !== undefined) {
    const [{ keys, policy }] = policies as [(typeof policies)[number]];
    routing = policy;
    if (!present('set-identifier')) {
      if (cluster.name !== undefined) setIdentifier = cluster.name;
      else {
        issues.push(
          error(
            'set-identifier',
            `${keys.join(', ')} sets ${policy.type} routing, which needs set-identifier: add a route53.v1beta1.tetrate.io/set-identifier unique among the records of this name, or give the controller a cluster name to use as one (chart cluster.name, --cluster-name)`,
          ),
        );
      }
    }
  } else if (
    values['set-identifier'] !== undefined &&
    // `aws-multi-value-answer: false` is the same as absent.
    !POLICY_KEYS.some((key) => present(key) && values[key] !== false)
  ) {
    routing = { type: 'weighted', weight: 1 };
    additions['aws-weight'] = '1';
    issues.push(
      warning(
        'set-identifier',
        `set-identifier without a routing policy means weighted routing: aws-weight: '1' was added`,
        true,
      ),
    );
  }

  // Geolocation.
  const continent = values['aws-geolocation-continent-code'];
  const country = values['aws-geolocation-country-code'];
  const subdivision = values['aws-geolocation-subdivision-code'];
  if (continent !== undefined && country !== undefined) {
    issues.push(
      error(
        'aws-geolocation-country-code',
        `${quote('aws-geolocation-continent-code', ctx)} and ${quote('aws-geolocation-country-code', ctx)} cannot both be set: a geolocation record names a continent or a country`,
      ),
    );
  }
  if (subdivision !== undefined) {
    if (!present('aws-geolocation-country-code') || country === '*') {
      issues.push(
        error(
          'aws-geolocation-subdivision-code',
          `${quote('aws-geolocation-subdivision-code', ctx)} needs aws-geolocation-country-code set to the country it belongs to`,
        ),
      );
    } else if (country === undefined) {
      // The country code is invalid and has its own error.
    } else if (country === 'US' && !US_SUBDIVISION_CODES.has(subdivision)) {
      issues.push(
        error(
          'aws-geolocation-subdivision-code',
          `${quote('aws-geolocation-subdivision-code', ctx)} is not a US state or DC code: must be a two-letter code such as CA or DC`,
        ),
      );
    } else if (country !== 'US') {
      issues.push(
        warning(
          'aws-geolocation-subdivision-code',
          `${quote('aws-geolocation-subdivision-code', ctx)}: Route 53 supports few subdivisions outside the US; check that ${country}-${subdivision} is one of them`,
        ),
      );
    }
  }

  // Alias-only keys.
  const alias = aliasKnown(values);
  if (values['same-zone'] === true) {
    if (values['aws-target-hosted-zone'] !== undefined) {
      issues.push(
        error(
          'same-zone',
          `${quote('same-zone', ctx)} and aws-target-hosted-zone cannot both be set: same-zone means the target is in this record's own zone`,
        ),
      );
    }
    if ((values.alias ?? values['aws-alias']) === false) {
      issues.push(
        error(
          'same-zone',
          `${quote('same-zone', ctx)} needs an alias record, but alias is 'false'`,
        ),
      );
    }
  }
  if (alias === true && values.ttl !== undefined) {
    issues.push(
      warning(
        'ttl',
        `${quote('ttl', ctx)} is ignored: the record will be an alias, and alias records have no TTL`,
      ),
    );
  }
  const [first] = values.target ?? [];
  const lb = first?.type === 'hostname' ? awsAliasTarget(first.value) : undefined;
  if (
    lb !== undefined &&
    (lb.kind === 'elb' || lb.kind === 'nlb') &&
    lb.hostedZoneId === undefined &&
    alias !== false &&
    values['aws-target-hosted-zone'] === undefined &&
    values['same-zone'] !== true
  ) {
    issues.push(
      warning(
        'target',
        `${quote('target', ctx)} is an AWS load balancer in ${lb.region ?? 'a region'}, whose hosted zone this version does not know: nothing will be published until you set aws-target-hosted-zone to its CanonicalHostedZoneId (or alias: 'false' for a CNAME)`,
      ),
    );
  }
  if (alias === false) {
    for (const key of ['aws-target-hosted-zone', 'aws-evaluate-target-health'] as const) {
      if (values[key] !== undefined) {
        issues.push(warning(key, `${quote(key, ctx)} is ignored: the record will not be an alias`));
      }
    }
  }

  return { issues, routing, additions, ...(setIdentifier !== undefined && { setIdentifier }) };
}
