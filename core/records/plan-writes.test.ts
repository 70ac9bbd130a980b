import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipValue } from './ownership.js';
import type { ResourceRecordSet } from './route53-types.js';
import {
  PUBLIC,
  PRIVATE,
  APPS,
  GW,
  SVC,
  ELB,
  OURS,
  EDNS,
  a,
  cname,
  alias,
  rr,
  txt,
  run,
  lines,
} from './testing/plan-cases.js';

describe('plan: creating', () => {
  it('creates the record and its ownership TXT, exactly as the contract says', () => {
    const result = run([], [a('www.example.com', ['10.0.0.1'])]);
    assert.deepEqual(result.zones[0]?.groups, [
      [
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: 'www.example.com',
            Type: 'A',
            TTL: 300,
            ResourceRecords: [{ Value: '10.0.0.1' }],
          },
        },
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: 'a-www.example.com',
            Type: 'TXT',
            TTL: 300,
            ResourceRecords: [
              {
                Value:
                  '"heritage=aws-controller,aws-controller/owner=me,aws-controller/resource=gateway/istio-system/main"',
              },
            ],
          },
        },
      ],
    ]);
    assert.deepEqual(result.zones[0]?.decisions, [
      { action: 'create', record: 'A www.example.com', resource: 'gateway/istio-system/main' },
    ]);
  });

  it('gives a weighted record a TXT with the same set identifier and weight', () => {
    const result = run(
      [],
      [
        cname('*.example.com', 'lb.example.net', {
          setIdentifier: 'blue',
          routing: { type: 'weighted', weight: 5 },
        }),
      ],
    );
    const txtSet = result.zones[0]?.groups[0]?.[1]?.ResourceRecordSet;
    assert.equal(txtSet?.Name, 'cname-*.example.com');
    assert.equal(txtSet?.SetIdentifier, 'blue');
    assert.equal(txtSet?.Weight, 5);
  });

  it('creates an alias without TTL, and an apex alias with its TXT at a-.<zone>', () => {
    assert.deepEqual(lines(run([], [alias('example.com', ELB)])), [
      `ZPUB CREATE A example.com alias ${ELB}`,
      `ZPUB CREATE TXT a-.example.com ${OURS}`,
    ]);
    const set = run([], [alias('example.com', ELB)]).zones[0]?.groups[0]?.[0]?.ResourceRecordSet;
    assert.equal(set?.TTL, undefined);
  });

  it('writes to both the public and the private zone of a name, unless zoneType picks one', () => {
    const both = run({ ZPUB: [], ZPRIV: [] }, [a('www.example.com', ['10.0.0.1'])], {}, [
      PUBLIC,
      PRIVATE,
    ]);
    assert.deepEqual(
      both.zones.map((z) => z.zoneId),
      ['ZPRIV', 'ZPUB'],
    );
    const priv = run(
      { ZPUB: [], ZPRIV: [] },
      [a('www.example.com', ['10.0.0.1'])],
      { zoneType: 'private' },
      [PUBLIC, PRIVATE],
    );
    assert.deepEqual(
      priv.zones.map((z) => z.zoneId),
      ['ZPRIV'],
    );
  });

  it('writes to the most specific zone', () => {
    const result = run({ ZPUB: [], ZAPPS: [] }, [a('x.apps.example.com', ['10.0.0.1'])], {}, [
      PUBLIC,
      APPS,
    ]);
    assert.deepEqual(
      result.zones.map((z) => z.zoneId),
      ['ZAPPS'],
    );
  });
});

