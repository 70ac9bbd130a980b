// How Route 53 compares names: case-insensitively, with or without the final dot, and with
// characters outside [a-z0-9-_] as octal escapes (`*` is returned as `\052`).

/** Lower-case, unescaped, with a final dot: the form names are compared in. */
export function canonicalName(name: string): string {
  const unescaped = name.replace(/\\([0-7]{3})/g, (_m, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
  const lower = unescaped.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/**
 * The spelling Route 53's API returns: lower case, final dot, and every character other than
 * a-z, 0-9, '-', '_' and '.' as a three-digit octal escape.
 */
export function route53Spelling(name: string): string {
  return canonicalName(name).replace(/[^a-z0-9\-_.]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 256 ? `\\${code.toString(8).padStart(3, '0')}` : c;
  });
}

/** True when `name` is the zone's apex or below it (both canonical). */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}
