// The create-and-update half of planning a zone: each wanted endpoint becomes a CREATE, an
// UPSERT, a replacement (DELETE then CREATE when the kind of routing changes, which Route 53
// will not UPSERT) or nothing; or a refusal, when the name is someone else's or the policy
// forbids what writing it would take. The record and its ownership TXT move together (with,
// when adopting, external-dns's other TXTs for it).
import { awsAliasTarget } from '../aws/alias-targets.js';
import { alreadyWritten } from './already-written.js';
import { canCoexist } from './coexistence.js';
import { describeRecord, endpointKey, recordKey, resourceOf } from './endpoint.js';
import type { Endpoint, RecordType } from './endpoint.js';
import { sameRecordSet, valuesOf } from './from-route53.js';
import type { CurrentRecord } from './from-route53.js';
import {
  EXTERNAL_DNS_HERITAGE,
  externalDnsTxtNames,
  isOurs,
  ownershipValue,
  parseOwnershipValue,
} from './ownership.js';
import type { OwnershipLabel } from './ownership.js';
import { isWithinDomain } from '../names/hostname.js';
import type { DecisionAction, RefusalReason } from './plan-types.js';
import { policyKind, routingFields } from './routing.js';
import type { ResourceRecordSet } from './route53-types.js';
import { ownershipRecordSet, toRecordSet } from './to-route53.js';
import { isAdoptedLabel, ownershipOf, ownershipTxtOf, recordAt, recordsAt } from './zone-state.js';
import { asListed, holder, isOurLabel, optionalSetId, rewriterOf } from './zone-work.js';
import type { ZoneWork } from './zone-work.js';

export function planEndpoint(work: ZoneWork, endpoint: Endpoint): void {
  if (work.shortcuts && alreadyWritten(work, endpoint)) return;
  const key = endpointKey(endpoint);
  const { state, options, ids } = work;
  const zone = state.zone;
  const record = describeRecord(endpoint.name, endpoint.type, endpoint.setIdentifier);
  const refuse = (reason: RefusalReason, message: string, heldBy?: OwnershipLabel): void => {
    work.refused.push({
      reason,
      endpoint,
      zoneId: zone.id,
      message: `${record} in zone ${zone.name} (${zone.id}): ${message}`,
      ...(heldBy !== undefined && { heldBy }),
    });
  };

  const target = endpoint.targets[0] ?? '';
  if (endpoint.type === 'CNAME' && endpoint.name === zone.name) {
    return refuse(
      'apex-cname',
      `a CNAME cannot sit at a zone apex: ${apexAdvice(target, zone.name)}`,
    );
  }
  if (endpoint.alias?.sameZone === true && !isWithinDomain(target, zone.name)) {
    return refuse(
      'alias-target-outside-zone',
      `same-zone alias target ${target} is not in the zone`,
    );
  }

  const current = recordAt(state, endpoint.name, endpoint.type, endpoint.setIdentifier);
  const desiredSet = keepUnasked(
    toRecordSet(endpoint, { id: zone.id, name: zone.name }),
    endpoint,
    current,
  );
  const ownership = current === undefined ? undefined : ownershipOf(state, current, ids);
  if (ownership?.kind === 'foreign') {
    return refuse(
      'foreign-owned',
      `the record exists and is not ours (${holder(ownership.label)})${adoptionAdvice(ownership.label)}`,
      ownership.label,
    );
  }
  // What exists and is ours already is as CREATE_ONLY leaves it.
  if (ownership?.kind === 'ours' && options.policy === 'CREATE_ONLY') return;
  if (ownership?.kind === 'adoptable' && options.policy === 'CREATE_ONLY') {
    return refuse(
      'blocked-by-policy',
      'adopting an external-dns record is an update, which CREATE_ONLY forbids',
    );
  }

  const alias = desiredSet.AliasTarget !== undefined;
  // A new record where external-dns's TXT still claims the name (a label left behind): in its
  // eyes the record would be its own, and under its sync policy it deletes what it does not
  // want. Only the adopted owner's claim is taken over (and its label removed below).
  if (current === undefined) {
    const claims = externalDnsClaims(
      work,
      endpoint.name,
      endpoint.type,
      alias,
      endpoint.setIdentifier,
    );
    const theirs = claims.find((claim) => !isAdoptedLabel(claim.value, ids));
    const adopted = claims.find((claim) => isAdoptedLabel(claim.value, ids));
    const blocking = theirs ?? (options.policy === 'CREATE_ONLY' ? adopted : undefined);
    if (blocking !== undefined) {
      const label = parseOwnershipValue(blocking.value);
      const remedy =
        blocking === theirs
          ? ': delete that TXT, or adopt its owner'
          : ', and removing that TXT is a deletion CREATE_ONLY forbids';
      return refuse(
        blocking === theirs ? 'ownership-name-taken' : 'blocked-by-policy',
        `external-dns's TXT ${blocking.name} claims the name (${holder(label)}); creating the record would hand it to them${remedy}`,
        label,
      );
    }
  }

  const blocker = blockerOf(work, desiredSet, endpoint.name, key);
  if (blocker !== undefined) {
    const blockerOwnership = ownershipOf(state, blocker, ids);
    const what = describeRecord(blocker.name, blocker.type, blocker.setIdentifier);
    if (blockerOwnership.kind === 'ours') {
      return refuse(
        'blocked-by-policy',
        options.policy === 'SYNC'
          ? `our ${what} stands in the way, kept for the object that holds it while that object cannot have what it wants there`
          : `our ${what} stands in the way and ${options.policy} does not delete it`,
      );
    }
    const heldBy = blockerOwnership.kind === 'foreign' ? blockerOwnership.label : undefined;
    return refuse(
      'name-taken',
      `${what} exists, cannot coexist with it, and is not ours (${holder(heldBy)})`,
      heldBy,
    );
  }

  // The ownership TXT: ours, or the adopted owner's new-format TXT at the same name, or none.
  const txtCurrent = ownershipTxtOf(state, endpoint);
  const txtValues = txtCurrent === undefined ? [] : valuesOf(txtCurrent.recordSet);
  if (
    txtCurrent !== undefined &&
    !isOurs(txtValues, ids.ownerId) &&
    !txtValues.some((value) => isAdoptedLabel(value, ids))
  ) {
    const label = txtValues.map(parseOwnershipValue).find((l) => l !== undefined);
    return refuse(
      'ownership-name-taken',
      `its ownership TXT ${txtCurrent.name} exists and is not ours (${holder(label)})`,
      label,
    );
  }
  const preserved = txtValues.filter((v) => !isOurLabel(v, ids.ownerId) && !isAdoptedLabel(v, ids));
  const txtSet = ownershipRecordSet(
    {
      name: endpoint.name,
      type: endpoint.type,
      ...optionalSetId(endpoint),
      routing: routingFields(endpoint.routing),
    },
    zone.name,
    [ownershipValue(ids.ownerId, resourceOf(endpoint.owner)), ...preserved],
  );
  const txtKey = recordKey(txtSet.Name, 'TXT', endpoint.setIdentifier);
  const txtBlocker = blockerOf(work, txtSet, txtSet.Name, txtKey);
  if (txtBlocker !== undefined) {
    const what = describeRecord(txtBlocker.name, txtBlocker.type, txtBlocker.setIdentifier);
    return refuse('ownership-name-taken', `${what} stands where its ownership TXT must go`);
  }

  const before = work.changes.length;
  if (current === undefined) {
    work.changes.push({ Action: 'CREATE', ResourceRecordSet: desiredSet });
  } else {
    write(work, current, desiredSet);
  }
  if (txtCurrent === undefined) {
    work.changes.push({ Action: 'CREATE', ResourceRecordSet: txtSet });
  } else {
    write(work, txtCurrent, txtSet);
  }
  // Whenever we adopt: a record taken over, created where the adopted owner's label lingers,
  // or already ours (a release sent in another batch that failed is retried here).
  if (ids.adoptExternalDnsOwner !== undefined) {
    releaseAdopted(work, endpoint.name, endpoint.type, alias, endpoint.setIdentifier, txtKey);
  }
  if (work.changes.length === before) return;
  const action: DecisionAction =
    current === undefined ? 'create' : ownership?.kind === 'adoptable' ? 'adopt' : 'update';
  const changed = current === undefined ? [] : changedFields(current.recordSet, desiredSet);
  work.decisions.push({
    action,
    record,
    resource: resourceOf(endpoint.owner),
    ...(changed.length > 0 && { changed }),
  });
}

