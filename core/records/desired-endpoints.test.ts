import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ADDRESSES_PER_NAME } from '../annotations/limits.js';
import type { AnnotationSpec } from '../annotations/spec.js';
import type { Target } from '../annotations/keys.js';
import { endpointsFor } from './desired-endpoints.js';
import type { Endpoint } from './endpoint.js';

const owner = {
  kind: 'gateway',
  namespace: 'istio-system',
  name: 'main',
  creationTimestamp: '2024-01-01T00:00:00Z',
};
const spec = (extra: Partial<AnnotationSpec> = {}): AnnotationSpec => ({
  hostnames: [],
  internalHostnames: [],
  evaluateTargetHealth: false,
  sameZone: false,
  ...extra,
});
const ip = (value: string): Target => ({ type: 'ip', family: value.includes(':') ? 6 : 4, value });
const host = (value: string): Target => ({ type: 'hostname', value });
const ELB = 'k8s-istio-abc-123.us-east-1.elb.amazonaws.com';

/** The records, without the owner that every case shares. */
function records(hostnames: string[], targets: Target[], s: AnnotationSpec) {
  const result = endpointsFor({ hostnames, targets, spec: s, owner });
  return {
    records: result.endpoints.map(({ owner: _owner, ...rest }: Endpoint) => rest),
    problems: result.problems,
  };
}

