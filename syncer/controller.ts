// The reconcile loop: desired endpoints from the caches, current records from Route 53
// (cached), the planner's changes sent in batches — with every guard the design asks for:
// no writes unless leader, no planning from caches that are not whole, no planning a zone
// whose listing failed, nothing sent when nothing changed, a bad change isolated by
// splitting its batch while the rest is applied.
import type { Logger } from 'pino';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import { applyChanges } from '../core/records/apply-changes.js';
import {
  DEFAULT_MAX_DELETE_FRACTION,
  guardDeletions,
  ownedRecordCount,
  type HeldBack,
} from '../core/records/deletion-guard.js';
import { batches, splitBatch } from '../core/records/batches.js';
import { describeRecord, resourceOf } from '../core/records/endpoint.js';
import { plan, type Plan, type PlanOptions, type ZonePlan } from '../core/records/plan.js';
import { bareZoneId, normalizeRoute53Name } from '../core/records/route53-names.js';
import type { Change, HostedZone, ResourceRecordSet } from '../core/records/route53-types.js';
import { eligibleZones } from '../core/records/zones.js';
import type { EventSink } from './kube/events.js';
import type { KubeResource } from './kube/reflector.js';
import type { SyncerMetrics } from './metrics.js';
import { refusesSomeChange, Route53Error, type Route53Api } from './route53/api.js';
import { DriftScheduler } from './drift-schedule.js';
import type { Clock } from './route53/rate-limiter.js';
import { WriteNotAllowed } from './route53/resilient-client.js';
import { desiredState, unreadableObjects, type ObjectNote } from './sources/desired-state.js';
import type { Snapshot } from './sources/objects.js';
import { ParseCache } from './sources/parse-cache.js';
import { KINDS } from '../core/kinds.js';
import type { DomainPolicy } from '../core/tenancy/domain-policy.js';

/** The watched objects, and whether every cache is whole. */
export interface ObjectCaches {
  synced(): boolean;
  /** Names of the kinds whose cache is not whole, for logs. */
  unsynced(): string[];
  snapshot(): Snapshot;
}

export interface ControllerOptions extends PlanOptions {
  controllerName: string;
  /** What annotations may leave to this cluster (core/annotations/cluster.ts). */
  cluster?: ClusterIdentity;
  /** Where Istio Gateways' ingress gateway Services may be, besides their own namespace. */
  ingressNamespaces: readonly string[];
  /** A burst of changes within this window becomes one reconcile. */
  debounceMs: number;
  /**
   * Zones and records are re-listed this often, to notice changes made behind our back: a few
   * zones at a time, spread over the interval (drift-schedule.ts).
   */
  driftIntervalMs: number;
  /** Drift ticks (each a reconcile) at least this far apart; default 5 s. */
  driftMinSpacingMs?: number;
  /**
   * A zone's deletions are held back when they are more than this fraction of the records we
   * own there (and more than a few): see core/records/deletion-guard.ts. Default 0.5; 1 is off.
   */
  maxDeleteFraction?: number;
  /**
   * After a reconcile that left changes unapplied, how soon to try again (default 5 s: the
   * fresh listing usually shows why, and the record is then refused rather than retried);
   * doubled after each further failure up to the drift interval, so a change Route 53 keeps
   * refusing costs a few calls an hour, not a few a minute.
   */
  retryDelayMs?: number;
}

export interface ControllerDeps {
  caches: ObjectCaches;
  route53: Route53Api;
  isLeader: () => boolean;
  events: EventSink;
  metrics: SyncerMetrics;
  logger: Logger;
  clock: Clock;
  /** The domain policy in force now (it may change while the syncer runs); none: open. */
  currentDomainPolicy?: () => DomainPolicy;
  /** Annotation readings kept across reconciles; default: a cache of its own. */
  parseCache?: ParseCache;
}

export type ReconcileResult =
  | { status: 'not-leader' }
  | { status: 'waiting-for-caches'; unsynced: string[] }
  | {
      status: 'done';
      plan: Plan;
      applied: number;
      failed: number;
      unlistedZones: string[];
      heldBack: HeldBack[];
    };

