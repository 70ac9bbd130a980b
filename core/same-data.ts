// Deep equality of JSON-like values, for the places that ask "is this the same data?" of
// values built apart: a listed record set against the one we would write, an object's
// endpoints before and after a recomputation.

/**
 * Whether `a` and `b` hold the same data: equal primitives, or objects (arrays included)
 * with the same defined keys holding the same data. Key order and keys holding `undefined`
 * do not count, as in their JSON form.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  // Counted and compared in place: this runs for every listed record of every plan.
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ra) {
    if (!Object.hasOwn(ra, k) || ra[k] === undefined) continue;
    defined++;
    if (!sameData(ra[k], Object.hasOwn(rb, k) ? rb[k] : undefined)) return false;
  }
  for (const k in rb) {
    if (Object.hasOwn(rb, k) && rb[k] !== undefined) defined--;
  }
  return defined === 0;
}

/**
 * `never`, or a compile error naming what `T` holds: for the field-by-field comparisons
 * written beside sameData (sameEndpoints, sameFields), `Nothing<Exclude<keyof X, Compared>>`
 * fails to compile once X gains a field the comparison does not read.
 */
export type Nothing<T extends never> = T;
