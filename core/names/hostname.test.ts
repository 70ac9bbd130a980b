import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import {
  isWithinDomain,
  normalizeHostname,
  normalizeHostnameFully,
  parseHostnameList,
  toAsciiName,
} from './hostname.js';

describe('normalizeHostname', () => {
  const valid: [string, string][] = [
    ['www.example.com', 'www.example.com'],
    ['WWW.Example.COM', 'www.example.com'],
    ['www.example.com.', 'www.example.com'],
    ['  www.example.com  ', 'www.example.com'],
    ['*.apps.example.com', '*.apps.example.com'],
    ['_dmarc.example.com', '_dmarc.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    [`${'a'.repeat(63)}.example.com`, `${'a'.repeat(63)}.example.com`],
    ['a1-b2.c3', 'a1-b2.c3'],
  ];
  for (const [input, expected] of valid) {
    it(`accepts '${input}' as '${expected}'`, () => {
      assert.deepEqual(normalizeHostname(input), { ok: true, value: expected });
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /empty/],
    ['localhost', /at least two labels/],
    ['a..example.com', /empty label/],
    ['-a.example.com', /invalid label '-a'/],
    ['a-.example.com', /invalid label 'a-'/],
    [`${'a'.repeat(64)}.example.com`, /longer than 63/],
    ['www.*.example.com', /only a whole first label/],
    ['w*.example.com', /only a whole first label/],
    ['1.2.3.256', /not a valid hostname/],
    ['10.0.0.1', /last label is all digits/],
    ['exa mple.com', /has spaces: separate hostnames with commas/],
    ['https://example.com/a', /is a URL: remove the scheme https:\/\/ and the path/],
    ['HTTP://example.com', /is a URL: remove the scheme HTTP:\/\//],
    [`${'abcdefghi.'.repeat(26)}com`, /longer than 253/],
    ['*', /at least two labels/],
  ];
  for (const [input, reason] of invalid) {
    it(`rejects '${input}'`, () => {
      const result = normalizeHostname(input);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.reason, reason);
    });
  }

  it('rejects a wildcard where wildcards are not allowed', () => {
    const result = normalizeHostname('*.example.com', { allowWildcard: false });
    assert.equal(result.ok, false);
  });
});

describe('parseHostnameList', () => {
  it('normalises items, removes duplicates keeping first-seen order, drops empty items', () => {
    const list = parseHostnameList(' B.example.com ,a.example.com,,\n b.example.com., ');
    assert.deepEqual(list.values, ['b.example.com', 'a.example.com']);
    assert.deepEqual(list.errors, []);
    assert.deepEqual(list.dropped, ['empty item at position 3', 'empty item at position 5']);
  });
  it('names each bad item', () => {
    const list = parseHostnameList('ok.example.com,bad..example.com');
    assert.deepEqual(list.values, ['ok.example.com']);
    assert.match(list.errors[0] ?? '', /'bad\.\.example\.com' has an empty label/);
  });
});

describe('isWithinDomain', () => {
  it('matches the domain itself and its subdomains only', () => {
    assert.equal(isWithinDomain('example.com', 'example.com'), true);
    assert.equal(isWithinDomain('a.b.example.com', 'example.com'), true);
    assert.equal(isWithinDomain('badexample.com', 'example.com'), false);
    assert.equal(isWithinDomain('example.com', 'a.example.com'), false);
  });
});

describe('parseHostnameList on long lists', () => {
  it('keeps the first of each duplicate and the first-seen order across 100,000 items', () => {
    // Linear since duplicates are found in a Set: this took minutes when the list was scanned.
    const items = Array.from({ length: 100_000 }, (_, i) => `N${i % 50_000}.Example.com`);
    const list = parseHostnameList(items.join(','));
    assert.equal(list.values.length, 50_000);
    assert.equal(list.values[0], 'n0.example.com');
    assert.equal(list.values[49_999], 'n49999.example.com');
    assert.deepEqual(list.errors, []);
  });
});

describe('toAsciiName: the plain-ASCII shortcut gives what domainToASCII gives', () => {
  const table = [
    'www.example.com',
    'WWW.Example.COM',
    '_dmarc.example.com',
    '-lead.trail-.example',
    'xn--bcher-kva.example',
    'XN--BCHER-KVA.example',
    'xn--invalid-.example',
    'xn--.example',
    'a.b.12',
    'example.0x1F',
    'example.0x',
    'example.0xg',
    '1.2.3.4',
    '0x7f.1',
    'localhost',
    'a..b',
    'bücher.example',
    'a_b.example',
    `${'a'.repeat(70)}.example`,
  ];
  for (const name of table) {
    it(`'${name}'`, () => assert.equal(toAsciiName(name), domainToASCII(name)));
  }

  it('for any string of letters, digits, dots, - and _ (and a few others)', () => {
    const char = fc.constantFrom(...'aZx9n0-_.-..X1f'.split(''), 'ü', '%', ' ');
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 40 }), (name) => {
        assert.equal(toAsciiName(name), domainToASCII(name));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('normalizeHostname: the valid-as-written shortcut gives what the full path gives', () => {
  const table = [
    'www.example.com',
    'WWW.Example.COM',
    'www.example.com.',
    'a.b..',
    'a.b',
    'example',
    '_dmarc.example.com',
    '-lead.example.com',
    'trail-.example.com',
    'xn--bcher-kva.example',
    'a.b.12',
    'example.0x1F',
    'a..b',
    '.a.b',
    `${'a'.repeat(63)}.example.com`,
    `${'a'.repeat(64)}.example.com`,
    `${'a.'.repeat(126)}b`,
    `${'a.'.repeat(126)}bc`,
    '*.example.com',
    ' www.example.com',
  ];
  for (const name of table) {
    for (const allowWildcard of [true, false]) {
      it(`'${name.length > 40 ? `${name.slice(0, 40)}…` : name}' (wildcards ${allowWildcard ? '' : 'not '}allowed)`, () =>
        assert.deepEqual(
          normalizeHostname(name, { allowWildcard }),
          normalizeHostnameFully(name, { allowWildcard }),
        ));
    }
  }

  it('for any string of letters, digits, dots, -, _ and * (and a few others)', () => {
    const char = fc.constantFrom(...'aZx9n0-_.-..X1f*'.split(''), 'ü', ' ', '/');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: char, maxLength: 40 }),
          // Long names, around the 253-character and 63-character limits.
          fc
            .array(fc.string({ unit: fc.constantFrom('a', 'B', '7', '-'), maxLength: 70 }), {
              maxLength: 60,
            })
            .map((labels) => labels.join('.')),
        ),
        fc.boolean(),
        (name, allowWildcard) => {
          assert.deepEqual(
            normalizeHostname(name, { allowWildcard }),
            normalizeHostnameFully(name, { allowWildcard }),
          );
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('normalizeHostname: the shortcut for names already normal gives the full answer', () => {
  const char = fc.constantFrom(...'az09-_.*.xn'.split(''), 'A', '0x', '1', ' ', 'ü');
  for (const allowWildcard of [true, false]) {
    it(`for generated names (wildcards ${allowWildcard ? '' : 'not '}allowed)`, () => {
      let shortcut = 0;
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: char, maxLength: 30 }),
            // Long names and labels, around the 63 and 253 limits.
            fc
              .tuple(fc.nat(70), fc.nat(5), fc.constantFrom('a', 'b-', '9'))
              .map(([n, k, c]) => Array.from({ length: k + 1 }, () => c.repeat(n)).join('.')),
          ),
          (name) => {
            const full = normalizeHostnameFully(name, { allowWildcard });
            assert.deepEqual(normalizeHostname(name, { allowWildcard }), full);
            if (full.ok && full.value === name.toLowerCase()) shortcut++;
          },
        ),
        { numRuns: 2000 },
      );
      assert.ok(shortcut > 0);
    });
  }
});
