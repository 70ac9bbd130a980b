// The fields of each watched kind that the sources read. Objects come from the reflectors as
// the apiserver sent them; everything is optional because nothing outside our webhook's
// reach guarantees any of it.
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
  spec?: { rules?: { host?: string }[] };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface GatewayApiGatewayObject extends KubeResource {
  spec?: { listeners?: { hostname?: string }[] };
  status?: { addresses?: { type?: string; value?: string }[] };
}

export interface HttpRouteObject extends KubeResource {
  spec?: {
    hostnames?: string[];
    parentRefs?: { group?: string; kind?: string; namespace?: string; name?: string }[];
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
