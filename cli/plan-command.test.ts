import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_ADDRESSES_PER_NAME } from '../core/annotations/limits.js';
import { applyChanges } from '../core/records/apply-changes.js';
import type { Change } from '../core/records/route53-types.js';
import { EXAMPLES, runCommand } from './testing/run-cli.js';
import { parseDomainFilter, parseIngressNamespaces, parsePolicy } from './plan-options.js';

const run = runCommand;
const examples = EXAMPLES;
const bookinfo = join(examples, 'bookinfo');

interface JsonPlan {
  changes: { hostedZoneId: string; changes: Change[] }[];
  refused: { reason: string; message: string }[];
  notes: { reason: string; message: string }[];
  denied: string[];
}

let dir: string;
let zones: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-'));
  zones = join(dir, 'zones.json');
  await writeFile(
    zones,
    JSON.stringify({
      HostedZones: [
        { Id: '/hostedzone/Z1', Name: 'example.com.', Config: { PrivateZone: false } },
        { Id: '/hostedzone/Z2', Name: 'other.org.', Config: { PrivateZone: false } },
      ],
    }),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function planJson(extra: string[], files = [bookinfo]) {
  const { code, stdout, stderr } = await run([
    'plan',
    ...files.flatMap((f) => ['-f', f]),
    '--zones',
    zones,
    '--owner-id',
    'ci',
    '-o',
    'json',
    ...extra,
  ]);
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout) as JsonPlan;
}

/** An A record of ours as Route 53 lists it, with the ownership TXT owner `ci` writes. */
const ours = (name: string, values: string[], resource: string) => [
  { Name: `${name}.`, Type: 'A', TTL: 300, ResourceRecords: values.map((Value) => ({ Value })) },
  {
    Name: `a-${name}.`,
    Type: 'TXT',
    TTL: 300,
    ResourceRecords: [
      {
        Value: `"heritage=aws-controller,aws-controller/owner=ci,aws-controller/resource=${resource}"`,
      },
    ],
  },
];

const summary = (plan: JsonPlan) =>
  plan.changes.flatMap((r) =>
    r.changes.map(
      (c) =>
        `${r.hostedZoneId} ${c.Action} ${c.ResourceRecordSet.Type} ${c.ResourceRecordSet.Name}`,
    ),
  );

