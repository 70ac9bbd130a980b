// Object caches for tests and benchmarks that behave as ClusterCaches does with its watch
// events: each kind's objects by namespace and name, a generation that moves with every
// change, and (with hints) the keys of the objects changed since the controller last asked,
// or 'all' after a whole new list. It counts what the controller reads, so a test can say
// that a reconcile read nothing it did not need.
import { flatJoin } from '../../core/flat-join.js';
import type { ObjectCaches } from '../controller.js';
import type { KubeResource } from '../kube/reflector.js';
import { emptySnapshot, type Snapshot } from '../sources/objects.js';

type Kind = keyof Snapshot;
type Changes = ReadonlyMap<Kind, ReadonlySet<string> | 'all'>;

// Flat, as ClusterCaches makes its keys: a benchmark's heap holds them as a syncer's does.
const keyOf = (o: KubeResource) =>
  flatJoin('/', o.metadata?.namespace ?? '', o.metadata?.name ?? '');

export class WatchedCaches implements ObjectCaches {
  /** What the controller read: whole snapshots, kinds' lists, objects one by one. */
  readonly reads = { snapshots: 0, lists: [] as Kind[], gets: 0 };
  /**
   * Present only with hints: without them the controller finds what changed by comparing
   * lists, as it does with caches that cannot say (the fallback the tests also cover).
   */
  readonly takeChanges?: () => Changes;
  readonly get?: (
    key: Kind,
    namespace: string | undefined,
    name: string,
  ) => KubeResource | undefined;
  readonly #byKey = new Map<Kind, Map<string, KubeResource>>();
  /** Each kind's list as last handed out, until the kind changes. */
  readonly #lists = new Map<Kind, KubeResource[]>();
  readonly #generations = new Map<Kind, number>();
  #changes = new Map<Kind, Set<string> | 'all'>();

  constructor(options: { hints?: boolean } = {}) {
    if (options.hints === false) return;
    this.takeChanges = () => {
      const changes = this.#changes;
      this.#changes = new Map();
      return changes;
    };
    this.get = (key, namespace, name) => {
      this.reads.gets++;
      return this.#byKey.get(key)?.get(`${namespace ?? ''}/${name}`);
    };
  }

  /** A whole new list of the kind (a relist). */
  set<K extends Kind>(key: K, list: Snapshot[K]): void {
    const objects = list as readonly KubeResource[];
    this.#byKey.set(key, new Map(objects.map((o) => [keyOf(o), o])));
    this.#lists.set(key, [...objects]);
    this.#changed(key);
    this.#changes.set(key, 'all');
  }

  /** A watch event: one object added or replaced (same namespace and name), or deleted. */
  event<K extends Kind>(key: K, object: Snapshot[K][number], deleted = false): void {
    let objects = this.#byKey.get(key);
    if (objects === undefined) this.#byKey.set(key, (objects = new Map<string, KubeResource>()));
    const k = keyOf(object);
    if (deleted) objects.delete(k);
    else objects.set(k, object);
    this.#lists.delete(key);
    this.#changed(key);
    const keys = this.#changes.get(key);
    if (keys === 'all') return;
    if (keys === undefined) this.#changes.set(key, new Set([k]));
    else keys.add(k);
  }

  #changed(key: Kind): void {
    this.#generations.set(key, (this.#generations.get(key) ?? 0) + 1);
  }

  #list(key: Kind): KubeResource[] {
    let list = this.#lists.get(key);
    if (list === undefined) {
      list = [...(this.#byKey.get(key)?.values() ?? [])];
      this.#lists.set(key, list);
    }
    return list;
  }

  synced() {
    return true;
  }
  unsynced() {
    return [];
  }
  snapshot(): Snapshot {
    this.reads.snapshots++;
    const lists: Partial<Record<Kind, KubeResource[]>> = {};
    for (const key of this.#byKey.keys()) lists[key] = this.#list(key);
    return emptySnapshot(lists);
  }
  generation(key: Kind): number {
    return this.#generations.get(key) ?? 0;
  }
  list(key: Kind) {
    this.reads.lists.push(key);
    return this.#list(key) as Snapshot[Kind];
  }
}
