// The webhook's HTTP application, without a listener so tests can mount it on any server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { describeObject, mutateObject, validateObject } from '../core/admission/admit.js';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import { KEY_NAMES } from '../core/annotations/keys.js';
import type { DomainPolicy } from '../core/tenancy/domain-policy.js';
import { KINDS } from '../core/kinds.js';
import {
  encodePatch,
  readAdmissionReview,
  reviewResponse,
  type AdmissionResponse,
  type AdmissionReview,
} from './admission-review.js';
import { healthRoutes } from './health.js';
import { isPlainJson, jsonBody, readPlainJson } from './json-body.js';
import type { WebhookMetrics } from './metrics.js';

/** Objects plus oldObject can reach a few MiB; the apiserver itself caps requests near 3 MiB each. */
export const DEFAULT_BODY_LIMIT = 6 * 1024 * 1024;

/**
 * Admissions in flight at once (from the first byte of the request to the last of the answer).
 * One is decided in well under a millisecond, so 16 at once is thousands a second, far beyond
 * what apiservers send for the few objects matchConditions let through; while its body is read
 * each may hold up to the 6 MiB limit, and 16 of those (96 MiB) stay within the container's
 * 256 MiB. Past it, a request waits for nothing: see `tooBusy`.
 */
export const DEFAULT_MAX_IN_FLIGHT = 16;

export interface WebhookAppOptions {
  controllerName?: string;
  /** The cluster's identity, as the syncer beside it has it (core/annotations/cluster.ts). */
  cluster?: ClusterIdentity;
  /** The domain policy in force now (it may change while the server runs); none: open. */
  currentDomainPolicy?: () => DomainPolicy;
  metrics: WebhookMetrics;
  logger: Logger;
  /** Readiness: false until a serving certificate is loaded. */
  isReady?: () => boolean;
  bodyLimit?: number;
  maxInFlight?: number;
}

type Endpoint = 'mutate' | 'validate';

const KNOWN_KIND_LABELS = new Set(KINDS.map((k) => k.k8sKind.toLowerCase()));

function kindLabel(review: AdmissionReview): string {
  const kind = review.request.kind.kind.toLowerCase();
  return KNOWN_KIND_LABELS.has(kind) ? kind : 'other';
}

// Label values must stay few: an unknown key is whatever the object's author wrote (any
// string, megabytes even), and each distinct value would be a series kept for ever.
const DENIAL_LABELS = new Set<string>([...KEY_NAMES, 'cross-key', 'spec', 'domain-policy']);
const denialLabel = (key: string): string => (DENIAL_LABELS.has(key) ? key : 'unknown-key');

function decide(endpoint: Endpoint, review: AdmissionReview, options: WebhookAppOptions) {
  const { request } = review;
  const object = request.object;
  // Only CREATE and UPDATE carry an object to check; DELETE and CONNECT pass at once.
  if ((request.operation !== 'CREATE' && request.operation !== 'UPDATE') || !object) {
    return { response: { uid: request.uid, allowed: true }, result: 'skipped' };
  }
  // Options written out rather than spread from conditionals: absent ones are undefined,
  // which admit.ts reads as absent, and each admission builds one small object instead of
  // several. Responses alike, with their members in the same order as before.
  if (endpoint === 'mutate') {
    const { patch, warnings } = mutateObject(object, {
      controllerName: options.controllerName,
      cluster: options.cluster,
    });
    const response: AdmissionResponse = { uid: request.uid, allowed: true };
    if (warnings.length > 0) response.warnings = warnings;
    if (patch.length === 0) return { response, result: 'unchanged' };
    response.patchType = 'JSONPatch';
    response.patch = encodePatch(patch);
    options.logger.info(
      { object: describeObject(object), patch, dryRun: request.dryRun === true },
      'normalised annotations',
    );
    return { response, result: 'patched' };
  }
  const verdict = validateObject(object, {
    controllerName: options.controllerName,
    cluster: options.cluster,
    domainPolicy: options.currentDomainPolicy?.(),
    // The apiserver sets the object's namespace; the request's is the same, and is there
    // even should the object not carry it.
    defaultNamespace: request.namespace,
  });
  if (verdict.allowed) {
    const response: AdmissionResponse = { uid: request.uid, allowed: true };
    if (verdict.warnings.length > 0) response.warnings = verdict.warnings;
    return { response, result: 'allowed' };
  }
  for (const key of verdict.deniedKeys) options.metrics.denials.inc({ key: denialLabel(key) });
  options.logger.info(
    { object: describeObject(object), reason: verdict.message, dryRun: request.dryRun === true },
    'denied',
  );
  const response: AdmissionResponse = {
    uid: request.uid,
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      status: 'Failure' as const,
      message: verdict.message ?? 'denied',
    },
  };
  if (verdict.warnings.length > 0) response.warnings = verdict.warnings;
  return { response, result: 'denied' };
}

