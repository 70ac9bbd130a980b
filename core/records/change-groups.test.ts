import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupChanges, groupNameOf } from './change-groups.js';
import type { Change } from './route53-types.js';

const change = (Action: Change['Action'], Name: string, Type: string): Change => ({
  Action,
  ResourceRecordSet: { Name, Type, TTL: 300, ResourceRecords: [{ Value: 'x' }] },
});

describe('groupNameOf', () => {
  const cases: [Change, string][] = [
    [change('CREATE', 'www.example.com', 'A'), 'www.example.com'],
    [change('CREATE', 'a-www.example.com', 'TXT'), 'www.example.com'],
    [change('CREATE', 'cname-\\052.example.com.', 'TXT'), '*.example.com'],
    [change('CREATE', 'a-.example.com', 'TXT'), 'example.com'],
    [change('CREATE', 'spf.example.com', 'TXT'), 'spf.example.com'],
  ];
  for (const [c, expected] of cases) {
    it(`groups ${c.ResourceRecordSet.Type} ${c.ResourceRecordSet.Name} with ${expected}`, () => {
      assert.equal(groupNameOf(c), expected);
    });
  }
});

describe('groupChanges', () => {
  it('keeps a record with its TXT and everything at its name, deletions first', () => {
    const groups = groupChanges([
      change('CREATE', 'www.example.com', 'CNAME'),
      change('CREATE', 'api.example.com', 'A'),
      change('CREATE', 'cname-www.example.com', 'TXT'),
      change('DELETE', 'www.example.com', 'A'),
      change('DELETE', 'a-www.example.com', 'TXT'),
      change('CREATE', 'a-api.example.com', 'TXT'),
    ]);
    assert.deepEqual(
      groups.map((g) => g.map((c) => `${c.Action} ${c.ResourceRecordSet.Name}`)),
      [
        [
          'DELETE www.example.com',
          'DELETE a-www.example.com',
          'CREATE www.example.com',
          'CREATE cname-www.example.com',
        ],
        ['CREATE api.example.com', 'CREATE a-api.example.com'],
      ],
    );
  });
});
