// Istio Gateways and the VirtualServices bound to them.
import type { AnnotationSpec } from '../../core/annotations/spec.js';
import { listProblems } from '../../core/annotations/limits.js';
import { isMeshInternalHost } from '../../core/names/mesh-hosts.js';
import {
  chooseHostnames,
  emit,
  emitPerHost,
  loadBalancerAddresses,
  readObject,
  targetsOf,
} from './common.js';
import type { HostTargets, SourceOptions, SourceOutput } from './common.js';
import type {
  IstioGatewayObject,
  ServiceObject,
  Snapshot,
  VirtualServiceObject,
} from './objects.js';
import { snapshotWorld, type SourceWorld } from './world.js';

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
 * label of the Gateway's selector, in the Gateway's own namespace, else in the ingress
 * namespaces. Nowhere else: a Service is anyone's to create in their own namespace, and its
 * addresses would otherwise be merged into other teams' records.
 */
export function ingressServicesOf(
  gateway: IstioGatewayObject,
  services: readonly ServiceObject[],
  ingressNamespaces: readonly string[],
): ServiceObject[] {
  const selector = Object.entries(gateway.spec?.selector ?? {});
  if (selector.length === 0) return [];
  const matching = services.filter((service) => {
    const podSelector = service.spec?.selector ?? {};
    return selector.every(([key, value]) => podSelector[key] === value);
  });
  const local = matching.filter((s) => s.metadata?.namespace === gateway.metadata?.namespace);
  if (local.length > 0) return local;
  return matching.filter((s) => ingressNamespaces.includes(s.metadata?.namespace ?? ''));
}

function serviceAddresses(service: ServiceObject): string[] {
  return [
    ...loadBalancerAddresses(service.status?.loadBalancer?.ingress),
    ...(service.spec?.externalIPs ?? []),
  ];
}

const objectName = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Where a Gateway's traffic enters: its `target` annotation, or its Services' addresses; and
 * when nowhere, why, in words that say what to fix.
 */
function gatewayTargets(
  gateway: IstioGatewayObject,
  spec: AnnotationSpec,
  world: SourceWorld,
): HostTargets {
  const { options } = world;
  if (spec.targets !== undefined) return { targets: spec.targets, causes: [] };
  const selector = Object.entries(gateway.spec?.selector ?? {});
  if (selector.length === 0) {
    return {
      targets: [],
      causes: [`Gateway ${objectName(gateway)} has no spec.selector and no target annotation`],
    };
  }
  const services = ingressServicesOf(
    gateway,
    world.servicesSelecting(gateway.spec?.selector ?? {}),
    options.ingressNamespaces,
  );
  if (services.length === 0) {
    const where = [...new Set([gateway.metadata?.namespace ?? '', ...options.ingressNamespaces])];
    const labels = selector.map(([k, v]) => `${k}=${v}`).join(',');
    return {
      targets: [],
      causes: [
        `no Service in namespace${where.length > 1 ? 's' : ''} ${where.join(', ')} selects pods labelled ${labels} (Gateway ${objectName(gateway)}'s spec.selector; ingress namespaces: --ingress-namespaces)`,
      ],
    };
  }
  const targets = targetsOf(services.flatMap(serviceAddresses));
  const names = services.map(objectName).join(', ');
  return {
    targets,
    causes:
      targets.length > 0
        ? []
        : [
            `Service${services.length > 1 ? 's' : ''} ${names} (selected by Gateway ${objectName(gateway)}) ${services.length > 1 ? 'have' : 'has'} no load balancer address yet`,
          ],
  };
}

export function istioGateways(
  snapshot: Snapshot,
  options: SourceOptions,
  output: SourceOutput,
): void {
  const world = snapshotWorld(snapshot, options);
  for (const gateway of snapshot.istioGateways) istioGatewayOutput(gateway, world, output);
}

/** One Istio Gateway's endpoints and notes. */
export function istioGatewayOutput(
  gateway: IstioGatewayObject,
  world: SourceWorld,
  output: SourceOutput,
): void {
  const reading = readObject(gateway, 'istio-gateway', world.options, output.notes);
  if (!reading.act) return;
  const hostnames = chooseHostnames(
    gateway,
    'istio-gateway',
    gatewayHosts(gateway),
    reading.spec,
    output.notes,
  );
  const found = gatewayTargets(gateway, reading.spec, world);
  emit(output, gateway, 'istio-gateway', hostnames, found.targets, reading.spec, found.causes[0]);
}

