// The syncer's `--flush-start-up-code`. V8 keeps a function's bytecode until the function has
// not run for six full garbage collections. Much of what the syncer compiles runs once, at
// start-up: the CLI, each module's top level, reading its kubeconfig, the first lists. For
// the first minutes the syncer lowers that age to two, and lets V8 drop baseline code too, so
// the full collections V8 makes as the heap settles after start-up free that code (1.5–2 MiB
// of an idle syncer's ~79, docs/benchmarks.md, Memory). Then V8's defaults again: with the
// lower age for good, the drift check's code (run every ten minutes by default) would be
// dropped between runs too, and with it dropped, at 100,000 objects, the check's longest
// synchronous stretch grew from at most 38 ms to up to 56 ms while it was compiled and
// warmed up again.
import { setFlagsFromString } from 'node:v8';

/** V8's flags while start-up code is being dropped. */
export const START_UP_FLAGS = ['--bytecode-old-age=2', '--flush-baseline-code'] as const;
/** V8's own defaults, from the end of the window on. */
export const STEADY_FLAGS = ['--bytecode-old-age=6', '--no-flush-baseline-code'] as const;
/** Long enough for the caches' first lists and the collections that follow them. */
export const START_UP_WINDOW_MS = 120_000;

/** Sets START_UP_FLAGS now and STEADY_FLAGS after windowMs (a timer that keeps no one alive). */
export function flushStartUpCode(windowMs = START_UP_WINDOW_MS): void {
  for (const flag of START_UP_FLAGS) setFlagsFromString(flag);
  setTimeout(() => {
    for (const flag of STEADY_FLAGS) setFlagsFromString(flag);
  }, windowMs).unref();
}