describe('aws-controller plan', () => {
  it('prints the requests the syncer would send, in the API shape, into an empty zone', async () => {
    const plan = await planJson([]);
    assert.deepEqual(summary(plan), [
      'Z1 CREATE A bookinfo.example.com',
      'Z1 CREATE TXT a-bookinfo.example.com',
      'Z1 CREATE A canary.example.com',
      'Z1 CREATE TXT a-canary.example.com',
      'Z1 CREATE A ratings.example.com',
      'Z1 CREATE TXT a-ratings.example.com',
      'Z1 CREATE A reviews.example.com',
      'Z1 CREATE TXT a-reviews.example.com',
    ]);
    const canary = plan.changes[0]?.changes.find(
      (c) => c.ResourceRecordSet.Name === 'canary.example.com' && c.ResourceRecordSet.Type === 'A',
    );
    assert.deepEqual(canary?.ResourceRecordSet, {
      Name: 'canary.example.com',
      Type: 'A',
      TTL: 300,
      ResourceRecords: [{ Value: '203.0.113.10' }],
      SetIdentifier: 'cluster-east',
      Weight: 50,
    });
    const txt = plan.changes[0]?.changes.find(
      (c) => c.ResourceRecordSet.Name === 'a-bookinfo.example.com',
    );
    assert.equal(
      txt?.ResourceRecordSet.ResourceRecords?.[0]?.Value,
      '"heritage=aws-controller,aws-controller/owner=ci,aws-controller/resource=gateway/bookinfo/bookinfo-gateway"',
    );
  });

  it('plans the same from the manifests as JSON documents in a row (kubectl get -o json each)', async () => {
    const { parseAllDocuments } = await import('yaml');
    const files = ['gateway.yaml', 'ingressgateway-service.yaml', 'virtualservice.yaml'];
    const objects = (
      await Promise.all(files.map((f) => readFile(join(bookinfo, f), 'utf8')))
    ).flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as unknown));
    assert.ok(objects.length >= 3);
    const stream = join(dir, 'bookinfo-stream.json');
    await writeFile(stream, objects.map((o) => JSON.stringify(o, null, 4)).join('\n'));
    assert.deepEqual(await planJson([], [stream]), await planJson([]));
  });

  it('plans nothing once Route 53 holds the result (steady state)', async () => {
    const first = await planJson([]);
    const listing = applyChanges(
      [],
      first.changes.flatMap((r) => r.changes),
    );
    const records = join(dir, 'z1.json');
    await writeFile(records, JSON.stringify({ ResourceRecordSets: listing }));
    const again = await planJson(['--records', `/hostedzone/Z1=${records}`]);
    assert.deepEqual(again.changes, []);
    const text = await run([
      'plan',
      '-f',
      bookinfo,
      '--zones',
      zones,
      '--records',
      `Z1=${records}`,
      '--owner-id',
      'ci',
    ]);
    assert.match(text.stdout, /No changes/);
  });

  it('deletes a stale record of ours under SYNC only', async () => {
    const records = join(dir, 'stale.json');
    await writeFile(
      records,
      JSON.stringify({
        ResourceRecordSets: [
          ...ours('gone.example.com', ['192.0.2.1'], 'gateway/x/y'),
          {
            Name: 'theirs.example.com.',
            Type: 'A',
            TTL: 300,
            ResourceRecords: [{ Value: '192.0.2.2' }],
          },
        ],
      }),
    );
    const deletes = (plan: JsonPlan) => summary(plan).filter((l) => l.includes('DELETE'));
    assert.deepEqual(deletes(await planJson(['--records', `Z1=${records}`])), [
      'Z1 DELETE A gone.example.com',
      'Z1 DELETE TXT a-gone.example.com',
    ]);
    for (const policy of ['UPSERT_ONLY', 'create-only']) {
      assert.deepEqual(
        deletes(await planJson(['--records', `Z1=${records}`, '--policy', policy])),
        [],
      );
    }
  });

  it('keeps a record of ours whose object now has more addresses than a name may carry', async () => {
    // Published when it had 450 (a record Route 53 could create but never update with its
    // TXT in one request); it must not be deleted for being over the limit now.
    const ips = (n: number) => Array.from({ length: n }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
    const manifests = join(dir, 'wide-service.json');
    await writeFile(
      manifests,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'wide',
          namespace: 'x',
          annotations: { 'route53.v1beta1.tetrate.io/hostname': 'wide.example.com' },
        },
        spec: { ports: [{ port: 80 }], externalIPs: ips(MAX_ADDRESSES_PER_NAME + 60) },
      }),
    );
    const records = join(dir, 'wide-records.json');
    await writeFile(
      records,
      JSON.stringify({
        ResourceRecordSets: [
          ...ours('wide.example.com', ips(MAX_ADDRESSES_PER_NAME + 50), 'service/x/wide'),
        ],
      }),
    );
    const plan = await planJson(['--records', `Z1=${records}`], [manifests]);
    assert.deepEqual(summary(plan), []);
    assert.deepEqual(
      plan.notes.map((n) => n.reason),
      ['TooManyAddresses'],
    );
  });

  it('derives the owner ID as the syncer and the chart do, from --cluster-uid (and --release, --release-namespace)', async () => {
    const uid = '5f0c2a8e-7f3b-4c1d-9a51-2b7e8d4c6f10';
    const ownedBy = (owner: string) => [
      { Name: 'gone.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.1' }] },
      {
        Name: 'a-gone.example.com.',
        Type: 'TXT',
        TTL: 300,
        ResourceRecords: [
          {
            Value: `"heritage=aws-controller,aws-controller/owner=${owner},aws-controller/resource=gateway/x/y"`,
          },
        ],
      },
    ];
    const records = join(dir, 'derived.json');
    const plan = async (extra: string[]) => {
      const { code, stdout, stderr } = await run([
        ...['plan', '-f', bookinfo, '--zones', zones, '--records', `Z1=${records}`, '-o', 'json'],
        ...extra,
      ]);
      assert.equal(code, 0, stderr);
      return summary(JSON.parse(stdout) as JsonPlan).filter((l) => l.includes('gone'));
    };
    const ours = ['Z1 DELETE A gone.example.com', 'Z1 DELETE TXT a-gone.example.com'];

    // What the chart installed as `aws-controller` in istio-system wrote: ours by default.
    await writeFile(
      records,
      JSON.stringify({ ResourceRecordSets: ownedBy(`aws-controller.istio-system.${uid}`) }),
    );
    assert.deepEqual(await plan(['--cluster-uid', uid]), ours);
    assert.deepEqual(await plan(['--cluster-uid', uid, '--release', 'other']), [], 'not ours');

    // Another release name and namespace: named, they derive that installation's ID.
    await writeFile(
      records,
      JSON.stringify({ ResourceRecordSets: ownedBy(`dns.platform.${uid}`) }),
    );
    assert.deepEqual(
      await plan(['--cluster-uid', uid, '--release', 'dns', '--release-namespace', 'platform']),
      ours,
    );
    assert.deepEqual(await plan(['--owner-id', `dns.platform.${uid}`]), ours, '--owner-id wins');

    // Neither: no guess that would show our records as someone else's.
    const { code, stderr } = await run(['plan', '-f', bookinfo, '--zones', zones]);
    assert.equal(code, 2);
    assert.match(stderr, /plan needs the owner ID your syncer writes.*--cluster-uid/);
  });

  it('holds back deleting most of what we own in a zone, unless the limit says otherwise', async () => {
    const records = join(dir, 'many.json');
    const owned = Array.from({ length: 12 }, (_, i) => [
      {
        Name: `old${i}.example.com.`,
        Type: 'A',
        TTL: 300,
        ResourceRecords: [{ Value: '192.0.2.1' }],
      },
      {
        Name: `a-old${i}.example.com.`,
        Type: 'TXT',
        TTL: 300,
        ResourceRecords: [
          {
            Value:
              '"heritage=aws-controller,aws-controller/owner=ci,aws-controller/resource=gateway/x/y"',
          },
        ],
      },
    ]).flat();
    await writeFile(records, JSON.stringify({ ResourceRecordSets: owned }));
    const held = (await planJson(['--records', `Z1=${records}`])) as JsonPlan & {
      heldBack: { hostedZoneId: string; deletions: number; owned: number }[];
    };
    assert.ok(!summary(held).some((l) => l.includes('DELETE')));
    assert.ok(summary(held).some((l) => l.includes('CREATE A bookinfo.example.com')));
    assert.deepEqual(
      held.heldBack.map((h) => `${h.hostedZoneId} ${h.deletions}/${h.owned}`),
      ['Z1 12/12'],
    );
    const all = await planJson(['--records', `Z1=${records}`, '--max-delete-fraction', '1']);
    assert.equal(summary(all).filter((l) => l.includes('DELETE A')).length, 12);
  });

  it('adopts an external-dns record whose TXT sits where its --txt-prefix put it', async () => {
    const records = join(dir, 'prefixed.json');
    await writeFile(
      records,
      JSON.stringify({
        ResourceRecordSets: [
          {
            Name: 'bookinfo.example.com.',
            Type: 'A',
            TTL: 300,
            ResourceRecords: [{ Value: '192.0.2.1' }],
          },
          {
            Name: 'extdns-a-bookinfo.example.com.',
            Type: 'TXT',
            TTL: 300,
            ResourceRecords: [
              {
                Value:
                  '"heritage=external-dns,external-dns/owner=old,external-dns/resource=gateway/x/y"',
              },
            ],
          },
        ],
      }),
    );
    const onBookinfo = (plan: JsonPlan) => summary(plan).filter((l) => l.includes('bookinfo'));
    const unaware = await planJson([
      '--records',
      `Z1=${records}`,
      '--adopt-external-dns-owner',
      'old',
    ]);
    assert.deepEqual(onBookinfo(unaware), []);
    assert.match(
      unaware.refused.map((r) => r.message).join('\n'),
      /bookinfo\.example\.com .*not ours \(no ownership TXT\)/,
    );
    const told = await planJson([
      '--records',
      `Z1=${records}`,
      '--adopt-external-dns-owner',
      'old',
      '--external-dns-txt-prefix',
      'extdns-',
    ]);
    assert.deepEqual(onBookinfo(told), [
      'Z1 UPSERT A bookinfo.example.com',
      'Z1 CREATE TXT a-bookinfo.example.com',
      'Z1 DELETE TXT extdns-a-bookinfo.example.com',
    ]);
  });

  it('keeps to the domain filter, and reports what it leaves out', async () => {
    const plan = await planJson(['--domain-filter', 'other.org']);
    assert.deepEqual(plan.changes, []);
    assert.ok(plan.refused.some((r) => r.reason === 'outside-domain-filter'));
  });

  it('takes ingress gateway Services from istio-system by default, else from --ingress-namespaces', async () => {
    const elsewhere = await planJson(['--ingress-namespaces', 'edge,platform']);
    assert.deepEqual(elsewhere.changes, []);
    assert.match(
      elsewhere.notes.map((n) => `${n.reason} ${n.message}`).join('\n'),
      /NoTargets no address to publish bookinfo\.example\.com, .* at yet: no Service in namespaces bookinfo, edge, platform selects pods labelled istio=ingressgateway/,
    );
    const given = await planJson([
      '--ingress-namespaces',
      'edge',
      '--ingress-namespaces=istio-system',
    ]);
    assert.equal(summary(given).length, 8);
  });

  it('resolves every spec.gateways form Istio does, says which Gateway is missing, and keeps mesh hosts quiet', async () => {
    const manifests = join(dir, 'refs.json');
    const vs = (name: string, gateways: string[], hosts: string[]) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: 'bookinfo' },
      spec: { hosts, gateways },
    });
    await writeFile(
      manifests,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'Gateway',
            metadata: { name: 'open', namespace: 'bookinfo' },
            spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts: ['*/*'] }] },
          },
          vs('dot-slash', ['./open'], ['a.example.com', 'reviews.bookinfo.svc.cluster.local']),
          vs(
            'legacy',
            ['open.bookinfo.svc.cluster.local'],
            ['b.example.com', 'reviews', '10.0.0.9'],
          ),
          vs('typo', ['bookinfo/opne'], ['c.example.com']),
        ],
      }),
    );
    const plan = await planJson([], [join(bookinfo, 'ingressgateway-service.yaml'), manifests]);
    const records = summary(plan).filter((l) => l.includes(' A '));
    assert.deepEqual(records, ['Z1 CREATE A a.example.com', 'Z1 CREATE A b.example.com']);
    assert.deepEqual(
      plan.notes.map((n) => `${n.reason} ${n.message}`),
      [
        "GatewayNotFound spec.gateways entry 'bookinfo/opne' names Gateway bookinfo/opne, which does not exist: nothing is published through it",
      ],
    );
    assert.deepEqual(plan.refused, [], 'no mesh-internal host reaches the planner');
  });

  it('leaves out objects the webhook would deny, saying why', async () => {
    const plan = await planJson([], [join(examples, 'mistakes')]);
    assert.deepEqual(plan.changes, []);
    assert.ok(plan.denied.length > 0);
    assert.match(plan.denied.join('\n'), /hostnmae: unknown key/);
  });

  it('lists a name the domain policy keeps from its namespace as refused, with its reason', async () => {
    const tenancy = join(examples, 'tenancy');
    const plan = await planJson(
      ['--domain-policy', join(tenancy, 'domain-policy.yaml')],
      [join(tenancy, 'team-shop.yaml'), join(tenancy, 'team-b.yaml'), bookinfo],
    );
    const refused = plan.refused.filter((r) => r.reason === 'name-not-allowed');
    assert.deepEqual(
      refused.map((r) => r.message),
      [
        'A shop.example.com: shop.example.com may be published only from namespace team-shop (domain policy entry shop.example.com), not from namespace team-b',
        // bookinfo's names, in namespace bookinfo, fall under `example.com`: istio-system only.
        ...refused.slice(1).map((r) => r.message),
      ],
    );
    assert.ok(refused.slice(1).every((r) => /not from namespace bookinfo$/.test(r.message)));
    const created = summary(plan).filter((line) => line.includes('CREATE A '));
    assert.ok(created.some((line) => line.includes('shop.example.com')));
    assert.ok(created.some((line) => line.includes('b.apps.example.com')));
    assert.ok(!created.some((line) => line.includes('bookinfo')));
  });

  it('exits 2 with a clear message on usage and input errors', async () => {
    const cases: [string[], RegExp][] = [
      [['plan', '--zones', zones], /needs manifests/],
      [['plan', '-f', bookinfo], /needs --zones/],
      [['plan', '-f', bookinfo, '--zones', join(dir, 'missing.json')], /cannot read zones file/],
      [['plan', '-f', bookinfo, '--zones', zones, '--records', 'Z9=x.json'], /not in/],
      [['plan', '-f', bookinfo, '--zones', zones, '--records', 'nofile'], /ZONE_ID=FILE/],
      [['plan', '-f', bookinfo, '--zones', zones, '--policy', 'DELETE_ALL'], /--policy must be/],
      [['plan', '-f', bookinfo, '--zones', zones, '--owner-id', 'a,b'], /--owner-id/],
      [['plan', '-f', bookinfo, '--zones', zones, '-o', 'yaml'], /-o must be/],
      [
        ['plan', '-f', bookinfo, '--zones', zones, '--domain-policy', join(dir, 'none.yaml')],
        /--domain-policy: cannot read/,
      ],
      [
        ['plan', '-f', bookinfo, '--zones', zones, '--domain-policy', zones],
        /domain policy .*zones\.json: unknown key `HostedZones`/,
      ],
      [['plan', '-f', bookinfo, '--zones', zones, '--max-delete-fraction', '2'], /from 0 to 1/],
      [
        ['plan', '-f', bookinfo, '--zones', zones, '--ingress-namespaces', 'Istio_System'],
        /--ingress-namespaces: 'Istio_System' is not a namespace name/,
      ],
      [
        [
          ...['plan', '-f', bookinfo, '--zones', zones, '--external-dns-txt-prefix', 'p-'],
          ...['--external-dns-txt-suffix=-s'],
        ],
        /exclude each other/,
      ],
      [
        ['plan', '-f', bookinfo, '--zones', zones, '--external-dns-txt-prefix', 'a b'],
        /--external-dns-txt-prefix: 'a b'/,
      ],
    ];
    for (const [given, message] of cases) {
      const argv = given.includes('--owner-id') ? given : [...given, '--owner-id', 'ci'];
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, message, argv.join(' '));
    }
    const notJson = join(dir, 'bad.json');
    await writeFile(notJson, '{"HostedZones": [{"Id": 1}]}');
    const bad = await run(['plan', '-f', bookinfo, '--zones', notJson, '--owner-id', 'ci']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /needs a string Id and Name/);
  });
});

