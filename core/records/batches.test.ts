import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ROUTE53_LIMITS,
  batches,
  changeSize,
  groupsInFirstBatch,
  partRefusedBatch,
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

describe('partRefusedBatch', () => {
  const weighted = (Action: Change['Action'], Name: string, id: string, Type = 'A'): Change => ({
    Action,
    ResourceRecordSet: {
      Name,
      Type,
      TTL: 300,
      SetIdentifier: id,
      Weight: 1,
      ResourceRecords: [{ Value: Type === 'TXT' ? '"o"' : '192.0.2.1' }],
    },
  });
  const batch = [
    weighted('CREATE', 'b1.example.com', 'east'),
    weighted('CREATE', 'a-b1.example.com', 'east', 'TXT'),
    weighted('CREATE', 'b2.example.com', 'east'),
    weighted('CREATE', 'a-b2.example.com', 'east', 'TXT'),
    change('DELETE', '*.example.com', ['192.0.2.9']),
    change('DELETE', 'a-*.example.com', ['"o"'], 'TXT'),
    change('CREATE', 'c.example.com', ['1']),
  ];
  const names = (changes: readonly Change[]) => changes.map((c) => c.ResourceRecordSet.Name);

  it('takes out the groups whose changes the messages name, set identifier and all', () => {
    const parted = partRefusedBatch(batch, [
      "Tried to create resource record set [name='b2.example.com.', type='A', set-identifier='east'] but it already exists",
      "Tried to create resource record set [name='a-b2.example.com.', type='TXT', set-identifier='east'] but it already exists",
    ]);
    assert.deepEqual(names(parted?.refused ?? []), ['b2.example.com', 'a-b2.example.com']);
    assert.deepEqual(names(parted?.rest ?? []), [
      'b1.example.com',
      'a-b1.example.com',
      '*.example.com',
      'a-*.example.com',
      'c.example.com',
    ]);
  });

  it('reads names as Route 53 writes them (escaped, any case, final dot), and one change takes its group', () => {
    const parted = partRefusedBatch(batch, [
      "Tried to delete resource record set [name='\\052.Example.COM.', type='A'] but it was not found",
    ]);
    assert.deepEqual(names(parted?.refused ?? []), ['*.example.com', 'a-*.example.com']);
    assert.equal(parted?.rest.length, 5);
  });

  it('reads several refusals from one message, as the SDK may join them', () => {
    const parted = partRefusedBatch(batch, [
      "[Tried to create resource record set [name='b1.example.com.', type='A', set-identifier='east'] but it already exists, Tried to create resource record set [name='c.example.com.', type='A'] but it already exists]",
    ]);
    assert.deepEqual(names(parted?.refused ?? []), [
      'b1.example.com',
      'a-b1.example.com',
      'c.example.com',
    ]);
  });

  it('matches the set identifier too: another cluster’s record of the same name is not ours', () => {
    assert.equal(
      partRefusedBatch(batch, [
        "Tried to create resource record set [name='b1.example.com.', type='A', set-identifier='west'] but it already exists",
      ]),
      undefined,
    );
  });

  it('is undefined for a refusal that names no change of the batch, or is worded otherwise', () => {
    assert.equal(partRefusedBatch(batch, []), undefined);
    assert.equal(
      partRefusedBatch(batch, [
        'RRSet of type CNAME with DNS name c.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com.',
      ]),
      undefined,
    );
    assert.equal(
      partRefusedBatch(batch, [
        "Tried to create resource record set [name='zzz.example.com.', type='A'] but it already exists",
      ]),
      undefined,
    );
  });

  it('loses and repeats nothing: refused and rest are the batch, by whole groups', () => {
    fc.assert(
      fc.property(
        fc.array(changeArb, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(19), { maxLength: 5 }),
        (changes, picks) => {
          const messages = picks
            .map((i) => changes[i % changes.length] as Change)
            .map(
              (c) =>
                `Tried to create resource record set [name='${c.ResourceRecordSet.Name}.', type='${c.ResourceRecordSet.Type}'] but it already exists`,
            );
          const parted = partRefusedBatch(changes, messages);
          if (messages.length === 0) return parted === undefined;
          assert.ok(parted);
          assert.equal(parted.refused.length + parted.rest.length, changes.length);
          assert.deepEqual(new Set([...parted.refused, ...parted.rest]), new Set(changes));
          const refusedGroups = new Set(parted.refused.map(groupNameOf));
          assert.ok(parted.rest.every((c) => !refusedGroups.has(groupNameOf(c))));
          return true;
        },
      ),
    );
  });
});
