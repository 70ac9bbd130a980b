// The SYNC half of planning a zone: our records no endpoint wants any more, and ownership
// TXTs of ours whose record someone else removed. Only what our TXT guards is ever deleted,
// and a TXT shared with values not ours loses only our value.
import { describeRecord, isRecordType } from './endpoint.js';
import { valuesOf } from './from-route53.js';
import type { CurrentRecord } from './from-route53.js';
import { guardedRecordOf, ownershipTxtName } from './ownership.js';
import { ourClaim, ownershipOf, recordAt } from './zone-state.js';
import { asListed, isOurLabel, isWanted } from './zone-work.js';
import type { ZoneWork } from './zone-work.js';
import { nameInFilter } from './zones.js';

/** Our records (and orphaned ownership TXTs) that no endpoint wants here any more. */
export function planDeletions(work: ZoneWork): void {
  const { state, options, ids } = work;
  // Our TXTs guarding a record listed here: never orphans (the loop below would find the
  // record by its key), so not read again there; nearly every TXT of ours. The same set
  // identifier makes the TXT's name the very one the record's key gives (keys join name,
  // type and set identifier with spaces, and a listed name may hold one).
  const guarding = new Set<CurrentRecord>();
  for (const record of state.records) {
    if (!isRecordType(record.type)) continue;
    const ownership = ownershipOf(state, record, ids);
    if (ownership.kind === 'ours' && ownership.txt.setIdentifier === record.setIdentifier) {
      guarding.add(ownership.txt);
    }
    if (isWanted(work.wantedAt, record.name, record.type, record.setIdentifier)) continue;
    if (!nameInFilter(record.name, options.domainFilter)) continue;
    if (ownership.kind !== 'ours') continue;
    const { resource } = ownership;
    if (resource !== undefined && work.kept.get(record.name)?.has(resource) === true) continue;
    work.changes.push({ Action: 'DELETE', ResourceRecordSet: asListed(record) });
    work.deleting.add(record.key);
    releaseTxt(work, ownership.txt);
    work.decisions.push({
      action: 'delete',
      record: describeRecord(record.name, record.type, record.setIdentifier),
      ...(resource !== undefined && { resource }),
    });
  }
  for (const txt of state.records) {
    if (txt.type !== 'TXT' || guarding.has(txt)) continue;
    const claim = ourClaim(txt, ids.ownerId);
    if (claim === undefined) continue;
    const guarded = guardedRecordOf(txt.name);
    if (guarded === undefined) continue;
    // Only a TXT at the exact name we would give the guarded record is an ownership TXT.
    if (ownershipTxtName(guarded.name, guarded.type, state.zone.name) !== txt.name) continue;
    if (recordAt(state, guarded.name, guarded.type, txt.setIdentifier) !== undefined) continue;
    if (isWanted(work.wantedAt, guarded.name, guarded.type, txt.setIdentifier)) continue;
    if (!nameInFilter(guarded.name, options.domainFilter)) continue;
    releaseTxt(work, txt);
    work.decisions.push({
      action: 'delete',
      record: `${describeRecord(txt.name, 'TXT', txt.setIdentifier)}, ownership of a missing record`,
      ...(claim.resource !== undefined && { resource: claim.resource }),
    });
  }
}

/** Removes our label from an ownership TXT: the whole set, or only our value if others share it. */
function releaseTxt(work: ZoneWork, txt: CurrentRecord): void {
  const remaining = valuesOf(txt.recordSet).filter((value) => !isOurLabel(value, work.ids.ownerId));
  if (remaining.length === 0) {
    work.changes.push({ Action: 'DELETE', ResourceRecordSet: asListed(txt) });
    work.deleting.add(txt.key);
  } else {
    work.changes.push({
      Action: 'UPSERT',
      ResourceRecordSet: {
        ...asListed(txt),
        ResourceRecords: remaining.map((Value) => ({ Value })),
      },
    });
  }
}
