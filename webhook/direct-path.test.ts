// The direct path (createWebhookListener answering the apiserver's requests without express)
// against the express application it bypasses: for every request in the table both must give
// the same status, the same Content-Type and the same body, and count the same metrics.
import assert from 'node:assert/strict';
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { PREFIX } from '../core/annotations/prefix.js';
import { parseDomainPolicy } from '../core/tenancy/domain-policy.js';
import {
  createWebhookApp,
  createWebhookListener,
  directEndpoint,
  type WebhookAppOptions,
} from './app.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';

const LIMIT = 4096;

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

interface Served {
  server: Server;
  port: number;
  metrics: WebhookMetrics;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(
  make: (options: WebhookAppOptions) => Listener,
  extra: Partial<WebhookAppOptions> = {},
): Promise<Served> {
  const metrics = createWebhookMetrics({ defaultMetrics: false });
  const listener = make({
    metrics,
    logger: pino({ level: 'silent' }),
    bodyLimit: LIMIT,
    ...extra,
  });
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, metrics };
}

function send(
  port: number,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // A 413 may be answered (and the connection closed) before the whole body is sent.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    req.end(body);
  });
}

const review = (request: Record<string, unknown>): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'b0d3c0de-0000-4000-8000-000000000001',
      kind: { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' },
      operation: 'CREATE',
      namespace: 'shop',
      name: 'shop-gw',
      ...request,
    },
  });

const gateway = (annotations: Record<string, string>) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'shop-gw', namespace: 'shop', annotations },
  spec: { selector: { istio: 'ingressgateway' }, servers: [] },
});

const TO_NORMALISE = gateway({
  [`${PREFIX}hostname`]: 'Shop.Example.com.',
  [`${PREFIX}ttl`]: '5m',
});
const DENIED = gateway({ [`${PREFIX}aws-weight`]: '300', [`${PREFIX}set-identifier`]: 'a' });
const OTHER_TEAM = gateway({ [`${PREFIX}hostname`]: 'pay.example.com' });

/** [label, method, path, body, headers?] */
const CASES: [string, string, string, string, Record<string, string>?][] = [
  ['validate: admitted', 'POST', '/validate', review({ object: TO_NORMALISE })],
  [
    'validate: the apiserver’s ?timeout query',
    'POST',
    '/validate?timeout=10s',
    review({ object: TO_NORMALISE }),
  ],
  ['validate: denied', 'POST', '/validate', review({ object: DENIED })],
  ['validate: denied by the domain policy', 'POST', '/validate', review({ object: OTHER_TEAM })],
  ['validate: DELETE passes', 'POST', '/validate', review({ operation: 'DELETE', object: null })],
  ['mutate: patched', 'POST', '/mutate?timeout=5s', review({ object: TO_NORMALISE })],
  ['mutate: denied objects are not patched', 'POST', '/mutate', review({ object: DENIED })],
  [
    'mutate: UPDATE with oldObject',
    'POST',
    '/mutate',
    review({ operation: 'UPDATE', object: TO_NORMALISE, oldObject: DENIED }),
  ],
  ['not an AdmissionReview', 'POST', '/validate', '{"kind":"Pod"}'],
  ['a review without its object', 'POST', '/mutate', review({ object: undefined })],
  ['broken JSON', 'POST', '/validate', '{"apiVersion":'],
  ['a JSON number (strict)', 'POST', '/validate', '42'],
  ['an empty body', 'POST', '/mutate', ''],
  ['over the body limit', 'POST', '/validate', `{"a":"${'x'.repeat(LIMIT)}"}`],
  [
    'a charset parameter (body-parser’s path on both)',
    'POST',
    '/validate',
    review({ object: TO_NORMALISE }),
    { 'content-type': 'application/json; charset=utf-8' },
  ],
  ['not JSON', 'POST', '/validate', 'hello', { 'content-type': 'text/plain' }],
  ['GET /validate', 'GET', '/validate', ''],
  ['a trailing slash (express routes it)', 'POST', '/validate/', review({ object: TO_NORMALISE })],
  ['another path', 'POST', '/other', '{}'],
];

const POLICY = parseDomainPolicy(
  JSON.stringify({ domains: [{ domain: 'pay.example.com', namespaces: ['payments'] }] }),
  'test policy',
);

describe('the direct path answers as the express routes do', () => {
  let viaExpress: Served;
  let direct: Served;
  before(async () => {
    const extra = { currentDomainPolicy: () => POLICY };
    viaExpress = await serve((o) => createWebhookApp(o), extra);
    direct = await serve(createWebhookListener, extra);
  });
  after(() => {
    viaExpress.server.close();
    direct.server.close();
  });

  for (const [label, method, path, body, headers] of CASES) {
    it(label, async () => {
      const expected = await send(viaExpress.port, method, path, body, headers);
      const actual = await send(direct.port, method, path, body, headers);
      assert.deepEqual(actual, expected);
    });
  }

  it('counted the same requests, results and denials', async () => {
    const read = async (m: WebhookMetrics) => {
      const text = await m.registry.metrics();
      // The duration histogram's buckets depend on timing; its count does not.
      return text
        .split('\n')
        .filter((line) => !line.includes('_bucket') && !line.includes('duration_seconds_sum'))
        .join('\n');
    };
    assert.equal(await read(direct.metrics), await read(viaExpress.metrics));
    assert.match(await read(direct.metrics), /result="patched"\} 1/);
  });
});

describe('the direct path sheds and fails as express does', () => {
  it('answers 429 past maxInFlight (here 0) before reading the body', async () => {
    const viaExpress = await serve((o) => createWebhookApp(o), { maxInFlight: 0 });
    const direct = await serve(createWebhookListener, { maxInFlight: 0 });
    try {
      const body = review({ object: TO_NORMALISE });
      const expected = await send(viaExpress.port, 'POST', '/validate', body);
      assert.equal(expected.status, 429);
      assert.deepEqual(await send(direct.port, 'POST', '/validate', body), expected);
    } finally {
      viaExpress.server.close();
      direct.server.close();
    }
  });

  it('answers 500 with the message when deciding throws', async () => {
    const broken = {
      currentDomainPolicy: () => {
        throw new Error('the domain policy could not be read');
      },
    };
    const viaExpress = await serve((o) => createWebhookApp(o), broken);
    const direct = await serve(createWebhookListener, broken);
    try {
      const body = review({ object: TO_NORMALISE });
      const expected = await send(viaExpress.port, 'POST', '/validate', body);
      assert.equal(expected.status, 500);
      assert.deepEqual(await send(direct.port, 'POST', '/validate', body), expected);
    } finally {
      viaExpress.server.close();
      direct.server.close();
    }
  });
});

describe('directEndpoint', () => {
  const at = (method: string, url: string) => directEndpoint({ method, url } as IncomingMessage);
  it('takes POST to exactly /validate or /mutate, with or without a query', () => {
    assert.equal(at('POST', '/validate'), 'validate');
    assert.equal(at('POST', '/validate?timeout=10s'), 'validate');
    assert.equal(at('POST', '/mutate'), 'mutate');
    assert.equal(at('POST', '/mutate?timeout=10s&x=1'), 'mutate');
  });
  it('leaves every other method and spelling to express', () => {
    for (const [method, url] of [
      ['GET', '/validate'],
      ['PUT', '/mutate'],
      ['POST', '/validate/'],
      ['POST', '/VALIDATE'],
      ['POST', '/mutate/x'],
      ['POST', '/validatex'],
      ['POST', '/'],
      ['POST', '/healthz'],
    ] as const) {
      assert.equal(at(method, url), undefined, `${method} ${url}`);
    }
  });
});
