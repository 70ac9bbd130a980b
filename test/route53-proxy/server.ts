// The strictness proxy: Route 53's REST API in front of moto. ChangeResourceRecordSets batches
// are judged against the zone's current records with Route 53's rules and rejected whole, the
// way Route 53 does, before moto (which would apply part of them) sees them; every call is
// counted; faults can be injected. Everything else is forwarded untouched, except that names
// are stored and listed the way Route 53 spells them (lower case, `*` as `\052`).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalName, route53Spelling } from './dns-names.js';
import { errorXml, invalidChangeBatch, invalidInput } from './errors.js';
import type { Route53Error } from './errors.js';
import { FAULT_ERRORS, FaultInjector, parseFaultSchedule } from './faults.js';
import { operationOf } from './operations.js';
import { accessKeyOf, AccountRateLimiter, parseRate } from './rate-limit.js';
import type { RateLimitConfig } from './rate-limit.js';
import { BadRequest, changesFromRequest } from './records.js';
import type { Change, RecordSet } from './records.js';
import { applyChangeBatch, batchSize, MAX_RECORDS_PER_BATCH, recordKey } from './rules.js';
import { CallStats } from './stats.js';
import type { Outcome } from './stats.js';
import {
  isNoSuchHostedZone,
  listAllRecordSets,
  OWN_CALL_HEADERS,
  send,
  UpstreamError,
  zoneName,
} from './upstream.js';
import type { UpstreamResponse } from './upstream.js';
import { child, children, parseXml, serializeXml, XmlError } from './xml.js';
import type { XmlElement } from './xml.js';

export interface ProxyOptions {
  /** moto's base URL, e.g. http://127.0.0.1:5000 */
  readonly upstream: string;
  /** Store names lower-case and list them with octal escapes, like Route 53. Default true. */
  readonly route53Names?: boolean;
  readonly maxBodyBytes?: number;
  /** One structured line per call; default: none. */
  readonly log?: (entry: Record<string, unknown>) => void;
  /** The account's request rate limit (rate-limit.ts); absent: no limit. */
  readonly rate?: RateLimitConfig;
  /** Access key → account, for suites that model several accounts; default: one account. */
  readonly accounts?: Readonly<Record<string, string>>;
  /** Monotonic milliseconds, for the rate limit (tests). */
  readonly now?: () => number;
}

export interface Route53Proxy {
  readonly server: Server;
  readonly stats: CallStats;
  readonly faults: FaultInjector;
  readonly limiter: AccountRateLimiter;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  readonly outcome: Outcome;
  readonly code?: string;
  /** For a batch: its changes, `ACTION TYPE name [set]`, so suites can see what was sent. */
  readonly changes?: readonly string[];
}

const describeChange = (c: Change): string =>
  `${c.action} ${c.recordSet.type} ${c.recordSet.name}${c.recordSet.setIdentifier === undefined ? '' : ` [${c.recordSet.setIdentifier}]`}`;