/**
 * What no annotation asks for stays as the record has it: an alias's EvaluateTargetHealth
 * when `aws-evaluate-target-health` is absent. external-dns turns it on by default and we
 * default it off, so without this, adopting a record would quietly change how Route 53
 * answers for it (and so would any record someone set by hand). A new record gets false.
 */
function keepUnasked(
  desired: ResourceRecordSet,
  endpoint: Endpoint,
  current: CurrentRecord | undefined,
): ResourceRecordSet {
  const had = current?.recordSet.AliasTarget?.EvaluateTargetHealth;
  if (desired.AliasTarget === undefined || had === undefined) return desired;
  if (endpoint.alias?.evaluateTargetHealth !== undefined) return desired;
  return { ...desired, AliasTarget: { ...desired.AliasTarget, EvaluateTargetHealth: had } };
}

/** Fields of a record's behaviour an update changes that the plan's one-line summary hides. */
function changedFields(current: ResourceRecordSet, desired: ResourceRecordSet): string[] {
  const before = current.AliasTarget?.EvaluateTargetHealth;
  const after = desired.AliasTarget?.EvaluateTargetHealth;
  if (before === undefined || after === undefined || before === after) return [];
  return [`EvaluateTargetHealth ${String(before)} → ${String(after)}`];
}

/**
 * What to do instead of a CNAME at an apex. An alias is advice only where one can work: an
 * AWS alias target (its zone known), or a record in this same zone; `alias: true` on any other
 * name would leave Route 53 without a hosted zone to point into.
 */