interface Listing {
  records: ResourceRecordSet[];
  fetchedAt: number;
}

interface SendResult {
  applied: Change[];
  failed: { changes: Change[]; error: unknown }[];
}

export class Controller {
  readonly #o: ControllerOptions;
  readonly #d: ControllerDeps;
  readonly #parseCache: ParseCache;
  #zones: { list: HostedZone[]; fetchedAt: number } | undefined;
  readonly #listings = new Map<string, Listing>();
  #timer: NodeJS.Timeout | undefined;
  /** When the pending reconcile fires (ms since epoch), to let an earlier trigger win. */
  #due = Infinity;
  /** Reconciles in a row that left something unapplied; sets the retry backoff. */
  #failures = 0;
  #drift: DriftScheduler | undefined;
  #running: Promise<ReconcileResult> | undefined;
  #again = false;
  /** Last message said per object and reason, so Events are not repeated every reconcile. */
  #said = new Map<string, string>();
  /** Held-back deletion messages already logged. */
  #heldSaid = new Set<string>();

  constructor(options: ControllerOptions, deps: ControllerDeps) {
    this.#o = options;
    this.#d = deps;
    this.#parseCache = deps.parseCache ?? new ParseCache();
  }

  start(): void {
    this.#drift = new DriftScheduler({
      intervalMs: this.#o.driftIntervalMs,
      ...(this.#o.driftMinSpacingMs !== undefined && { minSpacingMs: this.#o.driftMinSpacingMs }),
      clock: this.#d.clock,
      listedAt: () => new Map([...this.#listings].map(([zone, l]) => [zone, l.fetchedAt])),
      zoneListAt: () => this.#zones?.fetchedAt,
      expire: (zones, zoneList) => {
        for (const zone of zones) this.#listings.delete(zone);
        if (zoneList) this.#zones = undefined;
        this.trigger('drift check');
      },
    });
    this.#drift.start();
    this.trigger('start');
  }

  /**
   * Forgets the cached zones and records and reconciles from a fresh listing: when this
   * replica becomes leader (another leader may have written since
   * this one last listed, and a plan from that picture would undo or repeat its changes).
   */
  relist(reason: string, delayMs?: number): void {
    this.#zones = undefined;
    this.#listings.clear();
    this.trigger(reason, delayMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = Infinity;
    await this.#drift?.stop();
    await this.#running?.catch(() => undefined);
  }

  /**
   * Something changed: reconcile after the debounce window, so a burst becomes one reconcile.
   * A pending retry further off is brought forward: a new object never waits out a backoff.
   */
  trigger(reason: string, delayMs = this.#o.debounceMs): void {
    const due = Date.now() + delayMs;
    if (this.#timer !== undefined) {
      if (due >= this.#due) return;
      clearTimeout(this.#timer);
    }
    this.#d.logger.debug({ reason, delayMs }, 'reconcile scheduled');
    this.#due = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#due = Infinity;
      void this.reconcile().catch((err: unknown) => {
        this.#d.logger.error({ err }, 'reconcile failed');
        this.#retryLater();
      });
    }, delayMs);
    // The watches and servers keep the process alive; a pending reconcile alone should not.
    this.#timer.unref();
  }

  #retryLater(): void {
    this.#failures++;
    const base = this.#o.retryDelayMs ?? 5_000;
    const delay = Math.min(this.#o.driftIntervalMs, base * 2 ** (this.#failures - 1));
    this.trigger('retry after failure', delay);
  }

  /** One reconcile now; concurrent calls are serialised (a second one runs once after). */
  async reconcile(): Promise<ReconcileResult> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#reconcileOnce();
    try {
      return await this.#running;
    } finally {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.trigger('changes during reconcile');
      }
    }
  }