const CONTROL_PREFIX = '/__proxy/';

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BadRequest(`request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function errorAnswer(error: Route53Error, outcome: Outcome): Answer {
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml' },
    body: Buffer.from(errorXml(error)),
    outcome,
    code: error.code,
  };
}

function fromUpstream(res: UpstreamResponse, body: Buffer = res.body): Answer {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (
      v !== undefined &&
      !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)
    ) {
      headers[k] = v;
    }
  }
  return { status: res.status, headers, body, outcome: 'forwarded' };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Rewrites every ResourceRecordSet/Name of a request to the form moto should store. */
function canonicaliseRequestNames(root: XmlElement): void {
  const list = child(child(root, 'ChangeBatch') ?? root, 'Changes');
  for (const change of list ? children(list, 'Change') : []) {
    const name = child(child(change, 'ResourceRecordSet') ?? change, 'Name');
    if (name) name.text = canonicalName(name.text.trim());
  }
}

function replaceChild(parent: XmlElement, name: string, replacement: XmlElement | undefined): void {
  const index = parent.children.findIndex((c) => c.name === name);
  if (index >= 0) parent.children.splice(index, 1);
  if (replacement)
    parent.children.splice(index >= 0 ? index : parent.children.length, 0, replacement);
}

/**
 * moto accepts a DELETE only when its change journal holds a CREATE/UPSERT with the same TTL
 * and the values in the same order, where Route 53 compares values as a set. The batch was
 * already judged by Route 53's rules, so send each DELETE of an existing record exactly as
 * moto lists it.
 */
function deleteAsStored(
  root: XmlElement,
  changes: readonly Change[],
  current: readonly RecordSet[],
): void {
  const stored = new Map(current.map((rs) => [recordKey(rs), rs]));
  const list = child(child(root, 'ChangeBatch') ?? root, 'Changes');
  const elements = list ? children(list, 'Change') : [];
  const created = new Set<string>();
  elements.forEach((element, i) => {
    const change = changes[i];
    const rrs = child(element, 'ResourceRecordSet');
    if (!change || !rrs) return;
    const key = recordKey(change.recordSet);
    if (change.action !== 'DELETE') {
      created.add(key);
      return;
    }
    // A record created earlier in this batch is deleted as the batch spelled it.
    const source = created.has(key) ? undefined : stored.get(key)?.source;
    if (!source) return;
    for (const name of ['Name', 'TTL', 'ResourceRecords', 'AliasTarget']) {
      replaceChild(rrs, name, child(source, name));
    }
  });
}

/**
 * moto refuses to CREATE a record again after it was deleted (its check looks at the change
 * journal, not at the zone). The batch was judged already, so each CREATE is a record that
 * does not exist: send it as UPSERT, which moto applies the same way. Not when that would
 * trip moto's own 1,000-value limit, which counts UPSERT twice.
 */
function createAsUpsert(root: XmlElement, changes: readonly Change[]): void {
  if (
    batchSize(changes.map((c) => (c.action === 'CREATE' ? { ...c, action: 'UPSERT' } : c)))
      .records > MAX_RECORDS_PER_BATCH
  ) {
    return;
  }
  const list = child(child(root, 'ChangeBatch') ?? root, 'Changes');
  for (const element of list ? children(list, 'Change') : []) {
    const action = child(element, 'Action');
    if (action && action.text.trim() === 'CREATE') action.text = 'UPSERT';
  }
}

/** Rewrites the names of a ListResourceRecordSets response to Route 53's spelling. */
function route53SpellingInListing(body: Buffer): Buffer {
  const root = parseXml(body.toString('utf8'));
  const sets = child(root, 'ResourceRecordSets');
  for (const rs of sets ? children(sets, 'ResourceRecordSet') : []) {
    const name = child(rs, 'Name');
    if (name) name.text = route53Spelling(name.text.trim());
  }
  const next = child(root, 'NextRecordName');
  if (next) next.text = route53Spelling(next.text.trim());
  return Buffer.from(serializeXml(root));
}

/** The SDK's `app/<id>` User-Agent token (from AWS_SDK_UA_APP_ID), if any. */
export function appIdOf(userAgent: string | undefined): string | undefined {
  return /(?:^|\s)app\/(\S+)/.exec(userAgent ?? '')?.[1];
}

export function createRoute53Proxy(options: ProxyOptions): Route53Proxy {
  const upstream = new URL(options.upstream);
  const route53Names = options.route53Names ?? true;
  const maxBody = options.maxBodyBytes ?? 10 << 20;
  const stats = new CallStats();
  const faults = new FaultInjector();
  const limiter = new AccountRateLimiter(options.rate, {
    ...(options.accounts !== undefined && { accounts: options.accounts }),
    ...(options.now !== undefined && { now: options.now }),
  });
  // Route 53 applies one batch per zone at a time; without this two concurrent batches could
  // both pass the check against the same snapshot.
  const zoneLocks = new Map<string, Promise<unknown>>();

  const withZoneLock = async <T>(zoneId: string, fn: () => Promise<T>): Promise<T> => {
    const previous = zoneLocks.get(zoneId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    zoneLocks.set(zoneId, tail);
    try {
      return await run;
    } finally {
      if (zoneLocks.get(zoneId) === tail) zoneLocks.delete(zoneId);
    }
  };

  const changeRecordSets = async (
    req: IncomingMessage,
    path: string,
    zoneId: string,
    body: Buffer,
  ): Promise<Answer> => {
    let root: XmlElement;
    let changes;
    try {
      root = parseXml(body.toString('utf8'));
      changes = changesFromRequest(root);
    } catch (err) {
      if (err instanceof XmlError || err instanceof BadRequest) {
        return errorAnswer(invalidInput(`Invalid request: ${err.message}`), 'rejected');
      }
      throw err;
    }
    if (changes.length === 0) {
      return errorAnswer(
        invalidInput(
          "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
        'rejected',
      );
    }
    return withZoneLock(zoneId, async () => {
      let zone: string;
      let current;
      try {
        zone = await zoneName(upstream, zoneId);
        current = await listAllRecordSets(upstream, zoneId);
      } catch (err) {
        // No such zone: moto's own answer to the original request is the right one. Anything
        // else fails loudly (502) rather than letting an unchecked batch through.
        if (err instanceof UpstreamError && err.response && isNoSuchHostedZone(err.response)) {
          return fromUpstream(await send(upstream, 'POST', path, req.headers, body));
        }
        throw err;
      }
      const { messages, records: expected } = applyChangeBatch(zone, current, changes);
      const sent = { changes: changes.map(describeChange) };
      if (messages.length > 0) {
        return { ...errorAnswer(invalidChangeBatch(messages), 'rejected'), ...sent };
      }
      if (route53Names) canonicaliseRequestNames(root);
      deleteAsStored(root, changes, current);
      createAsUpsert(root, changes);
      const res = await send(upstream, 'POST', path, req.headers, Buffer.from(serializeXml(root)));
      if (
        res.status === 200 &&
        changes.some((c) => c.action === 'DELETE' && c.recordSet.setIdentifier !== undefined)
      ) {
        await restoreCollateral(zoneId, expected);
      }
      return { ...fromUpstream(res), ...sent };
    });
  };

  // moto deletes by SetIdentifier across the whole zone: put back what Route 53 would have kept.
  const restoreCollateral = async (
    zoneId: string,
    expected: readonly RecordSet[],
  ): Promise<void> => {
    const after = new Set((await listAllRecordSets(upstream, zoneId)).map(recordKey));
    const lost = expected.filter((rs) => !after.has(recordKey(rs)) && rs.source !== undefined);
    if (lost.length === 0) return;
    const changes: XmlElement = { name: 'Changes', attributes: {}, text: '', children: [] };
    for (const rs of lost) {
      const action: XmlElement = { name: 'Action', attributes: {}, text: 'CREATE', children: [] };
      changes.children.push({
        name: 'Change',
        attributes: {},
        text: '',
        children: [action, rs.source as XmlElement],
      });
    }
    const request: XmlElement = {
      name: 'ChangeResourceRecordSetsRequest',
      attributes: { xmlns: 'https://route53.amazonaws.com/doc/2013-04-01/' },
      text: '',
      children: [{ name: 'ChangeBatch', attributes: {}, text: '', children: [changes] }],
    };
    const res = await send(
      upstream,
      'POST',
      `/2013-04-01/hostedzone/${encodeURIComponent(zoneId)}/rrset`,
      { ...OWN_CALL_HEADERS, 'content-type': 'application/xml' },
      Buffer.from(serializeXml(request)),
    );
    if (res.status !== 200) {
      throw new Error(
        `could not restore ${lost.length} record set(s) moto deleted by set identifier: ${res.status} ${res.body.toString('utf8')}`,
      );
    }
  };

  const listRecordSets = async (req: IncomingMessage, rawUrl: string): Promise<Answer> => {
    const url = new URL(rawUrl, 'http://proxy');
    const name = url.searchParams.get('name');
    if (route53Names && name !== null) url.searchParams.set('name', canonicalName(name));
    const res = await send(
      upstream,
      'GET',
      `${url.pathname}${url.search}`,
      req.headers,
      Buffer.alloc(0),
    );
    if (!route53Names || res.status !== 200) return fromUpstream(res);
    return fromUpstream(res, route53SpellingInListing(res.body));
  };

  const control = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<void> => {
    const what = path.slice(CONTROL_PREFIX.length).split('?')[0];
    if (what === 'health' && req.method === 'GET') return json(res, 200, { ok: true });
    if (what === 'stats' && req.method === 'GET') {
      return json(res, 200, { ...stats.snapshot(), rate: limiter.rate ?? null });
    }
    if (what === 'reset' && req.method === 'POST') {
      stats.reset();
      faults.clear();
      limiter.refill();
      return json(res, 200, { ok: true });
    }
    if (what === 'rate' && req.method === 'GET')
      return json(res, 200, { rate: limiter.rate ?? null });
    if (what === 'rate' && req.method === 'POST') {
      try {
        const { rate } = JSON.parse((await readBody(req, 1 << 16)).toString('utf8')) as {
          rate?: unknown;
        };
        if (typeof rate !== 'string') throw new Error('rate must be a string: "off", N or N/BURST');
        limiter.configure(parseRate(rate));
      } catch (err) {
        return json(res, 400, { error: err instanceof Error ? err.message : String(err) });
      }
      return json(res, 200, { rate: limiter.rate ?? null });
    }
    if (what === 'faults' && req.method === 'GET')
      return json(res, 200, { rules: faults.describe() });
    if (what === 'faults' && req.method === 'DELETE') {
      faults.clear();
      return json(res, 200, { rules: [] });
    }
    if (what === 'faults' && req.method === 'POST') {
      try {
        const text = (await readBody(req, 1 << 20)).toString('utf8');
        faults.set(parseFaultSchedule(JSON.parse(text) as unknown));
      } catch (err) {
        return json(res, 400, { error: err instanceof Error ? err.message : String(err) });
      }
      return json(res, 200, { rules: faults.describe() });
    }
    return json(res, 404, { error: `no control endpoint ${req.method ?? ''} ${path}` });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (rawUrl.startsWith(CONTROL_PREFIX)) return control(req, res, rawUrl);

    const started = Date.now();
    const op = operationOf(method, rawUrl);
    let answer: Answer;
    // Route 53 counts a request against the account's budget before anything else about it.
    const admission = limiter.admit(accessKeyOf(req.headers.authorization));
    try {
      const body = await readBody(req, maxBody);
      const decision = admission.admitted
        ? faults.decide(op.name, body.toString('utf8'))
        : { latencyMs: 0, fired: [] };
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (!admission.admitted) {
        answer = errorAnswer(FAULT_ERRORS.Throttling, 'throttled');
      } else if (decision.error) {
        answer = errorAnswer(decision.error, 'fault');
      } else if (op.name === 'ChangeResourceRecordSets' && op.zoneId !== undefined) {
        answer = await changeRecordSets(req, rawUrl, op.zoneId, body);
      } else if (op.name === 'ListResourceRecordSets') {
        answer = await listRecordSets(req, rawUrl);
      } else {
        answer = fromUpstream(await send(upstream, method, rawUrl, req.headers, body));
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A body over the limit is the client's fault; any other failure of the proxy must look
      // like a server error, never like a Route 53 verdict.
      answer =
        err instanceof BadRequest
          ? errorAnswer(invalidInput(message), 'rejected')
          : errorAnswer(
              {
                status: 502,
                type: 'Receiver',
                code: 'ProxyError',
                message: `route53 proxy: ${message}`,
              },
              'fault',
            );
    }
    const durationMs = Date.now() - started;
    const client = appIdOf(req.headers['user-agent']);
    stats.record({
      ...(client !== undefined && { client }),
      account: admission.account,
      at: new Date(started).toISOString(),
      operation: op.name,
      status: answer.status,
      outcome: answer.outcome,
      durationMs,
      ...(answer.code !== undefined ? { code: answer.code } : {}),
      ...(answer.changes !== undefined ? { changes: answer.changes } : {}),
    });
    options.log?.({
      op: op.name,
      method,
      path: rawUrl,
      status: answer.status,
      outcome: answer.outcome,
      code: answer.code,
      account: admission.account,
      ms: durationMs,
    });
    res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    res.end(answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        json(res, 500, { error: err instanceof Error ? err.message : String(err) });
      } else {
        res.destroy();
      }
    });
  });
  return { server, stats, faults, limiter };
}
