// Strings that are kept, joined flat. `a + b` and template literals make a ConsString for any
// result of 13 characters or more: a node pointing at its two halves, flattened only when
// something reads its characters, and kept as a node (or a tree of them) for as long as the
// string is. Every major GC marks each node. At 100k watched objects the syncer's object keys
// (`namespace/name`, in several maps and sets) were ~830k such nodes, a sixth of its heap's
// objects. Array.prototype.join copies into one flat string, for about what the concatenation
// costs. Use it where a built string is kept (a map key, a cached record value), not for
// strings that live for one call.

/** `parts` joined by `separator`, as one flat string. */
export function flatJoin(separator: string, ...parts: string[]): string {
  return parts.join(separator);
}
