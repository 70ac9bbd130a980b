// The syncer beside real external-dns (the pinned release, built from the Go module proxy) in
// one hosted zone: the migration path of most users. external-dns publishes first; the syncer
// then leaves its records alone, adopts only what it is told to, never deletes what it adopted
// but does not want, and the two keep running side by side without undoing each other.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import type { RunningController } from '../helpers/controller-process.js';
import * as objects from '../helpers/cluster-objects.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { eventually } from '../helpers/eventually.js';
import { startExternalDns } from '../helpers/external-dns.js';
import { createZone, listRecordSets, putRecord, recordLines } from '../helpers/route53-zones.js';
import { startSyncerProcess, type SyncerProcess } from '../helpers/syncer-process.js';

const env = getTestEnvironment();
const OURS = 'route53.v1beta1.tetrate.io/controller';
const THEIRS = 'external-dns.alpha.kubernetes.io/controller';

const running: (SyncerProcess | RunningController)[] = [];
after(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

const eventsOf = (ns: string, name: string) => objects.eventLines(env, ns, name);

/** external-dns with owner ID `legacy`, for this namespace and zone only, looping every 3 s. */
async function startExternalDnsIn(ns: string, zone: string, extraArgs: string[] = []) {
  const process = await startExternalDns({
    kubeconfig: env.kubeconfigPath,
    route53Endpoint: env.route53Endpoint,
    ownerId: 'legacy',
    sources: ['istio-gateway'],
    domainFilter: [zone],
    logFile: join(env.state.logDir, `external-dns-${ns}.log`),
    // Only this namespace: other suites' ingress gateway Services match the same selector.
    extraArgs: [`--namespace=${ns}`, '--interval=3s', ...extraArgs],
  });
  running.push(process);
  return process;
}

async function startSyncerIn(ns: string, zone: string, extraArgs: string[]) {
  const process = await startSyncerProcess(env, {
    ownerId: 'e2e',
    domainFilter: [zone],
    leaseNamespace: ns,
    extraArgs,
  });
  running.push(process);
  return process;
}

/** external-dns's TXT for Gateway `name`'s record, at `<txtPrefix>a-<name>`. */
const theirTxt = (ns: string, zone: string, name: string, txtPrefix = '') =>
  new RegExp(
    `^TXT ${txtPrefix}a-${name}\\.${zone.replace(/\./g, '\\.')}\\. "heritage=external-dns,external-dns/owner=legacy,external-dns/resource=gateway/${ns}/${name}"$`,
  );

const ourTxt = (ns: string, zone: string, name: string) =>
  `TXT a-${name}.${zone}. "heritage=aws-controller,aws-controller/owner=e2e,aws-controller/resource=gateway/${ns}/${name}"`;

/** How many of its loops external-dns has logged as changing nothing. */
const quietLoops = async (process: RunningController) =>
  ((await readFile(process.logFile, 'utf8')).match(/All records are already up to date/g) ?? [])
    .length;

it('takes over from external-dns only where told to, and runs beside it without undoing it', async () => {
  const ns = await env.createNamespace('coexist');
  const zone = `${ns}.example.com`;
  const zoneId = await createZone(env, zone);
  await objects.ingressGateway(env, ns, '203.0.113.40');
  // Both controllers want `shared`; only external-dns wants `legacy` (the syncer is told it is
  // someone else's), only the syncer wants `new` (external-dns is told the same).
  const apply = (object: unknown) => objects.apply(env, object);
  await apply(objects.istioGateway(ns, 'shared', [`shared.${zone}`]));
  await apply(objects.istioGateway(ns, 'legacy', [`legacy.${zone}`], { [OURS]: 'someone-else' }));
  await apply(objects.istioGateway(ns, 'new', [`new.${zone}`], { [THEIRS]: 'aws-controller' }));

  const externalDns = () => startExternalDnsIn(ns, zone);
  const syncer = (extraArgs: string[] = []) => startSyncerIn(ns, zone, extraArgs);
  const theirs = (name: string) => theirTxt(ns, zone, name);
  const ours = (name: string) => ourTxt(ns, zone, name);

  // 1. external-dns publishes what it wants, with its TXT registry; then it is stopped.
  const first = await externalDns();
  await eventually(
    async () => {
      const lines = await recordLines(env, zoneId);
      assert.deepEqual(
        lines.filter((l) => l.startsWith('A ')),
        [`A legacy.${zone}. 203.0.113.40`, `A shared.${zone}. 203.0.113.40`],
      );
      assert.equal(
        lines.filter((l) => theirs('legacy').test(l) || theirs('shared').test(l)).length,
        2,
        lines.join('\n'),
      );
    },
    { timeoutMs: 120_000 },
  );
  await first.stop();
  // What an external-dns older than v0.12 left beside it, and v0.21 still reads: the legacy
  // TXT at the record's own name.
  await putRecord(env, zoneId, `shared.${zone}`, 'TXT', [
    `"heritage=external-dns,external-dns/owner=legacy,external-dns/resource=gateway/${ns}/shared"`,
  ]);
  const published = await listRecordSets(env, zoneId);

  // 2. The syncer alone, not told to adopt: publishes its own name, refuses `shared`, touches
  //    nothing of external-dns's.
  const plain = await syncer();
  await eventually(async () =>
    assert.ok((await recordLines(env, zoneId)).includes(`A new.${zone}. 203.0.113.40`)),
  );
  await eventually(async () => {
    const said = await eventsOf(ns, 'shared');
    assert.ok(
      said.some((e) =>
        /^Warning RecordRefused A shared\..* not ours \(owned by external-dns owner 'legacy'\)/.test(
          e,
        ),
      ),
      said.join('\n'),
    );
  });
  const now = await listRecordSets(env, zoneId);
  for (const set of published)
    assert.deepEqual(
      now.find((s) => s.Name === set.Name && s.Type === set.Type),
      set,
    );
  await plain.stop();

  // 3. Told to adopt owner `legacy`: `shared` becomes ours in place (same address, our TXT,
  //    external-dns's legacy TXT gone); `legacy`, adoptable but not wanted, stays exactly as
  //    external-dns left it.
  const adopting = await syncer(['--adopt-external-dns-owner', 'legacy']);
  await eventually(async () =>
    assert.ok((await recordLines(env, zoneId)).includes(ours('shared'))),
  );
  const afterAdoption = await recordLines(env, zoneId);
  assert.ok(
    !afterAdoption.some((l) => l.startsWith(`TXT shared.${zone}.`)),
    afterAdoption.join('\n'),
  );
  assert.ok(afterAdoption.includes(`A shared.${zone}. 203.0.113.40`));
  assert.ok(
    afterAdoption.some((l) => theirs('legacy').test(l)),
    afterAdoption.join('\n'),
  );
  assert.ok(afterAdoption.includes(`A legacy.${zone}. 203.0.113.40`));
  await eventually(async () => {
    const said = await eventsOf(ns, 'shared');
    assert.ok(
      said.some((e) => /^Normal RecordAdopted adopted A shared\./.test(e)),
      said.join('\n'),
    );
  });

  // 4. external-dns back beside the syncer. Several of its loops change nothing; then the
  //    address moves and each follows it for its own records only.
  const second = await externalDns();
  const before = await quietLoops(second);
  await eventually(
    async () => assert.ok((await quietLoops(second)) >= before + 3, 'three quiet loops'),
    { timeoutMs: 60_000 },
  );
  assert.deepEqual(await recordLines(env, zoneId), afterAdoption);

  await objects.setLoadBalancerIp(env, ns, '203.0.113.41');
  await eventually(
    async () => {
      const lines = await recordLines(env, zoneId);
      assert.deepEqual(
        lines.filter((l) => l.startsWith('A ')),
        [
          `A legacy.${zone}. 203.0.113.41`,
          `A new.${zone}. 203.0.113.41`,
          `A shared.${zone}. 203.0.113.41`,
        ],
      );
      assert.ok(lines.includes(ours('shared')) && lines.includes(ours('new')), lines.join('\n'));
      assert.ok(
        lines.some((l) => theirs('legacy').test(l)),
        lines.join('\n'),
      );
    },
    { timeoutMs: 120_000 },
  );
  assert.equal(adopting.child.exitCode, null, 'the syncer kept running');
  assert.equal(second.exited(), undefined, 'external-dns kept running');
});

it('finds external-dns TXTs where its --txt-prefix put them, and adopts those records cleanly', async () => {
  const ns = await env.createNamespace('prefixed');
  const zone = `${ns}.example.com`;
  const zoneId = await createZone(env, zone);
  await objects.ingressGateway(env, ns, '203.0.113.50');
  await objects.apply(env, objects.istioGateway(ns, 'shared', [`shared.${zone}`]));
  const prefix = ['--txt-prefix=extdns-'];

  const first = await startExternalDnsIn(ns, zone, prefix);
  await eventually(
    async () =>
      assert.ok(
        (await recordLines(env, zoneId)).some((l) =>
          theirTxt(ns, zone, 'shared', 'extdns-').test(l),
        ),
      ),
    { timeoutMs: 120_000 },
  );
  await first.stop();

  await startSyncerIn(ns, zone, [
    '--adopt-external-dns-owner',
    'legacy',
    '--external-dns-txt-prefix',
    'extdns-',
  ]);
  const adopted = [`A shared.${zone}. 203.0.113.50`, ourTxt(ns, zone, 'shared')];
  await eventually(async () => assert.deepEqual(await recordLines(env, zoneId), adopted));

  const second = await startExternalDnsIn(ns, zone, prefix);
  const before = await quietLoops(second);
  await eventually(
    async () => assert.ok((await quietLoops(second)) >= before + 3, 'three quiet loops'),
    { timeoutMs: 60_000 },
  );
  assert.deepEqual(await recordLines(env, zoneId), adopted);
});
