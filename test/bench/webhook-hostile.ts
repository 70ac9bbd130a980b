// The webhook's worst case: how long the hostile inputs of issue 10 (and the largest objects
// the limits admit) take to answer, and how long they hold up a small request sent meanwhile.
// The real webhook runs in its own process; while each hostile request is in flight, small
// reviews go back to back on one keep-alive connection, so a stalled event loop shows up as
// their worst latency.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { MAX_NAMES_PER_OBJECT, MAX_VALUE_LENGTH } from '../../core/annotations/limits.js';
import { PREFIX } from '../../core/annotations/prefix.js';
import {
  hostileRequests,
  hostileReview,
  ISTIO_GATEWAY,
  type FuzzRequest,
} from '../../webhook/testing/review-fuzz.js';
import {
  makeServingFiles,
  postToWebhook,
  startWebhookProcess,
  type WebhookProcess,
} from '../helpers/webhook-process.js';
import { describeRun, fmt, median, mib, table, type RunInfo } from './report.js';

export interface HostileBenchOptions {
  readonly runs: number;
  readonly log: (line: string) => void;
}

async function send(server: WebhookProcess, agent: Agent, req: FuzzRequest): Promise<Answer> {
  const answer = await postToWebhook(server, agent, req);
  return { status: answer.status, body: answer.body.toString('utf8'), ms: answer.ms };
}

interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** The server's peak RSS so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib ?? 0) * 1024;
}

const small: FuzzRequest = {
  label: 'small',
  path: '/validate',
  contentType: 'application/json',
  body: hostileReview(
    ISTIO_GATEWAY,
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 's', namespace: 'tenant', annotations: { [`${PREFIX}ttl`]: '60' } },
      spec: { servers: [{ hosts: ['s.example.com'] }] },
    },
    'small',
  ),
};

/** The largest object the limits admit: every list at the limit, the longest value allowed. */
function largestAdmitted(): (FuzzRequest & { expect: { status: 200 } })[] {
  const names = (prefix: string) =>
    Array.from(
      { length: MAX_NAMES_PER_OBJECT },
      (_, i) => `${prefix}${String(i).padStart(4, '0')}.example.com`,
    );
  // Names padded so that the list is as long as a value may be.
  const pad = 'a'.repeat(Math.floor(MAX_VALUE_LENGTH / MAX_NAMES_PER_OBJECT) - 22);
  const annotationNames = names(`x${pad}`).join(',');
  const object = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: {
      name: 'largest',
      namespace: 'tenant',
      annotations: {
        [`${PREFIX}hostname`]: annotationNames,
        [`${PREFIX}target`]: Array.from(
          { length: MAX_NAMES_PER_OBJECT },
          (_, i) => `2001:DB8::${i.toString(16)}`,
        ).join(','),
      },
    },
    spec: { servers: [{ hosts: names('spec') }] },
  };
  return (['/validate', '/mutate'] as const).map((path) => ({
    label: `largest admitted object: ${MAX_NAMES_PER_OBJECT} names in the spec, in \`hostname\` (${annotationNames.length.toLocaleString('en-US')} characters) and in \`target\``,
    path,
    contentType: 'application/json',
    body: hostileReview(ISTIO_GATEWAY, object, `largest-${path}`),
    expect: { status: 200 },
  }));
}

function verdict(answer: Answer): string {
  if (answer.status !== 200) return String(answer.status);
  const { response } = JSON.parse(answer.body) as {
    response: { allowed: boolean; patch?: string };
  };
  return response.allowed ? (response.patch !== undefined ? 'patched' : 'allowed') : 'denied';
}

export async function hostileBench(options: HostileBenchOptions, info: RunInfo): Promise<string> {
  const { log } = options;
  const files = await makeServingFiles('webhook-hostile-');
  const server = await startWebhookProcess({ files });
  const hostileAgent = new Agent({ keepAlive: false });
  const smallAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const cases = [...(await hostileRequests()), ...largestAdmitted()];
    const rowsOut: string[][] = [];
    for (const c of cases) {
      const own: number[] = [];
      const stalls: number[] = [];
      let answered = '';
      const peakBefore = peakRss(server.pid);
      // Warm the connection used for small requests.
      await send(server, smallAgent, small);
      for (let run = 0; run < options.runs; run++) {
        let done = false;
        const hostile = send(server, hostileAgent, c).finally(() => (done = true));
        const smallLatencies: number[] = [];
        while (!done) smallLatencies.push((await send(server, smallAgent, small)).ms);
        const answer = await hostile;
        answered = verdict(answer);
        const expected =
          c.expect.status === 413
            ? '413'
            : 'denied' in c.expect && c.path === '/validate'
              ? 'denied'
              : undefined;
        if (expected !== undefined && answered !== expected) {
          throw new Error(`${c.label}: answered ${answered}, expected ${expected}`);
        }
        own.push(answer.ms);
        stalls.push(Math.max(0, ...smallLatencies));
      }
      const peakGrowth = peakRss(server.pid) - peakBefore;
      log(
        `hostile ${c.label} ${c.path}: ${answered}, median ${fmt(median(own))} ms, max ${fmt(Math.max(...own))} ms, small request worst ${fmt(Math.max(...stalls))} ms`,
      );
      rowsOut.push([
        c.label,
        c.path,
        `${(c.body.length / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 })} KiB${c.contentEncoding !== undefined ? ` ${c.contentEncoding}` : ''}`,
        answered,
        fmt(median(own)),
        fmt(Math.max(...own)),
        fmt(Math.max(...stalls)),
        peakGrowth > 0 ? `+${mib(peakGrowth)}` : '0',
      ]);
    }
    if (server.exited() !== undefined) throw new Error(`the webhook died: ${server.output()}`);
    return [
      '## Webhook: worst-case latency on hostile inputs',
      '',
      describeRun(info),
      '',
      `${options.runs} runs per input against \`aws-controller webhook\` in its own process (log level info). ` +
        'While each hostile request is in flight, small `/validate` reviews are sent back to back on one ' +
        'keep-alive connection: their worst latency is how long the hostile one held up everyone else ' +
        '(it includes the small request’s own ~1 ms). Latencies are client-side, from the first byte ' +
        'sent to the last received, so the large bodies include their upload over loopback TLS. ' +
        '"peak RSS" is how much the server’s high-water mark rose during that input’s runs (0: not above ' +
        `an earlier one). Limits: ${MAX_NAMES_PER_OBJECT.toLocaleString('en-US')} names per list, ` +
        `${MAX_VALUE_LENGTH.toLocaleString('en-US')} characters per value, 6 MiB per body (inflated). ` +
        'Before the limits (issue 10): 200,000 names took 138 s and were admitted; 70 KB of gzip took 5.2 s.',
      '',
      table(
        [
          'input',
          'path',
          'body on the wire',
          'answer',
          'median ms',
          'max ms',
          'small request worst ms',
          'peak RSS',
        ],
        rowsOut,
      ),
    ].join('\n');
  } finally {
    hostileAgent.destroy();
    smallAgent.destroy();
    await server.stop();
    await rm(files.dir, { recursive: true, force: true });
  }
}
