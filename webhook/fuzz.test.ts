// Fault test: the real webhook process (`aws-controller webhook`, HTTPS, default log level)
// fed generated requests — well-formed AdmissionReviews, the same reviews damaged, and bodies
// that never were one. Whatever arrives, it answers 2xx or 4xx (2xx: an AdmissionReview
// echoing the uid; 4xx: a message), logs no error, never exits, still admits a good request
// afterwards, and does not keep what it was sent: its heap after a full GC, read through
// gc-probe.js, stays within a generous bound of the heap after the first round. No timings.
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { KEY_NAMES } from '../core/annotations/keys.js';
import { PREFIX } from '../core/annotations/prefix.js';
import {
  postToWebhook,
  startWebhookProcess,
  type WebhookAnswer,
  type WebhookProcess,
} from '../test/helpers/webhook-process.js';
import {
  hostileRequests,
  mutatedRequestArb,
  randomRequestArb,
  reviewArb,
  sentIdentity,
  type FuzzRequest,
} from './testing/review-fuzz.js';

type Answer = WebhookAnswer;

let server: WebhookProcess;
let agent: Agent;

const send = (req: FuzzRequest): Promise<Answer> => postToWebhook(server, agent, req);

/** The behaviour every answer must have, whatever was sent. */
function checkAnswer(req: FuzzRequest, answer: Answer): void {
  const what = `${req.path} ${req.contentType ?? '(no content type)'} [${req.label}] → ${answer.status} ${answer.body.subarray(0, 300).toString()}`;
  assert.ok(
    (answer.status >= 200 && answer.status < 300) || (answer.status >= 400 && answer.status < 500),
    `status must be 2xx or 4xx: ${what}`,
  );
  assert.ok(answer.body.length > 0, `empty body: ${what}`);
  if (answer.status >= 400) {
    // 4xx: the body was not an AdmissionReview; the answer says why, in a line of text.
    assert.match(answer.contentType, /^text\/plain/, what);
    return;
  }
  assert.match(answer.contentType, /^application\/json/, what);
  const review = JSON.parse(answer.body.toString('utf8')) as {
    apiVersion?: unknown;
    kind?: unknown;
    response?: { uid?: unknown; allowed?: unknown; patch?: unknown; patchType?: unknown };
  };
  assert.equal(review.kind, 'AdmissionReview', what);
  assert.equal(typeof review.response?.allowed, 'boolean', what);
  const sent = sentIdentity(req.body);
  if (sent !== undefined) {
    assert.equal(review.response?.uid, sent.uid, `uid not echoed: ${what}`);
    assert.equal(review.apiVersion, sent.apiVersion, `apiVersion not echoed: ${what}`);
  }
  const patch = review.response?.patch;
  if (patch !== undefined) {
    assert.equal(review.response?.patchType, 'JSONPatch', what);
    assert.equal(typeof patch, 'string', what);
    const ops = JSON.parse(Buffer.from(patch as string, 'base64').toString('utf8')) as {
      path: string;
    }[];
    assert.ok(Array.isArray(ops) && ops.length > 0, what);
    for (const op of ops) assert.match(op.path, /^\/metadata\/annotations/, what);
  }
}

function checkAlive(): void {
  assert.equal(server.exited(), undefined, `the webhook process died:\n${server.output()}`);
  assert.deepEqual(server.errorLines(), [], 'the webhook logged errors');
}

const goodReview = (): FuzzRequest => ({
  path: '/validate',
  contentType: 'application/json',
  label: 'good review',
  body: Buffer.from(
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'b7e1ab52-7a4c-4a63-9d55-8a4f6a3f0c11',
        kind: { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' },
        operation: 'CREATE',
        object: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'Gateway',
          metadata: {
            name: 'bookinfo-gateway',
            namespace: 'bookinfo',
            annotations: { [`${PREFIX}ttl`]: '300', [`${PREFIX}hostname`]: 'a.example.com' },
          },
          spec: { selector: { istio: 'ingressgateway' }, servers: [] },
        },
      },
    }),
  ),
});

async function expectGoodAnswer(): Promise<void> {
  const answer = await send(goodReview());
  assert.equal(answer.status, 200, answer.body.toString());
  const { response } = JSON.parse(answer.body.toString()) as { response: { allowed: boolean } };
  assert.equal(response.allowed, true);
}

// Requests per round, and rounds after the first (the warm-up whose heap is the baseline).
const RUNS_PER_ROUND = 300;
const ROUNDS_AFTER_WARMUP = 4;
// A leak that keeps what requests carried grows the heap by the megabytes those requests sent
// (tens of MiB per round here, some bodies being 1–5 MiB); GC noise is well under 1 MiB.
const HEAP_GROWTH_BOUND = 16 * 1024 * 1024;

const wellFormed = (endpoint: 'validate' | 'mutate') =>
  reviewArb.map((r): FuzzRequest => ({
    path: `/${endpoint}`,
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(r)),
    label: `well-formed review (${endpoint})`,
  }));

