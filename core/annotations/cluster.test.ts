// What annotations leave to the cluster: one manifest, applied to every cluster, making one
// record per cluster in a weighted, latency or failover set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mutateObject, validateObject, type KubeObject } from '../admission/admit.js';
import { clusterIdentity, describeCluster, type ClusterIdentity } from './cluster.js';
import { parseAnnotations } from './parse.js';
import { PREFIX } from './prefix.js';
import type { AnnotationSpec } from './spec.js';

const full = (short: Record<string, string>) =>
  Object.fromEntries(Object.entries(short).map(([k, v]) => [PREFIX + k, v]));

const EAST: ClusterIdentity = { name: 'east', region: 'us-east-1', failover: 'PRIMARY' };
const WEST: ClusterIdentity = { name: 'west', region: 'us-west-2', failover: 'SECONDARY' };

interface Case {
  name: string;
  given: Record<string, string>;
  cluster?: ClusterIdentity;
  /** The routing fields of the spec; implies no errors. */
  spec?: Pick<AnnotationSpec, 'setIdentifier' | 'routing'>;
  errors?: RegExp[];
  /** The normal form of every key of ours (no key is ever added for the cluster). */
  normal?: Record<string, string>;
}

const cases: Case[] = [
  {
    name: 'weighted without set-identifier: the cluster name is the set identifier',
    given: { 'aws-weight': '10' },
    cluster: EAST,
    spec: { setIdentifier: 'east', routing: { type: 'weighted', weight: 10 } },
    normal: { 'aws-weight': '10' },
  },
  {
    name: 'the same annotations in another cluster: its own set identifier',
    given: { 'aws-weight': '10' },
    cluster: WEST,
    spec: { setIdentifier: 'west', routing: { type: 'weighted', weight: 10 } },
  },
  {
    name: 'an explicit set-identifier wins over the cluster name',
    given: { 'aws-weight': '10', 'set-identifier': 'blue' },
    cluster: EAST,
    spec: { setIdentifier: 'blue', routing: { type: 'weighted', weight: 10 } },
  },
  {
    name: 'aws-region: cluster is the cluster region',
    given: { 'aws-region': 'Cluster' },
    cluster: WEST,
    spec: { setIdentifier: 'west', routing: { type: 'latency', region: 'us-west-2' } },
    normal: { 'aws-region': 'cluster' },
  },
  {
    name: 'a named region stays as named',
    given: { 'aws-region': 'eu-west-1' },
    cluster: WEST,
    spec: { setIdentifier: 'west', routing: { type: 'latency', region: 'eu-west-1' } },
  },
  {
    name: 'aws-failover: cluster is the cluster role',
    given: { 'aws-failover': 'CLUSTER' },
    cluster: WEST,
    spec: { setIdentifier: 'west', routing: { type: 'failover', role: 'SECONDARY' } },
    normal: { 'aws-failover': 'cluster' },
  },
  {
    name: 'multivalue answer takes the cluster name too',
    given: { 'aws-multi-value-answer': 'true' },
    cluster: EAST,
    spec: { setIdentifier: 'east', routing: { type: 'multivalue' } },
  },
  {
    name: 'no routing policy: simple routing, the cluster name unused',
    given: { hostname: 'www.example.com' },
    cluster: EAST,
    spec: {},
    normal: { hostname: 'www.example.com' },
  },
  {
    name: 'set-identifier alone still means weight 1 (the contract)',
    given: { 'set-identifier': 'blue' },
    cluster: EAST,
    spec: { setIdentifier: 'blue', routing: { type: 'weighted', weight: 1 } },
    normal: { 'set-identifier': 'blue', 'aws-weight': '1' },
  },
  {
    name: 'without a cluster name a policy still needs set-identifier',
    given: { 'aws-weight': '10' },
    cluster: { region: 'us-east-1' },
    errors: [
      /needs set-identifier: .*or give the controller a cluster name to use as one \(chart cluster\.name/,
    ],
  },
  {
    name: 'aws-region: cluster without a cluster region is denied',
    given: { 'aws-region': 'cluster' },
    cluster: { name: 'east' },
    errors: [/^aws-region: 'cluster' stands for this cluster's region, but .*cluster\.region/],
  },
  {
    name: 'aws-failover: cluster without a cluster role is denied',
    given: { 'aws-failover': 'cluster', 'set-identifier': 'a' },
    errors: [/^aws-failover: 'cluster' stands for this cluster's failover role, but /],
  },
  {
    name: 'without any identity, both denials together',
    given: { 'aws-region': 'cluster' },
    errors: [/^aws-region: 'cluster' stands for/, /needs set-identifier/],
  },
  {
    name: 'other words are still denied',
    given: { 'aws-failover': 'local', 'set-identifier': 'a' },
    cluster: EAST,
    errors: [/^aws-failover: 'local' is not valid: must be `PRIMARY` or `SECONDARY`.*or `cluster`/],
  },
];

describe('annotations left to the cluster', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = parseAnnotations(full(c.given), {
        kind: 'istio-gateway',
        ...(c.cluster !== undefined && { cluster: c.cluster }),
      });
      const errors = result.errors.map((e) => e.message);
      if (c.errors !== undefined) {
        assert.equal(errors.length, c.errors.length, JSON.stringify(errors));
        c.errors.forEach((re, i) => assert.match(errors[i] ?? '', re));
        return;
      }
      assert.deepEqual(errors, []);
      assert.deepEqual(
        { setIdentifier: result.spec?.setIdentifier, routing: result.spec?.routing },
        { setIdentifier: c.spec?.setIdentifier, routing: c.spec?.routing },
      );
      if (c.normal !== undefined) assert.deepEqual(result.normalised, full(c.normal));
    });
  }
});

