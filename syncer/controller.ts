// The reconcile loop: desired endpoints from the caches, current records from Route 53
// (cached), the planner's changes sent in batches — with every guard the design asks for:
// no writes unless leader, no planning from caches that are not whole, no planning a zone
// whose listing failed, nothing sent when nothing changed, a bad change isolated by
// splitting its batch while the rest is applied.
//
// Timing: a change after a quiet spell is planned at once (leading edge), so a lone
// `kubectl apply` is on the wire in milliseconds; changes that keep coming are gathered until
// they pause (a short trailing window, capped). Planned changes wait per zone in an outbox,
// sent one request at a time as the rate limiter allows; a newer plan replaces what is still
// waiting, so a zone's changes keep joining its batch until the moment it is sent, and while
// a burst is still being planned its batches are held (for a bounded time) rather than sent
// half full. Planning and sending take turns: a plan is never made while a batch is on the
// wire, so the cached listings it reads are exact.
//
// Work in proportion to change: the desired state is kept up to date object by object
// (sources/incremental-state.ts), and only the names that changed are planned (their
// families: core/records/plan-scope.ts), against zone listings kept by name
// (route53/zone-records.ts). A whole build or plan (start, a new leader, a new zone list or
// domain policy) runs in parts that yield to the event loop.
import type { Logger } from 'pino';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import {
  DEFAULT_MAX_DELETE_FRACTION,
  guardDeletions,
  type HeldBack,
} from '../core/records/deletion-guard.js';
import { groupsInFirstBatch, partRefusedBatch, splitBatch } from '../core/records/batches.js';
import type { Conflict } from '../core/records/conflicts.js';
import { describeRecord, resourceOf, type Endpoint } from '../core/records/endpoint.js';
import {
  plan,
  type Decision,
  type Plan,
  type PlanOptions,
  type Refusal,
  type ZonePlan,
} from '../core/records/plan.js';
import {
  mergePlansSteps,
  nameFamiliesSteps,
  namesInScopeSteps,
} from '../core/records/plan-scope.js';
import type { Steps } from '../core/records/steps.js';
import { guardedRecordOf } from '../core/records/ownership.js';
import { bareZoneId, normalizeRoute53Name } from '../core/records/route53-names.js';
import type { Change, HostedZone, ResourceRecordSet } from '../core/records/route53-types.js';
import { eligibleZones, zonesForName, type Zone } from '../core/records/zones.js';
import type { EventSink } from './kube/events.js';
import type { KubeResource } from './kube/reflector.js';
import type { SyncerMetrics } from './metrics.js';
import { outcomeUnknown, refusesSomeChange, Route53Error, type Route53Api } from './route53/api.js';
import { DriftScheduler } from './drift-schedule.js';
import { wakeableSleep, type Clock } from './route53/rate-limiter.js';
import { WriteNotAllowed } from './route53/resilient-client.js';
import { ZoneRecords } from './route53/zone-records.js';
import type { ObjectNote, SourceOptions } from './sources/desired-state.js';
import {
  IncrementalDesiredState,
  timeSliceYielder,
  type StateChange,
  type Yielder,
} from './sources/incremental-state.js';
import { SNAPSHOT_KEYS, type Snapshot } from './sources/objects.js';
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
  /**
   * What changed since the last call, by kind (a kind not named did not change): the keys
   * (`namespace/name`) of the objects changed, each read with `get`, or 'all' (read the
   * kind's list). With it a reconcile reads only the objects that changed.
   */
  takeChanges?(): ReadonlyMap<keyof Snapshot, ReadonlySet<string> | 'all'>;
  /** One cached object (namespace undefined for cluster-scoped kinds). */
  get?(key: keyof Snapshot, namespace: string | undefined, name: string): KubeResource | undefined;
}

/** Names planned together when the whole plan is cut into parts to yield between. */
const PLAN_PART_NAMES = 400;

/** Warning Events one object gets per reconcile before one Event sums up the rest. */
const MAX_WARNINGS_PER_OBJECT = 10;

/**
 * Whether the names to plan are most of the names wanted, as after a change every name shares
 * (an ingress address): then the whole plan is made instead of the scope of those names. It
 * has the same answer at those names (plan-scope.ts), and costs less: the scope's walk builds
 * and looks up ~30 related names for each name (~3M strings at 100k endpoints, the GC's
 * longest pauses of that reconcile), where the whole plan finds its families in one pass.
 */
function mostNames(dirty: number, wanted: number): boolean {
  return dirty > PLAN_PART_NAMES && 2 * dirty >= wanted;
}

