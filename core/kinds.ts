// The object kinds the contract covers (shared/spec/annotations.md, "Which objects").

export type ObjectKind =
  | 'istio-gateway'
  | 'istio-virtualservice'
  | 'service'
  | 'ingress'
  | 'gateway-api-gateway'
  | 'httproute';

export interface KindInfo {
  kind: ObjectKind;
  group: string;
  /** The Kubernetes kind as it appears in manifests. */
  k8sKind: string;
  /** Plural resource name, for webhook rules and API paths. */
  resource: string;
  /** Served versions, preferred first. */
  versions: readonly string[];
  /** The lower-case kind written into ownership records (design.md, "Ownership"). */
  ownerKind: string;
}

export const KINDS: readonly KindInfo[] = [
  {
    kind: 'istio-gateway',
    group: 'networking.istio.io',
    k8sKind: 'Gateway',
    resource: 'gateways',
    versions: ['v1', 'v1beta1', 'v1alpha3'],
    ownerKind: 'gateway',
  },
  {
    kind: 'istio-virtualservice',
    group: 'networking.istio.io',
    k8sKind: 'VirtualService',
    resource: 'virtualservices',
    versions: ['v1', 'v1beta1', 'v1alpha3'],
    ownerKind: 'virtualservice',
  },
  {
    kind: 'service',
    group: '',
    k8sKind: 'Service',
    resource: 'services',
    versions: ['v1'],
    ownerKind: 'service',
  },
  {
    kind: 'ingress',
    group: 'networking.k8s.io',
    k8sKind: 'Ingress',
    resource: 'ingresses',
    versions: ['v1'],
    ownerKind: 'ingress',
  },
  {
    kind: 'gateway-api-gateway',
    group: 'gateway.networking.k8s.io',
    k8sKind: 'Gateway',
    resource: 'gateways',
    versions: ['v1', 'v1beta1'],
    ownerKind: 'gateway',
  },
  {
    kind: 'httproute',
    group: 'gateway.networking.k8s.io',
    k8sKind: 'HTTPRoute',
    resource: 'httproutes',
    versions: ['v1', 'v1beta1'],
    ownerKind: 'httproute',
  },
];

/** The kind of an object from its group (or apiVersion's group) and Kubernetes kind. */
export function kindOf(group: string, k8sKind: string): KindInfo | undefined {
  return KINDS.find((info) => info.group === group && info.k8sKind === k8sKind);
}

/** The group part of an apiVersion (`networking.istio.io/v1` → `networking.istio.io`, `v1` → ''). */
export function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
