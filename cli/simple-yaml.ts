// A fast reader for the plain YAML that manifests are almost always written in: block mappings
// and sequences, one-line plain and quoted scalars, one-line flow collections, comments. It
// yields exactly what the `yaml` package's `parseAllDocuments(text)[i].toJS()` does for such a
// document (the YAML 1.2 core schema: null, booleans, ints, floats, strings), at a fraction of
// the cost: the package builds a full document tree (nodes, ranges, comments) that the
// commands never use, and at 100,000 Gateways it was 40 % of `aws-controller plan`.
//
// Anything else — anchors, aliases, tags, block scalars, multi-line scalars, escapes in
// double quotes, complex keys, tabs, directives — makes it answer UNSUPPORTED for that
// document (or the whole text), and the caller hands it to the full parser, which also gives
// every error message: this reader never reports one itself, so it cannot reword or miss one.

/** Returned for input this reader does not handle: parse it with the full YAML parser. */
export const UNSUPPORTED: unique symbol = Symbol('unsupported YAML');
type Unsupported = typeof UNSUPPORTED;

/** One document of a multi-document text: its slice and, when this reader handles it, its value. */
export interface SimpleDocument {
  /** Offsets of the document's text, without its `---` line. */
  start: number;
  end: number;
  value: unknown;
}

// Characters the full parser treats specially or rejects anywhere: tabs and carriage returns
// (whitespace rules), control characters, a byte order mark, C1 controls.
// eslint-disable-next-line no-control-regex
const AWKWARD_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff]/;

/**
 * The documents of `text` (as `parseAllDocuments` counts them), each with its value or
 * UNSUPPORTED; or UNSUPPORTED for the whole text (directives, `...`, a `---` line carrying
 * content, awkward characters).
 */
export function simpleDocuments(text: string): SimpleDocument[] | Unsupported {
  if (AWKWARD_CHARACTERS.test(text)) return UNSUPPORTED;
  const documents: SimpleDocument[] = [];
  let start = 0;
  // Text before the first `---` is a document only if it holds more than comments.
  let explicit = false;
  for (let lineStart = 0; lineStart <= text.length;) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const first = text.charCodeAt(lineStart);
    if (first === 0x25 /* % */) return UNSUPPORTED;
    if (text.startsWith('---', lineStart) || text.startsWith('...', lineStart)) {
      if (text.charCodeAt(lineStart) === 0x2e /* . */) return UNSUPPORTED;
      if (text.slice(lineStart + 3, lineEnd).trim() !== '') return UNSUPPORTED;
      pushDocument(text, start, lineStart, explicit, documents);
      start = lineEnd + 1;
      explicit = true;
    }
    lineStart = lineEnd + 1;
  }
  pushDocument(text, start, text.length, explicit, documents);
  return documents;
}

function pushDocument(
  text: string,
  start: number,
  end: number,
  explicit: boolean,
  into: SimpleDocument[],
): void {
  const begin = Math.min(start, text.length);
  const value = parseSimpleDocument(text, begin, Math.max(begin, end));
  if (value === EMPTY) {
    if (explicit) into.push({ start: begin, end: Math.max(begin, end), value: null });
    return;
  }
  into.push({ start: begin, end: Math.max(begin, end), value });
}

const EMPTY: unique symbol = Symbol('empty document');

interface MapFrame {
  kind: 'map';
  indent: number;
  value: Record<string, unknown>;
}
interface SeqFrame {
  kind: 'seq';
  indent: number;
  value: unknown[];
}
type Frame = MapFrame | SeqFrame;

/** A key or item whose value starts on a later line (or is null). */
interface Pending {
  frame: Frame;
  key: string;
}

