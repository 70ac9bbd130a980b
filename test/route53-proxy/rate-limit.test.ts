import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accessKeyOf,
  AccountRateLimiter,
  describeRate,
  OBSERVER_ACCESS_KEY,
  parseRate,
} from './rate-limit.js';

const clock = () => {
  const c = { t: 0, now: () => c.t };
  return c;
};

/** `.` admitted, `T` throttled, per call. */
const pattern = (limiter: AccountRateLimiter, key: string | undefined, calls: number): string =>
  Array.from({ length: calls }, () => (limiter.admit(key).admitted ? '.' : 'T')).join('');

describe('AccountRateLimiter (Route 53: 5 requests/s per account)', () => {
  it('lets a full bucket of 5 through at once, then throttles until a token is refilled', () => {
    const c = clock();
    const limiter = new AccountRateLimiter({ perSecond: 5, burst: 5 }, { now: c.now });
    assert.equal(pattern(limiter, 'test', 7), '.....TT');
    c.t += 199;
    assert.equal(pattern(limiter, 'test', 1), 'T');
    c.t += 1; // 200 ms: one token at 5/s
    assert.equal(pattern(limiter, 'test', 2), '.T');
  });

  it('never throttles a client that stays at 5 per second, evenly spaced', () => {
    const c = clock();
    const limiter = new AccountRateLimiter({ perSecond: 5, burst: 5 }, { now: c.now });
    let out = '';
    for (let i = 0; i < 100; i++, c.t += 200) out += pattern(limiter, 'test', 1);
    assert.equal(out, '.'.repeat(100));
  });

  it('holds a sustained 10/s to 5 admitted per second (throttled calls take no token)', () => {
    const c = clock();
    const limiter = new AccountRateLimiter({ perSecond: 5, burst: 5 }, { now: c.now });
    let admitted = 0;
    for (let i = 0; i < 200; i++, c.t += 100) if (limiter.admit('test').admitted) admitted++;
    // Calls from 0 to 19.9 s: the burst of 5, then what 19.9 s refill at 5/s (99 whole tokens).
    assert.equal(admitted, 5 + 99);
  });

  it('counts every access key against one account by default: two clients share the budget', () => {
    const c = clock();
    const limiter = new AccountRateLimiter({ perSecond: 5, burst: 5 }, { now: c.now });
    assert.equal(pattern(limiter, 'cluster-a', 3), '...');
    assert.equal(pattern(limiter, 'cluster-b', 3), '..T');
    assert.equal(pattern(limiter, undefined, 1), 'T', 'an unsigned request is the default account');
  });

  it('gives each mapped account its own bucket', () => {
    const c = clock();
    const limiter = new AccountRateLimiter(
      { perSecond: 5, burst: 5 },
      { now: c.now, accounts: { a: '111111111111', b: '222222222222' } },
    );
    assert.equal(pattern(limiter, 'a', 6), '.....T');
    assert.equal(pattern(limiter, 'b', 6), '.....T');
    assert.equal(limiter.admit('a').account, '111111111111');
  });

  it("exempts the suites' observer key and charges it nothing", () => {
    const c = clock();
    const limiter = new AccountRateLimiter({ perSecond: 5, burst: 5 }, { now: c.now });
    assert.equal(pattern(limiter, OBSERVER_ACCESS_KEY, 50), '.'.repeat(50));
    assert.equal(limiter.admit(OBSERVER_ACCESS_KEY).account, 'observer');
    assert.equal(pattern(limiter, 'test', 6), '.....T');
  });

  it('admits everything when off, and can be reconfigured with full buckets', () => {
    const c = clock();
    const limiter = new AccountRateLimiter(undefined, { now: c.now });
    assert.equal(pattern(limiter, 'test', 20), '.'.repeat(20));
    limiter.configure({ perSecond: 1, burst: 2 });
    assert.equal(pattern(limiter, 'test', 3), '..T');
    limiter.refill();
    assert.equal(pattern(limiter, 'test', 3), '..T');
  });
});

describe('parseRate', () => {
  const cases: [string, string][] = [
    ['5', '5/5'],
    ['10/50', '10/50'],
    ['0.5', '0.5/1'],
    ['off', 'off'],
    ['0', 'off'],
  ];
  for (const [input, expected] of cases) {
    it(`reads "${input}" as ${expected}`, () => {
      assert.equal(describeRate(parseRate(input)), expected);
    });
  }
  for (const bad of ['', 'fast', '-1', '5/0', '5/', '/5']) {
    it(`refuses "${bad}"`, () => assert.throws(() => parseRate(bad), /N or N\/BURST/));
  }
});

describe('accessKeyOf', () => {
  it('reads the key from a SigV4 Authorization header', () => {
    assert.equal(
      accessKeyOf(
        'AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
      ),
      'test',
    );
    assert.equal(accessKeyOf(undefined), undefined);
    assert.equal(accessKeyOf('Bearer x'), undefined);
  });
});
