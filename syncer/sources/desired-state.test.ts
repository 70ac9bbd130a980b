// Sources: objects + lookups → desired endpoints, kind by kind.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_GATEWAY_REFS, MAX_NAMES_PER_OBJECT } from '../../core/annotations/limits.js';
import type { Endpoint } from '../../core/records/endpoint.js';
import { desiredState as desiredRaw, unreadableObjects } from './desired-state.js';
import { resolveGatewayRef } from './istio.js';
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
const options = { controllerName: 'aws-controller', ingressNamespaces: ['istio-system'] };

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

  it('skips a VirtualService binding more Gateways than the limit, keeping what it holds', () => {
    const refs = (n: number) => Array.from({ length: n }, (_, i) => `bookinfo/gw${i}`);
    const gateways = [istioGateway(['*.example.com'], {}, 'bookinfo', 'gw0')];
    const virtualService = (name: string, gateways: string[]): VirtualServiceObject => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: meta('bookinfo', name),
      spec: { hosts: [`${name}.example.com`], gateways },
    });
    const out = desiredState(
      snapshot({
        istioGateways: gateways,
        // `mesh` counts as written: the limit is on what the object says, not what it binds.
        virtualServices: [
          virtualService('wide', ['mesh', ...refs(MAX_GATEWAY_REFS)]),
          virtualService('edge', refs(MAX_GATEWAY_REFS)),
        ],
        services: [ingressGatewayService()],
      }),
      options,
    );
    assert.deepEqual(summary(out.endpoints), [
      'A *.example.com 203.0.113.10 gateway/bookinfo/gw0',
      'A edge.example.com 203.0.113.10 virtualservice/bookinfo/edge',
    ]);
    assert.deepEqual(
      out.notes
        .filter((n) => n.reason !== 'GatewayNotFound')
        .map((n) => `${n.object.metadata?.name} ${n.reason} ${n.message}`),
      [
        `wide TooManyGateways skipped: spec.gateways: ${MAX_GATEWAY_REFS + 1} entries is over the limit of ${MAX_GATEWAY_REFS} Gateways per VirtualService`,
      ],
    );
    // Skipped whole: the planner keeps its records (bad input loses nothing).
    assert.deepEqual([...unreadableObjects(out.notes)], ['virtualservice/bookinfo/wide']);
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

  // Tenancy: a Service in a namespace of its own with the ingress gateway's labels must not
  // lend its addresses to anyone else's Gateway (issue 10).
  const rogue = (namespace: string, ip: string): ServiceObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(namespace, 'not-an-ingress'),
    spec: { type: 'ClusterIP', selector: { istio: 'ingressgateway' }, externalIPs: [ip] },
  });
  const ingressCases: {
    name: string;
    gatewayNamespace: string;
    services: ServiceObject[];
    ingressNamespaces?: string[];
    published: string[];
    note?: RegExp;
  }[] = [
    {
      name: 'a Service in another tenant namespace never contributes, externalIPs or not',
      gatewayNamespace: 'team-a',
      services: [ingressGatewayService('istio-system'), rogue('team-b', '198.51.100.66')],
      published: ['A a.example.com 203.0.113.10 gateway/team-a/bookinfo-gw'],
    },
    {
      name: 'only a rogue Service: nothing, and the note says where it looked for which labels',
      gatewayNamespace: 'team-a',
      services: [rogue('team-b', '198.51.100.66')],
      published: [],
      note: /^NoTargets no address to publish a\.example\.com at yet: no Service in namespaces team-a, istio-system selects pods labelled istio=ingressgateway/,
    },
    {
      name: "externalIPs of a Service in the Gateway's own namespace count",
      gatewayNamespace: 'team-a',
      services: [ingressGatewayService('istio-system'), rogue('team-a', '198.51.100.67')],
      published: ['A a.example.com 198.51.100.67 gateway/team-a/bookinfo-gw'],
    },
    {
      name: 'externalIPs of a Service in an ingress namespace count',
      gatewayNamespace: 'team-a',
      services: [rogue('edge', '198.51.100.68'), rogue('team-b', '198.51.100.66')],
      ingressNamespaces: ['istio-system', 'edge'],
      published: ['A a.example.com 198.51.100.68 gateway/team-a/bookinfo-gw'],
    },
    {
      name: 'the ingress namespaces are those configured, not istio-system by name',
      gatewayNamespace: 'team-a',
      services: [
        ingressGatewayService('istio-system'),
        ingressGatewayService('edge', { ip: '192.0.2.8' }),
      ],
      ingressNamespaces: ['edge'],
      published: ['A a.example.com 192.0.2.8 gateway/team-a/bookinfo-gw'],
    },
    {
      name: 'a selected Service without an address yet: the note names it',
      gatewayNamespace: 'team-a',
      services: [{ ...ingressGatewayService('istio-system'), status: {} }],
      published: [],
      note: /^NoTargets no address to publish a\.example\.com at yet: Service istio-system\/istio-ingressgateway \(selected by Gateway team-a\/bookinfo-gw\) has no load balancer address yet$/,
    },
  ];
  for (const c of ingressCases) {
    it(`ingress namespaces: ${c.name}`, () => {
      const out = desiredState(
        snapshot({
          istioGateways: [istioGateway(['a.example.com'], {}, c.gatewayNamespace)],
          services: c.services,
        }),
        { ...options, ingressNamespaces: c.ingressNamespaces ?? options.ingressNamespaces },
      );
      assert.deepEqual(summary(out.endpoints), c.published);
      const notes = out.notes.map((n) => `${n.reason} ${n.message}`);
      if (c.note === undefined) assert.deepEqual(notes, []);
      else assert.match(notes.join('\n'), c.note);
    });
  }

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

  // A few entries are scanned, a long list read into a set: both must agree.
  for (const length of [2, 5000]) {
    it(`is bound through a Gateway only in a namespace its exportTo names (${length} other namespaces listed)`, () => {
      const shared = istioGateway(['*/*.example.com'], {}, 'istio-system', 'shared-gw');
      const own = istioGateway(['*/*.example.com'], {}, 'bookinfo', 'own-gw');
      const many = Array.from({ length }, (_, i) => `ns-${i}`);
      const exported = (host: string, exportTo: string[]) =>
        vs([host], ['istio-system/shared-gw', 'bookinfo/own-gw'], { exportTo });
      const out = desiredState(
        snapshot({
          istioGateways: [shared, own],
          services: [ingressGatewayService()],
          virtualServices: [
            {
              ...exported('listed.example.com', [...many, 'istio-system']),
              metadata: meta('bookinfo', 'a'),
            },
            { ...exported('own.example.com', [...many, '.']), metadata: meta('bookinfo', 'b') },
            { ...exported('elsewhere.example.com', many), metadata: meta('bookinfo', 'c') },
            { ...exported('all.example.com', [...many, '*']), metadata: meta('bookinfo', 'd') },
          ],
        }),
        options,
      );
      // c is exported to neither Gateway's namespace: bound to none, it publishes nothing.
      assert.deepEqual(
        out.endpoints
          .filter((e) => e.owner.kind === 'virtualservice')
          .map((e) => `${e.name} ${e.owner.name}`)
          .sort(),
        ['all.example.com d', 'listed.example.com a', 'own.example.com b'],
      );
    });
  }

  // Two teams' Gateways on two ingresses; which Gateway a name is published through decides
  // where its users go.
  const teamGateway = (namespace: string, hosts: string[]) =>
    istioGateway(hosts, {}, namespace, 'gw');
  const teamIngress = (namespace: string, ip: string) => ingressGatewayService(namespace, { ip });
  const vsLines = (
    gateways: IstioGatewayObject[],
    services: ServiceObject[],
    virtualServices: VirtualServiceObject[],
  ) => {
    const out = desiredState(
      snapshot({ istioGateways: gateways, services, virtualServices }),
      options,
    );
    return {
      published: summary(out.endpoints).filter((l) => l.includes('virtualservice')),
      notes: out.notes
        .filter((n) => n.kind === 'istio-virtualservice')
        .map((n) => `${n.reason} ${n.message}`),
    };
  };

  it('gives each host the addresses of only the bound Gateways that serve it', () => {
    const { published, notes } = vsLines(
      [teamGateway('edge-a', ['*/a.example.com']), teamGateway('edge-b', ['*/*.b.example.com'])],
      [teamIngress('edge-a', '198.51.100.1'), teamIngress('edge-b', '198.51.100.2')],
      [vs(['a.example.com', 'x.b.example.com'], ['edge-a/gw', 'edge-b/gw'])],
    );
    assert.deepEqual(published, [
      'A a.example.com 198.51.100.1 virtualservice/bookinfo/reviews-vs',
      'A x.b.example.com 198.51.100.2 virtualservice/bookinfo/reviews-vs',
    ]);
    assert.deepEqual(notes, []);
  });

  it('a host both Gateways serve gets both addresses', () => {
    const { published } = vsLines(
      [teamGateway('edge-a', ['*/*.example.com']), teamGateway('edge-b', ['*/shop.example.com'])],
      [teamIngress('edge-a', '198.51.100.1'), teamIngress('edge-b', '198.51.100.2')],
      [vs(['shop.example.com', 'cart.example.com'], ['edge-a/gw', 'edge-b/gw'])],
    );
    assert.deepEqual(published, [
      'A cart.example.com 198.51.100.1 virtualservice/bookinfo/reviews-vs',
      'A shop.example.com 198.51.100.1,198.51.100.2 virtualservice/bookinfo/reviews-vs',
    ]);
  });

  it('the hostname annotation cannot add a name the Gateway does not serve for this namespace', () => {
    // team-b's rule: only routes from team-b may take *.b.example.com on the shared Gateway.
    const shared = istioGateway(
      ['team-b/*.b.example.com', 'team-a/*.a.example.com'],
      {},
      'istio-system',
      'shared',
    );
    const attacker: VirtualServiceObject = {
      ...vs(['app.a.example.com'], ['istio-system/shared'], {}, 'team-a'),
      metadata: meta('team-a', 'sneaky', {
        [`${P}hostname`]: 'shop.b.example.com,extra.a.example.com',
      }),
    };
    const onlyAnnotation: VirtualServiceObject = {
      ...vs([], ['istio-system/shared'], {}, 'team-a'),
      metadata: meta('team-a', 'ann-only', {
        [`${P}hostname`]: 'pay.b.example.com',
        [`${P}ingress-hostname-source`]: 'annotation-only',
      }),
    };
    const { published, notes } = vsLines(
      [shared],
      [ingressGatewayService()],
      [attacker, onlyAnnotation],
    );
    assert.deepEqual(published, [
      'A app.a.example.com 203.0.113.10 virtualservice/team-a/sneaky',
      'A extra.a.example.com 203.0.113.10 virtualservice/team-a/sneaky',
    ]);
    assert.deepEqual(notes, [
      'HostNotOnGateway hostname shop.b.example.com (hostname annotation) is not served by the Gateways it binds to (istio-system/shared): no server there lists it for this namespace, so it is not published',
      'HostNotOnGateway hostname pay.b.example.com (hostname annotation) is not served by the Gateways it binds to (istio-system/shared): no server there lists it for this namespace, so it is not published',
    ]);
  });

  // spec.gateways as Istio resolves it (pilot's resolveGatewayName): every form that names
  // Gateway `gw` in namespace `edge` binds it; one that names no Gateway is said.
  const refCases: { ref: string; vsNamespace?: string; binds: boolean }[] = [
    { ref: 'edge/gw', binds: true },
    { ref: 'gw', vsNamespace: 'edge', binds: true },
    { ref: './gw', vsNamespace: 'edge', binds: true },
    { ref: 'gw.edge', binds: true },
    { ref: 'gw.edge.svc.cluster.local', binds: true },
    { ref: 'gw', binds: false },
    { ref: './gw', binds: false },
    { ref: 'other/gw', binds: false },
    { ref: 'gw.other.svc.cluster.local', binds: false },
  ];
  for (const c of refCases) {
    const namespace = c.vsNamespace ?? 'bookinfo';
    it(`spec.gateways '${c.ref}' from namespace ${namespace} ${c.binds ? 'binds' : 'names no Gateway'}`, () => {
      const { published, notes } = vsLines(
        [teamGateway('edge', ['*/*.example.com'])],
        [teamIngress('edge', '198.51.100.1')],
        [vs(['shop.example.com'], ['mesh', c.ref], {}, namespace)],
      );
      if (c.binds) {
        assert.deepEqual(published, [
          `A shop.example.com 198.51.100.1 virtualservice/${namespace}/reviews-vs`,
        ]);
        assert.deepEqual(notes, []);
      } else {
        assert.deepEqual(published, []);
        assert.equal(notes.length, 1);
        assert.match(
          notes[0] ?? '',
          new RegExp(
            `^GatewayNotFound spec\\.gateways entry '${c.ref.replace(/\./g, '\\.')}' names Gateway [a-z]+/gw, which does not exist: nothing is published through it$`,
          ),
        );
      }
    });
  }

  it('resolves spec.gateways entries as Istio does', () => {
    assert.deepEqual(
      ['edge/gw', 'gw', './gw', 'gw.edge', 'gw.edge.svc.cluster.local', '*/gw'].map((r) =>
        resolveGatewayRef(r, 'shop'),
      ),
      ['edge/gw', 'shop/gw', 'shop/gw', 'edge/gw', 'edge/gw', '*/gw'],
    );
  });

  it('a missing Gateway beside a bound one is said, and the bound one still publishes', () => {
    const { published, notes } = vsLines(
      [teamGateway('edge', ['*/*.example.com'])],
      [teamIngress('edge', '198.51.100.1')],
      [vs(['shop.example.com'], ['edge/gw', 'edge/gone'])],
    );
    assert.deepEqual(published, [
      'A shop.example.com 198.51.100.1 virtualservice/bookinfo/reviews-vs',
    ]);
    assert.deepEqual(notes, [
      "GatewayNotFound spec.gateways entry 'edge/gone' names Gateway edge/gone, which does not exist: nothing is published through it",
    ]);
  });

  it('many missing Gateways are one note naming the first ten and counting the rest', () => {
    const refs = Array.from({ length: 25 }, (_, i) => `edge/gone-${i}`);
    const { published, notes } = vsLines(
      [teamGateway('edge', ['*/*.example.com'])],
      [teamIngress('edge', '198.51.100.1')],
      [vs(['shop.example.com'], ['edge/gw', ...refs])],
    );
    assert.equal(published.length, 1);
    assert.equal(notes.length, 1);
    assert.match(
      notes[0] ?? '',
      /^GatewayNotFound 25 spec\.gateways entries name Gateways which do not exist, so nothing is published through them: 'edge\/gone-0' \(Gateway edge\/gone-0\); .*'edge\/gone-9' \(Gateway edge\/gone-9\); and 15 more$/,
    );
  });

  it('a missing Gateway is not worth a word when the VirtualService has no names for DNS', () => {
    const { notes } = vsLines(
      [],
      [],
      [vs(['reviews', 'reviews.bookinfo.svc.cluster.local'], ['edge/gone'])],
    );
    assert.deepEqual(notes, []);
  });

  it('mesh-internal hosts are neither published nor reported', () => {
    const mesh = [
      'reviews',
      'reviews.bookinfo.svc.cluster.local',
      'reviews.bookinfo.svc',
      'cluster.local',
      '*.bookinfo.svc.cluster.local',
      '10.0.0.12',
      '2001:db8::12',
    ];
    for (const serverHosts of [['*/*'], ['*/shop.example.com']]) {
      const { published, notes } = vsLines(
        [teamGateway('edge', serverHosts)],
        [teamIngress('edge', '198.51.100.1')],
        [vs([...mesh, 'shop.example.com'], ['edge/gw'])],
      );
      assert.deepEqual(
        published,
        ['A shop.example.com 198.51.100.1 virtualservice/bookinfo/reviews-vs'],
        serverHosts.join(),
      );
      assert.deepEqual(notes, [], serverHosts.join());
    }
  });

  it('NoTargets names the cause for a VirtualService too', () => {
    const { published, notes } = vsLines(
      [teamGateway('edge', ['*/*.example.com'])],
      [],
      [vs(['shop.example.com'], ['edge/gw'])],
    );
    assert.deepEqual(published, []);
    assert.deepEqual(notes, [
      "NoTargets no address to publish shop.example.com at yet: no Service in namespaces edge, istio-system selects pods labelled istio=ingressgateway (Gateway edge/gw's spec.selector; ingress namespaces: --ingress-namespaces)",
    ]);
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

describe('Ingress TLS hosts', () => {
  it('publishes spec.tls[].hosts as well as rule hosts, as external-dns does', () => {
    const ingress: IngressObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('shop', 'web'),
      spec: {
        rules: [{ host: 'shop.example.com' }],
        tls: [{ hosts: ['shop.example.com', 'secure.example.com'] }, {}],
      },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.40' }] } },
    };
    const out = desiredState(snapshot({ ingresses: [ingress] }), options);
    assert.deepEqual(summary(out.endpoints), [
      'A secure.example.com 203.0.113.40 ingress/shop/web',
      'A shop.example.com 203.0.113.40 ingress/shop/web',
    ]);
    assert.deepEqual(out.notes, []);
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
  it('gives each route hostname the addresses of only the Gateways whose listeners serve it', () => {
    const gatewayAt = (name: string, hostname: string, ip: string): GatewayApiGatewayObject => ({
      ...gateway,
      metadata: meta('infra', name),
      spec: { listeners: [listener({ hostname, allowedRoutes: { namespaces: { from: 'All' } } })] },
      status: { addresses: [{ type: 'IPAddress', value: ip }] },
    });
    const both = route('shop', {
      hostnames: ['a.example.com', 'b.example.org', 'c.example.net'],
      parentRefs: [
        { name: 'one', namespace: 'infra' },
        { name: 'two', namespace: 'infra' },
        { name: 'three', namespace: 'infra' },
      ],
    });
    const { published, notes } = routeLines(
      [
        gatewayAt('one', '*.example.com', '192.0.2.1'),
        gatewayAt('two', 'b.example.org', '192.0.2.2'),
        gatewayAt('three', '*.example.net', '192.0.2.3'),
      ],
      [both],
    );
    assert.deepEqual(published, [
      'A a.example.com 192.0.2.1 httproute/shop/r',
      'A b.example.org 192.0.2.2 httproute/shop/r',
      'A c.example.net 192.0.2.3 httproute/shop/r',
    ]);
    assert.deepEqual(notes, []);
  });

  it('the hostname annotation cannot add a name no attached listener serves', () => {
    const annotated: HttpRouteObject = {
      ...route('shop', {
        hostnames: ['store.apps.example.com'],
        parentRefs: [{ name: 'public', namespace: 'infra', sectionName: 'apps' }],
      }),
      metadata: meta('shop', 'r', { [`${P}hostname`]: 'extra.apps.example.com,shop.example.org' }),
    };
    const { published, notes } = routeLines([gateway], [annotated]);
    assert.deepEqual(published, [
      'A extra.apps.example.com 192.0.2.50 httproute/shop/r',
      'A store.apps.example.com 192.0.2.50 httproute/shop/r',
    ]);
    assert.deepEqual(notes, [
      'HostNotOnGateway: hostname shop.example.org (hostname annotation) is accepted by no listener its parent Gateways attach it to, so it is not published',
    ]);
  });

  it('NoTargets says the Gateway has no address yet', () => {
    const bare: GatewayApiGatewayObject = { ...gateway, status: {} };
    const out = desiredState(
      snapshot({
        gatewayApiGateways: [bare],
        httpRoutes: [
          route('shop', {
            hostnames: ['store.apps.example.com'],
            parentRefs: [{ name: 'public', namespace: 'infra' }],
          }),
        ],
      }),
      options,
    );
    assert.deepEqual(
      out.notes.map((n) => `${n.reason} ${n.message}`),
      [
        'NoTargets no address to publish *.apps.example.com at yet: Gateway infra/public has no status.addresses yet (its controller sets them)',
        'NoTargets no address to publish store.apps.example.com at yet: Gateway infra/public has no status.addresses yet (its controller sets them)',
      ],
    );
  });
});
