// The records one object wants: its hostnames crossed with where its traffic enters.
// Sources (syncer/, one per kind) work out the hostnames and the derived targets from the
// object and its lookups, then call this; the annotation-driven choices (target override,
// alias or CNAME, TTL, routing) are made here once for every kind.
import { MAX_ADDRESSES_PER_NAME } from '../annotations/limits.js';
import type { AnnotationSpec } from '../annotations/spec.js';
import type { Target } from '../annotations/keys.js';
import { awsAliasTarget } from '../aws/alias-targets.js';
import { SharedValues } from '../shared-values.js';
import { DEFAULT_TTL, compareText } from './endpoint.js';
import type { AliasInfo, Endpoint, OwnerResource, RecordType } from './endpoint.js';

export interface EndpointsInput {
  /** Hostnames in normal form (core/names/hostname.ts), already chosen by the source. */
  hostnames: readonly string[];
  /** Where traffic enters, as derived from the object; the `target` annotation overrides. */
  targets: readonly Target[];
  spec: AnnotationSpec;
  owner: OwnerResource;
}

export interface EndpointsResult {
  endpoints: Endpoint[];
  /** What could not be honoured, each a sentence naming the hostname or target. */
  problems: string[];
  /**
   * Records left out for having more addresses than one name's records may carry, each a
   * sentence: the object's records are then kept as they are (the caller tells the planner).
   */
  tooManyAddresses: string[];
}

/**
 * The desired Endpoints of one object. IP targets give an A record (IPv4) and an AAAA
 * record (IPv6) per hostname; a hostname target gives an alias A (plus an alias AAAA, see
 * `wantsAliasAaaa`) or a CNAME per hostname.
 */
export function endpointsFor(input: EndpointsInput): EndpointsResult {
  const { spec } = input;
  const problems: string[] = [];
  const tooManyAddresses: string[] = [];
  const targets = spec.targets ?? input.targets;
  const ips = targets.filter((t) => t.type === 'ip');
  const names = unique(targets.filter((t) => t.type === 'hostname').map((t) => t.value));
  const hostnames = unique(input.hostnames);
  const common = {
    ...(spec.setIdentifier !== undefined && { setIdentifier: spec.setIdentifier }),
    ...(spec.routing !== undefined && { routing: spec.routing }),
    ...(spec.healthCheckId !== undefined && { healthCheckId: spec.healthCheckId }),
    owner: input.owner,
  };
  const ttl = spec.ttl ?? DEFAULT_TTL;
  const endpoints: Endpoint[] = [];

  if (ips.length > 0) {
    if (names.length > 0) {
      problems.push(
        `targets mix IP addresses with hostnames (${names.join(', ')}): an A record and a CNAME cannot share a name, so the hostnames are ignored`,
      );
    }
    const v4 = unique(ips.filter((t) => t.family === 4).map((t) => t.value));
    const v6 = unique(ips.filter((t) => t.family === 6).map((t) => t.value));
    if (v4.length + v6.length > MAX_ADDRESSES_PER_NAME) {
      tooManyAddresses.push(
        `${v4.length + v6.length} addresses (${v4.length} IPv4, ${v6.length} IPv6) are more than the ${MAX_ADDRESSES_PER_NAME} one name's records may carry (Route 53 must take them and their ownership TXTs in one request): no A or AAAA record is written, and what the object holds is kept as it is`,
      );
      return { endpoints, problems, tooManyAddresses };
    }
    const v4Targets = sharedTargets(v4);
    const v6Targets = sharedTargets(v6);
    for (const name of hostnames) {
      if (v4.length > 0) endpoints.push({ name, type: 'A', targets: v4Targets, ttl, ...common });
      if (v6.length > 0) {
        endpoints.push({ name, type: 'AAAA', targets: v6Targets, ttl, ...common });
      }
    }
    return { endpoints: sortEndpoints(endpoints), problems, tooManyAddresses };
  }

  const target = names[0];
  if (target === undefined) return { endpoints, problems, tooManyAddresses };
  if (names.length > 1) {
    problems.push(
      `there are ${names.length} target hostnames (${names.join(', ')}) but a CNAME or alias has one: using ${target}`,
    );
  }
  const alias = aliasFor(target, spec, problems);
  if (alias === 'unpublishable') return { endpoints, problems, tooManyAddresses };
  const automatic = spec.alias === undefined && !spec.sameZone && spec.targets === undefined;
  if (alias !== undefined && automatic && spec.ttl !== undefined) {
    // The webhook warns when the annotations show the alias (alias, same-zone, or a `target`
    // on AWS); here only the derived target (the load balancer's status) does, so this is the
    // one place that can say it.
    problems.push(
      `ttl ${spec.ttl} is ignored: the records for ${target} are aliases (it is an AWS alias target), and alias records have no TTL`,
    );
  }
  if (spec.routing?.type === 'multivalue') {
    problems.push(
      `multivalue answer routing needs IP targets: Route 53 allows it on neither a CNAME nor an alias (target ${target})`,
    );
    return { endpoints, problems, tooManyAddresses };
  }
  const targetList = sharedTargets([target]);
  for (const name of hostnames) {
    if (name === target) {
      problems.push(`${name} cannot point at itself`);
      continue;
    }
    if (alias === undefined) {
      endpoints.push({ name, type: 'CNAME', targets: targetList, ttl, ...common });
      continue;
    }
    const types: RecordType[] = wantsAliasAaaa(target, spec) ? ['A', 'AAAA'] : ['A'];
    for (const type of types) endpoints.push({ name, type, targets: targetList, alias, ...common });
  }
  return { endpoints: sortEndpoints(endpoints), problems, tooManyAddresses };
}

