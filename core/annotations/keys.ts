// The annotation contract in code: one definition per key of shared/spec/annotations.md.
// Cross-key rules live in rules.ts; parse.ts puts both together.
import { KNOWN_REGIONS, REGION_SHAPE } from '../aws/regions.js';
import { normalizeHostname, parseHostnameList } from '../names/hostname.js';
import { ipFamily, normalizeIp } from '../names/ip.js';
import { CLUSTER_VALUE } from './cluster.js';
import { CONTINENT_CODES, COUNTRY_CODES } from './geo.js';
import type { KeyDefinition, Parsed } from './key-definition.js';
import {
  MAX_ADDRESSES_PER_NAME,
  MAX_NAMES_PER_OBJECT,
  countItems,
  listProblems,
} from './limits.js';

export type HostnameSource = 'defined-hosts-only' | 'annotation-only';
export type FailoverRole = 'PRIMARY' | 'SECONDARY';

/** A target in normal form: IP addresses (one family each) or one hostname. */
export type Target =
  { type: 'ip'; family: 4 | 6; value: string } | { type: 'hostname'; value: string };

/** The typed value of each key. */
export interface KeyValues {
  controller: string;
  hostname: string[];
  'internal-hostname': string[];
  access: 'public' | 'private';
  'endpoints-type': 'NodeExternalIP' | 'HostIP';
  target: Target[];
  ttl: number;
  alias: boolean;
  'ingress-hostname-source': HostnameSource;
  'set-identifier': string;
  'aws-alias': boolean;
  'aws-target-hosted-zone': string;
  'aws-evaluate-target-health': boolean;
  'aws-weight': number;
  /** A region code, or `cluster`: the controller's `--cluster-region`. */
  'aws-region': string;
  /** `cluster`: the controller's `--cluster-failover`. */
  'aws-failover': FailoverRole | typeof CLUSTER_VALUE;
  'aws-geolocation-continent-code': string;
  'aws-geolocation-country-code': string;
  'aws-geolocation-subdivision-code': string;
  'aws-multi-value-answer': boolean;
  'aws-health-check-id': string;
  'same-zone': boolean;
}

export type KeyName = keyof KeyValues;
export type Registry = { [K in KeyName]: KeyDefinition<KeyValues[K]> };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });

const booleanKey = (notes: string): KeyDefinition<boolean> => ({
  accepted: '`true` or `false` (any letter case)',
  normalForm: '`true`/`false`',
  notes,
  schema: { type: 'string', pattern: '^(true|false)$' },
  parse: (value) => ok(value.toLowerCase() === 'true'),
  format: (value) => String(value),
});

/** A key whose value is one of a few words, accepted in any case, written in `spellings`. */
function choiceKey<T extends string>(
  spellings: readonly T[],
  normalForm: string,
  notes: string,
  extra: Partial<KeyDefinition<T>> = {},
): KeyDefinition<T> {
  return {
    accepted: spellings.map((s) => `\`${s}\``).join(' or ') + ' (any letter case)',
    normalForm,
    notes,
    schema: { type: 'string', pattern: `^(${spellings.join('|')})$` },
    parse: (value) => {
      const found = spellings.find((s) => s.toLowerCase() === value.toLowerCase());
      return found === undefined ? { ok: false, reason: 'is not an accepted value' } : ok(found);
    },
    format: (value) => value,
    ...extra,
  };
}

const hostnameListKey = (notes: string, extra: Partial<KeyDefinition<string[]>> = {}) =>
  ({
    accepted: 'a comma-separated list of fully qualified hostnames (a first label of `*` allowed)',
    normalForm:
      'lower case, punycode, no trailing dot, duplicates and empty items removed, joined by `,`',
    notes,
    schema: { type: 'string', minLength: 1 },
    parse: (value): Parsed<string[]> => {
      const count = countItems(value);
      if (count > MAX_NAMES_PER_OBJECT) return tooMany(count, 'names');
      const list = parseHostnameList(value);
      if (list.errors.length > 0) {
        // One item: the message quotes the value already, so say only what is wrong with it.
        const single = value.includes(',') ? undefined : normalizeHostname(value);
        if (single?.ok === false) return { ok: false, reason: single.reason };
        return { ok: false, reason: listProblems(list.errors) };
      }
      if (list.values.length === 0) return { ok: false, reason: 'holds no hostname' };
      return { ok: true, value: list.values, dropped: list.dropped };
    },
    format: (value) => value.join(','),
    ...extra,
  }) satisfies KeyDefinition<string[]>;

