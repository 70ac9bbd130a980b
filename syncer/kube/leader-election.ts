// One writer among replicas: a coordination.k8s.io Lease, taken and renewed with optimistic
// concurrency (resourceVersion), so two replicas can never both believe they hold it for
// longer than the lease duration.
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
  clock: Clock;
  logger: Logger;
  leaseDurationMs?: number;
  /** How often the leader renews and others retry. */
  retryPeriodMs?: number;
  onChange?: (leading: boolean) => void;
}

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectorOptions, 'onChange'>> &
    Pick<LeaderElectorOptions, 'onChange'>;
  #leading = false;
  #lastRenew = 0;
  #stopped = true;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = { leaseDurationMs: 15_000, retryPeriodMs: 2_000, ...options };
  }

  /** Whether this replica may write now: it holds the lease and renewed it recently enough. */
  get leading(): boolean {
    if (this.#leading && this.#o.clock.now() - this.#lastRenew >= this.#o.leaseDurationMs) {
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
            renewTime: this.#o.clock.now(),
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
      // `leading` drops leadership by itself when renewals keep failing past the duration.
      void this.leading;
      const pause = wakeableSleep(this.#o.clock, this.#o.retryPeriodMs);
      this.#wake = pause.wake;
      await pause.done;
    }
  }

  /** One round: take a free or expired lease, renew our own, or stand by. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, identity, clock, leaseDurationMs } = this.#o;
    const now = clock.now();
    const current = await api.get();
    const duration = Math.ceil(leaseDurationMs / 1000);
    if (current === undefined) {
      await api.create({
        holderIdentity: identity,
        leaseDurationSeconds: duration,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      });
      return this.#renewed(now);
    }
    const mine = current.holderIdentity === identity;
    const expired =
      !current.holderIdentity ||
      (current.renewTime ?? 0) + (current.leaseDurationSeconds ?? duration) * 1000 <= now;
    if (!mine && !expired) {
      this.#setLeading(false);
      return false;
    }
    await api.replace({
      ...current,
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      renewTime: now,
      ...(!mine && { acquireTime: now, leaseTransitions: (current.leaseTransitions ?? 0) + 1 }),
    });
    return this.#renewed(now);
  }

  #renewed(at: number): boolean {
    this.#lastRenew = at;
    this.#setLeading(true);
    return true;
  }
}
