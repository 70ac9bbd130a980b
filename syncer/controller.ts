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
import type { Logger } from 'pino';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import { applyChanges } from '../core/records/apply-changes.js';
import {
  DEFAULT_MAX_DELETE_FRACTION,
  guardDeletions,
  ownedRecordCount,
  type HeldBack,
} from '../core/records/deletion-guard.js';
import { groupsInFirstBatch, splitBatch } from '../core/records/batches.js';
import { describeRecord, resourceOf } from '../core/records/endpoint.js';
import { plan, type Plan, type PlanOptions, type ZonePlan } from '../core/records/plan.js';
import { guardedRecordOf } from '../core/records/ownership.js';
import { bareZoneId, normalizeRoute53Name } from '../core/records/route53-names.js';
import type { Change, HostedZone, ResourceRecordSet } from '../core/records/route53-types.js';
import { eligibleZones } from '../core/records/zones.js';
import type { EventSink } from './kube/events.js';
import type { KubeResource } from './kube/reflector.js';
import type { SyncerMetrics } from './metrics.js';
import { refusesSomeChange, Route53Error, type Route53Api } from './route53/api.js';
import { DriftScheduler } from './drift-schedule.js';
import { wakeableSleep, type Clock } from './route53/rate-limiter.js';
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

interface Planned {
  desired: ReturnType<typeof desiredState>;
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
  objects: Map<string, KubeResource>;
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
    this.trigger(reason, delayMs);
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
    const { desired, result, zones, heldBack, tally } = planned;
    await tally.finished;
    this.#countManaged(zones);
    const { applied, failed } = tally;

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
    const tally = this.#offer(
      guarded.map((g) => g.plan),
      objects,
    );
    this.#reportNotes(desired.notes, result, objects);
    return { desired, result, zones, heldBack, tally };
  }

  /**
   * Puts a new plan's changes in the outbox in place of what is still waiting there: the new
   * plan was made from the listings with every sent batch applied, so it holds what still
   * needs sending. A zone keeps its place (and its waiting time); a zone the plan did not
   * cover (its listing failed) or has nothing for is dropped.
   */
  #offer(zonePlans: readonly ZonePlan[], objects: Map<string, KubeResource>): Tally {
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
      // What Route 53 holds may differ from what we thought: list it afresh next time.
      this.#listings.delete(zoneId);
    }
    pending.tally.applied += sent.applied.length;
    pending.tally.failed += sent.failed.reduce((n, f) => n + f.changes.length, 0);
    this.#reportBatch(pending.plan, batch, sent, pending.objects);
    if (rest.length === 0) settle(pending.tally);
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
   * One log line per record decision of the batch; one Event per object and outcome per
   * batch, naming its records (a first sync of thousands of records must not become
   * thousands of Events).
   */
  #reportBatch(
    zonePlan: ZonePlan,
    batch: readonly Change[],
    sent: SendResult,
    objects: Map<string, KubeResource>,
  ): void {
    const inBatch = new Set(batch.map(decidedRecordOf));
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
    for (const decision of zonePlan.decisions) {
      if (!inBatch.has(decision.record)) continue;
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
