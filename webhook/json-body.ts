// The request body of an admission call, read and parsed without body-parser for the one
// shape the apiserver sends: `Content-Type: application/json`, no content encoding. Profiles
// under load put body-parser, raw-body and type-is at about a fifth of the webhook's CPU per
// request (async scopes, charset decoding through iconv, stream plumbing) for what is, here,
// collecting a few KiB and one JSON.parse. Anything else (a charset parameter, gzip or
// deflate) goes to body-parser as before, so every request is still read by the same rules:
// the size limit (413), strict JSON (400), unsupported encodings and charsets (415).
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The errors body-parser passes on, so one error handler answers both paths alike. */
export interface BodyError extends Error {
  type: 'entity.too.large' | 'entity.parse.failed' | 'request.aborted';
  status: number;
}

function bodyError(type: BodyError['type'], status: number, message: string): BodyError {
  return Object.assign(new Error(message), { type, status });
}

/** True when this reader takes the request; false: body-parser's path. */
export function isPlainJson(req: IncomingMessage): boolean {
  if (req.headers['content-type'] !== 'application/json') return false;
  const encoding = req.headers['content-encoding'];
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}

/** body-parser's strict mode: a JSON text that is an object or array (after whitespace). */
function firstNonWhitespace(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return text[i];
  }
  return undefined;
}

/** Parses the text as body-parser's strict JSON would; throws a BodyError otherwise. */
export function parseStrictJson(raw: string): unknown {
  // iconv's UTF-8 decoder, which body-parser uses, drops a byte order mark.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  // An empty body is an empty object to body-parser (then not an AdmissionReview: 400).
  if (text.length === 0) return {};
  const first = firstNonWhitespace(text);
  if (first !== '{' && first !== '[') {
    throw bodyError(
      'entity.parse.failed',
      400,
      `Unexpected token '${first ?? ''}', JSON text must start with an object or array`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw bodyError('entity.parse.failed', 400, (err as Error).message);
  }
}

/**
 * Reads a plain JSON body (`isPlainJson`) within `limit` bytes and calls `done` once: with the
 * parsed body, or with the BodyError body-parser would have passed on.
 */
export function readPlainJson(
  req: IncomingMessage,
  limit: number,
  done: (err: BodyError | undefined, body?: unknown) => void,
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(bodyError('entity.too.large', 413, 'request entity too large'));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  // The listeners stay until the request is dropped: taking each off again cost as much as
  // putting it on, and once settled they do nothing (a late 'error' is still caught).
  const finish = (err: BodyError | undefined, body?: unknown): void => {
    if (settled) return;
    settled = true;
    done(err, body);
  };
  const onData = (chunk: Buffer): void => {
    if (settled) return;
    size += chunk.length;
    if (size > limit) {
      // Stop reading; Node discards the rest once the answer is sent.
      req.pause();
      chunks.length = 0;
      finish(bodyError('entity.too.large', 413, 'request entity too large'));
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = (): void => {
    if (settled) return;
    let body: unknown;
    try {
      // One chunk (a review of a few KiB usually arrives whole) needs no copy.
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      body = parseStrictJson(bytes.toString('utf8'));
    } catch (err) {
      finish(err as BodyError);
      return;
    }
    finish(undefined, body);
  };
  const onError = (err: Error): void =>
    finish(bodyError('request.aborted', 400, `could not read the request: ${err.message}`));
  const onAborted = (): void => finish(bodyError('request.aborted', 400, 'request aborted'));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  req.on('aborted', onAborted);
}

/**
 * Reads a plain JSON body into `req.body` within `limit` bytes; hands any other request to
 * `fallback` (body-parser's json middleware).
 */
export function jsonBody(limit: number, fallback: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!isPlainJson(req)) {
      void fallback(req, res, next);
      return;
    }
    readPlainJson(req, limit, (err, body) => {
      if (err === undefined) req.body = body;
      next(err);
    });
  };
}
