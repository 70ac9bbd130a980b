import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../testing/fake-clock.js';
import { RateLimiter } from './rate-limiter.js';

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
