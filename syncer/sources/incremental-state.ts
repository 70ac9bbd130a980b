// The desired state kept up to date object by object: a change recomputes the object's own
// endpoints and those of the objects that read it, found through a dependency index —
//   Service      → the Istio Gateways whose selector it matches (in its namespace; in every
//                  namespace when it is in an ingress namespace) → their VirtualServices
//   EndpointSlice→ its Service;  Node → the NodePort and headless Services
//   Istio Gateway→ the VirtualServices naming it;  Gateway API Gateway → its HTTPRoutes
// Each object is computed by the same per-object functions desiredState() runs over a whole
// snapshot, so the two agree by construction where the index is complete; the drift check
// builds a fresh state from scratch and compares (controller.ts), and a property test does it
// over random change sequences. Long passes yield to the event loop (see `Yielder`).
import { gatewayRefsProblem } from '../../core/annotations/limits.js';
import { KINDS, type ObjectKind } from '../../core/kinds.js';
import { sameEndpoints, type Endpoint } from '../../core/records/endpoint.js';
import type { KubeResource } from '../kube/reflector.js';
import {
  KEEPS_ITS_RECORDS,
  type ObjectNote,
  type SourceOptions,
  type SourceOutput,
} from './common.js';
import { unreadableObjects } from './desired-state.js';
import { gatewayApiGatewayOutput, httpRouteOutput } from './gateway-api.js';
import { istioGatewayOutput, resolveGatewayRef, virtualServiceOutput } from './istio.js';
import { ingressOutput, readsNodesOrEndpoints, serviceOutput } from './kubernetes.js';
import {
  SNAPSHOT_KEYS,
  type EndpointSliceObject,
  type HttpRouteObject,
  type IstioGatewayObject,
  type NodeObject,
  type ServiceObject,
  type Snapshot,
  type VirtualServiceObject,
} from './objects.js';
import {
  memoServicesSelecting,
  objectKey,
  selectorKey,
  selects,
  sliceServiceKey,
  type SourceWorld,
} from './world.js';

type Key = keyof Snapshot;
const KEYS: readonly Key[] = SNAPSHOT_KEYS;

/** The kinds that have endpoints of their own, in the order desiredState() lists them. */
const SOURCES = [
  ['istioGateways', 'istio-gateway'],
  ['virtualServices', 'istio-virtualservice'],
  ['services', 'service'],
  ['ingresses', 'ingress'],
  ['gatewayApiGateways', 'gateway-api-gateway'],
  ['httpRoutes', 'httproute'],
] as const satisfies readonly (readonly [Key, ObjectKind])[];
type SourceKey = (typeof SOURCES)[number][0];

/** The sources whose objects each owner kind (a record's `<ownerKind>/…`) may name: looked up
 * once per record when a batch is reported, so worked out here rather than per lookup. */
const SOURCES_BY_OWNER_KIND = new Map<string, SourceKey[]>();
for (const [kind, objectKind] of SOURCES) {
  const ownerKind = KINDS.find((k) => k.kind === objectKind)?.ownerKind;
  if (ownerKind === undefined) continue;
  const kinds = SOURCES_BY_OWNER_KIND.get(ownerKind) ?? [];
  kinds.push(kind);
  SOURCES_BY_OWNER_KIND.set(ownerKind, kinds);
}

/** One object changed: as it was (absent: added) and as it is (absent: deleted). */
interface Changed {
  key: string;
  old?: KubeResource;
  now?: KubeResource;
}

/** Cooperative yielding: long loops call `maybe()` often; it awaits a macrotask when due. */
export interface Yielder {
  /** A turn to wait for, when one is due. Awaited only then (`if (turn) await turn`):
   * `await undefined` still suspends until the next microtask, ~0.15 µs a step, ~50 ms per
   * pass over 100k objects. */
  maybe(): Promise<void> | undefined;
  /** As maybe(), reading the clock every time: for callers whose steps are coarse. */
  whenDue?(): Promise<void> | undefined;
}

