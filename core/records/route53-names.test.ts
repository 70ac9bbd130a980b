import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bareZoneId, normalizeRoute53Name } from './route53-names.js';

describe('normalizeRoute53Name', () => {
  const cases: [string, string][] = [
    ['www.example.com.', 'www.example.com'],
    ['WWW.Example.COM.', 'www.example.com'],
    ['www.example.com', 'www.example.com'],
    ['\\052.apps.example.com.', '*.apps.example.com'],
    ['a\\100b.example.com.', 'a@b.example.com'],
    ['a\\.b.example.com.', 'a.b.example.com'],
    ['example.com.', 'example.com'],
  ];
  for (const [input, expected] of cases) {
    it(`reads '${input}' as '${expected}'`, () => {
      assert.equal(normalizeRoute53Name(input), expected);
    });
  }

  it('is idempotent on names as Route 53 returns them', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^([a-zA-Z0-9*_-]{1,10}\.){1,4}$/), (name) => {
        const once = normalizeRoute53Name(name);
        assert.equal(normalizeRoute53Name(once), once);
      }),
    );
  });

  it('reads back any octal escape of a name the way it was written', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9*_-]{1,20}\.example\.com$/), (name) => {
        const escaped = [...name]
          .map((c) =>
            /[a-z0-9.-]/.test(c) ? c : `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`,
          )
          .join('');
        assert.equal(normalizeRoute53Name(`${escaped}.`), name);
      }),
    );
  });
});

describe('bareZoneId', () => {
  it('removes the /hostedzone/ prefix and keeps bare IDs', () => {
    assert.equal(bareZoneId('/hostedzone/Z123ABC'), 'Z123ABC');
    assert.equal(bareZoneId('hostedzone/Z123ABC'), 'Z123ABC');
    assert.equal(bareZoneId('Z123ABC'), 'Z123ABC');
  });
});
