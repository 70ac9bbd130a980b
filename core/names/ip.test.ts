import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipFamily, normalizeIp } from './ip.js';

describe('normalizeIp', () => {
  const cases: [string, string | undefined][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    // RFC 5952 4.2.3: the longest run of zeros is shortened, the first when tied.
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    // 4.2.2: a single zero group is not shortened.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
    ['01.2.3.4', undefined],
    ['1.2.3', undefined],
    ['fe80::1%eth0', undefined],
    ['example.com', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected ?? 'not an IP'}`, () => {
      assert.equal(normalizeIp(input), expected);
    });
  }
  it('tells the family', () => {
    assert.equal(ipFamily('192.0.2.1'), 4);
    assert.equal(ipFamily('2001:db8::1'), 6);
    assert.equal(ipFamily('nope'), undefined);
  });
});
