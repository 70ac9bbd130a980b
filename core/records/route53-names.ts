// Names and IDs as Route 53 returns them, brought to the form we compare in.
// Route 53 answers names with a trailing dot, keeps whatever letter case it was given, and
// escapes every character outside a-z 0-9 - _ . as a three-digit octal code (`*` → `\052`).
// Our own names (core/names/hostname.ts) are lower case without the dot, so both sides must
// meet in that form before any comparison, or a wildcard record would look foreign forever.
import { decodeEscapes } from './escapes.js';

/** A Route 53 record or zone name in our normal form: unescaped, lower case, no final dot. */
export function normalizeRoute53Name(name: string): string {
  let out = decodeEscapes(name);
  if (out.endsWith('.')) out = out.slice(0, -1);
  return out.toLowerCase();
}

/** A hosted zone ID without the `/hostedzone/` prefix Route 53 puts on it in listings. */
export function bareZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//i, '');
}
