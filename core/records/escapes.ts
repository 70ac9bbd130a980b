// Route 53's escapes in names and TXT values: `\ooo` is a byte as three octal digits (its
// docs say octal, unlike RFC 1035's decimal `\DDD`), `\X` is X itself. Escaped bytes of a
// UTF-8 character come as consecutive escapes, so bytes are gathered before decoding.

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** `text` with every Route 53 escape resolved. */
export function decodeEscapes(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\' && i + 1 < text.length) {
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1));
      if (octal !== null) {
        bytes.push(parseInt(octal[0], 8) & 0xff);
        i += 3;
      } else {
        bytes.push(...encoder.encode(text[i + 1]));
        i += 1;
      }
      continue;
    }
    // Surrogate pairs: encode the whole code point, not half of it.
    const codePoint = text.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(codePoint);
    bytes.push(...encoder.encode(char));
    i += char.length - 1;
  }
  return utf8.decode(new Uint8Array(bytes));
}
