// Gateway API Gateways (listener hostnames, status addresses) and the HTTPRoutes attached to
// their listeners.
import {
  chooseHostnames,
  emit,
  emitPerHost,
  hostMatches,
  readObject,
  targetsOf,
} from './common.js';
import type { HostTargets, SourceOptions, SourceOutput } from './common.js';
import type {
  GatewayApiGatewayObject,
  GatewayApiListener,
  HttpRouteObject,
  ParentReference,
  Snapshot,
} from './objects.js';
import { snapshotWorld, type SourceWorld } from './world.js';

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

const gatewayName = (gateway: GatewayApiGatewayObject) =>
  `${gateway.metadata?.namespace ?? ''}/${gateway.metadata?.name ?? ''}`;

/** Why a Gateway without a `target` annotation has no address to publish at. */
const noAddressCause = (gateway: GatewayApiGatewayObject) =>
  `Gateway ${gatewayName(gateway)} has no status.addresses yet (its controller sets them)`;

function targetsFor(gateway: GatewayApiGatewayObject, options: SourceOptions): HostTargets {
  const reading = readObject(gateway, 'gateway-api-gateway', options, []);
  if (!reading.act) {
    return {
      targets: [],
      causes: [
        `Gateway ${gatewayName(gateway)} is skipped (invalid annotations, or another controller's)`,
      ],
    };
  }
  if (reading.spec.targets !== undefined) return { targets: reading.spec.targets, causes: [] };
  const targets = targetsOf(addressesOf(gateway));
  return { targets, causes: targets.length > 0 ? [] : [noAddressCause(gateway)] };
}

export function gatewayApiGateways(
  snapshot: Snapshot,
  options: SourceOptions,
  output: SourceOutput,
): void {
  for (const gateway of snapshot.gatewayApiGateways)
    gatewayApiGatewayOutput(gateway, options, output);
}

/** One Gateway API Gateway's endpoints and notes. */
export function gatewayApiGatewayOutput(
  gateway: GatewayApiGatewayObject,
  options: SourceOptions,
  output: SourceOutput,
): void {
  const reading = readObject(gateway, 'gateway-api-gateway', options, output.notes);
  if (!reading.act) return;
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
    noAddressCause(gateway),
  );
}

// ---- HTTPRoute attachment ----
// A route is served by the listeners its parentRefs select (sectionName, port) that admit it:
// by kind (allowedRoutes.kinds, else what the protocol carries: HTTP and HTTPS carry routes)
// and by namespace (allowedRoutes.namespaces.from: Same by default, All, or Selector). Only
// those listeners' Gateways lend it addresses, and only names a listener serves are published:
// DNS for a route its Gateway refuses would send users to a 404.

interface Attachment {
  gateway: GatewayApiGatewayObject;
  listeners: GatewayApiListener[];
}

