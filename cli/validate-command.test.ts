import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES, runCommand } from './testing/run-cli.js';

const run = runCommand;
const examples = EXAMPLES;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validate-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('aws-controller validate', () => {
  // GitOps: a manifest not in normal form shows as drift once the mutating webhook rewrote it.
  it('finds every bundled example in normal form (no patch), so it is safe to keep in Git', async () => {
    const { stdout } = await run(['validate', '-o', 'json', examples]);
    const { results } = JSON.parse(stdout) as { results: Record<string, unknown>[] };
    assert.ok(results.length > 5);
    for (const r of results) {
      assert.deepEqual(
        r['patch'],
        [],
        `${String(r['kind'])} ${String(r['name'])} is not in normal form`,
      );
    }
  });

  it('checks manifests as a cluster with an identity will: denied without it, admitted unchanged with it', async () => {
    const own = await mkdtemp(join(tmpdir(), 'validate-cluster-'));
    after(() => rm(own, { recursive: true, force: true }));
    const file = join(own, 'failover.yaml');
    await writeFile(
      file,
      `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop
  namespace: edge
  annotations:
    route53.v1beta1.tetrate.io/aws-failover: cluster
spec:
  servers:
    - hosts: [shop.example.com]
      port: { number: 80, name: http, protocol: HTTP }
`,
    );
    const without = await run(['validate', file]);
    assert.equal(without.code, 1);
    assert.match(without.stdout, /aws-failover: 'cluster' stands for this cluster's failover role/);
    assert.match(without.stdout, /needs set-identifier/);
    const withIdentity = await run([
      'validate',
      '-o',
      'json',
      '--cluster-name',
      'east',
      '--cluster-failover',
      'primary',
      file,
    ]);
    assert.equal(withIdentity.code, 0, withIdentity.stdout);
    const [result] = (JSON.parse(withIdentity.stdout) as { results: Record<string, unknown>[] })
      .results;
    assert.deepEqual(result?.['patch'], []);
    assert.deepEqual(result?.['warnings'], []);
    const bad = await run(['validate', '--cluster-failover', 'backup', file]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--cluster-failover 'backup' must be PRIMARY or SECONDARY/);
  });

  it('reports no mutation for a denied object, in text or JSON', async () => {
    // Its own folder: other cases validate `dir` as a whole and expect it admitted.
    const own = await mkdtemp(join(tmpdir(), 'validate-denied-'));
    after(() => rm(own, { recursive: true, force: true }));
    const file = join(own, 'denied-with-normalising.yaml');
    await writeFile(
      file,
      `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: x
  namespace: y
  annotations:
    route53.v1beta1.tetrate.io/set-identifier: blue
    route53.v1beta1.tetrate.io/hostname: "a.example.com,,b.example.com"
    route53.v1beta1.tetrate.io/aws-geoproximity-region: us-east-1
`,
    );
    const text = await run(['validate', file]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /aws-geoproximity-region: not supported by aws-controller/);
    assert.doesNotMatch(text.stdout, /was added|was dropped|normalised:/);
    const json = JSON.parse((await run(['validate', '-o', 'json', file])).stdout) as {
      results: { patch: unknown[]; warnings: string[] }[];
    };
    assert.deepEqual(json.results[0]?.patch, []);
    assert.deepEqual(json.results[0]?.warnings, []);
  });

  it('prints the documented JSON shape with annotations after mutation; exit 0 when admitted', async () => {
    const { code, stdout } = await run(['validate', '-o', 'json', join(examples, 'bookinfo')]);
    assert.equal(code, 0);
    const { results } = JSON.parse(stdout) as { results: Record<string, unknown>[] };
    assert.deepEqual(
      results.map((r) => `${String(r['kind'])} ${String(r['name'])}`),
      [
        'Gateway bookinfo-gateway',
        'Service istio-ingressgateway',
        'Gateway shared-gateway',
        'VirtualService bookinfo-canary',
      ],
    );
    const [gateway] = results;
    assert.deepEqual(Object.keys(gateway ?? {}), [
      'apiVersion',
      'kind',
      'namespace',
      'name',
      'allowed',
      'message',
      'warnings',
      'patch',
      'annotations',
    ]);
    assert.equal(gateway?.['allowed'], true);
    assert.equal(gateway?.['message'], null);
    assert.deepEqual(gateway?.['annotations'], {
      'route53.v1beta1.tetrate.io/hostname': 'reviews.example.com,ratings.example.com',
      'route53.v1beta1.tetrate.io/ttl': '300',
    });
  });

  it('exits 1 when any object is denied, printing why', async () => {
    const { code, stdout } = await run(['validate', join(examples, 'mistakes')]);
    assert.equal(code, 1);
    assert.match(stdout, /Gateway bookinfo\/typo: DENIED\n {2}denied: .*did you mean `hostname`\?/);
    assert.match(stdout, /aws-weight: '300' is out of range: must be an integer from 0 to 255/);
    assert.match(stdout, /3 object\(s\) checked: 0 admitted, 3 denied/);
  });

  it('reads stdin, JSON, List kinds and nested folders, skipping other kinds', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name: 's',
            namespace: 'n',
            annotations: { 'route53.v1beta1.tetrate.io/ttl': '1m' },
          },
        },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
      ],
    };
    await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'nested', 'deeper', 'list.json'), JSON.stringify(list));
    await writeFile(join(dir, 'nested', 'notes.txt'), 'not a manifest');
    const fromDir = await run(['validate', '-o', 'json', dir]);
    assert.equal(fromDir.code, 0, fromDir.stderr);
    const parsed = JSON.parse(fromDir.stdout) as {
      results: { name: string; annotations: Record<string, string> }[];
    };
    assert.deepEqual(
      parsed.results.map((r) => r.name),
      ['s'],
    );
    assert.equal(parsed.results[0]?.annotations['route53.v1beta1.tetrate.io/ttl'], '60');

    const fromStdin = await run(['validate', '-'], JSON.stringify(list));
    assert.match(
      fromStdin.stdout,
      /1 object\(s\) checked: 1 admitted, 0 denied; 1 object\(s\) of other kinds not checked/,
    );
  });

  it('exits 2 naming the file on a read or parse error', async () => {
    const missing = await run(['validate', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.yaml/);
    await writeFile(join(dir, 'broken.yaml'), 'a: [1,\n');
    const broken = await run(['validate', join(dir, 'broken.yaml')]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.yaml/);
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await run(['validate'])).code, 2);
    assert.equal((await run(['validate', '-o', 'xml', dir])).code, 2);
    assert.equal((await run(['validate', '--bogus', dir])).code, 2);
    assert.equal((await run(['frobnicate'])).code, 2);
  });

  it('demo validates, then plans, the bundled example', async () => {
    const { code, stdout } = await run(['demo']);
    assert.equal(code, 0);
    assert.match(stdout, /4 object\(s\) checked: 4 admitted, 0 denied/);
    assert.match(stdout, /6 change\(s\) in 1 request\(s\) to 1 zone\(s\)/);
    assert.match(stdout, /refused \(foreign-owned\): A ratings\.example\.com/);
    assert.match(
      stdout,
      /refused \(name-not-allowed\): A shop\.example\.com: shop\.example\.com may be published only from namespace team-shop \(domain policy entry shop\.example\.com\), not from namespace team-b/,
    );
  });

  it('denies, with --domain-policy, names the namespace may not publish, as the webhook does', async () => {
    const tenancy = join(examples, 'tenancy');
    const policy = join(tenancy, 'domain-policy.yaml');
    const { code, stdout } = await run(['validate', '--domain-policy', policy, tenancy]);
    assert.equal(code, 1);
    assert.match(
      stdout,
      /Gateway team-b\/hijack: DENIED\n {2}denied: Gateway team-b\/hijack: shop\.example\.com may be published only from namespace team-shop \(domain policy entry shop\.example\.com\), not from namespace team-b\n/,
    );
    assert.match(stdout, /Gateway team-shop\/shop: admitted/);
    assert.equal((await run(['validate', tenancy])).code, 0, 'no policy: both admitted');
    // A manifest without a namespace is judged in the one --namespace names.
    const bare = join(dir, 'bare.yaml');
    await writeFile(
      bare,
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: [{hosts: [x.shop.example.com]}]}\n',
    );
    assert.equal((await run(['validate', '--domain-policy', policy, bare])).code, 1);
    assert.equal(
      (await run(['validate', '--domain-policy', policy, '--namespace', 'team-shop', bare])).code,
      0,
    );
  });
});
