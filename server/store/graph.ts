import { createHash } from "node:crypto";
import { isStorageError } from "../../drivers/errors.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import * as branches from "./branches.ts";
import { commit, type CommitRequest, type CommitResult } from "./commit.ts";
import { CommitOutcomeUnknown, StoreError } from "./errors.ts";
import type { GraphLocation } from "./layout.ts";
import { newCommitId, seqOfCommitId } from "./manifest/commit-id.ts";
import type { ManifestEntry } from "./manifest/entry.ts";
import { ManifestLog } from "./manifest/log.ts";
import { sweep, type RecoveryReport, type SweepOptions } from "./recovery.ts";
import { Snapshot } from "./snapshot.ts";
import { deleteSidecar, readSidecar, writeSidecar } from "./sidecar.ts";
import { LanceTables } from "./tables.ts";
import { Lease, type LeaseOptions } from "./lease.ts";
import { publishEntry } from "./publish.ts";
import { AfterCommitChain, type AfterCommitStatus } from "./after-commit.ts";
import { findTransaction, TransactionIndex, type IdempotencyWindow, type TransactionStatus } from "./transactions.ts";

export type OpenMode = "read-write" | "read-only";

/** The actor of lease fence entries. */
export const LEASE_ACTOR = "omnigraph:lease";

export interface OpenOptions {
  mode: OpenMode;
  /**
   * Read-write opens run the recovery sweep by default (stage 1: the single writer
   * recovers on open). Stage-2 writers pass `false`: a leased worker owns recovery.
   */
  recover?: boolean | SweepOptions;
  /** Create the graph (entry 1 on `main`) when it has no commits yet. */
  create?: boolean;
  actor?: string | null;
  /** Where warnings go (the server passes its logger). */
  warn?: (msg: string, err?: unknown) => void;
  /** How far back a repeated idempotency key is recognised (default 1000 entries and 24 h). */
  idempotencyWindow?: IdempotencyWindow;
  /** The writer lease a read-write open takes (docs/design/leases.md). */
  lease?: LeaseOptions;
  /** Bound of the handle's key sets (key-sets.ts; config `handles.key_set_max_ids`). */
  keySetMaxIds?: number;
}

/** What {@link Graph.onCommitted} listeners hear about a published commit. */
export interface CommittedTables {
  branch: string;
  kind: CommitRequest["kind"];
  /** Table keys the commit wrote (ops, drops or adopted states). */
  tables: string[];
}

/**
 * An open graph: the manifest log, Lance tables, snapshots, and the write protocols
 * (commit, branches, recovery). Read-only handles never sweep and refuse every write.
 *
 * @example
 * const g = await Graph.open(locateGraph(layout, "acme", "social"), { mode: "read-write", create: true });
 * const snap = await g.snapshot({ branch: "main" });
 */
export class Graph {
  readonly log: ManifestLog;
  readonly tables: LanceTables;
  private readonly schemaCache = new Map<string, string>();
  /** What the open-time recovery sweep did (read-write opens). */
  recovery: RecoveryReport | undefined;
  /** Finds published transactions by idempotency key or transaction id. */
  readonly transactions: TransactionIndex;
  /** Transactions of this handle between their first write and their outcome (a sweep leaves them alone). */
  private readonly inFlight = new Set<string>();
  /** Requests by idempotency key running now: a repeat waits for the first. */
  private readonly keyed = new Map<string, Promise<unknown>>();
  /** Idempotency key → transaction whose outcome this handle reported as unknown. */
  private readonly unknownOutcomes = new Map<string, string>();
  /** What commits leave for after their acknowledgement (hint CAS, sidecar delete). */
  readonly afterCommit: AfterCommitChain;
  private readonly committedListeners = new Set<(c: CommittedTables) => void>();

  private constructor(readonly loc: GraphLocation, readonly mode: OpenMode, private readonly warnFn: OpenOptions["warn"], window: IdempotencyWindow | undefined) {
    this.log = new ManifestLog(loc);
    this.tables = new LanceTables(loc);
    this.transactions = new TransactionIndex(this, window);
    this.afterCommit = new AfterCommitChain((msg, err) => this.warn(msg, err));
    this.log.onEntry = (e) => {
      this.transactions.observe(e);
      this.heldLease?.observe(e.seq);
    };
  }

