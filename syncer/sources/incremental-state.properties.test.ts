// The incremental desired state against the whole computation, over random sequences of
// adds, updates and deletes across every kind the sources read: after each step it holds
// exactly what desiredState() computes from the same objects (endpoints, notes, unreadable
// objects), and the names it reports changed include every name whose endpoints changed.
// Both are given the same cluster identity (or none), as the controller gives them, with
// routing annotations that leave their set identifier, region or failover role to it.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { MAX_GATEWAY_REFS } from '../../core/annotations/limits.js';
import type { ClusterIdentity } from '../../core/annotations/cluster.js';
import { resourceOf, type Endpoint } from '../../core/records/endpoint.js';
import type { KubeResource } from '../kube/reflector.js';
import { desiredState, unreadableObjects, type ObjectNote } from './desired-state.js';
import { IncrementalDesiredState, timeSliceYielder } from './incremental-state.js';
import { emptySnapshot, SERVICE_NAME_LABEL, type Snapshot } from './objects.js';
import { ParseCache } from './parse-cache.js';

// 1,000 runs take ~2.5 s. At 150, leaving the VirtualService → Gateway index empty went
// unnoticed in a third of the runs: a missed dependency needs a bound VirtualService, a
// serving Gateway and a later change to it in one sequence.
const RUNS = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 1000) };
const P = 'route53.v1beta1.tetrate.io/';
const baseOptions = { controllerName: 'aws-controller', ingressNamespaces: ['istio-system'] };
/** No identity, a name only (set identifiers), or a name, region and failover role. */
const clusterIdentity = fc.constantFrom<ClusterIdentity | undefined>(
  undefined,
  { name: 'blue' },
  { name: 'green', region: 'eu-west-1', failover: 'SECONDARY' },
);

