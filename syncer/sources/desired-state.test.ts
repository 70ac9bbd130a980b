// Sources: objects + lookups → desired endpoints, kind by kind.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NAMES_PER_OBJECT } from '../../core/annotations/limits.js';
import type { Endpoint } from '../../core/records/endpoint.js';
import { desiredState as desiredRaw } from './desired-state.js';
import { emptySnapshot, SERVICE_NAME_LABEL, slimObject } from './objects.js';
import type { KubeResource } from '../kube/reflector.js';
import type {
  EndpointSliceObject,
  GatewayApiGatewayObject,
  GatewayApiListener,
  HttpRouteObject,
  IngressObject,
  IstioGatewayObject,
  ServiceObject,
  Snapshot,
  VirtualServiceObject,
} from './objects.js';

const P = 'route53.v1beta1.tetrate.io/';
const options = { controllerName: 'aws-controller' };

/**
 * Every case runs twice: on the objects as written and as the syncer's caches keep them
 * (slimObject), which must not change what is published or said.
 */
function desiredState(snapshot: Snapshot, opts: typeof options) {
  const raw = desiredRaw(snapshot, opts);
  const slim = desiredRaw(
    emptySnapshot(
      Object.fromEntries(
        Object.entries(snapshot).map(([key, list]) => [
          key,
          (list as KubeResource[]).map((o) => slimObject(key as keyof Snapshot, o)),
        ]),
      ),
    ),
    opts,
  );
  assert.deepEqual(summary(slim.endpoints), summary(raw.endpoints), 'the same from slim objects');
  assert.deepEqual(
    slim.notes.map((n) => `${n.reason} ${n.message}`),
    raw.notes.map((n) => `${n.reason} ${n.message}`),
  );
  return raw;
}

const meta = (
  namespace: string,
  name: string,
  annotations: Record<string, string> = {},
  created = '2026-01-01T00:00:00Z',
) => ({
  namespace,
  name,
  annotations,
  creationTimestamp: created,
});

const ingressGatewayService = (
  namespace = 'istio-system',
  address: { ip?: string; hostname?: string } = { ip: '203.0.113.10' },
): ServiceObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(namespace, 'istio-ingressgateway'),
  spec: {
    type: 'LoadBalancer',
    selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  },
  status: { loadBalancer: { ingress: [address] } },
});

const istioGateway = (
  hosts: string[],
  annotations: Record<string, string> = {},
  namespace = 'bookinfo',
  name = 'bookinfo-gw',
): IstioGatewayObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: meta(namespace, name, annotations),
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts }] },
});

const snapshot = emptySnapshot;

const summary = (endpoints: Endpoint[]) =>
  endpoints
    .map(
      (e) =>
        `${e.type} ${e.name} ${e.targets.join(',')}${e.alias ? ' alias' : ''} ${e.owner.kind}/${e.owner.namespace}/${e.owner.name}`,
    )
    .sort();

