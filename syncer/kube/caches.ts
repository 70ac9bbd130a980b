// Every watched kind's cache, and the one question deletion safety asks of them: is the
// picture whole? A kind is whole when its reflector has listed it and no watch error has
// happened since — or when the cluster does not serve it at all (no Istio or Gateway API
// CRDs installed), which is only believed after the apiserver has said so twice, some time
// apart: CRD-backed APIs answer 404 for a while after an apiserver restarts, and taking that
// for "no objects" would delete every record they want.
import type { Logger } from 'pino';
import { flatJoin } from '../../core/flat-join.js';
import { wakeableSleep, type Clock } from '../route53/rate-limiter.js';
import { emptySnapshot, type Snapshot } from '../sources/objects.js';
import { statusOf, type KubeResource } from './reflector.js';
import { describeResource, type SnapshotKey, type WatchedResource } from './watched-resources.js';

/** What the caches need of a reflector (kube/reflector.ts). */
export interface CacheReflector {
  start(): void;
  stop(): Promise<void>;
  readonly synced: boolean;
  readonly lastError: unknown;
  list(): KubeResource[];
  get(namespace: string | undefined, name: string): KubeResource | undefined;
}

export interface CacheBackend {
  /** Resource names served at group/version; null when the apiserver serves no such version. */
  discover(group: string, version: string): Promise<string[] | null>;
  reflector(
    resource: WatchedResource,
    version: string,
    onChange: (object?: KubeResource) => void,
  ): CacheReflector;
}

export interface ClusterCachesOptions {
  resources: readonly WatchedResource[];
  backend: CacheBackend;
  clock: Clock;
  logger: Logger;
  /** A change in one kind's cache (with the object, when one watch event changed it). */
  onChange: (key: SnapshotKey, object?: KubeResource) => void;
  /** How long "not served" must hold before a kind counts as empty. */
  absenceConfirmMs?: number;
  /** How often a kind that is not served is looked up again. */
  rediscoverIntervalMs?: number;
  backoffMaxMs?: number;
}

/**
 * Past this many objects of a kind changed between two reconciles, the kind is read whole: a
 * standby replica (which reconciles nothing) keeps no more, and reading the list costs less.
 */
const MAX_CHANGED_KEYS = 5_000;

type KindState =
  | { phase: 'discovering' }
  | { phase: 'absent-unconfirmed'; since: number }
  | { phase: 'absent' }
  | { phase: 'watching'; version: string; reflector: CacheReflector };

export class ClusterCaches {
  readonly #o: Required<ClusterCachesOptions>;
  readonly #states = new Map<SnapshotKey, KindState>();
  readonly #wakers = new Map<SnapshotKey, () => void>();
  readonly #loops: Promise<void>[] = [];
  /** Per kind, bumped whenever its objects may have changed (for the controller). */
  readonly #generations = new Map<SnapshotKey, number>();
  /**
   * Per kind, what changed since takeChanges() last ran: the keys (`namespace/name`) of the
   * objects watch events added, changed or deleted, or 'all' after a relist, a new reflector
   * or too many keys to be worth telling apart.
   */
  #changed = new Map<SnapshotKey, Set<string> | 'all'>();
  #stopped = true;

  constructor(options: ClusterCachesOptions) {
    this.#o = {
      absenceConfirmMs: 30_000,
      rediscoverIntervalMs: 5 * 60_000,
      backoffMaxMs: 30_000,
      ...options,
    };
    for (const r of options.resources) this.#states.set(r.key, { phase: 'discovering' });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const resource of this.#o.resources) this.#loops.push(this.#run(resource));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const wake of this.#wakers.values()) wake();
    await Promise.all(this.#loops.splice(0));
    await Promise.all(
      [...this.#states.values()].flatMap((s) =>
        s.phase === 'watching' ? [s.reflector.stop()] : [],
      ),
    );
  }

  synced(): boolean {
    return this.unsynced().length === 0;
  }

