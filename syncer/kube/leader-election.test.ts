import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { FakeClock } from '../testing/fake-clock.js';
import {
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

const elector = (identity: string, api: LeaseApi, clock: FakeClock) =>
  new LeaderElector({
    identity,
    api,
    clock,
    logger: pino({ level: 'silent' }),
    leaseDurationMs: 15_000,
  });

describe('LeaderElector', () => {
  it('gives the lease to one replica; the other takes over only after it expires', async () => {
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
    assert.equal(await b.tryAcquireOrRenew(), false, 'renewed 10 s ago: not expired');

    // a stops renewing (network partition): after the lease duration it no longer leads by
    // its own clock, and b takes over.
    clock.time += 15_000;
    assert.equal(a.leading, false);
    assert.equal(await b.tryAcquireOrRenew(), true);
    assert.equal(api.lease?.holderIdentity, 'b');
    assert.equal(api.lease?.leaseTransitions, 1);
    assert.equal(await a.tryAcquireOrRenew(), false);
  });

  it('loses a race for an expired lease through the resourceVersion check', async () => {
    const clock = new FakeClock();
    const api = new MemoryLease();
    await elector('old', api, clock).tryAcquireOrRenew();
    clock.time += 60_000;
    const a = elector('a', api, clock);
    const b = elector('b', api, clock);
    // Both read the expired lease; b writes first; a's write is refused.
    const staleRead = await api.get();
    assert.equal(await b.tryAcquireOrRenew(), true);
    const racing: LeaseApi = {
      get: () => Promise.resolve(staleRead),
      create: (l) => api.create(l),
      replace: (l) => api.replace(l),
    };
    await assert.rejects(elector('a', racing, clock).tryAcquireOrRenew(), LeaseConflict);
    assert.equal(a.leading, false);
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
});
