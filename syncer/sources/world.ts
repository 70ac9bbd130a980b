// What a source reads besides the object itself: the other objects its records depend on.
// A snapshot answers from its lists (indexes built on first use); the incremental desired
// state (incremental-state.ts) answers from its own maps. Memos live as long as one pass.
import { flatJoin } from '../../core/flat-join.js';
import type { SourceOptions } from './common.js';
import { SERVICE_NAME_LABEL } from './objects.js';
import type {
  EndpointSliceObject,
  GatewayApiGatewayObject,
  IstioGatewayObject,
  NodeObject,
  ServiceObject,
  Snapshot,
} from './objects.js';

export interface SourceWorld {
  readonly options: SourceOptions;
  /** An Istio Gateway by `namespace/name`. */
  istioGateway(key: string): IstioGatewayObject | undefined;
  /** A Gateway API Gateway by `namespace/name`. */
  gatewayApiGateway(key: string): GatewayApiGatewayObject | undefined;
  /** Services, any namespace, whose pod selector includes every label of `selector`. */
  servicesSelecting(selector: Readonly<Record<string, string>>): readonly ServiceObject[];
  /** The EndpointSlices labelled for Service `namespace/name`. */
  endpointSlicesOf(namespace: string, name: string): readonly EndpointSliceObject[];
  nodes(): readonly NodeObject[];
  /** Per-pass memo (one Gateway's targets are the same for every route bound to it). */
  readonly memo: Map<object, unknown>;
}

/** `namespace/name`: kept as a key in several maps per object, so joined flat. */
export const objectKey = (o: { metadata?: { namespace?: string; name?: string } }): string =>
  flatJoin('/', o.metadata?.namespace ?? '', o.metadata?.name ?? '');

/** A selector's identity: its labels in order. */
export const selectorKey = (selector: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.entries(selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function selects(
  selector: Readonly<Record<string, string>>,
  service: ServiceObject | undefined,
): boolean {
  const podSelector = service?.spec?.selector ?? {};
  return Object.entries(selector).every(([key, value]) => podSelector[key] === value);
}

/** Services matching a selector, memoised per selector for the pass. */
export function memoServicesSelecting(
  memo: Map<string, readonly ServiceObject[]>,
  services: () => Iterable<ServiceObject>,
  selector: Readonly<Record<string, string>>,
): readonly ServiceObject[] {
  const key = selectorKey(selector);
  let found = memo.get(key);
  if (found === undefined) {
    found = [...services()].filter((s) => selects(selector, s));
    memo.set(key, found);
  }
  return found;
}

export const sliceServiceKey = (slice: EndpointSliceObject): string | undefined => {
  const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return name === undefined ? undefined : `${slice.metadata?.namespace ?? ''}/${name}`;
};

/** The lookups over one snapshot (the whole-cluster computation: desired-state.ts). */
export function snapshotWorld(snapshot: Snapshot, options: SourceOptions): SourceWorld {
  let istio: Map<string, IstioGatewayObject> | undefined;
  let gatewayApi: Map<string, GatewayApiGatewayObject> | undefined;
  let slices: Map<string, EndpointSliceObject[]> | undefined;
  const selecting = new Map<string, readonly ServiceObject[]>();
  return {
    options,
    memo: new Map(),
    istioGateway(key) {
      // Under a key listed twice the last wins, as it always did (a Map built from the list).
      istio ??= new Map(snapshot.istioGateways.map((g) => [objectKey(g), g]));
      return istio.get(key);
    },
    gatewayApiGateway(key) {
      gatewayApi ??= new Map(snapshot.gatewayApiGateways.map((g) => [objectKey(g), g]));
      return gatewayApi.get(key);
    },
    servicesSelecting: (selector) =>
      memoServicesSelecting(selecting, () => snapshot.services, selector),
    endpointSlicesOf(namespace, name) {
      if (slices === undefined) {
        slices = new Map();
        for (const slice of snapshot.endpointSlices) {
          const key = sliceServiceKey(slice);
          if (key === undefined) continue;
          const list = slices.get(key);
          if (list === undefined) slices.set(key, [slice]);
          else list.push(slice);
        }
      }
      return slices.get(`${namespace}/${name}`) ?? [];
    },
    nodes: () => snapshot.nodes,
  };
}
