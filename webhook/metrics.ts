// The webhook's Prometheus metrics, in a registry of its own (no global state).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { EndpointHistogram } from './endpoint-histogram.js';

type RequestLabel = 'endpoint' | 'kind' | 'operation' | 'result';

export interface WebhookMetrics {
  registry: Registry;
  /** Read it through the registry: `countRequest` adds to it when the registry is read. */
  requests: Counter<RequestLabel>;
  duration: EndpointHistogram<'endpoint'>;
  denials: Counter<'key'>;
  shed: Counter<'endpoint'>;
  /** Set when the registry is read, from the sources given to `addInFlightSource`. */
  inFlight: Gauge;
  tlsReloads: Counter<'result'>;
  /** One answered admission, for `requests`. */
  countRequest(endpoint: string, kind: string, operation: string, result: string): void;
  /** A count of admissions in flight (one per listener); the gauge shows their sum. */
  addInFlightSource(read: () => number): void;
}

interface PendingCount {
  readonly labels: Record<RequestLabel, string>;
  count: number;
}

/**
 * Admissions answered since the registry was last read, by their four label values. One
 * admission costs four Map lookups of strings the parsed body or this code already holds, where
 * prom-client's inc() would sort and join the label names and values into a key and check each
 * name (~1 µs under the benchmark's load); the counter gets the sums when it is collected.
 */
class PendingRequestCounts {
  private readonly byEndpoint = new Map<
    string,
    Map<string, Map<string, Map<string, PendingCount>>>
  >();
  private readonly all: PendingCount[] = [];

  add(endpoint: string, kind: string, operation: string, result: string): void {
    let byKind = this.byEndpoint.get(endpoint);
    if (byKind === undefined) {
      byKind = new Map<string, Map<string, Map<string, PendingCount>>>();
      this.byEndpoint.set(endpoint, byKind);
    }
    let byOperation = byKind.get(kind);
    if (byOperation === undefined) {
      byOperation = new Map<string, Map<string, PendingCount>>();
      byKind.set(kind, byOperation);
    }
    let byResult = byOperation.get(operation);
    if (byResult === undefined) {
      byResult = new Map<string, PendingCount>();
      byOperation.set(operation, byResult);
    }
    let entry = byResult.get(result);
    if (entry === undefined) {
      entry = { labels: { endpoint, kind, operation, result }, count: 0 };
      byResult.set(result, entry);
      this.all.push(entry);
    }
    entry.count++;
  }

  /** Adds what was counted to the counter, in the order each series first appeared. */
  flushInto(counter: Counter<RequestLabel>): void {
    for (const entry of this.all) {
      if (entry.count === 0) continue;
      counter.inc(entry.labels, entry.count);
      entry.count = 0;
    }
  }
}

export function createWebhookMetrics(options: { defaultMetrics?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'aws_controller_webhook_' });
  }
  const pending = new PendingRequestCounts();
  const inFlightSources: (() => number)[] = [];
  return {
    registry,
    requests: new Counter({
      name: 'aws_controller_admission_requests_total',
      help: 'Admission requests answered, by endpoint, object kind, operation and result.',
      labelNames: ['endpoint', 'kind', 'operation', 'result'],
      registers: [registry],
      collect() {
        pending.flushInto(this);
      },
    }),
    duration: new EndpointHistogram({
      name: 'aws_controller_admission_duration_seconds',
      help: 'Time to answer an admission request.',
      labelName: 'endpoint',
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
      // Read when scraped rather than set twice per admission.
      collect() {
        let sum = 0;
        for (const read of inFlightSources) sum += read();
        this.set(sum);
      },
    }),
    tlsReloads: new Counter({
      name: 'aws_controller_tls_reloads_total',
      help: 'Serving certificate loads from disk, by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
    countRequest: (endpoint, kind, operation, result) =>
      pending.add(endpoint, kind, operation, result),
    addInFlightSource: (read) => {
      inFlightSources.push(read);
    },
  };
}