describe('endpointsFor', () => {
  it('gives IPv4 targets an A and IPv6 targets an AAAA per hostname, targets sorted', () => {
    const { records: got, problems } = records(
      ['www.example.com', 'api.example.com'],
      [ip('10.0.0.2'), ip('2001:db8::1'), ip('10.0.0.1')],
      spec(),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(got, [
      { name: 'api.example.com', type: 'A', targets: ['10.0.0.1', '10.0.0.2'], ttl: 300 },
      { name: 'api.example.com', type: 'AAAA', targets: ['2001:db8::1'], ttl: 300 },
      { name: 'www.example.com', type: 'A', targets: ['10.0.0.1', '10.0.0.2'], ttl: 300 },
      { name: 'www.example.com', type: 'AAAA', targets: ['2001:db8::1'], ttl: 300 },
    ]);
  });

  it('publishes neither A nor AAAA for more addresses than one name may carry, saying so', () => {
    const v4 = (n: number) => Array.from({ length: n }, (_, i) => ip(`10.0.${i >> 8}.${i & 255}`));
    const v6 = (n: number) =>
      Array.from({ length: n }, (_, i) => ip(`2001:db8::${(i + 1).toString(16)}`));
    const of = (targets: Target[]) =>
      endpointsFor({ hostnames: ['www.example.com'], targets, spec: spec(), owner });
    const half = MAX_ADDRESSES_PER_NAME / 2;
    const at = of([...v4(half), ...v6(half)]);
    assert.deepEqual(
      at.endpoints.map((r) => `${r.type} ${r.targets.length}`),
      [`A ${half}`, `AAAA ${half}`],
    );
    assert.deepEqual(at.tooManyAddresses, []);
    const over = of([...v4(half + 1), ...v6(half)]);
    assert.deepEqual(over.endpoints, []);
    assert.deepEqual(over.problems, []);
    assert.deepEqual(over.tooManyAddresses, [
      `${MAX_ADDRESSES_PER_NAME + 1} addresses (${half + 1} IPv4, ${half} IPv6) are more than the ${MAX_ADDRESSES_PER_NAME} one name's records may carry (Route 53 must take them and their ownership TXTs in one request): no A or AAAA record is written, and what the object holds is kept as it is`,
    ]);
    // Counted once unique: a repeated address is one value.
    assert.deepEqual(of([...v4(MAX_ADDRESSES_PER_NAME), ...v4(5)]).tooManyAddresses, []);
  });

  it('lets the target annotation override derived targets', () => {
    const { records: got } = records(
      ['www.example.com'],
      [host(ELB)],
      spec({ targets: [ip('192.0.2.1')], ttl: 60 }),
    );
    assert.deepEqual(got, [
      { name: 'www.example.com', type: 'A', targets: ['192.0.2.1'], ttl: 60 },
    ]);
  });

  it('aliases a known AWS load balancer automatically, with its canonical zone and no TTL', () => {
    const { records: got } = records(
      ['www.example.com'],
      [host(ELB)],
      spec({ ttl: 60, evaluateTargetHealth: true }),
    );
    assert.deepEqual(got, [
      {
        name: 'www.example.com',
        type: 'A',
        targets: [ELB],
        alias: { sameZone: false, hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: true },
      },
    ]);
  });

  it('uses the NLB, CloudFront and Global Accelerator zones', () => {
    const zoneOf = (target: string) =>
      records(['www.example.com'], [host(target)], spec()).records[0]?.alias;
    assert.deepEqual(zoneOf('k8s-a-b.elb.eu-west-1.amazonaws.com'), {
      sameZone: false,
      hostedZoneId: 'Z2IFOLAFXWLO4F',
      evaluateTargetHealth: false,
    });
    assert.equal(zoneOf('d111111abcdef8.cloudfront.net')?.sameZone, false);
    assert.deepEqual(zoneOf('a1234.awsglobalaccelerator.com'), {
      sameZone: false,
      hostedZoneId: 'Z2BJ6XQ5FK7U4H',
      evaluateTargetHealth: false,
    });
  });

  it('publishes a CNAME for other hostnames, and for AWS ones when alias is false', () => {
    assert.deepEqual(records(['www.example.com'], [host('lb.example.net')], spec()).records, [
      { name: 'www.example.com', type: 'CNAME', targets: ['lb.example.net'], ttl: 300 },
    ]);
    assert.deepEqual(records(['www.example.com'], [host(ELB)], spec({ alias: false })).records, [
      { name: 'www.example.com', type: 'CNAME', targets: [ELB], ttl: 300 },
    ]);
  });

  it('aliases any hostname to aws-target-hosted-zone', () => {
    assert.deepEqual(
      records(['www.example.com'], [host('lb.example.net')], spec({ targetHostedZone: 'ZABC' }))
        .records[0]?.alias,
      { sameZone: false, hostedZoneId: 'ZABC', evaluateTargetHealth: false },
    );
  });

  it('makes a same-zone alias at the apex', () => {
    assert.deepEqual(
      records(['example.com'], [host('www.example.com')], spec({ sameZone: true, alias: true }))
        .records,
      [
        {
          name: 'example.com',
          type: 'A',
          targets: ['www.example.com'],
          alias: { sameZone: true, evaluateTargetHealth: false },
        },
      ],
    );
  });

  it('adds an alias AAAA only for alias: true on a dualstack target', () => {
    const types = (target: string, alias?: boolean) =>
      records(
        ['www.example.com'],
        [host(target)],
        spec(alias === undefined ? {} : { alias }),
      ).records.map((r) => r.type);
    assert.deepEqual(types(`dualstack.${ELB}`, true), ['A', 'AAAA']);
    assert.deepEqual(types(`dualstack.${ELB}`), ['A']);
    assert.deepEqual(types(ELB, true), ['A']);
  });

  it('falls back to a CNAME, with a problem, when alias: true names a target of unknown zone', () => {
    const { records: got, problems } = records(
      ['www.example.com'],
      [host('lb.example.net')],
      spec({ alias: true }),
    );
    assert.deepEqual(
      got.map((r) => r.type),
      ['CNAME'],
    );
    assert.match(problems[0] ?? '', /alias requested for lb\.example\.net.*aws-target-hosted-zone/);
  });

  it('copies set identifier, routing and health check to every record', () => {
    const s = spec({
      setIdentifier: 'eu',
      routing: { type: 'latency', region: 'eu-west-1' },
      healthCheckId: '6a1e2b3c-0000-4000-8000-000000000001',
    });
    for (const r of records(['a.example.com', 'b.example.com'], [ip('10.0.0.1')], s).records) {
      assert.equal(r.setIdentifier, 'eu');
      assert.deepEqual(r.routing, { type: 'latency', region: 'eu-west-1' });
      assert.equal(r.healthCheckId, '6a1e2b3c-0000-4000-8000-000000000001');
    }
  });

  const problemCases: [string, string[], Target[], AnnotationSpec, RegExp, string[]][] = [
    [
      'IPs mixed with hostnames',
      ['www.example.com'],
      [ip('10.0.0.1'), host(ELB)],
      spec(),
      /mix/,
      ['A'],
    ],
    [
      'two target hostnames',
      ['www.example.com'],
      [host('b.example.net'), host('a.example.net')],
      spec(),
      /using a\.example\.net/,
      ['CNAME'],
    ],
    [
      'multivalue with a hostname target',
      ['www.example.com'],
      [host(ELB)],
      spec({ setIdentifier: 'x', routing: { type: 'multivalue' } }),
      /multivalue/,
      [],
    ],
    ['a CNAME to itself', ['lb.example.net'], [host('lb.example.net')], spec(), /itself/, []],
    [
      'an ALB in a region the table does not know, publishing nothing rather than a CNAME',
      ['example.com', 'www.example.com'],
      [host('k8s-a-1.xx-nowhere-9.elb.amazonaws.com')],
      spec(),
      /load balancer in xx-nowhere-9.*not published.*aws-target-hosted-zone.*Application\/Classic Load Balancer zone.*alias: 'false'/,
      [],
    ],
    [
      'an NLB in a region the table does not know, also with alias: true',
      ['www.example.com'],
      [host('k8s-a-1.elb.xx-nowhere-9.amazonaws.com')],
      spec({ alias: true }),
      /xx-nowhere-9.*not published.*Network Load Balancer zone/,
      [],
    ],
    [
      'a ttl on a record that is an alias because of its load balancer status',
      ['www.example.com'],
      [host(ELB)],
      spec({ ttl: 60 }),
      /ttl 60 is ignored: the records for .* are aliases.*no TTL/,
      ['A'],
    ],
  ];

  it('publishes a CNAME to an unknown-region load balancer only when alias is false', () => {
    const lb = 'k8s-a-1.xx-nowhere-9.elb.amazonaws.com';
    assert.deepEqual(records(['www.example.com'], [host(lb)], spec({ alias: false })), {
      records: [{ name: 'www.example.com', type: 'CNAME', targets: [lb], ttl: 300 }],
      problems: [],
    });
    assert.deepEqual(
      records(['www.example.com'], [host(lb)], spec({ targetHostedZone: 'ZNEW' })).records[0]
        ?.alias,
      { sameZone: false, hostedZoneId: 'ZNEW', evaluateTargetHealth: false },
    );
  });

  it('leaves the ttl warning to the webhook when the annotations show the alias', () => {
    for (const s of [spec({ ttl: 60, targets: [host(ELB)] }), spec({ ttl: 60, alias: true })]) {
      assert.deepEqual(records(['www.example.com'], [host(ELB)], s).problems, []);
    }
  });

  it('leaves evaluateTargetHealth unset when no annotation sets it', () => {
    const unset: AnnotationSpec = { hostnames: [], internalHostnames: [], sameZone: false };
    assert.deepEqual(records(['www.example.com'], [host(ELB)], unset).records[0]?.alias, {
      sameZone: false,
      hostedZoneId: 'Z35SXDOTRQ7X7K',
    });
  });
  for (const [what, hostnames, targets, s, problem, types] of problemCases) {
    it(`reports ${what}`, () => {
      const result = records(hostnames, targets, s);
      assert.match(result.problems.join('\n'), problem);
      assert.deepEqual(
        result.records.map((r) => r.type),
        types,
      );
    });
  }

  it('gives nothing, and no problem, while there are no targets yet', () => {
    assert.deepEqual(records(['www.example.com'], [], spec()), { records: [], problems: [] });
  });

  it('shares one frozen target list between objects with the same targets', () => {
    const targetsOf = (hostnames: string[], targets: Target[], s = spec()) =>
      endpointsFor({ hostnames, targets, spec: s, owner }).endpoints.map((e) => e.targets);
    const [a] = targetsOf(['a.example.com'], [ip('10.0.0.2'), ip('10.0.0.1')]);
    const [b] = targetsOf(['b.example.com'], [ip('10.0.0.1'), ip('10.0.0.2')]);
    assert.deepEqual(a, ['10.0.0.1', '10.0.0.2']);
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    const [cname1] = targetsOf(['c.example.com'], [host('lb.example.net')]);
    const [cname2] = targetsOf(['d.example.com'], [host('lb.example.net')]);
    assert.deepEqual(cname1, ['lb.example.net']);
    assert.equal(cname1, cname2);
  });

  it('keeps target lists right past the bound of lists it shares', () => {
    // More distinct lists than are kept: the table starts afresh, and every endpoint still
    // has its own targets, including those handed out before.
    const first = endpointsFor({
      hostnames: ['x.example.com'],
      targets: [ip('10.9.0.1')],
      spec: spec(),
      owner,
    });
    const many = Array.from({ length: 3000 }, (_, i) => {
      const address = `10.${Math.floor(i / 256)}.${i % 256}.1`;
      const [endpoint] = endpointsFor({
        hostnames: [`h${i}.example.com`],
        targets: [ip(address)],
        spec: spec(),
        owner,
      }).endpoints;
      return { address, targets: endpoint?.targets };
    });
    for (const { address, targets } of many) assert.deepEqual(targets, [address]);
    assert.deepEqual(first.endpoints[0]?.targets, ['10.9.0.1']);
  });
});
