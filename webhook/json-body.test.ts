// The lean body reader against body-parser: for every body, the request it takes (plain
// `application/json`) must end exactly as body-parser ends the same body sent with a charset
// parameter (which goes to body-parser): the same status, the same parsed value or error type.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isPlainJson, jsonBody, parseStrictJson } from './json-body.js';

const LIMIT = 64;

let server: Server;
let port: number;

before(async () => {
  const app = express();
  app.post(
    '/',
    jsonBody(LIMIT, express.json({ limit: LIMIT, strict: true })),
    (req: Request, res: Response) => {
      res.json({ path: isPlainJson(req) ? 'lean' : 'body-parser', body: req.body as unknown });
    },
  );
  app.use(
    (err: { type?: string; status?: number }, _req: Request, res: Response, _n: NextFunction) => {
      res.status(err.status ?? 500).json({ error: err.type });
    },
  );
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

function post(
  body: Buffer,
  contentType: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: { 'content-type': contentType, 'content-length': body.length, ...extra },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    // The server may answer 413 and close before the whole body is sent.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    req.end(body);
  });
}

const CASES: [string, Buffer][] = [
  ['an object', Buffer.from('{"a":1,"b":[true,null]}')],
  ['an array', Buffer.from('[1,2]')],
  ['an empty body', Buffer.alloc(0)],
  ['whitespace before an object', Buffer.from(' \n\t{"a":"x"}')],
  ['a byte order mark', Buffer.from('\ufeff{"a":2}')],
  ['a number', Buffer.from('123')],
  ['a string', Buffer.from('"text"')],
  ['whitespace only', Buffer.from('   ')],
  ['broken JSON', Buffer.from('{"apiVersion":')],
  ['trailing garbage', Buffer.from('{"a":1} x')],
  ['non-ASCII text', Buffer.from('{"name":"żółw ☃"}')],
  ['exactly the limit', Buffer.from(`{"a":"${'x'.repeat(LIMIT - 8)}"}`)],
  ['one byte over the limit', Buffer.from(`{"a":"${'x'.repeat(LIMIT - 7)}"}`)],
];

describe('jsonBody: the lean reader ends every body as body-parser does', () => {
  for (const [label, body] of CASES) {
    it(label, async () => {
      const lean = await post(body, 'application/json');
      const parser = await post(body, 'application/json; charset=utf-8');
      assert.equal(lean.json['path'] ?? 'lean', 'lean');
      assert.equal(parser.json['path'] ?? 'body-parser', 'body-parser');
      assert.equal(lean.status, parser.status, JSON.stringify({ lean, parser }));
      assert.deepEqual(lean.json['body'], parser.json['body']);
      assert.equal(lean.json['error'], parser.json['error']);
    });
  }

  it('answers 413 from the declared length alone, as body-parser does', async () => {
    const big = Buffer.from(`{"a":"${'x'.repeat(LIMIT * 4)}"}`);
    const lean = await post(big, 'application/json');
    assert.deepEqual(lean, { status: 413, json: { error: 'entity.too.large' } });
  });

  it('leaves gzip and deflate bodies to body-parser (which inflates them within the limit)', async () => {
    const { gzipSync } = await import('node:zlib');
    const answer = await post(gzipSync('{"a":3}'), 'application/json', {
      'content-encoding': 'gzip',
    });
    assert.deepEqual(answer, { status: 200, json: { path: 'body-parser', body: { a: 3 } } });
  });
});

describe('parseStrictJson', () => {
  it('reads objects and arrays, and an empty text as an empty object', () => {
    assert.deepEqual(parseStrictJson('{"a":[1]}'), { a: [1] });
    assert.deepEqual(parseStrictJson('[]'), []);
    assert.deepEqual(parseStrictJson(''), {});
  });
  for (const text of ['1', 'null', '"x"', '  true', '{', '{"a":1}}']) {
    it(`refuses ${JSON.stringify(text)} as entity.parse.failed (400)`, () => {
      assert.throws(() => parseStrictJson(text), { type: 'entity.parse.failed', status: 400 });
    });
  }
});
