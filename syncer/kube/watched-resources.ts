// What the syncer watches: the kinds of the annotation contract, plus the Nodes and
// EndpointSlices that NodePort and headless Services publish. Each fills one field of the
// sources' Snapshot.
import { KINDS, type ObjectKind } from '../../core/kinds.js';
import type { Snapshot } from '../sources/objects.js';

export type SnapshotKey = keyof Snapshot;

export interface WatchedResource {
  key: SnapshotKey;
  group: string;
  /** Versions to try, preferred first. */
  versions: readonly string[];
  /** Plural resource name. */
  resource: string;
  kind: string;
  /**
   * Built into every apiserver we support, so never looked up: only custom resources (Istio,
   * Gateway API) may be missing from a cluster.
   */
  builtin: boolean;
}

const SNAPSHOT_KEYS: Record<ObjectKind, SnapshotKey> = {
  'istio-gateway': 'istioGateways',
  'istio-virtualservice': 'virtualServices',
  service: 'services',
  ingress: 'ingresses',
  'gateway-api-gateway': 'gatewayApiGateways',
  httproute: 'httpRoutes',
};

const BUILTIN_GROUPS = new Set(['', 'networking.k8s.io', 'discovery.k8s.io']);

export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  ...KINDS.map((k) => ({
    key: SNAPSHOT_KEYS[k.kind],
    group: k.group,
    versions: k.versions,
    resource: k.resource,
    kind: k.k8sKind,
    builtin: BUILTIN_GROUPS.has(k.group),
  })),
  { key: 'nodes', group: '', versions: ['v1'], resource: 'nodes', kind: 'Node', builtin: true },
  {
    key: 'endpointSlices',
    group: 'discovery.k8s.io',
    versions: ['v1'],
    resource: 'endpointslices',
    kind: 'EndpointSlice',
    builtin: true,
  },
];

/** `istioGateways (networking.istio.io/gateways)`: for logs. */
export const describeResource = (r: WatchedResource): string =>
  `${r.key} (${r.group === '' ? 'core' : r.group}/${r.resource})`;
