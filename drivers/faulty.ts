import type { ObjectStore } from "./contract.ts";
import { StorageError, Throttled, Timeout, Unavailable, type StorageErrorCode } from "./errors.ts";
import { DelegatingStore, type RequestContext, type StoreOp } from "./wrapper.ts";

/** What an injected fault does to a matching request. */
export type FaultAction =
  /** Fail before reaching the store with this code (retryable per the code's class). */
  | { kind: "error"; code: StorageErrorCode; retryable?: boolean }
  /** Delay the request, then run it. */
  | { kind: "latency"; ms: number }
  /** Run the request at the store, then lose the response (reported as ERR_UNAVAILABLE). */
  | { kind: "lost-response" }
  /** Reject with ERR_THROTTLED (S3 503 SlowDown) without touching the store. */
  | { kind: "throttle" }
  /** Hang for `ms`, then report ERR_TIMEOUT; `applied` decides whether the store saw it. */
  | { kind: "timeout"; ms?: number; applied?: boolean };

export interface FaultRule {
  ops?: StoreOp[];
  /** Only keys matching this pattern. */
  key?: RegExp;
  /** Chance per matching request, drawn from the seeded generator (default 1). */
  probability?: number;
  /** Let this many matching requests through first. */
  after?: number;
  /** Inject at most this many times (default unlimited). */
  times?: number;
  action: FaultAction;
}

/** mulberry32: small, fast, seedable; good enough to make fault runs (and benchmark data) repeatable. */
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

/**
 * Seeded fault injection around any store: latency, typed errors by operation and key
 * pattern, lost responses (the write happens, the caller hears a failure) and
 * throttling. Wrap it inside the retrying layer to test how callers cope.
 */
export class FaultyStore extends DelegatingStore {
  private readonly rand: () => number;
  private readonly state: { rule: FaultRule; seen: number; injected: number }[];
  /** How many faults were injected, by action kind. */
  readonly injected: Record<string, number> = {};

  constructor(inner: ObjectStore, rules: FaultRule[], seed = 1) {
    super(inner);
    this.rand = seededRandom(seed);
    this.state = rules.map((rule) => ({ rule, seen: 0, injected: 0 }));
  }

  /** Adds a rule after the existing ones. */
  addRule(rule: FaultRule): void {
    this.state.push({ rule, seen: 0, injected: 0 });
  }

  /** Replaces the rule set (counters restart). */
  setRules(rules: FaultRule[]): void {
    this.state.splice(0, this.state.length, ...rules.map((rule) => ({ rule, seen: 0, injected: 0 })));
  }

  private pick(op: StoreOp, key: string): FaultAction | undefined {
    for (const s of this.state) {
      const r = s.rule;
      if (r.ops && !r.ops.includes(op)) continue;
      if (r.key && !r.key.test(key)) continue;
      s.seen++;
      if (s.seen <= (r.after ?? 0)) continue;
      if (r.times !== undefined && s.injected >= r.times) continue;
      if (this.rand() >= (r.probability ?? 1)) continue;
      s.injected++;
      this.injected[r.action.kind] = (this.injected[r.action.kind] ?? 0) + 1;
      return r.action;
    }
    return undefined;
  }

  protected override async around<T>(op: StoreOp, key: string, run: () => Promise<T>, _ctx?: RequestContext): Promise<T> {
    const action = this.pick(op, key);
    if (!action) return run();
    const details = { key, op, status: "injected" };
    switch (action.kind) {
      case "latency":
        await sleep(action.ms);
        return run();
      case "error":
        throw new StorageError(action.code, `injected ${action.code} on ${op} ${key}`, action.retryable ?? defaultRetryable(action.code), details);
      case "throttle":
        throw new Throttled(`injected SlowDown on ${op} ${key}`, details);
      case "lost-response":
        await run();
        throw new Unavailable(`injected lost response on ${op} ${key} (the request was applied)`, details);
      case "timeout":
        if (action.applied) await run();
        await sleep(action.ms ?? 0);
        throw new Timeout(`injected timeout on ${op} ${key}`, details);
    }
  }
}

function defaultRetryable(code: StorageErrorCode): boolean {
  return code === "ERR_THROTTLED" || code === "ERR_UNAVAILABLE" || code === "ERR_TIMEOUT" || code === "ERR_CONFLICT_RETRYABLE";
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
