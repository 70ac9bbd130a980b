// TXT record values in Route 53's presentation form: one or more quoted character-strings,
// each at most 255 characters, separated by spaces. Route 53 returns them quoted, with `"`
// and `\` escaped and other unusual characters as `\ooo` octal, so a TXT value must be
// parsed before its text is compared with anything.
import { flatJoin } from '../flat-join.js';
import { decodeEscapes } from './escapes.js';

/** The longest character-string DNS allows in one TXT string. */
export const MAX_TXT_STRING = 255;

/**
 * The text a TXT value carries: its character-strings joined, escapes resolved. A value
 * without quotes (Route 53 never returns one, but a hand-made export might) is taken as is.
 */
export function parseTxtValue(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('"')) return decodeEscapes(trimmed);
  let text = '';
  // Each match is one quoted string, its escapes still in place; what lies between is space.
  for (const match of trimmed.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    text += match[1] ?? '';
  }
  return decodeEscapes(text);
}

/**
 * A TXT value holding `text`: one quoted string when it fits in 255 characters (always, for
 * ownership labels of reasonable object names), else consecutive strings of at most 255 that
 * resolvers hand back concatenated.
 */
export function formatTxtValue(text: string): string {
  const chunks: string[] = [];
  for (let i = 0; i < text.length || chunks.length === 0; i += MAX_TXT_STRING) {
    chunks.push(text.slice(i, i + MAX_TXT_STRING));
  }
  // Joined flat: the value is kept in the zone's listing for as long as the record is.
  return chunks
    .map((chunk) =>
      flatJoin(
        '',
        '"',
        chunk.replace(/[\\"]/g, (c) => `\\${c}`),
        '"',
      ),
    )
    .join(' ');
}
