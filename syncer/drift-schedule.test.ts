import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriftScheduler, driftStep } from './drift-schedule.js';
import { ManualClock, settle } from './testing/manual-clock.js';

const MINUTE = 60_000;
const zones = (n: number, at: (i: number) => number = () => 0) =>
  new Map(Array.from({ length: n }, (_, i) => [`Z${String(i).padStart(3, '0')}`, at(i)]));
const noJitter = () => 0;

describe('driftStep', () => {
  const cases: {
    name: string;
    zones: number;
    intervalMs: number;
    spacing: number;
    perTick: number;
  }[] = [
    {
      name: '50 zones, 10 min: one zone every 12 s',
      zones: 50,
      intervalMs: 10 * MINUTE,
      spacing: 12_000,
      perTick: 1,
    },
    {
      name: '500 zones, 10 min: 5 zones every 6 s (ticks no closer than 5 s)',
      zones: 500,
      intervalMs: 10 * MINUTE,
      spacing: 6_000,
      perTick: 5,
    },
    {
      name: '120 zones, 10 min: one zone every 5 s',
      zones: 120,
      intervalMs: 10 * MINUTE,
      spacing: 5_000,
      perTick: 1,
    },
    {
      name: '1 zone: once per interval',
      zones: 1,
      intervalMs: 10 * MINUTE,
      spacing: 10 * MINUTE,
      perTick: 1,
    },
    {
      name: '7 zones, 10 s interval: 4 zones every 5.7 s',
      zones: 7,
      intervalMs: 10_000,
      spacing: 5_714,
      perTick: 4,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const step = driftStep(zones(c.zones), 0, 0, { intervalMs: c.intervalMs, random: noJitter });
      assert.equal(step.nextInMs, c.spacing);
      assert.equal(step.zones.length, c.perTick);
    });
  }

  it('picks the zones listed longest ago', () => {
    const listed = new Map([
      ['Za', 300],
      ['Zb', 100],
      ['Zc', 200],
    ]);
    const step = driftStep(listed, 0, 1_000, { intervalMs: 3 * 60_000, random: noJitter });
    assert.deepEqual(step.zones, ['Zb']);
  });

  it('comes up to 10 % early, never late', () => {
    assert.equal(
      driftStep(zones(50), 0, 0, { intervalMs: 10 * MINUTE, random: () => 1 }).nextInMs,
      10_800,
    );
  });

  it('re-lists the zone list when it would be older than the interval at the next tick', () => {
    const options = { intervalMs: 10 * MINUTE, random: noJitter };
    assert.equal(driftStep(zones(50), 0, 10 * MINUTE - 12_001, options).zoneList, false);
    assert.equal(driftStep(zones(50), 0, 10 * MINUTE - 12_000, options).zoneList, true);
    assert.equal(driftStep(zones(50), undefined, 0, options).zoneList, false, 'not listed yet');
  });

  it('with no zones yet, looks again after the minimum spacing', () => {
    const step = driftStep(new Map(), undefined, 0, { intervalMs: 10 * MINUTE, random: noJitter });
    assert.deepEqual(step, { zones: [], zoneList: false, nextInMs: 5_000 });
  });

  // The guarantee, whatever the order zones were listed in and whatever the jitter does.
  for (const [n, start] of [
    [50, 'all at once'],
    [500, 'all at once'],
    [37, 'scattered'],
  ] as const) {
    it(`re-lists each of ${n} zones (listed ${start}) at least once per interval, and not much more`, () => {
      const intervalMs = 10 * MINUTE;
      let seed = 7;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      const listed = zones(n, start === 'all at once' ? () => 0 : (i) => (i * 7919) % intervalMs);
      const relists = new Map([...listed.keys()].map((z) => [z, 0]));
      // Zones listed all at once are fresh when the schedule starts; scattered ones may be up to
      // an interval old already.
      let now = start === 'all at once' ? 0 : intervalMs;
      let worstAge = 0;
      // The first interval: from the starting picture; then three more rounds.
      while (now < 5 * intervalMs) {
        const step = driftStep(listed, 0, now, { intervalMs, random });
        for (const z of step.zones) {
          worstAge = Math.max(worstAge, now - (listed.get(z) ?? 0));
          listed.set(z, now);
          relists.set(z, (relists.get(z) ?? 0) + 1);
        }
        now += step.nextInMs;
      }
      for (const at of listed.values()) worstAge = Math.max(worstAge, now - at);
      assert.ok(
        worstAge <= intervalMs + (start === 'all at once' ? 0 : intervalMs),
        `worst age ${worstAge}`,
      );
      const total = [...relists.values()].reduce((a, b) => a + b, 0);
      // Four intervals' worth: at least 4 per zone, at most 10 % more plus a round's rounding.
      assert.ok(total >= 4 * n, `${total} re-listings of ${n} zones`);
      assert.ok(total <= 4 * n * 1.12 + n, `${total} re-listings of ${n} zones`);
    });
  }
});

describe('DriftScheduler', () => {
  it('expires zones a few at a time on its clock, and stops', async () => {
    const clock = new ManualClock();
    const listed = zones(4, (i) => i);
    const expired: string[][] = [];
    const scheduler = new DriftScheduler({
      intervalMs: 40_000,
      minSpacingMs: 1_000,
      random: noJitter,
      clock,
      listedAt: () => listed,
      zoneListAt: () => 0,
      expire: (z) => {
        expired.push([...z]);
        for (const zone of z) listed.set(zone, clock.now());
      },
    });
    scheduler.start();
    await settle();
    // The first look comes after the minimum spacing; then one zone every 40 s / 4 zones.
    await clock.advance(1_000);
    for (let i = 0; i < 4; i++) await clock.advance(10_000);
    assert.deepEqual(expired, [['Z000'], ['Z001'], ['Z002'], ['Z003'], ['Z000']]);
    await scheduler.stop();
    await clock.advance(100_000);
    assert.equal(expired.length, 5);
  });
});