describe('plan: updating', () => {
  it('UPSERTs our record when its targets change, leaving the TXT alone', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', OURS)],
      [a('www.example.com', ['10.0.0.9'])],
    );
    assert.deepEqual(lines(result), ['ZPUB UPSERT A www.example.com 10.0.0.9']);
    assert.equal(result.zones[0]?.decisions[0]?.action, 'update');
  });

  it('rewrites the TXT when the record now belongs to another of our objects', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', OURS)],
      [a('www.example.com', ['10.0.0.1'], { owner: SVC })],
    );
    assert.deepEqual(lines(result), [
      `ZPUB UPSERT TXT a-www.example.com ${ownershipValue('me', 'service/apps/web')}`,
    ]);
  });

  it('replaces a record whose kind of routing changes with DELETE then CREATE in one group', () => {
    const weighted = { SetIdentifier: 'eu', Weight: 1 };
    const result = run(
      [
        rr('www.example.com', 'A', ['10.0.0.1'], weighted),
        txt('a-www.example.com', OURS, weighted),
      ],
      [
        a('www.example.com', ['10.0.0.1'], {
          setIdentifier: 'eu',
          routing: { type: 'latency', region: 'eu-west-1' },
        }),
      ],
    );
    assert.equal(result.zones[0]?.groups.length, 1);
    assert.deepEqual(lines(result), [
      'ZPUB DELETE A www.example.com (eu) 10.0.0.1',
      `ZPUB DELETE TXT a-www.example.com (eu) ${OURS}`,
      'ZPUB CREATE A www.example.com (eu) 10.0.0.1',
      `ZPUB CREATE TXT a-www.example.com (eu) ${OURS}`,
    ]);
  });

  // Found by the plan properties at 3,000 runs: the new set's TXT was judged against the old
  // set's TXT as it is (geolocation), not as this plan rewrites it (failover), and waited for
  // a second reconcile.
  it('adds a set beside one whose routing changes in the same plan, in one plan', () => {
    const geo = { SetIdentifier: 'blue', GeoLocation: { ContinentCode: 'EU' } };
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1'], geo), txt('a-www.example.com', OURS, geo)],
      ['blue', 'green'].map((set, i) =>
        a('www.example.com', ['10.0.0.1'], {
          setIdentifier: set,
          routing: { type: 'failover', role: i === 0 ? 'PRIMARY' : 'SECONDARY' },
        }),
      ),
    );
    assert.deepEqual(lines(result), [
      'ZPUB DELETE A www.example.com (blue) 10.0.0.1',
      `ZPUB DELETE TXT a-www.example.com (blue) ${OURS}`,
      'ZPUB CREATE A www.example.com (blue) 10.0.0.1',
      'ZPUB CREATE A www.example.com (green) 10.0.0.1',
      `ZPUB CREATE TXT a-www.example.com (blue) ${OURS}`,
      `ZPUB CREATE TXT a-www.example.com (green) ${OURS}`,
    ]);
  });

  // Also found by the properties: a set counted on to be rewritten was itself refused, and the
  // new set went out beside it with another kind of routing, which Route 53 refuses.
  it('does not count on rewriting a set whose own endpoint is refused', () => {
    const failover = { SetIdentifier: 'green', Failover: 'PRIMARY' as const };
    const result = run(
      [
        rr('www.example.com', 'A', ['10.0.0.1'], failover),
        txt('a-www.example.com', OURS, failover),
      ],
      [
        // A same-zone alias to a name outside the zone: refused, so green stays failover.
        a('www.example.com', ['www.example.org'], {
          setIdentifier: 'green',
          routing: { type: 'geolocation', continent: 'EU' },
          alias: { sameZone: true, evaluateTargetHealth: false },
        }),
        a('www.example.com', ['10.0.0.2'], {
          setIdentifier: 'blue',
          routing: { type: 'geolocation', continent: 'NA' },
        }),
      ],
    );
    assert.deepEqual(lines(result), []);
    assert.deepEqual(result.refused.map((r) => r.reason).sort(), [
      'alias-target-outside-zone',
      'blocked-by-policy',
    ]);
  });

  it('turns our A into a CNAME in one group, the deletions first', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', OURS)],
      [cname('www.example.com', 'lb.example.net')],
    );
    assert.equal(result.zones[0]?.groups.length, 1);
    assert.deepEqual(lines(result), [
      'ZPUB DELETE A www.example.com 10.0.0.1',
      `ZPUB DELETE TXT a-www.example.com ${OURS}`,
      'ZPUB CREATE CNAME www.example.com lb.example.net',
      `ZPUB CREATE TXT cname-www.example.com ${OURS}`,
    ]);
  });

  it('updates nothing under CREATE_ONLY', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', OURS)],
      [a('www.example.com', ['10.0.0.9'])],
      {
        policy: 'CREATE_ONLY',
      },
    );
    assert.deepEqual(lines(result), []);
  });

  it('refuses what needs a delete UPSERT_ONLY forbids', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', OURS)],
      [cname('www.example.com', 'lb.example.net')],
      {
        policy: 'UPSERT_ONLY',
      },
    );
    assert.deepEqual(lines(result), []);
    assert.equal(result.refused[0]?.reason, 'blocked-by-policy');
  });
});

