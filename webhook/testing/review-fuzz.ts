// Generated HTTP requests for the webhook fuzz test: well-formed AdmissionReviews of every kind
// the contract covers (and some it does not), then the same reviews damaged the ways a broken
// client, a proxy or an attacker would damage them — wrong types, missing fields, huge strings,
// deep nesting, bytes that are not UTF-8, wrong content types and encodings, truncated JSON,
// unknown kinds and operations, annotation maps with odd keys — and bodies that were never a
// review at all.
import { constants, createDeflate, createGzip, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { KEY_NAMES } from '../../core/annotations/keys.js';
import { PREFIX } from '../../core/annotations/prefix.js';
import { KINDS } from '../../core/kinds.js';

export interface FuzzRequest {
  readonly path: string;
  /** undefined: no Content-Type header at all. */
  readonly contentType: string | undefined;
  readonly contentEncoding?: string;
  readonly body: Buffer;
  /** What was done to it, for the failure message. */
  readonly label: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// A string value replaced in the serialised body by bytes JSON.stringify cannot produce
// (deep nesting, invalid UTF-8): the marker is unique enough never to be generated.
const SPLICE = '\u0001splice\u0001';
const SPLICE_JSON = JSON.stringify(SPLICE);

const hostArb = fc.oneof(
  fc.constantFrom(
    'bookinfo.example.com',
    'Reviews.Example.COM.',
    '*.apps.example.com',
    '*',
    'bookinfo/reviews.example.com',
    './ratings.example.com',
    '*/any.example.com',
    'xn--bcher-kva.example.com',
    'bücher.example.com',
    'a..b.example.com',
    '',
  ),
  fc.domain(),
  fc.string({ maxLength: 70 }),
);

const annotationValueArb = fc.oneof(
  fc.constantFrom(
    'a.example.com',
    'A.Example.COM., b.example.com',
    '*.apps.example.com',
    '300',
    '5m',
    '1h30m',
    '-1',
    '2147483648',
    'true',
    'FALSE',
    'PRIMARY',
    'secondary',
    'us-east-1',
    'eu-west-9',
    '203.0.113.10',
    '203.0.113.10,2001:db8::1',
    '010.0.0.1',
    'lb-1.us-east-1.elb.amazonaws.com',
    'dualstack.lb-1.eu-west-1.elb.amazonaws.com',
    'Z35SXDOTRQ7X7K',
    '/hostedzone/z1',
    '255',
    '256',
    '050',
    'NodeExternalIP',
    'public',
    'defined-hosts-only',
    'annotation-only',
    'aws-controller',
    'EU',
    'DE',
    ',,,',
    ' ',
    '',
  ),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.domain(),
);

const annotationKeyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEY_NAMES).map((k) => `${PREFIX}${k}`) },
  { weight: 1, arbitrary: fc.constantFrom(...KEY_NAMES).map((k) => `${PREFIX}${k}`.toUpperCase()) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `${PREFIX}${s}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      PREFIX,
      `${PREFIX}/`,
      `${PREFIX}ttl `,
      ` ${PREFIX}ttl`,
      `${PREFIX}ttl\n`,
      `${PREFIX}tt\u0000l`,
      `${PREFIX}hostnmae`,
      'route53.v1beta1.tetrate.io',
      'route53.v1alpha1.tetrate.io/hostname',
      'external-dns.alpha.kubernetes.io/hostname',
      'external-dns.alpha.kubernetes.io/ttl',
      'kubectl.kubernetes.io/last-applied-configuration',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

const annotationsArb: Arbitrary<Record<string, string>> = fc
  .array(fc.tuple(annotationKeyArb, annotationValueArb), { maxLength: 12 })
  .map((pairs) => {
    // defineProperty keeps `__proto__` an own key, as JSON.parse on the server will.
    const out: Record<string, string> = {};
    for (const [k, v] of pairs) {
      Object.defineProperty(out, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  });

const kindArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(...KINDS).map((k) => ({
      group: k.group,
      version: k.versions[0] ?? 'v1',
      kind: k.k8sKind,
    })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      group: fc.constantFrom('', 'apps', 'networking.istio.io', 'example.com'),
      version: fc.constantFrom('v1', 'v2', 'v1alpha1', ''),
      kind: fc.constantFrom('Deployment', 'ConfigMap', 'DestinationRule', 'Gateway', 'gateway', ''),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ group: fc.string(), version: fc.string(), kind: fc.string() }),
  },
);

function specFor(kind: string, hosts: string[], port: number): Json {
  switch (kind) {
    case 'VirtualService':
      return { hosts, gateways: ['istio-system/main'], http: [{ route: [] }] };
    case 'Service':
      return { type: 'LoadBalancer', selector: { istio: 'ingressgateway' }, ports: [{ port }] };
    case 'Ingress':
      return {
        rules: hosts.map((host) => ({ host })),
        tls: [{ hosts: hosts.slice(0, 1) }],
      };
    case 'HTTPRoute':
      return { hostnames: hosts, parentRefs: [{ name: 'main' }] };
    default:
      return {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts }],
        listeners: hosts.map((hostname) => ({ name: 'l', hostname, port, protocol: 'HTTP' })),
      };
  }
}

const objectArb = (kind: { group: string; version: string; kind: string }): Arbitrary<Json> =>
  fc
    .record({
      name: fc.oneof(fc.constantFrom('bookinfo-gateway', 'web', 'a'), fc.string({ maxLength: 70 })),
      namespace: fc.constantFrom('bookinfo', 'istio-system', 'default', ''),
      annotations: annotationsArb,
      hosts: fc.array(hostArb, { maxLength: 6 }),
      port: fc.integer({ min: -1, max: 70_000 }),
      withStatus: fc.boolean(),
      lb: fc.constantFrom<{ [key: string]: Json }>(
        { ip: '203.0.113.10' },
        { hostname: 'lb-1.us-east-1.elb.amazonaws.com' },
        { ip: '2001:db8::1' },
        {},
      ),
    })
    .map(({ name, namespace, annotations, hosts, port, withStatus, lb }): Json => ({
      apiVersion: kind.group === '' ? kind.version : `${kind.group}/${kind.version}`,
      kind: kind.kind,
      metadata: {
        name,
        namespace,
        uid: '2c8ad7b1-0c1f-4b5e-9a39-1f2f4d0d6a01',
        creationTimestamp: '2026-11-25T10:00:00Z',
        annotations: annotations as { [key: string]: Json },
      },
      spec: specFor(kind.kind, hosts, port),
      ...(withStatus ? { status: { loadBalancer: { ingress: [lb] } } } : {}),
    }));

/** A well-formed AdmissionReview (the webhook should answer 200 to all of these). */
export const reviewArb: Arbitrary<{ [key: string]: Json }> = kindArb.chain((kind) =>
  fc
    .record({
      apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
      uid: fc.uuid(),
      operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
      object: objectArb(kind),
      oldObject: fc.option(objectArb(kind), { nil: null }),
      dryRun: fc.boolean(),
    })
    .map(({ apiVersion, uid, operation, object, oldObject, dryRun }) => ({
      apiVersion,
      kind: 'AdmissionReview',
      request: {
        uid,
        kind,
        resource: { group: kind.group, version: kind.version, resource: 'gateways' },
        requestKind: kind,
        operation,
        namespace: 'bookinfo',
        name: 'bookinfo-gateway',
        userInfo: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
        object: operation === 'DELETE' ? null : object,
        oldObject:
          operation === 'UPDATE' ? (oldObject ?? object) : operation === 'DELETE' ? object : null,
        dryRun,
        options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      },
    })),
);

/** Every path to a value inside a JSON value, root excluded. */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      pathsOf(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key]);
      pathsOf(value[key] as Json, [...prefix, key], out);
    }
  }
  return out;
}

/** A copy with the value at `path` replaced (undefined: removed). */
function withAt(root: Json, path: readonly (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(root)) {
    const copy = [...root];
    if (value === undefined && rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = withAt(copy[Number(head)] as Json, rest, value);
    return copy;
  }
  if (root !== null && typeof root === 'object') {
    const copy: { [key: string]: Json } = {};
    for (const key of Object.keys(root)) {
      Object.defineProperty(copy, key, {
        value: root[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (value === undefined && rest.length === 0) delete copy[String(head)];
    else {
      Object.defineProperty(copy, String(head), {
        value: withAt(copy[String(head)] as Json, rest, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return root;
}

const wrongValueArb: Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, '', [], {}, [null], { '': '' }),
  fc.integer().map((n): Json => n),
  fc.string({ unit: 'binary', maxLength: 50 }).map((s): Json => s),
  fc.jsonValue({ maxDepth: 3 }).map((v) => v as Json),
);

type Mutation = (review: Json) => { value: Json; splice?: Buffer; label: string };

const pathPick = fc.nat();
const pick = <T>(list: readonly T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];

// Paths worth hitting more often than a uniform pick would: where the webhook reads.
const HOT_PATHS: (string | number)[][] = [
  ['apiVersion'],
  ['kind'],
  ['request'],
  ['request', 'uid'],
  ['request', 'kind'],
  ['request', 'kind', 'kind'],
  ['request', 'operation'],
  ['request', 'object'],
  ['request', 'object', 'kind'],
  ['request', 'object', 'apiVersion'],
  ['request', 'object', 'metadata'],
  ['request', 'object', 'metadata', 'annotations'],
  ['request', 'object', 'metadata', 'name'],
  ['request', 'object', 'spec'],
  ['request', 'object', 'spec', 'servers'],
  ['request', 'object', 'spec', 'hosts'],
  ['request', 'oldObject'],
  ['request', 'dryRun'],
];

const wrongTypeAt = (hot: boolean) =>
  fc.tuple(pathPick, wrongValueArb).map(([n, value]): Mutation => (review) => {
    const path = hot ? pick(HOT_PATHS, n) : pick(pathsOf(review), n);
    if (path === undefined) return { value: review, label: 'no path' };
    return { value: withAt(review, path, value), label: `set ${path.join('.')}` };
  });

const mutationArb: Arbitrary<Mutation> = fc.oneof(
  // A wrong type where the webhook reads (more often), or anywhere.
  { weight: 6, arbitrary: wrongTypeAt(true) },
  { weight: 2, arbitrary: wrongTypeAt(false) },
  // A field removed.
  fc.tuple(pathPick, fc.boolean()).map(([n, hot]): Mutation => (review) => {
    const path = hot ? pick(HOT_PATHS, n) : pick(pathsOf(review), n);
    if (path === undefined) return { value: review, label: 'no path' };
    return { value: withAt(review, path, undefined), label: `delete ${path.join('.')}` };
  }),
  // Unknown operations and kinds.
  fc
    .tuple(
      fc.constantFrom('PATCH', 'create', 'Delete', '', 'CREATE ', 'CONNECT\u0000'),
      fc.string({ maxLength: 30 }),
    )
    .map(([operation, kind]): Mutation => (review) => ({
      value: withAt(
        withAt(review, ['request', 'operation'], operation),
        ['request', 'object', 'kind'],
        kind,
      ),
      label: `operation ${JSON.stringify(operation)}, object kind ${JSON.stringify(kind)}`,
    })),
  // A huge string: in an annotation, a name or a host (up to a little under the 6 MiB limit).
  fc
    .tuple(
      fc.constantFrom<(string | number)[]>(
        ['request', 'object', 'metadata', 'annotations', `${PREFIX}hostname`],
        ['request', 'object', 'metadata', 'annotations', `${PREFIX}ttl`],
        ['request', 'object', 'metadata', 'annotations', 'x'],
        ['request', 'object', 'metadata', 'name'],
        ['request', 'uid'],
      ),
      fc.constantFrom(4_096, 65_536, 1 << 20, 5 << 20),
      fc.constantFrom('a', '.', 'é', '\u{1F600}', ','),
    )
    .map(([path, length, unit]): Mutation => (review) => ({
      value: withAt(review, path, unit.repeat(Math.ceil(length / unit.length))),
      label: `${length}-character string at ${path.join('.')}`,
    })),
  // A huge annotation key, under our prefix (an unknown key: the webhook suggests the nearest
  // known one) or not. The apiserver checks key length only after mutating webhooks ran.
  fc
    .tuple(
      fc.constantFrom(PREFIX, 'example.com/', ''),
      fc.constantFrom(300, 65_536, 1 << 20),
      fc.nat(),
    )
    .map(([prefix, length, n]): Mutation => (review) => ({
      value: withAt(
        review,
        ['request', 'object', 'metadata', 'annotations', `${prefix}${'k'.repeat(length)}${n}`],
        '1',
      ),
      label: `${length}-character annotation key under '${prefix}'`,
    })),
  // Deep nesting where the webhook walks (spec, annotations) and where it does not.
  fc
    .tuple(
      fc.constantFrom<(string | number)[]>(
        ['request', 'object', 'spec'],
        ['request', 'object', 'spec', 'servers'],
        ['request', 'object', 'metadata', 'annotations'],
        ['request', 'object', 'metadata', 'labels'],
        ['request', 'object'],
        ['request', 'oldObject'],
      ),
      fc.constantFrom(100, 5_000, 100_000),
      fc.boolean(),
    )
    .map(([path, depth, arrays]): Mutation => (review) => ({
      value: withAt(review, path, SPLICE),
      splice: Buffer.from(
        arrays
          ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
          : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      ),
      label: `${arrays ? 'arrays' : 'objects'} nested ${depth} deep at ${path.join('.')}`,
    })),
  // Bytes that are not UTF-8 inside a string the webhook reads.
  fc
    .tuple(
      fc.constantFrom<(string | number)[]>(
        ['request', 'object', 'metadata', 'annotations', `${PREFIX}hostname`],
        ['request', 'object', 'metadata', 'name'],
        ['request', 'uid'],
        ['request', 'object', 'spec', 'servers', 0, 'hosts', 0],
      ),
      fc.constantFrom(
        [0xff],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xc0, 0xaf],
        [0x80],
      ),
    )
    .map(([path, bytes]): Mutation => (review) => ({
      value: withAt(review, path, SPLICE),
      splice: Buffer.concat([Buffer.from('"a'), Buffer.from(bytes), Buffer.from('b"')]),
      label: `bytes ${bytes.map((b) => b.toString(16)).join(' ')} in ${path.join('.')}`,
    })),
  // Annotations that are not a map of strings.
  fc
    .constantFrom<Json>([], 'hostname=a.example.com', 7, null, [['a', 'b']], { a: { b: 'c' } })
    .map((value): Mutation => (review) => ({
      value: withAt(review, ['request', 'object', 'metadata', 'annotations'], value),
      label: `annotations ${JSON.stringify(value)}`,
    })),
);

function serialise(value: Json, splice: Buffer | undefined): Buffer {
  const text = Buffer.from(JSON.stringify(value));
  if (splice === undefined) return text;
  const at = text.indexOf(SPLICE_JSON);
  if (at < 0) return text;
  return Buffer.concat([
    text.subarray(0, at),
    splice,
    text.subarray(at + Buffer.byteLength(SPLICE_JSON)),
  ]);
}

type BodyDamage = (body: Buffer) => { body: Buffer; label: string };

const bodyDamageArb: Arbitrary<BodyDamage> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<BodyDamage>((body) => ({ body, label: '' })) },
  {
    weight: 2,
    arbitrary: fc.nat().map<BodyDamage>((n) => (body) => {
      const at = body.length === 0 ? 0 : n % body.length;
      return { body: body.subarray(0, at), label: `truncated at ${at} of ${body.length} bytes` };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map<BodyDamage>(([n, byte]) => (body) => {
        const copy = Buffer.from(body);
        const at = copy.length === 0 ? 0 : n % copy.length;
        if (copy.length > 0) copy[at] = byte;
        return { body: copy, label: `byte ${at} set to ${byte.toString(16)}` };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from([0xfe, 0xff]),
        Buffer.from(' \n\t'),
        Buffer.from('\u0000'),
      )
      .map<BodyDamage>((prefix) => (body) => ({
        body: Buffer.concat([prefix, body]),
        label: `prefixed with ${prefix.toString('hex')}`,
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<BodyDamage>((body) => ({
      body: Buffer.from(body.toString('latin1').replace('"uid":', '"uid":"dup","uid":'), 'latin1'),
      label: 'duplicate uid key',
    })),
  },
);

const contentTypeArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | undefined>(
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'APPLICATION/JSON',
      'application/json;charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=nonsense',
      'application/json; boundary=x; x=y',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/merge-patch+json',
      'application/jsonx',
      'application/*',
      '*/*',
      '',
      ';;;',
      undefined,
    ),
  },
);

const encodingArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', '') },
);

const pathArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('/validate', '/mutate') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/validate?timeout=10s',
      '/mutate/',
      '/VALIDATE',
      '/',
      '/readyz',
      '/validate/../mutate',
      '/%ff',
      '/unknown',
    ),
  },
);

/** A well-formed review, then 0–3 mutations and maybe damage to its bytes and headers. */
export const mutatedRequestArb: Arbitrary<FuzzRequest> = fc
  .record({
    review: reviewArb,
    mutations: fc.array(mutationArb, { maxLength: 3 }),
    damage: bodyDamageArb,
    path: pathArb,
    contentType: contentTypeArb,
    contentEncoding: encodingArb,
  })
  .map(({ review, mutations, damage, path, contentType, contentEncoding }) => {
    let value: Json = review;
    let splice: Buffer | undefined;
    const labels: string[] = [];
    for (const mutation of mutations) {
      const result = mutation(value);
      value = result.value;
      if (result.splice !== undefined) splice = result.splice;
      labels.push(result.label);
    }
    const damaged = damage(serialise(value, splice));
    if (damaged.label !== '') labels.push(damaged.label);
    return {
      path,
      contentType,
      ...(contentEncoding !== undefined && { contentEncoding }),
      body: damaged.body,
      label: labels.join('; ') || 'unchanged review',
    };
  });

/** Bodies that never were a review: random JSON, random bytes, nothing. */
export const randomRequestArb: Arbitrary<FuzzRequest> = fc
  .record({
    body: fc.oneof(
      fc
        .jsonValue({ maxDepth: 4 })
        .map((v) => ({ body: Buffer.from(JSON.stringify(v) ?? 'null'), label: 'random JSON' })),
      fc
        .uint8Array({ maxLength: 512 })
        .map((b) => ({ body: Buffer.from(b), label: 'random bytes' })),
      fc
        .constantFrom('', 'null', '""', '[]', '{}', '0', '{"apiVersion":"admission.k8s.io/v1"}')
        .map((s) => ({
          body: Buffer.from(s),
          label: `body ${JSON.stringify(s)}`,
        })),
    ),
    path: pathArb,
    contentType: contentTypeArb,
  })
  .map(({ body, path, contentType }) => ({ path, contentType, ...body }));

/** What a request's body says its uid and apiVersion are, if it is readable JSON. */
export function sentIdentity(body: Buffer): { uid?: unknown; apiVersion?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      apiVersion?: unknown;
      request?: { uid?: unknown };
    };
    return { uid: parsed.request?.uid, apiVersion: parsed.apiVersion };
  } catch {
    return undefined;
  }
}

/**
 * `size` bytes of a JSON string, compressed as `encoding` without holding them: a stream of
 * one repeated chunk, at the best ratio (about 1000:1, so 256 MiB become some 256 KiB).
 */
export async function compressedBomb(
  encoding: 'gzip' | 'deflate',
  size: number,
  chunk: Buffer = Buffer.alloc(1024 * 1024, 'a'),
): Promise<Buffer> {
  const stream =
    encoding === 'gzip'
      ? createGzip({ level: constants.Z_BEST_COMPRESSION })
      : createDeflate({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  stream.write('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","padding":"');
  for (let written = 0; written < size; written += chunk.length) {
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  stream.end('"}');
  await ended;
  return Buffer.concat(out);
}

/** What the webhook must answer to a hostile request: a 413, or a denial matching `message`. */
export type HostileExpectation = { status: 413 } | { status: 200; denied: RegExp };

export interface HostileRequest extends FuzzRequest {
  readonly expect: HostileExpectation;
}

/** A CREATE AdmissionReview (v1) of `object` in namespace `tenant`, as bytes. */
export const hostileReview = (
  kind: { group: string; version: string; kind: string },
  object: Record<string, unknown>,
  uid: string,
): Buffer =>
  Buffer.from(
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid, kind, operation: 'CREATE', namespace: 'tenant', object },
    }),
  );

export const ISTIO_GATEWAY = { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' };
const API_GATEWAY = { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' };

const istioGatewayWith = (annotations: Record<string, string>) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'hostile', namespace: 'tenant', annotations },
  spec: { selector: { istio: 'ingressgateway' }, servers: [] },
});

/** `n` distinct names of a dozen characters each. */
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}.example.com`);

