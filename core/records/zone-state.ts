// One hosted zone's listed record sets, indexed for the planner, and who owns each record.
// A record counts as ours only when the TXT at its ownership name (same set identifier)
// carries our owner ID; anything else is someone else's, even when it looks like ours.
import { isRecordType } from './endpoint.js';
import {
  EXTERNAL_DNS_HERITAGE,
  externalDnsTxtNames,
  HERITAGE,
  ownershipTxtName,
  parseOwnershipValue,
} from './ownership.js';
import type { ExternalDnsTxtNaming, OwnershipLabel } from './ownership.js';
import { readRecordSet, valuesOf } from './from-route53.js';
import type { CurrentRecord } from './from-route53.js';
import type { ResourceRecordSet } from './route53-types.js';
import type { Zone } from './zones.js';
import { addOneOrMany } from '../one-or-many.js';

export interface ZoneState {
  zone: Zone;
  records: CurrentRecord[];
  /** The records at each name: one as itself, several as a list (see recordsAt). Record sets
   * are found through it by name, type and set identifier (recordAt), not by a map of keys:
   * a name string is hashed once and reused by every lookup, a key string was built and
   * hashed anew for each (several per endpoint, ~0.5 µs each at 100k endpoints). */
  byName: Map<string, CurrentRecord | CurrentRecord[]>;
}

export function indexZone(zone: Zone, recordSets: readonly ResourceRecordSet[]): ZoneState {
  const records = recordSets.map(readRecordSet);
  // Nearly every name holds one record set: a list for each was 200k arrays at 100k endpoints.
  const byName = new Map<string, CurrentRecord | CurrentRecord[]>();
  for (const record of records) addOneOrMany(byName, record.name, record);
  return { zone, records, byName };
}

/**
 * The record set listed with this name, type and set identifier (the first listed, should
 * there be two): what the record key names. An absent set identifier and `''` are one key,
 * as recordKey writes them.
 */
export function recordAt(
  state: ZoneState,
  name: string,
  type: string,
  setIdentifier: string | undefined,
): CurrentRecord | undefined {
  const atName = state.byName.get(name);
  if (atName === undefined) return undefined;
  if (!Array.isArray(atName)) return sameSet(atName, type, setIdentifier) ? atName : undefined;
  return atName.find((record) => sameSet(record, type, setIdentifier));
}

function sameSet(record: CurrentRecord, type: string, setIdentifier: string | undefined): boolean {
  return record.type === type && (record.setIdentifier ?? '') === (setIdentifier ?? '');
}

/** The records listed at `name`, in listing order. */
export function recordsAt(state: ZoneState, name: string): readonly CurrentRecord[] {
  const atName = state.byName.get(name);
  return atName === undefined ? [] : Array.isArray(atName) ? atName : [atName];
}

export type Ownership =
  /** Our TXT guards it; `resource` is the object its label names, when it names one. */
  | { kind: 'ours'; txt: CurrentRecord; resource?: string }
  /** external-dns's TXT of the owner we were told to adopt guards it. */
  | { kind: 'adoptable'; label: OwnershipLabel; txt: CurrentRecord }
  /** Anyone else's; `label` names the owner when a registry TXT says who. */
  | { kind: 'foreign'; label?: OwnershipLabel };

export interface OwnerIds {
  ownerId: string;
  adoptExternalDnsOwner?: string;
  /** Where external-dns puts its TXTs; absent: its defaults. */
  externalDnsTxtNaming?: ExternalDnsTxtNaming;
}

/** The TXT record set at the name and set identifier where our ownership TXT of a record goes. */
export function ownershipTxtOf(
  state: ZoneState,
  record: { name: string; type: string; setIdentifier?: string },
): CurrentRecord | undefined {
  if (!isRecordType(record.type)) return undefined;
  const name = ownershipTxtName(record.name, record.type, state.zone.name);
  return recordAt(state, name, 'TXT', record.setIdentifier);
}

