// The chart's static files against the code they describe: the README's values table against
// values.yaml and values.schema.json, values.yaml against its schema, the schema's owner ID
// rule against the one the syncer enforces, and the Grafana dashboard against the metrics the
// webhook and the syncer really export. (Rendering and installing: test/e2e/chart.test.ts.)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { clusterIdentity } from '../core/annotations/cluster.js';
import { checkOwnerId } from '../core/records/ownership.js';
import { parseDomainFilter } from './plan-options.js';
import { createSyncerMetrics } from '../syncer/metrics.js';
import { valueDocs, withValuesTable, type SchemaNode } from '../test/tools/chart-values-doc.js';
import { createWebhookMetrics } from '../webhook/metrics.js';

const chart = new URL('../../charts/aws-controller/', import.meta.url);
const read = (name: string) => readFile(new URL(name, chart), 'utf8');

async function loadSchema(): Promise<SchemaNode & Record<string, unknown>> {
  return JSON.parse(await read('values.schema.json')) as SchemaNode & Record<string, unknown>;
}

describe('chart values', () => {
  it('the README values table matches values.yaml and values.schema.json (run `npm run docs`)', async () => {
    const readme = await read('README.md');
    assert.equal(readme, withValuesTable(readme, await read('values.yaml'), await loadSchema()));
  });

  it('documents every value, each with a comment, and only values the schema knows', async () => {
    const docs = valueDocs(await read('values.yaml'), await loadSchema());
    const keys = docs.map((d) => d.key);
    for (const key of [
      'spec.providerSettings.route53.serviceAccountName',
      'spec.providerSettings.route53.domainFilter',
      'spec.providerSettings.route53.policy',
      'ownerId',
      'awsRegion',
      'logLevel',
      'debounce',
      'interval',
      'rateLimit',
      'replicas',
      'image.repository',
      'webhook.resources',
      'syncer.resources',
    ]) {
      assert.ok(keys.includes(key), `${key} is documented`);
    }
    assert.throws(
      () =>
        valueDocs('# owner\nownerId: ""\n# typo\nunknownKey: 1\n', { properties: { ownerId: {} } }),
      /unknownKey is not in values\.schema\.json/,
    );
    assert.throws(
      () =>
        valueDocs('# doc\nownerId: ""\nlogLevel: info\n', {
          properties: { ownerId: {}, logLevel: {} },
        }),
      /logLevel has no comment/,
    );
  });

  it('values.yaml is valid against values.schema.json, which refuses bad policies and types', async () => {
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(
      await loadSchema(),
    );
    const values = parse(await read('values.yaml')) as Record<string, unknown>;
    assert.ok(validate(values), JSON.stringify(validate.errors));
    const withRoute53 = (route53: Record<string, unknown>) => ({
      ...values,
      spec: { providerSettings: { route53: { ...route53 } } },
    });
    assert.ok(
      validate(withRoute53({ policy: 'UPSERT_ONLY', domainFilter: ['tse.tetratelabs.io'] })),
    );
    assert.equal(validate(withRoute53({ policy: 'DELETE_ALL' })), false);
    assert.equal(validate(withRoute53({ domainFilter: 'tse.tetratelabs.io' })), false);
    assert.equal(validate({ ...values, replicas: 'two' }), false);
    assert.equal(validate({ ...values, rateLimit: 0 }), false);
    assert.ok(validate({ ...values, rateLimit: '2.5' }), 'helm --set passes 2.5 as a string');
    assert.equal(validate({ ...values, rateLimit: '6' }), false);
    assert.equal(validate({ ...values, interval: '10 minutes' }), false);
  });

  it('values.schema.json checks domainPolicy and networkPolicy', async () => {
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(
      await loadSchema(),
    );
    const values = parse(await read('values.yaml')) as Record<string, unknown>;
    const ok = (extra: Record<string, unknown>) => validate({ ...values, ...extra });
    assert.ok(
      ok({
        domainPolicy: {
          strict: true,
          domains: [
            { domain: 'shop.example.com', namespaces: ['team-shop'] },
            { domain: 'example.com', namespaces: ['team-*', '*'] },
          ],
        },
      }),
      JSON.stringify(validate.errors),
    );
    for (const domains of [
      [{ domain: 'shop.example.com' }],
      [{ domain: 'shop.example.com', namespaces: [] }],
      [{ domain: 'bad domain', namespaces: ['a'] }],
      [{ domain: 'a.com', namespaces: ['Team_A'] }],
      [{ domain: 'a.com', namespaces: ['a'], owner: 'x' }],
    ]) {
      assert.equal(
        ok({ domainPolicy: { strict: false, domains } }),
        false,
        JSON.stringify(domains),
      );
    }
    assert.equal(ok({ domainPolicy: { strict: 'yes', domains: [] } }), false);

    const network = (networkPolicy: Record<string, unknown>) =>
      ok({ networkPolicy: { ...(values['networkPolicy'] as object), ...networkPolicy } });
    assert.ok(network({}), 'off by default');
    assert.equal(network({ enabled: true }), false, 'enabled needs the apiserver CIDRs');
    assert.ok(network({ enabled: true, apiserverCIDRs: ['10.0.0.0/16', 'fd00::/64'] }));
    assert.equal(network({ enabled: true, apiserverCIDRs: ['10.0.0.0'] }), false);
    assert.equal(network({ metricsNamespace: 'Monitoring' }), false);
    assert.ok(network({ metricsNamespace: 'monitoring', probeCIDRs: ['172.20.0.0/16'] }));
  });

  it('accepts exactly the owner IDs the syncer can write into an ownership record', async () => {
    const schema = await loadSchema();
    const pattern = new RegExp(schema.properties?.['ownerId']?.pattern ?? '^$');
    for (const id of ['prod-eu', 'a.b.c', 'cluster/1', 'x,y', 'a=b', 'with space', 'q"', 'b\\s']) {
      let syncerAccepts = true;
      try {
        checkOwnerId(id);
      } catch {
        syncerAccepts = false;
      }
      assert.equal(pattern.test(id), syncerAccepts, `owner ID ${JSON.stringify(id)}`);
    }
  });
  it('accepts exactly the cluster identities the webhook and the syncer accept', async () => {
    const cluster = (await loadSchema()).properties?.['cluster']?.properties;
    const ajv = new Ajv();
    const cases: [keyof Parameters<typeof clusterIdentity>[0], string][] = [
      ['name', 'east'],
      ['name', 'eu west (blue)'],
      ['name', 'x'.repeat(128)],
      ['name', 'x'.repeat(129)],
      ['name', 'ost\u00e9'],
      ['name', 'tab\there'],
      ['region', 'eu-west-1'],
      ['region', 'us-gov-west-1'],
      ['region', 'EU-WEST-1'],
      ['region', 'europe'],
      ['region', 'cluster'],
      ['failover', 'PRIMARY'],
      ['failover', 'SECONDARY'],
      ['failover', 'backup'],
    ];
    for (const [field, value] of cases) {
      let accepted = true;
      try {
        clusterIdentity({ [field]: value });
      } catch {
        accepted = false;
      }
      // The chart takes the normal form only (no case folding at render time).
      const normal = field === 'region' && value !== value.toLowerCase() ? false : accepted;
      const valid = ajv.validate(cluster?.[field] ?? false, value);
      assert.equal(valid, normal, `cluster.${field} ${JSON.stringify(value)}`);
    }
  });

  it('accepts exactly the domain filters the syncer accepts', async () => {
    const route53 = (await loadSchema()).properties?.['spec']?.properties?.['providerSettings']
      ?.properties?.['route53']?.properties;
    const pattern = new RegExp(route53?.['domainFilter']?.items?.pattern ?? '^$');
    for (const domain of [
      'tse.tetratelabs.io',
      'Example.ORG.',
      'com',
      '_dmarc.example.com',
      '*.x.com',
      'a..b',
      'bad-.com',
      '-a.com',
      'a b.com',
    ]) {
      let syncerAccepts = true;
      try {
        parseDomainFilter([domain]);
      } catch {
        syncerAccepts = false;
      }
      assert.equal(pattern.test(domain), syncerAccepts, `domain filter ${JSON.stringify(domain)}`);
    }
  });
});

