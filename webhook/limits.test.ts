// The webhook's bounds over real HTTPS: compressed bodies inflate no further than the body
// limit, and admissions past the in-flight bound are turned away at once with 429.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { ClientRequest } from 'node:http';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { PREFIX } from '../core/annotations/prefix.js';
import { makeServingFiles, type ServingFiles } from '../test/helpers/webhook-process.js';
import { DEFAULT_BODY_LIMIT } from './app.js';
import { startWebhookServer, type RunningWebhook } from './server.js';
import { compressedBomb } from './testing/review-fuzz.js';

const MAX_IN_FLIGHT = 3;

let files: ServingFiles;
let webhook: RunningWebhook;

interface Reply {
  status: number;
  body: string;
}

function open(headers: Record<string, string | number>, path = '/validate') {
  let resolve: (reply: Reply) => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const reply = new Promise<Reply>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const options: RequestOptions = {
    host: '127.0.0.1',
    port: webhook.port,
    path,
    method: 'POST',
    ca: files.caPem,
    servername: 'localhost',
    headers: { 'content-type': 'application/json', ...headers },
    agent: false,
  };
  const req: ClientRequest = httpsRequest(options, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
    );
    res.on('error', reject);
  });
  // The server may answer (413, 429) and close before all of a body is sent.
  req.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
  });
  return { req, reply };
}

function post(body: Buffer | string, headers: Record<string, string | number> = {}) {
  const { req, reply } = open({ 'content-length': Buffer.byteLength(body), ...headers });
  req.end(body);
  return reply;
}

function metrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: webhook.metricsPort, path: '/metrics' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

async function untilInFlight(n: number): Promise<void> {
  for (;;) {
    if ((await metrics()).includes(`aws_controller_admission_in_flight ${n}\n`)) return;
    await sleep(10);
  }
}

const goodReview = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' },
    operation: 'CREATE',
    object: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: {
        name: 'gw',
        namespace: 'ns',
        annotations: { [`${PREFIX}hostname`]: 'a.example.com' },
      },
      spec: { servers: [] },
    },
  },
});

before(async () => {
  files = await makeServingFiles('webhook-limits-');
  webhook = await startWebhookServer({
    port: 0,
    metricsPort: 0,
    host: '127.0.0.1',
    certFile: files.certFile,
    keyFile: files.keyFile,
    logger: pino({ level: 'silent' }),
    maxInFlight: MAX_IN_FLIGHT,
  });
});

after(async () => {
  await webhook.close();
  await rm(files.dir, { recursive: true, force: true });
});

describe('compressed bodies', () => {
  for (const encoding of ['gzip', 'deflate'] as const) {
    it(`answers 413 to a ${encoding} bomb (64 KiB inflating to 64 MiB), and serves a request sent meanwhile`, async () => {
      const bomb = await compressedBomb(encoding, 64 * 1024 * 1024);
      assert.ok(bomb.length < 128 * 1024, `the bomb is ${bomb.length} bytes`);
      const [answer, other] = await Promise.all([
        post(bomb, { 'content-encoding': encoding }),
        post(goodReview),
      ]);
      assert.equal(answer.status, 413, answer.body);
      assert.match(answer.body, new RegExp(`larger than the limit of ${DEFAULT_BODY_LIMIT} bytes`));
      assert.equal(other.status, 200, other.body);
    });
  }
  it('inflates a compressed body within the limit', async () => {
    const answer = await post(gzipSync(goodReview), { 'content-encoding': 'gzip' });
    assert.equal(answer.status, 200, answer.body);
  });
});

describe('admissions in flight', () => {
  it(`answers 429 at once past ${MAX_IN_FLIGHT} in flight, counts it, and serves again when they finish`, async () => {
    // Requests whose bodies are still being sent hold their slots.
    const held = Array.from({ length: MAX_IN_FLIGHT }, () => {
      const open_ = open({ 'content-length': Buffer.byteLength(goodReview) });
      open_.req.write(goodReview.slice(0, 10));
      return open_;
    });
    await untilInFlight(MAX_IN_FLIGHT);

    const turnedAway = await post(goodReview);
    assert.equal(turnedAway.status, 429, turnedAway.body);
    assert.match(
      turnedAway.body,
      new RegExp(`too many admission requests in flight \\(limit ${MAX_IN_FLIGHT}\\)`),
    );
    const mutate = open({ 'content-length': 2 }, '/mutate');
    mutate.req.end('{}');
    assert.equal((await mutate.reply).status, 429);
    const text = await metrics();
    assert.match(text, /aws_controller_admission_shed_total\{endpoint="validate"\} 1\n/);
    assert.match(text, /aws_controller_admission_shed_total\{endpoint="mutate"\} 1\n/);

    for (const h of held) h.req.end(goodReview.slice(10));
    for (const h of held) assert.equal((await h.reply).status, 200);
    await untilInFlight(0);
    assert.equal((await post(goodReview)).status, 200);
  });

  it('gives the slot back when a client goes away mid-body', async () => {
    const gone = Array.from({ length: MAX_IN_FLIGHT }, () => {
      const o = open({ 'content-length': 1000 });
      o.reply.catch(() => undefined);
      o.req.write('{"a":');
      return o;
    });
    await untilInFlight(MAX_IN_FLIGHT);
    for (const g of gone) g.req.destroy();
    await untilInFlight(0);
    assert.equal((await post(goodReview)).status, 200);
  });
});
