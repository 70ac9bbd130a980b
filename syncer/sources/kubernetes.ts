// Core Services (LoadBalancer addresses, ClusterIP for internal names) and Ingresses.
import { chooseHostnames, emit, loadBalancerAddresses, readObject, targetsOf } from './common.js';
import type { SourceOptions, SourceOutput } from './common.js';
import type { Snapshot } from './objects.js';

export function services(snapshot: Snapshot, options: SourceOptions, output: SourceOutput): void {
  for (const service of snapshot.services) {
    const reading = readObject(service, 'service', options, output.notes);
    if (!reading.act) continue;
    const { spec } = reading;
    if (spec.hostnames.length > 0) {
      if (service.spec?.type === 'LoadBalancer' || spec.targets !== undefined) {
        const addresses = [
          ...loadBalancerAddresses(service.status?.loadBalancer?.ingress),
          ...(service.spec?.externalIPs ?? []),
        ];
        emit(
          output,
          service,
          'service',
          chooseHostnames(service, 'service', [], spec, output.notes),
          targetsOf(addresses),
          spec,
        );
      } else {
        output.notes.push({
          object: service,
          kind: 'service',
          reason: 'NoTargets',
          message: `hostname is published for Services of type LoadBalancer (or with a target annotation); this one is ${service.spec?.type ?? 'ClusterIP'}, and NodePort/headless publishing (access, endpoints-type) is not supported yet`,
        });
      }
    }
    if (spec.internalHostnames.length > 0) {
      const clusterIps = (service.spec?.clusterIPs ?? [service.spec?.clusterIP ?? '']).filter(
        (ip) => ip !== '' && ip !== 'None',
      );
      // The ClusterIP is the target whatever `target` says: that is what internal names mean.
      const internalSpec = { ...spec, targets: undefined };
      emit(output, service, 'service', spec.internalHostnames, targetsOf(clusterIps), internalSpec);
    }
  }
}

export function ingresses(snapshot: Snapshot, options: SourceOptions, output: SourceOutput): void {
  for (const ingress of snapshot.ingresses) {
    const reading = readObject(ingress, 'ingress', options, output.notes);
    if (!reading.act) continue;
    const hosts = (ingress.spec?.rules ?? []).map((r) => r.host ?? '').filter((h) => h !== '');
    const hostnames = chooseHostnames(ingress, 'ingress', hosts, reading.spec, output.notes);
    const targets = targetsOf(loadBalancerAddresses(ingress.status?.loadBalancer?.ingress));
    emit(output, ingress, 'ingress', hostnames, targets, reading.spec);
  }
}
