// Faults injected at run time: each rule matches an operation (or all) and fires on the next
// N matching calls, or with a probability drawn from a seeded generator so a failing run can be
// replayed. Latency adds up across rules; the first error rule that fires answers the call.
import type { Route53Error } from './errors.js';

export type FaultKind =
  | 'Throttling'
  | 'PriorRequestNotComplete'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'NoSuchHealthCheck'
  | 'Latency';

export interface FaultRule {
  readonly kind: FaultKind;
  /** Operation name as in /__proxy/stats; '*' or absent matches every operation. */
  readonly operation?: string;
  /** Fire on the next `count` matching calls, then retire. */
  readonly count?: number;
  /** Fire with this probability (0..1) on each matching call. Without count or probability: always. */
  readonly probability?: number;
  /** For Latency (and optionally before an error): milliseconds to wait. */
  readonly latencyMs?: number;
  /**
   * Fire only on calls whose request names this health check (a change's HealthCheckId): a
   * health check that does not exist, refused as Route 53 refuses it (NoSuchHealthCheck).
   */
  readonly healthCheckId?: string;
}

export interface FaultSchedule {
  readonly rules: readonly FaultRule[];
  readonly seed?: number;
}

export const FAULT_ERRORS: Readonly<Record<Exclude<FaultKind, 'Latency'>, Route53Error>> = {
  Throttling: { status: 400, type: 'Sender', code: 'Throttling', message: 'Rate exceeded' },
  PriorRequestNotComplete: {
    status: 400,
    type: 'Sender',
    code: 'PriorRequestNotComplete',
    message: 'The request was rejected because Route 53 was still processing a prior request.',
  },
  InternalError: {
    status: 500,
    type: 'Receiver',
    code: 'InternalFailure',
    message: 'The request processing has failed because of an unknown error.',
  },
  ServiceUnavailable: {
    status: 503,
    type: 'Receiver',
    code: 'ServiceUnavailable',
    message: 'Service Unavailable',
  },
  // The API reference's words and status for ChangeResourceRecordSets' NoSuchHealthCheck.
  NoSuchHealthCheck: {
    status: 404,
    type: 'Sender',
    code: 'NoSuchHealthCheck',
    message: 'No health check exists with the specified ID.',
  },
};

const KINDS = new Set<string>(['Latency', ...Object.keys(FAULT_ERRORS)]);

/** Validates a schedule posted as JSON; throws with the offending field named. */
export function parseFaultSchedule(input: unknown): FaultSchedule {
  if (typeof input !== 'object' || input === null) throw new Error('body must be a JSON object');
  const { rules, seed } = input as { rules?: unknown; seed?: unknown };
  if (!Array.isArray(rules)) throw new Error('rules must be an array');
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error('seed must be an integer');
  const parsed = rules.map((r: unknown, i): FaultRule => {
    if (typeof r !== 'object' || r === null) throw new Error(`rules[${i}] must be an object`);
    const { kind, operation, count, probability, latencyMs, healthCheckId } = r as Record<
      string,
      unknown
    >;
    if (typeof kind !== 'string' || !KINDS.has(kind)) {
      throw new Error(`rules[${i}].kind must be one of ${[...KINDS].join(', ')}`);
    }
    if (operation !== undefined && typeof operation !== 'string') {
      throw new Error(`rules[${i}].operation must be a string`);
    }
    if (count !== undefined && (!Number.isInteger(count) || (count as number) < 1)) {
      throw new Error(`rules[${i}].count must be a positive integer`);
    }
    if (
      probability !== undefined &&
      (typeof probability !== 'number' || probability < 0 || probability > 1)
    ) {
      throw new Error(`rules[${i}].probability must be between 0 and 1`);
    }
    if (latencyMs !== undefined && (typeof latencyMs !== 'number' || latencyMs < 0)) {
      throw new Error(`rules[${i}].latencyMs must be a non-negative number`);
    }
    if (
      healthCheckId !== undefined &&
      (typeof healthCheckId !== 'string' || healthCheckId === '')
    ) {
      throw new Error(`rules[${i}].healthCheckId must be a non-empty string`);
    }
    if (kind === 'Latency' && latencyMs === undefined) {
      throw new Error(`rules[${i}]: a Latency rule needs latencyMs`);
    }
    return {
      kind: kind as FaultKind,
      ...(operation !== undefined ? { operation } : {}),
      ...(count !== undefined ? { count: count as number } : {}),
      ...(probability !== undefined ? { probability } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      ...(healthCheckId !== undefined ? { healthCheckId } : {}),
    };
  });
  return { rules: parsed, ...(seed !== undefined ? { seed: seed as number } : {}) };
}

/** mulberry32: tiny, seedable, good enough to decide whether a fault fires. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultDecision {
  readonly latencyMs: number;
  readonly error?: Route53Error;
  /** Kinds that fired, for the stats. */
  readonly fired: readonly FaultKind[];
}

export class FaultInjector {
  private rules: { rule: FaultRule; remaining: number | undefined }[] = [];
  private random: () => number = seededRandom(1);

  set(schedule: FaultSchedule): void {
    this.rules = schedule.rules.map((rule) => ({ rule, remaining: rule.count }));
    this.random = seededRandom(schedule.seed ?? 1);
  }

  clear(): void {
    this.set({ rules: [] });
  }

  /** Rules still active, with how many firings a counted rule has left. */
  describe(): { rule: FaultRule; remaining?: number }[] {
    return this.rules.map(({ rule, remaining }) => ({
      rule,
      ...(remaining !== undefined ? { remaining } : {}),
    }));
  }

  /** `body`: the request's text, for rules that fire only on what a request names. */
  decide(operation: string, body = ''): FaultDecision {
    let latencyMs = 0;
    let error: Route53Error | undefined;
    const fired: FaultKind[] = [];
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.operation !== undefined && rule.operation !== '*' && rule.operation !== operation) {
        continue;
      }
      if (entry.remaining !== undefined && entry.remaining <= 0) continue;
      if (
        rule.healthCheckId !== undefined &&
        !body.includes(`<HealthCheckId>${rule.healthCheckId}</HealthCheckId>`)
      ) {
        continue;
      }
      const isError = rule.kind !== 'Latency';
      if (isError && error !== undefined) continue; // one error per call; leave later rules armed
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (entry.remaining !== undefined) entry.remaining--;
      fired.push(rule.kind);
      latencyMs += rule.latencyMs ?? 0;
      if (rule.kind !== 'Latency') error = FAULT_ERRORS[rule.kind];
    }
    this.rules = this.rules.filter((e) => e.remaining === undefined || e.remaining > 0);
    return { latencyMs, fired, ...(error !== undefined ? { error } : {}) };
  }
}