describe('shared planner flags', () => {
  it('reads policies in any case and with dashes', () => {
    assert.equal(parsePolicy(undefined), 'SYNC');
    assert.equal(parsePolicy('upsert-only'), 'UPSERT_ONLY');
    assert.equal(parsePolicy(' Create_Only '), 'CREATE_ONLY');
    assert.throws(() => parsePolicy('ALL'), /SYNC, UPSERT_ONLY or CREATE_ONLY/);
  });

  it('splits, normalises and checks domain filters', () => {
    assert.deepEqual(parseDomainFilter(['Example.com., tse.tetratelabs.io', 'example.com', '']), [
      'example.com',
      'tse.tetratelabs.io',
    ]);
    assert.deepEqual(parseDomainFilter(['corp']), ['corp']);
    assert.throws(() => parseDomainFilter(['exa mple.com']), /not a domain name/);
    assert.throws(() => parseDomainFilter(['-bad.com']), /not a domain name/);
  });

  it('splits and checks ingress namespaces; none given is undefined (each command has a default)', () => {
    assert.deepEqual(parseIngressNamespaces(['istio-system, edge', 'edge']), [
      'istio-system',
      'edge',
    ]);
    assert.equal(parseIngressNamespaces([]), undefined);
    assert.equal(parseIngressNamespaces(['', ' ']), undefined);
    assert.throws(() => parseIngressNamespaces(['team/a']), /not a namespace name/);
  });
});
