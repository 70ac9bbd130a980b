// Talking to moto: forwarding a request as it came, and the two reads the batch checker needs
// (the zone's name, and its current records with pagination capped because moto 5.2.1 does not
// implement NextRecordIdentifier and can page over weighted records at one name forever).
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalName } from './dns-names.js';
import { pageFromListResponse } from './records.js';
import type { RecordSet } from './records.js';
import { childText, child, parseXml } from './xml.js';

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly response?: UpstreamResponse,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
]);

export function send(
  upstream: URL,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  timeoutMs = 30_000,
): Promise<UpstreamResponse> {
  const forwarded: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) forwarded[k] = v;
  }
  forwarded['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path,
        headers: forwarded,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 502,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} to moto timed out`)));
    req.on('error', (err) =>
      reject(
        new UpstreamError(`moto at ${upstream.host} failed: ${err.message}`, undefined, {
          cause: err,
        }),
      ),
    );
    req.end(body);
  });
}

/**
 * Headers for the proxy's own calls. moto serves every AWS service on one port and picks the
 * service from the credential scope of the Authorization header (it checks no signature);
 * without one, /2013-04-01/... is taken for an S3 bucket.
 */
export const OWN_CALL_HEADERS: Readonly<Record<string, string>> = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0',
};

async function getXml(upstream: URL, path: string): Promise<ReturnType<typeof parseXml>> {
  const res = await send(upstream, 'GET', path, { ...OWN_CALL_HEADERS }, Buffer.alloc(0));
  if (res.status !== 200) {
    throw new UpstreamError(`GET ${path} answered ${res.status}`, res);
  }
  return parseXml(res.body.toString('utf8'));
}

/** True for moto's answer to a zone that does not exist, which the client should see as is. */
export function isNoSuchHostedZone(res: UpstreamResponse): boolean {
  return res.status === 404 && res.body.toString('utf8').includes('<Code>NoSuchHostedZone</Code>');
}

export async function zoneName(upstream: URL, zoneId: string): Promise<string> {
  const root = await getXml(upstream, `/2013-04-01/hostedzone/${encodeURIComponent(zoneId)}`);
  const zone = child(root, 'HostedZone');
  const name = zone && childText(zone, 'Name');
  if (!name)
    throw new UpstreamError(`GetHostedZone ${zoneId}: no HostedZone/Name in moto's answer`);
  return name;
}

export const PAGE_SIZE = 300;
export const MAX_PAGES = 200;

/**
 * Every record set of the zone, or an error if paging does not finish within MAX_PAGES.
 * moto starts a page at the first record of NextRecordName/NextRecordType, so a page boundary
 * inside a group of weighted records repeats part of the group: records are merged by key.
 */
export async function listAllRecordSets(upstream: URL, zoneId: string): Promise<RecordSet[]> {
  const all = new Map<string, RecordSet>();
  const add = (sets: readonly RecordSet[]): void => {
    for (const rs of sets) {
      all.set(`${canonicalName(rs.name)}|${rs.type}|${rs.setIdentifier ?? ''}`, rs);
    }
  };
  let start: { name: string; type: string } | undefined;
  let pageSize = PAGE_SIZE;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ maxitems: String(pageSize) });
    if (start) {
      query.set('name', start.name);
      query.set('type', start.type);
    }
    const path = `/2013-04-01/hostedzone/${encodeURIComponent(zoneId)}/rrset?${query.toString()}`;
    const result = pageFromListResponse(await getXml(upstream, path));
    add(result.recordSets);
    if (!result.isTruncated) return [...all.values()];
    const next = { name: result.nextRecordName ?? '', type: result.nextRecordType ?? '' };
    if (start && next.name === start.name && next.type === start.type) {
      // No progress: more records share one name and type than fit a page, and moto cannot
      // continue inside them (no NextRecordIdentifier). Ask again for a bigger page.
      pageSize *= 4;
      continue;
    }
    start = next;
  }
  throw new UpstreamError(
    `ListResourceRecordSets of ${zoneId} did not finish within ${MAX_PAGES} pages; refusing to judge a batch on a partial listing`,
  );
}
