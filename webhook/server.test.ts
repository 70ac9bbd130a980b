// The webhook over real HTTPS, with certificates from a CA made at test time.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createCa, issueCert, type CertificateAuthority } from '../test/env/certs.js';
import { PREFIX } from '../core/annotations/prefix.js';
import { startWebhookServer, type RunningWebhook } from './server.js';

interface Reply {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

let dir: string;
let ca: CertificateAuthority;
let caPem: Buffer;
let webhook: RunningWebhook;
let certFile: string;
let keyFile: string;

function post(
  path: string,
  body: string | Buffer,
  contentType = 'application/json',
  ca = caPem,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: webhook.port,
        path,
        method: 'POST',
        ca,
        servername: 'localhost',
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function getPlain(path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: webhook.metricsPort, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          body: text,
          json: () => JSON.parse(text) as Record<string, unknown>,
        });
      });
    })
      .on('error', reject)
      .end();
  });
}

const review = (request: Record<string, unknown>, apiVersion = 'admission.k8s.io/v1'): string =>
  JSON.stringify({
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' },
      operation: 'CREATE',
      namespace: 'bookinfo',
      name: 'bookinfo-gw',
      ...request,
    },
  });

const gateway = (annotations: Record<string, string>) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'bookinfo-gw', namespace: 'bookinfo', annotations },
  spec: { selector: { istio: 'ingressgateway' }, servers: [] },
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webhook-test-'));
  ca = await createCa(dir, 'ca');
  caPem = await readFile(ca.certFile);
  const serving = await issueCert(ca, dir, {
    name: 'serving',
    commonName: 'aws-controller-webhook',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  // The server reads these paths; the rotation test replaces their contents.
  certFile = join(dir, 'tls.crt');
  keyFile = join(dir, 'tls.key');
  await copyFile(serving.certFile, certFile);
  await copyFile(serving.keyFile, keyFile);
  webhook = await startWebhookServer({
    port: 0,
    metricsPort: 0,
    host: '127.0.0.1',
    certFile,
    keyFile,
    logger: pino({ level: 'silent' }),
    certReloadIntervalMs: 60_000,
    bodyLimit: 64 * 1024,
  });
});

after(async () => {
  await webhook.close();
  await rm(dir, { recursive: true, force: true });
});

describe('POST /validate', () => {
  it('denies a weight of 300 with status 422 and the message, echoing uid and apiVersion', async () => {
    const reply = await post(
      '/validate',
      review({
        object: gateway({ [`${PREFIX}aws-weight`]: '300', [`${PREFIX}set-identifier`]: 'a' }),
      }),
    );
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json(), {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
        allowed: false,
        status: {
          code: 422,
          reason: 'Invalid',
          status: 'Failure',
          message:
            "Gateway bookinfo/bookinfo-gw: aws-weight: '300' is out of range: must be an integer from 0 to 255",
        },
      },
    });
  });

  it('answers in the apiVersion of the request', async () => {
    const reply = await post(
      '/validate',
      review(
        { object: gateway({ [`${PREFIX}hostnmae`]: 'a.example.com' }) },
        'admission.k8s.io/v1beta1',
      ),
    );
    const body = reply.json() as {
      apiVersion: string;
      response: { allowed: boolean; status: { message: string } };
    };
    assert.equal(body.apiVersion, 'admission.k8s.io/v1beta1');
    assert.equal(body.response.allowed, false);
    assert.match(body.response.status.message, /did you mean `hostname`/);
  });

  it('admits with warnings', async () => {
    const reply = await post(
      '/validate',
      review({ object: gateway({ [`${PREFIX}access`]: 'public' }) }),
    );
    const body = reply.json() as { response: Record<string, unknown> };
    assert.equal(body.response['allowed'], true);
    assert.match(
      (body.response['warnings'] as string[])[0] ?? '',
      /access only has an effect on Service/,
    );
  });

  it('answers an object with only external-dns keys (the fail-open entry) with allowed and a warning, never a denial', async () => {
    for (const path of ['/validate', '/mutate']) {
      const reply = await post(
        path,
        review({
          object: gateway({
            'external-dns.alpha.kubernetes.io/hostname': 'shop.example.com',
            // Values we would refuse under our prefix: never a reason to deny here.
            'external-dns.alpha.kubernetes.io/ttl': 'soon',
            'external-dns.kubernetes.io/aws-weight': '300',
          }),
        }),
      );
      const body = reply.json() as { response: Record<string, unknown> };
      assert.equal(body.response['allowed'], true, path);
      assert.equal(body.response['patch'], undefined, `${path}: nothing mutated`);
      const warnings = (body.response['warnings'] as string[] | undefined) ?? [];
      if (path === '/validate') {
        assert.equal(warnings.length, 3);
        assert.match(
          warnings[0] ?? '',
          /external-dns\.alpha\.kubernetes\.io\/hostname is an external-dns annotation, which aws-controller does not read: use route53\.v1beta1\.tetrate\.io\/hostname instead/,
        );
      }
    }
  });

  it('runs the same check on UPDATE, and on dry runs', async () => {
    for (const extra of [{ operation: 'UPDATE', oldObject: gateway({}) }, { dryRun: true }]) {
      const reply = await post(
        '/validate',
        review({ ...extra, object: gateway({ [`${PREFIX}ttl`]: '-1' }) }),
      );
      assert.equal((reply.json() as { response: { allowed: boolean } }).response.allowed, false);
    }
  });

  it('allows DELETE and objects without our keys at once', async () => {
    const del = await post(
      '/validate',
      review({ operation: 'DELETE', object: null, oldObject: gateway({ [`${PREFIX}ttl`]: '-1' }) }),
    );
    assert.deepEqual((del.json() as { response: unknown }).response, {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
    });
    const plain = await post('/validate', review({ object: gateway({ team: 'a' }) }));
    assert.deepEqual((plain.json() as { response: unknown }).response, {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
    });
  });
});

