// The working state of planning one hosted zone, shared by the deletion and the write
// halves of the planner, with the small helpers both use.
import { endpointKey, recordKey, type Endpoint, type OwnerResource } from './endpoint.js';
import type { CurrentRecord } from './from-route53.js';
import { isOurs, ownershipTxtName } from './ownership.js';
import type { OwnershipLabel } from './ownership.js';
import type { Decision, PlanOptions, Refusal } from './plan-types.js';
import type { Change, ResourceRecordSet } from './route53-types.js';
import type { OwnerIds, ZoneState } from './zone-state.js';
import { addOneOrMany } from '../one-or-many.js';

export interface ZoneWork {
  state: ZoneState;
  options: PlanOptions;
  ids: OwnerIds;
  changes: Change[];
  decisions: Decision[];
  refused: Refusal[];
  /** Keys of record sets this plan deletes: they block nothing. */
  deleting: Set<string>;
  /** Per name, the endpoints wanted in this zone: their records are never deleted, even
   * when refused (see isWanted). */
  wantedAt: Map<string, Endpoint | Endpoint[]>;
  /** Per name, objects that want something there they cannot have now: their own records
   * at that name are not deleted (see plan.ts). */
  kept: KeptRecords;
  /** The endpoints expected to be written: under CREATE_ONLY, which rewrites nothing, none. */
  written: readonly Endpoint[];
  /** Built from `written` on first use: see rewriterOf. */
  rewritten?: Map<string, string>;
  /** Endpoint keys whose rewrite a blocker decision relied on. */
  reliedOn: Set<string>;
  /** Keys of external-dns TXTs already rewritten to drop an adopted label (one TXT can guard
   * records of several types). */
  released: Set<string>;
  /** Whether endpoints already written as wanted skip the full path (already-written.ts). */
  shortcuts: boolean;
  /** Our ownership TXT value per object, built once per object (already-written.ts). */
  ownValues: Map<OwnerResource, string>;
}

/** Per name, the `<kind>/<namespace>/<name>` of objects whose own records there are kept. */
export type KeptRecords = ReadonlyMap<string, ReadonlySet<string>>;

export function ownerIds(options: PlanOptions): OwnerIds {
  return {
    ownerId: options.ownerId,
    ...(options.adoptExternalDnsOwner !== undefined && {
      adoptExternalDnsOwner: options.adoptExternalDnsOwner,
    }),
    ...(options.externalDnsTxtNaming !== undefined && {
      externalDnsTxtNaming: options.externalDnsTxtNaming,
    }),
  };
}

/**
 * The key of the endpoint expected to rewrite the record set at `key` (the endpoint's own, or
 * our TXT of it), if one is: such a set blocks nothing, being judged by what it will become.
 * Built on first use: in steady state no blocker search gets this far.
 */
export function rewriterOf(work: ZoneWork, key: string): string | undefined {
  if (work.rewritten === undefined) {
    work.rewritten = new Map();
    for (const endpoint of work.written) {
      const own = endpointKey(endpoint);
      work.rewritten.set(own, own);
      const txtName = ownershipTxtName(endpoint.name, endpoint.type, work.state.zone.name);
      work.rewritten.set(recordKey(txtName, 'TXT', endpoint.setIdentifier), own);
    }
  }
  return work.rewritten.get(key);
}

/** Whether an endpoint in `wantedAt` (wantedByName) wants the record set of this name, type
 * and set identifier: the one its key names. */
export function isWanted(
  wantedAt: ReadonlyMap<string, Endpoint | Endpoint[]>,
  name: string,
  type: string,
  setIdentifier: string | undefined,
): boolean {
  const atName = wantedAt.get(name);
  if (atName === undefined) return false;
  const set = setIdentifier ?? '';
  const same = (e: Endpoint) => e.type === type && (e.setIdentifier ?? '') === set;
  return Array.isArray(atName) ? atName.some(same) : same(atName);
}

/** `wanted` by name, for isWanted. */
export function wantedByName(wanted: readonly Endpoint[]): Map<string, Endpoint | Endpoint[]> {
  const byName = new Map<string, Endpoint | Endpoint[]>();
  for (const endpoint of wanted) addOneOrMany(byName, endpoint.name, endpoint);
  return byName;
}

export function isOurLabel(value: string, ownerId: string): boolean {
  return isOurs([value], ownerId);
}

export function optionalSetId(endpoint: Endpoint): { setIdentifier?: string } {
  return endpoint.setIdentifier === undefined ? {} : { setIdentifier: endpoint.setIdentifier };
}

/** A listed record set as sent back in a DELETE: as listed, its name in normal form. */
export function asListed(record: CurrentRecord): ResourceRecordSet {
  return { ...record.recordSet, Name: record.name };
}

export function holder(label: OwnershipLabel | undefined): string {
  return label === undefined
    ? 'no ownership TXT'
    : `owned by ${label.heritage} owner '${label.owner}'`;
}
