// The cluster a controller runs in, as far as annotations may lean on it. Platform teams apply
// the same manifests to every cluster (GitOps); what must differ between the clusters' records
// of one name — the set identifier, the latency region, the failover role — comes from here
// instead of from per-cluster annotations. The webhook and the syncer of one installation are
// given the same identity, so the webhook never denies what the syncer would fill in.
import { KNOWN_REGIONS, REGION_SHAPE } from '../aws/regions.js';
import type { FailoverRole } from './keys.js';

export interface ClusterIdentity {
  /** The set identifier of a record whose routing policy has none (`--cluster-name`). */
  name?: string;
  /** What `aws-region: cluster` means (`--cluster-region`). */
  region?: string;
  /** What `aws-failover: cluster` means (`--cluster-failover`). */
  failover?: FailoverRole;
}

/** The annotation value that stands for "this cluster's", in `aws-region` and `aws-failover`. */
export const CLUSTER_VALUE = 'cluster';

const FAILOVER_ROLES: readonly FailoverRole[] = ['PRIMARY', 'SECONDARY'];

/**
 * The identity from the flags' raw values, checked as the annotations they stand in for are
 * (a name as a set identifier, a region as `aws-region`, a role as `aws-failover`); throws a
 * message naming the flag otherwise. Empty values count as absent (the chart's default).
 */
export function clusterIdentity(raw: {
  name?: string | undefined;
  region?: string | undefined;
  failover?: string | undefined;
}): ClusterIdentity {
  const name = raw.name?.trim() ?? '';
  const region = raw.region?.trim().toLowerCase() ?? '';
  const failover = raw.failover?.trim().toUpperCase() ?? '';
  if (name.length > 128 || /[^\x20-\x7e]/u.test(name)) {
    throw new Error(
      `--cluster-name '${name}' cannot be a set identifier: it must be 1 to 128 printable ASCII characters`,
    );
  }
  if (region !== '' && (!REGION_SHAPE.test(region) || region === CLUSTER_VALUE)) {
    throw new Error(
      `--cluster-region '${raw.region ?? ''}' is not an AWS region code such as us-east-1`,
    );
  }
  const role = FAILOVER_ROLES.find((r) => r === failover);
  if (failover !== '' && role === undefined) {
    throw new Error(`--cluster-failover '${raw.failover ?? ''}' must be PRIMARY or SECONDARY`);
  }
  return {
    ...(name !== '' && { name }),
    ...(region !== '' && { region }),
    ...(role !== undefined && { failover: role }),
  };
}

/** A warning for a well-shaped region this version does not know, as `aws-region` gives. */
export function unknownRegionWarning(identity: ClusterIdentity): string | undefined {
  const region = identity.region;
  if (region === undefined || KNOWN_REGIONS.has(region)) return undefined;
  return `--cluster-region '${region}' is not a region this version of aws-controller knows`;
}

/** One line for logs and the parse cache's key. */
export function describeCluster(identity: ClusterIdentity | undefined): string {
  if (identity === undefined) return '';
  return [identity.name ?? '', identity.region ?? '', identity.failover ?? ''].join('|');
}
