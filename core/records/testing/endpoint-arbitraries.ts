// Generated desired endpoints for property tests: a few names across the test zones (apex,
// wildcard, delegated, outside every zone), every record shape and routing policy, and
// owners of different ages, so conflicts and collisions with current records are common.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { RoutingPolicy } from '../../annotations/spec.js';
import type { Endpoint, OwnerResource, RecordType } from '../endpoint.js';

export const NAMES = [
  'example.com',
  'www.example.com',
  'api.example.com',
  '*.example.com',
  'apps.example.com',
  'x.apps.example.com',
  '*.apps.example.com',
  'other.org',
  'www.other.org',
  'nozone.net',
];

export const OWNERS: OwnerResource[] = [
  {
    kind: 'gateway',
    namespace: 'istio-system',
    name: 'main',
    creationTimestamp: '2024-01-01T00:00:00Z',
  },
  { kind: 'service', namespace: 'apps', name: 'web', creationTimestamp: '2024-02-01T00:00:00Z' },
  { kind: 'ingress', namespace: 'apps', name: 'web', creationTimestamp: '2024-01-01T00:00:00Z' },
  {
    kind: 'virtualservice',
    namespace: 'shop',
    name: 'cart',
    creationTimestamp: '2025-06-01T12:00:00Z',
  },
];

const IPV4 = ['10.0.0.1', '10.0.0.2', '192.0.2.7'];
const IPV6 = ['2001:db8::1', '2001:db8::2'];
const HOSTNAMES = [
  'lb-1.us-east-1.elb.amazonaws.com',
  'k8s-abc.elb.eu-west-1.amazonaws.com',
  'target.example.net',
];

export type Routed = { setIdentifier?: string; routing?: RoutingPolicy };

export const routingArb = (multivalueAllowed: boolean): Arbitrary<Routed> =>
  fc.oneof(
    fc.constant({}),
    fc.constant({}),
    fc.record({
      setIdentifier: fc.constantFrom('blue', 'green'),
      routing: fc.oneof(
        fc.record({ type: fc.constant('weighted' as const), weight: fc.constantFrom(0, 1, 10) }),
        fc.record({
          type: fc.constant('latency' as const),
          region: fc.constantFrom('us-east-1', 'eu-west-1'),
        }),
        fc.record({
          type: fc.constant('failover' as const),
          role: fc.constantFrom('PRIMARY' as const, 'SECONDARY' as const),
        }),
        fc.record({
          type: fc.constant('geolocation' as const),
          continent: fc.constantFrom('EU', 'NA'),
        }),
        ...(multivalueAllowed ? [fc.constant({ type: 'multivalue' as const })] : []),
      ),
    }),
  );

const subset = (pool: readonly string[]): Arbitrary<string[]> =>
  fc.subarray([...pool], { minLength: 1 }).map((values) => [...values].sort());

/** One desired endpoint, valid on its own (conflicts with others are the point). */
export const endpointArb: Arbitrary<Endpoint> = fc
  .record({
    name: fc.constantFrom(...NAMES),
    shape: fc.constantFrom('A', 'AAAA', 'CNAME', 'alias', 'alias-aaaa', 'same-zone'),
    ipv4: subset(IPV4),
    ipv6: subset(IPV6),
    hostname: fc.constantFrom(...HOSTNAMES),
    ttl: fc.constantFrom(60, 300),
    evaluateTargetHealth: fc.boolean(),
    health: fc.option(fc.constant('6a1e2b3c-0000-4000-8000-000000000001'), { nil: undefined }),
    owner: fc.constantFrom(...OWNERS),
    routedIp: routingArb(true),
    routedName: routingArb(false),
  })
  .map((g): Endpoint => {
    const common = {
      name: g.name,
      owner: g.owner,
      ...(g.health !== undefined && { healthCheckId: g.health }),
    };
    const alias = (type: RecordType, target: string, sameZone: boolean): Endpoint => ({
      ...common,
      ...g.routedName,
      type,
      targets: [target],
      alias: sameZone
        ? { sameZone: true, evaluateTargetHealth: g.evaluateTargetHealth }
        : {
            sameZone: false,
            hostedZoneId: 'Z35SXDOTRQ7X7K',
            evaluateTargetHealth: g.evaluateTargetHealth,
          },
    });
    switch (g.shape) {
      case 'A':
        return { ...common, ...g.routedIp, type: 'A', targets: g.ipv4, ttl: g.ttl };
      case 'AAAA':
        return { ...common, ...g.routedIp, type: 'AAAA', targets: g.ipv6, ttl: g.ttl };
      case 'CNAME':
        return { ...common, ...g.routedName, type: 'CNAME', targets: [g.hostname], ttl: g.ttl };
      case 'alias':
        return alias('A', g.hostname, false);
      case 'alias-aaaa':
        return alias('AAAA', g.hostname, false);
      case 'same-zone':
        return alias(
          'A',
          g.name === 'www.example.com' ? 'api.example.com' : 'www.example.com',
          true,
        );
    }
  })
  .filter((e) => e.name !== e.targets[0]);

export type MutationKind = 'ttl' | 'targets' | 'weight' | 'owner' | 'policy' | 'health';
export const mutationArb = fc.record({
  index: fc.nat(8),
  kind: fc.constantFrom<MutationKind>('ttl', 'targets', 'weight', 'owner', 'policy', 'health'),
});

/** The same record wanted a little differently. */
export function mutate(endpoint: Endpoint, kind: MutationKind): Endpoint {
  switch (kind) {
    case 'ttl':
      return endpoint.alias === undefined
        ? { ...endpoint, ttl: (endpoint.ttl ?? 300) + 1 }
        : {
            ...endpoint,
            alias: {
              ...endpoint.alias,
              evaluateTargetHealth: !endpoint.alias.evaluateTargetHealth,
            },
          };
    case 'targets':
      return endpoint.type === 'A' && endpoint.alias === undefined
        ? { ...endpoint, targets: ['203.0.113.9'] }
        : endpoint;
    case 'weight':
      return endpoint.routing?.type === 'weighted'
        ? { ...endpoint, routing: { type: 'weighted', weight: endpoint.routing.weight + 1 } }
        : endpoint;
    case 'owner':
      return {
        ...endpoint,
        owner: OWNERS[(OWNERS.indexOf(endpoint.owner) + 1) % OWNERS.length] ?? endpoint.owner,
      };
    case 'policy':
      return endpoint.setIdentifier === undefined
        ? { ...endpoint, setIdentifier: 'blue', routing: { type: 'weighted', weight: 1 } }
        : {
            ...endpoint,
            routing:
              endpoint.routing?.type === 'latency'
                ? { type: 'weighted', weight: 1 }
                : { type: 'latency', region: 'us-east-1' },
          };
    case 'health':
      return endpoint.healthCheckId === undefined
        ? { ...endpoint, healthCheckId: '6a1e2b3c-0000-4000-8000-000000000002' }
        : {
            name: endpoint.name,
            type: endpoint.type,
            targets: endpoint.targets,
            owner: endpoint.owner,
            ...(endpoint.ttl !== undefined && { ttl: endpoint.ttl }),
            ...(endpoint.alias !== undefined && { alias: endpoint.alias }),
            ...(endpoint.setIdentifier !== undefined && { setIdentifier: endpoint.setIdentifier }),
            ...(endpoint.routing !== undefined && { routing: endpoint.routing }),
          };
  }
}
