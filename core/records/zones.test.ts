import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostedZone } from './route53-types.js';
import { eligibleZones, nameInFilter, zoneInFilter, zonesForName } from './zones.js';

const ZONES: HostedZone[] = [
  { Id: '/hostedzone/ZPUB', Name: 'example.com.', Config: { PrivateZone: false } },
  { Id: '/hostedzone/ZPRIV', Name: 'Example.com.', Config: { PrivateZone: true } },
  { Id: '/hostedzone/ZAPPS', Name: 'apps.example.com.' },
  { Id: 'ZORG', Name: 'other.org.' },
];
const ids = (zones: { id: string }[]) => zones.map((z) => z.id);

describe('zonesForName', () => {
  const all = eligibleZones(ZONES, { domainFilter: [] });
  const cases: [string, string[]][] = [
    ['www.example.com', ['ZPRIV', 'ZPUB']],
    ['example.com', ['ZPRIV', 'ZPUB']],
    ['x.apps.example.com', ['ZAPPS']],
    ['*.apps.example.com', ['ZAPPS']],
    ['apps.example.com', ['ZAPPS']],
    ['www.other.org', ['ZORG']],
    ['www.notexample.com', []],
  ];
  for (const [name, expected] of cases) {
    it(`puts ${name} in ${expected.join(', ') || 'no zone'}`, () => {
      assert.deepEqual(ids(zonesForName(name, all)), expected);
    });
  }

  it('keeps to one kind of zone under zoneType', () => {
    assert.deepEqual(
      ids(
        zonesForName(
          'www.example.com',
          eligibleZones(ZONES, { domainFilter: [], zoneType: 'private' }),
        ),
      ),
      ['ZPRIV'],
    );
    assert.deepEqual(
      ids(
        zonesForName(
          'www.example.com',
          eligibleZones(ZONES, { domainFilter: [], zoneType: 'public' }),
        ),
      ),
      ['ZPUB'],
    );
  });
});

describe('domainFilter', () => {
  it('matches a domain and its subdomains only', () => {
    assert.equal(nameInFilter('www.example.com', ['example.com']), true);
    assert.equal(nameInFilter('example.com', ['example.com']), true);
    assert.equal(nameInFilter('www.notexample.com', ['example.com']), false);
    assert.equal(nameInFilter('www.example.com', ['apps.example.com']), false);
    assert.equal(nameInFilter('anything.net', []), true);
  });
  it('reads filter domains in any case, with a leading or trailing dot', () => {
    assert.equal(nameInFilter('www.example.com', ['.Example.COM.']), true);
  });
  it('keeps zones that hold filtered names or lie within them', () => {
    assert.equal(zoneInFilter('example.com', ['apps.example.com']), true);
    assert.equal(zoneInFilter('apps.example.com', ['example.com']), true);
    assert.equal(zoneInFilter('other.org', ['example.com']), false);
    assert.deepEqual(ids(eligibleZones(ZONES, { domainFilter: ['other.org'] })), ['ZORG']);
  });
});
