// The syncer's calls to the apiserver over node:http(s), against a local server that answers
// as the apiserver does and as it fails: JSON calls with the kubeconfig's credentials and
// their errors, and watches split into events however the bytes arrive.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { apiUrl, jsonCall, KubeApiError, USER_AGENT, watchLines } from './transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let kc: KubeConfig;
let handler: Handler;
const seen: {
  method: string;
  url: string;
  authorization: string;
  userAgent: string;
  body: string;
}[] = [];
/** Requests each connection has carried, this one included. */
const carried = new WeakMap<object, number>();

before(async () => {
  server = createServer((req, res) => {
    carried.set(req.socket, (carried.get(req.socket) ?? 0) + 1);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization ?? '',
        userAgent: req.headers['user-agent'] ?? '',
        body,
      });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}/`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
});

after(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  seen.length = 0;
});

const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

/** Runs a watch to its end: the events it delivered and what `done` got. */
function watchOf(path: string, silenceMs?: number) {
  const events: [string, unknown][] = [];
  let calls = 0;
  const ended = new Promise<unknown>((resolve) => {
    void watchLines(
      kc,
      apiUrl(kc, path, { watch: true, resourceVersion: '7', labelSelector: undefined }),
      (type, object) => events.push([type, object]),
      (err) => {
        calls++;
        resolve(err);
      },
      silenceMs,
    );
  });
  return { events, ended, calls: () => calls };
}

describe('apiUrl', () => {
  it('joins the server and the path, and leaves out undefined query values', () => {
    const url = apiUrl(kc, '/api/v1/namespaces', { limit: '5', continue: undefined, watch: true });
    assert.equal(url.pathname, '/api/v1/namespaces');
    assert.equal(url.search, '?limit=5&watch=true');
  });
});

describe('jsonCall on a kept-alive connection the apiserver closes as the request arrives', () => {
  // The server drops any connection that already carried a request when /flaky arrives on
  // it: what a client sees when the apiserver's idle timeout closes the connection just as
  // the request is sent.
  const dropReused: Handler = (req, res) => {
    if (req.url === '/api/v1/flaky' && (carried.get(req.socket) ?? 0) > 1) req.socket.destroy();
    else json(res, 200, { ok: req.url });
  };

  async function warmConnection(): Promise<void> {
    await jsonCall(kc, 'GET', apiUrl(kc, '/api/v1/warm'), undefined, 5_000);
    await new Promise((resolve) => setImmediate(resolve)); // back in the pool
  }

  it('sends a GET once more, on a new connection', async () => {
    handler = dropReused;
    await warmConnection();
    const answer = await jsonCall(kc, 'GET', apiUrl(kc, '/api/v1/flaky'), undefined, 5_000);
    assert.deepEqual(answer, { ok: '/api/v1/flaky' });
    assert.deepEqual(
      seen.map((r) => `${r.method} ${r.url}`),
      ['GET /api/v1/warm', 'GET /api/v1/flaky', 'GET /api/v1/flaky'],
    );
  });

  it('does not send a POST again: its first attempt may have been applied', async () => {
    handler = dropReused;
    await warmConnection();
    await assert.rejects(
      jsonCall(kc, 'POST', apiUrl(kc, '/api/v1/flaky'), { a: 1 }, 5_000),
      (err: { code?: string }) => err.code === 'ECONNRESET',
    );
    assert.deepEqual(
      seen.map((r) => `${r.method} ${r.url}`),
      ['GET /api/v1/warm', 'POST /api/v1/flaky'],
    );
  });

  it('sends a GET once more only: a second drop is the answer', async () => {
    // Every connection dropped at its second request, the new one too if it were reused.
    handler = (req, res) => {
      if (req.url === '/api/v1/flaky') req.socket.destroy();
      else json(res, 200, {});
    };
    await warmConnection();
    await assert.rejects(
      jsonCall(kc, 'GET', apiUrl(kc, '/api/v1/flaky'), undefined, 5_000),
      (err: { code?: string }) => err.code === 'ECONNRESET',
    );
    assert.equal(seen.filter((r) => r.url === '/api/v1/flaky').length, 2);
  });
});

describe('jsonCall', () => {
  it('sends the credentials and the body, and parses the answer', async () => {
    handler = (_req, res, body) => json(res, 201, { echoed: JSON.parse(body) as unknown });
    const answer = await jsonCall(kc, 'POST', apiUrl(kc, '/api/v1/x'), { a: 1 }, 5_000);
    assert.deepEqual(answer, { echoed: { a: 1 } });
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.authorization, 'Bearer secret-token');
    assert.equal(seen[0]?.userAgent, USER_AGENT);
  });

  it('reuses one connection for calls one after another', async () => {
    const ports = new Set<number>();
    handler = (req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      json(res, 200, {});
    };
    for (let i = 0; i < 3; i++)
      await jsonCall(kc, 'GET', apiUrl(kc, '/api/v1/y'), undefined, 5_000);
    assert.equal(ports.size, 1);
  });

  it('throws a KubeApiError with the status and what the apiserver said', async () => {
    handler = (_req, res) =>
      json(res, 404, { kind: 'Status', message: 'namespaces "nope" not found' });
    await assert.rejects(
      jsonCall(kc, 'GET', apiUrl(kc, '/api/v1/namespaces/nope'), undefined, 5_000),
      (err: unknown) =>
        err instanceof KubeApiError &&
        err.statusCode === 404 &&
        err.code === 404 &&
        /GET \/api\/v1\/namespaces\/nope: HTTP 404: .*not found/.test(err.message),
    );
  });

  it('gives up with a TimeoutError when the whole answer does not come in time', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items": [');
      // …and nothing more.
    };
    await assert.rejects(
      jsonCall(kc, 'GET', apiUrl(kc, '/api/v1/slow'), undefined, 200),
      (err: unknown) =>
        (err as Error).name === 'TimeoutError' &&
        /GET \/api\/v1\/slow: no whole answer within 200 ms/.test((err as Error).message),
    );
  });
});

describe('watchLines', () => {
  it('delivers each line as one event, however the bytes are split, and ends with null', async () => {
    const lines = [
      { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '8' } } },
      { type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '9' }, note: 'é✓' } },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '10' } } },
    ];
    const text = Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n\n`);
    handler = (req, res) => {
      assert.match(req.url ?? '', /watch=true/);
      res.writeHead(200, { 'content-type': 'application/json' });
      // Byte by byte at first (splitting the multi-byte characters), then the rest at once.
      let i = 0;
      const step = () => {
        if (i < 90) {
          res.write(text.subarray(i, i + 1));
          i++;
          setImmediate(step);
        } else res.end(text.subarray(i));
      };
      step();
    };
    const watch = watchOf('/apis/networking.istio.io/v1/gateways');
    assert.equal(await watch.ended, null);
    assert.deepEqual(
      watch.events,
      lines.map((l) => [l.type, l.object]),
    );
    assert.equal(seen[0]?.authorization, 'Bearer secret-token');
    assert.equal(seen[0]?.userAgent, USER_AGENT);
    assert.match(seen[0]?.url ?? '', /resourceVersion=7/);
    assert.equal(watch.calls(), 1);
  });

  it('ends with a KubeApiError when the watch is refused', async () => {
    handler = (_req, res) => json(res, 410, { kind: 'Status', code: 410, reason: 'Expired' });
    const watch = watchOf('/api/v1/services');
    const err = await watch.ended;
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.statusCode, 410);
    assert.deepEqual(watch.events, []);
  });

  it('ends with an error at a line that is not JSON, after the events before it', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"n":1}}\n{"type":"DELETED","obj');
      res.end('\n{"type":"ADDED","object":{"n":2}}\n');
    };
    const watch = watchOf('/api/v1/services');
    const err = (await watch.ended) as Error;
    assert.match(err.message, /a line is not JSON: \{"type":"DELETED","obj/);
    assert.deepEqual(watch.events, [['ADDED', { n: 1 }]], 'nothing after the broken line');
    assert.equal(watch.calls(), 1);
  });

  it('stays open while bytes come, ends with a TimeoutError after a silence, and with an error when the connection drops', async () => {
    // Bytes every 50 ms keep a watch of 150 ms silence alive for longer than that.
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let n = 0;
      const tick = setInterval(() => {
        n++;
        if (n < 8) res.write(`{"type":"ADDED","object":{"n":${n}}}\n`);
        else {
          clearInterval(tick);
          res.end();
        }
      }, 50);
    };
    const lively = watchOf('/api/v1/lively', 150);
    assert.equal(await lively.ended, null);
    assert.equal(lively.events.length, 7);

    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"n":1}}\n');
    };
    const quiet = watchOf('/api/v1/quiet', 150);
    const timeout = (await quiet.ended) as Error;
    assert.equal(timeout.name, 'TimeoutError');
    assert.deepEqual(quiet.events, [['ADDED', { n: 1 }]]);

    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"n":2}}\n');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const dropped = watchOf('/api/v1/dropped');
    const err = (await dropped.ended) as Error;
    assert.ok(err instanceof Error && err.name !== 'TimeoutError', String(err));
    assert.deepEqual(dropped.events, [['ADDED', { n: 2 }]]);
    assert.equal(dropped.calls(), 1);
  });

  it('ends once, as aborted, when stopped by its caller', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"n":1}}\n');
    };
    let calls = 0;
    const events: unknown[] = [];
    let resolveDone: (err: unknown) => void = () => undefined;
    const ended = new Promise<unknown>((resolve) => (resolveDone = resolve));
    const handle = await watchLines(
      kc,
      apiUrl(kc, '/api/v1/stopped', { watch: true }),
      (_type, object) => events.push(object),
      (err) => {
        calls++;
        resolveDone(err);
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    handle.abort();
    handle.abort();
    const err = (await ended) as Error;
    assert.equal(err.name, 'AbortError');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(calls, 1);
    assert.deepEqual(events, [{ n: 1 }]);
  });
});
