// The annotation contract (shared/spec/annotations.md), row by row.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectKind } from '../kinds.js';
import { MAX_ADDRESSES_PER_NAME, MAX_NAMES_PER_OBJECT, MAX_VALUE_LENGTH } from './limits.js';
import { parseAnnotations } from './parse.js';
import { PREFIX } from './prefix.js';

interface Case {
  name: string;
  /** Keys without the prefix. */
  given: Record<string, string>;
  kind?: ObjectKind;
  headless?: boolean;
  /** Expected normal form of every key of ours, without the prefix; implies no errors. */
  normal?: Record<string, string>;
  errors?: RegExp[];
  warnings?: RegExp[];
}

const full = (short: Record<string, string>) =>
  Object.fromEntries(Object.entries(short).map(([k, v]) => [PREFIX + k, v]));

function check(c: Case) {
  it(c.name, () => {
    const result = parseAnnotations(full(c.given), {
      kind: c.kind ?? 'istio-gateway',
      ...(c.headless !== undefined && { headless: c.headless }),
    });
    const errors = result.errors.map((e) => e.message);
    const warnings = result.warnings.map((w) => w.message);
    if (c.errors) {
      assert.equal(errors.length, c.errors.length, `errors: ${JSON.stringify(errors)}`);
      c.errors.forEach((re, i) => assert.match(errors[i] ?? '', re));
      assert.equal(result.spec, undefined);
    } else {
      assert.deepEqual(errors, []);
      if (c.normal) assert.deepEqual(result.normalised, full(c.normal));
    }
    assert.equal(
      warnings.length,
      (c.warnings ?? []).length,
      `warnings: ${JSON.stringify(warnings)}`,
    );
    (c.warnings ?? []).forEach((re, i) => assert.match(warnings[i] ?? '', re));
  });
}

