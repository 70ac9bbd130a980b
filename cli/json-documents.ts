// Manifests written as JSON (`kubectl get -o json`, one object or a List, or several JSON
// documents one after another) read with JSON.parse: every JSON text is also YAML, and the
// YAML parser reads it the same, but at 100,000 objects JSON.parse is tens of times faster.
// Where the two would differ — a key written twice in one object, which JSON.parse takes the
// last of and YAML refuses — this answers undefined and the YAML path gives its error.

const STRING_END = /["\\]/g;

/**
 * The values of `text` when it is one or more JSON objects or arrays separated by whitespace,
 * with no key repeated within an object; undefined otherwise (not JSON, invalid JSON, a
 * repeated key): the caller then reads it as YAML, which also words the errors.
 */
export function jsonDocuments(text: string): unknown[] | undefined {
  const bounds: [number, number][] = [];
  let keys = 0;
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Jump to the closing quote; a backslash escapes the next character.
      let j = i + 1;
      for (;;) {
        STRING_END.lastIndex = j;
        const found = STRING_END.exec(text);
        if (found === null) return undefined;
        if (found[0] === '"') {
          j = found.index;
          break;
        }
        j = found.index + 2;
      }
      i = j;
      // A string followed by a colon is a key (in valid JSON, and invalid JSON fails below).
      let k = i + 1;
      while (k < text.length && isSpace(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) === 0x3a /* : */) keys++;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) bounds.push([start, i + 1]);
    } else if (depth === 0 && !isSpace(c)) {
      return undefined; // a scalar or anything else at the top: not a stream of documents
    }
  }
  if (depth !== 0 || bounds.length === 0) return undefined;
  const values: unknown[] = [];
  try {
    for (const [from, to] of bounds) values.push(JSON.parse(text.slice(from, to)));
  } catch {
    return undefined;
  }
  // Fewer keys in the values than in the text: some object repeats one.
  return countKeys(values) === keys ? values : undefined;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function countKeys(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) n += countKeys(item);
    return n;
  }
  for (const key in value) {
    n += 1 + countKeys((value as Record<string, unknown>)[key]);
  }
  return n;
}