/**
 * The names a Gateway lets one VirtualService publish (server `ns/host` rules), read once per
 * VirtualService and Gateway: each name is then judged in as many lookups as it has labels.
 * A scan of every server host for every name was hosts × bound Gateways × server hosts: a
 * tenant's VirtualService with 1,000 hosts bound to 100 shared Gateways of 1,000 hosts each
 * cost the syncer 25 s of CPU at each reading.
 */
export interface GatewayHosts {
  /** A `*` host: every name. */
  any: boolean;
  /** Exact hosts, lowercased. */
  exact: Set<string>;
  /** `*.example.com` as `.example.com`: the names ending so (and `*.example.com` itself). */
  suffixes: Set<string>;
}

export function gatewayHostsFor(
  gateway: IstioGatewayObject,
  vs: VirtualServiceObject,
): GatewayHosts {
  const vsNamespace = vs.metadata?.namespace ?? '';
  const gwNamespace = gateway.metadata?.namespace ?? '';
  const hosts: GatewayHosts = { any: false, exact: new Set(), suffixes: new Set() };
  for (const server of gateway.spec?.servers ?? []) {
    for (const entry of server.hosts ?? []) {
      const { namespace, host } = splitHost(entry);
      const namespaceOk =
        namespace === undefined ||
        namespace === '*' ||
        namespace === vsNamespace ||
        (namespace === '.' && vsNamespace === gwNamespace);
      if (!namespaceOk) continue;
      const pattern = host.toLowerCase();
      if (pattern === '*') hosts.any = true;
      else if (pattern.startsWith('*.')) hosts.suffixes.add(pattern.slice(1));
      else hosts.exact.add(pattern);
    }
  }
  return hosts;
}

/** Whether `host` (lowercased) is among `hosts`, as hostMatches() judges one pattern. */
export function takesHost(hosts: GatewayHosts, host: string): boolean {
  if (hosts.any || hosts.exact.has(host)) return true;
  if (hosts.suffixes.size === 0) return false;
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
    if (hosts.suffixes.has(host.slice(dot))) return true;
  }
  return false;
}

const EVERYWHERE = (): boolean => true;
const SCANNED_EXPORTS = 8;

/**
 * Whether the VirtualService is exported to a namespace (`spec.exportTo`: none or `*` is
 * everywhere, `.` its own namespace), read once per VirtualService: the list has no bound in
 * Istio's CRD, and scanning 100k entries for each of 100 bound Gateways took 0.1–0.3 s.
 */
function exportedTo(vs: VirtualServiceObject): (namespace: string) => boolean {
  const exportTo = vs.spec?.exportTo;
  if (exportTo === undefined || exportTo.length === 0) return EVERYWHERE;
  const own = vs.metadata?.namespace;
  // The usual few entries (`.`, a namespace or two) are scanned: a set for each would be an
  // allocation per VirtualService on every whole recomputation.
  if (exportTo.length <= SCANNED_EXPORTS) {
    return (namespace) =>
      exportTo.some((e) => e === '*' || e === namespace || (e === '.' && own === namespace));
  }
  const entries = new Set(exportTo);
  if (entries.has('*')) return EVERYWHERE;
  const dot = entries.has('.');
  return (namespace) => entries.has(namespace) || (dot && namespace === own);
}

/**
 * A `spec.gateways` entry as `namespace/name`, resolved the way Istio resolves it (pilot's
 * resolveGatewayName): `ns/name` as written, `./name` and a bare `name` in the
 * VirtualService's namespace, and the legacy `name.ns` and `name.ns.svc.cluster.local` forms
 * as `ns/name` (the label after the first is the namespace).
 */
export function resolveGatewayRef(ref: string, vsNamespace: string): string {
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    return ref.slice(0, slash) === '.' ? `${vsNamespace}/${ref.slice(slash + 1)}` : ref;
  }
  const dot = ref.indexOf('.');
  if (dot < 0) return `${vsNamespace}/${ref}`;
  const rest = ref.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next < 0 ? rest : rest.slice(0, next)}/${ref.slice(0, dot)}`;
}

export function virtualServices(
  snapshot: Snapshot,
  options: SourceOptions,
  output: SourceOutput,
): void {
  const world = snapshotWorld(snapshot, options);
  for (const vs of snapshot.virtualServices) virtualServiceOutput(vs, world, output);
}

/** One Gateway's targets are the same for every VirtualService bound to it: once a pass. */
function targetsOfGateway(gateway: IstioGatewayObject, world: SourceWorld): HostTargets {
  let found = world.memo.get(gateway) as HostTargets | undefined;
  if (found === undefined) {
    const reading = readObject(gateway, 'istio-gateway', world.options, []);
    found = reading.act
      ? gatewayTargets(gateway, reading.spec, world)
      : {
          targets: [],
          causes: [
            `Gateway ${objectName(gateway)} is skipped (invalid annotations, or another controller's)`,
          ],
        };
    world.memo.set(gateway, found);
  }
  return found;
}

