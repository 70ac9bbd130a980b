// The syncer's Prometheus metrics, in a registry of its own. Labels are small and bounded:
// operations, outcomes, actions, reasons and zone names — never object names.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface SyncerMetrics {
  registry: Registry;
  route53Calls: Counter<'operation' | 'outcome'>;
  route53Duration: Histogram<'operation'>;
  route53Rate: Gauge;
  changes: Counter<'action'>;
  failedChanges: Counter<'reason'>;
  recordsManaged: Gauge<'zone'>;
  conflicts: Gauge;
  refused: Gauge<'reason'>;
  skippedObjects: Gauge<'reason'>;
  incrementalMismatches: Counter;
  reconcileDuration: Histogram<'result'>;
  lastSuccessfulSync: Gauge;
  deletionsHeldBack: Gauge<'zone'>;
  leader: Gauge;
  cachesSynced: Gauge;
}

export function createSyncerMetrics(options: { defaultMetrics?: boolean } = {}): SyncerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'aws_controller_syncer_' });
  }
  const registers = [registry];
  return {
    registry,
    route53Calls: new Counter({
      name: 'aws_controller_route53_requests_total',
      help: 'Route 53 API requests sent (every attempt), by operation and outcome.',
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    route53Duration: new Histogram({
      name: 'aws_controller_route53_request_duration_seconds',
      help: 'Route 53 API request latency.',
      labelNames: ['operation'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    route53Rate: new Gauge({
      name: 'aws_controller_route53_rate_limit',
      help: 'Route 53 requests per second this process allows itself now: --rate-limit, or less after Throttling answers (the account is shared with other clusters); throttled requests are aws_controller_route53_requests_total{outcome="throttled"}.',
      registers,
    }),
    changes: new Counter({
      name: 'aws_controller_route53_changes_total',
      help: 'Record set changes Route 53 accepted, by action (CREATE, UPSERT, DELETE).',
      labelNames: ['action'],
      registers,
    }),
    failedChanges: new Counter({
      name: 'aws_controller_route53_failed_changes_total',
      help: 'Record set changes Route 53 refused or that could not be sent, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    recordsManaged: new Gauge({
      name: 'aws_controller_records_managed',
      help: 'Records owned by this controller (ownership TXTs with our owner id), by zone.',
      labelNames: ['zone'],
      registers,
    }),
    // The next three are the state after the last reconcile, not running totals: how many
    // records are not published right now, and why.
    conflicts: new Gauge({
      name: 'aws_controller_conflicts',
      help: 'Desired records lost to an older object wanting the same name, at the last reconcile.',
      registers,
    }),
    refused: new Gauge({
      name: 'aws_controller_refused_records',
      help: 'Desired records not written at the last reconcile, by reason (foreign-owned, no-zone, …).',
      labelNames: ['reason'],
      registers,
    }),
    skippedObjects: new Gauge({
      name: 'aws_controller_skipped_objects',
      help: 'Problems that kept objects (or some of their names) unpublished at the last reconcile, by reason (InvalidAnnotations, NoTargets, …).',
      labelNames: ['reason'],
      registers,
    }),
    incrementalMismatches: new Counter({
      name: 'aws_controller_incremental_state_mismatches_total',
      help: 'Drift checks that found the desired state kept up to date object by object different from the one computed afresh (which is then used).',
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'aws_controller_reconcile_duration_seconds',
      help: 'Time of one reconcile, by result.',
      labelNames: ['result'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    }),
    deletionsHeldBack: new Gauge({
      name: 'aws_controller_deletions_held_back',
      help: 'Deletions held back at the last reconcile because they were most of what we own in the zone (see --max-delete-fraction), by zone.',
      labelNames: ['zone'],
      registers,
    }),
    lastSuccessfulSync: new Gauge({
      name: 'aws_controller_last_successful_sync_timestamp_seconds',
      help: 'When a reconcile last completed with every change applied (Unix time).',
      registers,
    }),
    leader: new Gauge({
      name: 'aws_controller_leader',
      help: '1 while this replica holds the lease and writes to Route 53.',
      registers,
    }),
    cachesSynced: new Gauge({
      name: 'aws_controller_caches_synced',
      help: '1 while every watched kind is fully listed (deletes are computed only then).',
      registers,
    }),
  };
}
