import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostedZone } from './route53-types.js';
import fc from 'fast-check';
import { isWithinDomain } from '../names/hostname.js';
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

  it('finds the same zones as testing every zone, in the same order', () => {
    const label = fc.constantFrom('a', 'b', 'example', 'com', '');
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    fc.assert(
      fc.property(
        name,
        fc.array(fc.record({ name, private: fc.boolean() }), { maxLength: 6 }),
        (wanted, specs) => {
          const zones = specs.map((s, i) => ({
            id: `Z${i}`,
            name: s.name,
            private: s.private,
            hostedZone: { Id: `/hostedzone/Z${i}`, Name: `${s.name}.` },
          }));
          const matching = zones.filter((z) => isWithinDomain(wanted, z.name));
          const longest = Math.max(0, ...matching.map((z) => z.name.length));
          const expected = matching.filter((z) => z.name.length === longest);
          assert.deepEqual(ids(zonesForName(wanted, zones)), ids(expected));
        },
      ),
      { numRuns: 500 },
    );
  });

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
