// The names an object asks to publish, read from the manifest alone: what the webhook judges
// against the domain policy at `kubectl apply` time. The syncer judges the endpoints its
// sources build (core/records/plan.ts); this is the same set or a superset of it (the
// syncer may drop names for lack of an address or a binding, never add any), so what the
// webhook admits the syncer never refuses for the policy, and a denial here is never wrong.
import type { AnnotationSpec } from '../annotations/spec.js';
import type { ObjectKind } from '../kinds.js';
import { normalizeHostname } from '../names/hostname.js';
import { isMeshInternalHost } from '../names/mesh-hosts.js';
import { specNameEntries } from '../names/spec-names.js';

/** The parts of a manifest this reads; every field optional (the input may be hostile). */
export interface ManifestObject {
  spec?: Record<string, unknown>;
}

/** Hostnames the object's spec defines for publishing, by kind, in normal form. */
export function specHostnames(kind: ObjectKind, object: ManifestObject): string[] {
  let raw = specNameEntries(kind, object.spec);
  if (kind === 'istio-gateway') {
    // `ns/host`: the namespace part says who may bind, the host is what is published.
    raw = raw.map((entry) =>
      typeof entry === 'string' ? entry.slice(entry.indexOf('/') + 1) : entry,
    );
  }
  if (kind === 'istio-virtualservice') {
    // Only a VirtualService bound to a gateway is published; `mesh` alone is routing.
    const gateways = object.spec?.['gateways'];
    if (!Array.isArray(gateways) || !gateways.some((g) => g !== 'mesh')) return [];
    raw = raw.filter((host) => typeof host === 'string' && !isMeshInternalHost(host));
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
