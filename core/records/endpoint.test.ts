import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareText, describeRecord, endpointKey, isRecordType, resourceOf } from './endpoint.js';

describe('endpoint helpers', () => {
  it('names the owner resource as the ownership label writes it', () => {
    assert.equal(
      resourceOf({ kind: 'virtualservice', namespace: 'shop', name: 'cart' }),
      'virtualservice/shop/cart',
    );
  });
  it('keys a record by name, type and set identifier', () => {
    const owner = { kind: 'service', namespace: 'a', name: 'b', creationTimestamp: '' };
    const base = { name: 'www.example.com', type: 'A' as const, targets: ['10.0.0.1'], owner };
    assert.notEqual(endpointKey(base), endpointKey({ ...base, setIdentifier: 'x' }));
    assert.notEqual(endpointKey(base), endpointKey({ ...base, type: 'AAAA' }));
    assert.equal(endpointKey(base), endpointKey({ ...base, targets: ['10.0.0.2'] }));
  });
  it('describes records for messages', () => {
    assert.equal(describeRecord('www.example.com', 'A'), 'A www.example.com');
    assert.equal(describeRecord('www.example.com', 'A', 'blue'), 'A www.example.com (set blue)');
  });
  it('knows the record types it writes', () => {
    assert.equal(isRecordType('CNAME'), true);
    assert.equal(isRecordType('TXT'), false);
  });
  it('orders text the same everywhere', () => {
    assert.deepEqual(['b', 'B', 'a', '*'].sort(compareText), ['*', 'B', 'a', 'b']);
  });
});
