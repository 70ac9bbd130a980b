// Call counting: per operation, and a bounded log of recent calls with timestamps so a suite
// can assert request rates and what was retried.

/** throttled: refused by the account's rate limit (rate-limit.ts), not an injected fault. */
export type Outcome = 'forwarded' | 'rejected' | 'fault' | 'throttled';

export interface CallRecord {
  readonly at: string;
  readonly operation: string;
  readonly status: number;
  readonly outcome: Outcome;
  readonly code?: string;
  readonly durationMs: number;
  /**
   * Who sent it: the `app/<id>` the AWS SDK adds to its User-Agent from `AWS_SDK_UA_APP_ID`,
   * so a suite running several processes can tell their calls apart.
   */
  readonly client?: string;
  /** The account whose rate budget the call was counted against ('observer': exempt). */
  readonly account?: string;
  /** ChangeResourceRecordSets that reached the batch check: `ACTION TYPE name [set]` each. */
  readonly changes?: readonly string[];
}

export interface OperationStats {
  calls: number;
  forwarded: number;
  rejected: number;
  faults: number;
  /** Answered Throttling by the account's rate limit. */
  throttled: number;
}

export interface StatsSnapshot {
  readonly total: number;
  readonly byOperation: Readonly<Record<string, OperationStats>>;
  /** Error codes the proxy answered with itself (rejections and injected faults). */
  readonly codes: Readonly<Record<string, number>>;
  readonly recent: readonly CallRecord[];
  readonly since: string;
  /** The account rate limit in force (added by the control API); null: none. */
  readonly rate?: { readonly perSecond: number; readonly burst: number } | null;
}

export const RECENT_LIMIT = 2000;

export class CallStats {
  private total = 0;
  private byOperation: Record<string, OperationStats> = {};
  private codes: Record<string, number> = {};
  private recent: CallRecord[] = [];
  private since = new Date().toISOString();

  record(call: CallRecord): void {
    this.total++;
    const op = (this.byOperation[call.operation] ??= {
      calls: 0,
      forwarded: 0,
      rejected: 0,
      faults: 0,
      throttled: 0,
    });
    op.calls++;
    if (call.outcome === 'forwarded') op.forwarded++;
    else if (call.outcome === 'rejected') op.rejected++;
    else if (call.outcome === 'throttled') op.throttled++;
    else op.faults++;
    if (call.code !== undefined && call.outcome !== 'forwarded') {
      this.codes[call.code] = (this.codes[call.code] ?? 0) + 1;
    }
    this.recent.push(call);
    if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
  }

  reset(): void {
    this.total = 0;
    this.byOperation = {};
    this.codes = {};
    this.recent = [];
    this.since = new Date().toISOString();
  }

  snapshot(): StatsSnapshot {
    return {
      total: this.total,
      byOperation: structuredClone(this.byOperation),
      codes: { ...this.codes },
      recent: [...this.recent],
      since: this.since,
    };
  }
}
