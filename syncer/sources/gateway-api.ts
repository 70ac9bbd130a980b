// Gateway API Gateways (listener hostnames, status addresses) and the HTTPRoutes attached.
import type { Target } from '../../core/annotations/keys.js';
import { chooseHostnames, emit, hostMatches, readObject, targetsOf } from './common.js';
import type { SourceOptions, SourceOutput } from './common.js';
import type { GatewayApiGatewayObject, Snapshot } from './objects.js';

const GROUP = 'gateway.networking.k8s.io';

function listenerHosts(gateway: GatewayApiGatewayObject): string[] {
  return (gateway.spec?.listeners ?? []).map((l) => l.hostname ?? '').filter((h) => h !== '');
}

function addressesOf(gateway: GatewayApiGatewayObject): string[] {
  return (gateway.status?.addresses ?? [])
    .filter((a) => a.type === undefined || a.type === 'IPAddress' || a.type === 'Hostname')
    .map((a) => a.value ?? '')
    .filter((v) => v !== '');
}

function targetsFor(gateway: GatewayApiGatewayObject, options: SourceOptions): Target[] {
  const reading = readObject(gateway, 'gateway-api-gateway', options, []);
  if (!reading.act) return [];
  return reading.spec.targets ?? targetsOf(addressesOf(gateway));
}

export function gatewayApiGateways(
  snapshot: Snapshot,
  options: SourceOptions,
  output: SourceOutput,
): void {
  for (const gateway of snapshot.gatewayApiGateways) {
    const reading = readObject(gateway, 'gateway-api-gateway', options, output.notes);
    if (!reading.act) continue;
    const hostnames = chooseHostnames(
      gateway,
      'gateway-api-gateway',
      listenerHosts(gateway),
      reading.spec,
      output.notes,
    );
    emit(
      output,
      gateway,
      'gateway-api-gateway',
      hostnames,
      targetsOf(addressesOf(gateway)),
      reading.spec,
    );
  }
}

export function httpRoutes(snapshot: Snapshot, options: SourceOptions, output: SourceOutput): void {
  const gateways = new Map(
    snapshot.gatewayApiGateways.map((g) => [
      `${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`,
      g,
    ]),
  );
  for (const route of snapshot.httpRoutes) {
    const namespace = route.metadata?.namespace ?? '';
    const parents = (route.spec?.parentRefs ?? [])
      .filter((ref) => (ref.group ?? GROUP) === GROUP && (ref.kind ?? 'Gateway') === 'Gateway')
      .map((ref) => gateways.get(`${ref.namespace ?? namespace}/${ref.name ?? ''}`))
      .filter((g): g is GatewayApiGatewayObject => g !== undefined);
    if (parents.length === 0) continue;
    const reading = readObject(route, 'httproute', options, output.notes);
    if (!reading.act) continue;
    // A route without hostnames takes those of the listeners it attaches to; a route's own
    // hostname counts only where a parent listener accepts it (or has no hostname at all).
    const own = route.spec?.hostnames ?? [];
    const accepts = (host: string) =>
      parents.some((g) => {
        const listeners = (g.spec?.listeners ?? []).map((l) => (l.hostname ?? '*').toLowerCase());
        return listeners.some((pattern) => hostMatches(host.toLowerCase(), pattern));
      });
    for (const host of own.filter((h) => !accepts(h))) {
      if (reading.spec.hostnameSource === 'annotation-only') break;
      output.notes.push({
        object: route,
        kind: 'httproute',
        reason: 'HostNotOnGateway',
        message: `hostname ${host} is accepted by no listener of its parent Gateways, so it is not published`,
      });
    }
    const specHosts = own.length > 0 ? own.filter(accepts) : parents.flatMap(listenerHosts);
    const hostnames = chooseHostnames(route, 'httproute', specHosts, reading.spec, output.notes);
    const targets = parents.flatMap((g) => targetsFor(g, options));
    const unique = [...new Map(targets.map((t) => [t.value, t])).values()];
    emit(output, route, 'httproute', hostnames, unique, reading.spec);
  }
}