// Each record's ownership, once per zone state and owner IDs: the planner asks for it when
// finding who holds each name and again when planning each endpoint (two TXT lookups and
// a parse each time, for every record of every zone). A ZoneState is built per plan and not
// changed after, so what is remembered cannot go stale. Remembered on the record itself,
// under a token per zone state and owner IDs: a map keyed by 200k records was a tenth of
// finding the holders.
interface OwnershipToken {
  ids: OwnerIds;
}
const ownershipTokens = new WeakMap<ZoneState, OwnershipToken>();

export function ownershipOf(state: ZoneState, record: CurrentRecord, ids: OwnerIds): Ownership {
  let token = ownershipTokens.get(state);
  if (token === undefined || !sameIds(token.ids, ids)) {
    token = { ids };
    ownershipTokens.set(state, token);
  }
  if (record.ownershipToken === token && record.ownership !== undefined) return record.ownership;
  const ownership = readOwnership(state, record, ids);
  record.ownershipToken = token;
  record.ownership = ownership;
  return ownership;
}

function sameIds(a: OwnerIds, b: OwnerIds): boolean {
  return (
    a === b ||
    (a.ownerId === b.ownerId &&
      a.adoptExternalDnsOwner === b.adoptExternalDnsOwner &&
      a.externalDnsTxtNaming === b.externalDnsTxtNaming)
  );
}

function readOwnership(state: ZoneState, record: CurrentRecord, ids: OwnerIds): Ownership {
  if (!isRecordType(record.type)) return { kind: 'foreign' };
  const ours = ownershipTxtOf(state, record);
  const claim = ours === undefined ? undefined : ourClaim(ours, ids.ownerId);
  if (claim !== undefined) return claim;
  const alias = record.recordSet.AliasTarget !== undefined;
  let foreignLabel: OwnershipLabel | undefined;
  const candidates = [
    ...(ours === undefined ? [] : [ours]),
    ...externalDnsTxtNames(record.name, record.type, alias, ids.externalDnsTxtNaming)
      .map((name) => recordAt(state, name, 'TXT', record.setIdentifier))
      .filter((txt): txt is CurrentRecord => txt !== undefined),
  ];
  for (const txt of candidates) {
    for (const value of valuesOf(txt.recordSet)) {
      const label = parseOwnershipValue(value);
      if (label === undefined) continue;
      if (label.heritage === EXTERNAL_DNS_HERITAGE && label.owner === ids.adoptExternalDnsOwner) {
        return { kind: 'adoptable', label, txt };
      }
      foreignLabel ??= label;
    }
  }
  return { kind: 'foreign', ...(foreignLabel !== undefined && { label: foreignLabel }) };
}

/**
 * Ours when one of the TXT's values is our label with our owner ID, naming the object the
 * first such label with a resource names. One reading of the values for both: the holders
 * and the deletions ask for the object of every record of ours, and a second reading was a
 * label and two strings apiece at 100k records.
 */
export function ourClaim(
  txt: CurrentRecord,
  ownerId: string,
): Extract<Ownership, { kind: 'ours' }> | undefined {
  let ours = false;
  for (const { Value: value } of txt.recordSet.ResourceRecords ?? []) {
    const label = parseOwnershipValue(value);
    if (label?.heritage !== HERITAGE || label.owner !== ownerId) continue;
    if (label.resource !== undefined) return { kind: 'ours', txt, resource: label.resource };
    ours = true;
  }
  return ours ? { kind: 'ours', txt } : undefined;
}

/** True for a TXT value that is the label of the external-dns owner we were told to adopt. */
export function isAdoptedLabel(value: string, ids: OwnerIds): boolean {
  const label = parseOwnershipValue(value);
  return (
    ids.adoptExternalDnsOwner !== undefined &&
    label?.heritage === EXTERNAL_DNS_HERITAGE &&
    label.owner === ids.adoptExternalDnsOwner
  );
}
