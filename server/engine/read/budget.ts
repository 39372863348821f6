import { EngineError } from "../errors.ts";

/** The limits of one query; an absent limit is unbounded. */
export interface QueryBudgetLimits {
  /** Wall-clock budget from the budget's creation (ms). */
  timeMs?: number | undefined;
  /** Rows materialised from LanceDB (every scan, lookup and expansion counts). */
  maxRows?: number | undefined;
  /** Bytes of Arrow data materialised from LanceDB. */
  maxBytes?: number | undefined;
}

/** Which budget a query exceeded. */
export type QueryBudgetKind = "time" | "rows" | "bytes";

/**
 * A query ran past one of its budgets. The code names the budget; `detail` holds
 * OmniGraph's `resource_limit` fields `{resource, limit, actual}`.
 */
export class QueryBudgetExceeded extends EngineError {
  constructor(readonly budget: QueryBudgetKind, readonly limit: number, readonly actual: number) {
    const code = budget === "time" ? "ERR_QUERY_TIME_BUDGET" : budget === "rows" ? "ERR_QUERY_ROWS_BUDGET" : "ERR_QUERY_BYTES_BUDGET";
    const what = budget === "time" ? `ran for ${actual} ms, over its time budget of ${limit} ms` : `materialised ${actual} ${budget}, over its budget of ${limit}`;
    super(code, `the query ${what}; narrow the match, add a filter or a limit`, {
      detail: { resource: `query_${budget === "time" ? "time_ms" : budget}`, limit, actual },
    });
  }
}

/**
 * The time and materialisation budget of one read: an `AbortSignal` (deadline or
 * the caller's cancellation) plus row and byte counters. The read executor checks
 * it between LanceDB batches and passes the remaining time to LanceDB, so a query
 * past its budget stops scanning and fails with a typed error naming the budget.
 */
export class QueryBudget {
  readonly signal: AbortSignal;
  readonly startedAt = Date.now();
  rows = 0;
  bytes = 0;
  private readonly deadline: number | undefined;

  constructor(readonly limits: QueryBudgetLimits = {}, parent?: AbortSignal) {
    this.deadline = limits.timeMs !== undefined ? this.startedAt + limits.timeMs : undefined;
    const signals = [...(parent ? [parent] : []), ...(limits.timeMs !== undefined ? [AbortSignal.timeout(Math.max(1, limits.timeMs))] : [])];
    this.signal = signals.length === 0 ? new AbortController().signal : signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
  }

  /** Milliseconds left (≥ 1), or undefined without a time budget. */
  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : Math.max(1, this.deadline - Date.now());
  }

  /** True once the deadline passed or the caller aborted. */
  get expired(): boolean {
    return this.signal.aborted || (this.deadline !== undefined && Date.now() >= this.deadline);
  }

  /** Throws when the time budget is spent (or the caller aborted). */
  check(): void {
    if (this.expired) throw this.timeError();
  }

  timeError(): QueryBudgetExceeded {
    return new QueryBudgetExceeded("time", this.limits.timeMs ?? 0, Date.now() - this.startedAt);
  }

  /** Counts materialised rows and bytes; throws when a budget is exceeded. */
  add(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
    const l = this.limits;
    if (l.maxRows !== undefined && this.rows > l.maxRows) throw new QueryBudgetExceeded("rows", l.maxRows, this.rows);
    if (l.maxBytes !== undefined && this.bytes > l.maxBytes) throw new QueryBudgetExceeded("bytes", l.maxBytes, this.bytes);
    this.check();
  }
}