/** Over the cap, the count alone: the value is neither split nor echoed. */
const tooMany = (count: number, what: string): Parsed<never> => ({
  ok: false,
  reason: `${count} ${what} is over the limit of ${MAX_NAMES_PER_OBJECT} ${what} per object`,
  omitValue: true,
});

function parseTargets(value: string): Parsed<Target[]> {
  const count = countItems(value);
  if (count > MAX_NAMES_PER_OBJECT) return tooMany(count, 'targets');
  const targets: Target[] = [];
  // Values seen, so a duplicate is found without scanning the list (that was quadratic).
  const seen = new Set<string>();
  for (const item of value.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const ip = normalizeIp(item);
    const family = ipFamily(item);
    let target: Target;
    if (ip !== undefined && family !== undefined) {
      target = { type: 'ip', family, value: ip };
    } else {
      const name = normalizeHostname(item, { allowWildcard: false });
      if (!name.ok) {
        // A URL or a space-separated list is a slip of form, not an unknown kind of target:
        // say what to do about it directly.
        const slip = /^(is a URL|has spaces)/.test(name.reason);
        if (slip && !value.includes(',')) return { ok: false, reason: name.reason };
        return {
          ok: false,
          reason: slip
            ? `has '${item}', which ${name.reason}`
            : `has '${item}', which is neither an IP address nor a hostname: it ${name.reason}`,
        };
      }
      target = { type: 'hostname', value: name.value };
    }
    if (!seen.has(target.value)) {
      seen.add(target.value);
      targets.push(target);
    }
  }
  const hostnames = targets.filter((t) => t.type === 'hostname');
  if (targets.length === 0) return { ok: false, reason: 'holds no target' };
  if (hostnames.length > 0 && hostnames.length < targets.length) {
    return {
      ok: false,
      reason: 'mixes hostnames with IP addresses: an A record and a CNAME cannot share a name',
    };
  }
  if (hostnames.length > 1) {
    return {
      ok: false,
      reason: 'has more than one hostname: a CNAME or alias has exactly one target',
    };
  }
  if (targets.length > MAX_ADDRESSES_PER_NAME) {
    return {
      ok: false,
      reason: `${targets.length} addresses is over the limit of ${MAX_ADDRESSES_PER_NAME} addresses per name`,
      omitValue: true,
    };
  }
  return ok(targets);
}

/**
 * Route 53 documents only the length of a SetIdentifier (1 to 128). It travels in XML, where
 * most control characters cannot be written at all, and is shown by kubectl, in logs, Events
 * and the Route 53 console, where an invisible or look-alike character would make two
 * identifiers that look the same differ; in ASCII, 128 characters are also 128 bytes in
 * every count.
 */