const mixedArb = fc.oneof(
  { weight: 2, arbitrary: wellFormed('validate') },
  { weight: 1, arbitrary: wellFormed('mutate') },
  { weight: 6, arbitrary: mutatedRequestArb },
  { weight: 2, arbitrary: randomRequestArb },
);

async function round(seed: number | undefined): Promise<void> {
  await fc.assert(
    fc.asyncProperty(mixedArb, async (req) => {
      checkAnswer(req, await send(req));
      checkAlive();
    }),
    { numRuns: RUNS_PER_ROUND, ...(seed !== undefined && { seed }), endOnFailure: true },
  );
}

describe('webhook under generated and damaged AdmissionReviews', () => {
  before(async () => {
    server = await startWebhookProcess({ probeHeap: true });
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
  });
  after(async () => {
    agent.destroy();
    await server.stop();
  });

  it('answers every well-formed review with 200 and the uid echoed', async () => {
    await fc.assert(
      fc.asyncProperty(reviewArb, fc.constantFrom('/validate', '/mutate'), async (review, path) => {
        const req: FuzzRequest = {
          path,
          contentType: 'application/json',
          body: Buffer.from(JSON.stringify(review)),
          label: 'well-formed review',
        };
        const answer = await send(req);
        assert.equal(answer.status, 200, answer.body.toString());
        checkAnswer(req, answer);
      }),
      { numRuns: 200 },
    );
    checkAlive();
  });

  it('answers anything else with 2xx or 4xx, never crashes, and keeps no memory', async (t) => {
    await round(undefined); // warm-up: the baseline heap includes what first use allocates
    const baseline = await server.heapAfterGc();
    assert.ok(baseline.gcExposed, 'gc-probe could not run a GC in the webhook process');
    const heaps = [baseline.heapUsed];
    for (let i = 0; i < ROUNDS_AFTER_WARMUP; i++) {
      await round(undefined);
      heaps.push((await server.heapAfterGc()).heapUsed);
    }
    await expectGoodAnswer();
    checkAlive();
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    t.diagnostic(`heap after GC per round: ${heaps.map(mib).join(', ')}; RSS ${mib(server.rss())}`);
    const growth = Math.max(...heaps) - baseline.heapUsed;
    assert.ok(
      growth < HEAP_GROWTH_BOUND,
      `heap after GC grew by ${mib(growth)} over ${ROUNDS_AFTER_WARMUP} rounds of ${RUNS_PER_ROUND} requests: ${heaps.map(mib).join(', ')}`,
    );
  });

  it('keeps its metric labels few, whatever keys objects carry', async () => {
    const metrics = await new Promise<string>((resolve, reject) => {
      httpGet({ host: '127.0.0.1', port: server.metricsPort, path: '/metrics' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    const series = metrics
      .split('\n')
      .filter((line) => line.startsWith('aws_controller_admission_denials_total{'));
    assert.ok(series.length > 0, 'no denials counted: the fuzz sent no deniable object?');
    // One series per known key, one for rules across keys, one for the spec's names, one for
    // every unknown key.
    assert.ok(
      series.length <= KEY_NAMES.length + 3,
      `${series.length} denial series:\n${series.slice(0, 20).join('\n')}`,
    );
  });

  it('answers every hostile size (denied with the limit, or 413), and a small request sent alongside', async () => {
    for (const req of await hostileRequests()) {
      const paths = req.expect.status === 413 ? [req.path] : ['/validate', '/mutate'];
      for (const path of paths) {
        const sent = { ...req, path, label: `${req.label} (${path})` };
        const [answer, small] = await Promise.all([send(sent), send(goodReview())]);
        checkAnswer(sent, answer);
        const text = answer.body.subarray(0, 500).toString();
        assert.equal(answer.status, req.expect.status, `${sent.label}: ${text}`);
        if (req.expect.status === 200) {
          const { response } = JSON.parse(answer.body.toString('utf8')) as {
            response: { allowed: boolean; patch?: string; status?: { message?: string } };
          };
          if (path === '/validate') {
            assert.equal(response.allowed, false, sent.label);
            assert.match(response.status?.message ?? '', req.expect.denied, sent.label);
            assert.ok(
              (response.status?.message ?? '').length < 4096,
              `${sent.label}: the message is ${response.status?.message?.length} characters`,
            );
          } else {
            // Mutating admits (validating denies) and patches nothing it could not read.
            assert.equal(response.allowed, true, sent.label);
            assert.equal(response.patch, undefined, sent.label);
          }
        }
        assert.equal(small.status, 200, `the request sent alongside ${sent.label}`);
        checkAlive();
      }
    }
    await expectGoodAnswer();
  });

  it('answers many damaged requests at once, then a good one', async () => {
    const batch = fc.sample(mutatedRequestArb, { numRuns: 128 });
    const answers = await Promise.all(batch.map((req) => send(req).then((a) => [req, a] as const)));
    for (const [req, answer] of answers) checkAnswer(req, answer);
    await expectGoodAnswer();
    checkAlive();
  });
});
