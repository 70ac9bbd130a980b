// The fields of each watched kind that the sources read. Objects come from the reflectors as
// the apiserver sent them; everything is optional because nothing outside our webhook's
// reach guarantees any of it.
import { PREFIX } from '../../core/annotations/prefix.js';
import type { KubeResource } from '../kube/reflector.js';

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface ServiceObject extends KubeResource {
  spec?: {
    type?: string;
    selector?: Record<string, string>;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalTrafficPolicy?: string;
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface IstioGatewayObject extends KubeResource {
  spec?: {
    selector?: Record<string, string>;
    servers?: { hosts?: string[] }[];
  };
}

export interface VirtualServiceObject extends KubeResource {
  spec?: { hosts?: string[]; gateways?: string[]; exportTo?: string[] };
}

export interface IngressObject extends KubeResource {
  spec?: { rules?: { host?: string }[]; tls?: { hosts?: string[] }[] };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface GatewayApiListener {
  name?: string;
  hostname?: string;
  port?: number;
  protocol?: string;
  allowedRoutes?: {
    namespaces?: { from?: string };
    kinds?: { group?: string; kind?: string }[];
  };
}

export interface GatewayApiGatewayObject extends KubeResource {
  spec?: { listeners?: GatewayApiListener[] };
  status?: { addresses?: { type?: string; value?: string }[] };
}

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  sectionName?: string;
  port?: number;
}

export interface HttpRouteObject extends KubeResource {
  spec?: {
    hostnames?: string[];
    parentRefs?: ParentReference[];
  };
  /** What the Gateways' controllers said of each parent: read for `Accepted` only. */
  status?: {
    parents?: {
      parentRef?: ParentReference;
      conditions?: { type?: string; status?: string; reason?: string }[];
    }[];
  };
}

export interface NodeObject extends KubeResource {
  spec?: { unschedulable?: boolean };
  status?: { addresses?: { type?: string; address?: string }[] };
}

export interface EndpointSliceObject extends KubeResource {
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null };
    hostname?: string;
    nodeName?: string;
  }[];
}

/** The label an EndpointSlice carries naming its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** One consistent view of every watched kind, taken from fully synced caches. */
export interface Snapshot {
  istioGateways: readonly IstioGatewayObject[];
  virtualServices: readonly VirtualServiceObject[];
  services: readonly ServiceObject[];
  ingresses: readonly IngressObject[];
  gatewayApiGateways: readonly GatewayApiGatewayObject[];
  httpRoutes: readonly HttpRouteObject[];
  /** For NodePort Services (`access`) and headless ones (`endpoints-type`). */
  nodes: readonly NodeObject[];
  endpointSlices: readonly EndpointSliceObject[];
}

/** A snapshot with nothing in it, to fill in part by part. */
/** Every kind a Snapshot holds, in the order the sources read them. */
export const SNAPSHOT_KEYS: readonly (keyof Snapshot)[] = [
  'istioGateways',
  'virtualServices',
  'services',
  'ingresses',
  'gatewayApiGateways',
  'httpRoutes',
  'nodes',
  'endpointSlices',
];

export function emptySnapshot(parts: Partial<Snapshot> = {}): Snapshot {
  return {
    istioGateways: [],
    virtualServices: [],
    services: [],
    ingresses: [],
    gatewayApiGateways: [],
    httpRoutes: [],
    nodes: [],
    endpointSlices: [],
    ...parts,
  };
}

// ---- What the caches keep ----
// A watched object is cut down to the fields above as it enters the cache: the sources read
// nothing else, and managedFields, last-applied-configuration, routes, TLS settings and
// statuses would otherwise be most of the syncer's memory in a large cluster.

/**
 * Strings that many objects repeat (API versions, kinds, namespaces, selector labels, Gateway
 * references), kept once: JSON.parse gives every object its own copy, ~150 bytes per object.
 * Bounded, and only short strings: past the cap a string is kept as it came, so a tenant
 * writing endless distinct labels costs the table nothing more.
 */
const interned = new Map<string, string>();
const MAX_INTERNED = 10_000;
const MAX_INTERNED_LENGTH = 64;

export function intern<T>(text: T): T {
  // Anything else is left as it came: the sources judge what is malformed.
  if (typeof text !== 'string' || text.length > MAX_INTERNED_LENGTH) return text;
  const known = interned.get(text);
  if (known !== undefined) return known as T;
  if (interned.size < MAX_INTERNED) interned.set(text, text);
  return text;
}

const internAll = <T>(list: T): T => (Array.isArray(list) ? (list.map(intern) as T) : list);
const internLabels = <T>(labels: T): T =>
  labels === null || typeof labels !== 'object' || Array.isArray(labels)
    ? labels
    : (Object.fromEntries(
        Object.entries(labels).map(([k, v]) => [intern(k), intern(v as unknown)]),
      ) as T);

/** Keeps only the keys listed (and present) of an object. */
function only<T extends object>(value: T | undefined, keys: readonly (keyof T)[]): T | undefined {
  if (value === undefined || value === null || typeof value !== 'object') return undefined;
  const kept: Partial<T> = {};
  for (const key of keys) if (value[key] !== undefined) kept[key] = value[key];
  return kept as T;
}

