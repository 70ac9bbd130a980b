// Strings that are kept, joined flat. `a + b` and template literals make a ConsString for any
// result of 13 characters or more: a node pointing at its two halves, flattened only when
// something reads its characters, and kept as a node (or a tree of them) for as long as the
// string is, and every major GC marks each node. After a 100k initial build the benchmark's
// heap held 1.2M of them, a quarter of its objects: the TXT values the syncer keeps in its
// listings, object keys in its maps and sets, and its test doubles' keys and strings
// (docs/benchmarks.md). Array.prototype.join copies into one flat string, for about what the
// concatenation costs. Use it where a built string is kept (a map key, a cached record value), not for
// strings that live for one call.

/** `parts` joined by `separator`, as one flat string. */
export function flatJoin(separator: string, ...parts: string[]): string {
  return parts.join(separator);
}
