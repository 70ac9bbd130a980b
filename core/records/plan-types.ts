// What the planner answers: per-zone changes in API shape, and what it would not do, with
// the reason (for Events, metrics and `aws-controller plan` output).
import type { Conflict } from './conflicts.js';
import type { Endpoint } from './endpoint.js';
import type { ExternalDnsTxtNaming, OwnershipLabel } from './ownership.js';
import type { Change } from './route53-types.js';
import type { ZoneSelection } from './zones.js';
import type { DomainPolicy } from '../tenancy/domain-policy.js';

export type Policy = 'SYNC' | 'UPSERT_ONLY' | 'CREATE_ONLY';

export interface PlanOptions extends ZoneSelection {
  ownerId: string;
  policy: Policy;
  /** An external-dns owner ID whose records are taken over; absent: none ever are. */
  adoptExternalDnsOwner?: string;
  /** external-dns's --txt-prefix/--txt-suffix/--txt-wildcard-replacement; absent: none. */
  externalDnsTxtNaming?: ExternalDnsTxtNaming;
  /** Which namespaces may publish which names; absent: every namespace any name. */
  domainPolicy?: DomainPolicy;
}

export type RefusalReason =
  /** The domain policy keeps the name from the object's namespace. */
  | 'name-not-allowed'
  /** The name is outside domainFilter. */
  | 'outside-domain-filter'
  /** No eligible hosted zone holds the name. */
  | 'no-zone'
  /** A CNAME at a zone apex, where the zone's SOA and NS records already are. */
  | 'apex-cname'
  /** A same-zone alias whose target lies outside the zone. */
  | 'alias-target-outside-zone'
  /** The record set exists and is not ours. */
  | 'foreign-owned'
  /** Records someone else owns at the name cannot coexist with this one. */
  | 'name-taken'
  /** The ownership TXT's name is taken by someone else's record. */
  | 'ownership-name-taken'
  /** Writing it needs an update or a delete the policy forbids. */
  | 'blocked-by-policy';

export interface Refusal {
  reason: RefusalReason;
  /** The desired endpoint refused: its owner is the object to put an Event on. */
  endpoint: Endpoint;
  zoneId?: string;
  message: string;
  /** Who holds the name, when a registry TXT says. */
  heldBy?: OwnershipLabel;
}

export type DecisionAction = 'create' | 'update' | 'adopt' | 'delete';

/** One line of the plan for humans and logs: what happens to which record, for whom. */
export interface Decision {
  action: DecisionAction;
  record: string;
  /** `<kind>/<namespace>/<name>` the record is (or was) for. */
  resource?: string;
  /** Changes to how the record behaves that an update makes (`EvaluateTargetHealth true → false`). */
  changed?: string[];
}

export interface ZonePlan {
  zoneId: string;
  zoneName: string;
  private: boolean;
  /** Changes in API shape, in groups that must share a request (see change-groups.ts). */
  groups: Change[][];
  decisions: Decision[];
}

export interface Plan {
  /** Zones with at least one change, by zone ID. */
  zones: ZonePlan[];
  refused: Refusal[];
  conflicts: Conflict[];
  /** Eligible zones without a listing in `current`: nothing was planned for them. */
  unlistedZones: string[];
}
