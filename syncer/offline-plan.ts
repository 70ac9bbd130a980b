// The syncer's plan without a cluster or AWS: manifests stand in for the watch caches and
// exported listings for Route 53. Same sources, same planner, same batches as the controller,
// so what `aws-controller plan` prints is what the syncer would send.
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import { groupOfApiVersion } from '../core/kinds.js';
import { batches } from '../core/records/batches.js';
import { guardDeletions, ownedRecordCount, type HeldBack } from '../core/records/deletion-guard.js';
import { plan, type Plan, type PlanOptions } from '../core/records/plan.js';
import type { Change, HostedZone, ResourceRecordSet } from '../core/records/route53-types.js';
import type { KubeResource } from './kube/reflector.js';
import { WATCHED_RESOURCES, type SnapshotKey } from './kube/watched-resources.js';
import { desiredState, unreadableObjects, type ObjectNote } from './sources/desired-state.js';
import { emptySnapshot, type Snapshot } from './sources/objects.js';

export interface OfflinePlanInput {
  objects: readonly KubeResource[];
  hostedZones: readonly HostedZone[];
  /** Record sets per zone ID; a zone without one is planned as empty. */
  listings: ReadonlyMap<string, readonly ResourceRecordSet[]>;
  options: PlanOptions & {
    controllerName: string;
    cluster?: ClusterIdentity;
    maxDeleteFraction: number;
    ingressNamespaces: readonly string[];
  };
}

/** One ChangeResourceRecordSets request, in the API's own shape. */
export interface PlannedRequest {
  hostedZoneId: string;
  changes: Change[];
}

export interface OfflinePlan {
  plan: Plan;
  requests: PlannedRequest[];
  notes: ObjectNote[];
  /** Zones whose deletions the guard held back (core/records/deletion-guard.ts). */
  heldBack: HeldBack[];
  /** Objects of kinds the syncer does not watch (Deployments, ConfigMaps, …). */
  ignored: number;
}

/** Sorts objects into the snapshot the watch caches would hold. */
export function snapshotOf(objects: readonly KubeResource[]): {
  snapshot: Snapshot;
  ignored: number;
} {
  const lists: Partial<Record<SnapshotKey, KubeResource[]>> = {};
  let ignored = 0;
  for (const object of objects) {
    const group = groupOfApiVersion(object.apiVersion ?? '');
    const watched = WATCHED_RESOURCES.find((r) => r.group === group && r.kind === object.kind);
    if (watched === undefined) ignored++;
    else (lists[watched.key] ??= []).push(object);
  }
  return { snapshot: emptySnapshot(lists), ignored };
}

export function offlinePlan(input: OfflinePlanInput): OfflinePlan {
  const { snapshot, ignored } = snapshotOf(input.objects);
  const desired = desiredState(snapshot, {
    controllerName: input.options.controllerName,
    ...(input.options.cluster !== undefined && { cluster: input.options.cluster }),
    ingressNamespaces: input.options.ingressNamespaces,
  });
  const listings = new Map(input.listings);
  // Every zone is listed here (absent means empty), so every eligible zone is planned.
  for (const zone of input.hostedZones) {
    const id = zone.Id.replace(/^\/hostedzone\//, '');
    if (!listings.has(id) && !listings.has(zone.Id)) listings.set(id, []);
  }
  const planned = plan(
    listings,
    desired.endpoints,
    input.hostedZones,
    input.options,
    unreadableObjects(desired.notes),
  );
  const guarded = planned.zones.map((zone) =>
    guardDeletions(
      zone,
      ownedRecordCount(listings.get(zone.zoneId) ?? [], input.options.ownerId),
      input.options.maxDeleteFraction,
    ),
  );
  const result = {
    ...planned,
    zones: guarded.map((g) => g.plan).filter((zone) => zone.groups.length > 0),
  };
  const requests = result.zones.flatMap((zone) =>
    batches(zone.groups).map((changes) => ({ hostedZoneId: zone.zoneId, changes })),
  );
  const heldBack = guarded.flatMap((g) => (g.heldBack ? [g.heldBack] : []));
  return { plan: result, requests, notes: desired.notes, heldBack, ignored };
}
