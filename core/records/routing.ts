// Routing policies between the annotation contract's RoutingPolicy and Route 53's fields.
// A record set's policy kind matters beyond equality: Route 53 lets record sets of one name
// and type coexist only when all have a set identifier and the same kind of policy.
import type { RoutingPolicy } from '../annotations/spec.js';
import type { ResourceRecordSet } from './route53-types.js';

export type RoutingFields = Pick<
  ResourceRecordSet,
  'Weight' | 'Region' | 'Failover' | 'GeoLocation' | 'MultiValueAnswer'
>;

/** The Route 53 fields that express `routing` (none for simple routing). */
export function routingFields(routing: RoutingPolicy | undefined): RoutingFields {
  switch (routing?.type) {
    case undefined:
      return {};
    case 'weighted':
      return { Weight: routing.weight };
    case 'latency':
      return { Region: routing.region };
    case 'failover':
      return { Failover: routing.role };
    case 'multivalue':
      return { MultiValueAnswer: true };
    case 'geolocation':
      return {
        GeoLocation: {
          ...(routing.continent !== undefined && { ContinentCode: routing.continent }),
          ...(routing.country !== undefined && { CountryCode: routing.country }),
          ...(routing.subdivision !== undefined && { SubdivisionCode: routing.subdivision }),
        },
      };
  }
}

/** Only the routing fields of a record set, e.g. to give its ownership TXT the same policy. */
export function routingFieldsOf(recordSet: ResourceRecordSet): RoutingFields {
  return {
    ...(recordSet.Weight !== undefined && { Weight: recordSet.Weight }),
    ...(recordSet.Region !== undefined && { Region: recordSet.Region }),
    ...(recordSet.Failover !== undefined && { Failover: recordSet.Failover }),
    ...(recordSet.GeoLocation !== undefined && { GeoLocation: { ...recordSet.GeoLocation } }),
    ...(recordSet.MultiValueAnswer === true && { MultiValueAnswer: true }),
  };
}

/**
 * The kind of routing a record set uses: `simple` without a set identifier, `other` for
 * policies this controller does not write (CIDR, geoproximity) but must respect.
 */
export function policyKind(recordSet: ResourceRecordSet): string {
  if (recordSet.SetIdentifier === undefined) return 'simple';
  if (recordSet.Weight !== undefined) return 'weighted';
  if (recordSet.Region !== undefined) return 'latency';
  if (recordSet.Failover !== undefined) return 'failover';
  if (recordSet.GeoLocation !== undefined) return 'geolocation';
  if (recordSet.MultiValueAnswer === true) return 'multivalue';
  return 'other';
}
