import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidingEntry, judgeName, parseDomainPolicy } from './domain-policy.js';

const POLICY = parseDomainPolicy(
  `
strict: false
domains:
  - domain: example.com
    namespaces: [platform]
  - domain: Shop.Example.com.
    namespaces: [team-shop]
  - domain: apps.example.com
    namespaces: ["team-*"]
  - domain: reserved.example.com
    namespaces: []
`,
  'test.yaml',
);

describe('parseDomainPolicy', () => {
  it('reads YAML and JSON, domains in normal form', () => {
    assert.deepEqual(POLICY.domains[1], { domain: 'shop.example.com', namespaces: ['team-shop'] });
    assert.deepEqual(
      parseDomainPolicy(
        '{"strict": true, "domains": [{"domain": "a.example", "namespaces": ["x"]}]}',
        'p.json',
      ),
      { strict: true, domains: [{ domain: 'a.example', namespaces: ['x'] }] },
    );
    assert.deepEqual(parseDomainPolicy('', 'empty'), { strict: false, domains: [] });
  });

  for (const [what, text, message] of [
    ['an unknown key', 'strct: true', 'unknown key `strct`'],
    ['a non-boolean strict', 'strict: "yes"', '`strict` must be true or false'],
    ['domains not a list', 'domains: {domain: a.com}', '`domains` must be a list'],
    [
      'a bad domain',
      'domains: [{domain: "a b.com", namespaces: [x]}]',
      "domains[0].domain 'a b.com'",
    ],
    ['a missing namespaces', 'domains: [{domain: a.com}]', 'domains[0].namespaces must be a list'],
    [
      'a bad namespace',
      'domains: [{domain: a.com, namespaces: [Team_A]}]',
      '"Team_A" is not a namespace',
    ],
    [
      'a domain twice',
      'domains: [{domain: a.com, namespaces: []}, {domain: A.com., namespaces: []}]',
      'a.com is listed twice',
    ],
    [
      'an unknown entry key',
      'domains: [{domain: a.com, namespace: [x]}]',
      'unknown key `namespace`',
    ],
    ['not YAML', 'domains: [', 'not YAML or JSON'],
  ] as const) {
    it(`refuses ${what}, naming the file`, () => {
      assert.throws(
        () => parseDomainPolicy(text, 'policy.yaml'),
        (err: Error) =>
          err.message.startsWith('domain policy policy.yaml:') && err.message.includes(message),
      );
    });
  }
});

describe('judgeName', () => {
  for (const [name, namespace, allowed, entry] of [
    ['shop.example.com', 'team-shop', true, 'shop.example.com'],
    ['shop.example.com', 'team-b', false, 'shop.example.com'],
    ['api.shop.example.com', 'team-shop', true, 'shop.example.com'],
    ['_acme-challenge.shop.example.com', 'team-b', false, 'shop.example.com'],
    ['*.shop.example.com', 'team-b', false, 'shop.example.com'],
    // A wildcard one level up is judged by the parent's entry, not the tenant's.
    ['*.example.com', 'team-shop', false, 'example.com'],
    ['example.com', 'platform', true, 'example.com'],
    ['www.example.com', 'platform', true, 'example.com'],
    ['a.apps.example.com', 'team-x', true, 'apps.example.com'],
    ['a.apps.example.com', 'teams', false, 'apps.example.com'],
    ['x.reserved.example.com', 'platform', false, 'reserved.example.com'],
    ['myshop.example.com', 'team-shop', false, 'example.com'],
    ['www.other.org', 'anyone', true, undefined],
  ] as const) {
    it(`${allowed ? 'lets' : 'keeps'} ${namespace} ${allowed ? 'publish' : 'from'} ${name} (${entry ?? 'no entry'})`, () => {
      assert.equal(decidingEntry(POLICY, name)?.domain, entry);
      const verdict = judgeName(POLICY, namespace, name);
      assert.equal(verdict.allowed, allowed);
      if (!verdict.allowed) {
        assert.match(
          verdict.message,
          new RegExp(`domain policy entry ${entry?.replace(/\./g, '\\.') ?? ''}`),
        );
        assert.ok(verdict.message.includes(`not from namespace ${namespace}`));
      }
    });
  }

  it('refuses a name no entry covers only when strict, saying so', () => {
    const strict = { ...POLICY, strict: true };
    const verdict = judgeName(strict, 'team-shop', 'www.other.org');
    assert.equal(verdict.allowed, false);
    assert.match(
      verdict.allowed ? '' : verdict.message,
      /not covered by any entry of the domain policy, which is strict/,
    );
    assert.equal(judgeName(strict, 'team-shop', 'shop.example.com').allowed, true);
  });

  it('names who may publish a reserved domain: no namespace', () => {
    const verdict = judgeName(POLICY, 'platform', 'reserved.example.com');
    assert.equal(
      verdict.allowed ? '' : verdict.message,
      'reserved.example.com may be published only from no namespace (domain policy entry reserved.example.com), not from namespace platform',
    );
  });
});
