// The typed, normal-form reading of an object's annotations: what the syncer acts on.
import type { FailoverRole, HostnameSource, KeyValues, Target } from './keys.js';

export type RoutingPolicy =
  | { type: 'weighted'; weight: number }
  | { type: 'latency'; region: string }
  | { type: 'failover'; role: FailoverRole }
  | { type: 'geolocation'; continent?: string; country?: string; subdivision?: string }
  | { type: 'multivalue' };

export interface AnnotationSpec {
  controller?: string;
  hostnames: string[];
  internalHostnames: string[];
  access?: KeyValues['access'];
  endpointsType?: KeyValues['endpoints-type'];
  /** Set when the `target` annotation overrides the derived targets. */
  targets?: Target[];
  ttl?: number;
  /** true/false when `alias` or `aws-alias` says so; undefined means "alias if AWS target". */
  alias?: boolean;
  hostnameSource?: HostnameSource;
  setIdentifier?: string;
  routing?: RoutingPolicy;
  targetHostedZone?: string;
  /**
   * `aws-evaluate-target-health`; undefined when the key is absent, so that adopting a record
   * keeps its own value (external-dns defaults it on) while a new record gets false.
   */
  evaluateTargetHealth?: boolean;
  healthCheckId?: string;
  sameZone: boolean;
}

/** The reading of an object that carries none of our annotations. */
export const EMPTY_SPEC: AnnotationSpec = Object.freeze({
  hostnames: [],
  internalHostnames: [],
  sameZone: false,
});

/** The values of the keys that were present and parsed, by key. */
export type KeyValueMap = { [K in keyof KeyValues]?: KeyValues[K] };

/** @param setIdentifier the cluster's default, used when the annotation gives none. */
export function toSpec(
  values: KeyValueMap,
  routing: RoutingPolicy | undefined,
  setIdentifier: string | undefined = values['set-identifier'],
): AnnotationSpec {
  const alias = values.alias ?? values['aws-alias'];
  return {
    ...(values.controller !== undefined && { controller: values.controller }),
    hostnames: values.hostname ?? [],
    internalHostnames: values['internal-hostname'] ?? [],
    ...(values.access !== undefined && { access: values.access }),
    ...(values['endpoints-type'] !== undefined && { endpointsType: values['endpoints-type'] }),
    ...(values.target !== undefined && { targets: values.target }),
    ...(values.ttl !== undefined && { ttl: values.ttl }),
    ...(alias !== undefined && { alias }),
    ...(values['ingress-hostname-source'] !== undefined && {
      hostnameSource: values['ingress-hostname-source'],
    }),
    ...(setIdentifier !== undefined && { setIdentifier }),
    ...(routing !== undefined && { routing }),
    ...(values['aws-target-hosted-zone'] !== undefined && {
      targetHostedZone: values['aws-target-hosted-zone'],
    }),
    ...(values['aws-evaluate-target-health'] !== undefined && {
      evaluateTargetHealth: values['aws-evaluate-target-health'],
    }),
    ...(values['aws-health-check-id'] !== undefined && {
      healthCheckId: values['aws-health-check-id'],
    }),
    sameZone: values['same-zone'] ?? false,
  };
}