/** The value of one document's text, EMPTY when it holds only comments, or UNSUPPORTED. */
function parseSimpleDocument(
  text: string,
  start: number,
  end: number,
): unknown /* or Unsupported or EMPTY */ {
  const stack: Frame[] = [];
  let root: Frame | undefined;
  let pending: Pending | undefined;
  for (let lineStart = start; lineStart < end;) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    let indent = lineStart;
    while (indent < lineEnd && text.charCodeAt(indent) === 0x20) indent++;
    const next = lineEnd + 1;
    if (indent === lineEnd || text.charCodeAt(indent) === 0x23 /* # */) {
      lineStart = next;
      continue;
    }
    const column = indent - lineStart;
    const line = text.slice(indent, lineEnd);
    const dash = line === '-' || line.startsWith('- ');
    lineStart = next;

    if (root === undefined) {
      if (dash) return UNSUPPORTED; // a list is not an object: the full parser says so
      root = { kind: 'map', indent: column, value: {} };
      stack.push(root);
    } else if (pending !== undefined) {
      const { frame, key } = pending;
      pending = undefined;
      if (column > frame.indent || (column === frame.indent && dash && frame.kind === 'map')) {
        const nested: Frame = dash
          ? { kind: 'seq', indent: column, value: [] }
          : { kind: 'map', indent: column, value: {} };
        if (setValue(frame, key, nested.value) === UNSUPPORTED) return UNSUPPORTED;
        stack.push(nested);
      } else if (setValue(frame, key, null) === UNSUPPORTED) return UNSUPPORTED;
    }
    // Close what this line is outside of; a sequence at its mapping key's own column ends
    // at the next key.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return UNSUPPORTED;
      if (top.indent > column) stack.pop();
      else if (top.kind === 'seq' && top.indent === column && !dash && stack.length > 1) {
        stack.pop();
      } else break;
    }
    const top = stack[stack.length - 1];
    if (top === undefined || top.indent !== column) return UNSUPPORTED;

    if (top.kind === 'seq') {
      if (!dash) return UNSUPPORTED;
      let at = 1;
      while (at < line.length && line.charCodeAt(at) === 0x20) at++;
      const rest = line.slice(at);
      if (rest === '' || rest.startsWith('#')) {
        top.value.push(null);
        pending = { frame: top, key: String(top.value.length - 1) };
        continue;
      }
      if (rest === '-' || rest.startsWith('- ')) return UNSUPPORTED;
      const entry = splitKey(rest);
      if (entry === UNSUPPORTED) return UNSUPPORTED;
      if (entry === undefined) {
        const value = inlineValue(rest);
        if (value === UNSUPPORTED || value === EMPTY) return UNSUPPORTED;
        top.value.push(value);
        continue;
      }
      // `- key: value`: a mapping whose keys sit at the column of this first one.
      const map: MapFrame = { kind: 'map', indent: column + at, value: {} };
      top.value.push(map.value);
      stack.push(map);
      const result = addEntry(map, entry.key, entry.rest);
      if (result === UNSUPPORTED) return UNSUPPORTED;
      pending = result;
      continue;
    }
    const entry = dash ? UNSUPPORTED : splitKey(line);
    if (entry === UNSUPPORTED || entry === undefined) return UNSUPPORTED;
    const result = addEntry(top, entry.key, entry.rest);
    if (result === UNSUPPORTED) return UNSUPPORTED;
    pending = result;
  }
  if (root === undefined) return EMPTY;
  if (pending !== undefined && setValue(pending.frame, pending.key, null) === UNSUPPORTED) {
    return UNSUPPORTED;
  }
  return root.value;
}

/** Adds `key: rest` to a mapping; a Pending when the value is on the next lines. */
function addEntry(frame: MapFrame, key: string, rest: string): Pending | undefined | Unsupported {
  if (Object.prototype.hasOwnProperty.call(frame.value, key)) return UNSUPPORTED; // duplicate
  if (rest === '' || rest.startsWith('#')) {
    frame.value[key] = null;
    return { frame, key };
  }
  const value = inlineValue(rest);
  if (value === UNSUPPORTED || value === EMPTY) return UNSUPPORTED;
  frame.value[key] = value;
  return undefined;
}

