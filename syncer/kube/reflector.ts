// A cache of one resource kind kept by list + watch, with the guarantees deletion safety
// needs: `synced` is true only while the cache is known to be whole (after a successful
// list, and until any watch error), a dropped watch is resumed, an expired one (410) or an
// errored one relists (with backoff), and a relist also happens on an interval because a
// watch can go silent without an error.
import type { Logger } from 'pino';
import { flatJoin } from '../../core/flat-join.js';
import { wakeableSleep, type Clock } from '../route53/rate-limiter.js';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string | Date;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface KubeResource {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchStarter {
  /** Starts a watch; `done` is called once when it ends (null, a timeout, or an error). */
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<{ abort(): void }>;
}

export interface ReflectorOptions<T extends KubeResource> {
  name: string;
  /** API path of the collection, e.g. /apis/networking.istio.io/v1/gateways. */
  path: string;
  list: () => Promise<ListResult<T>>;
  watcher: WatchStarter;
  logger: Logger;
  clock: Clock;
  /**
   * Called after any change to the cache, and when `synced` changes; with the object when
   * one watch event changed it (so a caller can ignore changes it does not depend on).
   */
  onChange: (object?: T) => void;
  /** Applied to every object before it is cached (to keep only what is read). */
  transform?: (object: T) => T;
  relistIntervalMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

// Kept as the store's key for as long as the object is: joined flat (core/flat-join.ts).
const keyOf = (o: KubeResource) =>
  flatJoin('/', o.metadata?.namespace ?? '', o.metadata?.name ?? '');

/** The HTTP status of a failed Kubernetes API call, however the client reported it. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; code?: number | string; body?: { code?: number } };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return e?.body?.code;
}

const isTimeout = (err: unknown) => (err as { name?: string } | null)?.name === 'TimeoutError';

export class Reflector<T extends KubeResource> {
  readonly #options: Required<Omit<ReflectorOptions<T>, 'random' | 'transform'>> & {
    random: () => number;
    transform: (object: T) => T;
  };
  #store = new Map<string, T>();
  #synced = false;
  #stopped = true;
  #abort: { abort(): void } | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  /** Set by a 410 event or an interval: the next round lists instead of watching. */
  #relist = true;
  #lastList = 0;
  #failures = 0;
  #lastError: unknown;

  constructor(options: ReflectorOptions<T>) {
    this.#options = {
      relistIntervalMs: 10 * 60_000,
      backoffBaseMs: 500,
      backoffMaxMs: 30_000,
      random: Math.random,
      transform: (object) => object,
      ...options,
    };
  }

  get name(): string {
    return this.#options.name;
  }

  /** True while the cache holds every object (a list succeeded and no error since). */
  get synced(): boolean {
    return this.#synced;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#store.get(`${namespace ?? ''}/${name}`);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
    await this.#loop;
  }

  /** Forces a relist now (used after the controller suspects the cache, and by tests). */
  relist(): void {
    this.#relist = true;
    this.#abort?.abort();
  }

  #setSynced(value: boolean): void {
    if (this.#synced === value) return;
    this.#synced = value;
    this.#options.onChange();
  }

  async #run(): Promise<void> {
    const { logger, clock } = this.#options;
    let resourceVersion = '';
    while (!this.#stopped) {
      try {
        if (this.#relist || clock.now() - this.#lastList >= this.#options.relistIntervalMs) {
          resourceVersion = await this.#listAll();
        }
        const outcome = await this.#watchOnce(resourceVersion);
        if (outcome.kind === 'resourceVersion') resourceVersion = outcome.value;
        else if (outcome.kind === 'error') throw outcome.error;
        this.#failures = 0;
      } catch (err) {
        if (this.#stopped) break;
        this.#lastError = err;
        this.#setSynced(false);
        this.#relist = true;
        this.#failures++;
        const ceiling = Math.min(
          this.#options.backoffMaxMs,
          this.#options.backoffBaseMs * 2 ** (this.#failures - 1),
        );
        const delay = Math.round(ceiling / 2 + (this.#options.random() * ceiling) / 2);
        logger.warn(
          { err, resource: this.name, retryInMs: delay },
          'watch failed; cache marked incomplete',
        );
        await this.#sleep(delay);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    const pause = wakeableSleep(this.#options.clock, ms);
    this.#wake = pause.wake;
    return pause.done;
  }

  async #listAll(): Promise<string> {
    const { items, resourceVersion } = await this.#options.list();
    const { transform } = this.#options;
    // An object whose resourceVersion is unchanged is kept as held: whoever compares objects
    // by reference (the controller's desired state) sees no change in it after a relist.
    const fresh = new Map(
      items.map((item) => {
        const key = keyOf(item);
        const held = this.#store.get(key);
        const version = item.metadata?.resourceVersion;
        const same = version !== undefined && held?.metadata?.resourceVersion === version;
        return [key, same && held !== undefined ? held : transform(item)];
      }),
    );
    const changed =
      fresh.size !== this.#store.size ||
      [...fresh].some(
        ([k, v]) => this.#store.get(k)?.metadata?.resourceVersion !== v.metadata?.resourceVersion,
      );
    this.#store = fresh;
    this.#relist = false;
    this.#lastList = this.#options.clock.now();
    this.#lastError = undefined;
    if (changed) this.#options.onChange();
    this.#setSynced(true);
    this.#options.logger.debug({ resource: this.name, count: items.length }, 'listed');
    return resourceVersion;
  }

  /** One watch connection, until it ends; says how to go on. */
  #watchOnce(
    resourceVersion: string,
  ): Promise<{ kind: 'resourceVersion'; value: string } | { kind: 'error'; error: unknown }> {
    return new Promise((resolve) => {
      let latest = resourceVersion;
      let ended = false;
      // Our own aborts (relist, stop) end the watch with an AbortError that is no failure.
      let abortedByUs = false;
      const remaining =
        this.#options.relistIntervalMs - (this.#options.clock.now() - this.#lastList);
      const onEvent = (type: string, raw: unknown) => {
        if (type === 'ERROR') {
          const status = raw as { code?: number };
          // 410 Gone: our resourceVersion is too old; anything else is unexpected.
          this.#relist = true;
          if (status.code !== 410)
            this.#options.logger.warn({ resource: this.name, status: raw }, 'watch error event');
          return;
        }
        const object = this.#options.transform(raw as T);
        const rv = object.metadata?.resourceVersion;
        if (rv) latest = rv;
        if (type === 'ADDED' || type === 'MODIFIED') this.#store.set(keyOf(object), object);
        else if (type === 'DELETED') this.#store.delete(keyOf(object));
        else return; // BOOKMARK
        this.#options.onChange(object);
      };
      const done = (err: unknown) => {
        if (ended) return;
        ended = true;
        this.#abort = undefined;
        if (!err || isTimeout(err) || abortedByUs || this.#stopped) {
          resolve({ kind: 'resourceVersion', value: latest });
        } else if (statusOf(err) === 410) {
          this.#relist = true;
          resolve({ kind: 'resourceVersion', value: latest });
        } else resolve({ kind: 'error', error: err });
      };
      this.#options.watcher
        .watch(
          this.#options.path,
          {
            resourceVersion,
            allowWatchBookmarks: true,
            // The server ends the watch by the time a relist is due.
            timeoutSeconds: Math.max(1, Math.min(300, Math.floor(remaining / 1000))),
          },
          onEvent,
          done,
        )
        .then((handle) => {
          if (ended) return;
          this.#abort = {
            abort: () => {
              abortedByUs = true;
              handle.abort();
            },
          };
          if (this.#stopped || this.#relist) this.#abort.abort();
        })
        .catch((err: unknown) => done(err ?? new Error('watch failed to start')));
    });
  }
}
