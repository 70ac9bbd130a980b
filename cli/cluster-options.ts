// The cluster's identity flags, shared by every command that reads annotations (webhook,
// syncer, validate, plan): the webhook and the syncer of one installation must be given the
// same values (the chart passes `cluster.*` to both), so one never admits what the other
// reads differently.
import { clusterIdentity, type ClusterIdentity } from '../core/annotations/cluster.js';
import { stringOption, UsageError, type OptionSpec, type ParsedOptions } from './options.js';

export const CLUSTER_FLAGS: OptionSpec = {
  'cluster-name': { type: 'string' },
  'cluster-region': { type: 'string' },
  'cluster-failover': { type: 'string' },
};

export const CLUSTER_FLAGS_USAGE = `  --cluster-name NAME       this cluster's set identifier: used by a routing policy
                            (aws-weight, aws-region, aws-failover, …) whose object has no
                            set-identifier annotation, so one manifest makes one record
                            per cluster (default none: set-identifier required)
  --cluster-region R        what aws-region: cluster means (an AWS region code)
  --cluster-failover ROLE   what aws-failover: cluster means (PRIMARY or SECONDARY)`;

/** The identity the flags give; undefined when none is set. */
export function clusterFlags(values: ParsedOptions['values']): ClusterIdentity | undefined {
  let identity: ClusterIdentity;
  try {
    identity = clusterIdentity({
      name: stringOption(values, 'cluster-name'),
      region: stringOption(values, 'cluster-region'),
      failover: stringOption(values, 'cluster-failover'),
    });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  return Object.keys(identity).length === 0 ? undefined : identity;
}
