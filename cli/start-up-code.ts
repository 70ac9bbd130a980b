// The V8 flags the syncer sets itself (NODE_OPTIONS does not accept them), and why.
//
// `--flush-start-up-code`: V8 keeps a function's bytecode until the function has
// not run for six full garbage collections. Much of what the syncer compiles runs once, at
// start-up: the CLI, each module's top level, reading its kubeconfig, the first lists. With
// the age lowered to two, the full collections V8 makes as the heap settles after start-up
// free that code (docs/benchmarks.md, Memory).
//
// Set once, before much runs, and never changed. V8's flags changed while it works are
// undefined behaviour, and so it proved: the first version lowered the age and let V8 drop
// baseline code (`--flush-baseline-code`) for two minutes, then set V8's defaults back, and a
// syncer still building 100,000 objects at that moment died in the collector (`Check failed:
// !IsFreeSpaceOrFillerMap(map)`, 120 s after its start). Only the age now: bytecode flushing
// is V8's default, baseline code flushing is not.
import { setFlagsFromString } from 'node:v8';

/** V8's flags for the life of the process. */
export const START_UP_FLAGS = ['--bytecode-old-age=2'] as const;

/** The syncer command's flags that stand for V8 flags. */
export interface RuntimeFlags {
  /**
   * `--optimize-for-size`: V8 favours memory over speed. The chart README turns it off above
   * 10,000 objects: there its memory-reducing full collections paused the syncer 0.2–0.6 s.
   */
  readonly optimizeForSize: boolean;
  /** `--flush-start-up-code`: START_UP_FLAGS. */
  readonly flushStartUpCode: boolean;
}

/**
 * The V8 flags the syncer sets for its own flags, in the order it sets them. One list for the
 * command and for the benchmarks, which pass the same flags to node to measure what ships.
 */
export function v8FlagsFor(flags: RuntimeFlags): string[] {
  return [
    ...(flags.optimizeForSize ? ['--optimize-for-size'] : []),
    ...(flags.flushStartUpCode ? START_UP_FLAGS : []),
  ];
}

/**
 * Sets them: call it before much has run. `--optimize-for-size` before the caches fill (V8
 * reads it when it sizes and collects the heap; measured at 10,000 objects it halved the peak
 * RSS, docs/benchmarks.md, Memory); the bytecode age before much runs (a function's age counts
 * the full collections since it last ran).
 */
export function setRuntimeFlags(flags: RuntimeFlags): void {
  for (const flag of v8FlagsFor(flags)) setFlagsFromString(flag);
}