/**
 * Endpoints hold their targets as shared, frozen lists: every object behind one ingress
 * gateway has the same addresses, and a list of its own was two heap objects per watched
 * object (an array and its elements) for V8 to keep and mark. Sharing is invisible but for
 * memory: nothing writes to an endpoint's targets (they are readonly and frozen).
 */
const targetLists = new SharedValues<readonly string[]>(1024);
// Targets are IP addresses and hostnames in normal form: none holds a space.
const sharedTargets = (list: readonly string[]): readonly string[] =>
  targetLists.get(list.join(' '), () => Object.freeze([...list]));

/**
 * How `target` is aliased, undefined for a CNAME, or 'unpublishable' for an AWS load balancer
 * whose canonical hosted zone is unknown: a CNAME in its place would be wrong in kind (and
 * impossible at a zone apex), so nothing is published until the zone is given.
 */
function aliasFor(
  target: string,
  spec: AnnotationSpec,
  problems: string[],
): AliasInfo | 'unpublishable' | undefined {
  if (spec.alias === false) return undefined;
  // Unset stays unset: the planner keeps what an adopted record has (plan-writes.ts).
  const health =
    spec.evaluateTargetHealth === undefined
      ? {}
      : { evaluateTargetHealth: spec.evaluateTargetHealth };
  // same-zone and an explicit target zone only make sense for an alias: they ask for one.
  if (spec.sameZone) return { sameZone: true, ...health };
  if (spec.targetHostedZone !== undefined) {
    return { sameZone: false, hostedZoneId: spec.targetHostedZone, ...health };
  }
  const known = awsAliasTarget(target);
  if (known?.hostedZoneId !== undefined) {
    return { sameZone: false, hostedZoneId: known.hostedZoneId, ...health };
  }
  if (known !== undefined && (known.kind === 'elb' || known.kind === 'nlb')) {
    const region = known.region ?? 'its region';
    const kind = known.kind === 'nlb' ? 'Network' : 'Application/Classic';
    problems.push(
      `${target} is an AWS load balancer in ${region}, a region whose load balancer hosted zone this version does not know: not published, rather than as a CNAME (which cannot sit at a zone apex, and is not the alias a load balancer gets); set aws-target-hosted-zone to its CanonicalHostedZoneId (the ${kind} Load Balancer zone of ${region} in AWS's "Elastic Load Balancing endpoints and quotas" table), or alias: 'false' for a CNAME`,
    );
    return 'unpublishable';
  }
  if (spec.alias === true) {
    problems.push(
      `alias requested for ${target}, whose hosted zone is unknown${known?.region === undefined ? '' : ` (region ${known.region} is not in the table)`}: set aws-target-hosted-zone; publishing a CNAME meanwhile`,
    );
  }
  return undefined;
}

/**
 * An alias AAAA is added only when `alias: true` is explicit and the target's name says it
 * serves IPv6: a `dualstack` label, as in AWS's dual-stack load balancer and accelerator
 * names. Whether any other target has IPv6 cannot be known without DNS lookups, which this
 * pure core does not make; `alias: true` alone must not publish an AAAA that answers nothing.
 */
export function wantsAliasAaaa(target: string, spec: AnnotationSpec): boolean {
  return spec.alias === true && target.split('.').includes('dualstack');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareText);
}

function sortEndpoints(endpoints: Endpoint[]): Endpoint[] {
  return endpoints.sort((a, b) => compareText(a.name, b.name) || compareText(a.type, b.type));
}
