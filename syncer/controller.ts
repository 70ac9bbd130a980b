// The reconcile loop: desired endpoints from the caches, current records from Route 53
// (cached), the planner's changes sent in batches — with every guard the design asks for:
// no writes unless leader, no planning from caches that are not whole, no planning a zone
// whose listing failed, nothing sent when nothing changed, a bad change isolated by
// splitting its batch while the rest is applied.
import type { Logger } from 'pino';
import {
  DEFAULT_MAX_DELETE_FRACTION,
  guardDeletions,
  type HeldBack,
} from '../core/records/deletion-guard.js';
import { batches, splitBatch } from '../core/records/batches.js';
import { describeRecord, resourceOf, type Endpoint } from '../core/records/endpoint.js';
import type { Conflict } from '../core/records/conflicts.js';
import {
  plan,
  type Plan,
  type PlanOptions,
  type Refusal,
  type ZonePlan,
} from '../core/records/plan.js';
import { mergePlans, nameFamilies, namesInScope } from '../core/records/plan-scope.js';
import { bareZoneId, normalizeRoute53Name } from '../core/records/route53-names.js';
import type { Change, HostedZone, ResourceRecordSet } from '../core/records/route53-types.js';
import { eligibleZones, type Zone } from '../core/records/zones.js';
import type { EventSink } from './kube/events.js';
import type { KubeResource } from './kube/reflector.js';
import type { SyncerMetrics } from './metrics.js';
import { refusesSomeChange, Route53Error, type Route53Api } from './route53/api.js';
import type { Clock } from './route53/rate-limiter.js';
import { WriteNotAllowed } from './route53/resilient-client.js';
import { ZoneRecords } from './route53/zone-records.js';
import type { ObjectNote } from './sources/desired-state.js';
import {
  IncrementalDesiredState,
  timeSliceYielder,
  type StateChange,
  type Yielder,
} from './sources/incremental-state.js';
import type { Snapshot } from './sources/objects.js';
import { ParseCache } from './sources/parse-cache.js';
import type { DomainPolicy } from '../core/tenancy/domain-policy.js';

/** The watched objects, and whether every cache is whole. */
export interface ObjectCaches {
  synced(): boolean;
  /** Names of the kinds whose cache is not whole, for logs. */
  unsynced(): string[];
  snapshot(): Snapshot;
  /**
   * A number that changes whenever the kind's cache may have changed: with it (and `list`)
   * a reconcile reads only the kinds that changed; without, it compares every list.
   */
  generation?(key: keyof Snapshot): number;
  /** One kind's objects (as snapshot() would list them). */
  list?(key: keyof Snapshot): Snapshot[keyof Snapshot];
}

const SNAPSHOT_KEYS: readonly (keyof Snapshot)[] = [
  'istioGateways',
  'virtualServices',
  'services',
  'ingresses',
  'gatewayApiGateways',
  'httpRoutes',
  'nodes',
  'endpointSlices',
];

/** Names planned together when the whole plan is cut into parts to yield between. */
const PLAN_PART_NAMES = 400;

export interface ControllerOptions extends PlanOptions {
  controllerName: string;
  /** Where Istio Gateways' ingress gateway Services may be, besides their own namespace. */
  ingressNamespaces: readonly string[];
  /** A burst of changes within this window becomes one reconcile. */
  debounceMs: number;
  /** Zones and records are re-listed this often, to notice changes made behind our back. */
  driftIntervalMs: number;
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
  records: ZoneRecords;
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
  #driftTimer: NodeJS.Timeout | undefined;
  #running: Promise<ReconcileResult> | undefined;
  #again = false;
  /** Last message said per object and reason, so Events are not repeated every reconcile. */
  #said = new Map<string, string>();
  /** Held-back deletion messages already logged. */
  #heldSaid = new Set<string>();
  /** The desired state, kept up to date object by object (sources/incremental-state.ts). */
  #state: IncrementalDesiredState | undefined;
  /** The caches' generation of each kind the state has read. */
  readonly #seen = new Map<keyof Snapshot, number>();
  /** Plan every name next time (start, relist, a fresh listing, a new domain policy...). */
  #planAll = true;
  /** Build the desired state afresh next time and compare (the drift check's cross-check). */
  #crossCheck = false;
  #policy: DomainPolicy | undefined;
  /** Names whose planned changes were not applied (held back, failed): planned again. */
  #pending = new Set<string>();
  /** What the plans said per name that is not a change: refusals and conflicts (by name). */
  readonly #refused = new Map<string, Refusal[]>();
  readonly #conflicts = new Map<string, Conflict[]>();