/**
 * The inputs that blocked the webhook before its work per object was bounded (issue 10): each
 * must be answered — denied with the limit, or 413 — and never hold up a small request sent
 * alongside. `path` is /validate; /mutate must cope with the same bodies (see the fuzz test).
 */
export async function hostileRequests(): Promise<HostileRequest[]> {
  const json = 'application/json';
  const manyNames = names(200_000).join(',');
  // Names just under the body limit once inflated: small on the wire, all of it parsed.
  const fiveMiBOfNames = names(250_000).join(',');
  const apiGateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'hostile', namespace: 'tenant', annotations: { [`${PREFIX}ttl`]: '60' } },
    spec: {
      gatewayClassName: 'istio',
      listeners: names(15_000).map((hostname, i) => ({
        name: `l${i}`,
        hostname,
        port: 443,
        protocol: 'HTTPS',
      })),
    },
  };
  return [
    {
      label: '200,000 names in one hostname annotation (2.8 MB)',
      path: '/validate',
      contentType: json,
      body: hostileReview(
        ISTIO_GATEWAY,
        istioGatewayWith({ [`${PREFIX}hostname`]: manyNames }),
        'h-1',
      ),
      expect: { status: 200, denied: /hostname: the value is \d+ characters long, over the limit/ },
    },
    {
      label: '4.8 MB of names, gzip (tens of KiB on the wire)',
      path: '/validate',
      contentType: json,
      contentEncoding: 'gzip',
      body: gzipSync(
        hostileReview(
          ISTIO_GATEWAY,
          istioGatewayWith({ [`${PREFIX}hostname`]: fiveMiBOfNames }),
          'h-2',
        ),
        { level: 9 },
      ),
      expect: { status: 200, denied: /hostname: the value is \d+ characters long, over the limit/ },
    },
    {
      label: '5,000 short names (under the length limit, over the names limit)',
      path: '/validate',
      contentType: json,
      body: hostileReview(
        ISTIO_GATEWAY,
        istioGatewayWith({
          [`${PREFIX}hostname`]: Array.from({ length: 5000 }, (_, i) => `${i}.io`).join(','),
        }),
        'h-3',
      ),
      expect: { status: 200, denied: /hostname: 5000 names is over the limit of \d+ names/ },
    },
    {
      label: 'a gzip bomb: 64 MiB inflated',
      path: '/validate',
      contentType: json,
      contentEncoding: 'gzip',
      body: await compressedBomb('gzip', 64 * 1024 * 1024),
      expect: { status: 413 },
    },
    {
      label: 'a deflate bomb: 64 MiB inflated',
      path: '/mutate',
      contentType: json,
      contentEncoding: 'deflate',
      body: await compressedBomb('deflate', 64 * 1024 * 1024),
      expect: { status: 413 },
    },
    {
      label: 'a Gateway API Gateway of 15,000 listeners',
      path: '/validate',
      contentType: json,
      body: hostileReview(API_GATEWAY, apiGateway, 'h-4'),
      expect: { status: 200, denied: /spec: 15000 names \(listeners\) is over the limit/ },
    },
    {
      label: 'a 5 MiB set-identifier',
      path: '/validate',
      contentType: json,
      body: hostileReview(
        ISTIO_GATEWAY,
        istioGatewayWith({ [`${PREFIX}set-identifier`]: 'x'.repeat(5 * 1024 * 1024) }),
        'h-5',
      ),
      expect: { status: 200, denied: /set-identifier: the value is 5242880 characters long/ },
    },
    {
      label: 'one 1 MiB hostname',
      path: '/validate',
      contentType: json,
      body: hostileReview(
        ISTIO_GATEWAY,
        istioGatewayWith({ [`${PREFIX}hostname`]: `${'a'.repeat(1024 * 1024)}.example.com` }),
        'h-6',
      ),
      expect: { status: 200, denied: /hostname: the value is \d+ characters long/ },
    },
    {
      label: 'a 1 MiB unknown key under our prefix',
      path: '/validate',
      contentType: json,
      body: hostileReview(
        ISTIO_GATEWAY,
        istioGatewayWith({ [`${PREFIX}${'k'.repeat(1024 * 1024)}`]: 'x' }),
        'h-7',
      ),
      expect: { status: 200, denied: /k{256}…\(1048576 characters\): unknown key/ },
    },
    {
      label: '100,000 unknown keys under our prefix',
      path: '/validate',
      contentType: json,
      body: hostileReview(
        ISTIO_GATEWAY,
        istioGatewayWith(
          Object.fromEntries(
            Array.from({ length: 100_000 }, (_, i) => [`${PREFIX}hostnam${i}`, 'x']),
          ),
        ),
        'h-8',
      ),
      expect: { status: 200, denied: /and 99990 more unknown keys/ },
    },
  ];
}
