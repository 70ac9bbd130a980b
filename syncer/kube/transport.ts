// How the syncer's calls reach the apiserver: Node's own http/https with the kubeconfig's TLS
// material and credentials (client-node's KubeConfig.applyToHTTPSOptions), one keep-alive
// pool for every call.
//
// Not undici, which client-node's Watch and fetch-based API use: undici parses HTTP with
// llhttp compiled to WebAssembly, so a process that makes one call through it compiles that
// module and keeps its memory and V8's WebAssembly tiers resident, and loading its index alone
// costs more. An idle syncer held ~8 MiB more RSS that way than over node:https, whose parser
// is already in the binary and in use for Route 53 (docs/benchmarks.md, Memory).
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';

// Connections are reused across calls (lease renewals, Events, list pages): the pool key
// includes the host and the TLS material, so a rotated client certificate gets a new one.
const POOLS = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * Who is calling, in the apiserver's audit log and request logs (kubectl's is
 * `kubectl/v1.x …`); without it they read Node's default, which says nothing.
 */
export const USER_AGENT = 'aws-controller-syncer';

/** An answer other than 2xx; `statusCode` and `code` both carry the HTTP status. */
export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly code: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'KubeApiError';
    this.statusCode = status;
    this.code = status;
  }
}

/** The apiserver URL of `path` with `query` (undefined values left out). */
export function apiUrl(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): URL {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${cluster.server.replace(/\/$/, '')}${path}`);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

/**
 * Options for one call: credentials are applied per call, so a service account token that
 * the kubelet rotates (or an exec plugin's) is read again when client-node says it is due.
 */
async function callOptions(
  kc: KubeConfig,
  url: URL,
  method: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<https.RequestOptions> {
  const options: https.RequestOptions = { method, ...(signal !== undefined && { signal }) };
  await kc.applyToHTTPSOptions(options);
  // A proxy from the kubeconfig keeps the agent client-node made for it.
  if (!kc.getCurrentCluster()?.proxyUrl) {
    options.agent = url.protocol === 'http:' ? POOLS['http:'] : POOLS['https:'];
  }
  options.headers = {
    'user-agent': USER_AGENT,
    ...(options.headers as Record<string, string>),
    ...headers,
  };
  return options;
}

/** Starts a call: the request (to destroy it) and its answer's head. */
function open(url: URL, options: https.RequestOptions, body?: string) {
  const request = (url.protocol === 'http:' ? http : https).request(url, options);
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', resolve);
    // Also after the answer has come: an error then is the answer's stream's to report.
    request.on('error', reject);
  });
  request.end(body);
  return { request, response };
}

async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Errors of a connection the apiserver closed while the request was being sent on it. */
const CLOSED_UNDER_US = new Set(['ECONNRESET', 'EPIPE']);

/**
 * One request and its whole answer. A kept-alive connection can be closed by the apiserver
 * (its idle timeout, a restart) just as a request goes out on it: the request then fails with
 * ECONNRESET before any answer, through no fault of its own. A GET that meets this on a reused
 * connection is sent once more on a new one, as Node's documentation advises; other methods
 * are not, since their first attempt may have been applied.
 */
async function exchange(
  kc: KubeConfig,
  method: string,
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  body: unknown,
): Promise<{ status: number; text: string }> {
  for (let attempt = 1; ; attempt++) {
    const options = await callOptions(kc, url, method, headers, signal);
    const call = open(url, options, body === undefined ? undefined : JSON.stringify(body));
    let response: http.IncomingMessage;
    try {
      response = await call.response;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const retry =
        attempt === 1 &&
        method === 'GET' &&
        call.request.reusedSocket &&
        typeof code === 'string' &&
        CLOSED_UNDER_US.has(code) &&
        !signal.aborted;
      if (retry) continue;
      throw err;
    }
    return { status: response.statusCode ?? 0, text: await readText(response) };
  }
}

/**
 * One JSON call: the parsed answer of a 2xx, else a KubeApiError with the status and the
 * start of what the apiserver said. The whole call, body included, ends within `timeoutMs`.
 */
export async function jsonCall(
  kc: KubeConfig,
  method: 'GET' | 'POST' | 'PUT',
  url: URL,
  body: unknown,
  timeoutMs: number,
): Promise<unknown> {
  const what = `${method} ${url.pathname}`;
  const signal = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let status: number;
  let text: string;
  try {
    ({ status, text } = await exchange(kc, method, url, headers, signal, body));
  } catch (err) {
    if (signal.aborted) {
      throw Object.assign(
        new Error(`${what}: no whole answer within ${timeoutMs} ms`, { cause: err }),
        {
          name: 'TimeoutError',
        },
      );
    }
    throw err;
  }
  if (status < 200 || status > 299) {
    throw new KubeApiError(`${what}: HTTP ${status}: ${text.slice(0, 300)}`, status);
  }
  return JSON.parse(text) as unknown;
}

/**
 * A watch with no bytes for this long is taken as a dead connection and ended as a timeout.
 * Longer than the longest silence of a live one: the apiserver's watch cache sends a watch
 * that allows bookmarks one about every 60 s when nothing changes (measured on 1.36: 59.4,
 * 119.3 s). At 30 s, every quiet watch was ended before its first bookmark and started again
 * from the same resourceVersion, twice a minute per kind; without a bookmark that version
 * never advances, and the older it is, the nearer a 410 Gone and a relist of the whole kind.
 */
export const WATCH_SILENCE_MS = 90_000;

/**
 * A watch: one event per line of the answer, each `{"type", "object"}`. `done` is called once:
 * with null when the apiserver ends the watch, with a TimeoutError after WATCH_SILENCE_MS of
 * silence, else with the error (a non-200 answer as a KubeApiError, a line that is not JSON,
 * the connection's failure, our own abort). A broken line ends the watch rather than being
 * skipped: its event is sent again to the watch that resumes from the last one applied.
 */
export async function watchLines(
  kc: KubeConfig,
  url: URL,
  onEvent: (type: string, object: unknown) => void,
  done: (err: unknown) => void,
  silenceMs = WATCH_SILENCE_MS,
): Promise<{ abort(): void }> {
  let request: http.ClientRequest | undefined;
  let ended = false;
  const end = (err: unknown) => {
    if (ended) return;
    ended = true;
    clearTimeout(silence);
    // Destroyed without an error: what the caller hears is `err`, once, through `done`.
    request?.destroy();
    done(err);
  };
  // One timer for the watch's life, restarted by every chunk (refresh reuses it).
  const silence = setTimeout(() => {
    end(
      Object.assign(new Error(`watch ${url.pathname}: no data for ${silenceMs} ms`), {
        name: 'TimeoutError',
      }),
    );
  }, silenceMs).unref();
  const handle = { abort: () => end(new DOMException('the watch was stopped', 'AbortError')) };
  try {
    const options = await callOptions(kc, url, 'GET', { accept: 'application/json' });
    if (ended) return handle;
    const call = open(url, options);
    request = call.request;
    const response = await call.response;
    if (response.statusCode !== 200) {
      const text = await readText(response);
      const status = response.statusCode ?? 0;
      end(new KubeApiError(`watch ${url.pathname}: HTTP ${status}: ${text.slice(0, 300)}`, status));
    } else {
      silence.refresh();
      response.setEncoding('utf8');
      // One event per line. Only each new chunk is searched for line ends; the start of a
      // line still coming (a large object spans many chunks) waits in parts, joined once.
      let partial: string[] = [];
      const deliver = (line: string): boolean => {
        if (line.trim() === '') return true;
        let event: { type?: unknown; object?: unknown };
        try {
          event = JSON.parse(line) as { type?: unknown; object?: unknown };
        } catch (err) {
          end(
            new Error(`watch ${url.pathname}: a line is not JSON: ${line.slice(0, 200)}`, {
              cause: err,
            }),
          );
          return false;
        }
        onEvent(String(event.type), event.object);
        return !ended;
      };
      response.on('data', (chunk: string) => {
        if (ended) return;
        silence.refresh();
        let start = 0;
        for (
          let newline = chunk.indexOf('\n');
          newline !== -1;
          newline = chunk.indexOf('\n', start)
        ) {
          let line = chunk.slice(start, newline);
          if (partial.length > 0) {
            partial.push(line);
            line = partial.join('');
            partial = [];
          }
          start = newline + 1;
          if (!deliver(line)) return;
        }
        if (start < chunk.length) partial.push(chunk.slice(start));
      });
      response.on('end', () => end(null));
      response.on('error', end);
      response.on('close', () =>
        end(
          response.complete
            ? null
            : new Error(`watch ${url.pathname}: the connection closed mid-answer`),
        ),
      );
    }
  } catch (err) {
    end(err);
  }
  return handle;
}
