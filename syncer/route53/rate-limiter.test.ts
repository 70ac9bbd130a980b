import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../testing/fake-clock.js';
import { simulateAccount, type SimulationResult } from '../testing/account-simulation.js';
import { DEFAULT_ADAPTATION, RateLimiter, type Clock, type Limiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('lets 4 calls per second through, in order', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(4, clock);
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 9 }, () => limiter.acquire().then(() => times.push(clock.now()))),
    );
    assert.deepEqual(times, [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  it('does not save up more than its burst during a quiet spell', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(4, clock, 2);
    await limiter.acquire();
    clock.time += 60_000;
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      await limiter.acquire();
      times.push(clock.now() - 60_000);
    }
    assert.deepEqual(times, [0, 0, 250, 500]);
  });

  it('says when a call could go without taking the token', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(4, clock);
    await limiter.ready();
    assert.equal(clock.now(), 0, 'a token is free at once');
    await limiter.acquire();
    await limiter.ready();
    assert.equal(clock.now(), 250, 'ready when the next token is');
    await limiter.ready();
    await limiter.acquire();
    assert.equal(clock.now(), 250, 'ready took nothing: the call goes at once');
  });

  it('refuses a rate of zero', () => {
    assert.throws(() => new RateLimiter(0), /above 0/);
  });
});

describe('RateLimiter adapting to the account (AIMD)', () => {
  const adaptive = (clock: FakeClock, ceiling = 4) =>
    new RateLimiter(ceiling, clock, 1, {
      decrease: 0.5,
      increasePerSecond: 0.1,
      floor: 0.2,
    });

  it('halves its rate on each Throttling answer, down to its floor', () => {
    const limiter = adaptive(new FakeClock());
    assert.equal(limiter.rate, 4);
    limiter.throttled();
    assert.equal(limiter.rate, 2);
    for (let i = 0; i < 10; i++) limiter.throttled();
    assert.equal(limiter.rate, 0.2);
  });

  it('climbs back by 0.1/s per second of sending, never above its ceiling (--rate-limit)', () => {
    const limiter = adaptive(new FakeClock());
    limiter.throttled(); // 2/s
    // At 2/s, two successes are one second of sending: +0.1.
    limiter.succeeded();
    limiter.succeeded();
    assert.ok(Math.abs(limiter.rate - 2.1) < 0.01, String(limiter.rate));
    for (let i = 0; i < 1_000; i++) limiter.succeeded();
    assert.equal(limiter.rate, 4);
  });

  it('spaces requests at its current rate', async () => {
    const clock = new FakeClock();
    const limiter = adaptive(clock);
    await limiter.acquire();
    limiter.throttled(); // 2/s: one every 500 ms
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      times.push(clock.now());
    }
    assert.deepEqual(times, [500, 1000, 1500]);
  });

  it('keeps a fixed rate without an adaptation', () => {
    const limiter = new RateLimiter(4, new FakeClock());
    limiter.throttled();
    assert.equal(limiter.rate, 4);
  });

  it('never goes above a ceiling below its floor', () => {
    const limiter = adaptive(new FakeClock(), 0.1);
    limiter.throttled();
    assert.equal(limiter.rate, 0.1);
  });
});

describe('syncers sharing one account (simulated: 5/s, burst 5)', () => {
  const run = (clients: number, limiter: (clock: Clock) => Limiter) =>
    simulateAccount({ clients, requests: 150, latencyMs: 100, limiter, staggerMs: 1_000 });
  const fixed = (clock: Clock) => new RateLimiter(4, clock);
  const aimd = (clock: Clock) => new RateLimiter(4, clock, 1, DEFAULT_ADAPTATION);
  const sent = (r: SimulationResult) => r.clients.reduce((n, c) => n + c.sent, 0);

  it('a lone syncer uses its whole ceiling and is never throttled', async () => {
    const alone = await run(1, aimd);
    assert.equal(alone.throttled, 0);
    // 150 requests at 4/s: the first at once, then one every 250 ms (sleeps round up to the
    // next ms, so allow 1 ms each).
    assert.ok(
      alone.doneAtMs >= 149 * 250 + 100 && alone.doneAtMs <= 149 * 251 + 100,
      String(alone.doneAtMs),
    );
  });

  it('two and four syncers are throttled far less than at a fixed rate, and finish as soon', async () => {
    for (const clients of [2, 4]) {
      const steady = await run(clients, fixed);
      const adapting = await run(clients, aimd);
      assert.ok(steady.throttled > 0, 'at a fixed 4/s each, the account throttles');
      assert.ok(
        adapting.throttled * 3 < steady.throttled,
        `${clients} syncers: ${adapting.throttled} throttled of ${sent(adapting)} adapting, ${steady.throttled} of ${sent(steady)} fixed`,
      );
      // The account's budget is still used: within 10 % of the time the fixed rate takes.
      assert.ok(
        adapting.doneAtMs < steady.doneAtMs * 1.1,
        `${adapting.doneAtMs} vs ${steady.doneAtMs}`,
      );
    }
  });
});
