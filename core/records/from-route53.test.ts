import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  assertAgreesWithSameData,
  optional,
  pick,
  recordOf,
} from './testing/agrees-with-same-data.js';
import { comparableForm, readRecordSet, sameFields, sameRecordSet } from './from-route53.js';
import type { ResourceRecordSet } from './route53-types.js';

const a = (extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
  Name: 'www.example.com',
  Type: 'A',
  TTL: 300,
  ResourceRecords: [{ Value: '10.0.0.1' }, { Value: '10.0.0.2' }],
  ...extra,
});

describe('readRecordSet', () => {
  it('reads names as Route 53 returns them into normal form', () => {
    const record = readRecordSet({
      ...a(),
      Name: '\\052.Apps.Example.com.',
      SetIdentifier: 'blue',
      Weight: 1,
    });
    assert.equal(record.name, '*.apps.example.com');
    assert.equal(record.key, '*.apps.example.com A blue');
  });
});

describe('sameRecordSet', () => {
  const same: [string, ResourceRecordSet, ResourceRecordSet][] = [
    [
      'the same data, keys in another order, an absent field and an undefined one',
      a(),
      {
        ...Object.fromEntries(Object.entries(a()).reverse()),
        HealthCheckId: undefined,
      } as ResourceRecordSet,
    ],
    ['names as Route 53 returns them', a(), a({ Name: 'WWW.example.com.' })],
    [
      'values in another order',
      a(),
      a({ ResourceRecords: [{ Value: '10.0.0.2' }, { Value: '10.0.0.1' }] }),
    ],
    [
      'IPv6 written differently',
      a({ Type: 'AAAA', ResourceRecords: [{ Value: '2001:db8::1' }] }),
      a({ Type: 'AAAA', ResourceRecords: [{ Value: '2001:DB8:0:0:0:0:0:1' }] }),
    ],
    [
      'a CNAME target with a final dot',
      a({ Type: 'CNAME', ResourceRecords: [{ Value: 'lb.example.net' }] }),
      a({ Type: 'CNAME', ResourceRecords: [{ Value: 'LB.example.net.' }] }),
    ],
    [
      'TXT values quoted or split',
      a({ Type: 'TXT', ResourceRecords: [{ Value: '"ab"' }] }),
      a({ Type: 'TXT', ResourceRecords: [{ Value: '"a" "b"' }] }),
    ],
    [
      'an alias: dotted, dualstack-prefixed, zone ID prefixed, and never a TTL',
      {
        Name: 'www.example.com',
        Type: 'A',
        AliasTarget: {
          HostedZoneId: 'Z35SXDOTRQ7X7K',
          DNSName: 'lb-1.us-east-1.elb.amazonaws.com',
          EvaluateTargetHealth: false,
        },
      },
      {
        Name: 'www.example.com.',
        Type: 'A',
        TTL: 60,
        AliasTarget: {
          HostedZoneId: '/hostedzone/Z35SXDOTRQ7X7K',
          DNSName: 'dualstack.lb-1.us-east-1.elb.amazonaws.com.',
          EvaluateTargetHealth: false,
        },
      },
    ],
    ['MultiValueAnswer false as absent', a(), a({ MultiValueAnswer: false })],
    [
      'geolocation codes in any case',
      a({ SetIdentifier: 'x', GeoLocation: { CountryCode: 'de' } }),
      a({ SetIdentifier: 'x', GeoLocation: { CountryCode: 'DE' } }),
    ],
  ];
  for (const [what, x, y] of same) {
    it(`sees no change in ${what}`, () => {
      assert.equal(sameRecordSet(x, y), true, `${comparableForm(x)}\n${comparableForm(y)}`);
    });
  }

  const different: [string, ResourceRecordSet, ResourceRecordSet][] = [
    ['a TTL', a(), a({ TTL: 60 })],
    ['a value', a(), a({ ResourceRecords: [{ Value: '10.0.0.1' }] })],
    ['a weight', a({ SetIdentifier: 'x', Weight: 1 }), a({ SetIdentifier: 'x', Weight: 2 })],
    ['a health check', a(), a({ HealthCheckId: '6a1e2b3c-0000-4000-8000-000000000001' })],
    [
      'evaluate-target-health',
      {
        Name: 'w.example.com',
        Type: 'A',
        AliasTarget: { HostedZoneId: 'Z1', DNSName: 'x.example.net', EvaluateTargetHealth: false },
      },
      {
        Name: 'w.example.com',
        Type: 'A',
        AliasTarget: { HostedZoneId: 'Z1', DNSName: 'x.example.net', EvaluateTargetHealth: true },
      },
    ],
    [
      'alias against plain',
      a(),
      {
        Name: 'www.example.com',
        Type: 'A',
        AliasTarget: { HostedZoneId: 'Z1', DNSName: 'x.example.net', EvaluateTargetHealth: false },
      },
    ],
  ];
  for (const [what, x, y] of different) {
    it(`sees a change in ${what}`, () => {
      assert.equal(sameRecordSet(x, y), false);
    });
  }
});

describe('sameFields', () => {
  it('says what sameData says of two record sets', () => {
    const recordSet = recordOf<ResourceRecordSet>({
      Name: pick('www.example.com.', 'api.example.com.'),
      Type: pick('A', 'TXT'),
      TTL: optional(pick(60, 300)),
      ResourceRecords: optional(
        fc.array(fc.record({ Value: pick('10.0.0.1', '10.0.0.2') }), { maxLength: 2 }),
      ),
      AliasTarget: optional(
        fc.record({
          HostedZoneId: pick('Z1', 'Z2'),
          DNSName: pick('lb.example.com.'),
          EvaluateTargetHealth: fc.boolean(),
        }),
      ),
      SetIdentifier: optional(pick('blue', 'green')),
      Weight: optional(pick(1, 2)),
      Region: optional(pick('eu-west-1', 'us-east-1')),
      Failover: optional(pick('PRIMARY' as const, 'SECONDARY' as const)),
      GeoLocation: optional(pick({ CountryCode: 'DE' }, { ContinentCode: 'EU' })),
      MultiValueAnswer: optional(fc.boolean()),
      HealthCheckId: optional(pick('hc-1', 'hc-2')),
    });
    assertAgreesWithSameData(
      recordSet,
      [
        'Name',
        'Type',
        'TTL',
        'ResourceRecords',
        'AliasTarget',
        'SetIdentifier',
        'Weight',
        'Region',
        'Failover',
        'GeoLocation',
        'MultiValueAnswer',
        'HealthCheckId',
      ],
      sameFields,
    );
  });
});