const escapeUnprintable = (value: string): string =>
  value.replace(
    /[^\x20-\x7e]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`,
  );

function parseSetIdentifier(value: string): Parsed<string> {
  const bad = /[^\x20-\x7e]/u.exec(value);
  if (bad === null) return ok(value);
  const code = bad[0].codePointAt(0) ?? 0;
  const what = code < 0x20 || code === 0x7f ? 'the control character' : 'the character';
  const unicode = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    ok: false,
    // Escaped, so the character itself stays out of the message.
    reason: `'${escapeUnprintable(value)}' has ${what} ${unicode} at position ${bad.index + 1}: use printable ASCII characters only (letters, digits, punctuation and space)`,
    omitValue: true,
  };
}

const TTL_MAX = 2147483647;
const TTL_ACCEPTED = `whole seconds from 0 to ${TTL_MAX}, or a duration of h, m and s parts (\`90s\`, \`5m\`, \`1h30m\`)`;

function parseTtl(value: string): Parsed<number> {
  let seconds: number;
  if (/^[0-9]+$/.test(value)) {
    seconds = Number(value);
  } else {
    const match = /^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/i.exec(value);
    if (match === null || value === '')
      return { ok: false, reason: `is not valid: must be ${TTL_ACCEPTED}` };
    const [, h = '0', m = '0', s = '0'] = match;
    seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
  }
  if (!Number.isSafeInteger(seconds) || seconds > TTL_MAX) {
    return { ok: false, reason: `is out of range: must be at most ${TTL_MAX} seconds` };
  }
  return ok(seconds);
}

function parseIntegerInRange(min: number, max: number) {
  return (value: string): Parsed<number> => {
    const n = Number(value);
    if (n < min || n > max) {
      return { ok: false, reason: `is out of range: must be an integer from ${min} to ${max}` };
    }
    return ok(n);
  };
}

export const REGISTRY: Registry = {
  controller: {
    accepted: 'a DNS-1123 label (a-z, 0-9 and `-`, at most 63 characters)',
    normalForm: 'lower case',
    notes:
      'The syncer acts only on objects whose value is absent or equals its own controller name (default `aws-controller`). Warns when the value names another controller.',
    schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    parse: (value) => ok(value.toLowerCase()),
    format: (value) => value,
  },
  hostname: hostnameListKey("Names to publish, added to those the object's spec defines."),
  'internal-hostname': hostnameListKey('Service only: names that resolve to the ClusterIP.', {
    kinds: ['service'],
  }),
  access: choiceKey(
    ['public', 'private'],
    'lower case',
    'Service only: which node address a NodePort Service publishes.',
    {
      kinds: ['service'],
    },
  ),
  'endpoints-type': choiceKey(
    ['NodeExternalIP', 'HostIP'],
    'exactly `NodeExternalIP` or `HostIP`',
    'Headless Service only.',
    { kinds: ['service'] },
  ),
  target: {
    accepted:
      'a comma-separated list of IPv4 addresses, IPv6 addresses, or one hostname (no wildcard)',
    normalForm: 'IPv4 dotted; IPv6 in RFC 5952 form; hostnames as in Names; duplicates removed',
    notes:
      'Overrides the derived targets. Hostnames and IPs cannot be mixed (A and CNAME cannot share a name); at most one hostname (a CNAME or alias has one target).',
    schema: { type: 'string', minLength: 1 },
    parse: parseTargets,
    format: (value) => value.map((t) => t.value).join(','),
  },
  ttl: {
    accepted: TTL_ACCEPTED,
    normalForm: 'whole seconds as a decimal string (`5m` → `300`)',
    notes:
      'Default 300 when absent. Warns when the record will be an alias (alias records have no TTL).',
    schema: { type: 'string', pattern: '^([0-9]+|([0-9]+h)?([0-9]+m)?([0-9]+s)?)$' },
    parse: parseTtl,
    format: (value) => String(value),
  },
  alias: booleanKey(
    '`true`: an alias A record (and AAAA where the target has IPv6) instead of a CNAME. `false`: never alias. Absent: alias when the target is a known AWS load balancer, CloudFront or Global Accelerator hostname, else CNAME.',
  ),
  'ingress-hostname-source': choiceKey(
    ['defined-hosts-only', 'annotation-only'],
    'lower case',
    "Which names count: only those in the object's spec, or only the `hostname` annotation. Absent: both. Warns when `hostname` is set with `defined-hosts-only`.",
  ),
  'set-identifier': {
    accepted: '1 to 128 printable ASCII characters (letters, digits, punctuation, space)',
    normalForm: 'trimmed',
    notes:
      'Required by every routing policy. Alone, it means weighted routing with weight 1 (the mutating webhook adds `aws-weight: "1"`).',
    schema: { type: 'string', minLength: 1, maxLength: 128 },
    parse: parseSetIdentifier,
    format: (value) => value,
  },
  'aws-alias': booleanKey('Same meaning as `alias`. Denied when both are set and disagree.'),
  'aws-target-hosted-zone': {
    accepted: 'a hosted zone ID such as `Z35SXDOTRQ7X7K`, optionally prefixed `/hostedzone/`',
    normalForm: 'upper case, prefix removed',
    notes:
      "The alias target's hosted zone, for targets not in the built-in table. Warns when the record is not an alias.",
    schema: { type: 'string', pattern: '^(/hostedzone/)?[a-z0-9]{1,32}$' },
    parse: (value) => ok(value.replace(/^\/hostedzone\//i, '').toUpperCase()),
    format: (value) => value,
  },
  'aws-evaluate-target-health': booleanKey(
    'Default `false`. Warns when the record is not an alias.',
  ),
  'aws-weight': {
    accepted: 'an integer from 0 to 255',
    normalForm: 'decimal, no leading zeros',
    notes: 'Weighted routing.',
    schema: { type: 'string', pattern: '^[0-9]{1,10}$' },
    parse: parseIntegerInRange(0, 255),
    format: (value) => String(value),
  },
  'aws-region': {
    accepted:
      "an AWS region code such as `us-east-1` or `eu-west-2`, or `cluster` (the controller's `--cluster-region`)",
    normalForm: 'lower case',
    notes:
      'Latency routing. Warns for a well-shaped code this version does not know. `cluster` stands for the region of the cluster the controller runs in (chart `cluster.region`), so one manifest serves every cluster; denied where none is configured.',
    schema: { type: 'string', pattern: `^(${CLUSTER_VALUE}|${REGION_SHAPE.source.slice(1, -1)})$` },
    parse: (value) => {
      const region = value.toLowerCase();
      return region === CLUSTER_VALUE || KNOWN_REGIONS.has(region)
        ? ok(region)
        : {
            ok: true,
            value: region,
            warnings: [`'${region}' is not a region this version of aws-controller knows`],
          };
    },
    format: (value) => value,
  },
  'aws-failover': {
    accepted:
      "`PRIMARY` or `SECONDARY` (any letter case), or `cluster` (the controller's `--cluster-failover`)",
    normalForm: 'upper case; `cluster` lower case',
    notes:
      'Failover routing. `cluster` stands for the role of the cluster the controller runs in (chart `cluster.failover`), so one manifest serves the primary and the secondary cluster; denied where none is configured.',
    schema: { type: 'string', pattern: `^(PRIMARY|SECONDARY|${CLUSTER_VALUE})$` },
    parse: (value) => {
      const upper = value.toUpperCase();
      if (upper === 'PRIMARY' || upper === 'SECONDARY') return ok(upper);
      return value.toLowerCase() === CLUSTER_VALUE
        ? ok(CLUSTER_VALUE)
        : { ok: false, reason: 'is not an accepted value' };
    },
    format: (value) => value,
  },
  'aws-geolocation-continent-code': choiceKey(
    CONTINENT_CODES,
    'upper case',
    'Geolocation routing.',
  ),
  'aws-geolocation-country-code': {
    accepted: 'an ISO 3166-1 alpha-2 country code, or `*` for the default location',
    normalForm: 'upper case',
    notes: 'Geolocation routing. Not together with a continent code.',
    schema: { type: 'string', pattern: '^([a-z]{2}|\\*)$' },
    parse: (value) => {
      const code = value.toUpperCase();
      return code === '*' || COUNTRY_CODES.has(code)
        ? ok(code)
        : { ok: false, reason: 'is not an ISO 3166-1 alpha-2 country code' };
    },
    format: (value) => value,
  },
  'aws-geolocation-subdivision-code': {
    accepted: 'a subdivision code of one to three letters or digits, such as `CA` for California',
    normalForm: 'upper case',
    notes:
      'Requires `aws-geolocation-country-code`. For `US`, a state or DC code; other countries are warned about (Route 53 supports few).',
    schema: { type: 'string', pattern: '^[a-z0-9]{1,3}$' },
    parse: (value) => ok(value.toUpperCase()),
    format: (value) => value,
  },
  'aws-multi-value-answer': booleanKey(
    '`true` is multivalue-answer routing; `false` is the same as absent.',
  ),
  'aws-health-check-id': {
    accepted: 'a health check ID (a UUID)',
    normalForm: 'lower case',
    notes: 'Attached to the record; goes with any routing policy.',
    schema: {
      type: 'string',
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    },
    parse: (value) => ok(value.toLowerCase()),
    format: (value) => value,
  },
  'same-zone': booleanKey(
    '`true`: the alias target is a record in the same hosted zone (for example an apex alias to `www`). Requires an alias; not together with `aws-target-hosted-zone`.',
  ),
};

export const KEY_NAMES = Object.keys(REGISTRY) as KeyName[];

export function isKeyName(name: string): name is KeyName {
  return Object.hasOwn(REGISTRY, name);
}
