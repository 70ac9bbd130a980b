import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PUBLIC,
  PRIVATE,
  GW,
  SVC,
  ELB,
  OURS,
  a,
  cname,
  alias,
  rr,
  txt,
  run,
  lines,
} from './testing/plan-cases.js';

describe('plan: steady state', () => {
  it('sends nothing when Route 53 already holds what is wanted, however it spells it', () => {
    const current = [
      rr('\\052.Example.com', 'A', ['10.0.0.2', '10.0.0.1']),
      txt('a-\\052.example.com', OURS),
      {
        Name: 'api.example.com.',
        Type: 'A',
        AliasTarget: {
          HostedZoneId: '/hostedzone/Z35SXDOTRQ7X7K',
          DNSName: `dualstack.${ELB}.`,
          EvaluateTargetHealth: false,
        },
      },
      txt('a-api.example.com', OURS),
    ];
    const result = run(current, [
      a('*.example.com', ['10.0.0.1', '10.0.0.2']),
      alias('api.example.com', ELB, { ttl: 60 }),
    ]);
    assert.deepEqual(lines(result), []);
  });
});

describe('plan: refusals and limits', () => {
  it('refuses a CNAME at a zone apex', () => {
    const result = run([], [cname('example.com', 'lb.example.net')]);
    assert.deepEqual(lines(result), []);
    assert.equal(result.refused[0]?.reason, 'apex-cname');
  });

  it('refuses names outside domainFilter and names no zone holds', () => {
    const result = run(
      [],
      [a('www.example.com', ['10.0.0.1']), a('www.example.org', ['10.0.0.1'])],
      { domainFilter: ['apps.example.com', 'example.org'] },
    );
    assert.deepEqual(
      result.refused.map((r) => `${r.reason} ${r.endpoint.name}`),
      ['outside-domain-filter www.example.com', 'no-zone www.example.org'],
    );
  });

  it('refuses a same-zone alias to a name outside the zone', () => {
    const result = run(
      [],
      [
        {
          name: 'example.com',
          type: 'A',
          targets: ['www.example.org'],
          alias: { sameZone: true, evaluateTargetHealth: false },
          owner: GW,
        },
      ],
    );
    assert.equal(result.refused[0]?.reason, 'alias-target-outside-zone');
  });

  it('keeps a record it wants but cannot write rather than deleting it', () => {
    const result = run(
      [
        rr('www.example.com', 'A', ['10.0.0.1'], { SetIdentifier: 'a', Weight: 1 }),
        txt('a-www.example.com', OURS, { SetIdentifier: 'a', Weight: 1 }),
        rr('www.example.com', 'A', ['192.0.2.1'], { SetIdentifier: 'b', Weight: 1 }),
      ],
      [
        a('www.example.com', ['10.0.0.1'], {
          setIdentifier: 'a',
          routing: { type: 'latency', region: 'us-east-1' },
        }),
      ],
    );
    assert.deepEqual(lines(result), []);
    assert.equal(result.refused[0]?.reason, 'name-taken');
  });

  it('says why it refused as the first plan found it, not by the record it then keeps', () => {
    // The endpoint moves from weighted set a to latency set c, and a foreign weighted set b
    // cannot coexist with it: refused. Its set a is kept rather than deleted, and in the plan
    // made with it kept, set a stands in the way too; the cause is still set b.
    const result = run(
      [
        rr('www.example.com', 'A', ['10.0.0.1'], { SetIdentifier: 'a', Weight: 1 }),
        txt('a-www.example.com', OURS, { SetIdentifier: 'a', Weight: 1 }),
        rr('www.example.com', 'A', ['192.0.2.1'], { SetIdentifier: 'b', Weight: 1 }),
      ],
      [
        a('www.example.com', ['10.0.0.1'], {
          setIdentifier: 'c',
          routing: { type: 'latency', region: 'us-east-1' },
        }),
      ],
    );
    assert.deepEqual(lines(result), []);
    assert.deepEqual(
      result.refused.map((r) => r.reason),
      ['name-taken'],
    );
    assert.match(result.refused[0]?.message ?? '', /\(set b\) exists, cannot coexist with it/);
  });

  it('plans nothing for a zone without a listing, and names it', () => {
    const result = run({ ZPUB: [] }, [a('www.example.com', ['10.0.0.1'])], {}, [PUBLIC, PRIVATE]);
    assert.deepEqual(
      result.zones.map((z) => z.zoneId),
      ['ZPUB'],
    );
    assert.deepEqual(result.unlistedZones, ['ZPRIV']);
  });

  it('reports conflicts between our objects and publishes the winner', () => {
    const result = run(
      [],
      [a('www.example.com', ['10.0.0.2'], { owner: SVC }), a('www.example.com', ['10.0.0.1'])],
    );
    assert.deepEqual(lines(result)[0], 'ZPUB CREATE A www.example.com 10.0.0.1');
    assert.equal(result.conflicts[0]?.loser.owner, SVC);
  });

  it('refuses an owner ID the label format cannot hold', () => {
    assert.throws(() => run([], [], { ownerId: 'a,b' }), /owner ID 'a,b'/);
  });
});
