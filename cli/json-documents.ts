// Manifests written as JSON (`kubectl get -o json`, one object or a List, or several JSON
// documents one after another) read with JSON.parse: every JSON text is also YAML, and the
// YAML parser reads it the same, but at 100,000 objects JSON.parse is tens of times faster.
// Where the two would differ — a key written twice in one object, which JSON.parse takes the
// last of and YAML refuses — this answers undefined and the YAML path gives its error.

/**
 * The values of `text` when it is one or more JSON objects or arrays separated by whitespace,
 * with no key repeated within an object; undefined otherwise (not JSON, invalid JSON, a
 * repeated key): the caller then reads it as YAML, which also words the errors.
 */
export function jsonDocuments(text: string): unknown[] | undefined {
  return oneDocument(text) ?? documentStream(text);
}

/**
 * The common case, one object or List (`kubectl get -o json`), parsed whole; undefined for
 * anything else. Its keys are counted by jumping from string to string (indexOf), where the
 * stream's reader looks at every character to find the documents' bounds: at 100,000 objects
 * pretty-printed, that was twice the time of JSON.parse itself.
 */
function oneDocument(text: string): unknown[] | undefined {
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  const first = text.charCodeAt(start);
  if (first !== 0x7b /* { */ && first !== 0x5b /* [ */) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // several documents, or not JSON: the stream's reader decides
  }
  return countKeys(value) === keysInText(text) ? [value] : undefined;
}

/**
 * The keys written in a valid JSON text: strings followed by a colon. Outside strings JSON
 * has no quotes, so each quote after a string's end opens the next string.
 */
function keysInText(text: string): number {
  let keys = 0;
  for (let open = text.indexOf('"'); open >= 0;) {
    const close = closingQuote(text, open);
    if (close < 0) return -1;
    let k = close + 1;
    while (k < text.length && isSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) === 0x3a /* : */) keys++;
    open = text.indexOf('"', close + 1);
  }
  return keys;
}

/** Documents one after another, each found by its bounds and parsed apart. */
function documentStream(text: string): unknown[] | undefined {
  const bounds: [number, number][] = [];
  let keys = 0;
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Jump to the closing quote: the first quote after an even number of backslashes (a
      // backslash escapes the next character). indexOf, not a regular expression: at 100k
      // objects a match object per string was most of this scan.
      const j = closingQuote(text, i);
      if (j < 0) return undefined;
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

/** The index of the quote closing the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (quote - backslashes - 1 > open && text.charCodeAt(quote - backslashes - 1) === 0x5c) {
      backslashes++;
    }
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
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
