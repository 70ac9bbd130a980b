// What every source does the same way: read the annotations through the contract, choose
// the hostnames, turn addresses into targets, and hand over to core's endpoint builder.
import type { ClusterIdentity } from '../../core/annotations/cluster.js';
import type { Target } from '../../core/annotations/keys.js';
import { gatewayRefsProblem, specNamesProblem } from '../../core/annotations/limits.js';
import { parseAnnotations } from '../../core/annotations/parse.js';
import { EMPTY_SPEC, type AnnotationSpec } from '../../core/annotations/spec.js';
import { KINDS, type ObjectKind } from '../../core/kinds.js';
import { normalizeHostname } from '../../core/names/hostname.js';
import { ipFamily, normalizeIp } from '../../core/names/ip.js';
import { endpointsFor } from '../../core/records/desired-endpoints.js';
import type { Endpoint, OwnerResource } from '../../core/records/endpoint.js';
import type { KubeResource } from '../kube/reflector.js';
import type { LoadBalancerIngress } from './objects.js';
import type { ParseCache } from './parse-cache.js';

export interface SourceOptions {
  controllerName: string;
  /** What annotations may leave to this cluster: its name, region, failover role. */
  cluster?: ClusterIdentity;
  /** Readings reused while an object's resourceVersion is unchanged; absent: read each time. */
  parseCache?: ParseCache;
  /**
   * Where an Istio Gateway's ingress gateway Services may be, besides the Gateway's own
   * namespace: the platform's ingress namespaces. A Service anywhere else never lends an
   * address, or any team could redirect another's names by labelling a Service of its own.
   */
  ingressNamespaces: readonly string[];
}

/** Something about one object the user should hear of (an Event on it, a metric). */
export interface ObjectNote {
  object: KubeResource;
  kind: ObjectKind;
  reason:
    | 'InvalidAnnotations'
    | 'TooManyNames'
    | 'TooManyGateways'
    | 'TooManyAddresses'
    | 'NoTargets'
    | 'InvalidHostname'
    | 'TargetProblem'
    | 'HostNotOnGateway'
    | 'NotAttached'
    | 'GatewayNotFound';
  message: string;
}

/**
 * Notes after which the planner keeps every record the object holds as it is, neither
 * deleted nor taken over, until the object is fixed or deleted (bad input loses nothing): it
 * was skipped whole, or some of its records cannot be written as it asks.
 */
export const KEEPS_ITS_RECORDS: ReadonlySet<ObjectNote['reason']> = new Set([
  'InvalidAnnotations',
  'TooManyNames',
  'TooManyGateways',
  'TooManyAddresses',
]);

export interface SourceOutput {
  endpoints: Endpoint[];
  notes: ObjectNote[];
}

export type Reading = { act: false } | { act: true; spec: AnnotationSpec };

/**
 * The object's annotations read through the contract. Objects for another controller are
 * left alone; objects with invalid annotations (admitted before the webhook, or with it off)
 * are skipped whole, never half-applied.
 */
export function readObject(
  object: KubeResource,
  kind: ObjectKind,
  options: SourceOptions,
  notes: ObjectNote[],
): Reading {
  // Counted as written, before any name is read: past the limit nothing of it is published.
  const tooMany = specNamesProblem(kind, object.spec);
  if (tooMany !== undefined) {
    notes.push({ object, kind, reason: 'TooManyNames', message: `skipped: ${tooMany}` });
    return { act: false };
  }
  const tooManyRefs = gatewayRefsProblem(kind, object.spec);
  if (tooManyRefs !== undefined) {
    notes.push({ object, kind, reason: 'TooManyGateways', message: `skipped: ${tooManyRefs}` });
    return { act: false };
  }
  const ctx = {
    kind,
    controllerName: options.controllerName,
    ...(options.cluster !== undefined && { cluster: options.cluster }),
  };
  const parsed =
    options.parseCache?.read(object, kind, ctx) ??
    parseAnnotations(object.metadata?.annotations, ctx);
  if (parsed.spec === undefined) {
    if (!parsed.relevant) return { act: true, spec: EMPTY_SPEC };
    notes.push({
      object,
      kind,
      reason: 'InvalidAnnotations',
      message: `skipped: ${parsed.errors.map((e) => e.message).join('; ')}`,
    });
    return { act: false };
  }
  const controller = parsed.spec.controller;
  if (controller !== undefined && controller !== options.controllerName) return { act: false };
  return { act: true, spec: parsed.spec };
}

