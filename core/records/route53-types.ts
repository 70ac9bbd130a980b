// The shapes of Route 53's ChangeResourceRecordSets and ListResourceRecordSets, as plain
// interfaces. core/ must not import @aws-sdk; these mirror the SDK's field names exactly so
// the syncer can hand a planned Change to the SDK unchanged and `aws-controller plan -o json`
// prints precisely what would be sent.

export interface ResourceRecord {
  Value: string;
}

export interface AliasTarget {
  HostedZoneId: string;
  DNSName: string;
  EvaluateTargetHealth: boolean;
}

export interface GeoLocation {
  ContinentCode?: string;
  CountryCode?: string;
  SubdivisionCode?: string;
}

export interface ResourceRecordSet {
  Name: string;
  /** Any Route 53 type when read; only A, AAAA, CNAME and TXT when we write. */
  Type: string;
  TTL?: number;
  ResourceRecords?: ResourceRecord[];
  AliasTarget?: AliasTarget;
  SetIdentifier?: string;
  Weight?: number;
  Region?: string;
  Failover?: 'PRIMARY' | 'SECONDARY';
  GeoLocation?: GeoLocation;
  MultiValueAnswer?: boolean;
  HealthCheckId?: string;
}

export type ChangeAction = 'CREATE' | 'DELETE' | 'UPSERT';

export interface Change {
  Action: ChangeAction;
  ResourceRecordSet: ResourceRecordSet;
}

export interface HostedZone {
  /** As Route 53 returns it (`/hostedzone/Z123`) or bare (`Z123`); both are accepted. */
  Id: string;
  /** As Route 53 returns it, with a trailing dot; normalised before use. */
  Name: string;
  Config?: { PrivateZone: boolean };
}