function apexAdvice(target: string, zoneName: string): string {
  if (awsAliasTarget(target)?.hostedZoneId !== undefined) {
    return `${target} is an AWS alias target, so remove alias: 'false' to publish an alias`;
  }
  if (isWithinDomain(target, zoneName)) {
    return `${target} is in this zone, so alias it with same-zone: 'true'`;
  }
  return `${target} is not on AWS, so an alias cannot point at it; publish at a name below the apex (www.${zoneName}), or give the apex IP addresses in the target annotation`;
}

/** How to take over a record external-dns owns, when that is who owns it. */
function adoptionAdvice(label: OwnershipLabel | undefined): string {
  if (label?.heritage !== EXTERNAL_DNS_HERITAGE) return '';
  return `; to take it over, run the syncer with --adopt-external-dns-owner '${label.owner}' (chart value adoptExternalDnsOwner)`;
}

/** external-dns's TXTs that may guard a record, other than the one at our TXT's name. */
function externalDnsTxts(
  work: ZoneWork,
  name: string,
  type: RecordType,
  alias: boolean,
  setIdentifier: string | undefined,
  ourTxtKey?: string,
): CurrentRecord[] {
  return externalDnsTxtNames(name, type, alias, work.ids.externalDnsTxtNaming)
    .map((txtName) => recordAt(work.state, txtName, 'TXT', setIdentifier))
    .filter((txt): txt is CurrentRecord => txt !== undefined && txt.key !== ourTxtKey);
}

/** Every external-dns label in those TXTs, with where it is. */
function externalDnsClaims(
  work: ZoneWork,
  name: string,
  type: RecordType,
  alias: boolean,
  setIdentifier: string | undefined,
): { name: string; value: string }[] {
  return externalDnsTxts(work, name, type, alias, setIdentifier).flatMap((txt) =>
    valuesOf(txt.recordSet)
      .filter((value) => parseOwnershipValue(value)?.heritage === EXTERNAL_DNS_HERITAGE)
      .map((value) => ({ name: txt.name, value })),
  );
}

/**
 * Adopting takes the adopted owner's label off external-dns's other TXTs for the record (its
 * legacy one at the record's own name, its alias one at `cname-<name>`, wherever its prefix
 * or suffix put them), deleting a TXT left with no value; other values stay. Left in place
 * they keep the record external-dns's: external-dns (v0.21) falls back to the legacy TXT when
 * the new-format name holds a label it cannot read (ours), then rewrites that name with its
 * own label, and the two controllers would take the record from each other on every loop.
 */
function releaseAdopted(
  work: ZoneWork,
  name: string,
  type: RecordType,
  alias: boolean,
  setIdentifier: string | undefined,
  ourTxtKey: string,
): void {
  for (const txt of externalDnsTxts(work, name, type, alias, setIdentifier, ourTxtKey)) {
    if (work.released.has(txt.key)) continue;
    const values = valuesOf(txt.recordSet);
    const kept = values.filter((value) => !isAdoptedLabel(value, work.ids));
    if (kept.length === values.length) continue;
    work.released.add(txt.key);
    work.changes.push(
      kept.length === 0
        ? { Action: 'DELETE', ResourceRecordSet: asListed(txt) }
        : {
            Action: 'UPSERT',
            ResourceRecordSet: {
              ...asListed(txt),
              ResourceRecords: kept.map((Value) => ({ Value })),
            },
          },
    );
  }
}

/** Brings an existing record set to `desired`: nothing, an UPSERT, or a replacement. */
function write(work: ZoneWork, current: CurrentRecord, desired: ResourceRecordSet): void {
  if (sameRecordSet(current.recordSet, desired)) return;
  // Route 53 refuses an UPSERT that changes a record set's kind of routing policy.
  if (policyKind(current.recordSet) !== policyKind(desired)) {
    work.changes.push({ Action: 'DELETE', ResourceRecordSet: asListed(current) });
    work.changes.push({ Action: 'CREATE', ResourceRecordSet: desired });
  } else {
    work.changes.push({ Action: 'UPSERT', ResourceRecordSet: desired });
  }
}

/**
 * A current record set at `desired`'s name that Route 53 would not let it coexist with, and
 * that this plan neither deletes nor rewrites. Record sets an endpoint wants are judged by
 * what they will become, which conflict resolution has already made compatible.
 */
function blockerOf(
  work: ZoneWork,
  desired: ResourceRecordSet,
  name: string,
  key: string,
): CurrentRecord | undefined {
  const { state, ids } = work;
  return recordsAt(state, name).find((other) => {
    if (other.key === key || work.deleting.has(other.key)) return false;
    if (canCoexist(desired, other.recordSet)) return false;
    // A wanted record set, or our TXT of one, is rewritten along with its endpoint.
    const rewriter = rewriterOf(work, other.key);
    if (rewriter !== undefined) {
      const ownership = other.type === 'TXT' ? undefined : ownershipOf(state, other, ids);
      const ours =
        ownership === undefined
          ? isOurs(valuesOf(other.recordSet), ids.ownerId)
          : ownership.kind !== 'foreign';
      if (ours) {
        work.reliedOn.add(rewriter);
        return false;
      }
    }
    return true;
  });
}
