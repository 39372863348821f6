import { createHash } from "node:crypto";
import { isStorageError } from "../../drivers/errors.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import * as branches from "./branches.ts";
import { commit, type CommitRequest, type CommitResult } from "./commit.ts";
import { StoreError } from "./errors.ts";
import type { GraphLocation } from "./layout.ts";
import { newCommitId, seqOfCommitId } from "./manifest/commit-id.ts";
import type { ManifestEntry } from "./manifest/entry.ts";
import { ManifestLog } from "./manifest/log.ts";
import { sweep, type RecoveryReport, type SweepOptions } from "./recovery.ts";
import { Snapshot } from "./snapshot.ts";
import { LanceTables } from "./tables.ts";

export type OpenMode = "read-write" | "read-only";

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

  private constructor(readonly loc: GraphLocation, readonly mode: OpenMode, private readonly warnFn: OpenOptions["warn"]) {
    this.log = new ManifestLog(loc);
    this.tables = new LanceTables(loc);
  }

  static async open(loc: GraphLocation, opts: OpenOptions): Promise<Graph> {
    const g = new Graph(loc, opts.mode, opts.warn);
    const head = await g.log.head();
    if (!head) {
      if (!opts.create) throw new StoreError("ERR_GRAPH_NOT_FOUND", `graph '${loc.graphId}' not found`, { graph: loc.graphId });
      g.assertWritable();
      await g.init(opts.actor ?? null);
    }
    if (opts.mode === "read-write" && opts.recover !== false) {
      g.recovery = await sweep(g, typeof opts.recover === "object" ? opts.recover : {});
    }
    return g;
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
      branches: {},
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
   */
  async snapshot(opts: { branch?: string; commit?: string } = {}): Promise<Snapshot> {
    if (opts.commit !== undefined) {
      const e = await this.readCommit(opts.commit);
      if (!e.state) throw new StoreError("ERR_COMMIT_NOT_FOUND", `commit ${opts.commit} deleted branch '${e.branch}' and holds no state to read`, { commit: opts.commit });
      const record = { id: e.branches[e.branch]?.id ?? "", seq: e.seq, head: e.commitId, from: null };
      return new Snapshot(this.tables, e.branch, record, e, e.seq, true);
    }
    const branch = opts.branch ?? "main";
    const head = await this.log.head();
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
    return commit(this, req);
  }

  createBranch(name: string, opts: { from?: string | undefined; fromCommit?: string | undefined; actor: string | null; idempotencyKey?: string | undefined }): Promise<ManifestEntry> {
    return branches.createBranch(this, name, opts);
  }

  deleteBranch(name: string, opts: { actor: string | null; idempotencyKey?: string | undefined }): Promise<ManifestEntry> {
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

  close(): void {
    this.tables.close();
  }
}
