import type { Clock } from '../route53/rate-limiter.js';

/**
 * A clock whose sleeps pass at once, advancing simulated time; records every sleep. A sleep
 * still yields to the event loop, so a loop that sleeps cannot starve everything else.
 */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return new Promise((resolve) => setImmediate(resolve));
  }
}
