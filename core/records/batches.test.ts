import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ROUTE53_LIMITS,
  batches,
  changeSize,
  groupsInFirstBatch,
  sizeOf,
  splitBatch,
  withinLimits,
} from './batches.js';
import { groupChanges, groupNameOf } from './change-groups.js';
import type { Change } from './route53-types.js';

const change = (Action: Change['Action'], Name: string, values: string[], Type = 'A'): Change => ({
  Action,
  ResourceRecordSet: { Name, Type, TTL: 300, ResourceRecords: values.map((Value) => ({ Value })) },
});

const changeArb = fc
  .record({
    action: fc.constantFrom<Change['Action']>('CREATE', 'DELETE', 'UPSERT'),
    name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
    txt: fc.boolean(),
    values: fc.array(fc.stringMatching(/^[a-z0-9."]{1,60}$/), { minLength: 1, maxLength: 12 }),
  })
  .map(({ action, name, txt, values }) =>
    change(action, `${txt ? 'a-' : ''}${name}.example.com`, values, txt ? 'TXT' : 'A'),
  );
describe('changeSize', () => {
  it('counts ResourceRecord elements and value characters, UPSERT twice', () => {
    assert.deepEqual(changeSize(change('CREATE', 'a.example.com', ['10.0.0.1', '10.0.0.22'])), {
      records: 2,
      valueChars: 17,
    });
    assert.deepEqual(changeSize(change('UPSERT', 'a.example.com', ['10.0.0.1', '10.0.0.22'])), {
      records: 4,
      valueChars: 34,
    });
    assert.deepEqual(changeSize(change('DELETE', 'a.example.com', ['10.0.0.1'])), {
      records: 1,
      valueChars: 8,
    });
  });
  it('counts an alias as one record with its DNS name', () => {
    const alias: Change = {
      Action: 'UPSERT',
      ResourceRecordSet: {
        Name: 'a.example.com',
        Type: 'A',
        AliasTarget: { HostedZoneId: 'Z1', DNSName: 'lb.example.net', EvaluateTargetHealth: false },
      },
    };
    assert.deepEqual(changeSize(alias), { records: 2, valueChars: 28 });
  });
});

describe('batches', () => {
  it('sends everything in one batch when it fits', () => {
    const groups = [
      [
        change('CREATE', 'a.example.com', ['10.0.0.1']),
        change('CREATE', 'a-a.example.com', ['"o"'], 'TXT'),
      ],
    ];
    assert.deepEqual(batches(groups), [groups[0]]);
  });

  it('starts a new batch at 1,000 records, UPSERT counted twice', () => {
    const ips = Array.from({ length: 300 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const groups = [
      [change('UPSERT', 'a.example.com', ips)],
      [change('CREATE', 'b.example.com', ips)],
      [change('CREATE', 'c.example.com', ips)],
    ];
    assert.deepEqual(
      batches(groups).map((b) => b.map((c) => c.ResourceRecordSet.Name)),
      [['a.example.com', 'b.example.com'], ['c.example.com']],
    );
  });

  it('starts a new batch at 32,000 value characters', () => {
    const long = ['"' + 'x'.repeat(253) + '"'];
    const groups = Array.from({ length: 130 }, (_, i) => [
      change('CREATE', `t${i}.example.com`, long, 'TXT'),
    ]);
    const result = batches(groups);
    assert.equal(result.length, 2);
    assert.equal(result[0]?.length, 125);
  });

  const limitsArb = fc.record({
    maxRecords: fc.integer({ min: 1, max: 80 }),
    maxValueChars: fc.integer({ min: 1, max: 2000 }),
  });

  it('keeps every batch within limits, never splits a group, loses or adds nothing', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 60 }), limitsArb, (changes, limits) => {
        const groups = groupChanges(changes);
        const result = batches(groups, limits);
        assert.deepEqual(result.flat(), groups.flat());
        const batchOf = new Map<string, number>();
        result.forEach((batch, i) => {
          const groupCount = new Set(batch.map(groupNameOf)).size;
          // A batch over the limits holds one group too big for any batch.
          if (!withinLimits(sizeOf(batch), limits)) assert.equal(groupCount, 1);
          for (const c of batch) {
            const seen = batchOf.get(groupNameOf(c));
            assert.ok(seen === undefined || seen === i, `group ${groupNameOf(c)} split`);
            batchOf.set(groupNameOf(c), i);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('uses Route 53 limits by default', () => {
    assert.deepEqual(ROUTE53_LIMITS, { maxRecords: 1000, maxValueChars: 32000 });
  });
});

describe('groupsInFirstBatch', () => {
  const limitsArb = fc.record({
    maxRecords: fc.integer({ min: 1, max: 80 }),
    maxValueChars: fc.integer({ min: 1, max: 2000 }),
  });

  it('takes the groups of the first request batches() would cut, and sending them one request at a time gives the same requests', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 60 }), limitsArb, (changes, limits) => {
        const groups = groupChanges(changes);
        const expected = batches(groups, limits);
        const sent: Change[][] = [];
        let rest = groups;
        while (rest.length > 0) {
          const n = groupsInFirstBatch(rest, limits);
          assert.ok(n >= 1, 'always takes a group');
          sent.push(rest.slice(0, n).flat());
          rest = rest.slice(n);
        }
        assert.deepEqual(sent, expected);
      }),
      { numRuns: 200 },
    );
  });

  it('takes a group too big for any request alone', () => {
    const big = [change('CREATE', 'a.example.com', ['1.1.1.1', '2.2.2.2', '3.3.3.3'])];
    const small = [change('CREATE', 'b.example.com', ['1.1.1.1'])];
    const limits = { maxRecords: 2, maxValueChars: 1000 };
    assert.equal(groupsInFirstBatch([big, small], limits), 1);
    assert.equal(groupsInFirstBatch([small, small], limits), 2);
    assert.equal(groupsInFirstBatch([small, small, small], limits), 2);
    assert.equal(groupsInFirstBatch([], limits), 0);
  });
});

describe('splitBatch', () => {
  it('halves a batch along group lines', () => {
    const batch = [
      change('DELETE', 'a.example.com', ['1']),
      change('DELETE', 'a-a.example.com', ['"o"'], 'TXT'),
      change('CREATE', 'b.example.com', ['1']),
      change('CREATE', 'a-b.example.com', ['"o"'], 'TXT'),
      change('CREATE', 'c.example.com', ['1']),
    ];
    assert.deepEqual(
      splitBatch(batch).map((b) => b.map(groupNameOf)),
      [['a.example.com', 'a.example.com', 'b.example.com', 'b.example.com'], ['c.example.com']],
    );
  });
  it('returns a single group as it is: that group is the bad change', () => {
    const batch = [
      change('CREATE', 'a.example.com', ['1']),
      change('CREATE', 'a-a.example.com', ['"o"'], 'TXT'),
    ];
    assert.deepEqual(splitBatch(batch), [batch]);
  });
  it('keeps groups whole and loses nothing', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 40 }), (changes) => {
        const batch = groupChanges(changes).flat();
        const halves = splitBatch(batch);
        assert.deepEqual(halves.flat(), batch);
        if (halves.length === 2) {
          const [first = [], second = []] = halves;
          const inFirst = new Set(first.map(groupNameOf));
          assert.ok(second.every((c) => !inFirst.has(groupNameOf(c))));
          assert.ok(first.length > 0 && second.length > 0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
