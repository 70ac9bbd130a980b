// One small GET for readiness probes and discovery checks, over http or https with client
// certificates; no agent reuse, so nothing keeps the event loop alive afterwards.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsFiles {
  readonly ca: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

export interface GetResult {
  readonly status: number;
  readonly body: string;
}

export function httpGet(url: string, tls?: TlsFiles, timeoutMs = 5_000): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options = { method: 'GET', timeout: timeoutMs, agent: false as const };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...options, ...(tls ?? {}) })
        : httpRequest(target, options);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
