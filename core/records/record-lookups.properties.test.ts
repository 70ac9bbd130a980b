// The planner finds listed record sets, their holders and the records endpoints want by name,
// type and set identifier (recordAt, heldAt, isWanted), where it used maps of record keys
// (recordKey: name, type and set identifier, an absent one as ''). On any listing each must
// answer exactly what such a map answers: the first record set listed under the key, every
// object our TXTs name for it across zones, whether an endpoint has the key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isRecordType, recordKey, type Endpoint, type RecordType } from './endpoint.js';
import type { CurrentRecord } from './from-route53.js';
import { heldAt, holdersOf, resourcesOf } from './incumbents.js';
import { ownershipValue } from './ownership.js';
import type { ResourceRecordSet } from './route53-types.js';
import { indexZone, ourClaim, ownershipOf, recordAt, type OwnerIds } from './zone-state.js';
import { isWanted, wantedByName } from './zone-work.js';
import { readZone } from './zones.js';

const RUNS = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 300) };
const ZONE = readZone({ Id: '/hostedzone/ZPUB', Name: 'example.com.' });
const IDS: OwnerIds = { ownerId: 'me' };
const NAMES = ['example.com', 'www.example.com', 'api.example.com', '*.example.com'];
// Ownership TXT names of those, so that records are ours, other's or no one's.
const TXT_NAMES = [
  'a-.example.com',
  'a-www.example.com',
  'aaaa-www.example.com',
  'cname-api.example.com',
  'a-*.example.com',
];
const TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX'];
const SET_IDS = [undefined, '', 'blue', 'green two'];
const VALUES = [
  '10.0.0.1',
  ownershipValue('me', 'gateway/ns1/a'),
  ownershipValue('me', 'gateway/ns2/b'),
  ownershipValue('other', 'gateway/ns1/a'),
];

const setArb = fc
  .record({
    name: fc.constantFrom(...NAMES, ...TXT_NAMES),
    upper: fc.boolean(),
    type: fc.constantFrom(...TYPES),
    lowerType: fc.boolean(),
    setIdentifier: fc.constantFrom(...SET_IDS),
    value: fc.constantFrom(...VALUES),
  })
  .map((s): ResourceRecordSet => ({
    Name: `${s.upper ? s.name.toUpperCase() : s.name}.`,
    Type: s.lowerType ? s.type.toLowerCase() : s.type,
    TTL: 300,
    ResourceRecords: [{ Value: s.value }],
    ...(s.setIdentifier !== undefined && { SetIdentifier: s.setIdentifier }),
  }));
const listingArb = fc.array(setArb, { maxLength: 14 });

/** Every name, type and set identifier a lookup may ask for. */
const QUERIES = [...NAMES, ...TXT_NAMES].flatMap((name) =>
  TYPES.flatMap((type) => SET_IDS.map((setIdentifier) => ({ name, type, setIdentifier }))),
);

describe('record sets found by name, type and set identifier', () => {
  it('recordAt answers what a map of record keys (first listed wins) answers', () => {
    fc.assert(
      fc.property(listingArb, (sets) => {
        const state = indexZone(ZONE, sets);
        const byKey = new Map<string, CurrentRecord>();
        for (const record of state.records) {
          if (!byKey.has(record.key)) byKey.set(record.key, record);
        }
        for (const { name, type, setIdentifier } of QUERIES) {
          assert.equal(
            recordAt(state, name, type, setIdentifier),
            byKey.get(recordKey(name, type, setIdentifier)),
            `${name} ${type} ${String(setIdentifier)}`,
          );
        }
      }),
      RUNS,
    );
  });

  it('heldAt answers what a map of record keys to the objects our TXTs name answers', () => {
    fc.assert(
      fc.property(listingArb, listingArb, (first, second) => {
        // Two zones' states (the same zone name: the same keys in both), as holdersOf sees them.
        const states = [indexZone(ZONE, first), indexZone(ZONE, second)];
        const byKey = new Map<string, Set<string>>();
        for (const state of states) {
          for (const record of state.records) {
            if (!isRecordType(record.type)) continue;
            const ownership = ownershipOf(state, record, IDS);
            if (ownership.kind !== 'ours') continue;
            const resource = ourClaim(ownership.txt, IDS.ownerId)?.resource;
            if (resource === undefined) continue;
            byKey.set(record.key, (byKey.get(record.key) ?? new Set()).add(resource));
          }
        }
        const holders = holdersOf(states, IDS, []);
        for (const { name, type, setIdentifier } of QUERIES) {
          assert.deepEqual(
            resourcesOf(heldAt(holders, name, type, setIdentifier)),
            [...(byKey.get(recordKey(name, type, setIdentifier)) ?? [])],
            `${name} ${type} ${String(setIdentifier)}`,
          );
        }
      }),
      RUNS,
    );
  });

  it('isWanted answers whether a wanted endpoint has the key', () => {
    const endpointArb = fc.record({
      name: fc.constantFrom(...NAMES),
      type: fc.constantFrom<RecordType>('A', 'AAAA', 'CNAME'),
      setIdentifier: fc.constantFrom(...SET_IDS),
    });
    fc.assert(
      fc.property(fc.array(endpointArb, { maxLength: 10 }), (picked) => {
        const endpoints: Endpoint[] = picked.map(({ name, type, setIdentifier }) => ({
          name,
          type,
          targets: ['10.0.0.1'],
          ...(setIdentifier !== undefined && { setIdentifier }),
          owner: { kind: 'gateway', namespace: 'ns1', name: 'a', creationTimestamp: '' },
        }));
        const keys = new Set(endpoints.map((e) => recordKey(e.name, e.type, e.setIdentifier)));
        const wantedAt = wantedByName(endpoints);
        for (const { name, type, setIdentifier } of QUERIES) {
          assert.equal(
            isWanted(wantedAt, name, type, setIdentifier),
            keys.has(recordKey(name, type, setIdentifier)),
            `${name} ${type} ${String(setIdentifier)}`,
          );
        }
      }),
      RUNS,
    );
  });
});
