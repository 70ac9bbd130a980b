// One writer among replicas: a coordination.k8s.io Lease, taken and renewed with optimistic
// concurrency (resourceVersion). No decision compares one node's clock with another's: a
// standby counts the lease duration on its own monotonic clock from when it saw the Lease last
// change, and the leader stops writing a renew deadline (shorter than the lease duration)
// after it sent its last successful renewal, on its own monotonic clock. So the leader has
// stopped before any standby can take over, whatever the skew between their wall clocks.
import type { Logger } from 'pino';
import { wakeableSleep, type Clock } from '../route53/rate-limiter.js';

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** ms since epoch */
  acquireTime?: number;
  renewTime?: number;
  leaseTransitions?: number;
  resourceVersion?: string;
}

/** The Lease API, narrowed to what election needs; `Conflict` means someone else wrote first. */
export interface LeaseApi {
  get(): Promise<LeaseRecord | undefined>;
  create(lease: LeaseRecord): Promise<LeaseRecord>;
  replace(lease: LeaseRecord): Promise<LeaseRecord>;
}

export class LeaseConflict extends Error {}

export interface LeaderElectorOptions {
  identity: string;
  api: LeaseApi;
  /**
   * A monotonic clock (and its sleeps): every duration the election judges is measured on it,
   * never on the wall clock, which another node may have minutes ahead or behind.
   */
  clock: Clock;
  /**
   * The wall clock, only for the acquire and renew times written into the Lease (read by people
   * and `kubectl`; no replica of ours decides anything from them). Default Date.now.
   */
  wallClock?: () => number;
  logger: Logger;
  /** How long a standby waits, after it last saw the Lease change, before taking it. */
  leaseDurationMs?: number;
  /**
   * How long the leader goes on writing after its last successful renewal (measured from when
   * that renewal was sent): shorter than the lease duration, so it has stopped before any
   * standby can judge the lease expired; the difference is the margin for a request in flight.
   */
  renewDeadlineMs?: number;
  /** How often the leader renews and others retry. */
  retryPeriodMs?: number;
  onChange?: (leading: boolean) => void;
}

export const LEASE_DEFAULTS = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** client-go's rule: retry period < renew deadline < lease duration, all above 0. */
export function checkLeaseTimings(t: {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}): void {
  if (!(t.retryPeriodMs > 0) || !(t.renewDeadlineMs > t.retryPeriodMs)) {
    throw new Error(
      `the renew deadline (${t.renewDeadlineMs} ms) must be longer than the retry period (${t.retryPeriodMs} ms), which must be above 0`,
    );
  }
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) {
    throw new Error(
      `the lease duration (${t.leaseDurationMs} ms) must be longer than the renew deadline (${t.renewDeadlineMs} ms): the leader must stop writing before a standby can take over`,
    );
  }
}

/** What identifies one write of the Lease: any renewal or takeover changes it. */
const versionOf = (lease: LeaseRecord) =>
  `${lease.holderIdentity ?? ''}|${lease.renewTime ?? ''}|${lease.resourceVersion ?? ''}`;

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectorOptions, 'onChange'>> &
    Pick<LeaderElectorOptions, 'onChange'>;
  #leading = false;
  /** When (monotonic) the last successful renewal was sent. */
  #lastRenew = 0;
  /** The Lease as last seen, and when (monotonic) this replica first saw it so. */
  #observed: { version: string; at: number } | undefined;
  #stopped = true;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = { ...LEASE_DEFAULTS, wallClock: Date.now, ...options };
    checkLeaseTimings(this.#o);
  }

  /**
   * Whether this replica may write now: it holds the lease and its last successful renewal was
   * sent less than the renew deadline ago, by its own monotonic clock. Checked before every
   * write attempt, so a replica that was paused (SIGSTOP, a long GC, a frozen VM) past its
   * deadline writes nothing until it has renewed again.
   */
  get leading(): boolean {
    if (this.#leading && this.#o.clock.now() - this.#lastRenew >= this.#o.renewDeadlineMs) {
      this.#setLeading(false);
    }
    return this.#leading;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  /** Stops, and gives the lease up so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    if (this.#leading) {
      try {
        const current = await this.#o.api.get();
        if (current?.holderIdentity === this.#o.identity) {
          await this.#o.api.replace({
            ...current,
            holderIdentity: '',
            renewTime: this.#o.wallClock(),
          });
        }
      } catch (err) {
        this.#o.logger.warn({ err }, 'could not release the lease; it will expire');
      }
      this.#setLeading(false);
    }
  }

  #setLeading(value: boolean): void {
    if (this.#leading === value) return;
    this.#leading = value;
    this.#o.logger.info(
      { identity: this.#o.identity },
      value ? 'became leader' : 'stopped leading',
    );
    this.#o.onChange?.(value);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.tryAcquireOrRenew();
      } catch (err) {
        if (!(err instanceof LeaseConflict)) this.#o.logger.warn({ err }, 'lease update failed');
      }
      // `leading` drops leadership by itself when renewals keep failing past the deadline.
      void this.leading;
      const pause = wakeableSleep(this.#o.clock, this.#o.retryPeriodMs);
      this.#wake = pause.wake;
      await pause.done;
    }
  }

  /**
   * Whether the lease as just read may be taken: released, or unchanged for a whole lease
   * duration since this replica first saw it so. The holder's renewTime is never compared with
   * our clock: the two nodes' wall clocks may disagree by minutes.
   */
  #expired(current: LeaseRecord, now: number): boolean {
    if (!current.holderIdentity) return true;
    const version = versionOf(current);
    if (this.#observed?.version !== version) {
      this.#observed = { version, at: now };
      return false;
    }
    const durationMs = (current.leaseDurationSeconds ?? this.#o.leaseDurationMs / 1000) * 1000;
    return now - this.#observed.at >= durationMs;
  }

  /** One round: take a free or expired lease, renew our own, or stand by. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, identity, clock, leaseDurationMs, wallClock } = this.#o;
    // The deadline runs from before the request: the write lands later, and a standby's
    // count starts later still, when it sees it.
    const sent = clock.now();
    const current = await api.get();
    const duration = Math.ceil(leaseDurationMs / 1000);
    const stamp = wallClock();
    if (current === undefined) {
      await api.create({
        holderIdentity: identity,
        leaseDurationSeconds: duration,
        acquireTime: stamp,
        renewTime: stamp,
        leaseTransitions: 0,
      });
      return this.#renewed(sent);
    }
    const mine = current.holderIdentity === identity;
    // Observed after the read returned: later than the write, so on the safe side.
    if (!mine && !this.#expired(current, clock.now())) {
      this.#setLeading(false);
      return false;
    }
    // A holder that lapsed may renew its own lease again: the resourceVersion makes the write
    // fail if anyone else has taken it in between.
    const written = await api.replace({
      ...current,
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      renewTime: stamp,
      ...(!mine && { acquireTime: stamp, leaseTransitions: (current.leaseTransitions ?? 0) + 1 }),
    });
    this.#observed = { version: versionOf(written), at: clock.now() };
    return this.#renewed(sent);
  }

  #renewed(sent: number): boolean {
    this.#lastRenew = sent;
    // A renewal answered only after the deadline (a pause in between) does not make us lead.
    const inTime = this.#o.clock.now() - sent < this.#o.renewDeadlineMs;
    this.#setLeading(inTime);
    return inTime;
  }
}
