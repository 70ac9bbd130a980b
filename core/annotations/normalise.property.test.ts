// Properties of normalisation (issue 2): idempotent, validity-preserving, meaning-preserving.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mutateObject, validateObject, type KubeObject } from '../admission/admit.js';
import { applyJsonPatch } from '../admission/json-patch.js';
import { KINDS } from '../kinds.js';
import { KEY_NAMES, type KeyName } from './keys.js';
import { parseAnnotations } from './parse.js';
import { PREFIX } from './prefix.js';

/** Values worth trying per key: valid ones in several spellings, near misses, and junk. */
const SAMPLES: Record<KeyName, string[]> = {
  controller: ['aws-controller', 'Other-One', 'bad_name'],
  hostname: [
    'www.example.com',
    'A.example.com.,b.example.com',
    '*.apps.example.com',
    'bücher.example',
    'a.example.com,,a.example.com',
    'x..y',
    'localhost',
  ],
  'internal-hostname': ['db.internal.example', 'Db.Internal.Example.'],
  access: ['public', 'PRIVATE', 'internal'],
  'endpoints-type': ['NodeExternalIP', 'hostip', 'PodIP'],
  target: [
    '192.0.2.1',
    '192.0.2.1,2001:DB8:0:0::1',
    'lb.example.com',
    'k8s-a-1.elb.us-east-1.amazonaws.com',
    'a.example.com,192.0.2.1',
    '::ffff:192.0.2.9',
  ],
  ttl: ['60', '5m', '1h30M', '090s', '-1', '1.5'],
  alias: ['true', 'False', 'maybe'],
  'ingress-hostname-source': ['defined-hosts-only', 'Annotation-Only', 'both'],
  'set-identifier': ['blue', ' green ', 'x'.repeat(129)],
  'aws-alias': ['TRUE', 'false'],
  'aws-target-hosted-zone': ['/hostedzone/z2fdtndataqyw2', 'Z35SXDOTRQ7X7K', 'zone one'],
  'aws-evaluate-target-health': ['true', 'FALSE'],
  'aws-weight': ['0', '007', '255', '300'],
  'aws-region': ['us-east-1', 'EU-WEST-2', 'xx-north-9', 'europe'],
  'aws-failover': ['primary', 'SECONDARY', 'backup'],
  'aws-geolocation-continent-code': ['eu', 'NA', 'XX'],
  'aws-geolocation-country-code': ['us', 'DE', '*', 'XX'],
  'aws-geolocation-subdivision-code': ['ca', 'NY', 'ZZ'],
  'aws-multi-value-answer': ['true', 'false'],
  'aws-health-check-id': ['ABCDEF01-2345-6789-ABCD-EF0123456789', 'hc-1'],
  'same-zone': ['true', 'false'],
};

/** A sample in a random letter case with random surrounding whitespace, or arbitrary text. */
const valueFor = (key: KeyName) =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...SAMPLES[key]), fc.boolean(), fc.constantFrom('', ' ', '\n '))
        .map(([v, upper, ws]) => `${ws}${upper ? v.toUpperCase() : v}${ws}`),
    },
    { weight: 5, arbitrary: fc.constantFrom(...SAMPLES[key]) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

const annotationsArb = fc
  .uniqueArray(fc.constantFrom(...KEY_NAMES), { maxLength: 4 })
  .chain((keys) => fc.tuple(...keys.map((k) => valueFor(k).map((v) => [PREFIX + k, v] as const))))
  // Half the objects carry a set identifier, so routing-policy keys are often valid too.
  .chain((entries) =>
    fc.boolean().map((withId) => ({
      ...(withId && { [`${PREFIX}set-identifier`]: 'sid' }),
      ...(Object.fromEntries(entries) as Record<string, string>),
    })),
  );

const objectArb = fc
  .tuple(fc.constantFrom(...KINDS), annotationsArb)
  .map(([kind, annotations]): KubeObject => ({
    apiVersion: kind.group ? `${kind.group}/${kind.versions[0] ?? 'v1'}` : 'v1',
    kind: kind.k8sKind,
    metadata: { name: 'o', namespace: 'ns', annotations },
  }));

const normalise = (object: KubeObject) => applyJsonPatch(object, mutateObject(object).patch);

describe('normalisation properties', () => {
  it('normalising twice changes nothing', () => {
    fc.assert(
      fc.property(objectArb, (object) => {
        const once = normalise(object);
        assert.deepEqual(mutateObject(once).patch, []);
      }),
      { numRuns: 1000 },
    );
  });

  it('whatever validates before normalising validates after', () => {
    fc.assert(
      fc.property(objectArb, (object) => {
        if (validateObject(object).allowed)
          assert.equal(validateObject(normalise(object)).allowed, true);
      }),
      { numRuns: 1000 },
    );
  });

  it('the normal form parses to the same typed spec', () => {
    fc.assert(
      fc.property(objectArb, (object) => {
        const before = parseAnnotations(object.metadata?.annotations, { kind: 'istio-gateway' });
        if (before.spec === undefined) return;
        const after = parseAnnotations(before.normalised, { kind: 'istio-gateway' });
        assert.deepEqual(after.spec, before.spec);
        assert.deepEqual(after.normalised, before.normalised);
      }),
      { numRuns: 1000 },
    );
  });

  it('enough generated objects are valid for the properties to mean something', () => {
    const samples = fc.sample(objectArb, { numRuns: 500, seed: 1 });
    const valid = samples.filter(
      (o) => validateObject(o).allowed && Object.keys(o.metadata?.annotations ?? {}).length > 1,
    );
    assert.ok(valid.length >= 50, `only ${valid.length} of 500 generated objects were valid`);
  });
});