describe('Grafana dashboard', () => {
  interface Panel {
    title: string;
    targets?: { expr: string }[];
  }

  async function dashboard(): Promise<{ panels: Panel[] }> {
    return JSON.parse(await read('files/dashboard.json')) as { panels: Panel[] };
  }

  it('queries only metrics the webhook and the syncer export', async () => {
    const exported = new Set<string>();
    for (const registry of [createWebhookMetrics().registry, createSyncerMetrics().registry]) {
      for (const metric of registry.getMetricsAsArray()) {
        exported.add(metric.name);
        if (String(metric.type) === 'histogram') {
          for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix);
        }
      }
    }
    const used = new Set<string>();
    for (const panel of (await dashboard()).panels) {
      for (const target of panel.targets ?? []) {
        for (const [name] of target.expr.matchAll(/aws_controller_[a-z0-9_]+/g)) used.add(name);
      }
    }
    assert.ok(used.size > 0);
    for (const name of used) assert.ok(exported.has(name), `${name} is exported`);
  });

  it('shows admissions, denials, Route 53 calls and errors, records by zone, time since last sync, deletions held back', async () => {
    const panels = (await dashboard()).panels;
    const find = (pattern: RegExp) =>
      panels.filter((p) => (p.targets ?? []).some((t) => pattern.test(t.expr)));
    assert.ok(find(/aws_controller_admission_requests_total/).length > 0, 'admissions');
    assert.ok(find(/aws_controller_admission_denials_total/).length > 0, 'denials');
    assert.ok(
      find(/aws_controller_route53_requests_total\{[^}]*outcome!="success"/).length > 0,
      'errors',
    );
    assert.ok(find(/by \(zone\) \(aws_controller_records_managed/).length > 0, 'records by zone');
    assert.ok(
      find(/time\(\) - max\(aws_controller_last_successful_sync_timestamp_seconds/).length > 0,
      'time since last sync',
    );
    assert.ok(
      find(/by \(zone\) \(aws_controller_deletions_held_back/).length > 0,
      'deletions held back by the mass-deletion breaker, by zone',
    );
  });
});
