import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultInjector, parseFaultSchedule } from './faults.js';

describe('FaultInjector', () => {
  it('fires a counted rule on the next N matching calls only', () => {
    const f = new FaultInjector();
    f.set(
      parseFaultSchedule({ rules: [{ kind: 'Throttling', operation: 'GetChange', count: 2 }] }),
    );
    assert.equal(f.decide('ListHostedZones').error, undefined);
    assert.equal(f.decide('GetChange').error?.code, 'Throttling');
    assert.equal(f.decide('GetChange').error?.code, 'Throttling');
    assert.equal(f.decide('GetChange').error, undefined);
    assert.deepEqual(f.describe(), []);
  });

  it('adds latency from every firing rule and answers with the first error', () => {
    const f = new FaultInjector();
    f.set(
      parseFaultSchedule({
        rules: [
          { kind: 'Latency', latencyMs: 100 },
          { kind: 'ServiceUnavailable', count: 1 },
          { kind: 'InternalError', count: 1 },
        ],
      }),
    );
    const first = f.decide('X');
    assert.equal(first.latencyMs, 100);
    assert.equal(first.error?.status, 503);
    const second = f.decide('X');
    assert.equal(second.error?.status, 500, 'the unused rule stayed armed');
  });

  it('fires a health-check rule only on requests naming that health check', () => {
    const f = new FaultInjector();
    const id = '00000000-0000-4000-8000-00000000dead';
    f.set(parseFaultSchedule({ rules: [{ kind: 'NoSuchHealthCheck', healthCheckId: id }] }));
    const naming = (hc: string) =>
      `<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><ResourceRecordSet><HealthCheckId>${hc}</HealthCheckId></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
    assert.equal(f.decide('ChangeResourceRecordSets').error, undefined);
    assert.equal(
      f.decide('ChangeResourceRecordSets', naming('00000000-0000-4000-8000-000000000001')).error,
      undefined,
    );
    const refused = f.decide('ChangeResourceRecordSets', naming(id)).error;
    assert.equal(refused?.code, 'NoSuchHealthCheck');
    assert.equal(refused?.status, 404);
    assert.equal(f.decide('ChangeResourceRecordSets', naming(id)).error?.code, 'NoSuchHealthCheck');
    assert.throws(
      () => parseFaultSchedule({ rules: [{ kind: 'NoSuchHealthCheck', healthCheckId: 7 }] }),
      /healthCheckId/,
    );
  });

  it('replays the same pattern for the same seed', () => {
    const pattern = (seed: number): string => {
      const f = new FaultInjector();
      f.set({ seed, rules: [{ kind: 'Throttling', probability: 0.3 }] });
      return Array.from({ length: 40 }, () => (f.decide('X').error ? 'T' : '.')).join('');
    };
    assert.equal(pattern(11), pattern(11));
    assert.notEqual(pattern(11), pattern(12));
  });

  it('rejects schedules with unknown kinds or bad numbers', () => {
    assert.throws(() => parseFaultSchedule({ rules: [{ kind: 'Nope' }] }), /kind must be one of/);
    assert.throws(() => parseFaultSchedule({ rules: [{ kind: 'Throttling', count: 0 }] }), /count/);
    assert.throws(
      () => parseFaultSchedule({ rules: [{ kind: 'Throttling', probability: 2 }] }),
      /probability/,
    );
    assert.throws(() => parseFaultSchedule({ rules: [{ kind: 'Latency' }] }), /needs latencyMs/);
  });
});