describe('plan: what is not ours', () => {
  // The last column: how the message ends, saying what to do where there is something to do.
  const cases: [string, ResourceRecordSet[], string | undefined, RegExp][] = [
    [
      'a record without TXT',
      [rr('www.example.com', 'A', ['192.0.2.1'])],
      undefined,
      /\(no ownership TXT\)$/,
    ],
    [
      "another aws-controller's record",
      [
        rr('www.example.com', 'A', ['192.0.2.1']),
        txt('a-www.example.com', ownershipValue('them', 'service/x/y')),
      ],
      'them',
      /\(owned by aws-controller owner 'them'\)$/,
    ],
    [
      "external-dns's record, not adopted",
      [rr('www.example.com', 'A', ['192.0.2.1']), txt('a-www.example.com', EDNS)],
      'edns',
      /\(owned by external-dns owner 'edns'\); to take it over, run the syncer with --adopt-external-dns-owner 'edns' \(chart value adoptExternalDnsOwner\)$/,
    ],
  ];
  for (const [what, current, heldBy, ending] of cases) {
    it(`refuses to touch ${what}, and says so`, () => {
      const result = run(current, [a('www.example.com', ['10.0.0.1'])]);
      assert.deepEqual(lines(result), []);
      assert.equal(result.refused.length, 1);
      assert.equal(result.refused[0]?.reason, 'foreign-owned');
      assert.equal(result.refused[0]?.heldBy?.owner, heldBy);
      assert.equal(result.refused[0]?.endpoint.owner, GW);
      assert.match(
        result.refused[0]?.message ?? '',
        /A www\.example\.com in zone example\.com \(ZPUB\): the record exists and is not ours/,
      );
      assert.match(result.refused[0]?.message ?? '', ending);
    });
  }

  // An alias is advice only where one can work.
  const apex: [string, ReturnType<typeof cname>, RegExp][] = [
    [
      'a target not on AWS: no alias advice',
      cname('example.com', 'lb.example.net'),
      /lb\.example\.net is not on AWS, so an alias cannot point at it; publish at a name below the apex \(www\.example\.com\), or give the apex IP addresses/,
    ],
    [
      'a record in the same zone: same-zone',
      cname('example.com', 'www.example.com'),
      /www\.example\.com is in this zone, so alias it with same-zone: 'true'/,
    ],
    [
      "an AWS load balancer with alias: 'false'",
      cname('example.com', ELB),
      /is an AWS alias target, so remove alias: 'false'/,
    ],
  ];
  for (const [what, endpoint, advice] of apex) {
    it(`refuses a CNAME at the apex, advising for ${what}`, () => {
      const result = run([], [endpoint]);
      assert.equal(result.refused[0]?.reason, 'apex-cname');
      assert.match(result.refused[0]?.message ?? '', /a CNAME cannot sit at a zone apex: /);
      assert.match(result.refused[0]?.message ?? '', advice);
      if (!/AWS alias target/.test(advice.source)) {
        assert.doesNotMatch(result.refused[0]?.message ?? '', /alias: 'true'|alias: true/);
      }
    });
  }

  it('refuses a CNAME where someone else has another type at the name', () => {
    const result = run(
      [rr('www.example.com', 'TXT', ['"v=spf1 -all"'])],
      [cname('www.example.com', 'lb.example.net')],
    );
    assert.deepEqual(lines(result), []);
    assert.equal(result.refused[0]?.reason, 'name-taken');
  });

  it('refuses a record whose ownership TXT name someone else uses', () => {
    const result = run(
      [txt('a-www.example.com', '"something else"')],
      [a('www.example.com', ['10.0.0.1'])],
    );
    assert.deepEqual(lines(result), []);
    assert.equal(result.refused[0]?.reason, 'ownership-name-taken');
  });

  it('never deletes records that are not ours', () => {
    const current = [
      rr('www.example.com', 'A', ['192.0.2.1']),
      rr('api.example.com', 'A', ['192.0.2.1']),
      txt('a-api.example.com', ownershipValue('them', 'service/x/y')),
    ];
    assert.deepEqual(lines(run(current, [])), []);
  });
});

