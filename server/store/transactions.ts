import type { Graph } from "./graph.ts";
import type { ManifestEntry } from "./manifest/entry.ts";
import { listSidecars, readSidecar, type Sidecar } from "./sidecar.ts";

/** How far back a repeated idempotency key is recognised. */
export interface IdempotencyWindow {
  /** At most this many entries back from the head (default 1000). */
  entries?: number;
  /** And only entries younger than this (default 24 h; judged by the entry's own time, which is only a bound on the window). */
  ms?: number;
}

export const DEFAULT_IDEMPOTENCY_WINDOW = { entries: 1000, ms: 24 * 3600_000 } as const;

/** Where a transaction stands, as far as the log and the sidecars tell. */
export type TransactionStatus =
  /** Published: `entry` is its manifest entry (its result). */
  | { status: "committed"; entry: ManifestEntry }
  /** Not published; its sidecar still exists. `written` ones may still be rolled forward by recovery. */
  | { status: "pending"; sidecar: Sidecar }
  /** Not published, and it never will be (its writer aborted it). */
  | { status: "aborted"; sidecar: Sidecar }
  /** Neither in the window of the log nor in flight: it never committed (or is older than the window). */
  | { status: "not_found" };

/**
 * Finds transactions by idempotency key or transaction id without adding a request to
 * the normal commit path: on a handle's first lookup it scans the log back from the
 * head over a bounded window (parallel GETs); after that every entry the handle's log
 * reads or appends is indexed as it passes ({@link observe}), and a lookup only reads
 * the entries between the last indexed one and the head this handle already knows.
 * The publish loop also matches the key on every entry after its base, so a key
 * published concurrently is found at publish time too.
 */
export class TransactionIndex {
  private readonly byKey = new Map<string, number>();
  private readonly byTx = new Map<string, number>();
  /** Every sequence in [from, to] has been indexed. */
  private covered: { from: number; to: number } | undefined;
  private readonly window: Required<IdempotencyWindow>;

  constructor(private readonly graph: Graph, window: IdempotencyWindow = {}) {
    this.window = { ...DEFAULT_IDEMPOTENCY_WINDOW, ...window };
  }

  /** Indexes one entry the log has read or written. */
  observe(e: ManifestEntry): void {
    if (e.idempotencyKey !== undefined) this.byKey.set(e.idempotencyKey, e.seq);
    // A group commit publishes several requests in one entry, each with its own key.
    const batch = (e.replay as { batch?: { idempotencyKey?: unknown }[] } | undefined)?.batch;
    if (Array.isArray(batch)) for (const b of batch) if (typeof b?.idempotencyKey === "string") this.byKey.set(b.idempotencyKey, e.seq);
    if (e.txId !== undefined) this.byTx.set(e.txId, e.seq);
    if (this.covered && e.seq === this.covered.to + 1) this.covered.to = e.seq;
  }

  private async cover(): Promise<void> {
    const head = this.graph.log.lastKnown ?? (await this.graph.log.head());
    if (!head) return;
    if (!this.covered) {
      const oldestUs = (Date.now() - this.window.ms) * 1000;
      const floor = Math.max(1, head.seq - this.window.entries + 1);
      let seq = head.seq;
      // Newest first, 32 GETs at a time, until the window ends.
      scan: while (seq >= floor) {
        const batch: number[] = [];
        for (let s = seq; s >= floor && batch.length < 32; s--) batch.push(s);
        const entries = await Promise.all(batch.map((s) => this.graph.log.tryRead(s)));
        for (const e of entries) {
          if (!e) continue;
          this.observe(e);
          if (e.timeUs < oldestUs) {
            seq = e.seq;
            break scan;
          }
        }
        seq = batch[batch.length - 1]! - 1;
      }
      this.covered = { from: Math.max(floor, seq), to: head.seq };
      return;
    }
    for (let s = this.covered.to + 1; s <= head.seq; s++) {
      const e = await this.graph.log.tryRead(s);
      if (!e) break;
      this.observe(e);
    }
  }

  /** The entry that published `key`, if within the window. */
  async byIdempotencyKey(key: string): Promise<ManifestEntry | undefined> {
    const hit = this.byKey.get(key);
    if (hit !== undefined) return this.graph.log.read(hit);
    await this.cover();
    const seq = this.byKey.get(key);
    return seq === undefined ? undefined : this.graph.log.read(seq);
  }

  async byTxId(txId: string): Promise<ManifestEntry | undefined> {
    const hit = this.byTx.get(txId);
    if (hit !== undefined) return this.graph.log.read(hit);
    await this.cover();
    const seq = this.byTx.get(txId);
    return seq === undefined ? undefined : this.graph.log.read(seq);
  }
}

/**
 * Resolves a transaction: the log first (committed), then its sidecar (pending or
 * aborted). By key the sidecars are LISTed (a cold, explicit lookup, never on the
 * commit path); by transaction id it is one GET.
 */
export async function findTransaction(graph: Graph, q: { idempotencyKey: string } | { txId: string }): Promise<TransactionStatus> {
  await graph.log.head(); // the lookup must see every commit acknowledged before it
  if ("txId" in q) {
    const entry = await graph.transactions.byTxId(q.txId);
    if (entry) return { status: "committed", entry };
    const s = await readSidecar(graph.loc, q.txId);
    if (!s) return { status: "not_found" };
    return s.sidecar.status === "aborted" ? { status: "aborted", sidecar: s.sidecar } : { status: "pending", sidecar: s.sidecar };
  }
  const entry = await graph.transactions.byIdempotencyKey(q.idempotencyKey);
  if (entry) return { status: "committed", entry };
  const pending = (await listSidecars(graph.loc)).map((x) => x.sidecar).filter((s) => s.idempotencyKey === q.idempotencyKey);
  const live = pending.find((s) => s.status !== "aborted");
  if (live) return { status: "pending", sidecar: live };
  return pending[0] ? { status: "aborted", sidecar: pending[0] } : { status: "not_found" };
}
