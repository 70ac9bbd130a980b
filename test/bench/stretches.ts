// The longest stretch of synchronous work, told apart from the time the process waited for a
// core. perf_hooks' event-loop delay counts wall time between two turns of the loop, and on
// shared cores a stretch of 20 ms of work can read 80 ms because the kernel ran something
// else meanwhile. A 1 ms interval timer reads the main thread's scheduler statistics
// (/proc/self/schedstat: nanoseconds on a CPU, nanoseconds runnable but waiting, Linux) at
// every turn; between two turns, the time on a CPU is the work nothing else could interrupt.
import { closeSync, openSync, readSync } from 'node:fs';

export interface Stretches {
  /** The longest wall time between two turns of the timer (ms), as the event-loop delay. */
  wallMax: number;
  /** The longest time on a CPU between two turns (ms): the synchronous work itself. */
  onCpuMax: number;
  /** How long, in all, the main thread was runnable but waiting for a core (ms). */
  waitedTotal: number;
}

const SCHEDSTAT = '/proc/self/schedstat';

/** Records stretches from start() to stop(); undefined where /proc/self/schedstat is absent. */
export class StretchRecorder {
  readonly #fd: number;
  readonly #buffer = Buffer.alloc(128);
  #timer: NodeJS.Timeout | undefined;
  #last = { wall: 0, cpu: 0, wait: 0 };
  #first = { cpu: 0, wait: 0 };
  #wallMax = 0;
  #onCpuMax = 0;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  static open(): StretchRecorder | undefined {
    try {
      return new StretchRecorder(openSync(SCHEDSTAT, 'r'));
    } catch {
      return undefined;
    }
  }

  /** Nanoseconds on a CPU and waiting for one, read afresh (the file is made on each read). */
  #read(): { cpu: number; wait: number } {
    const length = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, 0);
    const [cpu, wait] = this.#buffer.toString('latin1', 0, length).split(' ').map(Number);
    return { cpu: cpu ?? 0, wait: wait ?? 0 };
  }

  #tick = () => {
    const wall = performance.now();
    const { cpu, wait } = this.#read();
    this.#wallMax = Math.max(this.#wallMax, wall - this.#last.wall);
    this.#onCpuMax = Math.max(this.#onCpuMax, (cpu - this.#last.cpu) / 1e6);
    this.#last = { wall, cpu, wait };
  };

  start(): void {
    this.#wallMax = 0;
    this.#onCpuMax = 0;
    const now = this.#read();
    this.#first = now;
    this.#last = { wall: performance.now(), ...now };
    this.#timer = setInterval(this.#tick, 1);
  }

  stop(): Stretches {
    clearInterval(this.#timer);
    this.#tick();
    return {
      wallMax: this.#wallMax,
      onCpuMax: this.#onCpuMax,
      waitedTotal: (this.#last.wait - this.#first.wait) / 1e6,
    };
  }

  close(): void {
    clearInterval(this.#timer);
    closeSync(this.#fd);
  }
}
