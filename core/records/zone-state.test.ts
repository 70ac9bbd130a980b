import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecordSet } from './from-route53.js';
import { ownershipValue } from './ownership.js';
import type { ResourceRecordSet } from './route53-types.js';
import { indexZone, ourClaim, ownershipOf } from './zone-state.js';
import type { OwnerIds } from './zone-state.js';
import { readZone } from './zones.js';

const ZONE = readZone({ Id: '/hostedzone/ZPUB', Name: 'example.com.' });
const OURS = ownershipValue('me', 'gateway/istio-system/main');
const EDNS =
  '"heritage=external-dns,external-dns/owner=edns,external-dns/resource=service/default/web"';
const rr = (
  Name: string,
  Type: string,
  Value: string,
  extra: Partial<ResourceRecordSet> = {},
): ResourceRecordSet => ({
  Name,
  Type,
  TTL: 300,
  ResourceRecords: [{ Value }],
  ...extra,
});
const www = rr('www.example.com.', 'A', '10.0.0.1');
const aliasWww: ResourceRecordSet = {
  Name: 'www.example.com.',
  Type: 'A',
  AliasTarget: { HostedZoneId: 'Z1', DNSName: 'lb.example.net.', EvaluateTargetHealth: false },
};

function kindOf(
  record: ResourceRecordSet,
  others: ResourceRecordSet[],
  ids: OwnerIds = { ownerId: 'me' },
) {
  const state = indexZone(ZONE, [record, ...others]);
  const ownership = ownershipOf(state, readRecordSet(record), ids);
  return ownership.kind === 'foreign' ? `foreign:${ownership.label?.owner ?? '-'}` : ownership.kind;
}

describe('ownershipOf', () => {
  const adopt = { ownerId: 'me', adoptExternalDnsOwner: 'edns' };
  const cases: [string, ResourceRecordSet, ResourceRecordSet[], OwnerIds | undefined, string][] = [
    ['our TXT at a-<name>', www, [rr('a-www.example.com.', 'TXT', OURS)], undefined, 'ours'],
    [
      'our TXT with other values beside ours',
      www,
      [
        {
          ...rr('a-www.example.com.', 'TXT', OURS),
          ResourceRecords: [{ Value: '"x"' }, { Value: OURS }],
        },
      ],
      undefined,
      'ours',
    ],
    [
      'our TXT under an escaped wildcard',
      rr('\\052.example.com.', 'A', '10.0.0.1'),
      [rr('a-\\052.example.com.', 'TXT', OURS)],
      undefined,
      'ours',
    ],
    [
      'our TXT at the apex name',
      rr('example.com.', 'A', '10.0.0.1'),
      [rr('a-.example.com.', 'TXT', OURS)],
      undefined,
      'ours',
    ],
    ['no TXT', www, [], undefined, 'foreign:-'],
    [
      'our label at the wrong type prefix',
      www,
      [rr('aaaa-www.example.com.', 'TXT', OURS)],
      undefined,
      'foreign:-',
    ],
    [
      'our label under another set identifier',
      www,
      [rr('a-www.example.com.', 'TXT', OURS, { SetIdentifier: 'x', Weight: 1 })],
      undefined,
      'foreign:-',
    ],
    [
      "another owner's label",
      www,
      [rr('a-www.example.com.', 'TXT', ownershipValue('them', 's/a/b'))],
      undefined,
      'foreign:them',
    ],
    [
      "external-dns's label, adoption off",
      www,
      [rr('a-www.example.com.', 'TXT', EDNS)],
      undefined,
      'foreign:edns',
    ],
    [
      "external-dns's new-format label, adopting it",
      www,
      [rr('a-www.example.com.', 'TXT', EDNS)],
      adopt,
      'adoptable',
    ],
    [
      "external-dns's legacy label, adopting it",
      www,
      [rr('www.example.com.', 'TXT', EDNS)],
      adopt,
      'adoptable',
    ],
    [
      "external-dns's cname- label on an alias, adopting it",
      aliasWww,
      [rr('cname-www.example.com.', 'TXT', EDNS)],
      adopt,
      'adoptable',
    ],
    [
      "external-dns's cname- label on a plain A",
      www,
      [rr('cname-www.example.com.', 'TXT', EDNS)],
      adopt,
      'foreign:-',
    ],
    [
      'another external-dns owner, adopting edns',
      www,
      [rr('a-www.example.com.', 'TXT', EDNS.replace('=edns', '=x'))],
      adopt,
      'foreign:x',
    ],
  ];
  for (const [what, record, others, ids, expected] of cases) {
    it(`reads ${what} as ${expected}`, () => {
      assert.equal(kindOf(record, others, ids), expected);
    });
  }
});

describe('ourClaim', () => {
  it('reads the resource from our label only', () => {
    const txt = readRecordSet({
      Name: 'a-www.example.com.',
      Type: 'TXT',
      TTL: 300,
      ResourceRecords: [
        {
          Value: '"heritage=external-dns,external-dns/owner=me,external-dns/resource=ingress/x/y"',
        },
        { Value: ownershipValue('me', 'service/a/b') },
      ],
    });
    assert.deepEqual(ourClaim(txt, 'me'), { kind: 'ours', txt, resource: 'service/a/b' });
    assert.equal(ourClaim(txt, 'other'), undefined);
  });
});
