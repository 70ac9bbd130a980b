// Two of our own objects wanting incompatible records at one name: the same record set with
// different contents, sets Route 53 would not let coexist (a CNAME beside an A, simple
// beside weighted, two latency records for one region), or record sets of two namespaces —
// every record set at one name belongs to one namespace, so no tenant can join another's
// weighted, latency, failover or geolocation set. The incumbent wins: the object our TXT
// already names keeps the name for as long as it wants it (else an object of the namespace
// holding it); between newcomers, the oldest object. The result depends only on the set of
// endpoints and holders, never on the order they came in, so the winner does not change
// from one reconciliation to the next (no flapping).
import { compareText, describeRecord, endpointKey, resourceOf } from './endpoint.js';
import type { Endpoint, OwnerResource } from './endpoint.js';
import { canCoexist } from './coexistence.js';
import { toRecordSet } from './to-route53.js';
import { comparableForm } from './from-route53.js';
import { incumbency, NO_HOLDERS, type Holders } from './incumbents.js';
import { addOneOrMany } from '../one-or-many.js';

export interface Conflict {
  /** The endpoint that lost, with its owner: the object to put an Event on. */
  loser: Endpoint;
  /** The accepted endpoint it clashed with. */
  winner: Endpoint;
  message: string;
}

export interface ConflictResolution {
  /** The endpoints to publish, in a canonical order; identical duplicates merged. */
  accepted: Endpoint[];
  conflicts: Conflict[];
}

/** Order of precedence: oldest creationTimestamp, then namespace/name, then kind. */
export function compareOwners(a: OwnerResource, b: OwnerResource): number {
  return (
    compareTimes(a.creationTimestamp, b.creationTimestamp) ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.name, b.name) ||
    compareText(a.kind, b.kind)
  );
}

// Sorting 100k endpoints parses each timestamp ~17 times; objects share a few timestamps.
const parsedTimes = new Map<string, number>();
function parseTime(text: string): number {
  let time = parsedTimes.get(text);
  if (time === undefined) {
    if (parsedTimes.size >= 10_000) parsedTimes.clear();
    time = Date.parse(text);
    parsedTimes.set(text, time);
  }
  return time;
}

function compareTimes(a: string, b: string): number {
  if (a === b) return 0;
  const ta = parseTime(a);
  const tb = parseTime(b);
  // An unreadable timestamp sorts after every readable one, then by its text: still total.
  const na = Number.isNaN(ta) ? Infinity : ta;
  const nb = Number.isNaN(tb) ? Infinity : tb;
  return na < nb ? -1 : na > nb ? 1 : compareText(a, b);
}

/** The record an endpoint asks for, zone aside: what two endpoints must agree on to merge. */
function contentOf(endpoint: Endpoint): string {
  const zone = { id: 'same-zone', name: '' };
  return comparableForm(toRecordSet(endpoint, zone));
}

/**
 * Accepts endpoints name by name: at each name in a total order (incumbency, owner
 * precedence, then content, so no tie can depend on input order), each unless it clashes
 * with one accepted before it. Endpoints clash only at one name, so one alone at its name is
 * accepted without its incumbency being asked: in steady state nearly every endpoint, and
 * the holders then need not be built at all (100k lookups and a map of 100k names at 100k
 * endpoints). The accepted endpoints come back in owner precedence order, the conflicts in
 * their losers', whatever the input order.
 * @param holders who holds each name now (incumbents.ts); none: every endpoint a newcomer.
 */
