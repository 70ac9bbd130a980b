import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkOwnerId,
  externalDnsTxtNames,
  type ExternalDnsTxtNaming,
  guardedRecordOf,
  isOurs,
  ownershipTxtName,
  ownershipValue,
  parseOwnershipValue,
  readLabelFields,
  readWrittenLabel,
} from './ownership.js';
import type { RecordType } from './endpoint.js';

describe('ownershipTxtName', () => {
  const cases: [string, RecordType, string, string][] = [
    ['www.example.com', 'A', 'example.com', 'a-www.example.com'],
    ['www.example.com', 'AAAA', 'example.com', 'aaaa-www.example.com'],
    ['*.apps.example.com', 'CNAME', 'example.com', 'cname-*.apps.example.com'],
    ['example.com', 'A', 'example.com', 'a-.example.com'],
    ['apps.example.com', 'A', 'example.com', 'a-apps.example.com'],
  ];
  for (const [name, type, zone, expected] of cases) {
    it(`puts the TXT of ${type} ${name} (zone ${zone}) at ${expected}`, () => {
      assert.equal(ownershipTxtName(name, type, zone), expected);
      assert.deepEqual(guardedRecordOf(expected), { name, type });
    });
  }

  it('reads no guarded record from names no record type prefixes', () => {
    for (const name of ['www.example.com', 'mx-www.example.com', 'a-', 'txt-a.example.com']) {
      assert.equal(guardedRecordOf(name), undefined, name);
    }
  });

  it('round-trips every name and type', () => {
    const label = fc.stringMatching(/^[a-z0-9_-]{1,10}$/);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 3 }),
        fc.constantFrom<RecordType>('A', 'AAAA', 'CNAME'),
        fc.boolean(),
        (labels, type, apex) => {
          const zone = 'example.com';
          const name = apex ? zone : `${labels.join('.')}.${zone}`;
          assert.deepEqual(guardedRecordOf(ownershipTxtName(name, type, zone)), { name, type });
        },
      ),
    );
  });
});

describe('ownershipValue', () => {
  it('is exactly the contract string, quoted', () => {
    assert.equal(
      ownershipValue('prod-eu', 'gateway/istio-system/main'),
      '"heritage=aws-controller,aws-controller/owner=prod-eu,aws-controller/resource=gateway/istio-system/main"',
    );
  });
  it('reads back as our label', () => {
    assert.deepEqual(parseOwnershipValue(ownershipValue('prod-eu', 'service/a/b')), {
      heritage: 'aws-controller',
      owner: 'prod-eu',
      resource: 'service/a/b',
    });
    assert.equal(isOurs([ownershipValue('prod-eu', 'service/a/b')], 'prod-eu'), true);
    assert.equal(isOurs([ownershipValue('prod-eu', 'service/a/b')], 'prod'), false);
  });
});

describe('parseOwnershipValue', () => {
  const cases: [string, ReturnType<typeof parseOwnershipValue>][] = [
    [
      '"heritage=external-dns,external-dns/owner=default,external-dns/resource=ingress/ns/web"',
      { heritage: 'external-dns', owner: 'default', resource: 'ingress/ns/web' },
    ],
    [
      '"heritage=external-dns,external-dns/owner=default"',
      { heritage: 'external-dns', owner: 'default' },
    ],
    // A label split over two strings reads the same.
    [
      '"heritage=aws-controller,aws-controller/owner=x," "aws-controller/resource=service/a/b"',
      { heritage: 'aws-controller', owner: 'x', resource: 'service/a/b' },
    ],
    ['"heritage=someone-else,someone-else/owner=x"', undefined],
    ['"heritage=aws-controller"', undefined],
    ['"v=spf1 -all"', undefined],
    // An external-dns owner key does not make an aws-controller label.
    ['"heritage=aws-controller,external-dns/owner=x"', undefined],
  ];
  for (const [value, expected] of cases) {
    it(`reads ${value}`, () => {
      assert.deepEqual(parseOwnershipValue(value), expected);
    });
  }
});

