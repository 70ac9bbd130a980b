// A pass-through in front of the Route 53 strictness proxy that notes, for every change batch
// the proxy (and so moto) accepted, when each record became visible — the moment the 200
// passed back through — and the time of every call. The controller under test talks to the
// tap; calls are still counted by operation at the proxy (env.proxy.stats()). Knowing when a
// record appeared this way costs moto nothing: polling moto's listings for 10,000 names would
// compete for the same CPU as the controller being measured.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChangeAction = 'CREATE' | 'UPSERT' | 'DELETE';

export interface SeenChange {
  readonly action: ChangeAction;
  readonly name: string;
  readonly type: string;
  /** performance.now() when the accepted batch's answer passed through. */
  readonly at: number;
}

export interface Tap {
  readonly url: string;
  /** performance.now() of every call, in order. */
  readonly calls: number[];
  /** First time each `<type> <name>` was written (CREATE or UPSERT) in an accepted batch. */
  readonly written: Map<string, number>;
  /** First time each `<type> <name>` was deleted in an accepted batch. */
  readonly deleted: Map<string, number>;
  /** Change batches refused (4xx/5xx) with their first error code. */
  readonly refused: string[];
  /** performance.now() of every call (of any operation) answered `Throttling`. */
  readonly throttled: number[];
  close(): Promise<void>;
}

/** Names as the workload spells them: lower case, no final dot, `\052` back to `*`. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').replace(/\\052/g, '*');
}

const CHANGE = /<Change>([\s\S]*?)<\/Change>/g;
const field = (xml: string, tag: string): string | undefined =>
  new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

export function parseChanges(xml: string): { action: ChangeAction; name: string; type: string }[] {
  const out: { action: ChangeAction; name: string; type: string }[] = [];
  for (const match of xml.matchAll(CHANGE)) {
    const change = match[1] ?? '';
    const action = field(change, 'Action') as ChangeAction | undefined;
    const name = field(change, 'Name');
    const type = field(change, 'Type');
    if (action && name && type) out.push({ action, name: normaliseName(name), type });
  }
  return out;
}

const readAll = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

export async function startTap(upstream: string): Promise<Tap> {
  const target = new URL(upstream);
  const calls: number[] = [];
  const written = new Map<string, number>();
  const deleted = new Map<string, number>();
  const refused: string[] = [];
  const throttled: number[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      calls.push(performance.now());
      const body = await readAll(req);
      const headers = { ...req.headers };
      delete headers['connection'];
      const upstreamRes = await new Promise<IncomingMessage>((resolve, reject) => {
        const out = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers,
          },
          resolve,
        );
        out.on('error', reject);
        out.end(body);
      });
      const answer = await readAll(upstreamRes);
      if (upstreamRes.statusCode === 400 && answer.includes('<Code>Throttling</Code>')) {
        throttled.push(performance.now());
      }
      const isChange = req.method === 'POST' && /\/rrset\/?$/.test(req.url ?? '');
      if (isChange) {
        const at = performance.now();
        if (upstreamRes.statusCode === 200) {
          for (const change of parseChanges(body.toString('utf8'))) {
            const key = `${change.type} ${change.name}`;
            const map = change.action === 'DELETE' ? deleted : written;
            if (!map.has(key)) map.set(key, at);
          }
        } else {
          refused.push(
            /<Code>([^<]*)<\/Code>/.exec(answer.toString('utf8'))?.[1] ??
              String(upstreamRes.statusCode),
          );
        }
      }
      const outHeaders = { ...upstreamRes.headers };
      delete outHeaders['connection'];
      delete outHeaders['transfer-encoding'];
      outHeaders['content-length'] = String(answer.length);
      res.writeHead(upstreamRes.statusCode ?? 502, outHeaders);
      res.end(answer);
    })().catch((err: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tap: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    written,
    deleted,
    refused,
    throttled,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The times in [from, to): the calls (or throttled answers) of one phase. */
export function within(times: readonly number[], from: number, to: number): number[] {
  return times.filter((t) => t >= from && t < to);
}

/** The most calls in any window of `windowMs` (a sliding window over the call times). */
export function peakCalls(times: readonly number[], from: number, to: number, windowMs = 1000) {
  const inPhase = within(times, from, to);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < inPhase.length; end++) {
    while ((inPhase[end] as number) - (inPhase[start] as number) >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}
