import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecordSet } from './from-route53.js';
import { ownershipValue } from './ownership.js';
import { asListed, holder, isOurLabel, ownerIds } from './zone-work.js';

describe('zone-work helpers', () => {
  it('sends a DELETE with the record as listed, its name in normal form', () => {
    const listed = {
      Name: '\\052.Example.com.',
      Type: 'A',
      TTL: 42,
      ResourceRecords: [{ Value: '10.0.0.1' }],
    };
    assert.deepEqual(asListed(readRecordSet(listed)), { ...listed, Name: '*.example.com' });
  });
  it('tells our label from others', () => {
    assert.equal(isOurLabel(ownershipValue('me', 'service/a/b'), 'me'), true);
    assert.equal(isOurLabel(ownershipValue('you', 'service/a/b'), 'me'), false);
  });
  it('says who holds a name', () => {
    assert.equal(holder(undefined), 'no ownership TXT');
    assert.equal(
      holder({ heritage: 'external-dns', owner: 'edns' }),
      "owned by external-dns owner 'edns'",
    );
  });
  it('carries the adopted owner only when there is one', () => {
    assert.deepEqual(ownerIds({ ownerId: 'me', policy: 'SYNC', domainFilter: [] }), {
      ownerId: 'me',
    });
    assert.deepEqual(
      ownerIds({ ownerId: 'me', policy: 'SYNC', domainFilter: [], adoptExternalDnsOwner: 'e' }),
      {
        ownerId: 'me',
        adoptExternalDnsOwner: 'e',
      },
    );
  });
});