  constructor(options: ControllerOptions, deps: ControllerDeps) {
    this.#o = options;
    this.#d = deps;
    this.#parseCache = deps.parseCache ?? new ParseCache();
  }

  start(): void {
    this.#driftTimer = setInterval(() => this.relist('drift check'), this.#o.driftIntervalMs);
    this.#driftTimer.unref();
    this.trigger('start');
  }

  /**
   * Forgets the cached zones and records and reconciles from a fresh listing: on the drift
   * interval, and when this replica becomes leader (another leader may have written since
   * this one last listed, and a plan from that picture would undo or repeat its changes).
   */
  relist(reason: string, delayMs?: number): void {
    this.#zones = undefined;
    this.#listings.clear();
    this.#crossCheck = true;
    this.trigger(reason, delayMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = Infinity;
    clearInterval(this.#driftTimer);
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

    const yielder = timeSliceYielder();
    const change = await this.#desired(yielder);
    const state = change.state;
    const zones = await this.#hostedZones();
    const eligible = eligibleZones(zones, this.#o);
    const listed = new Map<string, ZoneRecords>();
    for (const zone of eligible) {
      const listing = await this.#listing(zone.id);
      if (listing !== undefined) listed.set(zone.id, listing);
    }
    const domainPolicy = this.#d.currentDomainPolicy?.();
    if (domainPolicy !== this.#policy) {
      this.#policy = domainPolicy;
      this.#planAll = true;
    }
    if (change.unreadableChanged) this.#planAll = true;
    const options: PlanOptions = {
      ...this.#o,
      ...(domainPolicy !== undefined && { domainPolicy }),
    };

    const planAll = this.#planAll;
    this.#planAll = false;
    const dirty = new Set([...change.names, ...this.#pending]);
    const result =
      planAll || dirty.size > 0
        ? await this.#plan(
            state,
            eligible,
            zones,
            listed,
            options,
            planAll ? undefined : dirty,
            yielder,
          )
        : { zones: [], refused: [], conflicts: [], unlistedZones: unlisted(eligible, listed) };
    const standing: Plan = {
      ...result,
      refused: [...this.#refused.values()].flat(),
      conflicts: [...this.#conflicts.values()].flat(),
    };
    const guarded = result.zones.map((zone) =>
      guardDeletions(
        zone,
        listed.get(zone.zoneId)?.owned ?? 0,
        this.#o.maxDeleteFraction ?? DEFAULT_MAX_DELETE_FRACTION,
      ),
    );
    const heldBack = guarded.flatMap((g) => (g.heldBack ? [g.heldBack] : []));
    if (planAll || dirty.size > 0) this.#reportHeldBack(heldBack);
    let applied = 0;
    let failed = 0;
    const accepted = new Set<Change>();
    for (const { plan: zonePlan } of guarded) {
      if (zonePlan.groups.length === 0) continue;
      const sent = await this.#sendZone(zonePlan);
      applied += sent.applied.length;
      failed += sent.failed.reduce((n, f) => n + f.changes.length, 0);
      for (const change of sent.applied) accepted.add(change);
      this.#reportZone(zonePlan, sent, state);
    }
    // A change planned and not accepted (held back, failed, not sent) is planned again next
    // time with its name: the plan then says what is left to do there.
    this.#pending = new Set(
      result.zones.flatMap((z) =>
        z.groups.flat().flatMap((c) => (accepted.has(c) ? [] : [nameOfChange(c)])),
      ),
    );
    if (planAll || change.recomputed > 0 || result.zones.length > 0 || dirty.size > 0) {
      this.#reportNotes(state.notes(), standing, state);
    }
    this.#countManaged(zones);

    const outcome = failed > 0 || result.unlistedZones.length > 0 ? 'partial' : 'success';
    metrics.reconcileDuration.observe({ result: outcome }, (clock.now() - started) / 1000);
    if (outcome === 'success') {
      metrics.lastSuccessfulSync.set(clock.now() / 1000);
      this.#failures = 0;
    } else this.#retryLater();
    logger.info(
      {
        endpoints: state.endpointCount,
        recomputed: change.recomputed,
        planned: planAll ? 'all' : dirty.size,
        applied,
        failed,
        refused: standing.refused.length,
        unlistedZones: result.unlistedZones,
      },
      applied + failed === 0 ? 'in sync: nothing to change' : 'reconciled',
    );
    return {
      status: 'done',
      plan: standing,
      applied,
      failed,
      unlistedZones: result.unlistedZones,
      heldBack,
    };
  }

  /**
   * Brings the desired state up to date with the caches: only the kinds that changed, and in
   * them only the objects that changed and those that read them. The first time, and on the
   * drift check, it is built afresh from every object; on the drift check the fresh one is
   * compared with the one kept up to date, and any difference is an error (logged, counted)
   * after which the fresh one is used.
   */
  async #desired(yielder: Yielder): Promise<StateChange & { state: IncrementalDesiredState }> {
    const { caches } = this.#d;
    const sourceOptions = {
      controllerName: this.#o.controllerName,
      parseCache: this.#parseCache,
      ingressNamespaces: this.#o.ingressNamespaces,
    };
    const lists: Partial<Record<keyof Snapshot, Snapshot[keyof Snapshot]>> = {};
    const readAll =
      this.#state === undefined || this.#crossCheck || caches.generation === undefined;
    for (const key of SNAPSHOT_KEYS) {
      const generation = caches.generation?.(key);
      if (!readAll && generation === this.#seen.get(key)) continue;
      if (generation !== undefined) this.#seen.set(key, generation);
      if (!readAll) lists[key] = caches.list?.(key) ?? caches.snapshot()[key];
    }
    const snapshot = readAll ? caches.snapshot() : undefined;
    if (this.#state === undefined || snapshot === undefined) {
      if (this.#state === undefined) {
        this.#state = await IncrementalDesiredState.build(
          snapshot ?? caches.snapshot(),
          sourceOptions,
          yielder,
        );
        this.#planAll = true;
        return {
          state: this.#state,
          names: new Set(this.#state.names()),
          unreadableChanged: true,
          recomputed: this.#state.endpointCount,
        };
      }
      const change = await this.#state.update(lists as Partial<Snapshot>, yielder);
      return { ...change, state: this.#state };
    }
    const change = await this.#state.update(snapshot, yielder);
    if (!this.#crossCheck) return { ...change, state: this.#state };
    this.#crossCheck = false;
    const fresh = await IncrementalDesiredState.build(snapshot, sourceOptions, yielder);
    const difference = compareStates(this.#state, fresh);
    if (difference !== undefined) {
      this.#d.metrics.incrementalMismatches.inc();
      this.#d.logger.error(
        difference,
        'the desired state kept up to date differs from the one computed afresh: using the fresh one (please report this)',
      );
    }
    this.#state = fresh;
    this.#planAll = true;
    return { ...change, state: fresh };
  }

  /**
   * Plans the names in `scope` (their families: core/records/plan-scope.ts), or every name,
   * in parts, yielding between parts; remembers refusals and conflicts per name.
   */
  async #plan(
    state: IncrementalDesiredState,
    eligible: readonly Zone[],
    zones: readonly HostedZone[],
    listed: ReadonlyMap<string, ZoneRecords>,
    options: PlanOptions,
    scope: ReadonlySet<string> | undefined,
    yielder: Yielder,
  ): Promise<Plan> {
    const zoneNames = eligible.map((z) => z.name);
    const naming = this.#o.externalDnsTxtNaming;
    const exists = (name: string) =>
      state.endpointsAt(name).length > 0 || [...listed.values()].some((l) => l.has(name));
    const unreadable = state.unreadable();
    const planNames = (names: Iterable<string>): Plan => {
      const current = new Map<string, ResourceRecordSet[]>();
      const desired: Endpoint[] = [];
      for (const [zoneId] of listed) current.set(zoneId, []);
      for (const name of names) {
        desired.push(...state.endpointsAt(name));
        for (const [zoneId, listing] of listed) current.get(zoneId)?.push(...listing.at(name));
      }
      return plan(current, desired, zones, options, unreadable);
    };
    let parts: string[][];
    if (scope === undefined) {
      this.#refused.clear();
      this.#conflicts.clear();
      const names = new Set(state.names());
      for (const listing of listed.values()) for (const name of listing.names()) names.add(name);
      parts = nameFamilies(names, wantedOf(state, state.names(), naming), PLAN_PART_NAMES, naming);
    } else {
      const names = namesInScope(scope, exists, zoneNames, naming);
      for (const name of names) {
        this.#refused.delete(name);
        this.#conflicts.delete(name);
      }
      // A change many names share (an ingress address) is planned in parts too.
      parts =
        names.size > PLAN_PART_NAMES
          ? nameFamilies(names, wantedOf(state, names, naming), PLAN_PART_NAMES, naming)
          : [[...names]];
    }
    const planned: Plan[] = [];
    for (const part of parts) {
      const result = planNames(part);
      planned.push(result);
      for (const refusal of result.refused) pushTo(this.#refused, refusal.endpoint.name, refusal);
      for (const conflict of result.conflicts)
        pushTo(this.#conflicts, conflict.loser.name, conflict);
      if (parts.length > 1) await new Promise<void>((resolve) => setImmediate(resolve));
      else await yielder.maybe();
    }
    if (planned.length === 0) planned.push(planNames([]));
    return mergePlans(
      planned,
      eligible.map((z) => z.id),
    );
  }

  async #hostedZones(): Promise<HostedZone[]> {
    if (this.#zones === undefined) {
      this.#planAll = true;
      this.#zones = {
        list: await this.#d.route53.listHostedZones(),
        fetchedAt: this.#d.clock.now(),
      };
    }
    return this.#zones.list;
  }

  /** The zone's records, from cache; undefined when the listing fails (zone left alone). */
  async #listing(zoneId: string): Promise<ZoneRecords | undefined> {
    const cached = this.#listings.get(zoneId);
    if (cached) return cached.records;
    try {
      const listed = await this.#d.route53.listResourceRecordSets(zoneId);
      const records = new ZoneRecords(listed, this.#o.ownerId);
      this.#listings.set(zoneId, { records, fetchedAt: this.#d.clock.now() });
      // What others wrote there may touch any name: the next plan looks at every one.
      this.#planAll = true;
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
      this.#listings.get(zoneId)?.records.apply(batch);
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
  #reportZone(zonePlan: ZonePlan, sent: SendResult, objects: IncrementalDesiredState): void {
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
      const object = decision.resource ? objects.object(decision.resource) : undefined;
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
  #reportNotes(notes: readonly ObjectNote[], result: Plan, objects: IncrementalDesiredState): void {
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
        objects.object(resourceOf(refusal.endpoint.owner)),
        refusal.reason === 'name-not-allowed' ? 'NameNotAllowed' : 'RecordRefused',
        refusal.message,
      );
    }
    for (const conflict of result.conflicts) {
      say(objects.object(resourceOf(conflict.loser.owner)), 'RecordConflict', conflict.message);
    }
    this.#said = said;
  }

  #countManaged(zones: readonly HostedZone[]): void {
    for (const zone of zones) {
      const listing = this.#listings.get(bareZoneId(zone.Id));
      if (!listing) continue;
      const owned = listing.records.owned;
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

/** The wanted records' shapes, for external-dns namings other than its default. */
function wantedOf(
  state: IncrementalDesiredState,
  names: Iterable<string>,
  naming: PlanOptions['externalDnsTxtNaming'],
): { name: string; type: Endpoint['type']; alias: boolean }[] {
  if (naming === undefined) return [];
  const wanted: { name: string; type: Endpoint['type']; alias: boolean }[] = [];
  for (const name of names) {
    for (const e of state.endpointsAt(name))
      wanted.push({ name, type: e.type, alias: e.alias !== undefined });
  }
  return wanted;
}

const nameOfChange = (change: Change): string =>
  normalizeRoute53Name(change.ResourceRecordSet.Name);

const unlisted = (eligible: readonly Zone[], listed: ReadonlyMap<string, unknown>): string[] =>
  eligible.filter((z) => !listed.has(z.id)).map((z) => z.id);

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** What differs between two desired states (undefined: nothing), for the error log. */
function compareStates(
  kept: IncrementalDesiredState,
  fresh: IncrementalDesiredState,
): Record<string, unknown> | undefined {
  const objects = kept.differences(fresh);
  if (objects.length === 0) return undefined;
  return {
    endpointsKept: kept.endpointCount,
    endpointsFresh: fresh.endpointCount,
    objectsDiffering: objects.length,
    objects: objects.slice(0, 20),
  };
}
