import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_GATEWAY_REFS, MAX_NAMES_PER_OBJECT, countSpecNames } from '../annotations/limits.js';
import { PREFIX } from '../annotations/prefix.js';
import { describeObject, mutateObject, validateObject, type KubeObject } from './admit.js';
import { applyJsonPatch, escapePointerToken } from './json-patch.js';
import { parseDomainPolicy } from '../tenancy/domain-policy.js';

const gateway = (annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'bookinfo-gw', namespace: 'bookinfo', annotations },
  spec: { selector: { istio: 'ingressgateway' } },
});

describe('mutateObject', () => {
  it('patches only the annotations it normalises or adds, escaping / as ~1', () => {
    const object = gateway({
      [`${PREFIX}ttl`]: '5m',
      [`${PREFIX}hostname`]: 'a.example.com',
      [`${PREFIX}set-identifier`]: 'blue',
      other: 'Untouched ',
    });
    const { patch, warnings } = mutateObject(object);
    assert.deepEqual(patch, [
      {
        op: 'replace',
        path: '/metadata/annotations/route53.v1beta1.tetrate.io~1ttl',
        value: '300',
      },
      {
        op: 'add',
        path: '/metadata/annotations/route53.v1beta1.tetrate.io~1aws-weight',
        value: '1',
      },
    ]);
    assert.deepEqual(warnings, [
      "Gateway bookinfo/bookinfo-gw: set-identifier without a routing policy means weighted routing: aws-weight: '1' was added",
    ]);
    const after = applyJsonPatch(object, patch);
    assert.equal(after.metadata?.annotations?.['other'], 'Untouched ');
    assert.deepEqual(mutateObject(after).patch, [], 'a second pass changes nothing');
    assert.equal(object.metadata?.annotations?.[`${PREFIX}ttl`], '5m', 'the input is not modified');
  });

  it('does not patch an object that will be denied', () => {
    assert.deepEqual(
      mutateObject(gateway({ [`${PREFIX}ttl`]: '5m', [`${PREFIX}aws-weight`]: '300' })),
      {
        patch: [],
        warnings: [],
      },
    );
  });

  it('leaves objects without our keys alone', () => {
    assert.deepEqual(mutateObject(gateway({ a: 'b' })), { patch: [], warnings: [] });
    assert.deepEqual(mutateObject({ kind: 'Gateway', apiVersion: 'networking.istio.io/v1' }), {
      patch: [],
      warnings: [],
    });
  });
});

describe('validateObject', () => {
  // The mutating webhook patches only valid objects: a denied one must not be told that
  // aws-weight was added or an empty item dropped, since neither happened.
  const denied: [string, Record<string, string>, RegExp[]][] = [
    [
      'set-identifier alone beside an error',
      { 'set-identifier': 'blue', hostnmae: 'a.example.com' },
      [],
    ],
    [
      'an empty hostname item beside an error',
      { hostname: 'a.example.com,,b.example.com', 'aws-weight': '300' },
      [],
    ],
    [
      'other warnings stay',
      { 'internal-hostname': 'db.example.com', 'set-identifier': 'x', 'aws-weight': '300' },
      [/internal-hostname only has an effect on Service/],
    ],
  ];
  for (const [what, annotations, warnings] of denied) {
    it(`reports no mutation for a denied object: ${what}`, () => {
      const object = gateway(
        Object.fromEntries(Object.entries(annotations).map(([k, v]) => [PREFIX + k, v])),
      );
      assert.deepEqual(mutateObject(object).patch, []);
      const verdict = validateObject(object);
      assert.equal(verdict.allowed, false);
      assert.equal(verdict.warnings.length, warnings.length, JSON.stringify(verdict.warnings));
      warnings.forEach((re, i) => assert.match(verdict.warnings[i] ?? '', re));
    });
  }

  it('denies with one message naming the object, key, value and what is accepted', () => {
    const verdict = validateObject(
      gateway({ [`${PREFIX}aws-weight`]: '300', [`${PREFIX}set-identifier`]: 'x' }),
    );
    assert.equal(verdict.allowed, false);
    assert.equal(
      verdict.message,
      "Gateway bookinfo/bookinfo-gw: aws-weight: '300' is out of range: must be an integer from 0 to 255",
    );
    assert.deepEqual(verdict.deniedKeys, ['aws-weight']);
  });

  it('admits with warnings', () => {
    const verdict = validateObject(gateway({ [`${PREFIX}access`]: 'public' }));
    assert.equal(verdict.allowed, true);
    assert.match(
      verdict.warnings[0] ?? '',
      /^Gateway bookinfo\/bookinfo-gw: access only has an effect on Service/,
    );
  });

  it('knows a headless Service', () => {
    const service = (clusterIP: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 's',
        namespace: 'n',
        annotations: { [`${PREFIX}endpoints-type`]: 'HostIP' },
      },
      spec: { clusterIP },
    });
    assert.deepEqual(validateObject(service('None')).warnings, []);
    assert.equal(validateObject(service('10.0.0.1')).warnings.length, 1);
  });

  it('treats kinds outside the contract without kind-specific warnings', () => {
    const verdict = validateObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { [`${PREFIX}access`]: 'public' } },
    });
    assert.deepEqual(verdict, { allowed: true, message: undefined, warnings: [], deniedKeys: [] });
  });
});

