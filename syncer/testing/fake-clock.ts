import type { Clock } from '../route53/rate-limiter.js';

/** A clock whose sleeps pass at once, advancing simulated time; records every sleep. */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}
