// The syncer process: watch caches, leader election, the Route 53 client and the reconcile
// loop, wired together. Every replica keeps warm caches; only the lease holder writes.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PREFIX } from '../core/annotations/prefix.js';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import type { PlanOptions } from '../core/records/plan.js';
import type { DomainPolicy } from '../core/tenancy/domain-policy.js';
import { Controller } from './controller.js';
import { ClusterCaches } from './kube/caches.js';
import { collectionPath, discoverer, lister, loadKubeConfig, watchStarter } from './kube/client.js';
import { kubernetesEventSink } from './kube/events.js';
import { LEASE_DEFAULTS, LeaderElector } from './kube/leader-election.js';
import { kubernetesLeaseApi } from './kube/lease-api.js';
import { Reflector, type KubeResource } from './kube/reflector.js';
import { WATCHED_RESOURCES, type SnapshotKey } from './kube/watched-resources.js';
import { createSyncerMetrics, type SyncerMetrics } from './metrics.js';
import {
  DEFAULT_ADAPTATION,
  monotonicClock,
  RateLimiter,
  realClock,
} from './route53/rate-limiter.js';
import { ResilientRoute53Api } from './route53/resilient-client.js';
import type { ProxyEnv } from './route53/proxy-env.js';
import { SdkRoute53Api } from './route53/sdk-client.js';
import { SERVICE_NAME_LABEL, slimObject } from './sources/objects.js';
import { readsNodesOrEndpoints } from './sources/kubernetes.js';
import { startStatusServer } from './status-server.js';

export interface SyncerConfig extends PlanOptions {
  controllerName: string;
  /** What annotations may leave to this cluster (core/annotations/cluster.ts). */
  cluster?: ClusterIdentity;
  /** The domain policy in force now (it may change while the syncer runs); none: open. */
  currentDomainPolicy?: () => DomainPolicy;
  ingressNamespaces: readonly string[];
  maxDeleteFraction: number;
  awsRegion?: string;
  /** For tests against moto; unset in production. */
  route53Endpoint?: string;
  /** The proxy Route 53 is reached through (route53/proxy-env.ts); absent: none. */
  route53Proxy?: ProxyEnv;
  driftIntervalMs: number;
  debounceMs: number;
  /** How soon a change after a quiet spell is planned (the controller's leading edge). */
  leadingMs?: number;
  /** Route 53 requests per second, for this process (the account allows 5 in all). */
  rateLimit: number;
  /** Kubeconfig file; in-cluster service account when absent. */
  kubeconfig?: string;
  metricsPort: number;
  host: string;
  leaderElection: {
    namespace: string;
    name: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  logger: Logger;
}

export interface RunningSyncer {
  metricsPort: number;
  metrics: SyncerMetrics;
  controller: Controller;
  caches: ClusterCaches;
  elector: LeaderElector;
  identity: string;
  close(): Promise<void>;
}

/** client-go's convention: the host (the Pod's name) plus a random part, unique per process. */
export function defaultIdentity(): string {
  return `${process.env['POD_NAME'] || hostname()}_${randomUUID().slice(0, 8)}`;
}

const hasHostname = (o: KubeResource | undefined) =>
  o?.metadata?.annotations?.[`${PREFIX}hostname`] !== undefined;

/**
 * Nodes and EndpointSlices change often in a large cluster and matter only to NodePort and
 * headless Services that ask for a hostname: other changes to them schedule no reconcile.
 */
function matters(key: SnapshotKey, object: KubeResource | undefined, caches: ClusterCaches) {
  if (object === undefined) return true;
  if (key === 'nodes') {
    return caches.list('services').some((s) => hasHostname(s) && readsNodesOrEndpoints(s));
  }
  if (key === 'endpointSlices') {
    const name = object.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name === undefined) return false;
    const service = caches.get('services', object.metadata?.namespace, name);
    return service !== undefined && hasHostname(service) && readsNodesOrEndpoints(service);
  }
  return true;
}

