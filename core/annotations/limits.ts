// Bounds on the work one object can cause (README.md, "Annotation reference": limits). Every
// check here costs time linear in the input and runs before anything that costs more, so an
// object past a limit is refused in microseconds instead of being parsed.
import type { ObjectKind } from '../kinds.js';
import { countSpecNameEntries } from '../names/spec-names.js';

/**
 * Names one object may carry, in each list: the `hostname` and `internal-hostname`
 * annotations, and the names its spec defines. Real objects carry a handful; a shared
 * ingress Gateway a few hundred. Each name costs a record and its ownership TXT, so 1,000
 * names are already 2,000 of a hosted zone's default quota of 10,000 records; and a list
 * this long parses in about a millisecond, so no object can hold the webhook or a reconcile.
 */
export const MAX_NAMES_PER_OBJECT = 1000;

/**
 * Characters in one annotation value of ours. 1,000 names of an average 64 characters fit;
 * the apiserver allows 256 KiB for all of an object's annotations together, but checks that
 * only after the mutating webhooks ran, so this is what bounds what they are handed.
 */
export const MAX_VALUE_LENGTH = 64 * 1024;

/**
 * Entries in one VirtualService's `spec.gateways` (Istio's CRD bounds none; Gateway API bounds
 * an HTTPRoute's parentRefs at 32). Each of a VirtualService's names is matched against every
 * Gateway it binds, so a tenant naming the cluster's 10,000 Gateways with 1,000 hosts cost
 * ~2 s of a reconcile each time any of those Gateways changed. Real ones bind one to a few.
 */
export const MAX_GATEWAY_REFS = 100;

/**
 * Addresses one object's records at a name may carry, its A and AAAA together. Route 53 takes
 * at most 1,000 ResourceRecord elements and 32,000 characters of values per request, an
 * UPSERT counting twice, and every change at one name travels in one request (change-groups:
 * the A, the AAAA and their ownership TXTs). At 400 addresses an UPSERT of all four is 804
 * elements, and 400 full-length IPv6 addresses with two TXTs of ~150 characters come to
 * ~31,800 characters (IPv4 and shortened IPv6 far less). More could be created
 * but never updated, only refused on every reconcile; and a Service listing 10,000
 * externalIPs under 1,000 hostnames cost 1.4 s and ~400 MiB of heap per plan.
 */
export const MAX_ADDRESSES_PER_NAME = 400;

/** How many of the item problems of one list a message names before summing up the rest. */
export const MAX_LISTED_PROBLEMS = 10;

/** Comma-separated items in `value`, counted without splitting it. */
export function countItems(value: string): number {
  let count = 1;
  for (let i = value.indexOf(','); i >= 0; i = value.indexOf(',', i + 1)) count++;
  return count;
}

/** `'a'; 'b'; … and 12 more`: the first problems of a list and how many were left out. */
export function listProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * How many names the spec defines (entries counted as written, before any is judged): see
 * specNameEntries.
 */
export function countSpecNames(kind: ObjectKind | undefined, spec: unknown): number {
  return countSpecNameEntries(kind, spec);
}

const SPEC_NAMES: Record<ObjectKind, string> = {
  'istio-gateway': "servers' hosts",
  'istio-virtualservice': 'hosts',
  service: 'names',
  ingress: 'rules and TLS hosts',
  'gateway-api-gateway': 'listeners',
  httproute: 'hostnames',
};

/** The denial for a spec with too many names, or undefined when it is within the limit. */
export function specNamesProblem(kind: ObjectKind | undefined, spec: unknown): string | undefined {
  const count = countSpecNames(kind, spec);
  if (count <= MAX_NAMES_PER_OBJECT || kind === undefined) return undefined;
  return `spec: ${count} names (${SPEC_NAMES[kind]}) is over the limit of ${MAX_NAMES_PER_OBJECT} names per object`;
}

/**
 * The denial for a VirtualService binding too many Gateways, or undefined within the limit.
 * Entries are counted as written (`mesh` and repeats too), like names.
 */
export function gatewayRefsProblem(
  kind: ObjectKind | undefined,
  spec: unknown,
): string | undefined {
  if (kind !== 'istio-virtualservice' || typeof spec !== 'object' || spec === null)
    return undefined;
  const refs = (spec as { gateways?: unknown }).gateways;
  if (!Array.isArray(refs) || refs.length <= MAX_GATEWAY_REFS) return undefined;
  return `spec.gateways: ${refs.length} entries is over the limit of ${MAX_GATEWAY_REFS} Gateways per VirtualService`;
}
