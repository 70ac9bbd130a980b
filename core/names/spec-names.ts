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
  if (typeof spec !== 'object' || spec === null) return [];
  const s = spec as Record<string, unknown>;
  switch (kind) {
    case 'istio-gateway': {
      // A loop, not flatMap: flatMap's generic flattening was a tenth of an admission's checks.
      const hosts: unknown[] = [];
      for (const server of list(s['servers'])) {
        for (const host of list(field(server, 'hosts'))) hosts.push(host);
      }
      return hosts;
    }
    case 'istio-virtualservice':
      return list(s['hosts']);
    case 'ingress':
      return [
        ...list(s['rules']).map((rule) => field(rule, 'host')),
        ...list(s['tls']).flatMap((tls) => list(field(tls, 'hosts'))),
      ];
    case 'gateway-api-gateway':
      return list(s['listeners']).map((listener) => field(listener, 'hostname'));
    case 'httproute':
      return list(s['hostnames']);
    default:
      return [];
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
