// Work cut into steps. A long pure computation (over 100k names, say) is written as a
// generator that yields between small steps: a caller with an event loop to keep (the syncer)
// gives it a turn between steps, while the code stays pure and a caller without one (the
// offline plan, tests) runs it straight through with runSteps.

/** A computation of a `T` that yields (nothing) between steps. */
export type Steps<T> = Generator<undefined, T, undefined>;

/** Runs every step at once and returns the result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** Names handled between two steps of a computation over names: well under a millisecond. */
export const NAMES_PER_STEP = 200;
