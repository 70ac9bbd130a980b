// Properties of the sources over generated clusters: the result does not depend on the order
// the caches list objects in (so reconciles never flap), objects for another controller
// contribute nothing, and every name published is one the object itself declares.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { endpointKey, resourceOf, type Endpoint } from '../../core/records/endpoint.js';
import { desiredState } from './desired-state.js';
import { slimObject } from './objects.js';
import type {
  IstioGatewayObject,
  ServiceObject,
  Snapshot,
  VirtualServiceObject,
} from './objects.js';

const P = 'route53.v1beta1.tetrate.io/';
const options = { controllerName: 'aws-controller' };

const host = fc.constantFrom(
  'a.example.com',
  'b.example.com',
  '*.apps.example.com',
  'c.example.org',
  'A.Example.com',
);
const namespace = fc.constantFrom('istio-system', 'team-a', 'team-b');
const ip = fc.constantFrom('203.0.113.1', '203.0.113.2', '2001:db8::1', '198.51.100.7');
const created = fc.constantFrom('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
const controller = fc.constantFrom(undefined, 'aws-controller', 'someone-else');

const service = fc
  .record({
    ns: namespace,
    name: fc.constantFrom('gw', 'gw2'),
    ips: fc.array(ip, { maxLength: 2 }),
  })
  .map(({ ns, name, ips }): ServiceObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns, name, creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' } },
    status: { loadBalancer: { ingress: ips.map((i) => ({ ip: i })) } },
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
    gw: fc.constantFrom('g1', 'istio-system/g2', 'mesh'),
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
    services: fc.array(service, { maxLength: 3 }),
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