describe('describeObject', () => {
  it('names cluster-scoped, namespaced and generated objects', () => {
    assert.equal(
      describeObject({ kind: 'Gateway', metadata: { name: 'g', namespace: 'n' } }),
      'Gateway n/g',
    );
    assert.equal(describeObject({ kind: 'Gateway', metadata: { name: 'g' } }), 'Gateway g');
    assert.equal(
      describeObject({ kind: 'Gateway', metadata: { generateName: 'g-', namespace: 'n' } }),
      'Gateway n/g-*',
    );
  });
});

describe('JSON patch', () => {
  it('escapes ~ before /', () => {
    assert.equal(escapePointerToken('a~b/c'), 'a~0b~1c');
  });
  it('applies add and replace to a copy and refuses missing paths', () => {
    const doc = { metadata: { annotations: { 'a/b': '1' } } };
    const out = applyJsonPatch(doc, [
      { op: 'replace', path: '/metadata/annotations/a~1b', value: '2' },
      { op: 'add', path: '/metadata/annotations/c~0d', value: '3' },
    ]);
    assert.deepEqual(out, { metadata: { annotations: { 'a/b': '2', 'c~d': '3' } } });
    assert.deepEqual(doc, { metadata: { annotations: { 'a/b': '1' } } });
    assert.throws(
      () => applyJsonPatch(doc, [{ op: 'replace', path: '/metadata/annotations/x', value: '' }]),
      /missing member/,
    );
    assert.throws(
      () => applyJsonPatch(doc, [{ op: 'add', path: '/spec/x', value: '' }]),
      /does not exist/,
    );
  });
});

