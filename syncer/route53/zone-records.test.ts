import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChanges } from '../../core/records/apply-changes.js';
import { ownedRecordCount } from '../../core/records/deletion-guard.js';
import type { Change, ResourceRecordSet } from '../../core/records/route53-types.js';
import { ZoneRecords } from './zone-records.js';

const ours = (name: string, owner = 'me'): ResourceRecordSet => ({
  Name: name,
  Type: 'TXT',
  TTL: 300,
  ResourceRecords: [{ Value: `"heritage=aws-controller,aws-controller/owner=${owner}"` }],
});
const a = (name: string, ip: string, set?: string): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  TTL: 60,
  ...(set !== undefined && { SetIdentifier: set, Weight: 1 }),
  ResourceRecords: [{ Value: ip }],
});

const listing = [
  a('www.example.com.', '10.0.0.1'),
  ours('a-www.example.com.'),
  ours('a-x.example.com', 'them'),
];
const batches: Change[][] = [
  [
    { Action: 'CREATE', ResourceRecordSet: a('api.example.com', '10.0.0.2') },
    { Action: 'CREATE', ResourceRecordSet: ours('a-api.example.com') },
  ],
  [
    { Action: 'UPSERT', ResourceRecordSet: a('WWW.example.com', '10.0.0.9') },
    { Action: 'CREATE', ResourceRecordSet: a('www.example.com', '10.0.0.3', 'blue') },
  ],
  [
    { Action: 'DELETE', ResourceRecordSet: ours('a-www.example.com') },
    { Action: 'UPSERT', ResourceRecordSet: ours('a-x.example.com') },
  ],
  // Two sets at a name, then one, then two again; a DELETE of a set that is not there.
  [
    { Action: 'CREATE', ResourceRecordSet: a('api.example.com', '10.0.0.4', 'green') },
    { Action: 'DELETE', ResourceRecordSet: a('api.example.com', '10.0.0.2') },
    { Action: 'DELETE', ResourceRecordSet: a('none.example.com', '10.0.0.5') },
  ],
  [
    { Action: 'DELETE', ResourceRecordSet: a('api.example.com', '10.0.0.4', 'blue') },
    { Action: 'UPSERT', ResourceRecordSet: a('api.example.com', '10.0.0.6') },
  ],
];

const sorted = (sets: readonly ResourceRecordSet[]) => sets.map((s) => JSON.stringify(s)).sort();

describe('ZoneRecords', () => {
  it('holds what applyChanges makes of the listing, by name, with our records counted', () => {
    const records = new ZoneRecords(listing, 'me');
    let expected: ResourceRecordSet[] = [...listing];
    assert.equal(records.owned, ownedRecordCount(expected, 'me'));
    for (const batch of batches) {
      records.apply(batch);
      expected = applyChanges(expected, batch);
      assert.deepEqual(sorted(records.all()), sorted(expected));
      assert.equal(records.owned, ownedRecordCount(expected, 'me'));
    }
    assert.deepEqual(
      sorted(records.at('www.example.com')),
      sorted([a('WWW.example.com', '10.0.0.9'), a('www.example.com', '10.0.0.3', 'blue')]),
    );
    assert.equal(records.has('a-www.example.com'), false, 'a name with nothing left is gone');
    assert.deepEqual([...records.names()].sort(), [
      'a-api.example.com',
      'a-x.example.com',
      'api.example.com',
      'www.example.com',
    ]);
  });

  it('shares one frozen list between address records with the same values, and keeps TXTs their own', () => {
    const zone = new ZoneRecords(
      [
        a('one.example.com.', '10.0.0.1'),
        a('two.example.com.', '10.0.0.1'),
        ours('a-one.example.com.'),
      ],
      'me',
    );
    zone.apply([
      { Action: 'CREATE', ResourceRecordSet: a('three.example.com', '10.0.0.1') },
      { Action: 'CREATE', ResourceRecordSet: a('four.example.com', '10.0.0.4') },
    ]);
    const [one] = zone.at('one.example.com');
    const [two] = zone.at('two.example.com');
    const [three] = zone.at('three.example.com');
    const [four] = zone.at('four.example.com');
    assert.deepEqual(one, a('one.example.com.', '10.0.0.1'));
    assert.equal(one?.ResourceRecords, two?.ResourceRecords);
    assert.equal(one?.ResourceRecords, three?.ResourceRecords);
    assert.ok(Object.isFrozen(one?.ResourceRecords));
    assert.deepEqual(four?.ResourceRecords, [{ Value: '10.0.0.4' }]);
    const [txt] = zone.at('a-one.example.com');
    assert.deepEqual(txt, ours('a-one.example.com.'));
    assert.ok(!Object.isFrozen(txt?.ResourceRecords));
    assert.equal(zone.owned, 1);
  });

  it('gives a one-value TXT back as listed, made afresh on each read, and keeps other TXTs as they are', () => {
    const twoValues: ResourceRecordSet = {
      Name: 'two.example.com.',
      Type: 'TXT',
      TTL: 60,
      ResourceRecords: [{ Value: '"v=spf1 -all"' }, { Value: '"site-verification=x"' }],
    };
    const weighted: ResourceRecordSet = {
      ...ours('a-w.example.com.'),
      SetIdentifier: 'blue',
      Weight: 1,
    };
    const zone = new ZoneRecords(
      [ours('a-one.example.com.'), ours('a-them.example.com.', 'them'), twoValues, weighted],
      'me',
    );
    const [first] = zone.at('a-one.example.com');
    const [again] = zone.at('a-one.example.com');
    assert.deepEqual(first, ours('a-one.example.com.'));
    assert.deepEqual(Object.keys(first ?? {}), ['Name', 'Type', 'TTL', 'ResourceRecords']);
    assert.notEqual(first, again, 'a reader may change what it is given');
    first?.ResourceRecords?.push({ Value: '"changed"' });
    assert.deepEqual(zone.at('a-one.example.com'), [ours('a-one.example.com.')]);
    assert.deepEqual(zone.at('a-them.example.com'), [ours('a-them.example.com.', 'them')]);
    assert.equal(zone.at('two.example.com')[0], twoValues);
    assert.equal(zone.at('a-w.example.com')[0], weighted);
    assert.equal(zone.owned, 2, 'ours, kept either way, and not theirs');

    zone.apply([
      { Action: 'DELETE', ResourceRecordSet: ours('a-one.example.com.') },
      { Action: 'UPSERT', ResourceRecordSet: ours('a-them.example.com.') },
    ]);
    assert.equal(zone.has('a-one.example.com'), false);
    assert.deepEqual(zone.at('a-them.example.com'), [ours('a-them.example.com.')]);
    assert.equal(zone.owned, 2);
  });
});
