import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from './endpoint.js';
import { ownershipRecordSet, toRecordSet } from './to-route53.js';

const owner = {
  kind: 'gateway',
  namespace: 'istio-system',
  name: 'main',
  creationTimestamp: '2024-01-01T00:00:00Z',
};
const zone = { id: '/hostedzone/ZPUB', name: 'example.com' };

describe('toRecordSet', () => {
  it('writes an A record with its TTL, routing and health check', () => {
    const endpoint: Endpoint = {
      name: 'www.example.com',
      type: 'A',
      targets: ['10.0.0.1', '10.0.0.2'],
      ttl: 60,
      setIdentifier: 'blue',
      routing: { type: 'weighted', weight: 10 },
      healthCheckId: '6a1e2b3c-0000-4000-8000-000000000001',
      owner,
    };
    assert.deepEqual(toRecordSet(endpoint, zone), {
      Name: 'www.example.com',
      Type: 'A',
      SetIdentifier: 'blue',
      Weight: 10,
      TTL: 60,
      ResourceRecords: [{ Value: '10.0.0.1' }, { Value: '10.0.0.2' }],
      HealthCheckId: '6a1e2b3c-0000-4000-8000-000000000001',
    });
  });

  it('writes an alias without TTL, with its canonical zone and EvaluateTargetHealth', () => {
    const endpoint: Endpoint = {
      name: 'www.example.com',
      type: 'A',
      targets: ['lb-1.us-east-1.elb.amazonaws.com'],
      alias: { sameZone: false, hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: true },
      owner,
    };
    assert.deepEqual(toRecordSet(endpoint, zone), {
      Name: 'www.example.com',
      Type: 'A',
      AliasTarget: {
        HostedZoneId: 'Z35SXDOTRQ7X7K',
        DNSName: 'lb-1.us-east-1.elb.amazonaws.com',
        EvaluateTargetHealth: true,
      },
    });
  });

  it('points a same-zone alias at the zone the record lands in', () => {
    const endpoint: Endpoint = {
      name: 'example.com',
      type: 'A',
      targets: ['www.example.com'],
      alias: { sameZone: true, evaluateTargetHealth: false },
      owner,
    };
    assert.equal(toRecordSet(endpoint, zone).AliasTarget?.HostedZoneId, 'ZPUB');
  });
});

describe('ownershipRecordSet', () => {
  it('gives the TXT the same set identifier and routing, TTL 300', () => {
    assert.deepEqual(
      ownershipRecordSet(
        {
          name: 'www.example.com',
          type: 'CNAME',
          setIdentifier: 'eu',
          routing: { Region: 'eu-west-1' },
        },
        'example.com',
        ['"v"'],
      ),
      {
        Name: 'cname-www.example.com',
        Type: 'TXT',
        SetIdentifier: 'eu',
        Region: 'eu-west-1',
        TTL: 300,
        ResourceRecords: [{ Value: '"v"' }],
      },
    );
  });
});