  async #reconcileOnce(): Promise<ReconcileResult> {
    const { caches, metrics, logger, clock } = this.#d;
    const started = clock.now();
    const leader = this.#d.isLeader();
    metrics.leader.set(leader ? 1 : 0);
    metrics.cachesSynced.set(caches.synced() ? 1 : 0);
    if (!leader) {
      logger.debug('not the leader: planning nothing');
      return { status: 'not-leader' };
    }
    if (!caches.synced()) {
      // Deletes from a partial picture are the worst bug we could have: plan nothing.
      const unsynced = caches.unsynced();
      logger.info({ unsynced }, 'waiting for every cache to be whole before planning');
      return { status: 'waiting-for-caches', unsynced };
    }

    const snapshot = caches.snapshot();
    const desired = desiredState(snapshot, {
      controllerName: this.#o.controllerName,
      ...(this.#o.cluster !== undefined && { cluster: this.#o.cluster }),
      parseCache: this.#parseCache,
      ingressNamespaces: this.#o.ingressNamespaces,
    });
    const zones = await this.#hostedZones();
    const current = new Map<string, ResourceRecordSet[]>();
    for (const zone of eligibleZones(zones, this.#o)) {
      const listing = await this.#listing(zone.id);
      if (listing !== undefined) current.set(zone.id, listing);
    }

    const domainPolicy = this.#d.currentDomainPolicy?.();
    const result = plan(
      current,
      desired.endpoints,
      zones,
      {
        ...this.#o,
        ...(domainPolicy !== undefined && { domainPolicy }),
      },
      unreadableObjects(desired.notes),
    );
    const guarded = result.zones.map((zone) =>
      guardDeletions(
        zone,
        ownedRecordCount(current.get(zone.zoneId) ?? [], this.#o.ownerId),
        this.#o.maxDeleteFraction ?? DEFAULT_MAX_DELETE_FRACTION,
      ),
    );
    const heldBack = guarded.flatMap((g) => (g.heldBack ? [g.heldBack] : []));
    this.#reportHeldBack(heldBack);
    const objects = objectIndex(snapshot);
    let applied = 0;
    let failed = 0;
    for (const { plan: zonePlan } of guarded) {
      if (zonePlan.groups.length === 0) continue;
      const sent = await this.#sendZone(zonePlan);
      applied += sent.applied.length;
      failed += sent.failed.reduce((n, f) => n + f.changes.length, 0);
      this.#reportZone(zonePlan, sent, objects);
    }
    this.#reportNotes(desired.notes, result, objects);
    this.#countManaged(zones);

    const outcome = failed > 0 || result.unlistedZones.length > 0 ? 'partial' : 'success';
    metrics.reconcileDuration.observe({ result: outcome }, (clock.now() - started) / 1000);
    if (outcome === 'success') {
      metrics.lastSuccessfulSync.set(clock.now() / 1000);
      this.#failures = 0;
    } else this.#retryLater();
    logger.info(
      {
        endpoints: desired.endpoints.length,
        applied,
        failed,
        refused: result.refused.length,
        unlistedZones: result.unlistedZones,
      },
      applied + failed === 0 ? 'in sync: nothing to change' : 'reconciled',
    );
    return {
      status: 'done',
      plan: result,
      applied,
      failed,
      unlistedZones: result.unlistedZones,
      heldBack,
    };
  }

  async #hostedZones(): Promise<HostedZone[]> {
    if (this.#zones === undefined) {
      this.#zones = {
        list: await this.#d.route53.listHostedZones(),
        fetchedAt: this.#d.clock.now(),
      };
    }
    return this.#zones.list;
  }

