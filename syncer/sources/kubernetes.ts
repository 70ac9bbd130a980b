// Core Services and Ingresses. A Service's `hostname` is published where its traffic enters,
// which depends on its type: the load balancer's addresses (LoadBalancer), the nodes'
// addresses (NodePort, `access` choosing external or internal ones), or the ready endpoints
// (headless, `endpoints-type` choosing the pods' or their nodes' addresses). `internal-hostname`
// always means the ClusterIP.
import type { AnnotationSpec } from '../../core/annotations/spec.js';
import { normalizeHostname } from '../../core/names/hostname.js';
import { chooseHostnames, emit, loadBalancerAddresses, readObject, targetsOf } from './common.js';
import type { SourceOptions, SourceOutput } from './common.js';
import type {
  EndpointSliceObject,
  IngressObject,
  NodeObject,
  ServiceObject,
  Snapshot,
} from './objects.js';
import { snapshotWorld, type SourceWorld } from './world.js';

export const isHeadless = (service: ServiceObject): boolean => service.spec?.clusterIP === 'None';

/** Whether the Service's records depend on Nodes or EndpointSlices (for change filtering). */
export function readsNodesOrEndpoints(service: ServiceObject): boolean {
  return service.spec?.type === 'NodePort' || isHeadless(service);
}

function nodeAddress(node: NodeObject | undefined, type: 'ExternalIP' | 'InternalIP'): string[] {
  return (node?.status?.addresses ?? [])
    .filter((a) => a.type === type && a.address)
    .map((a) => a.address as string);
}

/** Ready endpoints (absent `ready` means ready, as the API documents). */
function readyEndpoints(service: ServiceObject, world: SourceWorld) {
  return world
    .endpointSlicesOf(service.metadata?.namespace ?? '', service.metadata?.name ?? '')
    .filter((slice) => slice.addressType !== 'FQDN')
    .flatMap((slice) => slice.endpoints ?? [])
    .filter((endpoint) => endpoint.conditions?.ready !== false);
}

/**
 * NodePort: the addresses of the nodes that take its traffic — every schedulable node, or
 * with `externalTrafficPolicy: Local` only those running a ready endpoint. `access: private`
 * publishes InternalIPs, otherwise ExternalIPs.
 */
function nodePortAddresses(
  service: ServiceObject,
  spec: AnnotationSpec,
  world: SourceWorld,
): string[] {
  const type = spec.access === 'private' ? 'InternalIP' : 'ExternalIP';
  let nodes = world.nodes().filter((node) => node.spec?.unschedulable !== true);
  if (service.spec?.externalTrafficPolicy === 'Local') {
    const used = new Set(readyEndpoints(service, world).map((e) => e.nodeName));
    nodes = nodes.filter((node) => used.has(node.metadata?.name));
  }
  return nodes.flatMap((node) => nodeAddress(node, type));
}

/** One headless endpoint's addresses, as `endpoints-type` asks. */
function endpointAddresses(
  endpoint: NonNullable<EndpointSliceObject['endpoints']>[number],
  spec: AnnotationSpec,
  nodes: ReadonlyMap<string, NodeObject>,
): string[] {
  if (spec.endpointsType === undefined) return endpoint.addresses ?? [];
  const node = nodes.get(endpoint.nodeName ?? '');
  return nodeAddress(node, spec.endpointsType === 'NodeExternalIP' ? 'ExternalIP' : 'InternalIP');
}

function headless(
  service: ServiceObject,
  spec: AnnotationSpec,
  world: SourceWorld,
  output: SourceOutput,
): void {
  const nodes = new Map(world.nodes().map((n) => [n.metadata?.name ?? '', n]));
  const endpoints = readyEndpoints(service, world);
  const hostnames = chooseHostnames(service, 'service', [], spec, output.notes);
  const all = endpoints.flatMap((e) => endpointAddresses(e, spec, nodes));
  emit(output, service, 'service', hostnames, targetsOf(all), spec);
  // Pods with a hostname (StatefulSets) also get a name of their own under each hostname.
  for (const endpoint of endpoints) {
    if (!endpoint.hostname || spec.targets !== undefined) continue;
    const names = hostnames
      .filter((h) => !h.startsWith('*.'))
      .map((h) => normalizeHostname(`${endpoint.hostname}.${h}`))
      .flatMap((r) => (r.ok ? [r.value] : []));
    emit(
      output,
      service,
      'service',
      names,
      targetsOf(endpointAddresses(endpoint, spec, nodes)),
      spec,
    );
  }
}

export function services(snapshot: Snapshot, options: SourceOptions, output: SourceOutput): void {
  const world = snapshotWorld(snapshot, options);
  for (const service of snapshot.services) serviceOutput(service, world, output);
}

/** One Service's endpoints and notes. */
export function serviceOutput(
  service: ServiceObject,
  world: SourceWorld,
  output: SourceOutput,
): void {
  const reading = readObject(service, 'service', world.options, output.notes);
  if (!reading.act) return;
  const { spec } = reading;
  if (spec.hostnames.length > 0) {
    if (isHeadless(service)) headless(service, spec, world, output);
    else {
      const addresses =
        service.spec?.type === 'NodePort'
          ? nodePortAddresses(service, spec, world)
          : [
              ...loadBalancerAddresses(service.status?.loadBalancer?.ingress),
              ...(service.spec?.externalIPs ?? []),
            ];
      emit(
        output,
        service,
        'service',
        chooseHostnames(service, 'service', [], spec, output.notes),
        targetsOf(addresses),
        spec,
      );
    }
  }
  if (spec.internalHostnames.length > 0) {
    const clusterIps = (service.spec?.clusterIPs ?? [service.spec?.clusterIP ?? '']).filter(
      (ip) => ip !== '' && ip !== 'None',
    );
    // The ClusterIP is the target whatever `target` says: that is what internal names mean.
    const internalSpec = { ...spec, targets: undefined };
    emit(output, service, 'service', spec.internalHostnames, targetsOf(clusterIps), internalSpec);
  }
}

export function ingresses(snapshot: Snapshot, options: SourceOptions, output: SourceOutput): void {
  for (const ingress of snapshot.ingresses) ingressOutput(ingress, options, output);
}

/** One Ingress's endpoints and notes. */
export function ingressOutput(
  ingress: IngressObject,
  options: SourceOptions,
  output: SourceOutput,
): void {
  const reading = readObject(ingress, 'ingress', options, output.notes);
  if (!reading.act) return;
  // The TLS hosts too, as external-dns publishes them: the Ingress holds a certificate for
  // them, and people moving over expect their records to stay.
  const hosts = [
    ...(ingress.spec?.rules ?? []).map((r) => r.host ?? ''),
    ...(ingress.spec?.tls ?? []).flatMap((t) => t.hosts ?? []),
  ].filter((h) => h !== '');
  const hostnames = chooseHostnames(ingress, 'ingress', hosts, reading.spec, output.notes);
  const targets = targetsOf(loadBalancerAddresses(ingress.status?.loadBalancer?.ingress));
  emit(output, ingress, 'ingress', hostnames, targets, reading.spec);
}
