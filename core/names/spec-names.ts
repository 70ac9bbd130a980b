// Where each kind's spec defines the names it serves, read once for every use: the cap on
// names per object counts these entries, and the domain policy judges them.

import type { ObjectKind } from '../kinds.js';

/**
 * The name entries the spec defines, as written (not yet checked, any JSON value): Istio
 * Gateway servers' hosts (`ns/host` form included), VirtualService hosts, Ingress rules' hosts
 * and TLS hosts, Gateway API listeners' hostnames, HTTPRoute hostnames. Linear in the spec;
 * anything not shaped as expected yields no entry.
 */
export function specNameEntries(kind: ObjectKind | undefined, spec: unknown): unknown[] {
  const entries: unknown[] = [];
  forEachSpecName(kind, spec, (entry) => entries.push(entry));
  return entries;
}

/** How many entries specNameEntries gives, without gathering them (checked per object). */
export function countSpecNameEntries(kind: ObjectKind | undefined, spec: unknown): number {
  let count = 0;
  forEachSpecName(kind, spec, () => count++);
  return count;
}

// Loops, not flatMap and spreads: every object is counted on admission and on each reading.
function forEachSpecName(
  kind: ObjectKind | undefined,
  spec: unknown,
  visit: (entry: unknown) => void,
): void {
  if (typeof spec !== 'object' || spec === null) return;
  const s = spec as Record<string, unknown>;
  switch (kind) {
    case 'istio-gateway':
      for (const server of list(s['servers']))
        for (const host of list(field(server, 'hosts'))) visit(host);
      return;
    case 'istio-virtualservice':
      for (const host of list(s['hosts'])) visit(host);
      return;
    case 'ingress':
      for (const rule of list(s['rules'])) visit(field(rule, 'host'));
      for (const tls of list(s['tls'])) for (const host of list(field(tls, 'hosts'))) visit(host);
      return;
    case 'gateway-api-gateway':
      for (const listener of list(s['listeners'])) visit(field(listener, 'hostname'));
      return;
    case 'httproute':
      for (const hostname of list(s['hostnames'])) visit(hostname);
      return;
    default:
      return;
  }
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
