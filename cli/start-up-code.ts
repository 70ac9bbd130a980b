// The syncer's `--flush-start-up-code`. V8 keeps a function's bytecode until the function has
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

/** Sets START_UP_FLAGS: call it before much has run. */
export function flushStartUpCode(): void {
  for (const flag of START_UP_FLAGS) setFlagsFromString(flag);
}