describe('Istio Gateway', () => {
  it('publishes server hosts and the hostname annotation at the ingress gateway LB IP', () => {
    const out = desiredState(
      snapshot({
        istioGateways: [
          istioGateway(
            ['bookinfo.example.com', 'other/ns-scoped.example.com', '*', '*.apps.example.com'],
            { [`${P}hostname`]: 'extra.example.com' },
          ),
        ],
        services: [ingressGatewayService()],
      }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A *.apps.example.com 203.0.113.10 gateway/bookinfo/bookinfo-gw',
      'A bookinfo.example.com 203.0.113.10 gateway/bookinfo/bookinfo-gw',
      'A extra.example.com 203.0.113.10 gateway/bookinfo/bookinfo-gw',
      'A ns-scoped.example.com 203.0.113.10 gateway/bookinfo/bookinfo-gw',
    ]);
    assert.deepEqual(out.notes, []);
    assert.equal(out.endpoints[0]?.ttl, 300);
    assert.equal(out.endpoints[0]?.owner.creationTimestamp, '2026-01-01T00:00:00Z');
  });

  it('aliases an AWS load balancer hostname', () => {
    const out = desiredState(
      snapshot({
        istioGateways: [istioGateway(['shop.example.com'])],
        services: [
          ingressGatewayService('istio-system', {
            hostname: 'a1b2-123.elb.us-west-2.amazonaws.com',
          }),
        ],
      }),
      options,
    );
    const a = out.endpoints.find((e) => e.type === 'A');
    // No evaluateTargetHealth: no annotation asks, so a new record gets false and an existing
    // one keeps its own (core/records/plan-writes.ts).
    assert.deepEqual(a?.alias, { sameZone: false, hostedZoneId: 'Z18D5FSROUN65G' });
    assert.deepEqual(a?.targets, ['a1b2-123.elb.us-west-2.amazonaws.com']);
    assert.equal(a?.ttl, undefined);
  });

  it("prefers ingress gateway Services in the Gateway's own namespace", () => {
    const out = desiredState(
      snapshot({
        istioGateways: [istioGateway(['a.example.com'], {}, 'team')],
        services: [
          ingressGatewayService('istio-system'),
          ingressGatewayService('team', { ip: '198.51.100.7' }),
        ],
      }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A a.example.com 198.51.100.7 gateway/team/bookinfo-gw',
    ]);
  });

  it('the target annotation overrides the derived address; annotation-only ignores server hosts', () => {
    const out = desiredState(
      snapshot({
        istioGateways: [
          istioGateway(['spec.example.com'], {
            [`${P}target`]: '192.0.2.1,2001:db8::1',
            [`${P}hostname`]: 'ann.example.com',
            [`${P}ingress-hostname-source`]: 'annotation-only',
          }),
        ],
        services: [ingressGatewayService()],
      }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A ann.example.com 192.0.2.1 gateway/bookinfo/bookinfo-gw',
      'AAAA ann.example.com 2001:db8::1 gateway/bookinfo/bookinfo-gw',
    ]);
  });

  it('notes a Gateway whose load balancer has no address yet', () => {
    const service = ingressGatewayService();
    service.status = {};
    const out = desiredState(
      snapshot({ istioGateways: [istioGateway(['a.example.com'])], services: [service] }),
      options,
    );
    assert.deepEqual(out.endpoints, []);
    assert.equal(out.notes[0]?.reason, 'NoTargets');
  });

  it('skips an object with invalid annotations whole, with a note naming why', () => {
    const out = desiredState(
      snapshot({
        istioGateways: [
          istioGateway(['a.example.com'], {
            [`${P}hostname`]: 'b.example.com',
            [`${P}aws-weight`]: '300',
          }),
        ],
        services: [ingressGatewayService()],
      }),
      options,
    );
    assert.deepEqual(out.endpoints, []);
    assert.equal(out.notes[0]?.reason, 'InvalidAnnotations');
    assert.match(out.notes[0]?.message ?? '', /aws-weight: '300' is out of range/);
  });

  it('skips an object whose spec names more names than the limit, publishing none of them', () => {
    const hosts = Array.from({ length: MAX_NAMES_PER_OBJECT + 1 }, (_, i) => `h${i}.example.com`);
    const out = desiredState(
      snapshot({
        istioGateways: [
          istioGateway(hosts, {}, 'bookinfo', 'big'),
          istioGateway(['ok.example.com'], {}, 'bookinfo', 'small'),
        ],
        services: [ingressGatewayService()],
      }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A ok.example.com 203.0.113.10 gateway/bookinfo/small',
    ]);
    assert.deepEqual(
      out.notes.map((n) => `${n.reason} ${n.message}`),
      [
        `TooManyNames skipped: spec: ${MAX_NAMES_PER_OBJECT + 1} names (servers' hosts) is over the limit of ${MAX_NAMES_PER_OBJECT} names per object`,
      ],
    );
  });

  it('skips an object whose hostname annotation is over the limit, publishing none of it', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `${i}.io`).join(',');
    const out = desiredState(
      snapshot({
        istioGateways: [istioGateway(['a.example.com'], { [`${P}hostname`]: names })],
        services: [ingressGatewayService()],
      }),
      options,
    );
    assert.deepEqual(out.endpoints, []);
    assert.deepEqual(
      out.notes.map((n) => `${n.reason} ${n.message}`),
      [
        `InvalidAnnotations skipped: hostname: 5000 names is over the limit of ${MAX_NAMES_PER_OBJECT} names per object`,
      ],
    );
  });

  it('leaves objects for another controller alone, silently', () => {
    const out = desiredState(
      snapshot({
        istioGateways: [istioGateway(['a.example.com'], { [`${P}controller`]: 'someone-else' })],
        services: [ingressGatewayService()],
      }),
      options,
    );
    assert.deepEqual(out, { endpoints: [], notes: [] });
  });
});

