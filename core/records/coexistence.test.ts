import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canCoexist } from './coexistence.js';
import type { ResourceRecordSet } from './route53-types.js';

const rr = (type: string, extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
  Name: 'www.example.com',
  Type: type,
  TTL: 300,
  ResourceRecords: [{ Value: 'x' }],
  ...extra,
});

describe('canCoexist', () => {
  const cases: [string, ResourceRecordSet, ResourceRecordSet, boolean][] = [
    ['A and AAAA', rr('A'), rr('AAAA'), true],
    ['A and TXT', rr('A'), rr('TXT'), true],
    ['records at different names', rr('CNAME'), rr('A', { Name: 'api.example.com' }), true],
    ['a CNAME and an A', rr('CNAME'), rr('A'), false],
    ['a CNAME and a TXT', rr('TXT'), rr('CNAME'), false],
    ['two simple A', rr('A'), rr('A', { TTL: 60 }), false],
    ['simple and weighted A', rr('A'), rr('A', { SetIdentifier: 'b', Weight: 1 }), false],
    [
      'two weighted A',
      rr('A', { SetIdentifier: 'a', Weight: 1 }),
      rr('A', { SetIdentifier: 'b', Weight: 1 }),
      true,
    ],
    [
      'two weighted CNAMEs',
      rr('CNAME', { SetIdentifier: 'a', Weight: 1 }),
      rr('CNAME', { SetIdentifier: 'b', Weight: 2 }),
      true,
    ],
    [
      'weighted and latency A',
      rr('A', { SetIdentifier: 'a', Weight: 1 }),
      rr('A', { SetIdentifier: 'b', Region: 'us-east-1' }),
      false,
    ],
    [
      'latency A in two regions',
      rr('A', { SetIdentifier: 'a', Region: 'eu-west-1' }),
      rr('A', { SetIdentifier: 'b', Region: 'us-east-1' }),
      true,
    ],
    [
      'latency A in one region',
      rr('A', { SetIdentifier: 'a', Region: 'us-east-1' }),
      rr('A', { SetIdentifier: 'b', Region: 'us-east-1' }),
      false,
    ],
    [
      'failover PRIMARY and SECONDARY',
      rr('A', { SetIdentifier: 'a', Failover: 'PRIMARY' }),
      rr('A', { SetIdentifier: 'b', Failover: 'SECONDARY' }),
      true,
    ],
    [
      'two failover PRIMARY',
      rr('A', { SetIdentifier: 'a', Failover: 'PRIMARY' }),
      rr('A', { SetIdentifier: 'b', Failover: 'PRIMARY' }),
      false,
    ],
    [
      'geolocation EU and NA',
      rr('A', { SetIdentifier: 'a', GeoLocation: { ContinentCode: 'EU' } }),
      rr('A', { SetIdentifier: 'b', GeoLocation: { ContinentCode: 'NA' } }),
      true,
    ],
    [
      'geolocation EU twice',
      rr('A', { SetIdentifier: 'a', GeoLocation: { ContinentCode: 'EU' } }),
      rr('A', { SetIdentifier: 'b', GeoLocation: { ContinentCode: 'eu' } }),
      false,
    ],
  ];
  for (const [what, a, b, expected] of cases) {
    it(`${expected ? 'lets' : 'does not let'} ${what} coexist`, () => {
      assert.equal(canCoexist(a, b), expected);
      assert.equal(canCoexist(b, a), expected);
    });
  }
});