describe('the webhook agrees with the syncer', () => {
  const gateway = (annotations: Record<string, string>): KubeObject => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'web', namespace: 'shop', annotations: full(annotations) },
    spec: { servers: [{ hosts: ['www.example.com'], port: { number: 80 } }] },
  });

  it('admits what the cluster fills in, and patches nothing in (the object stays as in Git)', () => {
    const object = gateway({ 'aws-weight': '50', 'aws-region': 'cluster' });
    // Two policies: denied whatever the cluster, so the cluster changes nothing else.
    assert.equal(validateObject(object, { cluster: EAST }).allowed, false);
    const latency = gateway({ 'aws-region': 'cluster' });
    assert.deepEqual(mutateObject(latency, { cluster: EAST }).patch, []);
    assert.equal(validateObject(latency, { cluster: EAST }).allowed, true);
    const weighted = gateway({ 'aws-weight': '50' });
    assert.deepEqual(mutateObject(weighted, { cluster: EAST }), { patch: [], warnings: [] });
    assert.deepEqual(validateObject(weighted, { cluster: EAST }), {
      allowed: true,
      message: undefined,
      warnings: [],
      deniedKeys: [],
    });
  });

  it('denies it without the identity, naming the chart values', () => {
    const verdict = validateObject(gateway({ 'aws-failover': 'cluster' }), {});
    assert.equal(verdict.allowed, false);
    assert.match(verdict.message ?? '', /^Gateway shop\/web: aws-failover: 'cluster' stands for/);
    assert.match(verdict.message ?? '', /cluster\.failover/);
    assert.match(verdict.message ?? '', /cluster\.name/);
    assert.deepEqual(verdict.deniedKeys, ['aws-failover', 'set-identifier']);
  });

  it('normalises the spelling of cluster once, and then leaves it', () => {
    const mutated = mutateObject(gateway({ 'aws-failover': ' Cluster ' }), { cluster: EAST });
    assert.deepEqual(
      mutated.patch.map((op) => op.value),
      ['cluster'],
    );
    assert.deepEqual(
      mutateObject(gateway({ 'aws-failover': 'cluster' }), { cluster: EAST }).patch,
      [],
    );
  });
});

describe('clusterIdentity (the flags)', () => {
  it('reads, trims and normalises the three values', () => {
    assert.deepEqual(
      clusterIdentity({ name: ' east-1 ', region: 'US-East-1', failover: 'secondary' }),
      { name: 'east-1', region: 'us-east-1', failover: 'SECONDARY' },
    );
  });
  it('takes empty values as absent (the chart default)', () => {
    assert.deepEqual(clusterIdentity({ name: '', region: ' ', failover: undefined }), {});
  });
  for (const [raw, message] of [
    [{ name: 'x'.repeat(129) }, /--cluster-name .*1 to 128 printable ASCII/],
    [{ name: 'ost\u00e9' }, /--cluster-name/],
    [{ region: 'europe' }, /--cluster-region 'europe' is not an AWS region code/],
    [{ region: 'cluster' }, /--cluster-region 'cluster'/],
    [{ failover: 'backup' }, /--cluster-failover 'backup' must be PRIMARY or SECONDARY/],
  ] as const) {
    it(`refuses ${JSON.stringify(raw)}`, () => {
      assert.throws(() => clusterIdentity(raw), message);
    });
  }
  it('describes distinct identities distinctly (the parse cache keys on it)', () => {
    assert.notEqual(describeCluster(EAST), describeCluster(WEST));
    assert.notEqual(describeCluster({ name: 'a' }), describeCluster({ region: 'a' }));
    assert.equal(describeCluster(undefined), '');
  });
});
