// Tenancy against the real thing: two tenant namespaces, a domain policy, the webhook called
// by the real kube-apiserver and the syncer writing through the strictness proxy to moto. A
// tenant who may edit objects in its own namespace cannot take, join or delete the other's
// DNS: `kubectl apply` of the hijack is denied with the policy's message, and with the
// webhook off the syncer refuses it with an Event and leaves the victim's records byte for
// byte as they were; the incumbent keeps a name the policy leaves open against an older object;
// a Service in the attacker's namespace never lends its addresses to the victim's Gateway.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as objects from '../helpers/cluster-objects.js';
import { getTestEnvironment } from '../helpers/environment.js';
import { eventually } from '../helpers/eventually.js';
import { createZone, listRecordSets, recordLines } from '../helpers/route53-zones.js';
import { startSyncerProcess, type SyncerProcess } from '../helpers/syncer-process.js';
import { startWebhookProcess, type WebhookProcess } from '../helpers/webhook-process.js';

const env = getTestEnvironment();
const PREFIX = 'route53.v1beta1.tetrate.io/';
const CONFIG_NAME = 'aws-controller-e2e-tenancy';

let dir: string;
let victim: string;
let attacker: string;
let zone: string;
let zoneId: string;
let webhook: WebhookProcess;
let syncer: SyncerProcess;

const apply = (object: unknown) =>
  env.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object), allowFailure: true });
const gateway = objects.istioGateway;

/**
 * The validating webhooks as the chart registers them with a domain policy: fail-closed for
 * objects carrying our annotations, fail-open for the rest (a plain Gateway is still judged
 * by the policy, but a webhook that is down blocks no one's unannotated objects).
 */
function configuration(port: number, caBundle: string, label: string) {
  const ours = `has(object.metadata.annotations) && object.metadata.annotations.exists(k, k.startsWith('${PREFIX}'))`;
  const hook = (name: string, failurePolicy: string, expression: string) => ({
    name: `${name}.route53.tetrate.io`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    timeoutSeconds: 5,
    failurePolicy,
    clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle },
    rules: [
      {
        apiGroups: ['networking.istio.io'],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['gateways'],
        scope: 'Namespaced',
      },
    ],
    namespaceSelector: { matchLabels: { 'aws-controller-e2e': label } },
    matchConditions: [{ name: 'selects', expression }],
  });
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: CONFIG_NAME },
    webhooks: [hook('validate', 'Fail', ours), hook('domain-policy', 'Ignore', `!(${ours})`)],
  };
}

/** The victim's record sets at `name`, exactly as Route 53 lists them. */
async function recordsAt(name: string): Promise<string> {
  const sets = await listRecordSets(env, zoneId);
  return JSON.stringify(sets.filter((s) => s.Name === `${name}.` || s.Name === `a-${name}.`));
}

async function webhookOff(): Promise<void> {
  await env.kubectl([
    'delete',
    'validatingwebhookconfiguration',
    CONFIG_NAME,
    '--ignore-not-found',
  ]);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenancy-e2e-'));
  const label = `tenancy-${process.pid}`;
  victim = await env.createNamespace('shop', { 'aws-controller-e2e': label });
  attacker = await env.createNamespace('team-b', { 'aws-controller-e2e': label });
  zone = `${victim}.example.com`;
  zoneId = await createZone(env, zone);
  const policy = join(dir, 'domain-policy.yaml');
  await writeFile(
    policy,
    `strict: false\ndomains:\n  - domain: shop.${zone}\n    namespaces: [${victim}]\n`,
  );
  // The platform's ingress gateway runs in an ingress namespace; the victim has none of its
  // own. The attacker's namespace has a Service with the ingress gateway's selector and
  // externalIPs, no annotation at all: it must never lend an address to the victim's Gateway
  // (before, a Gateway's selector was matched against Services in any namespace).
  const edge = await env.createNamespace('edge');
  await objects.ingressGateway(env, edge, '203.0.113.10');
  await objects.ingressGateway(env, attacker, '198.51.100.66');
  await objects.kubectlOk(env, [
    ...['patch', 'service', 'istio-ingressgateway', '-n', attacker, '--type=merge'],
    ...['-p', JSON.stringify({ spec: { externalIPs: ['198.51.100.77'] } })],
  ]);
  // The attacker's object is the older one.
  await objects.apply(env, gateway(attacker, 'old', [`b.${zone}`]));
  await new Promise((r) => setTimeout(r, 1100)); // creation timestamps have 1 s resolution
  await objects.apply(env, gateway(victim, 'shop', [`shop.${zone}`, `api.${zone}`]));

  webhook = await startWebhookProcess({ extraArgs: ['--domain-policy', policy] });
  await objects.kubectlOk(
    env,
    ['apply', '-f', '-'],
    JSON.stringify(configuration(webhook.port, webhook.caPem.toString('base64'), label)),
  );
  syncer = await startSyncerProcess(env, {
    ownerId: 'e2e',
    domainFilter: [zone],
    leaseNamespace: victim,
    extraArgs: ['--domain-policy', policy, '--ingress-namespaces', edge],
  });
  await eventually(async () =>
    assert.deepEqual(
      (await recordLines(env, zoneId)).filter((l) => l.startsWith('A ')),
      [
        `A api.${zone}. 203.0.113.10`,
        `A b.${zone}. 198.51.100.66,198.51.100.77`,
        `A shop.${zone}. 203.0.113.10`,
      ],
    ),
  );
});

