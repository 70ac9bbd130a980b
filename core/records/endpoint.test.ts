import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sameData } from '../same-data.js';
import {
  assertAgreesWithSameData,
  optional,
  pick,
  recordOf,
} from './testing/agrees-with-same-data.js';
import {
  compareText,
  describeRecord,
  endpointKey,
  isRecordType,
  resourceOf,
  sameEndpoints,
  type Endpoint,
} from './endpoint.js';

describe('endpoint helpers', () => {
  it('names the owner resource as the ownership label writes it', () => {
    assert.equal(
      resourceOf({ kind: 'virtualservice', namespace: 'shop', name: 'cart' }),
      'virtualservice/shop/cart',
    );
  });
  it('keys a record by name, type and set identifier', () => {
    const owner = { kind: 'service', namespace: 'a', name: 'b', creationTimestamp: '' };
    const base = { name: 'www.example.com', type: 'A' as const, targets: ['10.0.0.1'], owner };
    assert.notEqual(endpointKey(base), endpointKey({ ...base, setIdentifier: 'x' }));
    assert.notEqual(endpointKey(base), endpointKey({ ...base, type: 'AAAA' }));
    assert.equal(endpointKey(base), endpointKey({ ...base, targets: ['10.0.0.2'] }));
  });
  it('describes records for messages', () => {
    assert.equal(describeRecord('www.example.com', 'A'), 'A www.example.com');
    assert.equal(describeRecord('www.example.com', 'A', 'blue'), 'A www.example.com (set blue)');
  });
  it('knows the record types it writes', () => {
    assert.equal(isRecordType('CNAME'), true);
    assert.equal(isRecordType('TXT'), false);
  });
  it('orders text the same everywhere', () => {
    assert.deepEqual(['b', 'B', 'a', '*'].sort(compareText), ['*', 'B', 'a', 'b']);
  });
});

describe('sameEndpoints', () => {
  const endpoint = recordOf<Endpoint>({
    name: pick('a.example.com', 'b.example.com'),
    type: pick('A' as const, 'CNAME' as const),
    targets: fc.array(pick('10.0.0.1', '10.0.0.2'), { maxLength: 2 }),
    ttl: optional(pick(60, 300)),
    alias: optional(
      pick(
        { sameZone: true as const },
        { sameZone: true as const, evaluateTargetHealth: false },
        { sameZone: false as const, hostedZoneId: 'Z1' },
      ),
    ),
    setIdentifier: optional(pick('blue', 'green')),
    routing: optional(
      pick(
        { type: 'weighted' as const, weight: 1 },
        { type: 'weighted' as const, weight: 2 },
        { type: 'geolocation' as const, country: 'DE' },
      ),
    ),
    healthCheckId: optional(pick('hc-1', 'hc-2')),
    owner: fc.record({
      kind: pick('service', 'gateway'),
      namespace: pick('a', 'b'),
      name: pick('x', 'y'),
      creationTimestamp: pick('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'),
    }),
  });

  it('says what sameData says of two endpoints, field by field', () => {
    assertAgreesWithSameData(
      endpoint,
      [
        'name',
        'type',
        'targets',
        'ttl',
        'alias',
        'setIdentifier',
        'routing',
        'healthCheckId',
        'owner.kind',
        'owner.namespace',
        'owner.name',
        'owner.creationTimestamp',
      ],
      (a, b) => sameEndpoints([a], [b]),
    );
  });

  it('compares lists in order and whole', () => {
    const [a, b] = fc
      .sample(endpoint, { numRuns: 50, seed: 1 })
      .filter((e, i, all) => i === 0 || !sameData(e, all[0])) as [Endpoint, Endpoint];
    assert.equal(sameEndpoints([a, b], [structuredClone(a), structuredClone(b)]), true);
    assert.equal(sameEndpoints([a, b], [b, a]), false);
    assert.equal(sameEndpoints([a, b], [a]), false);
    assert.equal(sameEndpoints([], []), true);
  });
});