describe('validateObject with a domain policy', () => {
  const domainPolicy = parseDomainPolicy(
    `strict: false
domains:
  - {domain: shop.example.com, namespaces: [team-shop]}
  - {domain: b.example.com, namespaces: [team-b]}`,
    'policy.yaml',
  );
  const object = (
    kind: string,
    apiVersion: string,
    spec: Record<string, unknown>,
    annotations: Record<string, string> = {},
    namespace = 'team-b',
  ): KubeObject => ({
    apiVersion,
    kind,
    metadata: { name: 'x', namespace, annotations },
    spec,
  });
  const istioGateway = (hosts: string[], annotations?: Record<string, string>, ns?: string) =>
    object('Gateway', 'networking.istio.io/v1', { servers: [{ hosts }] }, annotations, ns);

  it("denies a plain Gateway claiming another team's name, with no annotation of ours", () => {
    const verdict = validateObject(istioGateway(['shop.example.com', 'www.b.example.com']), {
      domainPolicy,
    });
    assert.equal(verdict.allowed, false);
    assert.equal(
      verdict.message,
      'Gateway team-b/x: shop.example.com may be published only from namespace team-shop (domain policy entry shop.example.com), not from namespace team-b',
    );
    assert.deepEqual(verdict.deniedKeys, ['domain-policy']);
    assert.equal(validateObject(istioGateway(['shop.example.com'])).allowed, true, 'no policy');
    assert.equal(
      validateObject(istioGateway(['shop.example.com'], {}, 'team-shop'), { domainPolicy }).allowed,
      true,
    );
  });

  for (const [what, candidate] of [
    [
      'the hostname annotation',
      istioGateway(['www.b.example.com'], { [`${PREFIX}hostname`]: 'api.shop.example.com' }),
    ],
    ['a wildcard in ns/host form', istioGateway(['team-b/*.shop.example.com'])],
    [
      'a VirtualService bound to a gateway',
      object('VirtualService', 'networking.istio.io/v1', {
        hosts: ['shop.example.com'],
        gateways: ['gw'],
      }),
    ],
    [
      'an Ingress rule',
      object('Ingress', 'networking.k8s.io/v1', { rules: [{ host: 'shop.example.com' }] }),
    ],
    [
      'an Ingress TLS host',
      object('Ingress', 'networking.k8s.io/v1', { tls: [{ hosts: ['shop.example.com'] }] }),
    ],
    [
      'a Gateway API listener',
      object('Gateway', 'gateway.networking.k8s.io/v1', {
        listeners: [{ hostname: 'shop.example.com' }],
      }),
    ],
    [
      'an HTTPRoute hostname',
      object('HTTPRoute', 'gateway.networking.k8s.io/v1', {
        hostnames: ['_acme-challenge.shop.example.com'],
      }),
    ],
    [
      'a Service internal-hostname',
      object('Service', 'v1', {}, { [`${PREFIX}internal-hostname`]: 'db.shop.example.com' }),
    ],
  ] as const) {
    it(`judges names from ${what}`, () => {
      const verdict = validateObject(candidate, { domainPolicy });
      assert.equal(verdict.allowed, false, verdict.message);
      assert.match(verdict.message ?? '', /domain policy entry shop\.example\.com/);
    });
  }

  for (const [what, candidate] of [
    [
      'a mesh-only VirtualService',
      object('VirtualService', 'networking.istio.io/v1', {
        hosts: ['shop.example.com'],
        gateways: ['mesh'],
      }),
    ],
    [
      'mesh-internal hosts',
      object('VirtualService', 'networking.istio.io/v1', {
        hosts: ['reviews', 'reviews.shop.svc.cluster.local'],
        gateways: ['gw'],
      }),
    ],
    [
      'spec hosts under annotation-only',
      istioGateway(['shop.example.com'], {
        [`${PREFIX}ingress-hostname-source`]: 'annotation-only',
      }),
    ],
    [
      'an object for another controller',
      istioGateway(['shop.example.com'], { [`${PREFIX}controller`]: 'someone-else' }),
    ],
    ['a bare * server host', istioGateway(['*'])],
  ] as const) {
    it(`does not judge ${what}`, () => {
      assert.equal(validateObject(candidate, { domainPolicy }).allowed, true);
    });
  }

  it('takes the namespace kubectl would when the manifest names none', () => {
    const candidate = istioGateway(['shop.example.com']);
    delete candidate.metadata?.namespace;
    assert.match(
      validateObject(candidate, { domainPolicy }).message ?? '',
      /not from namespace default/,
    );
    assert.equal(
      validateObject(candidate, { domainPolicy, defaultNamespace: 'team-shop' }).allowed,
      true,
    );
  });
});

