// The drift check, spread out: instead of re-listing every zone at once each interval (500
// zones were 500+ requests in one go, the whole account's budget for minutes, which every
// other cluster of the account needs too), a few zones at a time, the ones listed longest ago,
// at ticks spaced so that each zone is still re-listed at least once per interval.
import { wakeableSleep, type Clock } from './route53/rate-limiter.js';

export interface DriftScheduleOptions {
  /** Every zone's records (and the zone list) are re-listed at least this often. */
  intervalMs: number;
  /**
   * Ticks are at least this far apart (each one costs a reconcile: a plan over every object),
   * so many zones are re-listed a few per tick rather than one per tick. Default 5 s.
   */
  minSpacingMs?: number;
  /** 0..1; each tick comes up to 10 % early, so clusters started together drift apart. */
  random?: () => number;
}

export interface DriftStep {
  /** Zones to re-list now, listed longest ago first. */
  zones: string[];
  /** Re-list the zone list too. */
  zoneList: boolean;
  /** When to take the next step. */
  nextInMs: number;
}

export const DEFAULT_MIN_SPACING_MS = 5_000;
const JITTER = 0.1;

/**
 * Which zones to re-list now, given when each was last listed. With n zones, each tick
 * re-lists the k = ceil(n × minSpacing / interval) zones listed longest ago, and ticks come
 * every interval × k / n (less up to 10 % jitter), so a whole round takes at most one interval, whatever order the zones were listed in (after a full listing, the first round
 * re-lists zones early rather than all of them late).
 */
export function driftStep(
  listedAt: ReadonlyMap<string, number>,
  zoneListAt: number | undefined,
  now: number,
  options: DriftScheduleOptions,
): DriftStep {
  const { intervalMs } = options;
  const minSpacing = Math.min(options.minSpacingMs ?? DEFAULT_MIN_SPACING_MS, intervalMs);
  const n = listedAt.size;
  // As many zones per tick as keep ticks minSpacing apart, then ticks as far apart as that
  // many zones per tick allows: a round takes one interval, no more, no less.
  const perTick = n === 0 ? 0 : Math.ceil((n * minSpacing) / intervalMs);
  const spacing = n === 0 ? minSpacing : (intervalMs * perTick) / n;
  const nextInMs = Math.max(
    1,
    Math.round(spacing * (1 - JITTER * (options.random ?? Math.random)())),
  );
  const zones = [...listedAt]
    .sort(([a, at], [b, bt]) => at - bt || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, perTick)
    .map(([zone]) => zone);
  // The zone list is one request (a page per 100 zones): re-listed when it would otherwise be
  // older than the interval at the next tick.
  const zoneList = zoneListAt !== undefined && now - zoneListAt + spacing >= intervalMs;
  return { zones, zoneList, nextInMs };
}

/** Runs driftStep on a timer until stopped. */
export class DriftScheduler {
  #stopped = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly options: DriftScheduleOptions & {
      clock: Clock;
      /** When each zone the controller plans for was last listed. */
      listedAt: () => ReadonlyMap<string, number>;
      zoneListAt: () => number | undefined;
      /** Forget these listings and reconcile (which lists them afresh). */
      expire: (zones: readonly string[], zoneList: boolean) => void;
    },
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { clock } = this.options;
    let nextInMs = driftStep(new Map(), undefined, clock.now(), this.options).nextInMs;
    while (!this.#stopped) {
      const sleep = wakeableSleep(clock, nextInMs);
      this.#wake = sleep.wake;
      await sleep.done;
      if (this.#stopped) return;
      const step = driftStep(
        this.options.listedAt(),
        this.options.zoneListAt(),
        clock.now(),
        this.options,
      );
      if (step.zones.length > 0 || step.zoneList) this.options.expire(step.zones, step.zoneList);
      nextInMs = step.nextInMs;
    }
  }
}