function setValue(frame: Frame, key: string, value: unknown): void | Unsupported {
  if (frame.kind === 'map') frame.value[key] = value;
  else frame.value[Number(key)] = value;
}

/**
 * `key: rest` split at the key's colon (rest with leading spaces removed), undefined when the
 * line is not a mapping entry, UNSUPPORTED when it may be one this reader does not handle.
 */
function splitKey(line: string): { key: string; rest: string } | undefined | Unsupported {
  const quote = line.charCodeAt(0);
  let key: string;
  let after: number;
  if (quote === 0x22 /* " */ || quote === 0x27 /* ' */) {
    const quoted = quotedScalar(line, 0);
    if (quoted === UNSUPPORTED) return UNSUPPORTED;
    let at = quoted.end;
    while (at < line.length && line.charCodeAt(at) === 0x20) at++;
    if (line.charCodeAt(at) !== 0x3a /* : */) return undefined; // a quoted value
    if (at + 1 < line.length && line.charCodeAt(at + 1) !== 0x20) return UNSUPPORTED;
    key = quoted.value;
    after = at + 1;
  } else {
    const colon = line.indexOf(': ');
    const comment = line.indexOf(' #');
    let end = colon;
    if (end === -1 || (comment !== -1 && comment < end)) {
      const content = comment === -1 ? line : line.slice(0, comment);
      const trimmed = content.trimEnd();
      if (!trimmed.endsWith(':')) {
        // No key here; but `a:b` or `{a: b}: c` are for the full parser to judge.
        return comment !== -1 && colon !== -1 ? UNSUPPORTED : undefined;
      }
      end = trimmed.length - 1;
    }
    const plain = line.slice(0, end).trimEnd();
    if (!plainStart(plain) || plain.includes(' #')) return UNSUPPORTED;
    const resolved = resolvePlain(plain);
    // Keys the core schema reads as numbers, booleans or null become other strings in toJS.
    if (typeof resolved !== 'string' || resolved === '__proto__') return UNSUPPORTED;
    key = resolved;
    after = end + 1;
  }
  // YAML caps an implicit key at 1024 characters: a longer one is the full parser's error.
  if (key === '__proto__' || after > 1024) return UNSUPPORTED;
  while (after < line.length && line.charCodeAt(after) === 0x20) after++;
  return { key, rest: line.slice(after) };
}

/** Whether a plain scalar may start this way in block context (no indicator, no `- `). */
function plainStart(s: string): boolean {
  if (s === '') return false;
  const c = s[0] ?? '';
  if ('?:,[]{}#&*!|>\'"%@`'.includes(c)) return false;
  if (c === '-') return s.length > 1 && s[1] !== ' ';
  return true;
}

/** The value written after `key: ` or `- ` on the same line. */
function inlineValue(s: string): unknown {
  const c = s.charCodeAt(0);
  if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
    const quoted = quotedScalar(s, 0);
    if (quoted === UNSUPPORTED || !onlyComment(s, quoted.end)) return UNSUPPORTED;
    return quoted.value;
  }
  if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
    const flow = flowValue(s, 0);
    if (flow === UNSUPPORTED || !onlyComment(s, flow.end)) return UNSUPPORTED;
    return flow.value;
  }
  const comment = s.indexOf(' #');
  const plain = (comment === -1 ? s : s.slice(0, comment)).trimEnd();
  if (!plainStart(plain) || plain.includes(': ') || plain.endsWith(':')) return UNSUPPORTED;
  return resolvePlain(plain);
}

/** Whether nothing but spaces and a comment follow `at`. */
function onlyComment(s: string, at: number): boolean {
  let i = at;
  while (i < s.length && s.charCodeAt(i) === 0x20) i++;
  return i === s.length || (i > at && s.charCodeAt(i) === 0x23);
}

