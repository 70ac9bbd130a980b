import assert from 'node:assert/strict';
import { it } from 'node:test';
import { applyChanges } from './apply-changes.js';
import type { ResourceRecordSet } from './route53-types.js';

const a = (name: string, ip: string, setId?: string): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  TTL: 300,
  ResourceRecords: [{ Value: ip }],
  ...(setId !== undefined && { SetIdentifier: setId, Weight: 1 }),
});

it('applies CREATE, UPSERT and DELETE by name, type and set identifier, names as Route 53 spells them', () => {
  const listing = [
    a('www.example.com.', '192.0.2.1'),
    a('\\052.example.com.', '192.0.2.2'),
    a('w.example.com.', '192.0.2.3', 'blue'),
  ];
  const after = applyChanges(listing, [
    { Action: 'UPSERT', ResourceRecordSet: a('WWW.example.com', '192.0.2.9') },
    { Action: 'DELETE', ResourceRecordSet: a('*.example.com', '192.0.2.2') },
    { Action: 'CREATE', ResourceRecordSet: a('w.example.com', '192.0.2.4', 'green') },
  ]);
  assert.deepEqual(
    after.map((s) => `${s.Name} ${s.ResourceRecords?.[0]?.Value ?? ''} ${s.SetIdentifier ?? ''}`),
    [
      'WWW.example.com 192.0.2.9 ',
      'w.example.com. 192.0.2.3 blue',
      'w.example.com 192.0.2.4 green',
    ],
  );
  assert.equal(listing.length, 3, 'the input listing is not modified');
});
