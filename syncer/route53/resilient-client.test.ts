import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import { FakeClock } from '../testing/fake-clock.js';
import { Route53Error, type Route53Api } from './api.js';
import { RateLimiter } from './rate-limiter.js';
import { ResilientRoute53Api, type CallOutcome } from './resilient-client.js';

/** Fails with the given errors first, then succeeds. */
class Flaky implements Route53Api {
  calls = 0;
  constructor(private readonly failures: Route53Error[]) {}
  #next<T>(value: T): Promise<T> {
    const failure = this.failures[this.calls++];
    return failure ? Promise.reject(failure) : Promise.resolve(value);
  }
  listHostedZones(): Promise<HostedZone[]> {
    return this.#next([{ Id: '/hostedzone/Z1', Name: 'example.com.' }]);
  }
  listResourceRecordSets(): Promise<ResourceRecordSet[]> {
    return this.#next([]);
  }
  changeResourceRecordSets(_zone: string, _changes: readonly Change[]): Promise<void> {
    return this.#next(undefined);
  }
}

const throttling = () =>
  new Route53Error('slow down', 'ChangeResourceRecordSets', 'Throttling', true);
const prior = () =>
  new Route53Error('busy', 'ChangeResourceRecordSets', 'PriorRequestNotComplete', true);
const invalid = () =>
  new Route53Error('bad', 'ChangeResourceRecordSets', 'InvalidChangeBatch', false, [
    'already exists',
  ]);

function setup(failures: Route53Error[], maxAttempts = 6) {
  const clock = new FakeClock();
  const inner = new Flaky(failures);
  const attempts: CallOutcome[] = [];
  const api = new ResilientRoute53Api(inner, {
    limiter: new RateLimiter(1000, clock),
    clock,
    maxAttempts,
    random: () => 1,
    onAttempt: (_op, outcome) => attempts.push(outcome),
  });
  return { clock, inner, attempts, api };
}

describe('ResilientRoute53Api', () => {
  it('retries throttling and PriorRequestNotComplete with growing delays, counting each attempt', async () => {
    const { api, inner, attempts, clock } = setup([throttling(), prior(), throttling()]);
    await api.changeResourceRecordSets('Z1', []);
    assert.equal(inner.calls, 4);
    assert.deepEqual(attempts, ['throttled', 'throttled', 'throttled', 'success']);
    assert.deepEqual(
      clock.sleeps.filter((ms) => ms >= 500),
      [500, 1000, 2000],
    );
  });

  it('does not retry an invalid change batch', async () => {
    const { api, inner, attempts } = setup([invalid()]);
    await assert.rejects(api.changeResourceRecordSets('Z1', []), (err: Route53Error) => {
      assert.equal(err.code, 'InvalidChangeBatch');
      assert.deepEqual(err.messages, ['already exists']);
      return true;
    });
    assert.equal(inner.calls, 1);
    assert.deepEqual(attempts, ['error']);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    const { api, inner } = setup([throttling(), throttling(), throttling()], 3);
    await assert.rejects(api.listHostedZones(), /slow down/);
    assert.equal(inner.calls, 3);
  });

  it('caps the backoff', async () => {
    const failures = Array.from({ length: 8 }, throttling);
    const clock = new FakeClock();
    const api = new ResilientRoute53Api(new Flaky(failures), {
      limiter: new RateLimiter(1000, clock),
      clock,
      maxAttempts: 9,
      baseDelayMs: 1000,
      maxDelayMs: 5000,
      random: () => 1,
    });
    await api.listResourceRecordSets('Z1');
    assert.ok(Math.max(...clock.sleeps) <= 5000);
  });
});
