import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareOwners, resolveConflicts } from './conflicts.js';
import type { Endpoint, OwnerResource } from './endpoint.js';
import { endpointArb } from './testing/endpoint-arbitraries.js';

const owner = (
  name: string,
  creationTimestamp: string,
  namespace = 'apps',
  kind = 'service',
): OwnerResource => ({
  kind,
  namespace,
  name,
  creationTimestamp,
});
const OLD = owner('old', '2024-01-01T00:00:00Z');
const NEW = owner('new', '2024-06-01T00:00:00Z');
const a = (o: OwnerResource, targets: string[], extra: Partial<Endpoint> = {}): Endpoint => ({
  name: 'www.example.com',
  type: 'A',
  targets,
  ttl: 300,
  owner: o,
  ...extra,
});
const owners = (endpoints: Endpoint[]) => endpoints.map((e) => e.owner.name);

describe('compareOwners', () => {
  it('puts the oldest first, then namespace/name, then kind', () => {
    const sorted = [
      owner('b', '2024-01-01T00:00:00Z', 'x', 'service'),
      owner('a', '2024-01-01T00:00:00Z', 'x', 'service'),
      owner('a', '2024-01-01T00:00:00Z', 'x', 'ingress'),
      owner('z', '2023-12-31T23:59:59Z', 'z'),
      owner('a', '2024-01-01T00:00:00Z', 'w', 'service'),
    ].sort(compareOwners);
    assert.deepEqual(
      sorted.map((o) => `${o.namespace}/${o.name}/${o.kind}`),
      ['z/z/service', 'w/a/service', 'x/a/ingress', 'x/a/service', 'x/b/service'],
    );
  });
  it('compares timestamps as times, not text', () => {
    assert.ok(
      compareOwners(owner('a', '2024-01-01T01:00:00+02:00'), owner('b', '2024-01-01T00:00:00Z')) <
        0,
    );
  });
});

describe('resolveConflicts', () => {
  it('gives a record set wanted with different targets to the oldest object', () => {
    const result = resolveConflicts([a(NEW, ['10.0.0.2']), a(OLD, ['10.0.0.1'])]);
    assert.deepEqual(owners(result.accepted), ['old']);
    assert.deepEqual(owners(result.conflicts.map((c) => c.loser)), ['new']);
    assert.equal(result.conflicts[0]?.winner.owner.name, 'old');
    assert.match(
      result.conflicts[0]?.message ?? '',
      /service\/apps\/new wants A www\.example\.com, but service\/apps\/old/,
    );
  });

  it('merges identical wishes without a conflict', () => {
    const result = resolveConflicts([a(NEW, ['10.0.0.1']), a(OLD, ['10.0.0.1'])]);
    assert.deepEqual(owners(result.accepted), ['old']);
    assert.deepEqual(result.conflicts, []);
  });

  const clashes: [string, Partial<Endpoint>, Partial<Endpoint>][] = [
    ['a CNAME beside an A', {}, { type: 'CNAME', targets: ['lb.example.net'] }],
    [
      'weighted beside simple',
      {},
      { setIdentifier: 'b', routing: { type: 'weighted', weight: 1 } },
    ],
    [
      'two latency records for one region',
      { setIdentifier: 'a', routing: { type: 'latency', region: 'us-east-1' } },
      { setIdentifier: 'b', routing: { type: 'latency', region: 'us-east-1' } },
    ],
  ];
  for (const [what, older, newer] of clashes) {
    it(`refuses ${what}, keeping the older`, () => {
      const result = resolveConflicts([a(NEW, ['10.0.0.1'], newer), a(OLD, ['10.0.0.1'], older)]);
      assert.deepEqual(owners(result.accepted), ['old']);
      assert.deepEqual(owners(result.conflicts.map((c) => c.loser)), ['new']);
    });
  }

  it('lets compatible records at one name be', () => {
    const result = resolveConflicts([
      a(NEW, ['10.0.0.1'], { setIdentifier: 'b', routing: { type: 'weighted', weight: 1 } }),
      a(OLD, ['10.0.0.2'], { setIdentifier: 'a', routing: { type: 'weighted', weight: 1 } }),
      a(NEW, ['2001:db8::1'], {
        type: 'AAAA',
        setIdentifier: 'b',
        routing: { type: 'weighted', weight: 1 },
      }),
    ]);
    assert.equal(result.accepted.length, 3);
    assert.deepEqual(result.conflicts, []);
  });

  it('has a winner that does not depend on input order', () => {
    fc.assert(
      fc.property(
        fc
          .array(endpointArb, { maxLength: 12 })
          .chain((endpoints) =>
            fc.tuple(
              fc.constant(endpoints),
              fc.shuffledSubarray(endpoints, { minLength: endpoints.length }),
            ),
          ),
        ([endpoints, shuffled]) => {
          assert.deepEqual(resolveConflicts(shuffled), resolveConflicts(endpoints));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts a set where no two endpoints clash, and loses nothing', () => {
    fc.assert(
      fc.property(fc.array(endpointArb, { maxLength: 12 }), (endpoints) => {
        const { accepted, conflicts } = resolveConflicts(endpoints);
        // Every endpoint is accepted, lost, or an identical duplicate of an accepted one.
        assert.ok(accepted.length + conflicts.length <= endpoints.length);
        for (const c of conflicts) assert.ok(accepted.includes(c.winner));
        assert.deepEqual(resolveConflicts(accepted).conflicts, []);
      }),
      { numRuns: 200 },
    );
  });
});
