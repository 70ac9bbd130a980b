// The names an object asks to publish, read from the manifest alone: what the webhook judges
// against the domain policy at `kubectl apply` time. The syncer judges the endpoints its
// sources build (core/records/plan.ts); this is the same set or a superset of it (the
// syncer may drop names for lack of an address or a binding, never add any), so what the
// webhook admits the syncer never refuses for the policy, and a denial here is never wrong.
import type { AnnotationSpec } from '../annotations/spec.js';
import type { ObjectKind } from '../kinds.js';
import { normalizeHostname } from '../names/hostname.js';
import { isMeshInternalHost } from '../names/mesh-hosts.js';

/** The parts of a manifest this reads; every field optional (the input may be hostile). */
export interface ManifestObject {
  spec?: Record<string, unknown>;
}

/** Hostnames the object's spec defines for publishing, by kind, in normal form. */
export function specHostnames(kind: ObjectKind, object: ManifestObject): string[] {
  const spec = object.spec ?? {};
  const raw: unknown[] = [];
  switch (kind) {
    case 'istio-gateway':
      for (const server of list(spec['servers'])) {
        for (const entry of list(field(server, 'hosts'))) {
          // `ns/host`: the namespace part says who may bind, the host is what is published.
          if (typeof entry === 'string') raw.push(entry.slice(entry.indexOf('/') + 1));
        }
      }
      break;
    case 'istio-virtualservice': {
      // Only a VirtualService bound to a gateway is published; `mesh` alone is routing.
      const gateways = list(spec['gateways']);
      if (!gateways.some((g) => g !== 'mesh')) break;
      for (const host of list(spec['hosts'])) {
        if (typeof host === 'string' && !isMeshInternalHost(host)) raw.push(host);
      }
      break;
    }
    case 'ingress':
      for (const rule of list(spec['rules'])) raw.push(field(rule, 'host'));
      for (const tls of list(spec['tls'])) raw.push(...list(field(tls, 'hosts')));
      break;
    case 'gateway-api-gateway':
      for (const listener of list(spec['listeners'])) raw.push(field(listener, 'hostname'));
      break;
    case 'httproute':
      raw.push(...list(spec['hostnames']));
      break;
    case 'service':
      break;
  }
  const names = new Set<string>();
  for (const item of raw) {
    if (typeof item !== 'string' || item.trim() === '*') continue;
    const name = normalizeHostname(item);
    if (name.ok) names.add(name.value);
  }
  return [...names];
}

/**
 * Every name the object would publish: its spec's names and the `hostname` annotation, as
 * `ingress-hostname-source` chooses, and a Service's `internal-hostname` (the syncer reads it on
 * Services only).
 */
export function claimedNames(
  kind: ObjectKind,
  object: ManifestObject,
  spec: AnnotationSpec,
): string[] {
  const fromSpec = spec.hostnameSource === 'annotation-only' ? [] : specHostnames(kind, object);
  const fromAnnotation = spec.hostnameSource === 'defined-hosts-only' ? [] : spec.hostnames;
  const internal = kind === 'service' ? spec.internalHostnames : [];
  return [...new Set([...fromSpec, ...fromAnnotation, ...internal])];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
