import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoutingPolicy } from '../annotations/spec.js';
import { policyKind, routingFields, routingFieldsOf } from './routing.js';
import type { RoutingFields } from './routing.js';

describe('routingFields', () => {
  const cases: [RoutingPolicy | undefined, RoutingFields, string][] = [
    [undefined, {}, 'simple'],
    [{ type: 'weighted', weight: 0 }, { Weight: 0 }, 'weighted'],
    [{ type: 'latency', region: 'eu-west-1' }, { Region: 'eu-west-1' }, 'latency'],
    [{ type: 'failover', role: 'SECONDARY' }, { Failover: 'SECONDARY' }, 'failover'],
    [
      { type: 'geolocation', continent: 'EU' },
      { GeoLocation: { ContinentCode: 'EU' } },
      'geolocation',
    ],
    [
      { type: 'geolocation', country: 'US', subdivision: 'CA' },
      { GeoLocation: { CountryCode: 'US', SubdivisionCode: 'CA' } },
      'geolocation',
    ],
    [{ type: 'geolocation', country: '*' }, { GeoLocation: { CountryCode: '*' } }, 'geolocation'],
    [{ type: 'multivalue' }, { MultiValueAnswer: true }, 'multivalue'],
  ];
  for (const [routing, fields, kind] of cases) {
    it(`writes ${JSON.stringify(routing)} as ${JSON.stringify(fields)} and reads it back`, () => {
      assert.deepEqual(routingFields(routing), fields);
      const set = {
        Name: 'w.example.com',
        Type: 'A',
        ...(routing !== undefined && { SetIdentifier: 's' }),
        ...fields,
      };
      assert.deepEqual(routingFieldsOf(set), fields);
      assert.equal(policyKind(set), kind);
    });
  }
  it("calls a set identifier with a policy it doesn't write 'other'", () => {
    assert.equal(policyKind({ Name: 'w.example.com', Type: 'A', SetIdentifier: 'cidr' }), 'other');
  });
});