/** A one-line quoted scalar starting at `at`; escapes in double quotes are left to the parser. */
function quotedScalar(s: string, at: number): { value: string; end: number } | Unsupported {
  if (s[at] === '"') {
    const close = s.indexOf('"', at + 1);
    if (close === -1) return UNSUPPORTED;
    const value = s.slice(at + 1, close);
    if (value.includes('\\')) return UNSUPPORTED;
    return { value, end: close + 1 };
  }
  let value = '';
  let from = at + 1;
  for (;;) {
    const close = s.indexOf("'", from);
    if (close === -1) return UNSUPPORTED;
    value += s.slice(from, close);
    if (s[close + 1] !== "'") return { value, end: close + 1 };
    value += "'";
    from = close + 2;
  }
}

const FLOW_PLAIN_END = /[,[\]{}]/g;
const FLOW_KEY_END = /[,[\]{}:]/g;

/** A one-line flow mapping or sequence of scalars (and nested ones) starting at `at`. */
function flowValue(s: string, at: number): { value: unknown; end: number } | Unsupported {
  const open = s[at];
  const close = open === '{' ? '}' : ']';
  const map: Record<string, unknown> = {};
  const seq: unknown[] = [];
  let i = skipSpaces(s, at + 1);
  if (s[i] === close) return { value: open === '{' ? map : seq, end: i + 1 };
  for (;;) {
    let key: string | undefined;
    if (open === '{') {
      const k = flowScalar(s, i, FLOW_KEY_END);
      if (k === UNSUPPORTED || typeof k.value !== 'string') return UNSUPPORTED;
      if (k.value === '__proto__' || Object.prototype.hasOwnProperty.call(map, k.value)) {
        return UNSUPPORTED;
      }
      // `key: value` only, the colon right after the key and a space after it.
      if (s[k.end] !== ':' || s[k.end + 1] !== ' ') return UNSUPPORTED;
      key = k.value;
      i = skipSpaces(s, k.end + 1);
    }
    const item = s[i] === '{' || s[i] === '[' ? flowValue(s, i) : flowScalar(s, i, FLOW_PLAIN_END);
    if (item === UNSUPPORTED) return UNSUPPORTED;
    if (key !== undefined) map[key] = item.value;
    else seq.push(item.value);
    i = skipSpaces(s, item.end);
    if (s[i] === close) return { value: open === '{' ? map : seq, end: i + 1 };
    if (s[i] !== ',') return UNSUPPORTED;
    i = skipSpaces(s, i + 1);
    if (s[i] === close || s[i] === ',') return UNSUPPORTED; // trailing or empty entries
  }
}

/** A quoted or plain scalar inside a flow collection; plain ones with `:` or `#` are not handled. */
function flowScalar(
  s: string,
  at: number,
  ends: RegExp,
): { value: unknown; end: number } | Unsupported {
  if (s[at] === '"' || s[at] === "'") return quotedScalar(s, at);
  ends.lastIndex = at;
  const found = ends.exec(s);
  const stop = found === null ? s.length : found.index;
  const plain = s.slice(at, stop).trimEnd();
  if (!plainStart(plain) || plain.includes(':') || plain.includes('#')) return UNSUPPORTED;
  return { value: resolvePlain(plain), end: at + plain.length };
}

function skipSpaces(s: string, at: number): number {
  let i = at;
  while (i < s.length && s.charCodeAt(i) === 0x20) i++;
  return i;
}

// The YAML 1.2 core schema's resolution of plain scalars (spec section 10.3.2), in the
// order the `yaml` package tries its tags, converted as its toJS does.
const NULL = /^(?:~|null|Null|NULL)$/;
const TRUE = /^(?:true|True|TRUE)$/;
const FALSE = /^(?:false|False|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Digits, signs and dots start every number; n, N, t, T, f, F and ~ the words.
  const numeric = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
  if (!numeric) {
    if (NULL.test(s)) return null;
    if (TRUE.test(s)) return true;
    if (FALSE.test(s)) return false;
    return s;
  }
  if (INT_OCT.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.slice(2), 16);
  if (FLOAT_SPECIAL.test(s)) {
    if (s.slice(-3).toLowerCase() === 'nan') return NaN;
    return s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT.test(s)) return parseFloat(s);
  return s;
}
