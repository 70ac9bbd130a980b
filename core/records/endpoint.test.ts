import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sameData } from '../same-data.js';
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
  // Few values per field, so that two endpoints drawn apart are often equal, or differ in one
  // field; optional fields absent, undefined or set.
  const pick = <T>(...values: T[]) => fc.constantFrom(...values);
  const optional = <T>(value: fc.Arbitrary<T>) =>
    fc.oneof(fc.constant(undefined), fc.constant(null), value);
  const endpoint: fc.Arbitrary<Endpoint> = fc
    .record({
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
    })
    // null stands for a key left out, undefined for a key holding undefined: sameData counts
    // neither, and sameEndpoints must not either.
    .map((e) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(e)) if (v !== null) out[k] = v;
      return out as unknown as Endpoint;
    });
  // A copy, so that equal endpoints are not the same object.
  const copy = (e: Endpoint): Endpoint => structuredClone(e);
  // The fields one at a time (the owner's too): drawn whole, two lists rarely differ in one.
  const FIELDS = [
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
  ] as const;
  /** The list with one field of its last endpoint as `from` has it (left out if it is). */
  const withField = (
    list: Endpoint[],
    from: Endpoint | undefined,
    field: (typeof FIELDS)[number],
  ): Endpoint[] => {
    const last = list.at(-1);
    if (last === undefined || from === undefined) return list;
    const [target, key, source] = field.startsWith('owner.')
      ? [last.owner, field.slice(6), from.owner]
      : [last, field, from];
    const into = target as unknown as Record<string, unknown>;
    const value = (source as unknown as Record<string, unknown>)[key];
    if (Object.hasOwn(source, key)) into[key] = value;
    else delete into[key];
    return list;
  };

  it('says what sameData says of the same lists, field by field', () => {
    let equal = 0;
    let unequal = 0;
    fc.assert(
      fc.property(
        fc.array(endpoint, { maxLength: 3 }),
        fc.array(endpoint, { maxLength: 3 }),
        fc.constantFrom('drawn apart', 'a copy', 'a copy, its last drawn anew', 'one field'),
        fc.constantFrom(...FIELDS),
        (a, b, how, field) => {
          const other =
            how === 'drawn apart'
              ? b
              : how === 'a copy'
                ? a.map(copy)
                : how === 'a copy, its last drawn anew'
                  ? [...a.map(copy).slice(0, -1), ...b.slice(0, 1)]
                  : withField(a.map(copy), b[0], field);
          const expected = sameData(a, other);
          assert.equal(sameEndpoints(a, other), expected);
          if (expected) equal++;
          else unequal++;
        },
      ),
      { numRuns: 3000 },
    );
    // Both answers were reached often (the property says nothing if lists never match).
    assert.ok(equal > 100 && unequal > 100, `equal ${equal}, unequal ${unequal}`);
  });
});