  /** The zone's records, from cache; undefined when the listing fails (zone left alone). */
  async #listing(zoneId: string): Promise<ResourceRecordSet[] | undefined> {
    const cached = this.#listings.get(zoneId);
    if (cached) return cached.records;
    try {
      const records = await this.#d.route53.listResourceRecordSets(zoneId);
      this.#listings.set(zoneId, { records, fetchedAt: this.#d.clock.now() });
      return records;
    } catch (err) {
      this.#d.logger.warn(
        { err, zoneId },
        'could not list the zone; planning nothing for it this time',
      );
      return undefined;
    }
  }

  async #sendZone(zonePlan: ZonePlan): Promise<SendResult> {
    const result: SendResult = { applied: [], failed: [] };
    for (const batch of batches(zonePlan.groups)) {
      // The lease can be lost during a long reconcile: another replica may be writing now.
      if (!this.#d.isLeader()) {
        result.failed.push({ changes: batch, error: new Error('not sent: lost leadership') });
        continue;
      }
      await this.#sendIsolating(zonePlan.zoneId, batch, result);
    }
    if (result.failed.length > 0) {
      // What Route 53 holds may differ from what we thought: list it afresh next time.
      this.#listings.delete(zonePlan.zoneId);
    }
    return result;
  }

  /**
   * Sends a batch; if Route 53 refuses something in it, halves it (along groups) to find the
   * bad change, so one tenant's bad record never blocks the others' (refusesSomeChange says
   * which errors; a refusal of the whole request is not split).
   */
  async #sendIsolating(zoneId: string, batch: Change[], result: SendResult): Promise<void> {
    try {
      await this.#d.route53.changeResourceRecordSets(zoneId, batch);
      const listing = this.#listings.get(zoneId);
      if (listing) listing.records = applyChanges(listing.records, batch);
      result.applied.push(...batch);
      for (const change of batch) this.#d.metrics.changes.inc({ action: change.Action });
    } catch (err) {
      if (err instanceof WriteNotAllowed) {
        // Not Route 53's verdict: nothing was sent, and the next leader plans afresh.
        this.#d.logger.info({ zoneId, changes: batch.length }, err.message);
        result.failed.push({ changes: batch, error: err });
        return;
      }
      const halves = splitBatch(batch);
      if (refusesSomeChange(err) && halves.length > 1) {
        for (const half of halves) await this.#sendIsolating(zoneId, half, result);
        return;
      }
      const reason = err instanceof Route53Error ? err.code : 'Unknown';
      this.#d.metrics.failedChanges.inc({ reason }, batch.length);
      this.#d.logger.warn(
        { err, zoneId, changes: batch.map(describeChange) },
        'changes not applied',
      );
      result.failed.push({ changes: batch, error: err });
    }
  }

  /**
   * One log line per record decision; one Event per object and outcome per zone, naming its
   * records (a first sync of thousands of records must not become thousands of Events).
   */
  #reportZone(zonePlan: ZonePlan, sent: SendResult, objects: Map<string, KubeResource>): void {
    const failedRecords = new Map<string, Error>();
    for (const { changes, error } of sent.failed) {
      const err = error instanceof Error ? error : new Error(String(error));
      for (const change of changes) failedRecords.set(recordOfChange(change), err);
    }
    const where = `in zone ${zonePlan.zoneName}${zonePlan.private ? ' (private)' : ''}`;
    const grouped = new Map<
      string,
      { object: KubeResource; action: string; records: string[]; error?: Error }
    >();
    for (const decision of zonePlan.decisions) {
      const error = failedRecords.get(decision.record);
      this.#d.logger.info(
        {
          action: decision.action,
          record: decision.record,
          resource: decision.resource,
          ...(decision.changed !== undefined && { changed: decision.changed }),
          zone: zonePlan.zoneName,
          ok: error === undefined,
        },
        error === undefined ? 'record changed' : 'record change failed',
      );
      const object = decision.resource ? objects.get(decision.resource) : undefined;
      if (!object) continue;
      const key = `${decision.resource ?? ''} ${decision.action} ${error?.message ?? ''}`;
      const said = decision.changed
        ? `${decision.record} (${decision.changed.join(', ')})`
        : decision.record;
      const group = grouped.get(key);
      if (group) group.records.push(said);
      else
        grouped.set(key, {
          object,
          action: decision.action,
          records: [said],
          ...(error !== undefined && { error }),
        });
    }
    for (const { object, action, records, error } of grouped.values()) {
      const list = records.join(', ');
      if (error === undefined) {
        this.#d.events.record(
          object,
          'Normal',
          eventReason(action),
          `${pastTense(action)} ${list} ${where}`,
        );
      } else {
        this.#d.events.record(
          object,
          'Warning',
          'RecordChangeFailed',
          `could not ${action} ${list} ${where}: ${error.message}`,
        );
      }
    }
  }

  /** Logged as an error when it starts or its size changes; the gauge says it meanwhile. */
  #reportHeldBack(heldBack: readonly HeldBack[]): void {
    const { metrics, logger } = this.#d;
    metrics.deletionsHeldBack.reset();
    const said = new Set<string>();
    for (const held of heldBack) {
      metrics.deletionsHeldBack.set({ zone: held.zoneName }, held.deletions);
      said.add(held.message);
      if (!this.#heldSaid.has(held.message)) {
        logger.error(
          { zone: held.zoneName, deletions: held.deletions, owned: held.owned },
          held.message,
        );
      }
    }
    this.#heldSaid = said;
  }

  /** Events for what was not published: once per object and reason until the message changes. */
  #reportNotes(
    notes: readonly ObjectNote[],
    result: Plan,
    objects: Map<string, KubeResource>,
  ): void {
    const said = new Map<string, string>();
    const say = (object: KubeResource | undefined, reason: string, message: string) => {
      if (!object) return;
      const key = `${object.kind ?? ''}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}/${reason}/${message}`;
      said.set(key, message);
      if (this.#said.has(key)) return;
      this.#d.events.record(object, 'Warning', reason, message);
    };
    const { metrics } = this.#d;
    metrics.skippedObjects.reset();
    metrics.refused.reset();
    metrics.conflicts.set(result.conflicts.length);
    for (const note of notes) {
      metrics.skippedObjects.inc({ reason: note.reason });
      say(note.object, note.reason, note.message);
    }
    for (const refusal of result.refused) {
      metrics.refused.inc({ reason: refusal.reason });
      // A domain filter splits the work between controllers on purpose: a name outside it is
      // someone else's to publish, not a problem to put on the object.
      if (refusal.reason === 'outside-domain-filter') continue;
      say(
        objects.get(resourceOf(refusal.endpoint.owner)),
        refusal.reason === 'name-not-allowed' ? 'NameNotAllowed' : 'RecordRefused',
        refusal.message,
      );
    }
    for (const conflict of result.conflicts) {
      say(objects.get(resourceOf(conflict.loser.owner)), 'RecordConflict', conflict.message);
    }
    this.#said = said;
  }

  #countManaged(zones: readonly HostedZone[]): void {
    for (const zone of zones) {
      const listing = this.#listings.get(bareZoneId(zone.Id));
      if (!listing) continue;
      const owned = ownedRecordCount(listing.records, this.#o.ownerId);
      this.#d.metrics.recordsManaged.set({ zone: normalizeRoute53Name(zone.Name) }, owned);
    }
  }
}

