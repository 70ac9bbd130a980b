// The Route 53 strictness proxy, tested against Route 53's documented behaviour through the
// real AWS SDK and the real moto behind it. Where moto alone answers differently, a test shows
// that too, so a moto upgrade that closes a gap is noticed.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import type { Change, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { getTestEnvironment, METERED_CREDENTIALS } from '../helpers/environment.js';

const env = getTestEnvironment();
const ZONE = 'proxy.example.com';

interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: string;
}

async function createZone(client: Route53Client, name = ZONE): Promise<string> {
  const res = await client.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `${name}-${process.hrtime.bigint()}`,
    }),
  );
  const id = res.HostedZone?.Id;
  assert.ok(id, 'CreateHostedZone returned no id');
  return id;
}

function send(client: Route53Client, zoneId: string, changes: Change[]) {
  return client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: changes },
    }),
  );
}

async function listAll(client: Route53Client, zoneId: string): Promise<ResourceRecordSet[]> {
  const out: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type'] } = {};
  for (let page = 0; page < 50; page++) {
    const res = await client.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300, ...start }),
    );
    out.push(...(res.ResourceRecordSets ?? []));
    if (!res.IsTruncated) return out;
    start = { StartRecordName: res.NextRecordName, StartRecordType: res.NextRecordType };
  }
  throw new Error('listing did not finish in 50 pages');
}

function a(
  name: string,
  values: string[],
  ttl = 300,
  extra: Partial<ResourceRecordSet> = {},
): ResourceRecordSet {
  return {
    Name: name,
    Type: 'A',
    TTL: ttl,
    ResourceRecords: values.map((Value) => ({ Value })),
    ...extra,
  };
}

