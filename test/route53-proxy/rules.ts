// Route 53's documented checks on a change batch, applied to the zone's current records: the
// batch is validated in order against a working copy (so "delete the CNAME, create the alias"
// in one batch is fine) and is all-or-nothing. Pure: no I/O, easy to table-test.
//
// Message texts are Route 53's where they are known from real responses (see
// docs/testing.md); every rejection carries Code InvalidChangeBatch, which is what clients
// match on.
import { isIPv4, isIPv6 } from 'node:net';
import { canonicalName, isInZone } from './dns-names.js';
import type { Change, RecordSet } from './records.js';

export const MAX_RECORDS_PER_BATCH = 1000;
export const MAX_VALUE_CHARACTERS_PER_BATCH = 32000;

function describe(rs: RecordSet): string {
  const name = canonicalName(rs.name);
  const id = rs.setIdentifier === undefined ? '' : `, set-identifier='${rs.setIdentifier}'`;
  return `[name='${name}', type='${rs.type}'${id}]`;
}

function keyOf(rs: RecordSet): string {
  return `${canonicalName(rs.name)}|${rs.type}|${rs.setIdentifier ?? ''}`;
}

function invalidRecord(problem: string, explanation: string, value: string): string {
  return `Invalid Resource Record: 'FATAL problem: ${problem} (${explanation}) encountered with '${value}''`;
}

/** TXT/SPF data: one or more double-quoted strings of at most 255 characters each. */
function txtProblem(value: string): string | undefined {
  const strings = /^\s*("(?:[^"\\]|\\.)*"\s*)+$/.test(value);
  if (!strings) {
    return invalidRecord(
      'InvalidCharacterString',
      'Value should be enclosed in quotation marks',
      value,
    );
  }
  for (const m of value.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const unescaped = (m[1] ?? '').replace(/\\(\d{3}|.)/g, 'x');
    if (unescaped.length > 255) {
      return invalidRecord('CharacterStringTooLong', 'Value is too long', value);
    }
  }
  return undefined;
}

/** Problems with the data of a record set being created or upserted. */
function valueProblems(rs: RecordSet, zone: string): string[] {
  const name = canonicalName(rs.name);
  const problems: string[] = [];
  if (rs.type === 'CNAME' && name === zone) {
    problems.push(
      `RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone}`,
    );
  }
  if (rs.alias !== undefined) return problems; // alias targets are not values
  if (rs.type === 'CNAME' && rs.values.length !== 1) {
    // Our wording: Route 53 rejects this, but no real message text is on record.
    problems.push(
      `RRSet of type CNAME with DNS name ${name} must have exactly one value, got ${rs.values.length}`,
    );
  }
  for (const value of rs.values) {
    if (rs.type === 'A' && !isIPv4(value)) {
      problems.push(
        invalidRecord('ARRDATAIllegalIPv4Address', 'Value is not a valid IPv4 address', value),
      );
    } else if (rs.type === 'AAAA' && !isIPv6(value)) {
      problems.push(
        invalidRecord('AAAARRDATAIllegalIPv6Address', 'Value is not a valid IPv6 address', value),
      );
    } else if (rs.type === 'TXT' || rs.type === 'SPF') {
      const problem = txtProblem(value);
      if (problem !== undefined) problems.push(problem);
    }
  }
  return problems;
}

function sameValues(a: RecordSet, b: RecordSet): boolean {
  const norm = (rs: RecordSet): string[] =>
    rs.values
      .map((v) => (rs.type === 'CNAME' || rs.type === 'NS' ? canonicalName(v) : v))
      .map((v) => (rs.type === 'AAAA' && isIPv6(v) ? expandIPv6(v) : v))
      .sort();
  const av = norm(a);
  const bv = norm(b);
  const aliasEqual =
    a.alias === undefined || b.alias === undefined
      ? a.alias === b.alias
      : a.alias.hostedZoneId === b.alias.hostedZoneId &&
        canonicalName(a.alias.dnsName) === canonicalName(b.alias.dnsName) &&
        a.alias.evaluateTargetHealth === b.alias.evaluateTargetHealth;
  return (
    aliasEqual &&
    a.ttl === b.ttl &&
    av.length === bv.length &&
    av.every((v, i) => v === bv[i]) &&
    a.weight === b.weight &&
    a.region === b.region &&
    a.failover === b.failover &&
    (a.multiValueAnswer ?? false) === (b.multiValueAnswer ?? false) &&
    a.healthCheckId === b.healthCheckId &&
    a.geoLocation === b.geoLocation &&
    a.cidrRoutingConfig === b.cidrRoutingConfig
  );
}

