// LeaseApi over coordination.k8s.io/v1.
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { kubeRequest } from './client.js';
import { LeaseConflict, type LeaseApi, type LeaseRecord } from './leader-election.js';

const statusOf = (err: unknown) => (err as { code?: number }).code;

/**
 * A Date that serialises as a Kubernetes MicroTime: six fractional digits. client-node sends
 * a plain Date with three, which the apiserver refuses for a Lease ("cannot parse .436Z").
 */
class MicroTime extends Date {
  override toJSON(): string {
    return this.toISOString().replace(/Z$/, '000Z');
  }
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    ...(spec.holderIdentity != null && { holderIdentity: spec.holderIdentity }),
    ...(spec.leaseDurationSeconds != null && { leaseDurationSeconds: spec.leaseDurationSeconds }),
    ...(spec.acquireTime != null && { acquireTime: new Date(spec.acquireTime).getTime() }),
    ...(spec.renewTime != null && { renewTime: new Date(spec.renewTime).getTime() }),
    ...(spec.leaseTransitions != null && { leaseTransitions: spec.leaseTransitions }),
    ...(lease.metadata?.resourceVersion != null && {
      resourceVersion: lease.metadata.resourceVersion,
    }),
  };
}

export function kubernetesLeaseApi(kc: KubeConfig, namespace: string, name: string): LeaseApi {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const one = `${collection}/${encodeURIComponent(name)}`;
  // No Lease call hangs past the default renew deadline: a late renewal counts for nothing.
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: V1Lease) =>
    (await kubeRequest(kc, method, path, {
      ...(body !== undefined && { body }),
      timeoutMs: 10_000,
    })) as V1Lease;
  const toLease = (record: LeaseRecord): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace,
      ...(record.resourceVersion !== undefined && { resourceVersion: record.resourceVersion }),
    },
    spec: {
      holderIdentity: record.holderIdentity ?? '',
      ...(record.leaseDurationSeconds !== undefined && {
        leaseDurationSeconds: record.leaseDurationSeconds,
      }),
      ...(record.acquireTime !== undefined && { acquireTime: new MicroTime(record.acquireTime) }),
      ...(record.renewTime !== undefined && { renewTime: new MicroTime(record.renewTime) }),
      ...(record.leaseTransitions !== undefined && { leaseTransitions: record.leaseTransitions }),
    },
  });
  const conflictAware = async (write: () => Promise<V1Lease>) => {
    try {
      return toRecord(await write());
    } catch (err) {
      if (statusOf(err) === 409)
        throw new LeaseConflict('the lease was changed by another replica', { cause: err });
      throw err;
    }
  };
  return {
    get: async () => {
      try {
        return toRecord(await call('GET', one));
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    create: (record) => conflictAware(() => call('POST', collection, toLease(record))),
    replace: (record) => conflictAware(() => call('PUT', one, toLease(record))),
  };
}