describe('general rules', () => {
  check({
    name: 'trims surrounding whitespace',
    given: { access: '  public\n' },
    kind: 'service',
    normal: { access: 'public' },
  });
  check({
    name: 'denies an empty value',
    given: { hostname: '   ' },
    errors: [/^hostname: the value is empty: must be a comma-separated list/],
  });
  check({
    name: 'denies an unknown key, suggesting the nearest',
    given: { hostnmae: 'a.example.com' },
    errors: [/^hostnmae: unknown key .*did you mean `hostname`\?/],
  });
  // Keys from external-dns (or guessed from its names) that we do not support: say so, not
  // a list of every key nor a "did you mean" to a key that does something else.
  for (const [key, why] of [
    ['aws-geoproximity-region', /no geoproximity routing/],
    ['aws-geoproximity-bias', /no geoproximity routing/],
    ['aws-hosted-zone-id', /most specific hosted zone/],
    ['record-type', /follows from the targets/],
  ] as const) {
    check({
      name: `denies ${key} as not supported, without a list or a guess`,
      given: { [key]: 'x' },
      errors: [
        new RegExp(`^${key}: not supported by aws-controller: .*${why.source}.*; remove it$`),
      ],
    });
  }
  check({
    name: 'denies an unknown key with no close match, listing the known ones',
    given: { colour: 'blue' },
    errors: [/unknown key .*known keys are controller, hostname/],
  });
  it('admits objects without keys under the prefix untouched', () => {
    const result = parseAnnotations(
      { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      { kind: 'service' },
    );
    assert.deepEqual(result, {
      relevant: false,
      spec: undefined,
      errors: [],
      warnings: [],
      normalised: undefined,
    });
  });
  it('warns about external-dns keys, naming the equivalent', () => {
    const result = parseAnnotations(
      {
        'external-dns.alpha.kubernetes.io/hostname': 'a.example.com',
        'external-dns.kubernetes.io/foo': 'x',
        [PREFIX + 'ttl']: '60',
      },
      { kind: 'service' },
    );
    assert.deepEqual(result.errors, []);
    assert.match(
      result.warnings[0]?.message ?? '',
      /external-dns\.alpha\.kubernetes\.io\/hostname .* use route53\.v1beta1\.tetrate\.io\/hostname instead/,
    );
    assert.match(
      result.warnings[1]?.message ?? '',
      /external-dns\.kubernetes\.io\/foo .* no equivalent/,
    );
  });
});

describe('booleans', () => {
  for (const key of ['alias', 'aws-alias', 'aws-multi-value-answer'] as const) {
    check({
      name: `${key}: accepts TRUE as true`,
      given: { [key]: ' TRUE ' },
      normal: { [key]: 'true' },
      ...(key === 'aws-multi-value-answer' && { errors: [/needs set-identifier/] }),
    });
    check({
      name: `${key}: accepts False as false`,
      given: { [key]: 'False' },
      normal: { [key]: 'false' },
    });
    check({
      name: `${key}: denies yes`,
      given: { [key]: 'yes' },
      errors: [new RegExp(`^${key}: 'yes' is not valid: must be \`true\` or \`false\``)],
    });
  }
});

describe('controller', () => {
  check({
    name: 'lower-cases',
    given: { controller: 'AWS-Controller' },
    normal: { controller: 'aws-controller' },
  });
  check({
    name: 'warns when it names another controller',
    given: { controller: 'other' },
    normal: { controller: 'other' },
    warnings: [/controller: 'other' names another controller/],
  });
  check({
    name: 'denies what is not a DNS-1123 label',
    given: { controller: 'aws_controller' },
    errors: [/controller: 'aws_controller' is not valid: must be a DNS-1123 label/],
  });
  check({
    name: 'denies a label over 63 characters',
    given: { controller: 'a'.repeat(64) },
    errors: [/is not valid/],
  });
});

describe('hostname and internal-hostname', () => {
  check({
    name: 'hostname list in normal form',
    given: { hostname: 'B.Example.com., a.example.com,b.example.com' },
    normal: { hostname: 'b.example.com,a.example.com' },
  });
  check({
    name: 'IDN to punycode',
    given: { hostname: 'bücher.example' },
    normal: { hostname: 'xn--bcher-kva.example' },
  });
  check({
    name: 'empty item dropped with a warning',
    given: { hostname: 'a.example.com,,b.example.com' },
    normal: { hostname: 'a.example.com,b.example.com' },
    warnings: [/hostname: empty item at position 2 was dropped/],
  });
  check({
    name: 'a bad item is denied, naming it',
    given: { hostname: 'a.example.com,www.*.example.com' },
    errors: [/hostname: 'a\.example\.com,www\.\*\.example\.com' 'www\.\*\.example\.com' has '\*'/],
  });
  check({
    name: 'space-separated hostnames: separate with commas',
    given: { hostname: 'a.example.com b.example.com' },
    errors: [
      /^hostname: 'a\.example\.com b\.example\.com' has spaces: separate hostnames with commas$/,
    ],
  });
  check({
    name: 'a URL: remove the scheme',
    given: { hostname: 'https://a.example.com' },
    errors: [/^hostname: 'https:\/\/a\.example\.com' is a URL: remove the scheme https:\/\/$/],
  });
  check({
    name: 'a URL in a list: names the item, and the path too',
    given: { hostname: 'a.example.com,http://b.example.com/x' },
    errors: [/'http:\/\/b\.example\.com\/x' is a URL: remove the scheme http:\/\/ and the path$/],
  });
  check({
    name: 'internal-hostname on a Service',
    given: { 'internal-hostname': 'db.internal.example' },
    kind: 'service',
    normal: { 'internal-hostname': 'db.internal.example' },
  });
  check({
    name: 'internal-hostname warns on other kinds',
    given: { 'internal-hostname': 'db.internal.example' },
    kind: 'ingress',
    normal: { 'internal-hostname': 'db.internal.example' },
    warnings: [/internal-hostname only has an effect on Service/],
  });
});

describe('access and endpoints-type', () => {
  check({
    name: 'access lower-cased',
    given: { access: 'Private' },
    kind: 'service',
    normal: { access: 'private' },
  });
  check({
    name: 'access denies other words',
    given: { access: 'internal' },
    kind: 'service',
    errors: [/access: 'internal' is not valid: must be `public` or `private`/],
  });
  check({
    name: 'access warns off Services',
    given: { access: 'public' },
    kind: 'istio-gateway',
    normal: { access: 'public' },
    warnings: [/only has an effect on Service/],
  });
  check({
    name: 'endpoints-type exact spelling',
    given: { 'endpoints-type': 'nodeexternalip' },
    kind: 'service',
    headless: true,
    normal: { 'endpoints-type': 'NodeExternalIP' },
  });
  check({
    name: 'endpoints-type HostIP',
    given: { 'endpoints-type': 'HOSTIP' },
    kind: 'service',
    headless: true,
    normal: { 'endpoints-type': 'HostIP' },
  });
  check({
    name: 'endpoints-type warns on a Service that is not headless',
    given: { 'endpoints-type': 'HostIP' },
    kind: 'service',
    headless: false,
    normal: { 'endpoints-type': 'HostIP' },
    warnings: [/headless Service/],
  });
  check({
    name: 'endpoints-type warns on other kinds',
    given: { 'endpoints-type': 'HostIP' },
    kind: 'httproute',
    normal: { 'endpoints-type': 'HostIP' },
    warnings: [/only has an effect on Service/],
  });
  check({
    name: 'endpoints-type denies other words',
    given: { 'endpoints-type': 'PodIP' },
    kind: 'service',
    errors: [/is not valid: must be `NodeExternalIP` or `HostIP`/],
  });
});

describe('target', () => {
  check({
    name: 'IPv4 and IPv6 in normal form, duplicates removed',
    given: { target: '192.0.2.1, 2001:DB8:0:0:0:0:0:1,192.0.2.1' },
    normal: { target: '192.0.2.1,2001:db8::1' },
  });
  check({
    name: 'one hostname',
    given: { target: 'LB.Example.com.' },
    normal: { target: 'lb.example.com' },
  });
  check({
    name: 'denies hostnames mixed with IPs',
    given: { target: 'lb.example.com,192.0.2.1' },
    errors: [/target: .* mixes hostnames with IP addresses/],
  });
  check({
    name: 'denies two hostnames',
    given: { target: 'a.example.com,b.example.com' },
    errors: [/more than one hostname/],
  });
  check({
    name: 'denies a wildcard',
    given: { target: '*.example.com' },
    errors: [/neither an IP address nor a hostname: it is a wildcard/],
  });
  check({
    name: 'a URL: remove the scheme',
    given: { target: 'https://lb.example.com' },
    errors: [/^target: 'https:\/\/lb\.example\.com' is a URL: remove the scheme https:\/\/$/],
  });
  check({
    name: 'an IP in a URL: remove the scheme',
    given: { target: 'http://192.0.2.1/' },
    errors: [
      /^target: 'http:\/\/192\.0\.2\.1\/' is a URL: remove the scheme http:\/\/ and the path$/,
    ],
  });
  check({
    name: 'space-separated targets: separate with commas',
    given: { target: '192.0.2.1 192.0.2.2' },
    errors: [/^target: '192\.0\.2\.1 192\.0\.2\.2' has spaces: separate hostnames with commas$/],
  });
  check({
    name: 'warns about an AWS load balancer in a region the alias table does not know',
    given: { target: 'k8s-a-1.xx-nowhere-9.elb.amazonaws.com' },
    normal: { target: 'k8s-a-1.xx-nowhere-9.elb.amazonaws.com' },
    warnings: [/load balancer in xx-nowhere-9.*nothing will be published.*aws-target-hosted-zone/],
  });
  check({
    name: 'no such warning once aws-target-hosted-zone names its zone',
    given: {
      target: 'k8s-a-1.xx-nowhere-9.elb.amazonaws.com',
      'aws-target-hosted-zone': 'ZNEW123',
    },
    normal: {
      target: 'k8s-a-1.xx-nowhere-9.elb.amazonaws.com',
      'aws-target-hosted-zone': 'ZNEW123',
    },
  });
  check({
    name: 'denies a mistyped IP',
    given: { target: '192.0.2.300' },
    errors: [/'192\.0\.2\.300', which is neither/],
  });
});

describe('ttl', () => {
  const normal: [string, string][] = [
    ['60', '60'],
    ['0', '0'],
    ['90s', '90'],
    ['5m', '300'],
    ['1h30m', '5400'],
    ['1H', '3600'],
    ['2147483647', '2147483647'],
  ];
  for (const [given, expected] of normal) {
    check({ name: `${given} → ${expected}`, given: { ttl: given }, normal: { ttl: expected } });
  }
  for (const bad of ['-1', '1.5', '1.5m', '10d', '5ms', 'm', 'soon']) {
    check({
      name: `denies ${bad}`,
      given: { ttl: bad },
      errors: [
        new RegExp(`^ttl: '${bad.replace('.', '\\.')}' is not valid: must be whole seconds`),
      ],
    });
  }
  check({
    name: 'denies out of range',
    given: { ttl: '2147483648' },
    errors: [/ttl: '2147483648' is out of range/],
  });
  check({
    name: 'denies a duration out of range',
    given: { ttl: '600000h' },
    errors: [/is out of range/],
  });
  check({
    name: 'warns when the record is an alias',
    given: { ttl: '60', alias: 'true' },
    normal: { ttl: '60', alias: 'true' },
    warnings: [/ttl: '60' is ignored: the record will be an alias/],
  });
  check({
    name: 'warns when the target is an AWS load balancer',
    given: { ttl: '60', target: 'k8s-x-123.elb.us-east-1.amazonaws.com' },
    normal: { ttl: '60', target: 'k8s-x-123.elb.us-east-1.amazonaws.com' },
    warnings: [/is ignored/],
  });
  check({
    name: 'no warning when alias is turned off',
    given: { ttl: '60', alias: 'false', target: 'k8s-x-123.elb.us-east-1.amazonaws.com' },
    normal: { ttl: '60', alias: 'false', target: 'k8s-x-123.elb.us-east-1.amazonaws.com' },
  });
});

describe('ingress-hostname-source', () => {
  check({
    name: 'lower-cased',
    given: { 'ingress-hostname-source': 'Annotation-Only' },
    normal: { 'ingress-hostname-source': 'annotation-only' },
  });
  check({
    name: 'warns when hostname is ignored',
    given: { 'ingress-hostname-source': 'defined-hosts-only', hostname: 'a.example.com' },
    normal: { hostname: 'a.example.com', 'ingress-hostname-source': 'defined-hosts-only' },
    warnings: [/hostname is ignored because ingress-hostname-source/],
  });
  check({
    name: 'denies other words',
    given: { 'ingress-hostname-source': 'both' },
    errors: [/is not valid: must be `defined-hosts-only` or `annotation-only`/],
  });
});

describe('AWS keys', () => {
  check({
    name: 'set-identifier trimmed, adds weight 1 with a warning',
    given: { 'set-identifier': '  blue ' },
    normal: { 'set-identifier': 'blue', 'aws-weight': '1' },
    warnings: [
      /set-identifier without a routing policy means weighted routing: aws-weight: '1' was added/,
    ],
  });
  check({
    name: 'set-identifier over 128 characters',
    given: { 'set-identifier': 'x'.repeat(129) },
    errors: [/set-identifier: .* is not valid: must be 1 to 128 printable ASCII characters/],
  });
  check({
    name: 'set-identifier with punctuation and an inner space',
    given: { 'set-identifier': 'eu-west-1 / blue #2 (canary)', 'aws-weight': '10' },
    normal: { 'set-identifier': 'eu-west-1 / blue #2 (canary)', 'aws-weight': '10' },
  });
  for (const [what, value, char, position] of [
    ['a tab inside', 'blue\tgreen', 'the control character U\\+0009', 5],
    ['a newline inside', 'blue\ngreen', 'the control character U\\+000A', 5],
    ['NUL', 'blue\u0000', 'the control character U\\+0000', 5],
    ['DEL', 'b\u007flue', 'the control character U\\+007F', 2],
    ['a right-to-left override', 'eulb\u202e', 'the character U\\+202E', 5],
    ['a zero-width space', 'bl\u200bue', 'the character U\\+200B', 3],
    ['a non-ASCII letter', 'café', 'the character U\\+00E9', 4],
  ] as const) {
    check({
      name: `set-identifier with ${what} is denied, the character escaped`,
      given: { 'set-identifier': value, 'aws-weight': '1' },
      errors: [
        new RegExp(
          `^set-identifier: '[^\\x00-\\x1f\\x7f-\\uffff]*' has ${char} at position ${position}: use printable ASCII characters only`,
        ),
      ],
    });
  }
  check({
    name: 'aws-alias agrees with alias',
    given: { alias: 'true', 'aws-alias': 'TRUE' },
    normal: { alias: 'true', 'aws-alias': 'true' },
  });
  check({
    name: 'aws-alias disagrees with alias',
    given: { alias: 'true', 'aws-alias': 'false' },
    errors: [/alias: 'true' and aws-alias: 'false' disagree/],
  });
  check({
    name: 'aws-target-hosted-zone upper-cased, prefix removed',
    given: { 'aws-target-hosted-zone': '/hostedzone/z2fdtndataqyw2', alias: 'true' },
    normal: { alias: 'true', 'aws-target-hosted-zone': 'Z2FDTNDATAQYW2' },
  });
  check({
    name: 'aws-target-hosted-zone warns when not an alias',
    given: { 'aws-target-hosted-zone': 'Z1', target: '192.0.2.1' },
    normal: { target: '192.0.2.1', 'aws-target-hosted-zone': 'Z1' },
    warnings: [/aws-target-hosted-zone: 'Z1' is ignored: the record will not be an alias/],
  });
  check({
    name: 'aws-target-hosted-zone denies other shapes',
    given: { 'aws-target-hosted-zone': 'zone one' },
    errors: [/is not valid: must be a hosted zone ID/],
  });
  check({
    name: 'aws-evaluate-target-health warns when not an alias',
    given: { 'aws-evaluate-target-health': 'true', alias: 'false' },
    normal: { alias: 'false', 'aws-evaluate-target-health': 'true' },
    warnings: [/is ignored: the record will not be an alias/],
  });
  check({
    name: 'aws-weight without leading zeros',
    given: { 'aws-weight': '007', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-weight': '7' },
  });
  check({
    name: 'aws-weight 0 and 255',
    given: { 'aws-weight': '255', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-weight': '255' },
  });
  check({
    name: 'aws-weight 300 out of range',
    given: { 'aws-weight': '300', 'set-identifier': 'a' },
    errors: [/^aws-weight: '300' is out of range: must be an integer from 0 to 255$/],
  });
  check({
    name: 'aws-weight negative',
    given: { 'aws-weight': '-1', 'set-identifier': 'a' },
    errors: [/aws-weight: '-1' is not valid: must be an integer from 0 to 255/],
  });
  check({
    name: 'aws-region lower-cased',
    given: { 'aws-region': 'EU-West-2', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-region': 'eu-west-2' },
  });
  check({
    name: 'aws-region GovCloud',
    given: { 'aws-region': 'us-gov-west-1', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-region': 'us-gov-west-1' },
  });
  check({
    name: 'aws-region unknown but well shaped warns',
    given: { 'aws-region': 'xx-north-9', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-region': 'xx-north-9' },
    warnings: [/'xx-north-9' is not a region this version of aws-controller knows/],
  });
  check({
    name: 'aws-region malformed denied',
    given: { 'aws-region': 'europe', 'set-identifier': 'a' },
    errors: [/aws-region: 'europe' is not valid: must be an AWS region code/],
  });
  check({
    name: 'aws-failover upper-cased',
    given: { 'aws-failover': 'secondary', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-failover': 'SECONDARY' },
  });
  check({
    name: 'aws-failover denies other words',
    given: { 'aws-failover': 'backup', 'set-identifier': 'a' },
    errors: [/must be `PRIMARY` or `SECONDARY`/],
  });
  check({
    name: 'continent upper-cased',
    given: { 'aws-geolocation-continent-code': 'eu', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-geolocation-continent-code': 'EU' },
  });
  check({
    name: 'continent denies unknown',
    given: { 'aws-geolocation-continent-code': 'XX', 'set-identifier': 'a' },
    errors: [/is not valid: must be `AF` or `AN`/],
  });
  check({
    name: 'country upper-cased',
    given: { 'aws-geolocation-country-code': 'de', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-geolocation-country-code': 'DE' },
  });
  check({
    name: 'country * is the default location',
    given: { 'aws-geolocation-country-code': '*', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-geolocation-country-code': '*' },
  });
  check({
    name: 'country not in ISO 3166-1',
    given: { 'aws-geolocation-country-code': 'XX', 'set-identifier': 'a' },
    errors: [/'XX' is not an ISO 3166-1 alpha-2 country code/],
  });
  check({
    name: 'US subdivision',
    given: {
      'aws-geolocation-country-code': 'us',
      'aws-geolocation-subdivision-code': 'ca',
      'set-identifier': 'a',
    },
    normal: {
      'set-identifier': 'a',
      'aws-geolocation-country-code': 'US',
      'aws-geolocation-subdivision-code': 'CA',
    },
  });
  check({
    name: 'US subdivision DC',
    given: {
      'aws-geolocation-country-code': 'US',
      'aws-geolocation-subdivision-code': 'DC',
      'set-identifier': 'a',
    },
    normal: {
      'set-identifier': 'a',
      'aws-geolocation-country-code': 'US',
      'aws-geolocation-subdivision-code': 'DC',
    },
  });
  check({
    name: 'US subdivision unknown denied',
    given: {
      'aws-geolocation-country-code': 'US',
      'aws-geolocation-subdivision-code': 'ZZ',
      'set-identifier': 'a',
    },
    errors: [/'ZZ' is not a US state or DC code/],
  });
  check({
    name: 'subdivision elsewhere warns',
    given: {
      'aws-geolocation-country-code': 'UA',
      'aws-geolocation-subdivision-code': '30',
      'set-identifier': 'a',
    },
    normal: {
      'set-identifier': 'a',
      'aws-geolocation-country-code': 'UA',
      'aws-geolocation-subdivision-code': '30',
    },
    warnings: [/Route 53 supports few subdivisions outside the US/],
  });
  check({
    name: 'health check id lower-cased',
    given: { 'aws-health-check-id': 'ABCDEF01-2345-6789-ABCD-EF0123456789' },
    normal: { 'aws-health-check-id': 'abcdef01-2345-6789-abcd-ef0123456789' },
  });
  check({
    name: 'health check id must be a UUID',
    given: { 'aws-health-check-id': 'hc-1' },
    errors: [/aws-health-check-id: 'hc-1' is not valid: must be a health check ID/],
  });
  check({
    name: 'multi-value answer false is like absent',
    given: { 'aws-multi-value-answer': 'false' },
    normal: { 'aws-multi-value-answer': 'false' },
  });
  check({
    name: 'multi-value answer with set-identifier',
    given: { 'aws-multi-value-answer': 'true', 'set-identifier': 'a' },
    normal: { 'set-identifier': 'a', 'aws-multi-value-answer': 'true' },
  });
  check({
    name: 'same-zone with alias',
    given: { 'same-zone': 'True', alias: 'true', target: 'www.example.com' },
    normal: { target: 'www.example.com', alias: 'true', 'same-zone': 'true' },
  });
  check({
    name: 'same-zone with aws-target-hosted-zone denied',
    given: { 'same-zone': 'true', 'aws-target-hosted-zone': 'Z1' },
    errors: [/same-zone: 'true' and aws-target-hosted-zone cannot both be set/],
  });
  check({
    name: 'same-zone with alias false denied',
    given: { 'same-zone': 'true', alias: 'false' },
    errors: [/same-zone: 'true' needs an alias record/],
  });
});

describe('rules across keys', () => {
  check({
    name: 'two routing policies are denied, naming them',
    given: { 'aws-weight': '1', 'aws-failover': 'PRIMARY', 'set-identifier': 'a' },
    errors: [
      /more than one routing policy is set: weighted \(aws-weight\), failover \(aws-failover\)/,
    ],
  });
  check({
    name: 'geolocation counts as one policy',
    given: {
      'aws-geolocation-country-code': 'US',
      'aws-geolocation-subdivision-code': 'NY',
      'aws-multi-value-answer': 'true',
      'set-identifier': 'a',
    },
    errors: [
      /geolocation \(aws-geolocation-country-code, aws-geolocation-subdivision-code\), multivalue/,
    ],
  });
  for (const [key, value] of [
    ['aws-weight', '10'],
    ['aws-region', 'us-east-1'],
    ['aws-failover', 'PRIMARY'],
    ['aws-geolocation-continent-code', 'EU'],
    ['aws-multi-value-answer', 'true'],
  ] as const) {
    check({
      name: `${key} needs set-identifier`,
      given: { [key]: value },
      errors: [new RegExp(`${key} sets \\w+ routing, which needs set-identifier`)],
    });
  }
  check({
    name: 'continent and country together denied',
    given: {
      'aws-geolocation-continent-code': 'EU',
      'aws-geolocation-country-code': 'DE',
      'set-identifier': 'a',
    },
    errors: [/cannot both be set/],
  });
  check({
    name: 'subdivision needs a country',
    given: { 'aws-geolocation-subdivision-code': 'CA', 'set-identifier': 'a' },
    errors: [/needs aws-geolocation-country-code/],
  });
  check({
    name: 'an invalid weight does not also add weight 1',
    given: { 'aws-weight': '300', 'set-identifier': 'a' },
    errors: [/out of range/],
  });
  check({
    name: 'an invalid set-identifier does not also report it missing',
    given: { 'aws-weight': '3', 'set-identifier': 'x'.repeat(200) },
    errors: [/set-identifier: .* is not valid/],
  });
  check({
    name: 'several errors are all reported',
    given: { 'aws-weight': '300', ttl: '-5', hostnmae: 'a.example.com' },
    errors: [/aws-weight/, /ttl/, /hostnmae/, /needs set-identifier/].slice(0, 3),
  });
});

describe('typed spec', () => {
  it('reads every key into the spec the syncer uses', () => {
    const result = parseAnnotations(
      full({
        hostname: 'a.example.com',
        target: 'dualstack.k8s-x.elb.us-east-1.amazonaws.com',
        alias: 'true',
        'set-identifier': 'east',
        'aws-region': 'us-east-1',
        'aws-evaluate-target-health': 'true',
        'aws-health-check-id': '00000000-0000-0000-0000-000000000001',
        controller: 'aws-controller',
      }),
      { kind: 'istio-gateway' },
    );
    assert.deepEqual(result.spec, {
      controller: 'aws-controller',
      hostnames: ['a.example.com'],
      internalHostnames: [],
      targets: [{ type: 'hostname', value: 'dualstack.k8s-x.elb.us-east-1.amazonaws.com' }],
      alias: true,
      setIdentifier: 'east',
      routing: { type: 'latency', region: 'us-east-1' },
      evaluateTargetHealth: true,
      healthCheckId: '00000000-0000-0000-0000-000000000001',
      sameZone: false,
    });
  });
  it("leaves evaluateTargetHealth out when the key is absent (adoption keeps the record's)", () => {
    const result = parseAnnotations(full({ hostname: 'a.example.com' }), { kind: 'istio-gateway' });
    assert.equal(result.spec !== undefined && 'evaluateTargetHealth' in result.spec, false);
  });
});

describe('limits on the work one object causes', () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}.example.com`).join(',');
  check({
    name: `a hostname list of ${MAX_NAMES_PER_OBJECT} names is admitted`,
    given: { hostname: names(MAX_NAMES_PER_OBJECT) },
    normal: { hostname: names(MAX_NAMES_PER_OBJECT) },
  });
  check({
    name: 'a hostname list over the limit is denied with the count and the limit, not the value',
    given: { hostname: Array.from({ length: 5000 }, (_, i) => `${i}.io`).join(',') },
    errors: [
      new RegExp(
        `^hostname: 5000 names is over the limit of ${MAX_NAMES_PER_OBJECT} names per object$`,
      ),
    ],
  });
  check({
    name: 'empty items count toward the limit too (each would be a warning)',
    given: { 'internal-hostname': `a.example.com${','.repeat(MAX_NAMES_PER_OBJECT)}` },
    kind: 'service',
    errors: [/^internal-hostname: 1001 names is over the limit of 1000 names per object$/],
  });
  check({
    name: 'a target list over the limit is denied',
    given: {
      target: Array.from({ length: 1500 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(','),
    },
    errors: [/^target: 1500 targets is over the limit of 1000 targets per object$/],
  });
  const v4 = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
  const v6 = (n: number) =>
    Array.from({ length: n }, (_, i) => `2001:db8::${(i + 1).toString(16)}`);
  const half = MAX_ADDRESSES_PER_NAME / 2;
  check({
    name: `${MAX_ADDRESSES_PER_NAME} addresses are admitted, of either family`,
    given: { target: [...v4(half), ...v6(half)].join(',') },
    normal: { target: [...v4(half), ...v6(half)].join(',') },
  });
  check({
    name: 'more addresses than one name may carry are denied, the two families counted together',
    given: { target: [...v4(half + 1), ...v6(half)].join(',') },
    errors: [
      new RegExp(
        `^target: ${MAX_ADDRESSES_PER_NAME + 1} addresses is over the limit of ${MAX_ADDRESSES_PER_NAME} addresses per name$`,
      ),
    ],
  });
  check({
    name: 'a value over the length limit is denied before it is read, and not repeated',
    given: { 'set-identifier': 'x'.repeat(MAX_VALUE_LENGTH + 1) },
    errors: [
      new RegExp(
        `^set-identifier: the value is ${MAX_VALUE_LENGTH + 1} characters long, over the limit of ${MAX_VALUE_LENGTH} characters$`,
      ),
    ],
  });
  check({
    name: 'a long invalid value is quoted by its start and length',
    given: { ttl: '9'.repeat(5000) + 'x' },
    errors: [/^ttl: '9{256}…\(5001 characters\)' is not valid/],
  });
  check({
    name: 'a list of bad names names the first ten and counts the rest',
    given: { hostname: Array.from({ length: 25 }, (_, i) => `bad*${i}.example.com`).join(',') },
    errors: [/'bad\*9\.example\.com' has '\*'[^;]*; and 15 more$/],
  });
  it('reports the first ten unknown keys with suggestions and counts the rest', () => {
    const annotations: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) annotations[`${PREFIX}hostnam${i}`] = 'x';
    for (let i = 0; i < 5000; i++) annotations[`external-dns.alpha.kubernetes.io/x${i}`] = 'x';
    const result = parseAnnotations(annotations, { kind: 'service' });
    assert.equal(result.errors.length, 11);
    assert.match(result.errors[0]?.message ?? '', /^hostnam0: unknown key/);
    assert.equal(result.errors[10]?.message, `and 4990 more unknown keys under ${PREFIX}`);
    assert.equal(result.warnings.length, 11);
    assert.equal(result.warnings[10]?.message, 'and 4990 more external-dns annotations');
  });
});