after(async () => {
  await webhookOff();
  await syncer?.stop();
  await webhook?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('tenancy end to end', () => {
  it("denies at kubectl apply a plain Gateway claiming another team's name", async () => {
    // The apiserver takes up a new webhook configuration asynchronously: retry (bounded)
    // until the hijack is refused by us, which it must be.
    await eventually(async () => {
      const result = await apply(gateway(attacker, 'old', [`b.${zone}`, `shop.${zone}`]));
      assert.notEqual(result.code, 0, 'the hijack was admitted');
      assert.match(
        result.stderr,
        new RegExp(
          `shop\\.${zone.replace(/\./g, '\\.')} may be published only from namespace ${victim} \\(domain policy entry shop\\.${zone.replace(/\./g, '\\.')}\\), not from namespace ${attacker}`,
        ),
      );
    });
    // Its own names are its own to publish.
    const own = await apply(gateway(attacker, 'old', [`b.${zone}`, `c.${zone}`]));
    assert.equal(own.code, 0, own.stderr);
    // The denial is counted under a label of its own.
    const metrics = await (await fetch(`http://127.0.0.1:${webhook.metricsPort}/metrics`)).text();
    assert.match(metrics, /^aws_controller_admission_denials_total\{key="domain-policy"\} [1-9]/m);
  });

  it('refuses the hijack in the syncer when the webhook is off, leaving the victim untouched', async () => {
    const before = await recordsAt(`shop.${zone}`);
    await webhookOff();
    await eventually(async () => {
      const result = await apply(gateway(attacker, 'old', [`b.${zone}`, `shop.${zone}`]));
      assert.equal(result.code, 0, result.stderr);
    });
    await eventually(async () =>
      assert.ok(
        (await objects.eventLines(env, attacker, 'old')).includes(
          `Warning NameNotAllowed A shop.${zone}: shop.${zone} may be published only from namespace ${victim} (domain policy entry shop.${zone}), not from namespace ${attacker}`,
        ),
      ),
    );
    assert.equal(
      await recordsAt(`shop.${zone}`),
      before,
      'the victim record and TXT are unchanged',
    );
  });

  it('keeps a name the policy leaves open with its incumbent against an older object', async () => {
    const before = await recordsAt(`api.${zone}`);
    await objects.apply(env, gateway(attacker, 'old', [`b.${zone}`, `api.${zone}`]));
    await eventually(async () => {
      const events = await objects.eventLines(env, attacker, 'old');
      assert.ok(
        events.some(
          (e) =>
            e.startsWith(`Warning RecordConflict gateway/${attacker}/old wants A api.${zone}`) &&
            e.includes(`is held for namespace ${victim}`),
        ),
        events.join('\n'),
      );
    });
    assert.equal(await recordsAt(`api.${zone}`), before);
    assert.ok(
      (await recordLines(env, zoneId)).includes(`A b.${zone}. 198.51.100.66,198.51.100.77`),
    );
  });

  it("loses nothing when a tenant's object becomes unreadable, and lends its name to no one", async () => {
    const before = await recordsAt(`shop.${zone}`);
    // With the webhook off, a typo reaches the cluster: the object is skipped whole.
    await objects.apply(
      env,
      gateway(victim, 'shop', [`shop.${zone}`, `api.${zone}`], { [`${PREFIX}aws-weight`]: '300' }),
    );
    // Meanwhile an object of the same namespace, newer, asks for the same name.
    await objects.apply(env, gateway(victim, 'newer', [`shop.${zone}`]));
    await eventually(async () => {
      const events = await objects.eventLines(env, victim, 'newer');
      assert.ok(
        events.some((e) =>
          e.includes(`the name is held for gateway/${victim}/shop, which is skipped`),
        ),
        events.join('\n'),
      );
    });
    assert.ok(
      (await objects.eventLines(env, victim, 'shop')).some((e) =>
        /^Warning InvalidAnnotations skipped: .*aws-weight.*300/.test(e),
      ),
    );
    assert.equal(await recordsAt(`shop.${zone}`), before, 'kept as it was, for its object');
  });
});