/** Spec-defined hosts and the `hostname` annotation, as `ingress-hostname-source` says. */
export function chooseHostnames(
  object: KubeResource,
  kind: ObjectKind,
  specHosts: readonly string[],
  spec: AnnotationSpec,
  notes: ObjectNote[],
): string[] {
  const fromSpec: string[] = [];
  for (const host of specHosts) {
    const result = normalizeHostname(host);
    if (result.ok) fromSpec.push(result.value);
    else
      notes.push({
        object,
        kind,
        reason: 'InvalidHostname',
        message: `host '${host}' ${result.reason}`,
      });
  }
  const chosen =
    spec.hostnameSource === 'annotation-only'
      ? spec.hostnames
      : spec.hostnameSource === 'defined-hosts-only'
        ? fromSpec
        : [...fromSpec, ...spec.hostnames];
  return [...new Set(chosen)];
}

/**
 * Whether a gateway's host pattern (`*`, `*.example.com` or a name) takes `host`. A wildcard
 * host is taken only by the same wildcard or `*`: it would publish names the pattern refuses.
 */
export function hostMatches(host: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) || host === pattern;
  return host === pattern;
}

/** Load balancer addresses (IPs and hostnames) as targets. */
export function targetsOf(addresses: readonly string[]): Target[] {
  const targets: Target[] = [];
  for (const address of addresses) {
    const ip = normalizeIp(address);
    const family = ipFamily(address);
    if (ip !== undefined && family !== undefined) targets.push({ type: 'ip', family, value: ip });
    else {
      const name = normalizeHostname(address, { allowWildcard: false });
      if (name.ok) targets.push({ type: 'hostname', value: name.value });
    }
  }
  return targets;
}

export function loadBalancerAddresses(
  ingress: readonly LoadBalancerIngress[] | undefined,
): string[] {
  return (ingress ?? []).flatMap((i) => [i.ip, i.hostname]).filter((a): a is string => !!a);
}

export function ownerOf(object: KubeResource, kind: ObjectKind): OwnerResource {
  const created = object.metadata?.creationTimestamp;
  return {
    kind: KINDS.find((k) => k.kind === kind)?.ownerKind ?? kind,
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    creationTimestamp: created instanceof Date ? created.toISOString() : (created ?? ''),
  };
}

/**
 * The endpoints of one object, with any problem noted on it. `noTargetsCause` says why there
 * is no address when there is none (what to fix); without it the note names the usual two.
 */
export function emit(
  output: SourceOutput,
  object: KubeResource,
  kind: ObjectKind,
  hostnames: readonly string[],
  targets: readonly Target[],
  spec: AnnotationSpec,
  noTargetsCause?: string,
): void {
  if (hostnames.length === 0) return;
  if (targets.length === 0 && spec.targets === undefined) {
    output.notes.push({
      object,
      kind,
      reason: 'NoTargets',
      message:
        noTargetsCause === undefined
          ? `no address to publish ${hostnames.join(', ')} at yet (no load balancer address and no target annotation)`
          : `no address to publish ${hostnames.join(', ')} at yet: ${noTargetsCause}`,
    });
    return;
  }
  const result = endpointsFor({ hostnames, targets, spec, owner: ownerOf(object, kind) });
  output.endpoints.push(...result.endpoints);
  for (const message of result.problems)
    output.notes.push({ object, kind, reason: 'TargetProblem', message });
  for (const message of result.tooManyAddresses)
    output.notes.push({ object, kind, reason: 'TooManyAddresses', message });
}

/** Where one name's traffic enters, and if nowhere, why. */
export interface HostTargets {
  targets: Target[];
  /** Why `targets` is empty (each cause once); ignored when it is not. */
  causes: string[];
}

/**
 * The endpoints of one object whose names enter at different places (a route bound to
 * several Gateways): names with the same targets go out together. The object's own `target`
 * annotation overrides every derived address, so then it is one group.
 */
export function emitPerHost(
  output: SourceOutput,
  object: KubeResource,
  kind: ObjectKind,
  hostnames: readonly string[],
  targetsFor: (hostname: string) => HostTargets,
  spec: AnnotationSpec,
): void {
  if (spec.targets !== undefined) {
    emit(output, object, kind, hostnames, [], spec);
    return;
  }
  const groups = new Map<string, { hostnames: string[]; found: HostTargets }>();
  for (const hostname of hostnames) {
    const found = targetsFor(hostname);
    const unique = [...new Map(found.targets.map((t) => [t.value, t])).values()];
    const key = unique
      .map((t) => t.value)
      .sort()
      .join(',');
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        hostnames: [hostname],
        found: { targets: unique, causes: [...found.causes] },
      });
    } else {
      group.hostnames.push(hostname);
      group.found.causes.push(...found.causes);
    }
  }
  for (const { hostnames: names, found } of groups.values()) {
    const causes = [...new Set(found.causes)];
    emit(
      output,
      object,
      kind,
      names,
      found.targets,
      spec,
      causes.length > 0 ? causes.join('; ') : undefined,
    );
  }
}
