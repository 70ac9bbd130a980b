// Properties of the sources over generated clusters: the result does not depend on the order
// the caches list objects in (so reconciles never flap), objects for another controller
// contribute nothing, every name published is one the object itself declares, and no address
// comes from a Service outside the Gateway's namespace and the ingress namespaces.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { endpointKey, resourceOf, type Endpoint } from '../../core/records/endpoint.js';
import { desiredState } from './desired-state.js';
import { resolveGatewayRef } from './istio.js';
import { slimObject } from './objects.js';
import type {
  IstioGatewayObject,
  ServiceObject,
  Snapshot,
  VirtualServiceObject,
} from './objects.js';

const P = 'route53.v1beta1.tetrate.io/';
const options = { controllerName: 'aws-controller', ingressNamespaces: ['istio-system'] };

const host = fc.constantFrom(
  'a.example.com',
  'b.example.com',
  '*.apps.example.com',
  'c.example.org',
  'A.Example.com',
);
const namespace = fc.constantFrom('istio-system', 'team-a', 'team-b');
// Each namespace's Services have addresses of their own, so a target tells where it came from.
const IPS: Record<string, string[]> = {
  'istio-system': ['203.0.113.1', '203.0.113.2', '2001:db8::1'],
  'team-a': ['198.51.100.7', '198.51.100.8'],
  'team-b': ['192.0.2.66', '2001:db8::66'],
};
const created = fc.constantFrom('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
const controller = fc.constantFrom(undefined, 'aws-controller', 'someone-else');

const service = namespace
  .chain((ns) =>
    fc.record({
      ns: fc.constant(ns),
      name: fc.constantFrom('gw', 'gw2'),
      ips: fc.subarray(IPS[ns] ?? []),
      externalIPs: fc.boolean(),
    }),
  )
  .map(({ ns, name, ips, externalIPs }): ServiceObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns, name, creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      type: 'LoadBalancer',
      selector: { istio: 'ingressgateway' },
      ...(externalIPs && { externalIPs: ips }),
    },
    status: { loadBalancer: { ingress: externalIPs ? [] : ips.map((i) => ({ ip: i })) } },
  }));

const gateway = fc
  .record({
    ns: namespace,
    name: fc.constantFrom('g1', 'g2', 'g3'),
    hosts: fc.array(host, { maxLength: 3 }),
    annotationHost: fc.option(host, { nil: undefined }),
    controller,
    created,
  })
  .map((g): IstioGatewayObject => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: {
      namespace: g.ns,
      name: g.name,
      creationTimestamp: g.created,
      annotations: {
        ...(g.annotationHost !== undefined && { [`${P}hostname`]: g.annotationHost }),
        ...(g.controller !== undefined && { [`${P}controller`]: g.controller }),
      },
    },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts: g.hosts }] },
  }));

const virtualService = fc
  .record({
    ns: namespace,
    name: fc.constantFrom('v1', 'v2'),
    hosts: fc.array(host, { maxLength: 2 }),
    gw: fc.constantFrom(
      'g1',
      './g3',
      'istio-system/g2',
      'g1.team-a',
      'g2.istio-system.svc.cluster.local',
      'mesh',
    ),
    controller,
    created,
  })
  .map((v): VirtualServiceObject => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      namespace: v.ns,
      name: v.name,
      creationTimestamp: v.created,
      annotations: v.controller === undefined ? {} : { [`${P}controller`]: v.controller },
    },
    spec: { hosts: v.hosts, gateways: [v.gw] },
  }));

/** Objects with the same namespace/name collapse to one, as in a real cache. */
const uniqueBy = <T extends { metadata?: { namespace?: string; name?: string } }>(items: T[]) => [
  ...new Map(items.map((i) => [`${i.metadata?.namespace}/${i.metadata?.name}`, i])).values(),
];

const snapshot = fc
  .record({
    services: fc.array(service, { maxLength: 4 }),
    istioGateways: fc.array(gateway, { maxLength: 4 }),
    virtualServices: fc.array(virtualService, { maxLength: 3 }),
  })
  .map((s): Snapshot => ({
    services: uniqueBy(s.services),
    istioGateways: uniqueBy(s.istioGateways),
    virtualServices: uniqueBy(s.virtualServices),
    ingresses: [],
    gatewayApiGateways: [],
    httpRoutes: [],
    nodes: [],
    endpointSlices: [],
  }));