export interface ControllerOptions extends PlanOptions {
  controllerName: string;
  /** What annotations may leave to this cluster (core/annotations/cluster.ts). */
  cluster?: ClusterIdentity;
  /** Where Istio Gateways' ingress gateway Services may be, besides their own namespace. */
  ingressNamespaces: readonly string[];
  /**
   * The longest changes that keep coming are gathered into one reconcile (from the first of
   * them); a zone's planned batch is held at most twice this while more are being planned.
   */
  debounceMs: number;
  /** A change after a quiet spell is planned this soon (default 10 ms): the leading edge. */
  leadingMs?: number;
  /**
   * Changes less than this apart (default 100 ms) are one burst: planned once they pause,
   * or `debounceMs` after the first of them.
   */
  quietMs?: number;
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
  /** stop() was called while it planned: what it planned was dropped, not offered. */
  | { status: 'stopped' }
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

/** The watched object a record names (`<ownerKind>/<namespace>/<name>`), for its Events. */
type ObjectLookup = (resource: string) => KubeResource | undefined;

interface Planned {
  endpoints: number;
  /** Objects whose endpoints were computed again; names planned ('all' or how many). */
  recomputed: number;
  planned: 'all' | number;
  result: Plan;
  zones: HostedZone[];
  heldBack: HeldBack[];
  tally: Tally;
}

interface SendResult {
  applied: Change[];
  failed: { changes: Change[]; error: unknown }[];
}

/** What one reconcile offered for sending, and how it went; done when none of it waits. */
interface Tally {
  applied: number;
  failed: number;
  /** Zones of this reconcile still waiting in the outbox. */
  waiting: number;
  finished: Promise<void>;
  finish: () => void;
}

/** A zone's planned changes not sent yet. */
interface PendingZone {
  plan: ZonePlan;
  /** Groups still to send; a request is cut from the front when the sender gets to it. */
  groups: Change[][];
  objects: ObjectLookup;
  /** When this zone started waiting (kept when a newer plan replaces the changes). */
  since: number;
  tally: Tally;
}

/** The next reconcile, waiting for its time. */
interface Scheduled {
  due: number;
  /** Scheduled by a change (the trailing window may move it), not by a retry or relist. */
  change: boolean;
  /** By a change after a quiet spell: the leading edge. */
  lone: boolean;
  cancelled: boolean;
  cancel: () => void;
}

const DEFAULT_LEADING_MS = 10;
const DEFAULT_QUIET_MS = 100;

export class Controller {
  readonly #o: ControllerOptions;
  readonly #d: ControllerDeps;
  readonly #parseCache: ParseCache;
  #zones: { list: HostedZone[]; fetchedAt: number } | undefined;
  /** The last zone list read (describeZones), to tell a new zone list from the same again. */
  #zoneList: string | undefined;
  readonly #listings = new Map<string, Listing>();
  #scheduled: Scheduled | undefined;
  /** When the last change came, and the first since the last reconcile started. */
  #lastChange = -Infinity;
  #burstStart: number | undefined;
  /** The last reconcile was a lone change's (no burst was going on). */
  #leading = false;
  /** Planned changes waiting to be sent, by zone ID, oldest first. */
  readonly #outbox = new Map<string, PendingZone>();
  #sending: Promise<void> | undefined;
  #wakeSender: (() => void) | undefined;
  /** Planning and sending take turns (FIFO): each waits for the other's turn to end. */
  #turn: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Reconciles in a row that left something unapplied; sets the retry backoff. */
  #failures = 0;
  #drift: DriftScheduler | undefined;
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
  /** Plan every name next time (start, a new leader, a new zone list or domain policy...). */
  #planAll = true;
  /** Build the desired state afresh next time and compare (the drift check's cross-check). */
  #crossCheck = false;
  #policy: DomainPolicy | undefined;
  /** Names whose planned changes were not applied (held back, failed): planned again. */
  #pending = new Set<string>();
  /**
   * Names of zones whose listing was forgotten (the drift check, a failed batch), by zone ID:
   * when the zone is listed afresh, these, the fresh listing's and the desired names in the
   * zone are planned again (what someone else changed there can touch only those).
   */
  readonly #stale = new Map<string, Set<string>>();
  /** Names to plan again because their zone was listed afresh. */
  #relisted = new Set<string>();
  /** What the plans said per name that is not a change: refusals and conflicts (by name). */
  readonly #refused = new Map<string, Refusal[]>();
  readonly #conflicts = new Map<string, Conflict[]>();

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
        for (const zone of zones) this.#forgetListing(zone);
        if (zoneList) {
          this.#zones = undefined;
          // Once per interval, with the zone list: the desired state is built afresh and
          // compared with the one kept up to date.
          this.#crossCheck = true;
        }
        // Not a change: a drift check neither waits for a lone change's delay nor opens a
        // burst that would hurry the next real change past its own.
        this.trigger('drift check', 0);
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
    this.#stale.clear();
    this.#planAll = true;
    this.#crossCheck = true;
    this.trigger(reason, delayMs);
  }

  /** Lists the zone afresh next time, and plans again the names it had. */
  #forgetListing(zoneId: string): void {
    const listing = this.#listings.get(zoneId);
    if (listing === undefined) return;
    this.#listings.delete(zoneId);
    const names = this.#stale.get(zoneId) ?? new Set<string>();
    for (const name of listing.records.names()) names.add(name);
    this.#stale.set(zoneId, names);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#scheduled?.cancel();
    this.#scheduled = undefined;
    await this.#drift?.stop();
    // What was planned and not sent is dropped: the next leader plans afresh.
    for (const pending of this.#outbox.values()) settle(pending.tally);
    this.#outbox.clear();
    this.#wakeSender?.();
    await this.#running?.catch(() => undefined);
    await this.#sending;
  }