describe('Istio VirtualService', () => {
  const vs = (
    hosts: string[],
    gateways: string[],
    extra: Partial<VirtualServiceObject['spec']> = {},
    namespace = 'bookinfo',
  ): VirtualServiceObject => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: meta(namespace, 'reviews-vs'),
    spec: { hosts, gateways, ...extra },
  });

  it("publishes hosts at the bound Gateway's address, honouring the server's namespace rules", () => {
    const gateway = istioGateway(
      ['bookinfo/reviews.example.com', 'other/restricted.example.com'],
      {},
      'istio-system',
      'shared-gw',
    );
    const out = desiredState(
      snapshot({
        istioGateways: [gateway],
        services: [ingressGatewayService()],
        virtualServices: [
          vs(
            ['reviews.example.com', 'restricted.example.com', 'reviews'],
            ['mesh', 'istio-system/shared-gw'],
          ),
        ],
      }),
      options,
    );
    assert.deepEqual(
      summary(out.endpoints).filter((s) => s.includes('virtualservice')),
      ['A reviews.example.com 203.0.113.10 virtualservice/bookinfo/reviews-vs'],
    );
  });

  it('is not bound when it is not exported to the Gateway namespace, nor to mesh only', () => {
    const gateway = istioGateway(['*/*.example.com'], {}, 'istio-system', 'shared-gw');
    const out = desiredState(
      snapshot({
        istioGateways: [gateway],
        services: [ingressGatewayService()],
        virtualServices: [
          vs(['a.example.com'], ['istio-system/shared-gw'], { exportTo: ['.'] }),
          vs(['b.example.com'], ['mesh']),
        ],
      }),
      options,
    );
    assert.deepEqual(
      out.endpoints.filter((e) => e.owner.kind === 'virtualservice'),
      [],
    );
  });
});