  /** The writer lease epoch this handle writes under (0 without a lease: read-only). */
  get epoch(): number {
    return this.heldLease?.epoch ?? 0;
  }

  /** Marks a transaction in flight (process-wide, under the lease) until the returned function is called. */
  beginTransaction(txId: string): () => void {
    const set = this.heldLease?.inFlight ?? this.inFlight;
    set.add(txId);
    return () => set.delete(txId);
  }

  isInFlight(txId: string): boolean {
    return (this.heldLease?.inFlight ?? this.inFlight).has(txId);
  }

  rememberUnknownOutcome(key: string | null, txId: string): void {
    if (key !== null) this.unknownOutcomes.set(key, txId);
  }

  /**
   * Runs `fn` for idempotency key `key` at most once at a time in this handle; first
   * settles an earlier attempt of the same key whose outcome was reported unknown
   * (committed → its result; still pending → aborted now, or unknown again).
   */
  async onceForKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.keyed.get(key);
    if (prior) await prior.catch(() => undefined);
    const run = (async () => {
      const txId = this.unknownOutcomes.get(key);
      if (txId !== undefined) {
        const st = await findTransaction(this, { txId });
        if (st.status === "pending") {
          const cur = await readSidecar(this.loc, txId);
          if (cur && cur.sidecar.claimedBy === undefined) {
            await writeSidecar(this.loc, { ...cur.sidecar, status: "aborted" }, cur.version).catch((e) => {
              throw new CommitOutcomeUnknown(txId, key, e);
            });
            await deleteSidecar(this.loc, txId).catch(() => {});
          } else if (cur) {
            throw new CommitOutcomeUnknown(txId, key);
          }
        }
        this.unknownOutcomes.delete(key);
      }
      return fn();
    })();
    this.keyed.set(key, run);
    try {
      return await run;
    } finally {
      if (this.keyed.get(key) === run) this.keyed.delete(key);
    }
  }

  /**
   * Where a transaction stands: by idempotency key or by transaction id (the `txId` of
   * an `ERR_COMMIT_OUTCOME_UNKNOWN`). `committed` carries the entry (and its recorded result).
   */
  findTransaction(q: { idempotencyKey: string } | { txId: string }): Promise<TransactionStatus> {
    return findTransaction(this, q);
  }

  /**
   * Opens a graph. A read-write open first takes the graph's writer lease (waiting a
   * bounded time, else `ERR_LEASE_HELD` naming the holder), publishes the lease's fence
   * entry (so no writer of an older epoch can publish after it), then sweeps.
   */
  static async open(loc: GraphLocation, opts: OpenOptions): Promise<Graph> {
    const g = new Graph(loc, opts.mode, opts.warn, opts.idempotencyWindow);
    if (opts.keySetMaxIds !== undefined) g.tables.keySets.maxIds = opts.keySetMaxIds;
    const head = await g.log.head();
    if (!head) {
      if (!opts.create) throw new StoreError("ERR_GRAPH_NOT_FOUND", `graph '${loc.graphId}' not found`, { graph: loc.graphId });
      g.assertWritable();
    }
    if (opts.mode === "read-write") {
      g.heldLease = await Lease.acquire(loc, "writer", opts.lease);
      try {
        if (!head) await g.init(opts.actor ?? null);
        // The fence: one entry under the new epoch (skipped when this process already
        // holds the lease and the log already shows its epoch).
        const now = head ? await g.log.head() : undefined;
        if (now && (now.epoch ?? 0) < g.heldLease.epoch) await g.fence();
        if (opts.recover !== false) g.recovery = await sweep(g, typeof opts.recover === "object" ? opts.recover : {});
      } catch (e) {
        await g.close();
        throw e;
      }
    }
    return g;
  }

  private heldLease: Lease | undefined;

  /** The writer lease of a read-write handle (shared by this process's handles of the graph). */
  get lease(): Lease | undefined {
    return this.heldLease;
  }

  /** Publishes the lease's fence entry: it carries the new epoch and changes no branch. */
  private async fence(): Promise<void> {
    const lease = this.heldLease!;
    const writer = newWriterToken();
    const entry = await publishEntry(this, {
      writer,
      build: async (head) => {
        const seq = head.seq + 1;
        return {
          format: 1, seq, commitId: newCommitId(seq), kind: "lease", branch: "main", parents: [], parentCommits: [], actor: LEASE_ACTOR,
          timeUs: Date.now() * 1000, writer, state: null, branches: head.branches, epoch: lease.epoch,
          note: { lease: { duty: lease.duty, owner: lease.owner, epoch: lease.epoch, tookOver: lease.acquisition.tookOver, previousOwner: lease.acquisition.previousOwner } },
        };
      },
    });
    await this.log.advanceHint(entry).catch((e) => this.warn("could not advance the manifest head hint", e));
  }

  /**
   * Fencing, checked by the publish loop on every head it meets (no request): a writer
   * never publishes on top of an entry written under a newer lease epoch.
   */
  assertLeaseFor(head: ManifestEntry): void {
    const lease = this.heldLease;
    if (!lease) return;
    if ((head.epoch ?? 0) > lease.epoch) lease.markLost(`entry ${head.seq} was published under epoch ${head.epoch}`);
    lease.assertHeld();
  }

  warn(msg: string, err?: unknown): void {
    if (this.warnFn) this.warnFn(msg, err);
    else process.emitWarning(`${msg}${err ? `: ${(err as Error).message ?? String(err)}` : ""}`);
  }

  assertWritable(): void {
    if (this.mode !== "read-write") {
      throw new StoreError("ERR_READ_ONLY", `graph '${this.loc.graphId}' is open read-only here; send writes to the writer`, { graph: this.loc.graphId });
    }
  }

  /** Publishes entry 1 (`init` on `main`); a concurrent creator winning is fine. */
  private async init(actor: string | null): Promise<void> {
    const entry: ManifestEntry = {
      format: 1, seq: 1, commitId: newCommitId(1), kind: "init", branch: "main", parents: [], parentCommits: [], actor,
      timeUs: Date.now() * 1000, writer: newWriterToken(), state: { tables: {}, schema: null },
      branches: {}, epoch: this.epoch,
    };
    entry.branches.main = { id: "main", seq: 1, head: entry.commitId, from: null };
    try {
      await this.log.append(entry);
      await this.log.advanceHint(entry);
    } catch (e) {
      if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
    }
  }

  /**
   * A snapshot of a branch at its head (one consistent head check), or pinned to a
   * commit. Nothing re-reads the head while the snapshot is used.
   *
   * `forWrite`: the snapshot a write validates against. While this handle's writer lease
   * proves no one published after the last entry this handle saw or wrote
   * ({@link Lease.provesHeadAt}), that entry IS the head, and the head check (GET h+1 ‖ h+2, one round
   * trip) is skipped. Safe even if that proof were wrong: the commit creates its entry at
   * head+1 with a create-only PUT, so a stale base meets a 412 and takes the publish
   * loop's usual path (own entry first, head check, rebase rules, fencing). Reads never
   * skip it: they have no such detector.
   */
  async snapshot(opts: { branch?: string; commit?: string; forWrite?: boolean } = {}): Promise<Snapshot> {
    if (opts.commit !== undefined) {
      const e = await this.readCommit(opts.commit);
      if (!e.state) throw new StoreError("ERR_COMMIT_NOT_FOUND", `commit ${opts.commit} deleted branch '${e.branch}' and holds no state to read`, { commit: opts.commit });
      const record = { id: e.branches[e.branch]?.id ?? "", seq: e.seq, head: e.commitId, from: null };
      return new Snapshot(this.tables, e.branch, record, e, e.seq, true);
    }
    const branch = opts.branch ?? "main";
    const last = this.log.lastKnown;
    const known = opts.forWrite && this.mode === "read-write" && last && this.heldLease?.provesHeadAt(last.seq) ? last : undefined;
    const head = known ?? (await this.log.head());
    const view = head && (await this.log.branch(head, branch));
    if (!head || !view) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${branch}' not found`, { branch });
    return new Snapshot(this.tables, branch, view.record, view.entry, head.seq, false);
  }

  /** The entry of a commit id; ERR_COMMIT_NOT_FOUND for unknown or malformed ids. */
  async readCommit(commitId: string): Promise<ManifestEntry> {
    const seq = seqOfCommitId(commitId);
    const e = seq === undefined ? undefined : await this.log.tryRead(seq);
    if (!e || e.commitId !== commitId.toUpperCase()) throw new StoreError("ERR_COMMIT_NOT_FOUND", `commit '${commitId}' not found`, { commit: commitId });
    return e;
  }

  commit(req: CommitRequest): Promise<CommitResult> {
    const p = commit(this, req);
    if (this.committedListeners.size === 0) return p;
    return p.then((r) => {
      if (r.changed && !r.replayed) this.notifyCommitted({ branch: req.branch, kind: req.kind, tables: Object.keys(req.writes) });
      return r;
    });
  }

  /**
   * Calls `fn` after every commit this handle publishes (not replays, not no-ops), with
   * the branch, entry kind and the tables it wrote. For work that reacts to commits off
   * the request path (after-commit maintenance): `fn` runs synchronously on the commit's
   * return, so it must only schedule; its errors are logged, never thrown to the caller.
   * Returns the unsubscribe function.
   */
  onCommitted(fn: (c: CommittedTables) => void): () => void {
    this.committedListeners.add(fn);
    return () => this.committedListeners.delete(fn);
  }

  private notifyCommitted(c: CommittedTables): void {
    for (const fn of this.committedListeners) {
      try {
        fn(c);
      } catch (e) {
        this.warn("a commit listener failed", e);
      }
    }
  }

  createBranch(name: string, opts: branches.BranchWriteOptions & { from?: string; fromCommit?: string }): Promise<ManifestEntry> {
    return branches.createBranch(this, name, opts);
  }

  deleteBranch(name: string, opts: branches.BranchWriteOptions): Promise<ManifestEntry> {
    return branches.deleteBranch(this, name, opts);
  }

  listBranches(): Promise<branches.BranchInfo[]> {
    return branches.listBranches(this);
  }

  history(branch: string, opts?: { limit?: number }): Promise<branches.CommitInfo[]> {
    return branches.history(this, branch, opts);
  }

  mergeBase(a: number, b: number): Promise<number | undefined> {
    return branches.mergeBase(this, a, b);
  }

  /** Runs the recovery sweep now (the stage-2 worker calls this under its lease). */
  recover(opts: SweepOptions = {}): Promise<RecoveryReport> {
    this.assertWritable();
    return sweep(this, opts);
  }

  /** Stores an accepted schema (content-addressed, create-only) and returns its hash. */
  async putSchema(text: string): Promise<string> {
    const hash = createHash("sha256").update(text).digest("hex");
    try {
      await this.loc.store.put(this.loc.schemaKey(hash), text, { ifNoneMatch: "*", contentType: "application/json" });
    } catch (e) {
      if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e; // already stored: same bytes
    }
    this.schemaCache.set(hash, text);
    return hash;
  }

  async getSchema(hash: string): Promise<string> {
    const hit = this.schemaCache.get(hash);
    if (hit !== undefined) return hit;
    const got = await this.loc.store.get(this.loc.schemaKey(hash));
    const text = got.body.toString("utf8");
    if (createHash("sha256").update(text).digest("hex") !== hash) {
      throw new StoreError("ERR_MANIFEST_CORRUPT", `schema object ${hash} does not match its hash`, { hash });
    }
    this.schemaCache.set(hash, text);
    return text;
  }

  /**
   * Waits for the work acknowledged commits left behind (hint advances, sidecar
   * deletes). Never throws: failures are logged and counted in {@link afterCommitStatus}.
   */
  drain(): Promise<void> {
    return this.afterCommit.drain();
  }

  /** The after-commit chain: pending tasks, failures, the last failure's code. */
  afterCommitStatus(): AfterCommitStatus {
    return this.afterCommit.status();
  }

  /**
   * Drains the after-commit chain, drops cached handles and releases this handle's
   * share of the writer lease.
   */
  async close(): Promise<void> {
    await this.afterCommit.drain();
    this.tables.close();
    const lease = this.heldLease;
    this.heldLease = undefined;
    if (lease) await lease.release();
  }
}