const sameRef = (a: ParentReference, b: ParentReference, routeNamespace: string) =>
  (a.group ?? GROUP) === (b.group ?? GROUP) &&
  (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
  (a.namespace ?? routeNamespace) === (b.namespace ?? routeNamespace) &&
  a.name === b.name &&
  a.sectionName === b.sectionName &&
  a.port === b.port;

/** What the Gateway's controller said of this parentRef: `True`, `False`, or undefined. */
function acceptedStatus(route: HttpRouteObject, ref: ParentReference): string | undefined {
  const namespace = route.metadata?.namespace ?? '';
  const entry = (route.status?.parents ?? []).find(
    (p) => p.parentRef !== undefined && sameRef(p.parentRef, ref, namespace),
  );
  return entry?.conditions?.find((c) => c.type === 'Accepted')?.status;
}

function admitsKind(listener: GatewayApiListener): boolean {
  const kinds = listener.allowedRoutes?.kinds ?? [];
  if (kinds.length > 0) {
    return kinds.some((k) => (k.group ?? GROUP) === GROUP && k.kind === 'HTTPRoute');
  }
  return listener.protocol === 'HTTP' || listener.protocol === 'HTTPS';
}

function admitsNamespace(
  listener: GatewayApiListener,
  gateway: GatewayApiGatewayObject,
  route: HttpRouteObject,
  accepted: string | undefined,
): boolean {
  switch (listener.allowedRoutes?.namespaces?.from ?? 'Same') {
    case 'All':
      return true;
    case 'Same':
      return gateway.metadata?.namespace === route.metadata?.namespace;
    default:
      // Selector: the namespace's labels are not watched (that would need namespaces in our
      // RBAC); the Gateway's controller evaluates the selector, so its Accepted is the answer.
      return accepted === 'True';
  }
}

/** The listeners `ref` attaches `route` to, or why there are none. */
function attach(
  route: HttpRouteObject,
  ref: ParentReference,
  gateway: GatewayApiGatewayObject,
): Attachment | string {
  const name = gatewayName(gateway);
  const accepted = acceptedStatus(route, ref);
  if (accepted === 'False') return `Gateway ${name}'s controller did not accept it`;
  const selected = (gateway.spec?.listeners ?? []).filter(
    (l) =>
      (ref.sectionName === undefined || l.name === ref.sectionName) &&
      (ref.port === undefined || l.port === ref.port),
  );
  // Which listeners the ref picked, for the messages: '', ' named web', ' on port 80', or both.
  const where =
    (ref.sectionName === undefined ? '' : ` named ${ref.sectionName}`) +
    (ref.port === undefined ? '' : ` on port ${ref.port}`);
  if (selected.length === 0) return `Gateway ${name} has no listener${where}`;
  const ofKind = selected.filter(admitsKind);
  if (ofKind.length === 0) return `no listener of Gateway ${name}${where} admits HTTPRoutes`;
  const listeners = ofKind.filter((l) => admitsNamespace(l, gateway, route, accepted));
  if (listeners.length === 0) {
    const namespace = route.metadata?.namespace ?? '';
    return `no listener of Gateway ${name}${where} admits routes from namespace ${namespace} (allowedRoutes.namespaces)`;
  }
  return { gateway, listeners };
}

/**
 * The names a listener serves of the route's: the route's hostname where the listener's
 * pattern covers it, the listener's where the route's wildcard covers that, the listener's
 * own when the route names none.
 */
function servedNames(routeHosts: readonly string[], listener: GatewayApiListener): string[] {
  const pattern = listener.hostname?.toLowerCase();
  if (routeHosts.length === 0) return pattern === undefined ? [] : [pattern];
  if (pattern === undefined) return [...routeHosts];
  return routeHosts.flatMap((host) => {
    if (hostMatches(host, pattern)) return [host];
    if (hostMatches(pattern, host)) return [pattern];
    return [];
  });
}

export function httpRoutes(snapshot: Snapshot, options: SourceOptions, output: SourceOutput): void {
  const world = snapshotWorld(snapshot, options);
  for (const route of snapshot.httpRoutes) httpRouteOutput(route, world, output);
}

/** One HTTPRoute's endpoints and notes. */
export function httpRouteOutput(
  route: HttpRouteObject,
  world: SourceWorld,
  output: SourceOutput,
): void {
  const namespace = route.metadata?.namespace ?? '';
  const attachments: Attachment[] = [];
  const refusals: string[] = [];
  for (const ref of route.spec?.parentRefs ?? []) {
    if ((ref.group ?? GROUP) !== GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') continue;
    // A parent we do not see (another controller's, not yet created) is no one's mistake.
    const gateway = world.gatewayApiGateway(`${ref.namespace ?? namespace}/${ref.name ?? ''}`);
    if (gateway === undefined) continue;
    const attached = attach(route, ref, gateway);
    if (typeof attached === 'string') refusals.push(attached);
    else attachments.push(attached);
  }
  if (attachments.length === 0 && refusals.length === 0) return;
  const reading = readObject(route, 'httproute', world.options, output.notes);
  if (!reading.act) return;
  if (attachments.length === 0) {
    output.notes.push({
      object: route,
      kind: 'httproute',
      reason: 'NotAttached',
      message: `not published: ${refusals.join('; ')}`,
    });
    return;
  }
  const own = (route.spec?.hostnames ?? []).map((h) => h.toLowerCase());
  const listeners = attachments.flatMap((a) => a.listeners);
  if (reading.spec.hostnameSource !== 'annotation-only') {
    for (const host of own.filter((h) =>
      listeners.every((l) => servedNames([h], l).length === 0),
    )) {
      output.notes.push({
        object: route,
        kind: 'httproute',
        reason: 'HostNotOnGateway',
        message: `hostname ${host} is accepted by no listener its parent Gateways attach it to, so it is not published`,
      });
    }
  }
  const specHosts = [...new Set(listeners.flatMap((l) => servedNames(own, l)))];
  const chosen = chooseHostnames(route, 'httproute', specHosts, reading.spec, output.notes);
  // A name is served by the attached listeners whose hostname covers it (or that have
  // none); a name from the route's own hostnames is one by construction. The hostname
  // annotation cannot add a name no such listener takes.
  const servingGateways = (host: string) =>
    attachments.filter((a) => a.listeners.some((l) => serves(l, host))).map((a) => a.gateway);
  const hostnames = chosen.filter((host) => {
    if (servingGateways(host).length > 0) return true;
    output.notes.push({
      object: route,
      kind: 'httproute',
      reason: 'HostNotOnGateway',
      message: `hostname ${host} (hostname annotation) is accepted by no listener its parent Gateways attach it to, so it is not published`,
    });
    return false;
  });
  // Each name enters only at the Gateways whose listeners serve it: another parent's
  // listeners would answer it with a 404.
  emitPerHost(
    output,
    route,
    'httproute',
    hostnames,
    (host) => {
      const found = servingGateways(host).map((g) => targetsFor(g, world.options));
      return {
        targets: found.flatMap((f) => f.targets),
        causes: found.flatMap((f) => f.causes),
      };
    },
    reading.spec,
  );
}

/** Whether a listener takes requests for `host` (an exact name, or a wildcard it covers). */
function serves(listener: GatewayApiListener, host: string): boolean {
  const pattern = listener.hostname?.toLowerCase();
  return pattern === undefined || hostMatches(host, pattern);
}
