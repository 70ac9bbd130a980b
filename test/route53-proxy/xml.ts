// A small strict XML reader and writer for Route 53's REST bodies: elements, attributes, text,
// the five predefined entities, character references, CDATA and comments. No DTDs (Route 53
// never sends one, and refusing them rules out entity expansion tricks). Written here rather
// than adding a dependency: the AWS SDK's own parser is not a public API, and a tree with
// ordered children is easier to check batches against than a generic XML-to-object mapping.

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, position: number) {
    super(`${message} at offset ${position}`);
    this.name = 'XmlError';
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const SPACE = /[ \t\r\n]*/y;
const ATTRIBUTE = /([A-Za-z_:][-A-Za-z0-9_:.]*)[ \t\r\n]*=[ \t\r\n]*("([^"<]*)"|'([^'<]*)')/y;

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function decodeText(raw: string, at: number): string {
  return raw.replace(/&([^;&\s]{1,10});|&/g, (whole: string, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError('bare & in text', at);
    if (ref.startsWith('#x') || ref.startsWith('#X')) {
      return String.fromCodePoint(checkedCodePoint(parseInt(ref.slice(2), 16), whole, at));
    }
    if (ref.startsWith('#')) {
      return String.fromCodePoint(checkedCodePoint(parseInt(ref.slice(1), 10), whole, at));
    }
    const named = ENTITIES[ref];
    if (named === undefined) throw new XmlError(`unknown entity ${whole}`, at);
    return named;
  });
}

function checkedCodePoint(cp: number, ref: string, at: number): number {
  if (!Number.isInteger(cp) || cp < 1 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    throw new XmlError(`invalid character reference ${ref}`, at);
  }
  return cp;
}

/** Parses a document with one root element; throws XmlError on anything malformed. */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const match = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = pos;
    const m = re.exec(source);
    if (m) pos = re.lastIndex;
    return m;
  };
  const skipSpace = (): void => void match(SPACE);
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos);
        if (end < 0) throw new XmlError('unterminated processing instruction', pos);
        pos = end + 2;
      } else if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) throw new XmlError('unterminated comment', pos);
        pos = end + 3;
      } else if (source.startsWith('<!DOCTYPE', pos)) {
        throw new XmlError('DOCTYPE is not accepted', pos);
      } else {
        return;
      }
    }
  };

  const parseElement = (): XmlElement => {
    if (source[pos] !== '<') throw new XmlError('expected an element', pos);
    pos++;
    const name = match(NAME)?.[0];
    if (!name) throw new XmlError('expected an element name', pos);
    const attributes: Record<string, string> = {};
    for (;;) {
      const spaceStart = pos;
      skipSpace();
      const hadSpace = pos > spaceStart;
      const attr = match(ATTRIBUTE);
      if (!attr) break;
      if (!hadSpace) throw new XmlError('expected space before an attribute', pos);
      attributes[attr[1] as string] = decodeText(attr[3] ?? attr[4] ?? '', pos);
    }
    skipSpace();
    const element: XmlElement = { name, attributes, children: [], text: '' };
    if (source.startsWith('/>', pos)) {
      pos += 2;
      return element;
    }
    if (source[pos] !== '>') throw new XmlError(`malformed start tag <${name}>`, pos);
    pos++;
    for (;;) {
      const lt = source.indexOf('<', pos);
      if (lt < 0) throw new XmlError(`unclosed element <${name}>`, pos);
      if (lt > pos) element.text += decodeText(source.slice(pos, lt), pos);
      pos = lt;
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = match(NAME)?.[0];
        skipSpace();
        if (closing !== name || source[pos] !== '>') {
          throw new XmlError(`expected </${name}>`, pos);
        }
        pos++;
        return element;
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) throw new XmlError('unterminated comment', pos);
        pos = end + 3;
      } else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) throw new XmlError('unterminated CDATA section', pos);
        element.text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source.startsWith('<?', pos) || source.startsWith('<!', pos)) {
        throw new XmlError('unexpected markup inside an element', pos);
      } else {
        element.children.push(parseElement());
      }
    }
  };

  if (source.charCodeAt(0) === 0xfeff) pos = 1; // byte order mark
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos !== source.length) throw new XmlError('content after the root element', pos);
  return root;
}

/** The first child element with this name, if any. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** Text of the named child, trimmed; undefined when the child is absent. */
export function childText(element: XmlElement, name: string): string | undefined {
  const c = child(element, name);
  return c === undefined ? undefined : c.text.trim();
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** Serialises a tree; whitespace-only text of elements with children is dropped. */
export function serializeXml(root: XmlElement, declaration = true): string {
  const write = (e: XmlElement): string => {
    const attrs = Object.entries(e.attributes)
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    const text = e.children.length > 0 && e.text.trim() === '' ? '' : escapeXml(e.text);
    if (e.children.length === 0 && text === '') return `<${e.name}${attrs}/>`;
    return `<${e.name}${attrs}>${text}${e.children.map(write).join('')}</${e.name}>`;
  };
  return `${declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${write(root)}`;
}
