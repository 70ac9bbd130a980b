// Property tests for the field-by-field comparisons written beside sameData (sameEndpoints,
// sameFields): each must say what sameData says of the same values. Values are drawn from few
// choices per field, so that two of them are often equal; and one field at a time is taken
// from another value, since two values drawn whole rarely differ in one field only.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sameData } from '../../same-data.js';

/** One of a few values. */
export const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

/** Absent (null here: `recordOf` leaves it out), undefined, or set: sameData counts neither
 * of the first two, and the comparison must not either. */
export const optional = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined | null> =>
  fc.oneof(fc.constant(undefined), fc.constant(null), value);

/** fc.record, with each field drawn as null left out. */
export function recordOf<T>(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<T> {
  return fc.record(fields).map((record) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (value !== null) out[key] = value;
    return out as T;
  });
}

/** A copy of `a` with the field at `path` (`owner.kind`: one level down) as `b` has it. */
function withField<T>(a: T, b: T, path: string): T {
  const copy = structuredClone(a) as Record<string, unknown>;
  const [first, second] = path.split('.') as [string, string | undefined];
  const [into, from, key] =
    second === undefined
      ? [copy, b as Record<string, unknown>, first]
      : [
          copy[first] as Record<string, unknown>,
          (b as Record<string, Record<string, unknown>>)[first] ?? {},
          second,
        ];
  if (Object.hasOwn(from, key)) into[key] = from[key];
  else delete into[key];
  return copy as T;
}

/**
 * Holds `compare` to sameData over pairs drawn apart, a value and its copy, and a copy with
 * one of `fields` taken from another value; fails unless both answers came up often.
 */
export function assertAgreesWithSameData<T>(
  value: fc.Arbitrary<T>,
  fields: readonly string[],
  compare: (a: T, b: T) => boolean,
): void {
  let equal = 0;
  let unequal = 0;
  fc.assert(
    fc.property(
      value,
      value,
      fc.constantFrom('drawn apart', 'a copy', 'one field'),
      fc.constantFrom(...fields),
      (a, b, how, field) => {
        const other =
          how === 'drawn apart'
            ? b
            : how === 'a copy'
              ? structuredClone(a)
              : withField(a, b, field);
        const expected = sameData(a, other);
        assert.equal(compare(a, other), expected, `${JSON.stringify(a)}\n${JSON.stringify(other)}`);
        if (expected) equal++;
        else unequal++;
      },
    ),
    { numRuns: 3000 },
  );
  // Not vacuous: the values were found equal, and unequal, many times.
  assert.ok(equal > 100 && unequal > 100, `equal ${equal}, unequal ${unequal}`);
}
