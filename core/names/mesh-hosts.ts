// VirtualService hosts that are routing inside the mesh, not names for DNS.
import { ipFamily } from './ip.js';

/**
 * VirtualService hosts that only the mesh resolves: short names (`reviews`), Kubernetes
 * service names (`reviews.shop.svc`, anything under `cluster.local`) and IP addresses. They
 * are routing inside the cluster, not names for DNS: no zone could hold them, so they are
 * neither published, judged by the domain policy, nor reported.
 */
export function isMeshInternalHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return (
    !name.includes('.') ||
    ipFamily(name) !== undefined ||
    name === 'cluster.local' ||
    name.endsWith('.cluster.local') ||
    name.endsWith('.svc')
  );
}
