// The syncer's Route 53 client against moto (through the strictness proxy): a zone longer than
// one page is listed whole, and every page is its own request through the rate limit, counted
// as the proxy counts it. Before, a listing took one token for all its pages, so a 10,000-record
// zone went out as 34 requests back to back, well past Route 53's 5 per second.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { RateLimiter } from '../../syncer/route53/rate-limiter.js';
import { ResilientRoute53Api } from '../../syncer/route53/resilient-client.js';
import { SdkRoute53Api } from '../../syncer/route53/sdk-client.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { createZone } from '../helpers/route53-zones.js';

const env = getTestEnvironment();

it('lists a zone of several pages whole, each page a rate-limited, counted request', async () => {
  const ns = await env.createNamespace('pages');
  const zone = `${ns}.example.com`;
  const zoneId = await createZone(env, zone);
  const names = Array.from({ length: 650 }, (_, i) => `h${i}.${zone}`);
  await env.route53().send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: names.map((Name) => ({
          Action: 'CREATE',
          ResourceRecordSet: {
            Name,
            Type: 'A',
            TTL: 60,
            ResourceRecords: [{ Value: '192.0.2.1' }],
          },
        })),
      },
    }),
  );

  const attempts: string[] = [];
  const sdk = new SdkRoute53Api({
    endpoint: env.route53Endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  // When each page request leaves this process: the limiter's schedule, without the jitter of
  // its arrival at the proxy on a loaded machine.
  const pageSent: number[] = [];
  const listPage = sdk.listResourceRecordSetsPage.bind(sdk);
  sdk.listResourceRecordSetsPage = (...args) => {
    pageSent.push(performance.now());
    return listPage(...args);
  };
  const client = new ResilientRoute53Api(sdk, {
    limiter: new RateLimiter(4),
    onAttempt: (operation, outcome) => attempts.push(`${operation} ${outcome}`),
  });
  await env.proxy.reset();
  const sets = await client.listResourceRecordSets(zoneId);

  // 650 A records, the SOA and the NS: three pages of at most 300.
  assert.equal(sets.length, 652);
  assert.equal(new Set(sets.map((s) => `${s.Name}|${s.Type}`)).size, 652);
  assert.deepEqual(attempts, Array(3).fill('ListResourceRecordSets success'));
  const stats = await env.proxy.stats();
  assert.equal(stats.byOperation['ListResourceRecordSets']?.calls, 3);
  const gaps = pageSent.slice(1).map((t, i) => t - (pageSent[i] ?? 0));
  // 4 per second: a quarter of a second between requests at the least (a few ms of timer
  // granularity allowed for; more load only makes the gaps longer).
  assert.ok(
    gaps.every((gap) => gap >= 245),
    `gaps between pages ${gaps.join(', ')} ms`,
  );
});
