// The batch rules as plain data. The same rules are exercised against real moto through the
// AWS SDK in test/e2e/route53-proxy.test.ts; these pin down the edges cheaply.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalName, route53Spelling } from './dns-names.js';
import type { Change, RecordSet } from './records.js';
import { applyChangeBatch, batchSize, checkChangeBatch } from './rules.js';

const zone = 'example.com';
const a = (name: string, values: string[], extra: Partial<RecordSet> = {}): RecordSet => ({
  name,
  type: 'A',
  ttl: 300,
  values,
  ...extra,
});
const change = (action: Change['action'], recordSet: RecordSet): Change => ({ action, recordSet });

describe('names', () => {
  it('compare case-insensitively, with or without the final dot, escapes decoded', () => {
    assert.equal(canonicalName('WWW.Example.COM'), 'www.example.com.');
    assert.equal(canonicalName('\\052.example.com.'), '*.example.com.');
  });
  it('are listed lower case with octal escapes outside a-z 0-9 - _', () => {
    assert.equal(route53Spelling('*.Apps.example.com'), '\\052.apps.example.com.');
    assert.equal(route53Spelling('_dmarc.example.com'), '_dmarc.example.com.');
  });
});

describe('checkChangeBatch', () => {
  const current = [a('www.example.com.', ['192.0.2.1', '192.0.2.2'])];

  const cases: { name: string; changes: Change[]; messages: string[] }[] = [
    {
      name: 'CREATE of a new name is fine',
      changes: [change('CREATE', a('new.example.com', ['192.0.2.9']))],
      messages: [],
    },
    {
      name: 'DELETE matches values as a set and names case-insensitively',
      changes: [change('DELETE', a('WWW.example.com', ['192.0.2.2', '192.0.2.1']))],
      messages: [],
    },
    {
      name: 'DELETE with another TTL does not match',
      changes: [change('DELETE', a('www.example.com', ['192.0.2.1', '192.0.2.2'], { ttl: 60 }))],
      messages: [
        "Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values",
      ],
    },
    {
      name: 'deleting the same record twice in one batch fails the second time',
      changes: [
        change('DELETE', a('www.example.com', ['192.0.2.1', '192.0.2.2'])),
        change('DELETE', a('www.example.com', ['192.0.2.1', '192.0.2.2'])),
      ],
      messages: [
        "Tried to delete resource record set [name='www.example.com.', type='A'] but it was not found",
      ],
    },
    {
      name: 'UPSERT replaces without complaint',
      changes: [change('UPSERT', a('www.example.com', ['192.0.2.7']))],
      messages: [],
    },
    {
      name: 'leading zeros are not an IPv4 address',
      changes: [change('CREATE', a('z.example.com', ['192.0.2.01']))],
      messages: [
        "Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '192.0.2.01''",
      ],
    },
    {
      name: 'an alias needs no values and is not value-checked',
      changes: [
        change('CREATE', {
          name: 'lb.example.com',
          type: 'A',
          values: [],
          alias: {
            hostedZoneId: 'Z35SXDOTRQ7X7K',
            dnsName: 'x.elb.amazonaws.com',
            evaluateTargetHealth: false,
          },
        }),
      ],
      messages: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(checkChangeBatch(zone, current, c.changes), c.messages));
  }

  it('returns the records as they would be after an accepted batch', () => {
    const { messages, records } = applyChangeBatch(zone, current, [
      change('DELETE', a('www.example.com', ['192.0.2.1', '192.0.2.2'])),
      change('CREATE', a('www.example.com', ['192.0.2.3'])),
    ]);
    assert.deepEqual(messages, []);
    assert.deepEqual(
      records.map((r) => r.values),
      [['192.0.2.3']],
    );
  });

  it('counts UPSERT twice towards the batch limits', () => {
    const rs = { name: 't.example.com', type: 'TXT', ttl: 300, values: ['"abc"', '"de"'] };
    assert.deepEqual(batchSize([change('CREATE', rs)]), { records: 2, characters: 9 });
    assert.deepEqual(batchSize([change('UPSERT', rs)]), { records: 4, characters: 18 });
  });
});