describe('Service and Ingress', () => {
  it('publishes a LoadBalancer Service hostname at its address and internal-hostname at its ClusterIP', () => {
    const service: ServiceObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('shop', 'web', {
        [`${P}hostname`]: 'web.example.com',
        [`${P}internal-hostname`]: 'web.internal.example.com',
      }),
      spec: { type: 'LoadBalancer', clusterIP: '10.0.0.12', clusterIPs: ['10.0.0.12'] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.20' }] } },
    };
    const out = desiredState(snapshot({ services: [service] }), options);
    assert.deepEqual(summary(out.endpoints), [
      'A web.example.com 203.0.113.20 service/shop/web',
      'A web.internal.example.com 10.0.0.12 service/shop/web',
    ]);
  });

  const node = (name: string, external: string, internal: string, unschedulable = false) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { unschedulable },
    status: {
      addresses: [
        { type: 'ExternalIP', address: external },
        { type: 'InternalIP', address: internal },
        { type: 'Hostname', address: name },
      ],
    },
  });
  const nodes = [
    node('n1', '198.51.100.1', '10.1.0.1'),
    node('n2', '198.51.100.2', '10.1.0.2'),
    node('n3', '198.51.100.3', '10.1.0.3', true),
  ];
  const slice = (service: string, endpoints: EndpointSliceObject['endpoints']) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: 'shop',
      name: `${service}-abc`,
      labels: { [SERVICE_NAME_LABEL]: service },
    },
    addressType: 'IPv4',
    endpoints,
  });

  it('publishes a NodePort Service at the schedulable nodes: ExternalIPs, or InternalIPs with access private', () => {
    const nodePort = (name: string, annotations: Record<string, string>, local = false) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('shop', name, annotations),
      spec: { type: 'NodePort', ...(local && { externalTrafficPolicy: 'Local' }) },
    });
    const out = desiredState(
      snapshot({
        nodes,
        services: [
          nodePort('pub', { [`${P}hostname`]: 'pub.example.com' }),
          nodePort('priv', { [`${P}hostname`]: 'priv.example.com', [`${P}access`]: 'private' }),
          nodePort('local', { [`${P}hostname`]: 'local.example.com' }, true),
        ],
        endpointSlices: [
          slice('local', [
            { addresses: ['10.2.0.9'], nodeName: 'n2', conditions: { ready: true } },
            { addresses: ['10.2.0.8'], nodeName: 'n1', conditions: { ready: false } },
          ]),
        ],
      }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A local.example.com 198.51.100.2 service/shop/local',
      'A priv.example.com 10.1.0.1,10.1.0.2 service/shop/priv',
      'A pub.example.com 198.51.100.1,198.51.100.2 service/shop/pub',
    ]);
  });

  it('publishes a headless Service at its ready endpoints, per endpoints-type, with a name per pod hostname', () => {
    const headless = (name: string, annotations: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('shop', name, annotations),
      spec: { type: 'ClusterIP', clusterIP: 'None' },
    });
    const endpoints = [
      { addresses: ['10.2.0.1'], nodeName: 'n1', hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.2.0.2'], nodeName: 'n2', hostname: 'db-1' },
      { addresses: ['10.2.0.3'], nodeName: 'n2', conditions: { ready: false } },
    ];
    const out = desiredState(
      snapshot({
        nodes,
        services: [
          headless('db', { [`${P}hostname`]: 'db.example.com' }),
          headless('ext', {
            [`${P}hostname`]: 'ext.example.com',
            [`${P}endpoints-type`]: 'NodeExternalIP',
          }),
          headless('host', {
            [`${P}hostname`]: 'host.example.com',
            [`${P}endpoints-type`]: 'HostIP',
          }),
        ],
        endpointSlices: [slice('db', endpoints), slice('ext', endpoints), slice('host', endpoints)],
      }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A db-0.db.example.com 10.2.0.1 service/shop/db',
      'A db-0.ext.example.com 198.51.100.1 service/shop/ext',
      'A db-0.host.example.com 10.1.0.1 service/shop/host',
      'A db-1.db.example.com 10.2.0.2 service/shop/db',
      'A db-1.ext.example.com 198.51.100.2 service/shop/ext',
      'A db-1.host.example.com 10.1.0.2 service/shop/host',
      'A db.example.com 10.2.0.1,10.2.0.2 service/shop/db',
      'A ext.example.com 198.51.100.1,198.51.100.2 service/shop/ext',
      'A host.example.com 10.1.0.1,10.1.0.2 service/shop/host',
    ]);
  });

  it('says why a ClusterIP Service with a hostname publishes nothing', () => {
    const service: ServiceObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('shop', 'plain', { [`${P}hostname`]: 'plain.example.com' }),
      spec: { type: 'ClusterIP', clusterIP: '10.0.0.5' },
    };
    const out = desiredState(snapshot({ services: [service] }), options);
    assert.deepEqual(out.endpoints, []);
    assert.equal(out.notes[0]?.reason, 'NoTargets');
    assert.match(out.notes[0]?.message ?? '', /plain\.example\.com/);
  });

  it('publishes Ingress rule hosts at its load balancer', () => {
    const ingress: IngressObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('shop', 'web'),
      spec: { rules: [{ host: 'Shop.Example.com' }, {}] },
      status: { loadBalancer: { ingress: [{ hostname: 'lb.example.net' }] } },
    };
    const out = desiredState(snapshot({ ingresses: [ingress] }), options);
    assert.deepEqual(summary(out.endpoints), [
      'CNAME shop.example.com lb.example.net ingress/shop/web',
    ]);
  });
});

