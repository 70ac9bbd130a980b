import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUARD_MINIMUM, guardDeletions, ownedRecordCount } from './deletion-guard.js';
import type { ZonePlan } from './plan-types.js';
import type { Change, ResourceRecordSet } from './route53-types.js';

const a = (name: string): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  TTL: 300,
  ResourceRecords: [{ Value: '192.0.2.1' }],
});
const txt = (name: string, owner = 'me'): ResourceRecordSet => ({
  Name: `a-${name}`,
  Type: 'TXT',
  TTL: 300,
  ResourceRecords: [
    {
      Value: `"heritage=aws-controller,aws-controller/owner=${owner},aws-controller/resource=gateway/ns/gw"`,
    },
  ],
});
const del = (name: string): Change[] => [
  { Action: 'DELETE', ResourceRecordSet: a(name) },
  { Action: 'DELETE', ResourceRecordSet: txt(name) },
];
const create = (name: string): Change[] => [
  { Action: 'CREATE', ResourceRecordSet: a(name) },
  { Action: 'CREATE', ResourceRecordSet: txt(name) },
];

function zone(deletes: number, creates = 1): ZonePlan {
  const names = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}${i}.example.com`);
  return {
    zoneId: 'Z1',
    zoneName: 'example.com',
    private: false,
    groups: [...names('gone', deletes).map(del), ...names('new', creates).map(create)],
    decisions: [
      ...names('gone', deletes).map((n) => ({ action: 'delete' as const, record: `A ${n}` })),
      ...names('new', creates).map((n) => ({ action: 'create' as const, record: `A ${n}` })),
    ],
  };
}

describe('deletion guard', () => {
  it('counts the records a listing says we own', () => {
    assert.equal(
      ownedRecordCount(
        [a('x.example.com'), txt('x.example.com'), txt('y.example.com', 'them')],
        'me',
      ),
      1,
    );
  });

  it('lets deletions through up to the minimum, or up to the fraction of what we own', () => {
    assert.equal(guardDeletions(zone(GUARD_MINIMUM), GUARD_MINIMUM, 0.5).heldBack, undefined);
    assert.equal(guardDeletions(zone(40), 100, 0.5).heldBack, undefined);
    assert.equal(guardDeletions(zone(50), 100, 0.5).heldBack, undefined);
    assert.equal(guardDeletions(zone(100), 100, 1).heldBack, undefined, '1 turns it off');
  });

  it('holds back a mass deletion, keeping the creates and the other decisions', () => {
    const { plan, heldBack } = guardDeletions(zone(60, 2), 100, 0.5);
    assert.equal(heldBack?.deletions, 60);
    assert.equal(heldBack?.owned, 100);
    assert.match(
      heldBack?.message ?? '',
      /held back deleting 60 of the 100 records .* \(60%, above the 50% limit\)/,
    );
    assert.equal(plan.groups.length, 2);
    assert.ok(plan.groups.flat().every((c) => c.Action === 'CREATE'));
    assert.deepEqual(
      plan.decisions.map((d) => d.action),
      ['create', 'create'],
    );
  });

  it('never holds back a replacement (a DELETE sent with its CREATE)', () => {
    const replacement: Change[] = [
      { Action: 'DELETE', ResourceRecordSet: a('r.example.com') },
      {
        Action: 'CREATE',
        ResourceRecordSet: { ...a('r.example.com'), SetIdentifier: 'x', Weight: 1 },
      },
    ];
    const plan = zone(60);
    plan.groups.push(replacement);
    const guarded = guardDeletions(plan, 100, 0.5);
    assert.ok(guarded.plan.groups.includes(replacement));
  });
});