function expandIPv6(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const parts = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = parts(head);
  const t = tail === undefined ? [] : parts(tail);
  // An embedded IPv4 tail counts as two groups.
  const groups = (xs: string[]): number => xs.reduce((n, x) => n + (x.includes('.') ? 2 : 1), 0);
  const fill = tail === undefined ? [] : Array<string>(8 - groups(h) - groups(t)).fill('0');
  return [...h, ...fill, ...t].map((g) => (g.includes('.') ? g : g.padStart(4, '0'))).join(':');
}

/** A request-wide count: ResourceRecord elements and Value characters, UPSERT counting twice. */
export function batchSize(changes: readonly Change[]): { records: number; characters: number } {
  let records = 0;
  let characters = 0;
  for (const { action, recordSet } of changes) {
    const weight = action === 'UPSERT' ? 2 : 1;
    records += weight * recordSet.values.length;
    characters += weight * recordSet.values.reduce((n, v) => n + v.length, 0);
  }
  return { records, characters };
}

/**
 * Messages explaining why Route 53 would reject this batch against these current records;
 * empty when it would accept it. `zoneName` may be given with or without the final dot.
 */
export function checkChangeBatch(
  zoneName: string,
  current: readonly RecordSet[],
  changes: readonly Change[],
): string[] {
  return applyChangeBatch(zoneName, current, changes).messages;
}

/** The check, plus the zone's record sets as they would be after the batch if it passes. */
export function applyChangeBatch(
  zoneName: string,
  current: readonly RecordSet[],
  changes: readonly Change[],
): { messages: string[]; records: RecordSet[] } {
  const zone = canonicalName(zoneName);
  const messages: string[] = [];
  const size = batchSize(changes);
  if (size.records > MAX_RECORDS_PER_BATCH) {
    messages.push(`Number of records limit of ${MAX_RECORDS_PER_BATCH} exceeded.`);
  }
  if (size.characters > MAX_VALUE_CHARACTERS_PER_BATCH) {
    // Our wording, in the style of the records limit's message.
    messages.push(`Number of characters limit of ${MAX_VALUE_CHARACTERS_PER_BATCH} exceeded.`);
  }

  const working = new Map<string, RecordSet>();
  for (const rs of current) working.set(keyOf(rs), rs);
  const othersAtName = (name: string, except: string): RecordSet[] =>
    [...working.entries()]
      .filter(([k, rs]) => k !== except && canonicalName(rs.name) === name)
      .map(([, rs]) => rs);

  for (const { action, recordSet } of changes) {
    const name = canonicalName(recordSet.name);
    const key = keyOf(recordSet);
    if (!isInZone(name, zone)) {
      messages.push(`RRSet with DNS name ${name} is not permitted in zone ${zone}`);
      continue;
    }
    const existing = working.get(key);
    if (action === 'DELETE') {
      if (existing === undefined) {
        messages.push(
          `Tried to delete resource record set ${describe(recordSet)} but it was not found`,
        );
      } else if (!sameValues(existing, recordSet)) {
        messages.push(
          `Tried to delete resource record set ${describe(recordSet)} but the values provided do not match the current values`,
        );
      } else {
        working.delete(key);
      }
      continue;
    }
    if (action === 'CREATE' && existing !== undefined) {
      messages.push(
        `Tried to create resource record set ${describe(recordSet)} but it already exists`,
      );
      continue;
    }
    const problems = valueProblems(recordSet, zone);
    const others = othersAtName(name, key);
    if (recordSet.type === 'CNAME' && name === zone) {
      // Already refused for being at the apex, where NS and SOA always conflict.
    } else if (recordSet.type === 'CNAME' && others.some((o) => o.type !== 'CNAME')) {
      problems.push(
        `RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone}`,
      );
    } else if (recordSet.type !== 'CNAME' && others.some((o) => o.type === 'CNAME')) {
      // Route 53's text really has two spaces before CNAME.
      problems.push(
        `RRSet of type ${recordSet.type} with DNS name ${name} is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone ${zone}`,
      );
    }
    if (problems.length > 0) {
      messages.push(...problems);
      continue;
    }
    working.set(key, recordSet);
  }
  return { messages, records: [...working.values()] };
}

/** The key Route 53 identifies a record set by: name, type and set identifier. */
export function recordKey(rs: RecordSet): string {
  return keyOf(rs);
}