  /**
   * Something changed: reconcile soon. A change after a quiet spell is planned after
   * `leadingMs`; changes that keep coming (less than `quietMs` apart) move the reconcile on
   * until they pause, but never past `debounceMs` from the first of them, so a burst becomes
   * one reconcile. With `delayMs` (a retry, a relist) the reconcile is due then, unless one is
   * due sooner; a pending retry further off is brought forward: a new object never waits out
   * a backoff.
   */
  trigger(reason: string, delayMs?: number): void {
    if (this.#stopped) return;
    const now = this.#d.clock.now();
    const change = delayMs === undefined;
    let due: number;
    let lone = false;
    if (change) {
      lone =
        this.#burstStart === undefined &&
        now - this.#lastChange >= (this.#o.quietMs ?? DEFAULT_QUIET_MS);
      this.#lastChange = now;
      this.#burstStart ??= now;
      due = lone
        ? now + (this.#o.leadingMs ?? DEFAULT_LEADING_MS)
        : Math.min(
            now + (this.#o.quietMs ?? DEFAULT_QUIET_MS),
            this.#burstStart + this.#o.debounceMs,
          );
    } else due = now + delayMs;
    // A burst's deadline can already be behind us (a lone change waits longer than --debounce
    // lets a burst go on): then it is due now.
    due = Math.max(due, now);
    const scheduled = this.#scheduled;
    if (scheduled !== undefined) {
      // Only a change moves a change's reconcile later (the burst goes on); otherwise the
      // earlier of the two stands, and this reason joins it.
      const movable = change && scheduled.change;
      if (due === scheduled.due || (!movable && due > scheduled.due)) {
        this.#d.logger.debug(
          { reason, delayMs: scheduled.due - now, joined: true },
          'reconcile scheduled',
        );
        return;
      }
      scheduled.cancel();
    }
    this.#d.logger.debug({ reason, delayMs: due - now }, 'reconcile scheduled');
    const nap = wakeableSleep(this.#d.clock, due - now);
    const next: Scheduled = {
      due,
      change,
      lone,
      cancelled: false,
      cancel: () => {
        next.cancelled = true;
        nap.wake();
      },
    };
    this.#scheduled = next;
    void nap.done.then(() => {
      if (next.cancelled || this.#scheduled !== next) return;
      this.#scheduled = undefined;
      this.#burstStart = undefined;
      this.#leading = next.lone;
      void this.reconcile().catch((err: unknown) => {
        this.#d.logger.error({ err }, 'reconcile failed');
        this.#retryLater();
      });
      // A sender holding batches for this reconcile looks again (it waits for the plan).
      this.#wakeSender?.();
    });
  }

  #retryLater(): void {
    this.#failures++;
    const base = this.#o.retryDelayMs ?? 5_000;
    const delay = Math.min(this.#o.driftIntervalMs, base * 2 ** (this.#failures - 1));
    this.trigger('retry after failure', delay);
  }

  /**
   * One reconcile now, resolved once what it planned has been sent (or replaced by a newer
   * plan). Planning is serialised: a call while one plans gets that one's result and another
   * runs once after; one may plan while the previous one's batches are still being sent.
   */
  reconcile(): Promise<ReconcileResult> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    let planned = false;
    const donePlanning = () => {
      if (planned) return;
      planned = true;
      this.#running = undefined;
      // A sender holding batches for this plan looks again.
      this.#wakeSender?.();
      if (this.#again) {
        this.#again = false;
        this.trigger('changes during reconcile');
      }
    };
    const whole = this.#reconcileOnce(donePlanning);
    this.#running = whole;
    void whole.then(donePlanning, donePlanning);
    return whole;
  }

  /** Waits for the turn to plan or send (FIFO); the returned function ends it. */
  async #takeTurn(): Promise<() => void> {
    const previous = this.#turn;
    let end!: () => void;
    this.#turn = new Promise((resolve) => (end = resolve));
    await previous;
    return end;
  }

  async #reconcileOnce(donePlanning: () => void): Promise<ReconcileResult> {
    const { metrics, logger, clock } = this.#d;
    const started = clock.now();
    // Not while a batch is on the wire: the listing it changes would be planned from stale.
    const endTurn = await this.#takeTurn();
    let planned: Planned | ReconcileResult;
    try {
      planned = await this.#plan();
    } finally {
      endTurn();
      donePlanning();
    }
    if (!('tally' in planned)) return planned;
    const { endpoints, recomputed, result, zones, heldBack, tally } = planned;
    await tally.finished;
    this.#countManaged(zones);
    const { applied, failed } = tally;

    const outcome = failed > 0 || result.unlistedZones.length > 0 ? 'partial' : 'success';
    metrics.reconcileDuration.observe({ result: outcome }, (clock.now() - started) / 1000);
    if (outcome === 'success') {
      metrics.lastSuccessfulSync.set(clock.now() / 1000);
      this.#failures = 0;
    } else this.#retryLater();
    // At rest the drift check reconciles every few seconds (a few zones each time): a
    // reconcile that changed nothing is a debug line, or the info log would be nothing else.
    const quiet = applied + failed === 0 && result.unlistedZones.length === 0;
    // Names outside the domain filter are another controller's to publish, not refusals anyone
    // need act on (they get no Event either): counted apart.
    let outside = 0;
    for (const r of result.refused) if (r.reason === 'outside-domain-filter') outside++;
    logger[quiet ? 'debug' : 'info'](
      {
        endpoints,
        recomputed,
        planned: planned.planned,
        applied,
        failed,
        refused: result.refused.length - outside,
        outsideDomainFilter: outside,
        unlistedZones: result.unlistedZones,
      },
      quiet
        ? 'in sync: nothing to change'
        : applied + failed === 0
          ? 'nothing changed, but some zones could not be listed: their names wait for the next try'
          : 'reconciled',
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

  /** The plan from the caches and the listings; its zones' changes go to the outbox. */
  async #plan(): Promise<Planned | ReconcileResult> {
    const { caches, metrics, logger } = this.#d;
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
    await this.#relistedNames(state, eligible, listed, yielder);
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
    // What still waits in the outbox is planned again too: the new plan replaces it there.
    // Gathered with turns of the event loop between: after a change every name shares
    // (an ingress address) these are every name, and the changes waiting for all of them.
    const dirty = new Set<string>();
    const gather = async (names: Iterable<string>) => {
      for (const name of names) {
        dirty.add(name);
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
      }
    };
    // The outbox as it is now: sends that finish while this gathers change it.
    const waiting = [...this.#outbox.values()].flatMap((pending) => pending.groups);
    await gather(change.names);
    await gather(this.#pending);
    await gather(this.#relisted);
    for (const group of waiting) await gather(group.map(nameOfChange));
    this.#relisted = new Set();
    const result =
      planAll || dirty.size > 0
        ? await this.#planNames(
            state,
            eligible,
            zones,
            listed,
            options,
            planAll || mostNames(dirty.size, state.nameCount) ? undefined : dirty,
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
    // A change planned and held back is planned again next time with its name (the plan then
    // says what is left to do there); one that fails to send is added when it fails.
    // Only a zone with deletions held back offers less than it planned.
    this.#pending = new Set();
    for (const [i, g] of guarded.entries()) {
      if (g.heldBack === undefined) continue;
      const offered = new Set(g.plan.groups.flat());
      for (const group of result.zones[i]?.groups ?? []) {
        for (const c of group) if (!offered.has(c)) this.#pending.add(nameOfChange(c));
      }
    }
    // Planning yields to the event loop: stop() may have come meanwhile, and emptied the
    // outbox for good. What was planned is dropped as stop() drops what waits (the next leader
    // plans afresh); offered now, it would wait for a sender that never comes.
    if (this.#stopped) return { status: 'stopped' };
    const objects: ObjectLookup = (resource) => state.object(resource);
    const tally = this.#offer(
      guarded.map((g) => g.plan),
      objects,
    );
    if (planAll || change.recomputed > 0 || result.zones.length > 0 || dirty.size > 0) {
      this.#reportNotes(state.notes(), standing, objects);
    }
    return {
      endpoints: state.endpointCount,
      recomputed: change.recomputed,
      planned: planAll ? 'all' : dirty.size,
      result: standing,
      zones,
      heldBack,
      tally,
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
    const sourceOptions: SourceOptions = {
      controllerName: this.#o.controllerName,
      ...(this.#o.cluster !== undefined && { cluster: this.#o.cluster }),
      parseCache: this.#parseCache,
      ingressNamespaces: this.#o.ingressNamespaces,
    };
    const lists: Partial<Record<keyof Snapshot, Snapshot[keyof Snapshot]>> = {};
    const hinted = caches.takeChanges !== undefined && caches.get !== undefined;
    const readAll =
      this.#state === undefined || this.#crossCheck || (!hinted && caches.generation === undefined);
    // Taken before anything is read: a change after this is told again next time.
    const hints = caches.takeChanges?.();
    if (!readAll && hints !== undefined && caches.get !== undefined && this.#state) {
      try {
        const { objects, lists: whole } = objectsOf(
          hints,
          caches.get.bind(caches),
          (key) => caches.list?.(key) ?? caches.snapshot()[key],
        );
        const change = await this.#state.updateObjects(objects, whole, yielder);
        return { ...change, state: this.#state };
      } catch (err) {
        // What the hints said is gone with them: read everything next time.
        this.#crossCheck = true;
        throw err;
      }
    }
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
    const difference = await compareStates(this.#state, fresh, yielder);
    if (difference !== undefined) {
      this.#d.metrics.incrementalMismatches.inc();
      this.#d.logger.error(
        difference,
        'the desired state kept up to date differs from the one computed afresh: using the fresh one (please report this)',
      );
      // What was planned from the state kept up to date may be wrong anywhere.
      this.#planAll = true;
    }
    this.#state = fresh;
    return { ...change, state: fresh };
  }

  /**
   * The names of the zones listed afresh since the last plan (the drift check re-lists a few
   * at a time): those the zone had, those it has now, and the desired names that belong in it.
   */
  async #relistedNames(
    state: IncrementalDesiredState,
    eligible: readonly Zone[],
    listed: ReadonlyMap<string, ZoneRecords>,
    yielder: Yielder,
  ): Promise<void> {
    const fresh = new Set<string>();
    for (const [zoneId, names] of this.#stale) {
      const listing = listed.get(zoneId);
      if (listing === undefined) continue;
      for (const name of names) this.#relisted.add(name);
      for (const name of listing.names()) this.#relisted.add(name);
      this.#stale.delete(zoneId);
      fresh.add(zoneId);
    }
    if (fresh.size === 0 || this.#planAll) return;
    let n = 0;
    for (const name of state.names()) {
      if (zonesForName(name, eligible).some((z) => fresh.has(z.id))) this.#relisted.add(name);
      if (++n % 1000 === 0) await yielder.maybe();
    }
  }

  /**
   * Plans the names in `scope` (their families: core/records/plan-scope.ts), or every name,
   * in parts, yielding between parts; remembers refusals and conflicts per name.
   */
  async #planNames(
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
    const holding = listingsHolding(eligible, listed);
    const exists = (name: string) =>
      state.wants(name) || holding(name).some(([, l]) => l.has(name));
    const unreadable = state.unreadable();
    const planNames = (names: Iterable<string>): Plan => {
      const current = new Map<string, ResourceRecordSet[]>();
      const desired: Endpoint[] = [];
      for (const [zoneId] of listed) current.set(zoneId, []);
      for (const name of names) {
        desired.push(...state.endpointsAt(name));
        for (const [zoneId, listing] of holding(name)) {
          if (listing.has(name)) current.get(zoneId)?.push(...listing.at(name));
        }
      }
      return plan(current, desired, zones, options, unreadable);
    };
    let parts: string[][];
    if (scope === undefined) {
      this.#refused.clear();
      this.#conflicts.clear();
      // Every name wanted or listed (nameFamilies counts each once), read as it goes.
      const names = (function* () {
        yield* state.names();
        for (const listing of listed.values()) yield* listing.names();
      })();
      parts = await stepped(
        nameFamiliesSteps(names, wantedOf(state, state.names(), naming), PLAN_PART_NAMES, naming),
        yielder,
      );
    } else {
      const names = await stepped(namesInScopeSteps(scope, exists, zoneNames, naming), yielder);
      for (const name of names) {
        this.#refused.delete(name);
        this.#conflicts.delete(name);
      }
      // A change many names share (an ingress address) is planned in parts too.
      parts =
        names.size > PLAN_PART_NAMES
          ? await stepped(
              nameFamiliesSteps(names, wantedOf(state, names, naming), PLAN_PART_NAMES, naming),
              yielder,
            )
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
    return stepped(
      mergePlansSteps(
        planned,
        eligible.map((z) => z.id),
      ),
      yielder,
    );
  }

  /**
   * Puts a new plan's changes in the outbox in place of what is still waiting there: the new
   * plan was made from the listings with every sent batch applied, so it holds what still
   * needs sending. A zone keeps its place (and its waiting time); a zone the plan did not
   * cover (its listing failed) or has nothing for is dropped.
   */
  #offer(zonePlans: readonly ZonePlan[], objects: ObjectLookup): Tally {
    const tally = newTally();
    const fresh = new Map<string, ZonePlan>();
    for (const zonePlan of zonePlans) {
      if (zonePlan.groups.length > 0) fresh.set(zonePlan.zoneId, zonePlan);
    }
    const now = this.#d.clock.now();
    const previous = new Map(this.#outbox);
    this.#outbox.clear();
    const add = (zonePlan: ZonePlan, since: number) => {
      this.#outbox.set(zonePlan.zoneId, {
        plan: zonePlan,
        groups: zonePlan.groups,
        objects,
        since,
        tally,
      });
      tally.waiting++;
    };
    for (const [zoneId, pending] of previous) {
      settle(pending.tally);
      const zonePlan = fresh.get(zoneId);
      if (zonePlan === undefined) continue;
      add(zonePlan, pending.since);
      fresh.delete(zoneId);
    }
    for (const zonePlan of fresh.values()) add(zonePlan, now);
    if (tally.waiting === 0) tally.finish();
    else this.#startSending();
    return tally;
  }

  #startSending(): void {
    if (this.#sending !== undefined) {
      this.#wakeSender?.();
      return;
    }
    this.#sending = this.#drain().finally(() => {
      this.#sending = undefined;
      if (this.#outbox.size > 0 && !this.#stopped) this.#startSending();
    });
  }

  /**
   * Sends the outbox, oldest zone first, one request at a time. While a burst is still being
   * planned (a change's reconcile is due or planning), a zone's batch waits for that plan, so
   * it goes out whole rather than in pieces — but never more than twice `debounceMs` after
   * the zone started waiting, so changes that never stop still go out.
   */
  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopped || this.#outbox.size === 0) return;
      let hold = this.#holdMs();
      if (hold === 0) {
        // What a zone sends is chosen once the rate limit lets a request go: until then a
        // newer plan can still add to it.
        await this.#d.route53.ready?.();
        hold = this.#holdMs();
      }
      if (hold > 0) {
        const nap = wakeableSleep(this.#d.clock, hold);
        this.#wakeSender = nap.wake;
        await nap.done;
        this.#wakeSender = undefined;
        continue;
      }
      const endTurn = await this.#takeTurn();
      try {
        await this.#sendNext();
      } finally {
        endTurn();
      }
    }
  }

  /**
   * How long the oldest zone's batch should still wait for a plan being made; 0: none. A
   * plan is coming when a change's reconcile is due or planning, and also right after a
   * burst's reconcile that its cap fired while changes still came (the next one's change is
   * only milliseconds away): until the burst has been quiet for `quietMs`.
   */
  #holdMs(): number {
    const oldest = this.#outbox.values().next().value;
    if (oldest === undefined) return 0;
    const now = this.#d.clock.now();
    const limit = oldest.since + 2 * this.#o.debounceMs;
    if (this.#scheduled?.change === true || this.#running !== undefined) {
      return Math.max(0, limit - now);
    }
    const quietFrom = this.#lastChange + (this.#o.quietMs ?? DEFAULT_QUIET_MS);
    if (!this.#leading && now < quietFrom) return Math.max(0, Math.min(limit, quietFrom) - now);
    return 0;
  }

  /** Cuts one request from the oldest zone's changes and sends it; the rest waits behind. */
  async #sendNext(): Promise<void> {
    const first = this.#outbox.entries().next().value;
    if (first === undefined || this.#stopped) return;
    const [zoneId, pending] = first;
    const count = groupsInFirstBatch(pending.groups);
    const batch = pending.groups.slice(0, count).flat();
    const rest = pending.groups.slice(count);
    this.#outbox.delete(zoneId);
    // The zone's next request queues behind the other zones' first ones.
    if (rest.length > 0) this.#outbox.set(zoneId, { ...pending, groups: rest });
    const sent: SendResult = { applied: [], failed: [] };
    // The lease can be lost while batches wait: another replica may be writing now.
    if (!this.#d.isLeader()) {
      sent.failed.push({ changes: batch, error: new Error('not sent: lost leadership') });
    } else await this.#sendIsolating(zoneId, batch, sent);
    if (sent.failed.length > 0) {
      // What Route 53 holds may differ from what we thought: list it afresh next time, and
      // plan these names again then.
      this.#forgetListing(zoneId);
      for (const { changes } of sent.failed) {
        for (const change of changes) this.#pending.add(nameOfChange(change));
      }
    }
    pending.tally.applied += sent.applied.length;
    pending.tally.failed += sent.failed.reduce((n, f) => n + f.changes.length, 0);
    this.#reportBatch(pending.plan, batch, sent, pending.objects);
    if (rest.length === 0) settle(pending.tally);
  }

  async #hostedZones(): Promise<HostedZone[]> {
    if (this.#zones === undefined) {
      const list = await this.#d.route53.listHostedZones();
      // A zone added, removed or renamed can move any name to another zone: plan them all.
      if (this.#zoneList !== describeZones(list)) this.#planAll = true;
      this.#zoneList = describeZones(list);
      this.#zones = { list, fetchedAt: this.#d.clock.now() };
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
      // A zone listed for the first time (or after a failed listing) may hold anything: the
      // next plan looks at every name. One listed again is planned by its names (#stale).
      if (!this.#stale.has(zoneId)) this.#planAll = true;
      return records;
    } catch (err) {
      this.#d.logger.warn(
        { err, zoneId },
        'could not list the zone; planning nothing for it this time',
      );
      return undefined;
    }
  }

  /**
   * Sends a batch; if Route 53 refuses something in it, isolates the bad changes so one
   * tenant's bad record never blocks the others' (refusesSomeChange says which errors; a
   * refusal of the whole request is not split): the changes the refusal names are failed and
   * the rest sent again, or, when it names none, the batch is halved (along groups) until the
   * bad change is alone.
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
      if (refusesSomeChange(err)) {
        const parted = partRefusedBatch(
          batch,
          err.messages.length > 0 ? err.messages : [err.message],
        );
        if (parted !== undefined) {
          this.#notApplied(zoneId, parted.refused, err, result);
          if (parted.rest.length > 0) await this.#sendIsolating(zoneId, parted.rest, result);
          return;
        }
        const halves = splitBatch(batch);
        if (halves.length > 1) {
          for (const half of halves) await this.#sendIsolating(zoneId, half, result);
          return;
        }
      }
      this.#notApplied(zoneId, batch, err, result);
    }
  }

  #notApplied(zoneId: string, changes: Change[], err: unknown, result: SendResult): void {
    const reason = err instanceof Route53Error ? err.code : 'Unknown';
    this.#d.metrics.failedChanges.inc({ reason }, changes.length);
    this.#d.logger.warn(
      { err, zoneId, changes: changes.map(describeChange) },
      outcomeUnknown(err)
        ? 'changes sent, no answer: the zone is listed again to see whether they landed'
        : 'changes not applied',
    );
    result.failed.push({ changes, error: err });
  }

  /**
   * One log line per record decision of the batch; one Event per object and outcome per
   * batch, naming its records (a first sync of thousands of records must not become
   * thousands of Events).
   */
  #reportBatch(
    zonePlan: ZonePlan,
    batch: readonly Change[],
    sent: SendResult,
    objects: ObjectLookup,
  ): void {
    // The batch's decisions, in the plan's order: found by record rather than by testing
    // every decision of the zone for each batch (a zone of 100k records goes out in 100+).
    const byRecord = decisionsByRecord(zonePlan);
    const decided = new Set<number>();
    for (const change of batch) {
      for (const i of byRecord.get(decidedRecordOf(change)) ?? []) decided.add(i);
    }
    const inBatch = [...decided].sort((a, b) => a - b);
    const failedRecords = new Map<string, Error>();
    for (const { changes, error } of sent.failed) {
      const err = error instanceof Error ? error : new Error(String(error));
      for (const change of changes) failedRecords.set(decidedRecordOf(change), err);
    }
    const where = `in zone ${zonePlan.zoneName}${zonePlan.private ? ' (private)' : ''}`;
    const grouped = new Map<
      string,
      { object: KubeResource; action: string; records: string[]; error?: Error }
    >();
    for (const i of inBatch) {
      const decision = zonePlan.decisions[i] as Decision;
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
        error === undefined
          ? 'record changed'
          : outcomeUnknown(error)
            ? 'record change unconfirmed'
            : 'record change failed',
      );
      const object = decision.resource ? objects(decision.resource) : undefined;
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
      } else if (outcomeUnknown(error)) {
        // It may well have landed: "failed" would send a person looking for a fault that is
        // not there. The next reconcile, from a fresh listing, sends what did not land.
        this.#d.events.record(
          object,
          'Warning',
          'RecordChangeUnconfirmed',
          `sent ${action} ${list} ${where}, but Route 53 did not answer in time: the zone is listed again, and what did not land is sent again`,
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

  /**
   * Events for what was not published: once per object and reason until the message changes,
   * and at most MAX_WARNINGS_PER_OBJECT per object, then one saying how many more there are.
   * One object can hold 1,000 names, each refused or unserved with a message of its own: as
   * Events, one tenant's object would fill the queue every object's Events share (events.ts
   * drops the oldest waiting) and send a thousand writes to the apiserver.
   */
  #reportNotes(notes: readonly ObjectNote[], result: Plan, objects: ObjectLookup): void {
    const said = new Map<string, string>();
    const perObject = new Map<string, { object: KubeResource; told: number; more: number }>();
    const tell = (object: KubeResource, who: string, reason: string, message: string) => {
      const key = `${who}/${reason}/${message}`;
      said.set(key, message);
      if (this.#said.has(key)) return;
      this.#d.events.record(object, 'Warning', reason, message);
    };
    const say = (object: KubeResource | undefined, reason: string, message: string) => {
      if (!object) return;
      const who = `${object.kind ?? ''}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
      let count = perObject.get(who);
      if (count === undefined) perObject.set(who, (count = { object, told: 0, more: 0 }));
      if (count.told === MAX_WARNINGS_PER_OBJECT) {
        count.more++;
        return;
      }
      count.told++;
      tell(object, who, reason, message);
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
        objects(resourceOf(refusal.endpoint.owner)),
        refusal.reason === 'name-not-allowed' ? 'NameNotAllowed' : 'RecordRefused',
        refusal.message,
      );
    }
    for (const conflict of result.conflicts) {
      say(objects(resourceOf(conflict.loser.owner)), 'RecordConflict', conflict.message);
    }
    for (const [who, { object, more }] of perObject) {
      if (more === 0) continue;
      tell(
        object,
        who,
        'TooManyWarnings',
        `${more} more warning${more === 1 ? '' : 's'} about this object not recorded as Events (the first ${MAX_WARNINGS_PER_OBJECT} are): \`aws-controller plan\` over its manifest lists them all`,
      );
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

/** Each record's decisions in a zone plan, by their place in it: worked out once per plan. */
const decisionIndexes = new WeakMap<ZonePlan, Map<string, number[]>>();
function decisionsByRecord(zonePlan: ZonePlan): Map<string, number[]> {
  let index = decisionIndexes.get(zonePlan);
  if (index === undefined) {
    index = new Map();
    for (const [i, { record }] of zonePlan.decisions.entries()) {
      const at = index.get(record);
      if (at === undefined) index.set(record, [i]);
      else at.push(i);
    }
    decisionIndexes.set(zonePlan, index);
  }
  return index;
}

/**
 * The record a change is decided for, as the plan's decisions name it: an ownership TXT's
 * change stands for the record it guards (adopting a record changes only its TXT).
 */
function decidedRecordOf(change: Change): string {
  const set = change.ResourceRecordSet;
  const name = normalizeRoute53Name(set.Name);
  const guarded = set.Type === 'TXT' ? guardedRecordOf(name) : undefined;
  return guarded === undefined
    ? describeRecord(name, set.Type, set.SetIdentifier)
    : describeRecord(guarded.name, guarded.type, set.SetIdentifier);
}

function newTally(): Tally {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  return { applied: 0, failed: 0, waiting: 0, finished, finish };
}

/** One of the tally's zones no longer waits (sent, replaced by a newer plan, or dropped). */
function settle(tally: Tally): void {
  tally.waiting--;
  if (tally.waiting <= 0) tally.finish();
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

/**
 * The changed objects by kind and key (undefined: deleted), from the caches' hints; a kind
 * changed in a way only its whole list tells ('all': a relist, a new watch) is listed whole
 * and compared with the state's, as without hints.
 */
function objectsOf(
  hints: ReadonlyMap<keyof Snapshot, ReadonlySet<string> | 'all'>,
  get: (
    key: keyof Snapshot,
    namespace: string | undefined,
    name: string,
  ) => KubeResource | undefined,
  list: (key: keyof Snapshot) => Snapshot[keyof Snapshot],
): {
  objects: Partial<Record<keyof Snapshot, Map<string, KubeResource | undefined>>>;
  lists: Partial<Snapshot>;
} {
  const objects: Partial<Record<keyof Snapshot, Map<string, KubeResource | undefined>>> = {};
  const lists: Partial<Record<keyof Snapshot, Snapshot[keyof Snapshot]>> = {};
  for (const [kind, keys] of hints) {
    if (keys === 'all') {
      lists[kind] = list(kind);
      continue;
    }
    const now = new Map<string, KubeResource | undefined>();
    for (const key of keys) {
      const slash = key.indexOf('/');
      const namespace = key.slice(0, slash);
      now.set(key, get(kind, namespace === '' ? undefined : namespace, key.slice(slash + 1)));
    }
    objects[kind] = now;
  }
  return { objects, lists: lists as Partial<Snapshot> };
}

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

/** Runs a computation in steps (core/records/steps.ts), giving the event loop turns. */
async function stepped<T>(steps: Steps<T>, yielder: Yielder): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    await (yielder.whenDue ?? yielder.maybe)();
  }
}

/**
 * The listings that may hold a name: those of the listed zones it is within, the parents of
 * its own zone included (Route 53 lets a parent zone hold names below a delegated child).
 * Looked up by the name's suffixes, not by testing every zone: planning 100k names against 50
 * zones must not cost 5 million lookups.
 */
function listingsHolding(
  eligible: readonly Zone[],
  listed: ReadonlyMap<string, ZoneRecords>,
): (name: string) => readonly (readonly [string, ZoneRecords])[] {
  const byZoneName = new Map<string, [string, ZoneRecords][]>();
  for (const zone of eligible) {
    const listing = listed.get(zone.id);
    if (listing === undefined) continue;
    const entry: [string, ZoneRecords] = [zone.id, listing];
    const same = byZoneName.get(zone.name);
    if (same === undefined) byZoneName.set(zone.name, [entry]);
    else same.push(entry);
  }
  // A zone named '' (the root) holds every name: then every listing is read.
  if (byZoneName.has('')) {
    const every = [...listed];
    return () => every;
  }
  const holding = (domain: string): [string, ZoneRecords][] => {
    let found: [string, ZoneRecords][] | undefined;
    for (let suffix = domain; ;) {
      const here = byZoneName.get(suffix);
      if (here !== undefined) found = found === undefined ? here : [...found, ...here];
      const dot = suffix.indexOf('.');
      if (dot < 0) return found ?? [];
      suffix = suffix.slice(dot + 1);
    }
  };
  // Names come in families under a few parents (`<type>-app.z1.example.com` beside
  // `app.z1.example.com`): what holds a parent's children is looked up once per parent.
  const byParent = new Map<string, [string, ZoneRecords][]>();
  return (name) => {
    const dot = name.indexOf('.');
    if (dot < 0) return holding(name);
    const parent = name.slice(dot + 1);
    let underParent = byParent.get(parent);
    if (underParent === undefined) {
      underParent = holding(parent);
      byParent.set(parent, underParent);
    }
    const apex = byZoneName.get(name);
    return apex === undefined ? underParent : [...apex, ...underParent];
  };
}

const nameOfChange = (change: Change): string =>
  normalizeRoute53Name(change.ResourceRecordSet.Name);

const unlisted = (eligible: readonly Zone[], listed: ReadonlyMap<string, unknown>): string[] =>
  eligible.filter((z) => !listed.has(z.id)).map((z) => z.id);

/** A zone list as one string: the same zones (IDs, names, private or public) give the same. */
const describeZones = (zones: readonly HostedZone[]): string =>
  zones
    .map((z) => `${z.Id} ${z.Name} ${String(z.Config?.PrivateZone ?? false)}`)
    .sort()
    .join('\n');

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** What differs between two desired states (undefined: nothing), for the error log. */
async function compareStates(
  kept: IncrementalDesiredState,
  fresh: IncrementalDesiredState,
  yielder: Yielder,
): Promise<Record<string, unknown> | undefined> {
  const objects = await kept.differences(fresh, yielder);
  if (objects.length === 0) return undefined;
  return {
    endpointsKept: kept.endpointCount,
    endpointsFresh: fresh.endpointCount,
    objectsDiffering: objects.length,
    objects: objects.slice(0, 20),
  };
}