describe('POST /mutate', () => {
  it('answers a base64 JSONPatch touching only the normalised annotations', async () => {
    const reply = await post(
      '/mutate',
      review({
        object: gateway({ [`${PREFIX}ttl`]: '5m', [`${PREFIX}hostname`]: 'a.example.com' }),
      }),
    );
    const { response } = reply.json() as {
      response: { allowed: boolean; patchType: string; patch: string };
    };
    assert.equal(response.allowed, true);
    assert.equal(response.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')), [
      {
        op: 'replace',
        path: '/metadata/annotations/route53.v1beta1.tetrate.io~1ttl',
        value: '300',
      },
    ]);
  });

  it('sends no patch for an object already in normal form', async () => {
    const reply = await post('/mutate', review({ object: gateway({ [`${PREFIX}ttl`]: '300' }) }));
    assert.deepEqual((reply.json() as { response: unknown }).response, {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
    });
  });
});

describe('malformed input', () => {
  const cases: [string, string | Buffer, string, number, RegExp][] = [
    ['not JSON', '{"apiVersion":', 'application/json', 400, /not valid JSON/],
    [
      'not an AdmissionReview',
      '{"hello":"world"}',
      'application/json',
      400,
      /not an AdmissionReview/,
    ],
    ['a JSON array', '[1,2]', 'application/json', 400, /not an AdmissionReview/],
    [
      'an unknown apiVersion',
      review({ object: gateway({}) }, 'admission.k8s.io/v2'),
      'application/json',
      400,
      /apiVersion/,
    ],
    [
      'CREATE without request.object',
      review({ object: undefined }),
      'application/json',
      400,
      /request.*object/,
    ],
    [
      'an annotation that is not a string',
      review({ object: gateway({ a: 1 } as unknown as Record<string, string>) }),
      'application/json',
      400,
      /annotations/,
    ],
    [
      'a wrong content type',
      review({ object: gateway({}) }),
      'text/plain',
      415,
      /application\/json/,
    ],
    [
      'a body over the limit',
      Buffer.alloc(65 * 1024, 32),
      'application/json',
      413,
      /larger than the limit/,
    ],
  ];
  for (const [name, body, type, status, message] of cases) {
    it(`answers ${status} to ${name}`, async () => {
      const reply = await post('/validate', body, type);
      assert.equal(reply.status, status);
      assert.match(reply.body, message);
    });
  }
  it('is still serving after all of that', async () => {
    const reply = await post('/validate', review({ object: gateway({}) }));
    assert.equal(reply.status, 200);
  });
});

describe('TLS', () => {
  it('refuses TLS 1.1', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const socket = connect(
          {
            host: '127.0.0.1',
            port: webhook.port,
            ca: caPem,
            servername: 'localhost',
            maxVersion: 'TLSv1.1',
            minVersion: 'TLSv1',
          },
          () => resolve(socket),
        );
        socket.on('error', reject);
      }),
    );
  });

  it('serves a rotated certificate without a restart', async () => {
    const newCa = await createCa(join(dir, 'rotated'), 'ca2');
    const rotated = await issueCert(newCa, join(dir, 'rotated'), {
      name: 'serving2',
      commonName: 'aws-controller-webhook',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const newCaPem = await readFile(newCa.certFile);
    await copyFile(rotated.keyFile, keyFile);
    await copyFile(rotated.certFile, certFile);
    await webhook.certificate.check();
    const reply = await post(
      '/validate',
      review({ object: gateway({}) }),
      'application/json',
      newCaPem,
    );
    assert.equal(reply.status, 200);
    await assert.rejects(
      post('/validate', review({ object: gateway({}) })),
      /self[- ]signed|unable to verify|certificate/i,
    );
    const metrics = await getPlain('/metrics');
    assert.match(metrics.body, /aws_controller_tls_reloads_total\{result="success"\} 2/);
  });

  it('keeps the loaded certificate when the new files do not match', async () => {
    const other = await issueCert(ca, join(dir, 'mismatch'), {
      name: 'other',
      commonName: 'x',
      usage: 'server',
    });
    await copyFile(other.keyFile, keyFile); // key of another certificate
    await webhook.certificate.check();
    assert.equal(webhook.certificate.loaded, true);
    const metrics = await getPlain('/metrics');
    assert.match(metrics.body, /aws_controller_tls_reloads_total\{result="failure"\} 1/);
  });
});

