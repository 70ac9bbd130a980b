import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OURS, rr, txt, run, lines } from './testing/plan-cases.js';

describe('plan: deleting', () => {
  const current = [rr('old.example.com', 'A', ['10.0.0.1']), txt('a-old.example.com', OURS)];

  it('deletes our records nobody wants under SYNC, with their TXT', () => {
    assert.deepEqual(lines(run(current, [])), [
      'ZPUB DELETE A old.example.com 10.0.0.1',
      `ZPUB DELETE TXT a-old.example.com ${OURS}`,
    ]);
  });

  it('never deletes under UPSERT_ONLY or CREATE_ONLY', () => {
    assert.deepEqual(lines(run(current, [], { policy: 'UPSERT_ONLY' })), []);
    assert.deepEqual(lines(run(current, [], { policy: 'CREATE_ONLY' })), []);
  });

  it('never deletes outside domainFilter', () => {
    assert.deepEqual(lines(run(current, [], { domainFilter: ['www.example.com'] })), []);
  });

  it('keeps other values that share our TXT', () => {
    const shared = [
      rr('old.example.com', 'A', ['10.0.0.1']),
      rr('a-old.example.com', 'TXT', [OURS, '"keep me"']),
    ];
    assert.deepEqual(lines(run(shared, [])), [
      'ZPUB DELETE A old.example.com 10.0.0.1',
      'ZPUB UPSERT TXT a-old.example.com "keep me"',
    ]);
  });

  it('removes our TXT left behind by a record someone deleted', () => {
    assert.deepEqual(lines(run([txt('a-gone.example.com', OURS)], [])), [
      `ZPUB DELETE TXT a-gone.example.com ${OURS}`,
    ]);
  });

  it('sends a DELETE with the record exactly as listed', () => {
    const listed = rr('old.example.com', 'A', ['10.0.0.1'], { TTL: 42, HealthCheckId: 'abc' });
    const result = run([listed, txt('a-old.example.com', OURS)], []);
    assert.deepEqual(result.zones[0]?.groups[0]?.[0], {
      Action: 'DELETE',
      ResourceRecordSet: { ...listed, Name: 'old.example.com' },
    });
  });
});
