// The owner ID when none is given: one rule for `syncer`, `plan` and the Helm chart, so the
// records a cluster published show as its own wherever they are looked at. The rule is the
// chart's (most installs come from it, and changing it would orphan their records):
// `<release>.<namespace>.<cluster UID>`, where the cluster UID is kube-system's UID (unique,
// and stable for the cluster's life), the release is the Helm release name (the name of this
// installation) and the namespace the one it runs in. Two installations in one cluster thus
// never share an owner ID, and a reinstall under the same name keeps its records.
import { checkOwnerId } from './ownership.js';

/** The release name assumed when none is given (the one the README's install uses). */
export const DEFAULT_RELEASE = 'aws-controller';
/** The namespace assumed when none is given (where the README installs the chart). */
export const DEFAULT_RELEASE_NAMESPACE = 'istio-system';

export interface OwnerIdParts {
  release: string;
  namespace: string;
  /** The UID of the cluster's kube-system namespace. */
  clusterUid: string;
}

export function defaultOwnerId({ release, namespace, clusterUid }: OwnerIdParts): string {
  for (const [what, value] of [
    ['release name', release],
    ['namespace', namespace],
    ['cluster UID', clusterUid],
  ] as const) {
    if (value.trim() === '') throw new Error(`the default owner ID needs a ${what}`);
  }
  const ownerId = `${release}.${namespace}.${clusterUid}`;
  checkOwnerId(ownerId);
  return ownerId;
}
