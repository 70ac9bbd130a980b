import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { FakeClock } from '../testing/fake-clock.js';
import {
  checkLeaseTimings,
  LEASE_DEFAULTS,
  LeaderElector,
  LeaseConflict,
  type LeaseApi,
  type LeaseRecord,
} from './leader-election.js';

/** One Lease with the apiserver's optimistic concurrency. */
class MemoryLease implements LeaseApi {
  lease: LeaseRecord | undefined;
  #version = 0;
  get() {
    return Promise.resolve(this.lease && { ...this.lease });
  }
  create(record: LeaseRecord) {
    if (this.lease) return Promise.reject(new LeaseConflict('exists'));
    this.lease = { ...record, resourceVersion: String(++this.#version) };
    return Promise.resolve({ ...this.lease });
  }
  replace(record: LeaseRecord) {
    if (record.resourceVersion !== this.lease?.resourceVersion)
      return Promise.reject(new LeaseConflict('stale'));
    this.lease = { ...record, resourceVersion: String(++this.#version) };
    return Promise.resolve({ ...this.lease });
  }
}

const elector = (
  identity: string,
  api: LeaseApi,
  clock: FakeClock,
  options: { skewMs?: number } = {},
) =>
  new LeaderElector({
    identity,
    api,
    clock,
    // The node's wall clock, `skewMs` off the true time; only written into the Lease.
    wallClock: () => 1_700_000_000_000 + clock.time + (options.skewMs ?? 0),
    logger: pino({ level: 'silent' }),
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
  });

/** A Lease API that fails every call from when `broken` is set (a network partition). */
const partitionable = (api: LeaseApi) => {
  const state = { broken: false };
  const fail = () => Promise.reject(new Error('connection refused'));
  const wrapped: LeaseApi = {
    get: () => (state.broken ? fail() : api.get()),
    create: (l) => (state.broken ? fail() : api.create(l)),
    replace: (l) => (state.broken ? fail() : api.replace(l)),
  };
  return { api: wrapped, state };
};

describe('LeaderElector', () => {
  it('gives the lease to one replica; the other takes over only after seeing it unchanged for the lease duration', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    const a = elector('a', api, clock);
    const b = elector('b', api, clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    assert.equal(a.leading, true);
    assert.equal(b.leading, false);

    clock.time += 10_000;
    assert.equal(await a.tryAcquireOrRenew(), true, 'the holder renews');
    clock.time += 10_000;
    assert.equal(await b.tryAcquireOrRenew(), false, 'first seen now: not expired');

    // a stops renewing (network partition): after its renew deadline it no longer leads by
    // its own clock; b takes over once it has seen the Lease unchanged for 15 s.
    clock.time += 14_999;
    assert.equal(a.leading, false);
    assert.equal(await b.tryAcquireOrRenew(), false, 'seen unchanged for 14.999 s');
    clock.time += 1;
    assert.equal(await b.tryAcquireOrRenew(), true);
    assert.equal(api.lease?.holderIdentity, 'b');
    assert.equal(api.lease?.leaseTransitions, 1);
    assert.equal(await a.tryAcquireOrRenew(), false);
  });

  for (const [label, skewMs] of [
    ['5 minutes ahead', 300_000],
    ['5 minutes behind', -300_000],
  ] as const) {
    it(`ignores the leader's renewTime when its wall clock is ${label}: takeover after the lease duration, never before`, async () => {
      const clock = new FakeClock();
      const api = new MemoryLease();
      const { api: leaderApi, state } = partitionable(api);
      const a = elector('a', leaderApi, clock, { skewMs });
      const b = elector('b', api, clock);
      // a renews every retry period for a minute: b never takes the lease, whatever the
      // renewTime says (behind: "expired" by b's wall clock at once).
      for (let t = 0; t < 60_000; t += 2_000) {
        assert.equal(await a.tryAcquireOrRenew(), true);
        assert.equal(await b.tryAcquireOrRenew(), false, `at ${t} ms b must not take it`);
        clock.time += 2_000;
      }
      // a is cut off: it stops writing after its renew deadline, b takes over only after the
      // lease duration (ahead: a renewTime 5 minutes in the future would have kept b out).
      state.broken = true;
      const lastRenewal = clock.time - 2_000;
      let takenAt: number | undefined;
      for (let step = 0; step < 60; step++) {
        await a.tryAcquireOrRenew().catch(() => false);
        if (await b.tryAcquireOrRenew()) {
          takenAt = clock.time;
          break;
        }
        assert.equal(a.leading && b.leading, false, 'never two writers');
        clock.time += 500;
      }
      assert.ok(takenAt !== undefined, 'b took the lease over');
      assert.equal(a.leading, false, 'a stopped writing before b started');
      assert.ok(
        takenAt - lastRenewal >= 15_000,
        `taken ${takenAt - lastRenewal} ms after a's last renewal`,
      );
      assert.ok(takenAt - lastRenewal <= 15_000 + 2_500, 'and not much later');
    });
  }

  it('stops leading at its renew deadline on its own clock, before any standby can take over', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    const { api: leaderApi, state } = partitionable(api);
    const a = elector('a', leaderApi, clock);
    const b = elector('b', api, clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    state.broken = true;
    clock.time = 9_999;
    await assert.rejects(a.tryAcquireOrRenew());
    assert.equal(a.leading, true, 'within the renew deadline a failed renewal changes nothing');
    clock.time = 10_000;
    assert.equal(a.leading, false, 'at the renew deadline it stops');
    clock.time = 14_999;
    assert.equal(await b.tryAcquireOrRenew(), false, 'the lease has not expired for b yet');
    clock.time = 15_000;
    assert.equal(await b.tryAcquireOrRenew(), true);
  });

  it('a leader paused past its lease writes nothing on resuming, and yields to the new holder', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    const a = elector('a', api, clock);
    const b = elector('b', api, clock);
    const changes: boolean[] = [];
    const watched = new LeaderElector({
      identity: 'a2',
      api,
      clock,
      logger: pino({ level: 'silent' }),
      onChange: (leading) => changes.push(leading),
    });
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    assert.equal(await watched.tryAcquireOrRenew(), false);
    // a is frozen (SIGSTOP) for 30 s: it runs nothing, b takes over after 15 s.
    clock.time += 15_000;
    assert.equal(await b.tryAcquireOrRenew(), true);
    clock.time += 15_000;
    assert.equal(await b.tryAcquireOrRenew(), true);
    // a resumes: the first thing any write asks is `leading`, false by a's own clock.
    assert.equal(a.leading, false);
    assert.equal(await a.tryAcquireOrRenew(), false, 'b holds it and keeps renewing');
    assert.equal(a.leading, false);
    assert.deepEqual(changes, [], 'a standby that never led never reported leading');
  });

  it('does not lead on a renewal answered after the renew deadline (paused mid-request)', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    const slow: LeaseApi = {
      get: async () => {
        const lease = await api.get();
        clock.time += 11_000;
        return lease;
      },
      create: (l) => api.create(l),
      replace: (l) => api.replace(l),
    };
    assert.equal(await elector('a', slow, clock).tryAcquireOrRenew(), false);
    assert.equal(api.lease?.holderIdentity, 'a', 'written, yet not trusted to lead');
  });

  it('a holder that lapsed may renew its own lease when nobody took it meanwhile', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    const a = elector('a', api, clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    clock.time += 12_000;
    assert.equal(a.leading, false);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(a.leading, true);
    assert.equal(api.lease?.leaseTransitions, 0);
  });

  it('loses a race for an expired lease through the resourceVersion check', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    await elector('old', api, clock).tryAcquireOrRenew();
    const a = elector('a', api, clock);
    const b = elector('b', api, clock);
    assert.equal(await a.tryAcquireOrRenew(), false);
    assert.equal(await b.tryAcquireOrRenew(), false);
    clock.time += 60_000;
    // Both read the expired lease; b writes first; a's write is refused.
    const staleRead = await api.get();
    assert.equal(await b.tryAcquireOrRenew(), true);
    const racing: LeaseApi = {
      get: () => Promise.resolve(staleRead),
      create: (l) => api.create(l),
      replace: (l) => api.replace(l),
    };
    const aRacing = elector('a', racing, clock);
    assert.equal(await aRacing.tryAcquireOrRenew(), false, 'first sight of the lease');
    clock.time += 15_000;
    await assert.rejects(aRacing.tryAcquireOrRenew(), LeaseConflict);
    assert.equal(aRacing.leading, false);
    assert.equal(api.lease?.holderIdentity, 'b');
  });

  it('releases the lease on stop so another replica can take it at once', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    const a = elector('a', api, clock);
    a.start();
    for (let i = 0; i < 50 && !a.leading; i++) await new Promise((r) => setImmediate(r));
    assert.equal(a.leading, true);
    await a.stop();
    assert.equal(api.lease?.holderIdentity, '');
    assert.equal(await elector('b', api, clock).tryAcquireOrRenew(), true);
  });

  it('refuses timings where the leader could still write after a standby takes over', () => {
    const logger = pino({ level: 'silent' });
    const base = { identity: 'a', api: new MemoryLease(), clock: new FakeClock(), logger };
    assert.throws(
      () => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
      /lease duration .* must be longer than the renew deadline/,
    );
    assert.throws(
      () => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
      /renew deadline .* must be longer than the retry period/,
    );
    assert.doesNotThrow(() => checkLeaseTimings(LEASE_DEFAULTS));
  });
});
