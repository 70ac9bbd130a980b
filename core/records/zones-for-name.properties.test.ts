// zonesForName and isWithinDomain against their plain definitions (the string-building forms
// they replaced), on names and zones drawn from a tiny alphabet so suffixes collide often.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { isWithinDomain } from '../names/hostname.js';
import { eligibleZones, zonesForName } from './zones.js';

const label = fc.stringMatching(/^[ab]{1,2}$/);
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

it('isWithinDomain(name, domain) is name === domain or name ends with "." + domain', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[ab.]{0,6}$/), fc.stringMatching(/^[ab.]{0,6}$/), (n, d) => {
      assert.equal(isWithinDomain(n, d), n === d || n.endsWith(`.${d}`));
    }),
    { numRuns: 2000 },
  );
});

it('zonesForName gives the matching zones with the longest name, in the zones’ order', () => {
  fc.assert(
    fc.property(name, fc.array(name, { maxLength: 8 }), (host, zoneNames) => {
      const zones = eligibleZones(
        zoneNames.map((z, i) => ({ Id: `Z${i}`, Name: `${z}.` })),
        { domainFilter: [] },
      );
      const matching = zones.filter((z) => z.name === host || host.endsWith(`.${z.name}`));
      const longest = Math.max(0, ...matching.map((z) => z.name.length));
      assert.deepEqual(
        zonesForName(host, zones),
        matching.filter((z) => z.name.length === longest),
      );
    }),
    { numRuns: 1000 },
  );
});
