// The hijacks the Tenancy issue found, each as a table case: what a tenant in its own
// namespace tried, and what the planner must do instead.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OwnerResource } from './endpoint.js';
import { ownershipValue } from './ownership.js';
import { a, alias, lines, rr, run, txt } from './testing/plan-cases.js';
import { parseDomainPolicy } from '../tenancy/domain-policy.js';

const VICTIM: OwnerResource = {
  kind: 'gateway',
  namespace: 'team-shop',
  name: 'shop',
  creationTimestamp: '2025-01-01T00:00:00Z',
};
const ATTACKER: OwnerResource = {
  kind: 'gateway',
  namespace: 'team-b',
  name: 'old',
  // Older than the victim's object: age must not win a name already held.
  creationTimestamp: '2020-01-01T00:00:00Z',
};
const VICTIM_TXT = ownershipValue('me', 'gateway/team-shop/shop');
const published = [
  rr('shop.example.com', 'A', ['192.0.2.10']),
  txt('a-shop.example.com', VICTIM_TXT),
];

describe('plan: tenancy', () => {
  it('keeps a published record with its incumbent against an older object of another namespace', () => {
    const result = run(published, [
      a('shop.example.com', ['192.0.2.10'], { owner: VICTIM }),
      a('shop.example.com', ['203.0.113.66'], { owner: ATTACKER }),
    ]);
    assert.deepEqual(lines(result), []);
    assert.equal(result.conflicts.length, 1);
    assert.equal(result.conflicts[0]?.loser.owner, ATTACKER);
    assert.match(
      result.conflicts[0]?.message ?? '',
      /shop\.example\.com is held for namespace team-shop .*every record set at one name belongs to one namespace/,
    );
  });

  it('keeps the incumbent within a namespace too, whatever the creation times', () => {
    const older = { ...VICTIM, name: 'older', creationTimestamp: '2019-01-01T00:00:00Z' };
    const result = run(published, [
      a('shop.example.com', ['192.0.2.10'], { owner: VICTIM }),
      a('shop.example.com', ['192.0.2.99'], { owner: older }),
    ]);
    assert.deepEqual(lines(result), []);
    assert.match(result.conflicts[0]?.message ?? '', /wins, holding the name already/);
  });

  it('lets no other namespace join a weighted set at the name', () => {
    const weighted = { setIdentifier: 'blue', routing: { type: 'weighted' as const, weight: 1 } };
    const result = run(
      [
        rr('shop.example.com', 'A', ['192.0.2.10'], { SetIdentifier: 'blue', Weight: 1 }),
        txt('a-shop.example.com', VICTIM_TXT, { SetIdentifier: 'blue', Weight: 1 }),
      ],
      [
        a('shop.example.com', ['192.0.2.10'], { owner: VICTIM, ...weighted }),
        a('shop.example.com', ['203.0.113.66'], {
          owner: ATTACKER,
          setIdentifier: 'evil',
          routing: { type: 'weighted', weight: 255 },
        }),
      ],
    );
    assert.deepEqual(lines(result), []);
    assert.equal(result.conflicts[0]?.loser.owner, ATTACKER);
  });

  it("never deletes a loser's record for a winner that cannot be published", () => {
    // Two objects of one namespace each hold a record of a weighted set; the older one turns
    // its record into a failover alias (a clash with the weighted sibling, which it wins by
    // age) to a same-zone name outside the zone, which is refused.
    const older = { ...VICTIM, name: 'older', creationTimestamp: '2019-01-01T00:00:00Z' };
    const olderTxt = ownershipValue('me', 'gateway/team-shop/older');
    const weighted = (id: string) => ({ SetIdentifier: id, Weight: 1 });
    const unpublishable = alias('shop.example.com', 'elsewhere.example.net', {
      owner: older,
      setIdentifier: 'green',
      routing: { type: 'failover', role: 'PRIMARY' },
      alias: { sameZone: true, evaluateTargetHealth: false },
    });
    const result = run(
      [
        rr('shop.example.com', 'A', ['192.0.2.10'], weighted('blue')),
        txt('a-shop.example.com', VICTIM_TXT, weighted('blue')),
        rr('shop.example.com', 'A', ['192.0.2.20'], weighted('green')),
        txt('a-shop.example.com', olderTxt, weighted('green')),
      ],
      [
        unpublishable,
        a('shop.example.com', ['192.0.2.10'], {
          owner: VICTIM,
          setIdentifier: 'blue',
          routing: { type: 'weighted', weight: 1 },
        }),
      ],
    );
    assert.equal(result.conflicts[0]?.winner, unpublishable);
    assert.equal(result.refused[0]?.reason, 'alias-target-outside-zone');
    assert.deepEqual(lines(result), [], "the loser's record and the winner's old one both stay");
  });

  it('refuses a name the domain policy keeps from the namespace, before any conflict', () => {
    const domainPolicy = parseDomainPolicy(
      'domains: [{domain: shop.example.com, namespaces: [team-shop]}]',
      'p',
    );
    const result = run(
      [],
      [
        a('shop.example.com', ['203.0.113.66'], { owner: ATTACKER }),
        a('_acme-challenge.shop.example.com', ['203.0.113.66'], { owner: ATTACKER }),
        a('shop.example.com', ['192.0.2.10'], { owner: VICTIM }),
        a('b.example.com', ['203.0.113.66'], { owner: ATTACKER }),
      ],
      { domainPolicy },
    );
    assert.deepEqual(
      result.refused.map((r) => `${r.reason} ${r.endpoint.name}`),
      ['name-not-allowed shop.example.com', 'name-not-allowed _acme-challenge.shop.example.com'],
    );
    assert.match(
      result.refused[0]?.message ?? '',
      /^A shop\.example\.com: shop\.example\.com may be published only from namespace team-shop \(domain policy entry shop\.example\.com\), not from namespace team-b$/,
    );
    assert.deepEqual(result.conflicts, [], 'the refused name never contended');
    assert.deepEqual(
      lines(result).filter((l) => !l.includes(' TXT ')),
      ['ZPUB CREATE A b.example.com 203.0.113.66', 'ZPUB CREATE A shop.example.com 192.0.2.10'],
    );
  });

  it('leaves names outside the domain filter to the controller that owns them', () => {
    const domainPolicy = parseDomainPolicy('strict: true', 'p');
    const result = run([], [a('www.other.org', ['192.0.2.1'])], {
      domainPolicy,
      domainFilter: ['example.com'],
    });
    assert.deepEqual(
      result.refused.map((r) => r.reason),
      ['outside-domain-filter'],
    );
  });

  it('keeps, but does not write, a record its object holds when a new policy refuses it', () => {
    const domainPolicy = parseDomainPolicy(
      'domains: [{domain: shop.example.com, namespaces: [team-new]}]',
      'p',
    );
    const newcomer = { ...VICTIM, namespace: 'team-new', name: 'n' };
    const result = run(
      published,
      [
        a('shop.example.com', ['192.0.2.11'], { owner: VICTIM }),
        a('shop.example.com', ['198.51.100.1'], { owner: newcomer }),
      ],
      { domainPolicy },
    );
    assert.deepEqual(lines(result), [], 'neither rewritten nor taken over nor deleted');
    assert.equal(result.refused[0]?.reason, 'name-not-allowed');
    assert.equal(result.conflicts[0]?.loser.owner, newcomer);
  });

  it('keeps what a skipped object holds: not deleted, not taken over, not joined', () => {
    const unreadable = new Set(['gateway/team-shop/shop']);
    const sameNamespace = { ...VICTIM, name: 'other' };
    const result = run(
      published,
      [
        a('shop.example.com', ['203.0.113.66'], { owner: ATTACKER }),
        a('shop.example.com', ['203.0.113.67'], { owner: sameNamespace }),
      ],
      {},
      undefined,
      unreadable,
    );
    assert.deepEqual(lines(result), [], 'neither deleted nor rewritten');
    assert.deepEqual(
      result.refused.map((r) => `${r.reason} ${r.endpoint.owner.name}`),
      ['name-taken other'],
    );
    // The other namespace's object loses to the holder's namespace before it gets that far.
    assert.equal(result.conflicts[0]?.loser.owner, ATTACKER);
    assert.match(
      result.refused[0]?.message ?? '',
      /held for gateway\/team-shop\/shop, which is skipped .* until it is fixed or deleted$/,
    );
    // Without the object skipped (it is gone), SYNC deletes its record as before.
    const gone = run(published, []);
    assert.equal(lines(gone).filter((l) => l.includes(' DELETE A ')).length, 1);
  });
});