export function resolveConflicts(
  endpoints: readonly Endpoint[],
  holders: Holders = NO_HOLDERS,
): ConflictResolution {
  // Contents only where owners and names tie, each built once. A content (comparableForm)
  // is a JSON array that starts with the name, and the characters of a name in normal form
  // all sort after the quote closing it: comparing names first orders exactly as comparing
  // contents did, without building one for every endpoint of every object.
  const content = new Map<Endpoint, string>();
  const contentOfMemo = (e: Endpoint): string => {
    let text = content.get(e);
    if (text === undefined) {
      text = contentOf(e);
      content.set(e, text);
    }
    return text;
  };
  const byPrecedence = (a: Endpoint, b: Endpoint) =>
    compareOwners(a.owner, b.owner) ||
    compareText(a.name, b.name) ||
    compareText(contentOfMemo(a), contentOfMemo(b));
  // One endpoint at a name as itself, several as a list: most names have one.
  const atName = new Map<string, Endpoint | Endpoint[]>();
  for (const endpoint of endpoints) addOneOrMany(atName, endpoint.name, endpoint);
  const accepted: Endpoint[] = [];
  const conflicts: Conflict[] = [];
  for (const group of atName.values()) {
    if (Array.isArray(group)) {
      resolveAtName(group, holders, byPrecedence, contentOfMemo, accepted, conflicts);
    } else accepted.push(group);
  }
  // Distinct accepted endpoints differ in owner, name or content (identical ones merged), and
  // each loser is one endpoint: both orders are total.
  accepted.sort(byPrecedence);
  conflicts.sort((a, b) => byPrecedence(a.loser, b.loser));
  return { accepted, conflicts };
}

/** The endpoints at one name, in their total order, each accepted unless it clashes. */
function resolveAtName(
  group: readonly Endpoint[],
  holders: Holders,
  byPrecedence: (a: Endpoint, b: Endpoint) => number,
  contentOf: (e: Endpoint) => string,
  accepted: Endpoint[],
  conflicts: Conflict[],
): void {
  // Incumbency first: sorted rank by rank (a stable partition), so the comparator does not
  // look each endpoint's rank up.
  const ranks: [Endpoint[], Endpoint[], Endpoint[]] = [[], [], []];
  for (const endpoint of group) ranks[incumbency(endpoint, holders)].push(endpoint);
  const won: Endpoint[] = [];
  for (const candidate of ranks.flatMap((list) => list.sort(byPrecedence))) {
    const clash = findClash(candidate, won, contentOf);
    if (clash === 'duplicate') continue;
    if (clash !== undefined) {
      conflicts.push({
        loser: candidate,
        winner: clash,
        message: conflictMessage(
          candidate,
          clash,
          // Ranks again, for a clash only: found once per endpoint above.
          incumbency(clash, holders) < incumbency(candidate, holders),
        ),
      });
      continue;
    }
    won.push(candidate);
    accepted.push(candidate);
  }
}

function findClash(
  candidate: Endpoint,
  accepted: readonly Endpoint[],
  contentOf: (e: Endpoint) => string,
): Endpoint | 'duplicate' | undefined {
  const zone = { id: 'same-zone', name: '' };
  const record = toRecordSet(candidate, zone);
  for (const other of accepted) {
    if (other.owner.namespace !== candidate.owner.namespace) return other;
    if (endpointKey(other) === endpointKey(candidate)) {
      return contentOf(other) === contentOf(candidate) ? 'duplicate' : other;
    }
    if (!canCoexist(record, toRecordSet(other, zone))) return other;
  }
  return undefined;
}

function conflictMessage(loser: Endpoint, winner: Endpoint, incumbent: boolean): string {
  const wanted = describeRecord(loser.name, loser.type, loser.setIdentifier);
  const held = describeRecord(winner.name, winner.type, winner.setIdentifier);
  const them = resourceOf(winner.owner);
  if (winner.owner.namespace !== loser.owner.namespace) {
    return `${resourceOf(loser.owner)} wants ${wanted}, but ${loser.name} is ${incumbent ? 'held' : 'wanted'} for namespace ${winner.owner.namespace} (${them} wants ${held}); every record set at one name belongs to one namespace`;
  }
  const how = wanted === held ? 'with different contents' : 'which cannot coexist with it';
  const why = incumbent
    ? 'holding the name already'
    : 'being older (or first by namespace, name and kind)';
  return `${resourceOf(loser.owner)} wants ${wanted}, but ${them} wants ${held} ${how}; ${them} wins, ${why}`;
}
