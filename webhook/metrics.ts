// The webhook's Prometheus metrics, in a registry of its own (no global state).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WebhookMetrics {
  registry: Registry;
  requests: Counter<'endpoint' | 'kind' | 'operation' | 'result'>;
  duration: Histogram<'endpoint'>;
  denials: Counter<'key'>;
  shed: Counter<'endpoint'>;
  inFlight: Gauge;
  tlsReloads: Counter<'result'>;
}

export function createWebhookMetrics(options: { defaultMetrics?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'aws_controller_webhook_' });
  }
  return {
    registry,
    requests: new Counter({
      name: 'aws_controller_admission_requests_total',
      help: 'Admission requests answered, by endpoint, object kind, operation and result.',
      labelNames: ['endpoint', 'kind', 'operation', 'result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'aws_controller_admission_duration_seconds',
      help: 'Time to answer an admission request.',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    denials: new Counter({
      name: 'aws_controller_admission_denials_total',
      help: 'Denied objects, by the annotation key that caused the denial.',
      labelNames: ['key'],
      registers: [registry],
    }),
    shed: new Counter({
      name: 'aws_controller_admission_shed_total',
      help: 'Admission requests answered 429 at once because too many were in flight (the apiserver then applies the failurePolicy).',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'aws_controller_admission_in_flight',
      help: 'Admission requests being read or answered right now.',
      registers: [registry],
    }),
    tlsReloads: new Counter({
      name: 'aws_controller_tls_reloads_total',
      help: 'Serving certificate loads from disk, by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
