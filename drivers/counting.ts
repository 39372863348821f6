import type { ObjectStore } from "./contract.ts";
import { DelegatingStore, type RequestContext, type StoreOp } from "./wrapper.ts";

/** One request seen by {@link CountingStore}. */
export interface RequestRecord {
  op: StoreOp;
  /** Finer label: `put:create`, `put:cas`, `put`, `delete:cas`, `get`, `head`, `list`. */
  kind: string;
  key: string;
  start: number;
  end: number;
  ok: boolean;
}

/**
 * Counts requests by operation (LIST pages included: `list()` is built on `listPage`).
 * Wrap it *inside* the retrying layer to count every attempt that reached the store.
 *
 * @example
 * const counting = new CountingStore(new MemoryStore("t"));
 * await counting.put("a", "x", { ifNoneMatch: "*" });
 * counting.counts(); // { get: 0, head: 0, list: 0, put: 1, delete: 0 }
 */
export class CountingStore extends DelegatingStore {
  readonly records: RequestRecord[] = [];

  constructor(inner: ObjectStore) {
    super(inner);
  }

  protected override async around<T>(op: StoreOp, key: string, run: () => Promise<T>, ctx?: RequestContext): Promise<T> {
    const rec: RequestRecord = { op, kind: kindOf(op, ctx), key, start: performance.now(), end: 0, ok: false };
    this.records.push(rec);
    try {
      const out = await run();
      rec.ok = true;
      return out;
    } finally {
      rec.end = performance.now();
    }
  }

  /** Requests per operation since the last reset. */
  counts(): Record<StoreOp, number> {
    const c: Record<StoreOp, number> = { get: 0, head: 0, list: 0, put: 0, delete: 0 };
    for (const r of this.records) c[r.op]++;
    return c;
  }

  /** Requests per fine-grained kind (`put:create`, `put:cas`, …). */
  kinds(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const r of this.records) c[r.kind] = (c[r.kind] ?? 0) + 1;
    return c;
  }

  get total(): number {
    return this.records.length;
  }

  /**
   * Sequential round trips: requests are grouped greedily by start time; a request
   * that starts after the first request of the current group has finished opens a new
   * group. Requests issued in parallel count as one round trip.
   */
  roundTrips(): number {
    const sorted = [...this.records].sort((a, b) => a.start - b.start);
    let rounds = 0;
    let roundFirstEnd = -Infinity;
    for (const r of sorted) {
      if (r.start >= roundFirstEnd) {
        rounds++;
        roundFirstEnd = r.end;
      } else {
        roundFirstEnd = Math.min(roundFirstEnd, r.end);
      }
    }
    return rounds;
  }

  reset(): void {
    this.records.length = 0;
  }

  /** Runs `fn` and returns what it did to the store, leaving earlier records in place. */
  async measure<T>(fn: () => Promise<T>): Promise<{ result: T; counts: Record<StoreOp, number>; total: number; roundTrips: number; records: RequestRecord[] }> {
    const before = this.records.length;
    const result = await fn();
    const slice = new CountingStore(this.inner);
    slice.records.push(...this.records.slice(before));
    return { result, counts: slice.counts(), total: slice.total, roundTrips: slice.roundTrips(), records: slice.records };
  }
}

function kindOf(op: StoreOp, ctx: RequestContext | undefined): string {
  if (op === "put") {
    if (ctx?.put?.ifNoneMatch === "*") return "put:create";
    if (ctx?.put?.ifMatch !== undefined) return "put:cas";
  }
  if (op === "delete" && ctx?.del?.ifMatch !== undefined) return "delete:cas";
  return op;
}
