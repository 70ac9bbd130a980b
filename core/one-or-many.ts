// Maps where nearly every key holds one value: the value as itself, a list only for the keys
// that hold several. The planner groups 100k endpoints and 200k listed record sets by name
// this way; a list for every name was a large share of its allocations.

/** Adds `value` under `key`: as itself when it is the key's first, else to the key's list. */
export function addOneOrMany<K, V extends object>(map: Map<K, V | V[]>, key: K, value: V): void {
  const found = map.get(key);
  if (found === undefined) map.set(key, value);
  else if (Array.isArray(found)) found.push(value);
  else map.set(key, [found, value]);
}