/** The time since `started` (performance.now()) into the duration histogram. */
function observeDuration(endpoint: Endpoint, started: number, options: WebhookAppOptions): void {
  options.metrics.duration.series(endpoint).observe((performance.now() - started) / 1e3);
}

/** A short text answer, as express's `res.type('text/plain').send()` writes it. */
function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers one parsed body: 400 if it is not an AdmissionReview, else the decision. */
function answerReview(
  endpoint: Endpoint,
  body: unknown,
  res: ServerResponse,
  options: WebhookAppOptions,
): void {
  const started = performance.now();
  const read = readAdmissionReview(body);
  if (!read.ok) {
    options.metrics.countRequest(endpoint, 'unknown', 'unknown', 'bad_request');
    observeDuration(endpoint, started, options);
    sendText(res, 400, `${read.reason}\n`);
    return;
  }
  const { review } = read;
  const { response, result } = decide(endpoint, review, options);
  options.metrics.countRequest(endpoint, kindLabel(review), review.request.operation, result);
  observeDuration(endpoint, started, options);
  // Written directly: express's res.json() adds work (settings lookups, ETag and freshness
  // checks) that an AdmissionReview answer never needs.
  const text = JSON.stringify(reviewResponse(review, response));
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function admissionHandler(endpoint: Endpoint, options: WebhookAppOptions) {
  return (req: Request, res: Response) => answerReview(endpoint, req.body, res, options);
}

interface InFlight {
  count: number;
  readonly max: number;
}

/** A count of admissions in flight, which the in-flight gauge reads when scraped. */
function inFlightCount(options: WebhookAppOptions): InFlight {
  const state: InFlight = { count: 0, max: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT };
  options.metrics.addInFlightSource(() => state.count);
  return state;
}

/**
 * Bounds the admissions in flight. Past the bound the answer is 429 at once, before the body
 * is read, and without Retry-After: client-go retries a 429 or 5xx only when it carries
 * Retry-After, so the apiserver applies the webhook's failurePolicy straight away instead of
 * queueing behind a webhook that is already busy (a queue would make every later admission
 * slower, up to its timeout). Takes a slot, or answers 429 and returns false.
 */
function takeSlot(
  endpoint: Endpoint,
  res: ServerResponse,
  options: WebhookAppOptions,
  state: InFlight,
): boolean {
  if (state.count >= state.max) {
    options.metrics.shed.inc({ endpoint });
    sendText(res, 429, `too many admission requests in flight (limit ${state.max}): try again\n`);
    return false;
  }
  state.count++;
  // 'close' comes once per response, answered or cut off: the slot is always given back.
  res.once('close', () => {
    state.count--;
  });
  return true;
}

function limitInFlight(endpoint: Endpoint, options: WebhookAppOptions, state: InFlight) {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (takeSlot(endpoint, res, options, state)) next();
  };
}