describe('plan: adopting external-dns records', () => {
  const adopt = { adoptExternalDnsOwner: 'edns' };

  it('takes over a record with a new-format TXT by rewriting that TXT', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', EDNS)],
      [a('www.example.com', ['10.0.0.1'])],
      adopt,
    );
    assert.deepEqual(lines(result), [`ZPUB UPSERT TXT a-www.example.com ${OURS}`]);
    assert.equal(result.zones[0]?.decisions[0]?.action, 'adopt');
  });

  // external-dns reads its legacy TXT when the new-format name holds a label it cannot read
  // (ours), so a legacy label left behind would have it take the record back.
  it('takes over a record with a legacy same-name TXT by adding ours and deleting theirs', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('www.example.com', EDNS)],
      [a('www.example.com', ['10.0.0.9'])],
      adopt,
    );
    assert.deepEqual(lines(result), [
      `ZPUB DELETE TXT www.example.com ${EDNS}`,
      'ZPUB UPSERT A www.example.com 10.0.0.9',
      `ZPUB CREATE TXT a-www.example.com ${OURS}`,
    ]);
  });

  it('releases the legacy TXT under UPSERT_ONLY too: it is the handover, not a record deleted', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('www.example.com', EDNS)],
      [a('www.example.com', ['10.0.0.1'])],
      { ...adopt, policy: 'UPSERT_ONLY' },
    );
    assert.deepEqual(lines(result), [
      `ZPUB DELETE TXT www.example.com ${EDNS}`,
      `ZPUB CREATE TXT a-www.example.com ${OURS}`,
    ]);
  });

  it('takes only the adopted label out of a legacy TXT that holds other values too', () => {
    const other = EDNS.replace('owner=edns', 'owner=another');
    const verification = '"site-verification=abc123"';
    const result = run(
      [
        rr('www.example.com', 'A', ['10.0.0.1']),
        txt('a-www.example.com', EDNS),
        {
          ...txt('www.example.com', EDNS),
          ResourceRecords: [EDNS, verification, other].map((Value) => ({ Value })),
        },
      ],
      [a('www.example.com', ['10.0.0.1'])],
      adopt,
    );
    assert.deepEqual(lines(result), [
      `ZPUB UPSERT TXT a-www.example.com ${OURS}`,
      `ZPUB UPSERT TXT www.example.com ${verification},${other}`,
    ]);
  });

  it('takes over an alias A whose TXT external-dns keeps at cname-<name>, deleting that TXT', () => {
    const current = [
      {
        Name: 'www.example.com.',
        Type: 'A',
        AliasTarget: {
          HostedZoneId: 'Z35SXDOTRQ7X7K',
          DNSName: `${ELB}.`,
          EvaluateTargetHealth: false,
        },
      },
      txt('cname-www.example.com', EDNS),
    ];
    assert.deepEqual(lines(run(current, [alias('www.example.com', ELB)], adopt)), [
      `ZPUB DELETE TXT cname-www.example.com ${EDNS}`,
      `ZPUB CREATE TXT a-www.example.com ${OURS}`,
    ]);
  });

  describe('keeps what no annotation asks for', () => {
    const listed = (evaluateTargetHealth: boolean) => ({
      Name: 'www.example.com.',
      Type: 'A',
      AliasTarget: {
        HostedZoneId: 'Z35SXDOTRQ7X7K',
        DNSName: `${ELB}.`,
        EvaluateTargetHealth: evaluateTargetHealth,
      },
    });
    const unset = (name: string) =>
      alias(name, ELB, { alias: { sameZone: false, hostedZoneId: 'Z35SXDOTRQ7X7K' } });
    const asked = (name: string, evaluateTargetHealth: boolean) =>
      alias(name, ELB, {
        alias: { sameZone: false, hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth },
      });
    const cases: {
      name: string;
      had: boolean;
      endpoint: ReturnType<typeof alias>;
      want: boolean | undefined;
      changed?: string[];
    }[] = [
      // external-dns turns it on by default: adopting must not turn it off.
      {
        name: 'adopting keeps EvaluateTargetHealth true',
        had: true,
        endpoint: unset('www.example.com'),
        want: undefined,
      },
      {
        name: 'adopting keeps EvaluateTargetHealth false',
        had: false,
        endpoint: unset('www.example.com'),
        want: undefined,
      },
      {
        name: 'an annotation saying false turns it off, and the plan says so',
        had: true,
        endpoint: asked('www.example.com', false),
        want: false,
        changed: ['EvaluateTargetHealth true → false'],
      },
      {
        name: 'an annotation saying true turns it on, and the plan says so',
        had: false,
        endpoint: asked('www.example.com', true),
        want: true,
        changed: ['EvaluateTargetHealth false → true'],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const result = run([listed(c.had), txt('www.example.com', EDNS)], [c.endpoint], adopt);
        const record = result.zones[0]?.groups
          .flat()
          .find((change) => change.ResourceRecordSet.Type === 'A');
        // No UPSERT of the record at all when nothing about it changes.
        assert.equal(record?.ResourceRecordSet.AliasTarget?.EvaluateTargetHealth, c.want);
        assert.equal(result.zones[0]?.decisions[0]?.action, 'adopt');
        assert.deepEqual(result.zones[0]?.decisions[0]?.changed, c.changed);
      });
    }

    it('keeps it on a record that is already ours too (the next reconcile after adopting)', () => {
      const result = run(
        [listed(true), txt('a-www.example.com', OURS)],
        [unset('www.example.com')],
      );
      assert.deepEqual(lines(result), []);
    });

    it('gives a new alias false', () => {
      const set = run([], [unset('www.example.com')]).zones[0]?.groups[0]?.[0]?.ResourceRecordSet;
      assert.equal(set?.AliasTarget?.EvaluateTargetHealth, false);
    });
  });

  // external-dns reads its label at the record's own name too: a new record there would be
  // theirs in its eyes, and its sync policy deletes what it does not want.
  it('does not create a record where an external-dns label left behind claims the name', () => {
    const other = EDNS.replace('owner=edns', 'owner=another');
    for (const options of [{}, adopt]) {
      const result = run(
        [txt('www.example.com', other)],
        [a('www.example.com', ['10.0.0.1'])],
        options,
      );
      assert.deepEqual(lines(result), []);
      assert.equal(result.refused[0]?.reason, 'ownership-name-taken');
      assert.match(
        result.refused[0]?.message ?? '',
        /owner 'another'.*delete that TXT, or adopt its owner/,
      );
    }
  });

  it("creates where the adopted owner's label lingers, removing it in the same batch", () => {
    const result = run([txt('www.example.com', EDNS)], [a('www.example.com', ['10.0.0.1'])], adopt);
    assert.deepEqual(lines(result), [
      `ZPUB DELETE TXT www.example.com ${EDNS}`,
      'ZPUB CREATE A www.example.com 10.0.0.1',
      `ZPUB CREATE TXT a-www.example.com ${OURS}`,
    ]);
    assert.equal(result.zones[0]?.groups.length, 1);
    const createOnly = run([txt('www.example.com', EDNS)], [a('www.example.com', ['10.0.0.1'])], {
      ...adopt,
      policy: 'CREATE_ONLY',
    });
    assert.deepEqual(lines(createOnly), []);
    assert.equal(createOnly.refused[0]?.reason, 'blocked-by-policy');
  });

  it('adopts only the owner it was told to', () => {
    const other = EDNS.replace('owner=edns', 'owner=another');
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', other)],
      [a('www.example.com', ['10.0.0.1'])],
      adopt,
    );
    assert.deepEqual(lines(result), []);
    assert.equal(result.refused[0]?.reason, 'foreign-owned');
  });

  it('does not adopt under CREATE_ONLY', () => {
    const result = run(
      [rr('www.example.com', 'A', ['10.0.0.1']), txt('a-www.example.com', EDNS)],
      [a('www.example.com', ['10.0.0.1'])],
      {
        ...adopt,
        policy: 'CREATE_ONLY',
      },
    );
    assert.deepEqual(lines(result), []);
    assert.equal(result.refused[0]?.reason, 'blocked-by-policy');
  });
});