function slimMeta(object: KubeResource, keepLabels: boolean): KubeResource['metadata'] {
  const meta = object.metadata;
  if (meta === undefined) return undefined;
  const ours = Object.entries(meta.annotations ?? {}).filter(([k]) => k.startsWith(PREFIX));
  return {
    ...only(meta, ['name', 'uid', 'resourceVersion', 'creationTimestamp']),
    ...(meta.namespace !== undefined && { namespace: intern(meta.namespace) }),
    ...(ours.length > 0 && { annotations: Object.fromEntries(ours) }),
    ...(keepLabels && meta.labels !== undefined && { labels: meta.labels }),
  };
}

const loadBalancerStatus = (
  status: { loadBalancer?: { ingress?: LoadBalancerIngress[] } } | undefined,
) =>
  status?.loadBalancer?.ingress === undefined
    ? undefined
    : {
        loadBalancer: {
          ingress: status.loadBalancer.ingress.map((i) => only(i, ['ip', 'hostname']) ?? {}),
        },
      };

const slimParentRef = (ref: ParentReference): ParentReference =>
  only(ref, ['group', 'kind', 'namespace', 'name', 'sectionName', 'port']) ?? {};

const SLIMMERS: { [K in keyof Snapshot]: (o: Snapshot[K][number]) => Snapshot[K][number] } = {
  istioGateways: (o) => ({
    spec: {
      ...(o.spec?.selector !== undefined && { selector: internLabels(o.spec.selector) }),
      ...(o.spec?.servers && { servers: o.spec.servers.map((s) => only(s, ['hosts']) ?? {}) }),
    },
  }),
  virtualServices: (o) => {
    const spec = only(o.spec, ['hosts', 'gateways', 'exportTo']);
    if (spec?.gateways !== undefined) spec.gateways = internAll(spec.gateways);
    return { spec };
  },
  services: (o) => ({
    spec: only(o.spec, [
      'type',
      'selector',
      'clusterIP',
      'clusterIPs',
      'externalIPs',
      'externalTrafficPolicy',
    ]),
    status: loadBalancerStatus(o.status),
  }),
  ingresses: (o) => ({
    spec: (o.spec?.rules || o.spec?.tls) && {
      ...(o.spec.rules && { rules: o.spec.rules.map((r) => only(r, ['host']) ?? {}) }),
      ...(o.spec.tls && { tls: o.spec.tls.map((t) => only(t, ['hosts']) ?? {}) }),
    },
    status: loadBalancerStatus(o.status),
  }),
  gatewayApiGateways: (o) => ({
    spec: o.spec?.listeners && {
      listeners: o.spec.listeners.map((l) => ({
        ...only(l, ['name', 'hostname', 'port', 'protocol']),
        ...(l.allowedRoutes && {
          allowedRoutes: {
            ...(l.allowedRoutes.namespaces && {
              namespaces: only(l.allowedRoutes.namespaces, ['from']),
            }),
            ...(l.allowedRoutes.kinds && {
              kinds: l.allowedRoutes.kinds.map((k) => only(k, ['group', 'kind']) ?? {}),
            }),
          },
        }),
      })),
    },
    status: o.status?.addresses && {
      addresses: o.status.addresses.map((a) => only(a, ['type', 'value']) ?? {}),
    },
  }),
  httpRoutes: (o) => ({
    spec: {
      ...only(o.spec, ['hostnames']),
      ...(o.spec?.parentRefs && { parentRefs: o.spec.parentRefs.map(slimParentRef) }),
    },
    status: o.status?.parents && {
      parents: o.status.parents.map((p) => ({
        ...(p.parentRef && { parentRef: slimParentRef(p.parentRef) }),
        ...(p.conditions && {
          conditions: p.conditions
            .filter((c) => c.type === 'Accepted')
            .map((c) => only(c, ['type', 'status', 'reason']) ?? {}),
        }),
      })),
    },
  }),
  nodes: (o) => ({
    spec: only(o.spec, ['unschedulable']),
    status: o.status?.addresses && {
      addresses: o.status.addresses.map((a) => only(a, ['type', 'address']) ?? {}),
    },
  }),
  endpointSlices: (o) => ({
    addressType: o.addressType,
    endpoints: o.endpoints?.map((e) => ({
      ...only(e, ['addresses', 'hostname', 'nodeName']),
      ...(e.conditions && { conditions: only(e.conditions, ['ready', 'serving']) }),
    })),
  }),
};

/** The object as the cache for `key` keeps it: identity, our annotations, what its source reads. */
export function slimObject(key: keyof Snapshot, object: KubeResource): KubeResource {
  const slimmer = SLIMMERS[key];
  const parts = slimmer(object);
  const kept: KubeResource = {
    ...(object.apiVersion !== undefined && { apiVersion: intern(object.apiVersion) }),
    ...(object.kind !== undefined && { kind: intern(object.kind) }),
    metadata: slimMeta(object, key === 'endpointSlices'),
  };
  for (const [field, value] of Object.entries(parts)) if (value !== undefined) kept[field] = value;
  return kept;
}
