import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { judgeName } from '../core/tenancy/domain-policy.js';
import { readDomainPolicyFile, WatchedDomainPolicy } from './domain-policy-file.js';
import { UsageError } from './options.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'policy-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const allows = (policy: WatchedDomainPolicy, namespace: string) =>
  judgeName(policy.current(), namespace, 'shop.example.com').allowed;

describe('the domain policy file', () => {
  it('is a usage error when missing or invalid, naming the file', async () => {
    assert.throws(() => readDomainPolicyFile(join(dir, 'none.yaml')), UsageError);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'domains: [{domain: shop.example.com}]');
    assert.throws(
      () => readDomainPolicyFile(bad),
      (err: Error) => err instanceof UsageError && err.message.includes(`domain policy ${bad}:`),
    );
  });

  it('follows a file replaced the way a ConfigMap mount is, keeping the last good policy', async () => {
    const file = join(dir, 'policy.yaml');
    const swap = async (text: string) => {
      await writeFile(`${file}.new`, text);
      await rename(`${file}.new`, file);
    };
    await swap('domains: [{domain: shop.example.com, namespaces: [team-a]}]');
    const policy = new WatchedDomainPolicy(file, pino({ level: 'silent' }));
    assert.ok(allows(policy, 'team-a'));
    assert.equal(await policy.check(), false, 'unchanged');

    await swap('domains: [{domain: shop.example.com, namespaces: [team-b]}]');
    assert.equal(await policy.check(), true);
    assert.ok(allows(policy, 'team-b') && !allows(policy, 'team-a'));

    await swap('domains: [{domain: shop.example.com, namespace: [team-c]}]');
    assert.equal(await policy.check(), false, 'a broken edit takes no effect');
    assert.ok(allows(policy, 'team-b'), 'the last good policy stays');

    await rm(file);
    assert.equal(await policy.check(), false, 'a vanished file takes no effect');
    assert.ok(allows(policy, 'team-b'));
  });
});
