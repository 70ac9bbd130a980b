// A small HTTPS client for the test apiserver (admin client certificate, keep-alive), for
// creating thousands of objects quickly and knowing when each write was committed: the
// moment its response arrives, which is what `kubectl apply` waits for too.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { EnvironmentState } from '../env/state.js';

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
  /** performance.now() when the response was complete. */
  readonly at: number;
}

export class KubeApi {
  private readonly agent: Agent;
  private readonly base: URL;

  /** Any cluster of the environment: the first (the state itself) or one of state.clusters. */
  constructor(
    state: Pick<EnvironmentState, 'apiserverUrl' | 'caCert' | 'clientCert' | 'clientKey'>,
    maxSockets = 8,
  ) {
    this.base = new URL(state.apiserverUrl);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets,
      ca: readFileSync(state.caCert),
      cert: readFileSync(state.clientCert),
      key: readFileSync(state.clientKey),
    });
  }

  close(): void {
    this.agent.destroy();
  }

  call(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path,
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload && { 'content-type': contentType, 'content-length': payload.length }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const at = performance.now();
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, at });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like call, but a status outside 2xx is an error naming the request. */
  async must(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeResponse> {
    const res = await this.call(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const ISTIO = '/apis/networking.istio.io/v1';