/** Yields (setImmediate) once `sliceMs` of synchronous work has passed since the last yield. */
export function timeSliceYielder(sliceMs = 10, now = () => performance.now()): Yielder {
  let since = now();
  let calls = 0;
  const due = () => {
    if (now() - since < sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        since = now();
        resolve();
      }),
    );
  };
  return {
    // Reading the clock costs more than most steps: look only every 8 calls (computing one
    // object's endpoints can take a millisecond on a loaded machine).
    maybe: () => (++calls % 8 !== 0 ? undefined : due()),
    whenDue: due,
  };
}

export const NEVER_YIELD: Yielder = { maybe: () => undefined };

/** What an update changed, for the planner. */
export interface StateChange {
  /** Names (normal form) whose desired endpoints changed: their old and new owners'. */
  names: Set<string>;
  /** Whether an object became or stopped being unreadable (the planner then sees all). */
  unreadableChanged: boolean;
  /** Objects whose endpoints were computed again. */
  recomputed: number;
}

/**
 * What one object contributes. Kept for every watched object, so kept small: a recomputation
 * is told from a real change by comparing endpoints as data (no fingerprint string each), and
 * its parts are one object's fields, not two objects (each one more for V8 to keep and mark).
 */
interface Computed {
  readonly endpoints: readonly Endpoint[];
  readonly notes: readonly ObjectNote[];
  readonly unreadable: boolean;
}

/** The same endpoints, in the same order (sources emit them in a stable order). */
const sameOutput = (a: Computed | undefined, b: Computed | undefined): boolean =>
  sameEndpoints(a?.endpoints ?? [], b?.endpoints ?? []);

/**
 * One endpoint bare, a Set only where a name has several: most names have one, and a Set
 * each was ~150 bytes per watched object.
 */
type AtName = Endpoint | Set<Endpoint>;
const endpointsIn = (at: AtName | undefined): Endpoint[] =>
  at === undefined ? [] : at instanceof Set ? [...at] : [at];

const addTo = <K, V>(map: Map<K, Set<V>>, key: K, value: V): void => {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
};
const removeFrom = <K, V>(map: Map<K, Set<V>>, key: K, value: V): void => {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
};

/**
 * The Gateways a VirtualService names (`namespace/name`, as Istio resolves them). None for one
 * naming more than it may: it is skipped whole whatever they hold, and a key each would let
 * one object fill the index.
 */
const vsGatewayKeys = (vs: VirtualServiceObject): string[] =>
  gatewayRefsProblem('istio-virtualservice', vs.spec) !== undefined
    ? []
    : (vs.spec?.gateways ?? [])
        .filter((ref) => ref !== 'mesh')
        .map((ref) => resolveGatewayRef(ref, vs.metadata?.namespace ?? ''));

/** The Gateways an HTTPRoute's parentRefs may name (any kind: a superset is harmless). */
const routeGatewayKeys = (route: HttpRouteObject): string[] =>
  (route.spec?.parentRefs ?? []).map(
    (ref) => `${ref.namespace ?? route.metadata?.namespace ?? ''}/${ref.name ?? ''}`,
  );