/** One VirtualService's endpoints and notes. */
export function virtualServiceOutput(
  vs: VirtualServiceObject,
  world: SourceWorld,
  output: SourceOutput,
): void {
  const namespace = vs.metadata?.namespace ?? '';
  const refs = [...new Set((vs.spec?.gateways ?? []).filter((ref) => ref !== 'mesh'))];
  if (refs.length === 0) return;
  const reading = readObject(vs, 'istio-virtualservice', world.options, output.notes);
  if (!reading.act) return;
  const annotationOnly = reading.spec.hostnameSource === 'annotation-only';
  const specHosts = (vs.spec?.hosts ?? []).filter((h) => !isMeshInternalHost(h));
  // In the order spec.gateways names them, each once.
  const boundOnce = new Set<IstioGatewayObject>();
  const missing: { ref: string; key: string }[] = [];
  const exported = exportedTo(vs);
  for (const ref of refs) {
    const key = resolveGatewayRef(ref, namespace);
    const gateway = world.istioGateway(key);
    if (gateway === undefined) missing.push({ ref, key });
    else if (exported(gateway.metadata?.namespace ?? '')) boundOnce.add(gateway);
  }
  const bound = [...boundOnce];
  // Only worth a word when the VirtualService has names for DNS at all. One note for all the
  // missing ones: spec.gateways has no bound in Istio's CRD, and a note each (kept for as long
  // as the object is) let one object of 50k made-up entries hold ~15 MiB of the syncer's heap.
  const hasNames = reading.spec.hostnames.length > 0 || (!annotationOnly && specHosts.length > 0);
  const [first] = missing;
  if (hasNames && first !== undefined) {
    output.notes.push({
      object: vs,
      kind: 'istio-virtualservice',
      reason: 'GatewayNotFound',
      message:
        missing.length === 1
          ? `spec.gateways entry '${first.ref}' names Gateway ${first.key}, which does not exist: nothing is published through it`
          : `${missing.length} spec.gateways entries name Gateways which do not exist, so nothing is published through them: ${listProblems(missing.map(({ ref, key }) => `'${ref}' (Gateway ${key})`))}`,
    });
  }
  if (bound.length === 0) return;
  const hostsOf = new Map<IstioGatewayObject, GatewayHosts>();
  // Asked up to three times per host (spec hosts, the annotation's, their targets), each a
  // scan of every bound Gateway: answered once when there are several to scan (most
  // VirtualServices bind one, and a map each would cost more than it saves).
  const serving = bound.length > 1 ? new Map<string, IstioGatewayObject[]>() : undefined;
  const servingGateways = (host: string) => {
    const name = host.toLowerCase();
    const known = serving?.get(name);
    if (known !== undefined) return known;
    const found = bound.filter((g) => {
      let hosts = hostsOf.get(g);
      if (hosts === undefined) hostsOf.set(g, (hosts = gatewayHostsFor(g, vs)));
      return takesHost(hosts, name);
    });
    serving?.set(name, found);
    return found;
  };
  const notServed = (what: string) =>
    output.notes.push({
      object: vs,
      kind: 'istio-virtualservice',
      reason: 'HostNotOnGateway',
      message: `${what} is not served by the Gateways it binds to (${bound.map(objectName).join(', ')}): no server there lists it for this namespace, so it is not published`,
    });
  const allowed = specHosts.filter((h) => servingGateways(h).length > 0);
  if (!annotationOnly) {
    const served = new Set(allowed);
    for (const host of specHosts) if (!served.has(host)) notServed(`host ${host}`);
  }
  const chosen = chooseHostnames(vs, 'istio-virtualservice', allowed, reading.spec, output.notes);
  // The hostname annotation cannot reach past the Gateways either: a name no server takes
  // for this namespace would send its users to a 404, or to another team's routes.
  const hostnames = chosen.filter((h) => {
    if (servingGateways(h).length > 0) return true;
    notServed(`hostname ${h} (hostname annotation)`);
    return false;
  });
  // Each name enters only where a Gateway serves it: another bound Gateway's ingress has no
  // server for it and would answer 404.
  emitPerHost(
    output,
    vs,
    'istio-virtualservice',
    hostnames,
    (host) => {
      const found = servingGateways(host).map((g) => targetsOfGateway(g, world));
      return {
        targets: found.flatMap((f) => f.targets),
        causes: found.flatMap((f) => f.causes),
      };
    },
    reading.spec,
  );
}