function recordOfChange(change: Change): string {
  const set = change.ResourceRecordSet;
  return describeRecord(normalizeRoute53Name(set.Name), set.Type, set.SetIdentifier);
}

function describeChange(change: Change): string {
  return `${change.Action} ${recordOfChange(change)}`;
}

const eventReason = (action: string) =>
  ({
    create: 'RecordCreated',
    update: 'RecordUpdated',
    adopt: 'RecordAdopted',
    delete: 'RecordDeleted',
  })[action] ?? 'RecordChanged';
const pastTense = (action: string) =>
  ({ create: 'created', update: 'updated', adopt: 'adopted', delete: 'deleted' })[action] ?? action;

/** Objects by the `<ownerKind>/<namespace>/<name>` the records name. */
function objectIndex(snapshot: Snapshot): Map<string, KubeResource> {
  const index = new Map<string, KubeResource>();
  const add = (objects: readonly KubeResource[], kind: string) => {
    const ownerKind = KINDS.find((k) => k.kind === kind)?.ownerKind ?? kind;
    for (const o of objects) {
      const key = `${ownerKind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
      if (!index.has(key)) index.set(key, o);
    }
  };
  add(snapshot.istioGateways, 'istio-gateway');
  add(snapshot.virtualServices, 'istio-virtualservice');
  add(snapshot.services, 'service');
  add(snapshot.ingresses, 'ingress');
  add(snapshot.gatewayApiGateways, 'gateway-api-gateway');
  add(snapshot.httpRoutes, 'httproute');
  return index;
}