describe('readWrittenLabel', () => {
  it('reads what the field-by-field reader reads, or leaves the value to it', () => {
    // Pieces near our label's shape: the characters that end a field, a string or a value,
    // escapes and the space the general reader trims.
    const piece = fc.string({
      unit: fc.constantFrom('a', '/', '-', ',', '=', '"', '\\', ' ', '\t'),
      maxLength: 6,
    });
    const head = fc.constantFrom(
      '"heritage=aws-controller,aws-controller/owner=',
      '"heritage=external-dns,external-dns/owner=',
      ' "heritage=aws-controller,aws-controller/owner=',
      '"heritage=aws-controller,aws-controller/owner=x," "aws-controller/owner=',
    );
    // Mostly plain pieces, as real owner IDs and resources are, so the shortcut is walked.
    const part = fc.oneof(
      { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9/=.-]{0,12}$/) },
      { weight: 1, arbitrary: piece },
    );
    const written = fc
      .tuple(part, part)
      .map(([owner, resource]) => ownershipValue(owner, resource));
    const assembled = fc
      .tuple(
        head,
        part,
        fc.constantFrom(',aws-controller/resource=', ',x=', ''),
        part,
        fc.constantFrom('"', '', '" ', '\\"', '" "a"'),
      )
      .map(([h, owner, key, rest, end]) => `${h}${owner}${key}${rest}${end}`);
    // Shapes the shortcut must leave alone, each read differently by the general reader.
    const near = '"heritage=aws-controller,aws-controller/owner=';
    const examples = fc.constantFrom(
      `${near}a"b,aws-controller/resource=c"`, // a quote ends the string early
      `${near}a,aws-controller/resource=c`, // no closing quote: no string at all
      `${near}a,aws-controller/resource=c\\"`, // an escaped quote: no closing quote either
      `${near} a,aws-controller/resource=c"`, // space around the owner, trimmed
      `${near},aws-controller/resource=c"`, // no owner
    );
    let taken = 0;
    let left = 0;
    fc.assert(
      fc.property(fc.oneof(written, assembled, examples, fc.string()), (value) => {
        const fast = readWrittenLabel(value);
        if (fast === undefined) left++;
        else {
          taken++;
          assert.deepEqual(fast, readLabelFields(value), value);
        }
        assert.deepEqual(parseOwnershipValue(value), readLabelFields(value), value);
      }),
      { numRuns: 2000 },
    );
    // Both ways were walked: the shortcut read labels, and left others to the general reader.
    assert.ok(taken > 0 && left > 0, `shortcut ${taken}, left ${left}`);
  });
});

describe('checkOwnerId', () => {
  it('accepts IDs that survive the label format and refuses others with the ID named', () => {
    checkOwnerId('cluster-1.eu');
    for (const bad of ['', 'a,b', 'a=b', 'a"b', 'a b', 'a\\b']) {
      assert.throws(() => checkOwnerId(bad), /owner ID/, bad);
    }
  });
});

describe('externalDnsTxtNames', () => {
  it('lists the new prefixed form, the legacy same-name form and, for alias A, cname-', () => {
    assert.deepEqual(externalDnsTxtNames('www.example.com', 'A', false), [
      'a-www.example.com',
      'www.example.com',
    ]);
    assert.deepEqual(externalDnsTxtNames('www.example.com', 'A', true), [
      'a-www.example.com',
      'www.example.com',
      'cname-www.example.com',
    ]);
    assert.deepEqual(externalDnsTxtNames('*.example.com', 'CNAME', false), [
      'cname-*.example.com',
      '*.example.com',
    ]);
  });

  // external-dns's --txt-prefix / --txt-suffix / --txt-wildcard-replacement, as its name
  // mapper applies them (registry/mapper in v0.21.0): affixes around the first label.
  const naming = (n: Partial<ExternalDnsTxtNaming>): ExternalDnsTxtNaming => ({
    prefix: '',
    suffix: '',
    wildcardReplacement: '',
    ...n,
  });
  const cases: [string, Partial<ExternalDnsTxtNaming>, string, RecordType, boolean, string[]][] = [
    [
      'a plain prefix',
      { prefix: 'extdns-' },
      'www.example.com',
      'A',
      false,
      ['extdns-a-www.example.com', 'extdns-www.example.com'],
    ],
    [
      'a prefix ending in a dot',
      { prefix: '_edns.' },
      'www.example.com',
      'AAAA',
      false,
      ['_edns.aaaa-www.example.com', '_edns.www.example.com'],
    ],
    [
      'a suffix',
      { suffix: '-edns' },
      'www.example.com',
      'A',
      false,
      ['a-www-edns.example.com', 'www-edns.example.com'],
    ],
    [
      'a prefix in upper case',
      { prefix: 'EXT-' },
      'www.example.com',
      'A',
      false,
      ['ext-a-www.example.com', 'ext-www.example.com'],
    ],
    [
      'a templated prefix: the type goes there, no legacy form',
      { prefix: '%{record_type}-edns.' },
      'www.example.com',
      'CNAME',
      false,
      ['cname-edns.www.example.com'],
    ],
    [
      'a templated suffix',
      { suffix: '.%{record_type}' },
      'www.example.com',
      'A',
      false,
      ['www.a.example.com'],
    ],
    [
      'an alias with a prefix',
      { prefix: 'extdns-' },
      'www.example.com',
      'A',
      true,
      ['extdns-a-www.example.com', 'extdns-www.example.com', 'extdns-cname-www.example.com'],
    ],
    [
      'a wildcard replaced',
      { wildcardReplacement: 'any' },
      '*.apps.example.com',
      'A',
      false,
      ['a-any.apps.example.com', 'any.apps.example.com'],
    ],
    [
      'a wildcard replaced, with a prefix',
      { prefix: 'p-', wildcardReplacement: 'any' },
      '*.example.com',
      'A',
      false,
      ['p-a-any.example.com', 'p-any.example.com'],
    ],
    [
      'a wildcard replacement, for a name without a wildcard',
      { wildcardReplacement: 'any' },
      'www.example.com',
      'A',
      false,
      ['a-www.example.com', 'www.example.com'],
    ],
  ];
  for (const [what, n, name, type, alias, expected] of cases) {
    it(`names them with ${what}`, () => {
      assert.deepEqual(externalDnsTxtNames(name, type, alias, naming(n)), expected);
    });
  }
});