export async function startSyncer(config: SyncerConfig): Promise<RunningSyncer> {
  const { logger } = config;
  const kc = loadKubeConfig(config.kubeconfig);
  const metrics = createSyncerMetrics();
  const clock = realClock;
  const lease = { ...LEASE_DEFAULTS, ...config.leaderElection };

  // Other clusters of the account spend the same 5/s without telling us: follow the throttling.
  const limiter = new RateLimiter(config.rateLimit, clock, 1, DEFAULT_ADAPTATION);
  metrics.route53Rate.set(limiter.rate);
  const route53 = new ResilientRoute53Api(
    new SdkRoute53Api({
      ...(config.awsRegion !== undefined && { region: config.awsRegion }),
      ...(config.route53Endpoint !== undefined && { endpoint: config.route53Endpoint }),
      ...(config.route53Proxy !== undefined && { proxyEnv: config.route53Proxy }),
      // A change sent just before the renew deadline must be over (answered or abandoned)
      // before a standby can take over: no request outlives the margin between the two.
      requestTimeoutMs: Math.min(10_000, lease.leaseDurationMs - lease.renewDeadlineMs),
    }),
    {
      limiter,
      onAttempt: (operation, outcome, seconds) => {
        metrics.route53Calls.inc({ operation, outcome });
        metrics.route53Rate.set(limiter.rate);
        metrics.route53Duration.observe({ operation }, seconds);
      },
      onRetry: (operation, err, delayMs) =>
        logger.warn({ operation, code: err.code, delayMs }, 'Route 53 call failed; retrying'),
      // Every attempt of a change, retries included, is fenced by the lease's renew deadline.
      mayWrite: () => elector.leading,
    },
  );

  const { identity: givenIdentity, namespace, name, ...timings } = config.leaderElection;
  const identity = givenIdentity ?? defaultIdentity();
  // The elector and caches call the controller back only once started, after it exists.
  const elector = new LeaderElector({
    identity,
    api: kubernetesLeaseApi(kc, namespace, name),
    // Lease durations on the monotonic clock: a stepped wall clock must not extend a deadline.
    clock: monotonicClock,
    ...timings,
    logger,
    onChange: (leading) => {
      metrics.leader.set(leading ? 1 : 0);
      if (leading) controller.relist('became leader', 0);
    },
  });

  const watcher = watchStarter(kc);
  const caches: ClusterCaches = new ClusterCaches({
    resources: WATCHED_RESOURCES,
    clock,
    logger,
    backend: {
      discover: discoverer(kc),
      reflector: (resource, version, onChange) => {
        const type = { ...resource, version };
        return new Reflector<KubeResource>({
          name: resource.key,
          path: collectionPath(type),
          list: lister(kc, type),
          watcher,
          logger,
          clock,
          onChange,
          transform: (object) => slimObject(resource.key, object),
        });
      },
    },
    onChange: (key, object) => {
      metrics.cachesSynced.set(caches.synced() ? 1 : 0);
      if (matters(key, object, caches)) controller.trigger(`${key} changed`);
    },
  });

  const controller = new Controller(config, {
    caches,
    route53,
    isLeader: () => elector.leading,
    events: kubernetesEventSink(kc, logger),
    metrics,
    logger,
    clock,
    ...(config.currentDomainPolicy !== undefined && {
      currentDomainPolicy: config.currentDomainPolicy,
    }),
  });

  const status = await startStatusServer({
    port: config.metricsPort,
    host: config.host,
    registry: metrics.registry,
    notReadyReason: () =>
      caches.synced() ? undefined : `caches not synced: ${caches.unsynced().join(', ')}`,
  });
  caches.start();
  elector.start();
  controller.start();
  logger.info(
    {
      identity,
      ownerId: config.ownerId,
      policy: config.policy,
      domainFilter: config.domainFilter,
      zoneType: config.zoneType,
      cluster: config.cluster,
      metricsPort: status.port,
    },
    'syncer started',
  );

  return {
    metricsPort: status.port,
    metrics,
    controller,
    caches,
    elector,
    identity,
    close: async () => {
      await controller.stop();
      // Give the lease up last: no write can start after the controller has stopped.
      await elector.stop();
      await caches.stop();
      await status.close();
    },
  };
}