describe('names in the spec', () => {
  const manyHosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example.com`);
  const cases: { what: string; object: KubeObject; count: number; names: string }[] = [
    {
      what: "an Istio Gateway's servers' hosts, summed over servers",
      object: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'g', namespace: 'ns' },
        spec: {
          servers: [{ hosts: manyHosts(600) }, { hosts: manyHosts(600) }, { port: {} }],
        },
      },
      count: 1200,
      names: "servers' hosts",
    },
    {
      what: "a VirtualService's hosts",
      object: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'v', namespace: 'ns' },
        spec: { hosts: manyHosts(1001) },
      },
      count: 1001,
      names: 'hosts',
    },
    {
      what: "an Ingress's rules",
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'i', namespace: 'ns' },
        spec: { rules: manyHosts(2000).map((host) => ({ host })) },
      },
      count: 2000,
      names: 'rules and TLS hosts',
    },
    {
      what: "an Ingress's TLS hosts, counted with its rules (the syncer publishes both)",
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'i', namespace: 'ns' },
        spec: { rules: [{ host: 'a.example.com' }], tls: [{ hosts: manyHosts(1000) }] },
      },
      count: 1001,
      names: 'rules and TLS hosts',
    },
    {
      what: "a Gateway API Gateway's listeners",
      object: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'g', namespace: 'ns' },
        spec: { listeners: manyHosts(15000).map((hostname) => ({ hostname })) },
      },
      count: 15000,
      names: 'listeners',
    },
    {
      what: "an HTTPRoute's hostnames",
      object: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r', namespace: 'ns' },
        spec: { hostnames: manyHosts(1001) },
      },
      count: 1001,
      names: 'hostnames',
    },
  ];
  for (const c of cases) {
    it(`denies ${c.what} over the limit, naming the count and the limit`, () => {
      const verdict = validateObject(c.object);
      assert.equal(verdict.allowed, false);
      assert.match(
        verdict.message ?? '',
        new RegExp(
          `: spec: ${c.count} names \\(${c.names}\\) is over the limit of ${MAX_NAMES_PER_OBJECT} names per object$`,
        ),
      );
      assert.deepEqual(verdict.deniedKeys, ['spec']);
    });
  }
  it('admits a spec at the limit, and counts nothing for kinds without spec names', () => {
    const gw = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'g', namespace: 'ns' },
      spec: { listeners: manyHosts(MAX_NAMES_PER_OBJECT).map((hostname) => ({ hostname })) },
    };
    assert.equal(validateObject(gw).allowed, true);
    assert.equal(countSpecNames('service', { hosts: manyHosts(5000) }), 0);
    assert.equal(countSpecNames('istio-gateway', { servers: 'not a list' }), 0);
    assert.equal(countSpecNames('httproute', undefined), 0);
  });
  it('denies a VirtualService binding more Gateways than the limit, counting entries as written', () => {
    const virtualService = (gateways: string[]): KubeObject => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'v', namespace: 'ns' },
      spec: { hosts: ['a.example.com'], gateways },
    });
    const refs = (n: number) => Array.from({ length: n }, (_, i) => `shared/g${i}`);
    assert.equal(validateObject(virtualService(refs(MAX_GATEWAY_REFS))).allowed, true);
    const over = validateObject(virtualService(['mesh', ...refs(MAX_GATEWAY_REFS)]));
    assert.equal(over.allowed, false);
    assert.equal(
      over.message,
      `VirtualService ns/v: spec.gateways: ${MAX_GATEWAY_REFS + 1} entries is over the limit of ${MAX_GATEWAY_REFS} Gateways per VirtualService`,
    );
    assert.deepEqual(over.deniedKeys, ['spec']);
    // Only a VirtualService's spec.gateways is bounded here (Gateway API's CRDs bound theirs).
    assert.equal(
      validateObject({
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'g', namespace: 'ns' },
        spec: { selector: { istio: 'ingressgateway' }, gateways: refs(500), servers: [] },
      }).allowed,
      true,
    );
  });
  it('lists both problems when the annotation is over the limit too', () => {
    const object: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: {
        name: 'v',
        namespace: 'ns',
        annotations: {
          [`${PREFIX}hostname`]: Array.from({ length: 5000 }, (_, i) => `${i}.io`).join(','),
        },
      },
      spec: { hosts: manyHosts(1001) },
    };
    const verdict = validateObject(object);
    assert.equal(
      verdict.message,
      `VirtualService ns/v: hostname: 5000 names is over the limit of ${MAX_NAMES_PER_OBJECT} names per object; spec: 1001 names (hosts) is over the limit of ${MAX_NAMES_PER_OBJECT} names per object`,
    );
    assert.deepEqual(verdict.deniedKeys, ['hostname', 'spec']);
  });
});