  /** The kinds whose cache is not whole, for logs and the waiting reconcile's result. */
  unsynced(): string[] {
    return this.#o.resources
      .filter((r) => !this.#whole(this.#states.get(r.key)))
      .map(describeResource);
  }

  /** Which version of each kind is watched, or `absent`: for logs and readiness. */
  status(): Record<string, string> {
    return Object.fromEntries(
      this.#o.resources.map((r) => {
        const state = this.#states.get(r.key);
        const text =
          state?.phase === 'watching'
            ? `${state.version}${state.reflector.synced ? '' : ' (syncing)'}`
            : (state?.phase ?? 'unknown');
        return [r.key, text];
      }),
    );
  }

  snapshot(): Snapshot {
    return emptySnapshot(
      Object.fromEntries(
        this.#o.resources.map((r) => {
          const state = this.#states.get(r.key);
          return [r.key, state?.phase === 'watching' ? state.reflector.list() : []];
        }),
      ),
    );
  }

  /** Changes whenever the kind's list may have changed: a reconcile reads only those kinds. */
  generation(key: SnapshotKey): number {
    return this.#generations.get(key) ?? 0;
  }

  /** One kind's objects, as snapshot() lists them. */
  list(key: SnapshotKey): KubeResource[] {
    const state = this.#states.get(key);
    return state?.phase === 'watching' ? state.reflector.list() : [];
  }

  /**
   * What changed since the last call, by kind (kinds not named did not change): the keys of
   * the objects changed (read each with get()), or 'all' (read the kind's whole list).
   */
  takeChanges(): ReadonlyMap<SnapshotKey, ReadonlySet<string> | 'all'> {
    const changed = this.#changed;
    this.#changed = new Map();
    return changed;
  }

  #bump(key: SnapshotKey, object?: KubeResource): void {
    this.#generations.set(key, this.generation(key) + 1);
    const keys = this.#changed.get(key);
    if (keys === 'all') return;
    if (object === undefined || (keys?.size ?? 0) >= MAX_CHANGED_KEYS) {
      this.#changed.set(key, 'all');
      return;
    }
    // The incremental state keeps these keys in its maps: joined flat (core/flat-join.ts).
    const objectKey = flatJoin('/', object.metadata?.namespace ?? '', object.metadata?.name ?? '');
    if (keys === undefined) this.#changed.set(key, new Set([objectKey]));
    else keys.add(objectKey);
  }

  /** One cached object (namespace undefined for cluster-scoped kinds). */
  get(key: SnapshotKey, namespace: string | undefined, name: string): KubeResource | undefined {
    const state = this.#states.get(key);
    return state?.phase === 'watching' ? state.reflector.get(namespace, name) : undefined;
  }

  #whole(state: KindState | undefined): boolean {
    if (state?.phase === 'absent') return true;
    return state?.phase === 'watching' && state.reflector.synced;
  }

  #set(key: SnapshotKey, state: KindState): void {
    const wasWhole = this.#whole(this.#states.get(key));
    this.#states.set(key, state);
    this.#bump(key);
    if (wasWhole !== this.#whole(state) || state.phase === 'absent') this.#o.onChange(key);
  }

  /** Sleeps until `ms` pass, the kind's cache reports a change, or the caches stop. */
  async #pause(key: SnapshotKey, ms: number): Promise<void> {
    const pause = wakeableSleep(this.#o.clock, ms);
    this.#wakers.set(key, pause.wake);
    await pause.done;
    this.#wakers.delete(key);
  }

  async #run(resource: WatchedResource): Promise<void> {
    const { logger, clock } = this.#o;
    const what = describeResource(resource);
    let failures = 0;
    while (!this.#stopped) {
      let version: string | null;
      try {
        version = resource.builtin
          ? (resource.versions[0] ?? 'v1')
          : await this.#discover(resource);
        failures = 0;
      } catch (err) {
        failures++;
        const delay = Math.min(this.#o.backoffMaxMs, 500 * 2 ** failures);
        logger.warn({ err, resource: what, retryInMs: delay }, 'API discovery failed');
        this.#set(resource.key, { phase: 'discovering' });
        await this.#pause(resource.key, delay);
        continue;
      }

      if (version === null) {
        const state = this.#states.get(resource.key);
        if (state?.phase === 'absent-unconfirmed') {
          if (clock.now() - state.since >= this.#o.absenceConfirmMs) {
            logger.info({ resource: what }, 'not served by this cluster: watching nothing for it');
            this.#set(resource.key, { phase: 'absent' });
          }
        } else if (state?.phase !== 'absent') {
          logger.info(
            { resource: what, confirmInMs: this.#o.absenceConfirmMs },
            'not served by this cluster; checking again before treating it as empty',
          );
          this.#set(resource.key, { phase: 'absent-unconfirmed', since: clock.now() });
        }
        const phase = this.#states.get(resource.key)?.phase;
        await this.#pause(
          resource.key,
          phase === 'absent' ? this.#o.rediscoverIntervalMs : this.#o.absenceConfirmMs,
        );
        continue;
      }

      const reflector = this.#o.backend.reflector(resource, version, (object) => {
        this.#bump(resource.key, object);
        this.#o.onChange(resource.key, object);
        this.#wakers.get(resource.key)?.();
      });
      logger.info({ resource: what, version }, 'watching');
      this.#set(resource.key, { phase: 'watching', version, reflector });
      reflector.start();
      // Watch until the kind stops being served (its CRD removed, or not yet back after an
      // apiserver restart): then look it up again. Meanwhile the cache is not whole.
      while (!this.#stopped && statusOf(reflector.lastError) !== 404) {
        await this.#pause(resource.key, Math.min(60_000, this.#o.rediscoverIntervalMs));
      }
      await reflector.stop();
      if (this.#stopped) break;
      logger.warn({ resource: what, version }, 'no longer served; looking it up again');
      this.#set(resource.key, { phase: 'discovering' });
    }
  }

  /** The first preferred version served that has the resource, or null if none is. */
  async #discover(resource: WatchedResource): Promise<string | null> {
    for (const version of resource.versions) {
      const served = await this.#o.backend.discover(resource.group, version);
      if (served?.includes(resource.resource)) return version;
    }
    return null;
  }
}
