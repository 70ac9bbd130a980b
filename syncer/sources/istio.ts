// Istio Gateways and the VirtualServices bound to them.
import type { Target } from '../../core/annotations/keys.js';
import type { AnnotationSpec } from '../../core/annotations/spec.js';
import {
  chooseHostnames,
  emit,
  hostMatches,
  loadBalancerAddresses,
  readObject,
  targetsOf,
} from './common.js';
import type { SourceOptions, SourceOutput } from './common.js';
import type {
  IstioGatewayObject,
  ServiceObject,
  Snapshot,
  VirtualServiceObject,
} from './objects.js';

/** A server host entry: `ns/host`, `./host`, `*\/host` or `host`. */
function splitHost(entry: string): { namespace: string | undefined; host: string } {
  const slash = entry.indexOf('/');
  return slash < 0
    ? { namespace: undefined, host: entry }
    : { namespace: entry.slice(0, slash), host: entry.slice(slash + 1) };
}

/** The hostnames a Gateway's servers define (a bare `*` publishes nothing). */
export function gatewayHosts(gateway: IstioGatewayObject): string[] {
  return (gateway.spec?.servers ?? [])
    .flatMap((server) => server.hosts ?? [])
    .map((entry) => splitHost(entry).host)
    .filter((host) => host !== '*' && host !== '');
}

/**
 * The ingress gateway Services behind a Gateway: those whose pod selector includes every
 * label of the Gateway's selector, preferring the Gateway's own namespace.
 */
export function ingressServicesOf(
  gateway: IstioGatewayObject,
  services: readonly ServiceObject[],
): ServiceObject[] {
  const selector = Object.entries(gateway.spec?.selector ?? {});
  if (selector.length === 0) return [];
  const matching = services.filter((service) => {
    const podSelector = service.spec?.selector ?? {};
    return selector.every(([key, value]) => podSelector[key] === value);
  });
  const local = matching.filter((s) => s.metadata?.namespace === gateway.metadata?.namespace);
  return local.length > 0 ? local : matching;
}

function serviceAddresses(service: ServiceObject): string[] {
  return [
    ...loadBalancerAddresses(service.status?.loadBalancer?.ingress),
    ...(service.spec?.externalIPs ?? []),
  ];
}

/** Where a Gateway's traffic enters: its `target` annotation, or its Services' addresses. */
function gatewayTargets(
  gateway: IstioGatewayObject,
  spec: AnnotationSpec,
  snapshot: Snapshot,
): Target[] {
  if (spec.targets !== undefined) return spec.targets;
  return targetsOf(ingressServicesOf(gateway, snapshot.services).flatMap(serviceAddresses));
}

export function istioGateways(
  snapshot: Snapshot,
  options: SourceOptions,
  output: SourceOutput,
): void {
  for (const gateway of snapshot.istioGateways) {
    const reading = readObject(gateway, 'istio-gateway', options, output.notes);
    if (!reading.act) continue;
    const hostnames = chooseHostnames(
      gateway,
      'istio-gateway',
      gatewayHosts(gateway),
      reading.spec,
      output.notes,
    );
    emit(
      output,
      gateway,
      'istio-gateway',
      hostnames,
      gatewayTargets(gateway, reading.spec, snapshot),
      reading.spec,
    );
  }
}

/** Whether the Gateway lets this VirtualService publish `host` (server `ns/host` rules). */
function gatewayAllows(
  gateway: IstioGatewayObject,
  vs: VirtualServiceObject,
  host: string,
): boolean {
  const vsNamespace = vs.metadata?.namespace ?? '';
  const gwNamespace = gateway.metadata?.namespace ?? '';
  return (gateway.spec?.servers ?? [])
    .flatMap((server) => server.hosts ?? [])
    .some((entry) => {
      const { namespace, host: pattern } = splitHost(entry);
      const namespaceOk =
        namespace === undefined ||
        namespace === '*' ||
        namespace === vsNamespace ||
        (namespace === '.' && vsNamespace === gwNamespace);
      return namespaceOk && hostMatches(host, pattern.toLowerCase());
    });
}

/** Whether the VirtualService is exported to the Gateway's namespace. */
function exportedTo(vs: VirtualServiceObject, namespace: string): boolean {
  const exportTo = vs.spec?.exportTo;
  if (exportTo === undefined || exportTo.length === 0) return true;
  return exportTo.some(
    (e) => e === '*' || e === namespace || (e === '.' && vs.metadata?.namespace === namespace),
  );
}

const gatewayName = (g: IstioGatewayObject) =>
  `${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`;

export function virtualServices(
  snapshot: Snapshot,
  options: SourceOptions,
  output: SourceOutput,
): void {
  const gatewaysByKey = new Map(
    snapshot.istioGateways.map((g) => [
      `${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`,
      g,
    ]),
  );
  for (const vs of snapshot.virtualServices) {
    const namespace = vs.metadata?.namespace ?? '';
    const bound = (vs.spec?.gateways ?? [])
      .filter((ref) => ref !== 'mesh')
      .map((ref) => gatewaysByKey.get(ref.includes('/') ? ref : `${namespace}/${ref}`))
      .filter(
        (g): g is IstioGatewayObject =>
          g !== undefined && exportedTo(vs, g.metadata?.namespace ?? ''),
      );
    if (bound.length === 0) continue;
    const reading = readObject(vs, 'istio-virtualservice', options, output.notes);
    if (!reading.act) continue;
    // Short names (`reviews`) are mesh-internal; only fully qualified hosts can be published.
    const specHosts = (vs.spec?.hosts ?? []).filter((h) => h.includes('.'));
    const allowed = specHosts.filter((h) =>
      bound.some((g) => gatewayAllows(g, vs, h.toLowerCase())),
    );
    for (const host of specHosts.filter((h) => !allowed.includes(h))) {
      if (reading.spec.hostnameSource === 'annotation-only') break;
      output.notes.push({
        object: vs,
        kind: 'istio-virtualservice',
        reason: 'HostNotOnGateway',
        message: `host ${host} is not served by the Gateways it binds to (${bound.map(gatewayName).join(', ')}): no server there lists it for this namespace, so it is not published`,
      });
    }
    const hostnames = chooseHostnames(
      vs,
      'istio-virtualservice',
      allowed,
      reading.spec,
      output.notes,
    );
    const targets = bound.flatMap((g) => {
      const gwReading = readObject(g, 'istio-gateway', options, []);
      return gwReading.act ? gatewayTargets(g, gwReading.spec, snapshot) : [];
    });
    const unique = [...new Map(targets.map((t) => [t.value, t])).values()];
    emit(output, vs, 'istio-virtualservice', hostnames, unique, reading.spec);
  }
}