const summary = (endpoints: Endpoint[]) =>
  endpoints.map((e) => `${endpointKey(e)} ${e.targets.join(',')} ${resourceOf(e.owner)}`).sort();

it('gives the same endpoints whatever order the caches list objects in', () => {
  fc.assert(
    fc.property(snapshot, fc.func(fc.integer()), (snap, rank) => {
      const shuffle = <T>(items: readonly T[]) =>
        items
          .map((item, i) => ({ item, key: rank(i) }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.item);
      const shuffled: Snapshot = {
        ...snap,
        services: shuffle(snap.services),
        istioGateways: shuffle(snap.istioGateways),
        virtualServices: shuffle(snap.virtualServices),
      };
      assert.deepEqual(
        summary(desiredState(shuffled, options).endpoints),
        summary(desiredState(snap, options).endpoints),
      );
    }),
  );
});

it('publishes nothing for objects that name another controller, and only names they declare', () => {
  fc.assert(
    fc.property(snapshot, (snap) => {
      const out = desiredState(snap, options);
      const objects = [...snap.istioGateways, ...snap.virtualServices];
      for (const endpoint of out.endpoints) {
        const object = objects.find(
          (o) =>
            o.metadata?.namespace === endpoint.owner.namespace &&
            o.metadata?.name === endpoint.owner.name &&
            (o.kind === 'Gateway' ? 'gateway' : 'virtualservice') === endpoint.owner.kind,
        );
        assert.ok(object, `${resourceOf(endpoint.owner)} exists`);
        const chosen = object.metadata?.annotations?.[`${P}controller`];
        assert.ok(chosen === undefined || chosen === 'aws-controller', 'ours to publish');
        const declared = [
          ...((object as IstioGatewayObject).spec?.servers ?? []).flatMap((s) => s.hosts ?? []),
          ...((object as VirtualServiceObject).spec?.hosts ?? []),
          ...(object.metadata?.annotations?.[`${P}hostname`] ?? '').split(','),
        ].map((h) => h.toLowerCase());
        assert.ok(declared.includes(endpoint.name), `${endpoint.name} is declared by its object`);
      }
    }),
  );
});

it('publishes the same from the objects as the caches keep them (slimObject)', () => {
  fc.assert(
    fc.property(snapshot, (snap) => {
      const slim: Snapshot = {
        ...snap,
        services: snap.services.map((o) => slimObject('services', o)),
        istioGateways: snap.istioGateways.map((o) => slimObject('istioGateways', o)),
        virtualServices: snap.virtualServices.map((o) => slimObject('virtualServices', o)),
      };
      assert.deepEqual(
        summary(desiredState(slim, options).endpoints),
        summary(desiredState(snap, options).endpoints),
      );
    }),
  );
});

it("takes addresses only from Services in the Gateway's namespace and the ingress namespaces", () => {
  const ingressNamespaces = fc.subarray(['istio-system', 'team-a', 'team-b']);
  fc.assert(
    fc.property(snapshot, ingressNamespaces, (snap, ingress) => {
      const out = desiredState(snap, { ...options, ingressNamespaces: ingress });
      // Where each address came from: the namespace of the Services holding it.
      const addressesIn = (namespaces: readonly string[]) =>
        new Set(
          snap.services
            .filter((s) => namespaces.includes(s.metadata?.namespace ?? ''))
            .flatMap((s) => [
              ...(s.spec?.externalIPs ?? []),
              ...(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? ''),
            ]),
        );
      for (const endpoint of out.endpoints) {
        const { namespace: ns, name } = endpoint.owner;
        const gatewayNamespaces =
          endpoint.owner.kind === 'gateway'
            ? [ns]
            : (
                snap.virtualServices.find(
                  (v) => v.metadata?.namespace === ns && v.metadata?.name === name,
                )?.spec?.gateways ?? []
              ).map((ref) => resolveGatewayRef(ref, ns).split('/')[0] ?? '');
        const allowed = addressesIn([...gatewayNamespaces, ...ingress]);
        for (const target of endpoint.targets) {
          assert.ok(
            allowed.has(target),
            `${target} of ${endpoint.name} (${resourceOf(endpoint.owner)})`,
          );
        }
      }
    }),
  );
});
