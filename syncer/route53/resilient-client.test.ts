import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import { FakeClock } from '../testing/fake-clock.js';
import { Route53Error, type RecordSetsStart, type Route53Requests } from './api.js';
import { RateLimiter } from './rate-limiter.js';
import { ResilientRoute53Api, WriteNotAllowed, type CallOutcome } from './resilient-client.js';

/** Fails with the given errors first, then succeeds; every listing is one page. */
class Flaky implements Route53Requests {
  calls = 0;
  constructor(private readonly failures: Route53Error[]) {}
  #next<T>(value: T): Promise<T> {
    const failure = this.failures[this.calls++];
    return failure ? Promise.reject(failure) : Promise.resolve(value);
  }
  listHostedZonesPage(): Promise<{ zones: HostedZone[] }> {
    return this.#next({ zones: [{ Id: '/hostedzone/Z1', Name: 'example.com.' }] });
  }
  listResourceRecordSetsPage(): Promise<{ sets: ResourceRecordSet[] }> {
    return this.#next({ sets: [] });
  }
  changeResourceRecordSets(_zone: string, _changes: readonly Change[]): Promise<void> {
    return this.#next(undefined);
  }
}

/** A zone listed in pages of one record set each; `throttleAt` throttles that page once. */
class Paged implements Route53Requests {
  readonly requests: string[] = [];
  /** When each request was sent, by `clock`. */
  readonly times: number[] = [];
  #throttled = false;
  constructor(
    private readonly names: string[],
    private readonly throttleAt?: number,
    private readonly stuckAt?: number,
    private readonly clock?: FakeClock,
  ) {}
  listHostedZonesPage(): Promise<{ zones: HostedZone[] }> {
    return Promise.resolve({ zones: [] });
  }
  listResourceRecordSetsPage(
    _zoneId: string,
    start?: RecordSetsStart,
  ): Promise<{ sets: ResourceRecordSet[]; next?: RecordSetsStart }> {
    const index = start === undefined ? 0 : this.names.indexOf(start.name);
    this.requests.push(start?.name ?? '(first)');
    this.times.push(this.clock?.now() ?? 0);
    if (index === this.throttleAt && !this.#throttled) {
      this.#throttled = true;
      return Promise.reject(throttling());
    }
    const name = this.names[index] ?? '';
    const following = index === this.stuckAt ? name : this.names[index + 1];
    return Promise.resolve({
      sets: [{ Name: name, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }],
      ...(following !== undefined && { next: { name: following, type: 'A' } }),
    });
  }
  changeResourceRecordSets(): Promise<void> {
    return Promise.resolve();
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

  it('asks mayWrite before every attempt of a change, retries included, and sends nothing once it says no', async () => {
    const clock = new FakeClock();
    const inner = new Flaky([throttling(), throttling()]);
    // The lease's deadline passes during the second backoff.
    const deadline = 1_200;
    const asked: number[] = [];
    const api = new ResilientRoute53Api(inner, {
      limiter: new RateLimiter(1000, clock),
      clock,
      random: () => 1,
      mayWrite: () => {
        asked.push(clock.now());
        return clock.now() < deadline;
      },
    });
    await assert.rejects(api.changeResourceRecordSets('Z1', []), WriteNotAllowed);
    assert.equal(inner.calls, 2, 'the first attempt and one retry were sent, the third was not');
    assert.equal(asked.length, 3);
    assert.ok((asked[2] ?? 0) >= deadline);
    // Reading is not writing: listings are never fenced.
    assert.equal((await api.listHostedZones()).length, 1);
    assert.equal(asked.length, 3);
  });

  it('tells its limiter what Route 53 answered: Throttling slows it, any other answer lets it climb', async () => {
    const told: string[] = [];
    const limiter = {
      acquire: () => Promise.resolve(),
      ready: () => Promise.resolve(),
      throttled: () => void told.push('throttled'),
      succeeded: () => void told.push('succeeded'),
      rate: 4,
    };
    const refused = () =>
      new Route53Error('bad', 'ChangeResourceRecordSets', 'InvalidChangeBatch', false, [], {
        httpStatus: 400,
      });
    const busy = () =>
      new Route53Error('busy', 'ChangeResourceRecordSets', 'PriorRequestNotComplete', true, [], {
        httpStatus: 400,
      });
    const down = () =>
      new Route53Error('down', 'ChangeResourceRecordSets', 'ServiceUnavailable', true, [], {
        httpStatus: 503,
      });
    const clock = new FakeClock();
    const api = new ResilientRoute53Api(new Flaky([throttling(), busy(), down(), refused()]), {
      limiter,
      clock,
      random: () => 0,
    });
    await assert.rejects(api.changeResourceRecordSets('Z1', []), /bad/);
    // A busy zone (PriorRequestNotComplete) and a refused batch got past the account's limit;
    // a 503 says nothing about it.
    assert.deepEqual(told, ['throttled', 'succeeded', 'succeeded']);
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

  it('limits, counts and retries each page of a listing as its own request', async () => {
    const clock = new FakeClock();
    const inner = new Paged(
      ['a.example.com', 'b.example.com', 'c.example.com'],
      1,
      undefined,
      clock,
    );
    const attempts: string[] = [];
    const api = new ResilientRoute53Api(inner, {
      limiter: new RateLimiter(4, clock),
      clock,
      random: () => 1,
      onAttempt: (op, outcome) => attempts.push(`${op} ${outcome}`),
    });
    const sets = await api.listResourceRecordSets('Z1');
    assert.deepEqual(
      sets.map((s) => s.Name),
      ['a.example.com', 'b.example.com', 'c.example.com'],
    );
    // The throttled second page alone is asked again; the first is not.
    assert.deepEqual(inner.requests, [
      '(first)',
      'b.example.com',
      'b.example.com',
      'c.example.com',
    ]);
    assert.deepEqual(attempts, [
      'ListResourceRecordSets success',
      'ListResourceRecordSets throttled',
      'ListResourceRecordSets success',
      'ListResourceRecordSets success',
    ]);
    // Four requests at 4/s: never two within 250 ms.
    const gaps = inner.times.slice(1).map((t, i) => t - (inner.times[i] ?? 0));
    assert.ok(
      gaps.every((gap) => gap >= 250),
      `gaps ${gaps.join(', ')}`,
    );
  });

  it('refuses a listing that comes back to a page it has seen, or never ends', async () => {
    const clock = new FakeClock();
    const options = { limiter: new RateLimiter(1000, clock), clock, maxPages: 10 };
    const stuck = new ResilientRoute53Api(new Paged(['a', 'b', 'c'], undefined, 1), options);
    await assert.rejects(stuck.listResourceRecordSets('Z1'), (err: Route53Error) => {
      assert.equal(err.code, 'IncompleteListing');
      return true;
    });
    const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
    const long = new ResilientRoute53Api(new Paged(names), options);
    await assert.rejects(long.listResourceRecordSets('Z1'), /more than 10 pages/);
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