describe('Gateway API', () => {
  const gateway: GatewayApiGatewayObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: meta('infra', 'public'),
    spec: {
      listeners: [
        {
          name: 'apps',
          hostname: '*.apps.example.com',
          port: 443,
          protocol: 'HTTPS',
          allowedRoutes: { namespaces: { from: 'All' } },
        },
        { name: 'any', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      ],
    },
    status: { addresses: [{ type: 'IPAddress', value: '192.0.2.50' }] },
  };
  const route = (
    namespace: string,
    spec: HttpRouteObject['spec'],
    status?: HttpRouteObject['status'],
  ): HttpRouteObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta(namespace, 'r'),
    spec,
    ...(status && { status }),
  });
  const routeLines = (gateways: GatewayApiGatewayObject[], routes: HttpRouteObject[]) => {
    const out = desiredState(
      snapshot({ gatewayApiGateways: gateways, httpRoutes: routes }),
      options,
    );
    return {
      published: summary(out.endpoints).filter((l) => l.includes('httproute')),
      notes: out.notes.map((n) => `${n.reason}: ${n.message}`),
    };
  };

  it('publishes listener hostnames at the status addresses, and HTTPRoute hostnames via parent Gateways', () => {
    const store = route('shop', {
      hostnames: ['store.apps.example.com'],
      parentRefs: [{ name: 'public', namespace: 'infra' }, { name: 'missing' }],
    });
    const out = desiredState(
      snapshot({ gatewayApiGateways: [gateway], httpRoutes: [store] }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A *.apps.example.com 192.0.2.50 gateway/infra/public',
      'A store.apps.example.com 192.0.2.50 httproute/shop/r',
    ]);
    assert.deepEqual(out.notes, [], "a parent the syncer does not see is no one's mistake");
  });

  it('publishes only the route hostnames a listener serves, saying which it leaves out', () => {
    const specific: GatewayApiGatewayObject = {
      ...gateway,
      spec: { listeners: gateway.spec?.listeners?.slice(0, 1) ?? [] },
    };
    const mixed = route('shop', {
      hostnames: ['cart.apps.example.com', 'cart.example.org'],
      parentRefs: [{ name: 'public', namespace: 'infra' }],
    });
    const { published, notes } = routeLines([specific], [mixed]);
    assert.deepEqual(published, ['A cart.apps.example.com 192.0.2.50 httproute/shop/r']);
    assert.match(
      notes.join('\n'),
      /HostNotOnGateway: hostname cart\.example\.org is accepted by no listener/,
    );
  });

  // Each case: the listeners of Gateway infra/public, the route (in `namespace`), and what is
  // published for it, or the NotAttached note that says why nothing is.
  const listener = (extra: GatewayApiListener = {}): GatewayApiListener => ({
    name: 'web',
    hostname: '*.example.com',
    port: 443,
    protocol: 'HTTPS',
    ...extra,
  });
  const ref = { name: 'public', namespace: 'infra' };
  const cases: {
    name: string;
    listeners: GatewayApiListener[];
    namespace?: string;
    spec?: HttpRouteObject['spec'];
    status?: HttpRouteObject['status'];
    published: string[];
    note?: RegExp;
  }[] = [
    {
      name: "allowedRoutes default (Same): a route in the Gateway's namespace attaches",
      listeners: [listener()],
      namespace: 'infra',
      published: ['A shop.example.com 192.0.2.50 httproute/infra/r'],
    },
    {
      name: 'allowedRoutes default (Same): a route from another namespace does not',
      listeners: [listener()],
      published: [],
      note: /NotAttached: not published: no listener of Gateway infra\/public admits routes from namespace shop \(allowedRoutes\.namespaces\)/,
    },
    {
      name: 'namespaces from All: any namespace attaches',
      listeners: [listener({ allowedRoutes: { namespaces: { from: 'All' } } })],
      published: ['A shop.example.com 192.0.2.50 httproute/shop/r'],
    },
    {
      name: 'namespaces from Selector: waits for the controller to accept the route',
      listeners: [listener({ allowedRoutes: { namespaces: { from: 'Selector' } } })],
      published: [],
      note: /admits routes from namespace shop/,
    },
    {
      name: 'namespaces from Selector: attaches once the controller says Accepted for this parentRef',
      listeners: [listener({ allowedRoutes: { namespaces: { from: 'Selector' } } })],
      status: {
        parents: [
          {
            parentRef: { ...ref, sectionName: 'other' },
            conditions: [{ type: 'Accepted', status: 'False' }],
          },
          {
            parentRef: ref,
            conditions: [
              { type: 'ResolvedRefs', status: 'False' },
              { type: 'Accepted', status: 'True' },
            ],
          },
        ],
      },
      published: ['A shop.example.com 192.0.2.50 httproute/shop/r'],
    },
    {
      name: 'Accepted False from the controller wins over what the listeners seem to allow',
      listeners: [listener({ allowedRoutes: { namespaces: { from: 'All' } } })],
      status: {
        parents: [
          {
            parentRef: { ...ref, group: 'gateway.networking.k8s.io', kind: 'Gateway' },
            conditions: [
              { type: 'Accepted', status: 'False', reason: 'NoMatchingListenerHostname' },
            ],
          },
        ],
      },
      published: [],
      note: /Gateway infra\/public's controller did not accept it/,
    },
    {
      name: 'kinds: a TLS listener carries no HTTPRoutes',
      listeners: [listener({ protocol: 'TLS', allowedRoutes: { namespaces: { from: 'All' } } })],
      published: [],
      note: /no listener of Gateway infra\/public admits HTTPRoutes/,
    },
    {
      name: 'kinds: a listener for GRPCRoutes only carries no HTTPRoutes',
      listeners: [
        listener({
          allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] },
        }),
      ],
      published: [],
      note: /admits HTTPRoutes/,
    },
    {
      name: 'kinds: an explicit HTTPRoute kind admits it on any protocol',
      listeners: [
        listener({
          protocol: 'example.com/custom',
          allowedRoutes: {
            namespaces: { from: 'All' },
            kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          },
        }),
      ],
      published: ['A shop.example.com 192.0.2.50 httproute/shop/r'],
    },
    {
      name: 'sectionName: only the named listener serves the route',
      listeners: [
        listener({
          name: 'a',
          hostname: 'a.example.com',
          allowedRoutes: { namespaces: { from: 'All' } },
        }),
        listener({
          name: 'b',
          hostname: 'b.example.com',
          allowedRoutes: { namespaces: { from: 'All' } },
        }),
      ],
      spec: { parentRefs: [{ ...ref, sectionName: 'b' }] },
      published: ['A b.example.com 192.0.2.50 httproute/shop/r'],
    },
    {
      name: 'sectionName naming no listener: nothing, and the note says so',
      listeners: [listener({ allowedRoutes: { namespaces: { from: 'All' } } })],
      spec: { hostnames: ['shop.example.com'], parentRefs: [{ ...ref, sectionName: 'nope' }] },
      published: [],
      note: /NotAttached: not published: Gateway infra\/public has no listener named nope$/,
    },
    {
      name: 'port: only listeners on that port',
      listeners: [
        listener({
          name: 'a',
          hostname: 'a.example.com',
          port: 80,
          protocol: 'HTTP',
          allowedRoutes: { namespaces: { from: 'All' } },
        }),
        listener({
          name: 'b',
          hostname: 'b.example.com',
          port: 443,
          allowedRoutes: { namespaces: { from: 'All' } },
        }),
      ],
      spec: { parentRefs: [{ ...ref, port: 80 }] },
      published: ['A a.example.com 192.0.2.50 httproute/shop/r'],
    },
    {
      name: "a route wildcard wider than the listener hostname publishes the listener's name",
      listeners: [
        listener({ hostname: 'shop.example.com', allowedRoutes: { namespaces: { from: 'All' } } }),
      ],
      spec: { hostnames: ['*.example.com'], parentRefs: [ref] },
      published: ['A shop.example.com 192.0.2.50 httproute/shop/r'],
    },
    {
      name: 'a route wildcard under a wildcard listener is published as it is',
      listeners: [listener({ allowedRoutes: { namespaces: { from: 'All' } } })],
      spec: { hostnames: ['*.shop.example.com'], parentRefs: [ref] },
      published: ['A *.shop.example.com 192.0.2.50 httproute/shop/r'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parent: GatewayApiGatewayObject = { ...gateway, spec: { listeners: c.listeners } };
      const r = route(
        c.namespace ?? 'shop',
        c.spec ?? { hostnames: ['shop.example.com'], parentRefs: [ref] },
        c.status,
      );
      const { published, notes } = routeLines([parent], [r]);
      assert.deepEqual(published, c.published);
      if (c.note === undefined)
        assert.deepEqual(
          notes.filter((n) => n.startsWith('NotAttached')),
          [],
        );
      else assert.match(notes.join('\n'), c.note);
    });
  }

  it('a route takes addresses only from the Gateways it attaches to', () => {
    const closed: GatewayApiGatewayObject = {
      ...gateway,
      metadata: meta('infra', 'private'),
      spec: { listeners: [listener()] },
      status: { addresses: [{ type: 'IPAddress', value: '10.0.0.9' }] },
    };
    const both = route('shop', {
      hostnames: ['shop.apps.example.com'],
      parentRefs: [ref, { name: 'private', namespace: 'infra' }],
    });
    assert.deepEqual(routeLines([gateway, closed], [both]).published, [
      'A shop.apps.example.com 192.0.2.50 httproute/shop/r',
    ]);
  });

  it('a route without hostnames takes those of the listeners it attaches to, not the others', () => {
    const two: GatewayApiGatewayObject = {
      ...gateway,
      spec: {
        listeners: [
          listener({
            name: 'mine',
            hostname: 'mine.example.com',
            allowedRoutes: { namespaces: { from: 'All' } },
          }),
          listener({ name: 'theirs', hostname: 'theirs.example.com' }),
        ],
      },
    };
    const bare = route('shop', { parentRefs: [ref] });
    assert.deepEqual(routeLines([two], [bare]).published, [
      'A mine.example.com 192.0.2.50 httproute/shop/r',
    ]);
  });
});