const ns = fc.constantFrom('istio-system', 'team-a', 'team-b');
const host = fc.constantFrom(
  'a.example.com',
  'b.example.com',
  '*.apps.example.com',
  'x.apps.example.com',
);
const ip = fc.constantFrom('203.0.113.1', '203.0.113.2', '198.51.100.7', '2001:db8::1');
const ips = fc.uniqueArray(ip, { maxLength: 2 });
const created = fc.constantFrom('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
/** Our annotations: a hostname, another controller, or one the contract refuses. */
const annotations = fc
  .record({
    hostname: fc.option(host, { nil: undefined }),
    controller: fc.constantFrom(undefined, undefined, 'aws-controller', 'someone-else'),
    // Rare, as the webhook refuses it: an object skipped whole.
    bad: fc.constantFrom(false, false, false, false, false, true),
    // A routing policy without set-identifier (the cluster's name stands in, when it has one),
    // or one whose region or role is the cluster's.
    routing: fc.constantFrom<Record<string, string>>(
      {},
      {},
      { 'aws-weight': '10' },
      { 'aws-region': 'cluster' },
      { 'aws-failover': 'cluster' },
      { 'aws-weight': '20', 'set-identifier': 'own' },
    ),
  })
  .map(({ hostname, controller, bad, routing }) => ({
    ...(hostname !== undefined && { [`${P}hostname`]: hostname }),
    ...(controller !== undefined && { [`${P}controller`]: controller }),
    ...(bad && { [`${P}ttl`]: 'soon' }),
    ...Object.fromEntries(Object.entries(routing).map(([k, v]) => [`${P}${k}`, v])),
  }));
const selector = fc.constantFrom<Record<string, string>>(
  { istio: 'ingressgateway' },
  { istio: 'ingressgateway', tier: 'edge' },
  { app: 'web' },
  {},
);
const meta = (namespace: string, name: string, annotations: Record<string, string>, t: string) => ({
  namespace,
  name,
  creationTimestamp: t,
  annotations,
});

const service = fc
  .record({
    type: fc.constantFrom('LoadBalancer', 'NodePort', 'headless'),
    selector,
    ips,
    local: fc.boolean(),
    annotations,
    created,
  })
  .map((s) => (namespace: string, name: string): KubeResource => ({
    kind: 'Service',
    metadata: meta(namespace, name, s.annotations, s.created),
    spec: {
      type: s.type === 'headless' ? 'ClusterIP' : s.type,
      ...(s.type === 'headless' && { clusterIP: 'None' }),
      ...(s.type !== 'headless' && { clusterIP: '10.0.0.9' }),
      selector: s.selector,
      ...(s.local && { externalTrafficPolicy: 'Local' }),
    },
    status: { loadBalancer: { ingress: s.ips.map((i) => ({ ip: i })) } },
  }));

const node = fc
  .record({ ips, unschedulable: fc.boolean() })
  .map((n) => (_namespace: string, name: string): KubeResource => ({
    kind: 'Node',
    metadata: { name },
    spec: { unschedulable: n.unschedulable },
    status: {
      addresses: n.ips.flatMap((a) => [
        { type: 'ExternalIP', address: a },
        { type: 'InternalIP', address: a.replace(/^203/, '10') },
      ]),
    },
  }));

const endpointSlice = fc
  .record({
    service: fc.constantFrom('gw', 'hl'),
    endpoints: fc.array(
      fc.record({
        addresses: ips,
        nodeName: fc.constantFrom('n1', 'n2'),
        ready: fc.constantFrom(true, true, false),
        hostname: fc.option(fc.constantFrom('web-0', 'web-1'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  })
  .map((e) => (namespace: string, name: string): KubeResource => ({
    kind: 'EndpointSlice',
    metadata: { namespace, name, labels: { [SERVICE_NAME_LABEL]: e.service } },
    addressType: 'IPv4',
    endpoints: e.endpoints.map((x) => ({
      addresses: x.addresses,
      nodeName: x.nodeName,
      conditions: { ready: x.ready },
      ...(x.hostname !== undefined && { hostname: x.hostname }),
    })),
  }));

const istioGateway = fc
  .record({
    selector,
    hosts: fc.array(
      fc.tuple(fc.constantFrom('', './', '*/', 'team-a/'), host).map(([p, h]) => p + h),
      { maxLength: 3 },
    ),
    annotations,
    created,
  })
  .map((g) => (namespace: string, name: string): KubeResource => ({
    kind: 'Gateway',
    metadata: meta(namespace, name, g.annotations, g.created),
    spec: { selector: g.selector, servers: [{ hosts: g.hosts }] },
  }));

const virtualService = fc
  .record({
    hosts: fc.array(host, { maxLength: 2 }),
    gateways: fc.uniqueArray(
      fc.constantFrom('g1', './g2', 'istio-system/g1', 'g2.team-a', 'mesh', 'team-b/g3'),
      { maxLength: 2 },
    ),
    exportTo: fc.constantFrom(undefined, ['*'], ['.'], ['team-a', 'istio-system']),
    // Now and then over the limit of Gateways per VirtualService (padded with `mesh`, which
    // binds nothing): skipped whole, its records kept, none of its references indexed.
    overLimit: fc.constantFrom(false, false, false, true),
    annotations,
    created,
  })
  .map((v) => (namespace: string, name: string): KubeResource => ({
    kind: 'VirtualService',
    metadata: meta(namespace, name, v.annotations, v.created),
    spec: {
      hosts: v.hosts,
      gateways: v.overLimit
        ? [...v.gateways, ...Array<string>(MAX_GATEWAY_REFS).fill('mesh')]
        : v.gateways,
      ...(v.exportTo !== undefined && { exportTo: v.exportTo }),
    },
  }));

const ingress = fc
  .record({ hosts: fc.array(host, { maxLength: 2 }), ips, annotations, created })
  .map((i) => (namespace: string, name: string): KubeResource => ({
    kind: 'Ingress',
    metadata: meta(namespace, name, i.annotations, i.created),
    spec: { rules: i.hosts.map((h) => ({ host: h })) },
    status: { loadBalancer: { ingress: i.ips.map((a) => ({ ip: a })) } },
  }));

const gatewayApiGateway = fc
  .record({
    listeners: fc.array(
      fc.record({
        hostname: fc.option(host, { nil: undefined }),
        from: fc.constantFrom('Same', 'All'),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    ips,
    annotations,
    created,
  })
  .map((g) => (namespace: string, name: string): KubeResource => ({
    kind: 'Gateway',
    metadata: meta(namespace, name, g.annotations, g.created),
    spec: {
      listeners: g.listeners.map((l, i) => ({
        name: `l${i}`,
        port: 80,
        protocol: 'HTTP',
        ...(l.hostname !== undefined && { hostname: l.hostname }),
        allowedRoutes: { namespaces: { from: l.from } },
      })),
    },
    status: { addresses: g.ips.map((value) => ({ type: 'IPAddress', value })) },
  }));

const httpRoute = fc
  .record({
    hostnames: fc.array(host, { maxLength: 2 }),
    parents: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom('g1', 'g2'),
        namespace: fc.constantFrom(undefined, 'istio-system', 'team-a'),
      }),
      { maxLength: 2, selector: (p) => `${p.namespace}/${p.name}` },
    ),
    annotations,
    created,
  })
  .map((r) => (namespace: string, name: string): KubeResource => ({
    kind: 'HTTPRoute',
    metadata: meta(namespace, name, r.annotations, r.created),
    spec: {
      hostnames: r.hostnames,
      parentRefs: r.parents.map((p) => ({
        name: p.name,
        ...(p.namespace !== undefined && { namespace: p.namespace }),
      })),
    },
  }));

type Make = (namespace: string, name: string) => KubeResource;
const KINDS: { key: keyof Snapshot; names: string[]; make: fc.Arbitrary<Make> }[] = [
  { key: 'services', names: ['gw', 'hl'], make: service },
  { key: 'nodes', names: ['n1', 'n2'], make: node },
  { key: 'endpointSlices', names: ['s1', 's2'], make: endpointSlice },
  { key: 'istioGateways', names: ['g1', 'g2', 'g3'], make: istioGateway },
  { key: 'virtualServices', names: ['v1', 'v2'], make: virtualService },
  { key: 'ingresses', names: ['i1'], make: ingress },
  { key: 'gatewayApiGateways', names: ['g1', 'g2'], make: gatewayApiGateway },
  { key: 'httpRoutes', names: ['r1', 'r2'], make: httpRoute },
];

/** One step: put an object (new or changed) at a slot, or delete what is there. */
const step = fc.oneof(
  ...KINDS.map(({ key, names, make }) => ({
    // Objects others read are changed more often: that is where the index could miss.
    weight: ['services', 'nodes', 'endpointSlices', 'istioGateways'].includes(key) ? 3 : 2,
    arbitrary: fc.record({
      key: fc.constant(key),
      namespace:
        key === 'nodes'
          ? fc.constant('')
          : key === 'endpointSlices'
            ? fc.constantFrom('istio-system', 'team-a')
            : ns,
      name: fc.constantFrom(...names),
      make: fc.option(make, { nil: undefined, freq: 4 }),
    }),
  })),
);

const endpointText = (e: Endpoint) => JSON.stringify({ ...e, targets: [...e.targets].sort() });
const summary = (endpoints: readonly Endpoint[]) => endpoints.map(endpointText).sort();
const noteText = (notes: readonly ObjectNote[]) =>
  notes
    .map(
      (n) =>
        `${n.kind} ${n.object.metadata?.namespace}/${n.object.metadata?.name} ${n.reason} ${n.message}`,
    )
    .sort();
const byName = (endpoints: readonly Endpoint[]) => {
  const map = new Map<string, string[]>();
  for (const e of endpoints) map.set(e.name, [...(map.get(e.name) ?? []), endpointText(e)]);
  for (const list of map.values()) list.sort();
  return map;
};

it('holds what the whole computation gives after every add, update and delete', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(step, { minLength: 1, maxLength: 30 }),
      fc.constantFrom('every list', 'the kind', 'the object'),
      clusterIdentity,
      async (steps, told, identity) => {
        const options = {
          ...baseOptions,
          ...(identity !== undefined && { cluster: identity }),
        };
        const cluster = new Map(KINDS.map(({ key }) => [key, new Map<string, KubeResource>()]));
        const snapshot = (): Snapshot =>
          emptySnapshot(Object.fromEntries([...cluster].map(([k, m]) => [k, [...m.values()]])));
        const state = new IncrementalDesiredState({ ...options, parseCache: new ParseCache() });
        let version = 0;
        let before = desiredState(snapshot(), options);
        for (const { key, namespace, name, make } of steps) {
          const slot = `${namespace}/${name}`;
          const objects = cluster.get(key);
          if (make === undefined) objects?.delete(slot);
          else {
            const object = make(namespace, name);
            version++;
            object.metadata = {
              ...object.metadata,
              uid: `${key}/${slot}`,
              resourceVersion: String(version),
            };
            objects?.set(slot, object);
          }
          const snap = snapshot();
          // The caches say which object changed (ClusterCaches from watch events), or which
          // kind (after a relist), or every list is handed over.
          const change =
            told === 'the object'
              ? await state.updateObjects(
                  { [key]: new Map([[slot, objects?.get(slot)]]) },
                  {},
                  timeSliceYielder(0),
                )
              : await state.update(
                  told === 'the kind' ? { [key]: snap[key] } : snap,
                  timeSliceYielder(0),
                );
          const full = desiredState(snap, options);
          assert.deepEqual(summary(state.endpoints()), summary(full.endpoints));
          assert.deepEqual(noteText(state.notes()), noteText(full.notes));
          assert.deepEqual(
            [...state.unreadable()].sort(),
            [...unreadableObjects(full.notes)].sort(),
          );
          const was = byName(before.endpoints);
          const now = byName(full.endpoints);
          for (const n of new Set([...was.keys(), ...now.keys()])) {
            if (JSON.stringify(was.get(n)) !== JSON.stringify(now.get(n))) {
              assert.ok(change.names.has(n), `${n} changed and is reported`);
            }
            assert.deepEqual(state.endpointsAt(n).map(endpointText).sort(), now.get(n) ?? []);
            assert.equal(
              state.wants(n),
              now.has(n),
              `${n} is wanted exactly while some object wants it`,
            );
          }
          const unreadableBefore = [...unreadableObjects(before.notes)].sort().join();
          const unreadableNow = [...unreadableObjects(full.notes)].sort().join();
          if (unreadableBefore !== unreadableNow) assert.ok(change.unreadableChanged);
          for (const e of full.endpoints) {
            assert.ok(state.object(resourceOf(e.owner)), `${resourceOf(e.owner)} is found`);
          }
          before = full;
        }
      },
    ),
    RUNS,
  );
});

it('recomputes nothing when nothing changed', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(step, { minLength: 1, maxLength: 10 }),
      clusterIdentity,
      async (steps, identity) => {
        const options = { ...baseOptions, ...(identity !== undefined && { cluster: identity }) };
        const snap = emptySnapshot();
        for (const { key, namespace, name, make } of steps) {
          if (make !== undefined) (snap[key] as KubeResource[]).push(make(namespace, name));
        }
        const unique: Snapshot = emptySnapshot(
          Object.fromEntries(
            Object.entries(snap).map(([k, list]) => [
              k,
              [
                ...new Map(
                  (list as KubeResource[]).map((o) => [
                    `${o.metadata?.namespace}/${o.metadata?.name}`,
                    o,
                  ]),
                ).values(),
              ],
            ]),
          ),
        );
        const state = await IncrementalDesiredState.build(unique, options);
        const again = await state.update(unique);
        assert.equal(again.recomputed, 0);
        assert.equal(again.names.size, 0);
      },
    ),
    RUNS,
  );
});