export class IncrementalDesiredState {
  readonly #options: SourceOptions;
  readonly #objects = new Map<Key, Map<string, KubeResource>>(KEYS.map((k) => [k, new Map()]));
  /** Per source kind, per `namespace/name`: what the object contributes. */
  readonly #computed = new Map<SourceKey, Map<string, Computed>>(
    SOURCES.map(([k]) => [k, new Map()]),
  );
  readonly #byName = new Map<string, AtName>();
  #endpointCount = 0;
  /** Objects with notes (`<kind> <namespace/name>`). */
  readonly #noted = new Set<string>();
  #unreadable = new Set<string>();

  // ---- the dependency index (from the objects' specs, not from their outputs) ----
  /** Istio Gateways per selector, per namespace. */
  readonly #gatewaysBySelector = new Map<
    string,
    { selector: Record<string, string>; byNamespace: Map<string, Set<string>> }
  >();
  readonly #virtualServicesByGateway = new Map<string, Set<string>>();
  readonly #routesByGateway = new Map<string, Set<string>>();
  readonly #slicesByService = new Map<string, Map<string, EndpointSliceObject>>();
  /** Services whose records read Nodes or EndpointSlices. */
  readonly #nodeReaders = new Set<string>();

  constructor(options: SourceOptions) {
    this.#options = options;
  }

  /**
   * Takes the kinds whose caches changed, each as its whole current list (absent: unchanged),
   * and recomputes what they affect. Objects are compared by reference: the caches replace an
   * object on every change and keep it otherwise.
   */
  async update(lists: Partial<Snapshot>, yielder: Yielder = NEVER_YIELD): Promise<StateChange> {
    return this.#apply(await this.#diffLists(lists, yielder), yielder);
  }

  /** Each listed kind's changes: its list against the objects held. */
  async #diffLists(lists: Partial<Snapshot>, yielder: Yielder): Promise<Map<Key, Changed[]>> {
    const changes = new Map<Key, Changed[]>();
    for (const kind of KEYS) {
      const list = lists[kind];
      if (list === undefined) continue;
      const previous = this.#objects.get(kind) ?? new Map<string, KubeResource>();
      const next = new Map<string, KubeResource>();
      for (const object of list) {
        next.set(objectKey(object), object);
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
      }
      const changed: Changed[] = [];
      for (const [key, now] of next) {
        const old = previous.get(key);
        if (old !== now) changed.push({ key, ...(old && { old }), now });
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
      }
      const objectKind = SOURCES.find(([k]) => k === kind)?.[1];
      for (const [key, old] of previous) {
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
        if (next.has(key)) continue;
        changed.push({ key, old });
        if (objectKind !== undefined) this.#options.parseCache?.forget(old, objectKind);
      }
      this.#objects.set(kind, next);
      changes.set(kind, changed);
    }
    return changes;
  }

  /**
   * Takes the objects the caches say changed, by kind and key (`namespace/name`), each as it
   * is now (undefined: deleted), and recomputes what they affect: the work of one changed
   * object is that object and those that read it, however many objects the kind has. Kinds
   * in `lists` (changed in ways only a whole list tells) are compared as update() does.
   */
  async updateObjects(
    objects: Partial<Record<Key, ReadonlyMap<string, KubeResource | undefined>>>,
    lists: Partial<Snapshot> = {},
    yielder: Yielder = NEVER_YIELD,
  ): Promise<StateChange> {
    const changes = await this.#diffLists(lists, yielder);
    for (const kind of KEYS) {
      if (lists[kind] !== undefined) continue;
      const given = objects[kind];
      if (given === undefined) continue;
      let current = this.#objects.get(kind);
      if (current === undefined) {
        current = new Map();
        this.#objects.set(kind, current);
      }
      const objectKind = SOURCES.find(([k]) => k === kind)?.[1];
      const changed: Changed[] = [];
      for (const [key, now] of given) {
        const old = current.get(key);
        if (old === now) continue;
        if (now === undefined) {
          current.delete(key);
          if (old !== undefined && objectKind !== undefined) {
            this.#options.parseCache?.forget(old, objectKind);
          }
        } else current.set(key, now);
        changed.push({ key, ...(old && { old }), ...(now && { now }) });
      }
      changes.set(kind, changed);
    }
    return this.#apply(changes, yielder);
  }

  /** Re-indexes the changed objects and recomputes them and those that read them. */
  async #apply(
    changes: ReadonlyMap<Key, readonly Changed[]>,
    yielder: Yielder,
  ): Promise<StateChange> {
    const dirty = new Map<SourceKey, Set<string>>(SOURCES.map(([k]) => [k, new Set()]));
    const mark = (kind: SourceKey, key: string) => dirty.get(kind)?.add(key);
    const changedServices: { old?: ServiceObject; now?: ServiceObject }[] = [];
    let nodesChanged = false;
    for (const [kind, changed] of changes) {
      for (const { key, old, now } of changed) {
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
        this.#unindex(kind, key, old);
        this.#index(kind, key, now);
        switch (kind) {
          case 'istioGateways':
            mark('istioGateways', key);
            for (const vs of this.#virtualServicesByGateway.get(key) ?? []) {
              mark('virtualServices', vs);
            }
            break;
          case 'gatewayApiGateways':
            mark('gatewayApiGateways', key);
            for (const route of this.#routesByGateway.get(key) ?? []) mark('httpRoutes', route);
            break;
          case 'services':
            mark('services', key);
            changedServices.push({
              ...(old && { old: old }),
              ...(now && { now: now }),
            });
            break;
          case 'endpointSlices':
            for (const slice of [old, now]) {
              const service = slice && sliceServiceKey(slice);
              if (service !== undefined) mark('services', service);
            }
            break;
          case 'nodes':
            nodesChanged = true;
            break;
          default:
            mark(kind, key);
        }
      }
    }
    if (nodesChanged) for (const service of this.#nodeReaders) mark('services', service);
    for (const gateway of this.#gatewaysOfServices(changedServices)) {
      mark('istioGateways', gateway);
      for (const vs of this.#virtualServicesByGateway.get(gateway) ?? []) {
        mark('virtualServices', vs);
      }
    }
    return this.#recompute(dirty, yielder);
  }

  /** A state built from scratch over `snapshot` (the whole computation, yielding as it goes). */
  static async build(
    snapshot: Snapshot,
    options: SourceOptions,
    yielder: Yielder = NEVER_YIELD,
  ): Promise<IncrementalDesiredState> {
    const state = new IncrementalDesiredState(options);
    await state.update(snapshot, yielder);
    // Every object was read: readings of any other are of objects gone.
    options.parseCache?.sweep();
    return state;
  }

  /** Every desired endpoint (a new array; order: by kind, then as the objects came). */
  endpoints(): Endpoint[] {
    const all: Endpoint[] = [];
    for (const [kind] of SOURCES) {
      for (const computed of this.#computed.get(kind)?.values() ?? []) {
        all.push(...computed.endpoints);
      }
    }
    return all;
  }

  get endpointCount(): number {
    return this.#endpointCount;
  }

  /** The endpoints wanted at one name (normal form). */
  endpointsAt(name: string): readonly Endpoint[] {
    return endpointsIn(this.#byName.get(name));
  }

  /** Whether some endpoint wants the name (normal form). */
  wants(name: string): boolean {
    return this.#byName.has(name);
  }

  /** How many names some endpoint wants. */
  get nameCount(): number {
    return this.#byName.size;
  }

  /** Every name some endpoint wants. */
  names(): IterableIterator<string> {
    return this.#byName.keys();
  }

  notes(): ObjectNote[] {
    const notes: ObjectNote[] = [];
    for (const id of this.#noted) {
      const space = id.indexOf(' ');
      const kind = id.slice(0, space) as SourceKey;
      notes.push(...(this.#computed.get(kind)?.get(id.slice(space + 1))?.notes ?? []));
    }
    return notes;
  }

  /** The objects skipped whole (see desired-state.ts unreadableObjects). */
  unreadable(): ReadonlySet<string> {
    return this.#unreadable;
  }

  /**
   * The objects whose endpoints differ between this state and `other` (`<kind> <ns/name>`),
   * by the fingerprints kept: cheap enough to run over every object on each drift check.
   */
  async differences(
    other: IncrementalDesiredState,
    yielder: Yielder = NEVER_YIELD,
  ): Promise<string[]> {
    const differ: string[] = [];
    for (const [kind] of SOURCES) {
      const here = this.#computed.get(kind) ?? new Map<string, Computed>();
      const there = other.#computed.get(kind) ?? new Map<string, Computed>();
      for (const [key, computed] of here) {
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
        const theirs = there.get(key);
        if (
          theirs === undefined ||
          !sameOutput(theirs, computed) ||
          JSON.stringify(theirs.notes.map((n) => n.message)) !==
            JSON.stringify(computed.notes.map((n) => n.message))
        ) {
          differ.push(`${kind} ${key}`);
        }
      }
      for (const key of there.keys()) {
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
        if (!here.has(key)) differ.push(`${kind} ${key}`);
      }
    }
    return differ;
  }

  /** An object by the `<ownerKind>/<namespace>/<name>` its records name. */
  object(resource: string): KubeResource | undefined {
    const slash = resource.indexOf('/');
    const ownerKind = resource.slice(0, slash);
    const key = resource.slice(slash + 1);
    for (const kind of SOURCES_BY_OWNER_KIND.get(ownerKind) ?? []) {
      const object = this.#objects.get(kind)?.get(key);
      if (object !== undefined) return object;
    }
    return undefined;
  }

  #index(kind: Key, key: string, object: KubeResource | undefined): void {
    if (object === undefined) return;
    switch (kind) {
      case 'istioGateways': {
        const selector = (object as IstioGatewayObject).spec?.selector ?? {};
        const id = selectorKey(selector);
        let entry = this.#gatewaysBySelector.get(id);
        if (entry === undefined) {
          entry = { selector: { ...selector }, byNamespace: new Map() };
          this.#gatewaysBySelector.set(id, entry);
        }
        addTo(entry.byNamespace, object.metadata?.namespace ?? '', key);
        break;
      }
      case 'virtualServices':
        for (const gw of vsGatewayKeys(object)) {
          addTo(this.#virtualServicesByGateway, gw, key);
        }
        break;
      case 'httpRoutes':
        for (const gw of routeGatewayKeys(object)) {
          addTo(this.#routesByGateway, gw, key);
        }
        break;
      case 'endpointSlices': {
        const service = sliceServiceKey(object);
        if (service === undefined) break;
        let slices = this.#slicesByService.get(service);
        if (slices === undefined) {
          slices = new Map<string, EndpointSliceObject>();
          this.#slicesByService.set(service, slices);
        }
        slices.set(key, object);
        break;
      }
      case 'services':
        if (readsNodesOrEndpoints(object)) this.#nodeReaders.add(key);
        break;
      default:
    }
  }

  #unindex(kind: Key, key: string, object: KubeResource | undefined): void {
    if (object === undefined) return;
    switch (kind) {
      case 'istioGateways': {
        const id = selectorKey((object as IstioGatewayObject).spec?.selector ?? {});
        const entry = this.#gatewaysBySelector.get(id);
        if (entry === undefined) break;
        removeFrom(entry.byNamespace, object.metadata?.namespace ?? '', key);
        if (entry.byNamespace.size === 0) this.#gatewaysBySelector.delete(id);
        break;
      }
      case 'virtualServices':
        for (const gw of vsGatewayKeys(object)) {
          removeFrom(this.#virtualServicesByGateway, gw, key);
        }
        break;
      case 'httpRoutes':
        for (const gw of routeGatewayKeys(object)) {
          removeFrom(this.#routesByGateway, gw, key);
        }
        break;
      case 'endpointSlices': {
        const service = sliceServiceKey(object);
        const slices = service === undefined ? undefined : this.#slicesByService.get(service);
        slices?.delete(key);
        if (service !== undefined && slices?.size === 0) this.#slicesByService.delete(service);
        break;
      }
      case 'services':
        this.#nodeReaders.delete(key);
        break;
      default:
    }
  }

  /**
   * The Istio Gateways whose ingress Services may have changed: those whose selector the old
   * or the new Service matches, in the Service's namespace, or anywhere when that namespace
   * is an ingress namespace (ingressServicesOf in istio.ts).
   */
  #gatewaysOfServices(changed: readonly { old?: ServiceObject; now?: ServiceObject }[]) {
    const gateways = new Set<string>();
    if (changed.length === 0) return gateways;
    for (const { selector, byNamespace } of this.#gatewaysBySelector.values()) {
      // A Gateway without a selector reads no Service.
      if (Object.keys(selector).length === 0) continue;
      for (const { old, now } of changed) {
        if (!selects(selector, old) && !selects(selector, now)) continue;
        const namespace = (now ?? old)?.metadata?.namespace ?? '';
        const everywhere = this.#options.ingressNamespaces.includes(namespace);
        for (const [ns, keys] of byNamespace) {
          if (everywhere || ns === namespace) for (const key of keys) gateways.add(key);
        }
      }
    }
    return gateways;
  }

  #world(): SourceWorld {
    const objects = this.#objects;
    const selecting = new Map<string, readonly ServiceObject[]>();
    let nodes: NodeObject[] | undefined;
    return {
      options: this.#options,
      memo: new Map(),
      istioGateway: (key) => objects.get('istioGateways')?.get(key),
      gatewayApiGateway: (key) => objects.get('gatewayApiGateways')?.get(key),
      servicesSelecting: (selector) =>
        memoServicesSelecting(
          selecting,
          () => (objects.get('services')?.values() ?? []) as Iterable<ServiceObject>,
          selector,
        ),
      endpointSlicesOf: (namespace, name) => [
        ...(this.#slicesByService.get(`${namespace}/${name}`)?.values() ?? []),
      ],
      nodes: () => (nodes ??= [...(objects.get('nodes')?.values() ?? [])] as NodeObject[]),
    };
  }

  async #recompute(dirty: Map<SourceKey, Set<string>>, yielder: Yielder): Promise<StateChange> {
    const world = this.#world();
    const change: StateChange = { names: new Set(), unreadableChanged: false, recomputed: 0 };
    for (const [kind] of SOURCES) {
      const computed = this.#computed.get(kind) ?? new Map<string, Computed>();
      const objects = this.#objects.get(kind);
      for (const key of dirty.get(kind) ?? []) {
        const before = computed.get(key);
        const object = objects?.get(key);
        const after = object === undefined ? undefined : compute(kind, object, world);
        change.recomputed++;
        const turn = yielder.maybe();
        if (turn !== undefined) await turn;
        if (before === undefined && after === undefined) continue;
        if (before !== undefined) this.#forget(before);
        const id = `${kind} ${key}`;
        if (after === undefined) {
          computed.delete(key);
          this.#noted.delete(id);
        } else {
          computed.set(key, after);
          this.#remember(after);
          if (after.notes.length > 0) this.#noted.add(id);
          else this.#noted.delete(id);
        }
        if (!sameOutput(before, after)) {
          for (const e of before?.endpoints ?? []) change.names.add(e.name);
          for (const e of after?.endpoints ?? []) change.names.add(e.name);
        }
        if ((before?.unreadable ?? false) !== (after?.unreadable ?? false)) {
          change.unreadableChanged = true;
        }
      }
    }
    // Rare (the webhook refuses such objects): read again from every object's notes.
    if (change.unreadableChanged) this.#unreadable = this.#unreadableNow();
    return change;
  }

  #unreadableNow(): Set<string> {
    const all = new Set<string>();
    for (const computed of this.#computed.values()) {
      for (const { notes, unreadable } of computed.values()) {
        if (unreadable) for (const resource of unreadableObjects(notes)) all.add(resource);
      }
    }
    return all;
  }

  #remember(computed: Computed): void {
    for (const endpoint of computed.endpoints) {
      const at = this.#byName.get(endpoint.name);
      if (at === undefined) this.#byName.set(endpoint.name, endpoint);
      else if (at instanceof Set) at.add(endpoint);
      else if (at !== endpoint) this.#byName.set(endpoint.name, new Set([at, endpoint]));
      this.#endpointCount++;
    }
  }

  #forget(computed: Computed): void {
    for (const endpoint of computed.endpoints) {
      const at = this.#byName.get(endpoint.name);
      if (at === endpoint) this.#byName.delete(endpoint.name);
      else if (at instanceof Set) {
        at.delete(endpoint);
        if (at.size === 1) this.#byName.set(endpoint.name, at.values().next().value as Endpoint);
      }
      this.#endpointCount--;
    }
  }
}

function compute(kind: SourceKey, object: KubeResource, world: SourceWorld): Computed {
  const output: SourceOutput = { endpoints: [], notes: [] };
  switch (kind) {
    case 'istioGateways':
      istioGatewayOutput(object, world, output);
      break;
    case 'virtualServices':
      virtualServiceOutput(object, world, output);
      break;
    case 'services':
      serviceOutput(object, world, output);
      break;
    case 'ingresses':
      ingressOutput(object, world.options, output);
      break;
    case 'gatewayApiGateways':
      gatewayApiGatewayOutput(object, world.options, output);
      break;
    case 'httpRoutes':
      httpRouteOutput(object, world, output);
      break;
  }
  return {
    // Arrays grown by push keep spare room (17 slots for one endpoint): kept for every
    // object, they are copied to their size, and an empty one shares one frozen array.
    endpoints: compact(output.endpoints),
    notes: compact(output.notes),
    unreadable: output.notes.some((n) => KEEPS_ITS_RECORDS.has(n.reason)),
  };
}

const NOTHING: readonly never[] = Object.freeze([]);
const compact = <T>(list: readonly T[]): readonly T[] =>
  list.length === 0 ? NOTHING : list.slice();
