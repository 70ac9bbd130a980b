// Hostnames as the annotation contract defines them (shared/spec/annotations.md, "Names"),
// used by the webhook to validate and by the syncer to compare names with Route 53's.
import { domainToASCII } from 'node:url';

export type HostnameResult = { ok: true; value: string } | { ok: false; reason: string };

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const MAX_LENGTH = 253;
/**
 * Names domainToASCII gives back lower-cased and otherwise unchanged: non-empty labels of
 * ASCII letters, digits, `-` and `_`, none a punycode label (`xn--`, which it checks), the
 * last not a number (`12`, `0x1f`: URL host parsing reads those as an IPv4 address).
 */
const PLAIN_ASCII = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/i;
const NEEDS_IDNA = /(?:^|\.)xn--|(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)$/i;

/**
 * domainToASCII (IDNA, through Node's URL parser) was a tenth of the webhook's checks per
 * request; names plain ASCII already, nearly all of them, skip it.
 */
export function toAsciiName(name: string): string {
  return PLAIN_ASCII.test(name) && !NEEDS_IDNA.test(name)
    ? name.toLowerCase()
    : domainToASCII(name);
}

/** `https://`, `http://`, any `scheme://` a URL starts with. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export interface HostnameOptions {
  /** Whether a first label of exactly `*` (a wildcard record) is accepted. */
  allowWildcard: boolean;
}

/**
 * A name already valid as written, up to letter case and one trailing dot: an optional `*`
 * first label, then two or more labels of LABEL's form, nothing to trim or convert. With
 * NEEDS_IDNA ruled out (punycode labels, a numeric last label), within MAX_LENGTH and a
 * wildcard only where allowed, its normal form is its lower case; everything else takes the
 * full path below, which says what is wrong.
 */
const PLAIN_VALID =
  /^(?:\*\.)?[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)+$/i;

/**
 * Normal form of one hostname: lower case, no trailing dot, IDN labels in punycode.
 * The reason, when there is one, is phrased to follow the quoted value in a message.
 */
export function normalizeHostname(
  input: string,
  options: HostnameOptions = { allowWildcard: true },
): HostnameResult {
  // Nearly every name is already plain and valid (the annotation checks run this for every
  // name of every admission, a plan for 100k at scale): one match instead of a dozen steps.
  const name = input.endsWith('.') ? input.slice(0, -1) : input;
  if (
    name.length <= MAX_LENGTH &&
    PLAIN_VALID.test(name) &&
    !NEEDS_IDNA.test(name) &&
    (options.allowWildcard || !name.startsWith('*'))
  ) {
    return { ok: true, value: name.toLowerCase() };
  }
  return normalizeHostnameFully(input, options);
}

/** normalizeHostname without its shortcut (exported so a test can hold the two to each other). */
export function normalizeHostnameFully(
  input: string,
  options: HostnameOptions = { allowWildcard: true },
): HostnameResult {
  let name = input.trim();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '') return { ok: false, reason: 'is empty' };
  // The two mistakes people make most, said as what to do rather than as "not valid".
  const scheme = SCHEME.exec(name);
  if (scheme !== null) {
    return {
      ok: false,
      reason: `is a URL: remove the scheme ${scheme[0]}${name.slice(scheme[0].length).includes('/') ? ' and the path' : ''}`,
    };
  }
  if (/\s/.test(name)) {
    return { ok: false, reason: 'has spaces: separate hostnames with commas' };
  }

  const wildcard = name === '*' || name.startsWith('*.');
  if (wildcard && !options.allowWildcard) {
    return { ok: false, reason: 'is a wildcard, which is not allowed here' };
  }
  const rest = wildcard ? name.slice(2) : name;
  if (rest.includes('*')) {
    return { ok: false, reason: "has '*' where only a whole first label may be '*'" };
  }

  // domainToASCII lower-cases and converts internationalised labels; it answers '' for
  // what no URL could hold, which is also no hostname.
  if (rest === '') {
    return { ok: false, reason: 'is not a fully qualified name: it needs at least two labels' };
  }
  const ascii = toAsciiName(rest);
  if (ascii === '') return { ok: false, reason: 'is not a valid hostname' };

  const labels = ascii.split('.');
  const all = wildcard ? ['*', ...labels] : labels;
  if (all.length < 2) {
    return { ok: false, reason: 'is not a fully qualified name: it needs at least two labels' };
  }
  for (const label of labels) {
    if (label.length === 0) return { ok: false, reason: 'has an empty label' };
    if (label.length > 63) {
      return { ok: false, reason: `has a label longer than 63 characters ('${label}')` };
    }
    if (!LABEL.test(label)) {
      return {
        ok: false,
        reason: `has an invalid label '${label}': use a-z, 0-9, '-' and '_', not starting or ending with '-'`,
      };
    }
  }
  // An all-numeric last label is what a mistyped IP address looks like; no TLD is numeric.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) {
    return { ok: false, reason: 'is not a hostname: its last label is all digits' };
  }
  const value = all.join('.');
  if (value.length > MAX_LENGTH) {
    return { ok: false, reason: `is longer than ${MAX_LENGTH} characters` };
  }
  return { ok: true, value };
}

export interface HostnameListResult {
  values: string[];
  /** Reasons for items that are not hostnames, each naming the item. */
  errors: string[];
  /** Things normalising dropped, for a warning. */
  dropped: string[];
}

/** A comma-separated list: items normalised, empty items dropped, duplicates removed. */
export function parseHostnameList(input: string, options?: HostnameOptions): HostnameListResult {
  // A Set in first-seen order: checking the list itself for duplicates made this quadratic
  // (200,000 names took minutes).
  const values = new Set<string>();
  const errors: string[] = [];
  const dropped: string[] = [];
  const items = input.split(',');
  for (let index = 0; index < items.length; index++) {
    const item = (items[index] as string).trim();
    if (item === '') {
      dropped.push(`empty item at position ${index + 1}`);
      continue;
    }
    const result = normalizeHostname(item, options);
    if (!result.ok) errors.push(`'${item}' ${result.reason}`);
    else values.add(result.value);
  }
  return { values: [...values], errors, dropped };
}

/** True when `name` is `domain` or one of its subdomains (both in normal form). */
export function isWithinDomain(name: string, domain: string): boolean {
  // As name.endsWith(`.${domain}`), without building that string: the planner asks this for
  // every name against every zone, and the concatenations were a top allocator at 10k names.
  return (
    name === domain ||
    (name.length > domain.length &&
      name.endsWith(domain) &&
      name.charCodeAt(name.length - domain.length - 1) === 0x2e)
  );
}