describe('health and metrics port', () => {
  it('answers /healthz and /readyz over plain HTTP', async () => {
    assert.equal((await getPlain('/healthz')).status, 200);
    assert.equal((await getPlain('/readyz')).status, 200);
  });
  it('exports request counters with bounded labels and a latency histogram', async () => {
    const { body } = await getPlain('/metrics');
    assert.match(
      body,
      /aws_controller_admission_requests_total\{endpoint="validate",kind="gateway",operation="CREATE",result="denied"\} \d+/,
    );
    assert.match(
      body,
      /aws_controller_admission_requests_total\{endpoint="mutate",kind="gateway",operation="CREATE",result="patched"\} 1/,
    );
    assert.match(body, /aws_controller_admission_denials_total\{key="aws-weight"\} 1/);
    assert.match(
      body,
      /aws_controller_admission_duration_seconds_bucket\{le="0.005",endpoint="validate"\} \d+/,
    );
  });
});

describe('readiness before a certificate exists', () => {
  it('reports not ready until the files appear, then serves', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'webhook-nocert-'));
    const late = await startWebhookServer({
      port: 0,
      metricsPort: 0,
      host: '127.0.0.1',
      certFile: join(empty, 'tls.crt'),
      keyFile: join(empty, 'tls.key'),
      logger: pino({ level: 'silent' }),
      certReloadIntervalMs: 60_000,
    });
    try {
      const ready = () =>
        new Promise<number>((resolve, reject) =>
          httpRequest({ host: '127.0.0.1', port: late.metricsPort, path: '/readyz' }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .on('error', reject)
            .end(),
        );
      assert.equal(await ready(), 503);
      const serving = await issueCert(ca, empty, {
        name: 'tls',
        commonName: 'late',
        dnsNames: ['localhost'],
        usage: 'server',
      });
      assert.equal(serving.certFile, join(empty, 'tls.crt'));
      await late.certificate.check();
      assert.equal(await ready(), 200);
    } finally {
      await late.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('shutting down', () => {
  it('keeps answering while it drains, closing each connection after its answer, with /readyz failing', async () => {
    // Its own certificate: the rotation tests above leave the shared files changed.
    const own = await mkdtemp(join(tmpdir(), 'webhook-drain-'));
    const serving = await issueCert(ca, own, {
      name: 'tls',
      commonName: 'draining',
      dnsNames: ['localhost'],
      usage: 'server',
    });
    const draining = await startWebhookServer({
      port: 0,
      metricsPort: 0,
      host: '127.0.0.1',
      certFile: serving.certFile,
      keyFile: serving.keyFile,
      logger: pino({ level: 'silent' }),
      certReloadIntervalMs: 60_000,
    });
    // The apiserver keeps connections alive: so does this client.
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    const validate = () =>
      new Promise<{
        status: number;
        connection: string | undefined;
        allowed: unknown;
        reused: boolean;
      }>((resolve, reject) => {
        const body = review({ object: gateway({}) });
        const request = httpsRequest(
          {
            host: '127.0.0.1',
            port: draining.port,
            path: '/validate',
            method: 'POST',
            ca: caPem,
            servername: 'localhost',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                response?: { allowed?: unknown };
              };
              resolve({
                status: res.statusCode ?? 0,
                connection: res.headers.connection,
                allowed: answer.response?.allowed,
                reused: request.reusedSocket,
              });
            });
          },
        )
          .on('error', reject)
          .end(body);
      });
    const readyz = () =>
      new Promise<Reply>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port: draining.metricsPort, path: '/readyz' }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text, json: () => ({}) });
          });
        })
          .on('error', reject)
          .end();
      });
    try {
      assert.deepEqual(await validate(), {
        status: 200,
        connection: 'keep-alive',
        allowed: true,
        reused: false,
      });
      assert.equal((await readyz()).status, 200);
      draining.drain();
      // Were drain() to close the idle connection, its close would reach the client's pool in
      // this time, as it reaches the apiserver's (or race with a request being written on it).
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(
        await validate(),
        { status: 200, connection: 'close', allowed: true, reused: true },
        'the connection the client held was still open, answered, then closed',
      );
      assert.deepEqual(await validate(), {
        status: 200,
        connection: 'close',
        allowed: true,
        reused: false,
      });
      const ready = await readyz();
      assert.equal(ready.status, 503);
      assert.match(ready.body, /shutting down/);
    } finally {
      agent.destroy();
      await draining.close();
      await rm(own, { recursive: true, force: true });
    }
  });
});
