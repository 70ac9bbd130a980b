import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { EndpointHistogram } from './endpoint-histogram.js';
import { createWebhookMetrics } from './metrics.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The same observations into a prom-client Histogram and an EndpointHistogram. */
function both(observations: readonly (readonly [string, number])[]) {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({
    name: 'h_seconds',
    help: 'Time to answer.',
    labelNames: ['endpoint'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const histogram = new EndpointHistogram({
    name: 'h_seconds',
    help: 'Time to answer.',
    labelName: 'endpoint',
    buckets: BUCKETS,
    registers: [ours],
  });
  for (const [endpoint, value] of observations) {
    reference.observe({ endpoint }, value);
    if (endpoint === 'mutate') histogram.observe({ endpoint }, value);
    else histogram.series(endpoint).observe(value);
  }
  return { theirs, ours, reference, histogram };
}

describe('the endpoint histogram', () => {
  it('is exposed exactly as prom-client exposes its Histogram', async () => {
    const observations: [string, number][] = [
      ['validate', 0.0003],
      ['validate', 0.0005], // on a bound: in that bucket
      ['mutate', 0.0007],
      ['validate', 0.03],
      ['mutate', 1],
      ['mutate', 4.2], // past the last bound: +Inf only
      ['validate', 0],
    ];
    const { theirs, ours } = both(observations);
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
    assert.match(
      await ours.metrics(),
      /h_seconds_bucket\{le="0.0005",endpoint="validate"\} 3\n/,
      'cumulative buckets, le first',
    );
  });

  it('agrees with prom-client on any observations, and after a reset', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('mutate', 'validate', 'other'),
            fc.oneof(fc.constantFrom(...BUCKETS), fc.double({ min: 0, max: 5, noNaN: true })),
          ),
          { maxLength: 40 },
        ),
        async (observations) => {
          const { theirs, ours, reference, histogram } = both(observations);
          assert.equal(await ours.metrics(), await theirs.metrics());
          reference.reset();
          histogram.reset();
          assert.equal(await ours.metrics(), await theirs.metrics());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses what prom-client refuses', () => {
    const { histogram } = both([]);
    assert.throws(() => histogram.observe({ endpoint: 'mutate' }, Number.NaN), TypeError);
  });
});

describe('the webhook metrics', () => {
  it('count requests as prom-client counts them, when the registry is read', async () => {
    const metrics = createWebhookMetrics({ defaultMetrics: false });
    const reference = new Registry();
    const counter = new Counter({
      name: 'aws_controller_admission_requests_total',
      help: 'Admission requests answered, by endpoint, object kind, operation and result.',
      labelNames: ['endpoint', 'kind', 'operation', 'result'],
      registers: [reference],
    });
    const requests: [string, string, string, string][] = [
      ['mutate', 'gateway', 'CREATE', 'patched'],
      ['validate', 'gateway', 'CREATE', 'allowed'],
      ['mutate', 'gateway', 'CREATE', 'patched'],
      ['validate', 'unknown', 'unknown', 'bad_request'],
      ['validate', 'service', 'UPDATE', 'denied'],
    ];
    const read = async (registry: Registry) =>
      (await registry.metrics())
        .split('\n')
        .filter((l) => l.startsWith('aws_controller_admission_requests_total{'))
        .sort();
    for (const round of [1, 2]) {
      for (const [endpoint, kind, operation, result] of requests) {
        metrics.countRequest(endpoint, kind, operation, result);
        counter.inc({ endpoint, kind, operation, result });
      }
      assert.deepEqual(await read(metrics.registry), await read(reference), `round ${round}`);
    }
    assert.ok(
      (await read(metrics.registry)).includes(
        'aws_controller_admission_requests_total{endpoint="mutate",kind="gateway",operation="CREATE",result="patched"} 4',
      ),
    );
  });

  it('show the sum of the in-flight counts when read', async () => {
    const metrics = createWebhookMetrics({ defaultMetrics: false });
    let a = 0;
    let b = 0;
    metrics.addInFlightSource(() => a);
    metrics.addInFlightSource(() => b);
    const gauge = async () =>
      /aws_controller_admission_in_flight (\d+)\n/.exec(await metrics.registry.metrics())?.[1];
    assert.equal(await gauge(), '0');
    a = 3;
    b = 2;
    assert.equal(await gauge(), '5');
    a = 0;
    assert.equal(await gauge(), '2');
  });
});