/** Rejects what is not JSON before the body is read. */
function requireJson(req: Request, res: Response, next: NextFunction) {
  // The apiserver's exact header needs no media-type parsing.
  if (req.headers['content-type'] === 'application/json') {
    next();
    return;
  }
  if (!req.is('application/json')) {
    res
      .status(415)
      .type('text/plain')
      .send(`content type must be application/json, got '${req.get('content-type') ?? 'none'}'\n`);
    return;
  }
  next();
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/**
 * The answer to a request that never became an AdmissionReview: the body could not be read
 * or parsed (body-parser's errors, or json-body.ts's alike), or answering it threw.
 */
function answerError(err: BodyParserError, res: ServerResponse, options: WebhookAppOptions) {
  const status = err.type === 'entity.too.large' ? 413 : (err.status ?? 500);
  const message =
    err.type === 'entity.too.large'
      ? `request body larger than the limit of ${options.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes`
      : err.type === 'entity.parse.failed'
        ? `request body is not valid JSON: ${err.message ?? ''}`
        : (err.message ?? 'bad request');
  if (status >= 500) options.logger.error({ err }, 'unexpected error answering a request');
  sendText(res, status >= 400 && status < 600 ? status : 400, `${message}\n`);
}

/** The express application: every route, every content type, every error. */
function createExpressApp(options: WebhookAppOptions, inFlight: InFlight): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const json = jsonBody(limit, express.json({ limit, strict: true }));

  app.post(
    '/mutate',
    limitInFlight('mutate', options, inFlight),
    requireJson,
    json,
    admissionHandler('mutate', options),
  );
  app.post(
    '/validate',
    limitInFlight('validate', options, inFlight),
    requireJson,
    json,
    admissionHandler('validate', options),
  );
  app.use(healthRoutes(options.isReady ?? (() => true)));
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found: use POST /mutate or POST /validate\n');
  });
  app.use((err: BodyParserError, _req: Request, res: Response, _next: NextFunction) =>
    answerError(err, res, options),
  );
  return app;
}

/**
 * The endpoint of a request the direct path takes: POST to exactly `/mutate` or `/validate`
 * (with any query, such as the apiserver's `?timeout=10s`). Other spellings express would
 * also route (`/validate/`, `/VALIDATE`) go to express, as before.
 */
export function directEndpoint(req: IncomingMessage): Endpoint | undefined {
  if (req.method !== 'POST') return undefined;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path === '/validate' ? 'validate' : path === '/mutate' ? 'mutate' : undefined;
}

/**
 * The webhook's request listener. What the apiserver sends (POST /mutate or /validate,
 * `Content-Type: application/json`, no content encoding) is answered directly: the same slot
 * limit, body reader, checks and answers as the express routes, without express's per-request
 * work, which profiles under load put at about a fifth of the CPU per admission (its request
 * and response prototypes swapped on every request, which also kept V8 re-optimising the
 * stream code, the router's matching and four middleware calls). Every other request goes to
 * express as before.
 */
export function createWebhookListener(
  options: WebhookAppOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  // One count for both endpoints and both paths: they share the event loop and the memory.
  const inFlight = inFlightCount(options);
  const app = createExpressApp(options, inFlight);
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  return (req, res) => {
    const endpoint = directEndpoint(req);
    if (endpoint === undefined || !isPlainJson(req)) {
      app(req, res);
      return;
    }
    if (!takeSlot(endpoint, res, options, inFlight)) return;
    readPlainJson(req, limit, (err, body) => {
      try {
        if (err !== undefined) answerError(err, res, options);
        else answerReview(endpoint, body, res, options);
      } catch (thrown) {
        // As express would: its error handler answers, or, once the answer has begun, the
        // connection is cut.
        if (res.headersSent) res.destroy();
        else answerError(thrown as BodyParserError, res, options);
      }
    });
  };
}

/** The webhook as an express application (every request through express's routes). */
export function createWebhookApp(options: WebhookAppOptions): express.Express {
  return createExpressApp(options, inFlightCount(options));
}