/** Asserts the call fails with InvalidChangeBatch and exactly these messages, in order. */
async function rejectsBatch(work: Promise<unknown>, messages: string[]): Promise<void> {
  await assert.rejects(work, (err: SdkError) => {
    assert.equal(err.name, 'InvalidChangeBatch', `${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.equal(err.message, `[${messages.join(', ')}]`);
    return true;
  });
}

describe('Route 53 strictness proxy', () => {
  let r53: Route53Client;
  let moto: Route53Client;
  let zoneId: string;

  beforeEach(async () => {
    await env.resetRoute53();
    // One attempt: these tests are about answers, not the SDK's retries.
    r53 = env.route53({ maxAttempts: 1 });
    moto = env.route53({ endpoint: env.motoEndpoint, maxAttempts: 1 });
    zoneId = await createZone(r53);
  });

  describe('CREATE', () => {
    it('rejects a record set that already exists, even with other values (moto alone duplicates it)', async () => {
      await send(r53, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: a('www.proxy.example.com', ['192.0.2.1']) },
      ]);
      await rejectsBatch(
        send(r53, zoneId, [
          { Action: 'CREATE', ResourceRecordSet: a('WWW.proxy.example.com.', ['192.0.2.2']) },
        ]),
        [
          "Tried to create resource record set [name='www.proxy.example.com.', type='A'] but it already exists",
        ],
      );
      const www = (await listAll(r53, zoneId)).filter((r) => r.Name === 'www.proxy.example.com.');
      assert.deepEqual(www, [a('www.proxy.example.com.', ['192.0.2.1'])]);

      // The gap the proxy closes: moto itself accepts the duplicate.
      await send(moto, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: a('www.proxy.example.com', ['192.0.2.2']) },
      ]);
      const after = (await listAll(moto, zoneId)).filter(
        (r) => r.Name === 'www.proxy.example.com.',
      );
      assert.equal(after.length, 2, 'moto 5.2.1 keeps two A record sets at one name');
    });

    it('creates a record again after it was deleted (moto alone refuses: "already exists")', async () => {
      const rec = a('again.proxy.example.com', ['192.0.2.1']);
      const later = a('zzz.proxy.example.com', ['192.0.2.2']); // moto's check trips on any later name
      await send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: later }]);
      for (let round = 0; round < 2; round++) {
        await send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: rec }]);
        await send(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: rec }]);
      }
      await send(moto, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: a('m.proxy.example.com', ['192.0.2.3']) },
      ]);
      await send(moto, zoneId, [
        { Action: 'DELETE', ResourceRecordSet: a('m.proxy.example.com', ['192.0.2.3']) },
      ]);
      await assert.rejects(
        send(moto, zoneId, [
          { Action: 'CREATE', ResourceRecordSet: a('m.proxy.example.com', ['192.0.2.3']) },
        ]),
        { name: 'InvalidChangeBatch', message: /already exists/ },
      );
    });

    it('names the set identifier of a weighted record that already exists', async () => {
      const weighted = a('w.proxy.example.com', ['192.0.2.1'], 60, {
        SetIdentifier: 'blue',
        Weight: 10,
      });
      await send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: weighted }]);
      await rejectsBatch(send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: weighted }]), [
        "Tried to create resource record set [name='w.proxy.example.com.', type='A', set-identifier='blue'] but it already exists",
      ]);
      await send(r53, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: { ...weighted, SetIdentifier: 'green', Weight: 0 } },
      ]);
    });
  });

  describe('DELETE', () => {
    it('rejects deleting a record that does not exist with InvalidChangeBatch (moto alone: InvalidInput)', async () => {
      const missing = a('gone.proxy.example.com', ['192.0.2.9']);
      await rejectsBatch(send(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: missing }]), [
        "Tried to delete resource record set [name='gone.proxy.example.com.', type='A'] but it was not found",
      ]);
      await assert.rejects(send(moto, zoneId, [{ Action: 'DELETE', ResourceRecordSet: missing }]), {
        name: 'InvalidInput',
      });
    });

    it('rejects stale values or TTL and deletes on an exact match (moto alone accepts stale values)', async () => {
      const v1 = a('app.proxy.example.com', ['192.0.2.1', '192.0.2.2'], 300);
      const v2 = a('app.proxy.example.com', ['192.0.2.3'], 60);
      await send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: v1 }]);
      await send(r53, zoneId, [{ Action: 'UPSERT', ResourceRecordSet: v2 }]);
      const mismatch =
        "Tried to delete resource record set [name='app.proxy.example.com.', type='A'] but the values provided do not match the current values";
      await rejectsBatch(send(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: v1 }]), [
        mismatch,
      ]);
      await rejectsBatch(
        send(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: { ...v2, TTL: 300 } }]),
        [mismatch],
      );
      assert.ok((await listAll(r53, zoneId)).some((r) => r.Name === 'app.proxy.example.com.'));

      await send(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: v2 }]);
      assert.ok(!(await listAll(r53, zoneId)).some((r) => r.Name === 'app.proxy.example.com.'));
    });

    it('matches values as a set, in any order', async () => {
      await send(r53, zoneId, [
        {
          Action: 'CREATE',
          ResourceRecordSet: a('set.proxy.example.com', ['192.0.2.1', '192.0.2.2']),
        },
      ]);
      await send(r53, zoneId, [
        {
          Action: 'DELETE',
          ResourceRecordSet: a('set.proxy.example.com', ['192.0.2.2', '192.0.2.1']),
        },
      ]);
      assert.ok(!(await listAll(r53, zoneId)).some((r) => r.Name === 'set.proxy.example.com.'));
    });

    it('deletes only the weighted record named, not every record with its set identifier', async () => {
      const one = a('one.proxy.example.com', ['192.0.2.1'], 60, { SetIdentifier: 'eu', Weight: 1 });
      const two = a('two.proxy.example.com', ['192.0.2.2'], 60, { SetIdentifier: 'eu', Weight: 1 });
      await send(r53, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: one },
        { Action: 'CREATE', ResourceRecordSet: two },
      ]);
      await send(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: one }]);
      const names = (await listAll(r53, zoneId))
        .filter((r) => r.SetIdentifier === 'eu')
        .map((r) => r.Name);
      assert.deepEqual(names, ['two.proxy.example.com.']);
    });
  });

  describe('batches', () => {
    it('are all-or-nothing: one bad change rejects the batch and nothing is applied', async () => {
      await rejectsBatch(
        send(r53, zoneId, [
          { Action: 'CREATE', ResourceRecordSet: a('ok.proxy.example.com', ['192.0.2.1']) },
          { Action: 'CREATE', ResourceRecordSet: a('bad.proxy.example.com', ['not-an-ip']) },
        ]),
        [
          "Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with 'not-an-ip''",
        ],
      );
      const names = (await listAll(r53, zoneId)).map((r) => r.Name);
      assert.ok(
        !names.includes('ok.proxy.example.com.'),
        `nothing applied, got ${names.join(', ')}`,
      );
    });

    it('report every problem of the batch in one message', async () => {
      await rejectsBatch(
        send(r53, zoneId, [
          { Action: 'DELETE', ResourceRecordSet: a('x.proxy.example.com', ['192.0.2.1']) },
          { Action: 'CREATE', ResourceRecordSet: a('www.other.example.org', ['192.0.2.1']) },
        ]),
        [
          "Tried to delete resource record set [name='x.proxy.example.com.', type='A'] but it was not found",
          'RRSet with DNS name www.other.example.org. is not permitted in zone proxy.example.com.',
        ],
      );
    });

    it('are validated in order: deleting an A and creating a CNAME at its name in one batch works', async () => {
      const aRecord = a('swap.proxy.example.com', ['192.0.2.1']);
      await send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: aRecord }]);
      await send(r53, zoneId, [
        { Action: 'DELETE', ResourceRecordSet: aRecord },
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: 'swap.proxy.example.com',
            Type: 'CNAME',
            TTL: 300,
            ResourceRecords: [{ Value: 'lb.example.net' }],
          },
        },
      ]);
      const swap = (await listAll(r53, zoneId)).filter((r) => r.Name === 'swap.proxy.example.com.');
      assert.deepEqual(
        swap.map((r) => r.Type),
        ['CNAME'],
      );
    });

    it('may hold at most 1,000 values, UPSERT counting twice', async () => {
      const values = (n: number, base: number): string[] =>
        Array.from({ length: n }, (_, i) => `10.${base}.${Math.floor(i / 250)}.${i % 250}`);
      const changes = (action: 'CREATE' | 'UPSERT'): Change[] =>
        Array.from({ length: 6 }, (_, i) => ({
          Action: action,
          ResourceRecordSet: a(`bulk${i}.proxy.example.com`, values(100, i)),
        }));
      // 600 values: fine as CREATE, 1,200 as UPSERT.
      await rejectsBatch(send(r53, zoneId, changes('UPSERT')), [
        'Number of records limit of 1000 exceeded.',
      ]);
      await send(r53, zoneId, changes('CREATE'));
    });

    it('may hold at most 32,000 value characters, UPSERT counting twice', async () => {
      const txt = `"${'a'.repeat(250)}" "${'b'.repeat(250)}" "${'c'.repeat(250)}" "${'d'.repeat(139)}"`; // 900 chars
      assert.equal(txt.length, 900);
      const changes = (action: 'CREATE' | 'UPSERT', n: number): Change[] =>
        Array.from({ length: n }, (_, i) => ({
          Action: action,
          ResourceRecordSet: {
            Name: `t${i}.proxy.example.com`,
            Type: 'TXT',
            TTL: 300,
            ResourceRecords: [{ Value: txt }],
          },
        }));
      await rejectsBatch(send(r53, zoneId, changes('CREATE', 36)), [
        'Number of characters limit of 32000 exceeded.',
      ]);
      await rejectsBatch(send(r53, zoneId, changes('UPSERT', 20)), [
        'Number of characters limit of 32000 exceeded.',
      ]);
      await send(r53, zoneId, changes('CREATE', 20)); // 18,000 characters
    });
  });

  describe('record rules', () => {
    it('keeps a CNAME alone at its name, both ways', async () => {
      await send(r53, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: a('host.proxy.example.com', ['192.0.2.1']) },
      ]);
      await rejectsBatch(
        send(r53, zoneId, [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: 'host.proxy.example.com',
              Type: 'CNAME',
              TTL: 300,
              ResourceRecords: [{ Value: 'lb.example.net' }],
            },
          },
        ]),
        [
          'RRSet of type CNAME with DNS name host.proxy.example.com. is not permitted as it conflicts with other records with the same DNS name in zone proxy.example.com.',
        ],
      );
      await send(r53, zoneId, [
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: 'alias.proxy.example.com',
            Type: 'CNAME',
            TTL: 300,
            ResourceRecords: [{ Value: 'lb.example.net' }],
          },
        },
      ]);
      await rejectsBatch(
        send(r53, zoneId, [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'alias.proxy.example.com',
              Type: 'TXT',
              TTL: 300,
              ResourceRecords: [{ Value: '"owner"' }],
            },
          },
        ]),
        [
          'RRSet of type TXT with DNS name alias.proxy.example.com. is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone proxy.example.com.',
        ],
      );
    });

    it('refuses a CNAME at the apex and a CNAME with two values', async () => {
      const cname = (name: string, values: string[]): Change => ({
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: name,
          Type: 'CNAME',
          TTL: 300,
          ResourceRecords: values.map((Value) => ({ Value })),
        },
      });
      await rejectsBatch(send(r53, zoneId, [cname('proxy.example.com', ['lb.example.net'])]), [
        'RRSet of type CNAME with DNS name proxy.example.com. is not permitted at apex in zone proxy.example.com.',
      ]);
      await rejectsBatch(
        send(r53, zoneId, [cname('two.proxy.example.com', ['a.example.net', 'b.example.net'])]),
        [
          'RRSet of type CNAME with DNS name two.proxy.example.com. must have exactly one value, got 2',
        ],
      );
    });

    it('checks A, AAAA and TXT values', async () => {
      const rr = (Type: 'A' | 'AAAA' | 'TXT', Value: string): Change => ({
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: `v-${Type.toLowerCase()}.proxy.example.com`,
          Type,
          TTL: 300,
          ResourceRecords: [{ Value }],
        },
      });
      await rejectsBatch(
        send(r53, zoneId, [rr('A', '256.1.1.1'), rr('AAAA', '192.0.2.1'), rr('TXT', 'unquoted')]),
        [
          "Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '256.1.1.1''",
          "Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '192.0.2.1''",
          "Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with 'unquoted''",
        ],
      );
      await send(r53, zoneId, [
        rr('A', '192.0.2.1'),
        rr('AAAA', '2001:db8::1'),
        rr('TXT', '"heritage=aws-controller"'),
      ]);
    });

    it('lists names the way Route 53 spells them: lower case, * as \\052', async () => {
      const wildcard: ResourceRecordSet = {
        Name: '*.Apps.proxy.example.com',
        Type: 'CNAME',
        TTL: 300,
        ResourceRecords: [{ Value: 'lb.example.net' }],
      };
      await send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: wildcard }]);
      const listed = (await listAll(r53, zoneId)).find((r) => r.Type === 'CNAME');
      assert.equal(listed?.Name, '\\052.apps.proxy.example.com.');
      // What a syncer reads back must be usable to delete it.
      await send(r53, zoneId, [
        { Action: 'DELETE', ResourceRecordSet: { ...wildcard, Name: listed?.Name } },
      ]);
      assert.ok(!(await listAll(r53, zoneId)).some((r) => r.Type === 'CNAME'));
    });
  });

  it(
    'judges batches in zones with more weighted records at one name than fit a page',
    { timeout: 120_000 },
    async () => {
      // moto 5.2.1 has no NextRecordIdentifier: naive paging over these loops forever.
      const weighted = (i: number): ResourceRecordSet =>
        a('many.proxy.example.com', [`10.1.${Math.floor(i / 250)}.${i % 250}`], 60, {
          SetIdentifier: `id-${i}`,
          Weight: 1,
        });
      for (let batch = 0; batch < 4; batch++) {
        await send(
          r53,
          zoneId,
          Array.from({ length: 90 }, (_, j) => ({
            Action: 'CREATE' as const,
            ResourceRecordSet: weighted(batch * 90 + j),
          })),
        );
      }
      await rejectsBatch(
        send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: weighted(3) }]),
        [
          "Tried to create resource record set [name='many.proxy.example.com.', type='A', set-identifier='id-3'] but it already exists",
        ],
      );
      await send(r53, zoneId, [{ Action: 'DELETE', ResourceRecordSet: weighted(359) }]);
      await send(r53, zoneId, [{ Action: 'CREATE', ResourceRecordSet: weighted(360) }]);
    },
  );

  describe('stats', () => {
    it('count calls per operation, with outcomes and timestamps', async () => {
      await env.proxy.reset();
      await listAll(r53, zoneId);
      await send(r53, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: a('s.proxy.example.com', ['192.0.2.1']) },
      ]);
      await send(r53, zoneId, [
        { Action: 'CREATE', ResourceRecordSet: a('s.proxy.example.com', ['192.0.2.1']) },
      ]).catch(() => undefined);
      const stats = await env.proxy.stats();
      assert.equal(stats.total, 3);
      assert.deepEqual(stats.byOperation['ListResourceRecordSets'], {
        calls: 1,
        forwarded: 1,
        rejected: 0,
        faults: 0,
        throttled: 0,
      });
      assert.deepEqual(stats.byOperation['ChangeResourceRecordSets'], {
        calls: 2,
        forwarded: 1,
        rejected: 1,
        faults: 0,
        throttled: 0,
      });
      assert.deepEqual(stats.codes, { InvalidChangeBatch: 1 });
      assert.deepEqual(
        stats.recent.map((c) => `${c.operation} ${c.status}`),
        [
          'ListResourceRecordSets 200',
          'ChangeResourceRecordSets 200',
          'ChangeResourceRecordSets 400',
        ],
      );
      assert.ok(stats.recent.every((c) => !Number.isNaN(Date.parse(c.at))));
    });
  });

  describe('faults', () => {
    const create = (name: string): Change[] => [
      { Action: 'CREATE', ResourceRecordSet: a(name, ['192.0.2.1']) },
    ];

    it('answers Throttling for the next N calls of an operation, then recovers', async () => {
      await env.proxy.setFaults({
        rules: [{ kind: 'Throttling', operation: 'ChangeResourceRecordSets', count: 2 }],
      });
      for (let i = 0; i < 2; i++) {
        await assert.rejects(send(r53, zoneId, create('t.proxy.example.com')), (err: SdkError) => {
          assert.equal(err.name, 'Throttling');
          assert.equal(err.message, 'Rate exceeded');
          assert.equal(err.$metadata?.httpStatusCode, 400);
          return true;
        });
      }
      await listAll(r53, zoneId); // other operations are unaffected
      await send(r53, zoneId, create('t.proxy.example.com'));
      const stats = await env.proxy.stats();
      assert.deepEqual(stats.byOperation['ChangeResourceRecordSets'], {
        calls: 3,
        forwarded: 1,
        rejected: 0,
        faults: 2,
        throttled: 0,
      });
      assert.equal(stats.codes['Throttling'], 2);
    });

    it("is retried by the SDK's standard retry strategy (each attempt is counted)", async () => {
      await env.proxy.setFaults({ rules: [{ kind: 'PriorRequestNotComplete', count: 2 }] });
      const retrying = env.route53({ maxAttempts: 3 });
      const res = await send(retrying, zoneId, create('retry.proxy.example.com'));
      assert.equal(res.$metadata.attempts, 3);
      assert.deepEqual((await env.proxy.stats()).byOperation['ChangeResourceRecordSets'], {
        calls: 3,
        forwarded: 1,
        rejected: 0,
        faults: 2,
        throttled: 0,
      });
    });

    it('answers PriorRequestNotComplete, HTTP 500 and HTTP 503 with Route 53 error bodies', async () => {
      const expectations: [string, string, number][] = [
        ['PriorRequestNotComplete', 'PriorRequestNotComplete', 400],
        ['InternalError', 'InternalFailure', 500],
        ['ServiceUnavailable', 'ServiceUnavailable', 503],
      ];
      for (const [kind, name, status] of expectations) {
        await env.proxy.setFaults({ rules: [{ kind: kind as 'Throttling', count: 1 }] });
        await assert.rejects(listAll(r53, zoneId), (err: SdkError) => {
          assert.equal(err.name, name);
          assert.equal(err.$metadata?.httpStatusCode, status);
          assert.equal(err.$fault, status >= 500 ? 'server' : 'client');
          return true;
        });
      }
    });

    it('adds latency', async () => {
      await env.proxy.setFaults({ rules: [{ kind: 'Latency', latencyMs: 400, count: 1 }] });
      const started = Date.now();
      await listAll(r53, zoneId);
      assert.ok(Date.now() - started >= 400, `took ${Date.now() - started} ms`);
    });

    it('fires with a seeded probability, the same way on every run', async () => {
      const outcomes = async (): Promise<string> => {
        await env.proxy.setFaults({ seed: 7, rules: [{ kind: 'Throttling', probability: 0.5 }] });
        let pattern = '';
        for (let i = 0; i < 16; i++) {
          pattern += await listAll(r53, zoneId).then(
            () => '.',
            () => 'T',
          );
        }
        return pattern;
      };
      const first = await outcomes();
      assert.match(first, /T/);
      assert.match(first, /\./);
      assert.equal(await outcomes(), first);
      await env.proxy.clearFaults();
    });

    it('refuses a malformed schedule', async () => {
      const res = await fetch(`${env.state.route53ProxyControl}/faults`, {
        method: 'POST',
        body: JSON.stringify({ rules: [{ kind: 'Meteor' }] }),
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /rules\[0\]\.kind must be one of/);
    });
  });
  describe('account rate limit', () => {
    // As the controllers are: counted against the account (the observer key r53 uses is not).
    const metered = (maxAttempts: number) =>
      env.route53({ credentials: METERED_CREDENTIALS, maxAttempts });
    const listZones = (client: Route53Client) => client.send(new ListHostedZonesCommand({}));
    const startRate = env.state.route53Rate ?? '5/5';
    const withRate = async (rate: string, work: () => Promise<void>): Promise<void> => {
      await env.proxy.setRate(rate);
      try {
        await work();
      } finally {
        await env.proxy.setRate(startRate);
      }
    };

    it('answers Throttling (HTTP 400, Route 53 error body) beyond a burst of 5 requests at once', () =>
      withRate('5/5', async () => {
        await env.proxy.reset();
        const client = metered(1);
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => listZones(client)),
        );
        const refused = results.flatMap((r) =>
          r.status === 'rejected' ? [r.reason as SdkError] : [],
        );
        assert.equal(results.length - refused.length, 5);
        assert.equal(refused.length, 3);
        for (const err of refused) {
          assert.equal(err.name, 'Throttling');
          assert.equal(err.message, 'Rate exceeded');
          assert.equal(err.$metadata?.httpStatusCode, 400);
          assert.equal(err.$fault, 'client');
        }
        const stats = await env.proxy.stats();
        assert.deepEqual(stats.byOperation['ListHostedZones'], {
          calls: 8,
          forwarded: 5,
          rejected: 0,
          faults: 0,
          throttled: 3,
        });
        assert.equal(stats.codes['Throttling'], 3);
        assert.deepEqual(stats.rate, { perSecond: 5, burst: 5 });
        assert.ok(stats.recent.every((c) => c.account === 'default'));
      }));

    it('is counted over every client of the account: two keys share one budget', () =>
      withRate('5/5', async () => {
        await env.proxy.reset();
        const other = env.route53({
          credentials: { accessKeyId: 'another-cluster', secretAccessKey: 'x' },
          maxAttempts: 1,
        });
        const results = await Promise.allSettled([
          ...Array.from({ length: 4 }, () => listZones(metered(1))),
          ...Array.from({ length: 4 }, () => listZones(other)),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
      }));

    it("is classified as throttling by the SDK's standard retry strategy, which retries it", () =>
      withRate('5/5', async () => {
        await env.proxy.reset();
        // A 400 is retried by the SDK only when it is a throttling error.
        const client = metered(6);
        const answers = await Promise.all(Array.from({ length: 8 }, () => listZones(client)));
        assert.ok(answers.some((res) => (res.$metadata.attempts ?? 1) > 1));
        const stats = await env.proxy.stats();
        assert.equal(stats.byOperation['ListHostedZones']?.forwarded, 8);
        assert.ok((stats.byOperation['ListHostedZones']?.throttled ?? 0) >= 3);
      }));

    it('refills at 5 per second: a client spaced 250 ms apart is never throttled', () =>
      withRate('5/5', async () => {
        await env.proxy.reset();
        const client = metered(1);
        for (let i = 0; i < 12; i++) {
          await listZones(client);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        assert.equal((await env.proxy.stats()).byOperation['ListHostedZones']?.throttled, 0);
      }));

    it("exempts the suites' observer, and is off when set so", async () => {
      await env.proxy.reset();
      const observed = await Promise.allSettled(Array.from({ length: 12 }, () => listZones(r53)));
      assert.ok(observed.every((r) => r.status === 'fulfilled'));
      await withRate('off', async () => {
        const client = metered(1);
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, () => listZones(client)),
        );
        assert.ok(results.every((r) => r.status === 'fulfilled'));
        assert.equal((await env.proxy.stats()).rate, null);
      });
    });

    it('refuses a malformed rate', async () => {
      const res = await fetch(`${env.state.route53ProxyControl}/rate`, {
        method: 'POST',
        body: JSON.stringify({ rate: 'fast' }),
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /N or N\/BURST/);
    });
  });
});
