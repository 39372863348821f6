import { ulid } from "ulid";
import { newWriterToken } from "../../drivers/retry.ts";
import { isStorageError } from "../../drivers/errors.ts";
import { CommitOutcomeUnknown, GraphCommitPreconditionFailed, LeaseLost, ManifestConflict, ReadSetConflict, StoreError, isStoreError } from "./errors.ts";
import { findOwnEntry, publishEntry, PublishOutcomeUnknown } from "./publish.ts";
import { assertSameRequest } from "./fingerprint.ts";
import { failpoint, failpointArmed, type CommitPhaseOp } from "./failpoints.ts";
import type { Graph } from "./graph.ts";
import { newCommitId, seqOfCommitId } from "./manifest/commit-id.ts";
import { sameTableState, type BranchState, type EntryKind, type ManifestEntry, type TableState } from "./manifest/entry.ts";
import type { BranchView } from "./manifest/log.ts";
import { deleteSidecar, newSidecarMeta, readSidecar, writeSidecar, type Sidecar } from "./sidecar.ts";
import type { Snapshot } from "./snapshot.ts";
import { claimLines, LanceTables, type LanceFork, type TableOp } from "./tables.ts";

export interface CommitRequest {
  branch: string;
  kind: EntryKind;
  actor: string | null;
  /** The snapshot the caller read and validated against; the commit's base. */
  base: Snapshot;
  /**
   * Per table key: Lance ops to run, "drop" to remove the table from the branch, or
   * `{adopt}` to point the branch at an existing table state (a fast-forward merge
   * takes the source's tables this way, without copying or writing anything).
   */
  writes: Record<string, TableWrite>;
  /**
   * Tables whose content the caller's validation depended on. A concurrent change to
   * any of them is a `read_set_conflict`. Undefined = every table of the branch (the
   * strict default).
   */
  reads?: string[] | undefined;
  /** New schema hash; undefined leaves the schema unchanged. */
  schema?: string | undefined;
  /** `Omnigraph-If-Graph-Commit`: the branch head must still be this commit. */
  expectCommit?: string | undefined;
  /** For merges: manifest sequence of the merged source head (the second parent). */
  mergedParent?: number | undefined;
  note?: Record<string, unknown> | undefined;
  /** Publish even with no writes (merges, audits). */
  force?: boolean;
  /**
   * Client idempotency key (`Idempotency-Key`): a repeated request with the same key
   * returns the original entry instead of committing again, within the handle's window.
   */
  idempotencyKey?: string | undefined;
  /**
   * Fingerprint of the request the key stands for (`requestFingerprint`): a key already
   * published with another fingerprint is `ERR_IDEMPOTENCY_KEY_REUSED`. Without one, a
   * reuse is refused only across kinds or branches.
   */
  fingerprint?: string | undefined;
  /** What the caller needs to rebuild its response on a replay; stored in the entry. */
  replay?: Record<string, unknown> | undefined;
}

export type TableWrite = TableOp[] | "drop" | { adopt: TableState };

export interface CommitResult {
  /** False when the request changed nothing (no entry published). */
  changed: boolean;
  entry: ManifestEntry | undefined;
  /** True when the idempotency key had already been published: `entry` is the original. */
  replayed?: boolean;
}

/**
 * Can a commit built on `base` be published on top of `view` (the branch now)? Yes
 * when nothing it wrote or read changed; otherwise a typed conflict names what moved.
 */
export function checkRebase(base: Snapshot, view: BranchView, writes: string[], reads: string[] | undefined): void {
  if (view.record.id !== base.record.id) {
    throw new ReadSetConflict(`branch ${base.branch}`, base.record.id, view.record.id);
  }
  if (view.record.seq === base.record.seq) return;
  const now = view.state;
  const was = base.state;
  for (const k of writes) {
    if (!sameTableState(now.tables[k], was.tables[k])) {
      throw new ManifestConflict(k, was.tables[k]?.version ?? null, now.tables[k]?.version ?? null);
    }
  }
  if (now.schema !== was.schema) throw new ReadSetConflict("schema", was.schema, now.schema);
  const readKeys = reads ?? [...new Set([...Object.keys(was.tables), ...Object.keys(now.tables)])];
  for (const k of readKeys) {
    if (!sameTableState(now.tables[k], was.tables[k])) {
      throw new ReadSetConflict(`table ${k}`, was.tables[k]?.version ?? null, now.tables[k]?.version ?? null);
    }
  }
}

/**
 * The write protocol (docs/design/manifest.md): sidecar → Lance writes → sidecar
 * `written` → one create-only manifest entry → hint → delete sidecar. Concurrent
 * writers never lose a commit: the loser of the entry race rebases when it touched
 * nothing the winner changed, and otherwise gets a typed conflict.
 *
 * At most once: with `idempotencyKey`, a request whose key was already published
 * returns that entry (`replayed: true`) instead of committing again. A failure is
 * reported either as a definite failure (the transaction is not in the log and never
 * will be: its sidecar is aborted) or as `ERR_COMMIT_OUTCOME_UNKNOWN`.
 */
export async function commit(graph: Graph, req: CommitRequest): Promise<CommitResult> {
  graph.assertWritable();
  if (req.idempotencyKey === undefined) return commitOnce(graph, req);
  validateIdempotencyKey(req.idempotencyKey);
  return graph.onceForKey(req.idempotencyKey, async () => {
    const done = await graph.transactions.byIdempotencyKey(req.idempotencyKey!);
    if (done) {
      assertSameRequest(done, req.idempotencyKey!, req);
      return { changed: true, entry: done, replayed: true };
    }
    return commitOnce(graph, req);
  });
}

/** Idempotency keys: 1–255 printable ASCII characters (what an `Idempotency-Key` header can carry). */
export function validateIdempotencyKey(key: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new StoreError("ERR_IDEMPOTENCY_KEY_INVALID", "idempotency key must be 1–255 printable ASCII characters without spaces", { idempotencyKey: key });
  }
}

/**
 * `Omnigraph-If-Graph-Commit`: is the branch still at `expected`? Yes when its head is
 * `expected`, or when only entries that keep every row (maintenance commits: the same
 * rows, proven by the store) were published on the branch since — they do not change
 * what the client read, and after-commit maintenance publishes one every few writes.
 */
async function headIsLogically(graph: Graph, view: BranchView, expected: string): Promise<boolean> {
  if (view.record.head === expected) return true;
  const seq = seqOfCommitId(expected);
  if (seq === undefined || seq >= view.record.seq) return false;
  const at = await graph.log.tryRead(seq);
  return at?.commitId === expected.toUpperCase() && (await graph.log.onlyRowPreservingSince(view.record.seq, seq));
}

async function commitOnce(graph: Graph, req: CommitRequest): Promise<CommitResult> {
  const writeKeys = Object.keys(req.writes);
  if (writeKeys.length === 0 && req.schema === undefined && !req.force) return { changed: false, entry: undefined };

  // Fail fast, before any write, on a precondition or a conflict this handle already
  // knows of. No request: the caller's snapshot has just read the head, and the publish
  // below re-checks against a fresh head anyway (the authoritative check).
  const head0 = graph.log.lastKnown ?? (await graph.log.head());
  await failFast(graph, req, head0, writeKeys);
  graph.assertLeaseFor(head0!);

  // Lines this commit writes in place: wait while another transaction of this process
  // that writes any of them has not settled, then re-check against the head it left
  // (no request) — a winner that changed our table makes this a conflict before we
  // write a sidecar or a Lance version (tables.ts `claimLines`).
  const lines = Object.keys(req.writes).flatMap((k) => {
    const st = req.base.state.tables[k];
    return Array.isArray(req.writes[k]) && st && st.owner === req.base.record.id ? [graph.tables.lineLockKey(st.path, st.lanceBranch)] : [];
  });
  let claim = claimLines(lines);
  while ("wait" in claim) {
    await claim.wait;
    await failFast(graph, req, graph.log.lastKnown, writeKeys);
    claim = claimLines(lines);
  }
  try {
    return await commitClaimed(graph, req, writeKeys, head0);
  } finally {
    claim.release();
  }
}

/**
 * The checks a commit can make before writing anything, on a head this handle already
 * holds (no request): the branch exists, the precondition holds, and nothing it writes
 * or reads moved (the publish loop re-checks on a fresh head anyway).
 */
async function failFast(graph: Graph, req: CommitRequest, head: ManifestEntry | undefined, writeKeys: string[]): Promise<void> {
  const view = head && (await graph.log.branch(head, req.branch));
  if (!view) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${req.branch}' not found`, { branch: req.branch });
  if (req.expectCommit !== undefined && !(await headIsLogically(graph, view, req.expectCommit))) {
    throw new GraphCommitPreconditionFailed(req.expectCommit, view.record.head);
  }
  checkRebase(req.base, view, writeKeys, req.reads);
}

async function commitClaimed(graph: Graph, req: CommitRequest, writeKeys: string[], head0: ManifestEntry | undefined): Promise<CommitResult> {
  const op: CommitPhaseOp = req.kind === "schema" ? "schema" : req.kind === "merge" ? "merge" : "commit";
  const writer = newWriterToken();
  const txId = ulid();
  const identity: TransactionIdentity = {
    txId, epoch: graph.epoch,
    ...(req.idempotencyKey !== undefined ? { idempotencyKey: req.idempotencyKey } : {}),
    ...(req.fingerprint !== undefined ? { fingerprint: req.fingerprint } : {}),
    ...(req.replay !== undefined ? { replay: req.replay } : {}),
  };
  const lanceWrites = writeKeys.filter((k) => Array.isArray(req.writes[k]));
  const adopted: Record<string, TableState> = {};
  for (const k of writeKeys) {
    const w = req.writes[k];
    if (w !== "drop" && !Array.isArray(w)) adopted[k] = (w as { adopt: TableState }).adopt;
  }
  let sidecar: Sidecar | undefined;
  let sidecarVersion: string | undefined;
  let sidecarCreate: Promise<string> | undefined;
  /** Set once the sidecar may say `written` at the store (its CAS was sent). */
  let mayBeWritten = false;
  const done = graph.beginTransaction(txId);
  let keepInFlight = false;
  /** Lazy forks of the tables this branch inherits and now writes, started with the sidecar create. */
  const forks = new Map<string, Promise<LanceFork>>();
  const forksSettled = (): Promise<unknown> => Promise.allSettled(forks.values());
  try {
    if (lanceWrites.length > 0) {
      sidecar = {
        format: 1, txId, writer, branch: req.branch, branchId: req.base.record.id, baseSeq: req.base.record.seq,
        actor: req.actor, kind: req.kind, ...newSidecarMeta(), status: "staged",
        tables: Object.fromEntries([
          ...lanceWrites.map((k) => [k, { base: req.base.state.tables[k] ?? null, result: null }] as const),
          ...Object.entries(adopted).map(([k, st]) => [k, { base: req.base.state.tables[k] ?? null, result: st }] as const),
        ]),
        dropped: writeKeys.filter((k) => req.writes[k] === "drop"), schema: req.schema ?? null,
        mergedParent: req.mergedParent ?? null, note: req.note,
        epoch: identity.epoch,
        ...(identity.idempotencyKey !== undefined ? { idempotencyKey: identity.idempotencyKey } : {}),
        ...(identity.fingerprint !== undefined ? { fingerprint: identity.fingerprint } : {}),
        ...(identity.replay !== undefined ? { replay: identity.replay } : {}),
      };
      // The forks start here, with the sidecar create and the rest of the Lance writes: a
      // fork commits nothing on a line any entry references, so it needs no sidecar
      // (docs/design/manifest.md, "Why a fork needs no sidecar"); several forks run at
      // once. Every fork settles before this transaction reports anything, so a failure
      // never races a running fork.
      for (const k of lanceWrites) {
        const base = req.base.state.tables[k];
        if (!LanceTables.forks(base, req.base.record.id)) continue;
        const p = graph.tables.fork(k, base, req.base.record.id);
        p.catch(() => undefined); // observed below; never an unhandled rejection
        forks.set(k, p);
      }
      try {
        // Deterministic interleaving for the crash suite: an armed failpoint fires with
        // every fork made and the sidecar not yet sent.
        if (failpointArmed(`${op}.before_sidecar`)) await forksSettled();
        failpoint(`${op}.before_sidecar`);
        // The sidecar is created in parallel with the Lance writes (one round trip less):
        // it must be durable before the ENTRY, which waits for it, not before Lance
        // commits — an unpublished Lance version is invisible to readers and restored
        // over by the next write, with or without a sidecar (docs/design/manifest.md, step 2).
        sidecarCreate = writeSidecar(graph.loc, sidecar);
        if (failpointArmed(`${op}.after_sidecar`)) {
          // The crash suite stops right after the sidecar: send it alone first.
          sidecarVersion = await sidecarCreate;
          failpoint(`${op}.after_sidecar`);
        }
      } catch (e) {
        await forksSettled();
        throw e;
      }
    }

    let published: ManifestEntry;
    /**
     * The sidecar's CAS to `written`, sent in parallel with the first (optimistic) entry
     * PUT. Settles, never rejects; {@link settleWritten} folds its outcome in.
     */
    let writtenCas: Promise<{ ok: true; version: string } | { ok: false; error: unknown }> | undefined;
    let writtenSettled = false;
    /** The CAS to `written` met a sweep's claim: the sidecar is the sweep's now. */
    let sweptAway = false;
    /** Records the CAS's outcome (once); throws when the transaction may not publish any more. */
    const settleWritten = async (): Promise<void> => {
      if (!writtenCas || writtenSettled) return;
      const r = await writtenCas;
      writtenSettled = true;
      if (r.ok) {
        sidecarVersion = r.version;
        return;
      }
      // 412: a recovery sweep under a newer lease claimed the staged transaction; it will
      // restore it unless our entry is already in the log, so no retry may publish it.
      if (isStorageError(r.error, "ERR_PRECONDITION_FAILED")) {
        mayBeWritten = false;
        sweptAway = true;
        throw new LeaseLost("writer", identity.epoch, `recovery took transaction ${txId} over before it was written`);
      }
      throw r.error;
    };
    try {
      const results: Record<string, TableState> = { ...adopted };
      const applied = (async () => {
        for (const k of lanceWrites) {
          results[k] = await graph.tables.apply(k, req.base.state.tables[k], req.base.record.id, req.writes[k] as TableOp[], await forks.get(k));
        }
      })();
      // All settle before anything is decided: a failure path never runs while Lance
      // is still writing (a fork included), and an aborted transaction knows whether it
      // has a sidecar.
      const [created, wrote] = await Promise.allSettled([sidecarCreate ?? Promise.resolve(sidecarVersion), applied]);
      await forksSettled();
      if (created.status === "rejected") throw created.reason;
      sidecarVersion = created.value;
      if (wrote.status === "rejected") throw wrote.reason;
      failpoint(`${op}.after_table_writes`);
      // Deterministic interleavings for the crash suite: an armed failpoint between the two
      // parallel requests sends them one after the other (docs/design/manifest.md).
      const entryFirst = failpointArmed(`${op}.after_manifest_before_written`);
      const sendWritten = (): void => {
        if (!sidecar || !sidecarVersion) return;
        sidecar = { ...sidecar, status: "written", tables: Object.fromEntries(Object.keys(sidecar.tables).map((k) => [k, { base: sidecar!.tables[k]!.base, result: results[k]! }])) };
        mayBeWritten = true;
        writtenCas = writeSidecar(graph.loc, sidecar, sidecarVersion).then((version) => ({ ok: true as const, version }), (error: unknown) => ({ ok: false as const, error }));
      };
      if (!entryFirst) sendWritten();
      if (failpointArmed(`${op}.after_sidecar_written`)) await settleWritten();
      failpoint(`${op}.after_sidecar_written`);
      published = await publish(graph, { ...req, identity }, results, writer, head0?.seq, { optimistic: true, beforeRetry: settleWritten });
      if (entryFirst) {
        failpoint(`${op}.after_manifest_before_written`);
        sendWritten();
      }
      // The entry is durable: whatever the CAS did, the commit is published (a sweep finds
      // the entry first). Its outcome only decides the housekeeping below.
      await settleWritten().catch(() => undefined);
      failpoint(`${op}.after_manifest`);
    } catch (e) {
      if (isStoreError(e, "ERR_FAILPOINT")) throw e; // a simulated crash leaves everything as a dead process would
      // Never settle while the CAS to `written` is in flight: an abort must see its outcome.
      // If a sweep claimed the transaction, that (the lost lease) is the failure to report
      // once the log shows our entry did not land.
      let failure = e;
      await settleWritten().catch((w: unknown) => {
        if (sweptAway) failure = w;
      });
      const mine = await settleFailure(graph, { txId, writer, afterSeq: head0?.seq, key: req.idempotencyKey ?? null },
        sidecar && sidecarVersion ? { sidecar, version: sidecarVersion, mayBeWritten } : undefined, e);
      if (!mine) throw failure;
      published = mine;
    }
    if (published.writer !== writer) {
      // Another request with the same idempotency key published first: ours is moot.
      if (sidecar && sidecarVersion) await abortSidecar(graph, sidecar, sidecarVersion).catch(() => undefined);
      if (req.idempotencyKey !== undefined) assertSameRequest(published, req.idempotencyKey, req);
      return { changed: true, entry: published, replayed: true };
    }
    // Acknowledged from here. The hint and the sidecar delete run after the answer, on the
    // handle's after-commit chain; the transaction stays "in flight" (a same-epoch sweep
    // leaves its sidecar alone) until its sidecar is gone.
    const ownsSidecar = sidecar !== undefined && !sweptAway; // a claimed sidecar is the sweep's to delete
    const scTxId = sidecar?.txId;
    const entry = published;
    keepInFlight = true;
    await graph.afterCommit.enqueue(`hint ${entry.seq}${ownsSidecar ? `, delete sidecar ${scTxId}` : ""}`, async () => {
      try {
        await graph.log.advanceHint(entry);
        failpoint(`${op}.after_hint`);
        if (ownsSidecar) await deleteSidecar(graph.loc, scTxId!);
      } finally {
        done();
      }
    });
    return { changed: true, entry: published };
  } finally {
    if (!keepInFlight) done();
  }
}

/** What makes a transaction findable again: recorded in its sidecar and its entry. */
export interface TransactionIdentity {
  txId: string;
  epoch: number;
  idempotencyKey?: string;
  fingerprint?: string;
  replay?: Record<string, unknown>;
}

/**
 * A commit failed after (maybe) writing its sidecar. Decides what the caller is told:
 * - its entry is in the log after all (a sweep published it, or a lost response hid our
 *   own success) → that entry: the commit succeeded;
 * - provably unpublished, and the sidecar is aborted or was never `written` (a sweep can
 *   only restore it) → undefined: the original error stands;
 * - otherwise → {@link CommitOutcomeUnknown} (the sidecar may still be rolled forward).
 */
async function settleFailure(
  graph: Graph,
  tx: { txId: string; writer: string; afterSeq: number | undefined; key: string | null },
  sc: { sidecar: Sidecar; version: string; mayBeWritten: boolean } | undefined,
  cause: unknown,
): Promise<ManifestEntry | undefined> {
  const unknown = (why: unknown): CommitOutcomeUnknown => {
    graph.rememberUnknownOutcome(tx.key, tx.txId);
    return new CommitOutcomeUnknown(tx.txId, tx.key, why);
  };
  try {
    if (cause instanceof PublishOutcomeUnknown) {
      // Our entry may have landed: only the log can tell, and it just failed to.
      const mine = await findOwnEntry(graph, tx.writer, tx.afterSeq);
      if (mine) return mine;
      if (!sc) throw unknown(cause); // no sidecar to abort, and the slot could not be read
    }
    if (!sc) return undefined;
    if (!sc.mayBeWritten) {
      // A staged sidecar is never rolled forward: removing it is housekeeping.
      await deleteSidecar(graph.loc, sc.sidecar.txId).catch(() => {});
      return undefined;
    }
    if (await abortSidecar(graph, sc.sidecar, sc.version)) return undefined;
    // A sweep took it over: it publishes it (then the entry is ours) or restores it.
    const mine = await findOwnEntry(graph, tx.writer, tx.afterSeq);
    if (mine) return mine;
    const now = await readSidecar(graph.loc, sc.sidecar.txId);
    if (!now || now.sidecar.status !== "written") return undefined;
    throw unknown(cause);
  } catch (e) {
    if (e instanceof CommitOutcomeUnknown) throw e;
    // The store failed while we looked: if the sidecar may be `written`, a later sweep may
    // still roll it forward, so the outcome is genuinely unknown.
    // So is an entry PUT whose outcome nobody could read back (it may have landed).
    if (!sc || sc.mayBeWritten || cause instanceof PublishOutcomeUnknown) throw unknown(e);
    return undefined;
  }
}

/**
 * Marks our sidecar `aborted` with compare-and-swap (so no later sweep rolls it
 * forward), then deletes it. False when a sweep has claimed it first.
 */
async function abortSidecar(graph: Graph, sidecar: Sidecar, version: string): Promise<boolean> {
  let cur = { sidecar, version };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeSidecar(graph.loc, { ...cur.sidecar, status: "aborted" }, cur.version);
      await deleteSidecar(graph.loc, sidecar.txId).catch(() => {});
      return true;
    } catch (e) {
      if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
    }
    // Our own CAS to `written` may have landed unseen (a lost response): re-read.
    const now = await readSidecar(graph.loc, sidecar.txId);
    if (!now || now.sidecar.writer !== sidecar.writer || now.sidecar.claimedBy !== undefined) return false;
    cur = now;
  }
  return false;
}

/**
 * Publishes a commit's entry through the one publish loop ({@link publishEntry}): the
 * rebase rules run on every head it meets, after the own-entry check. Exported for
 * recovery, which rolls a written transaction forward with the same rules.
 */
export async function publish(
  graph: Graph,
  req: Omit<CommitRequest, "writes"> & { writes: Record<string, unknown>; identity?: TransactionIdentity | undefined },
  results: Record<string, TableState>,
  writer: string,
  afterSeq: number | undefined,
  opts: { optimistic?: boolean; beforeRetry?: () => Promise<void> } = {},
): Promise<ManifestEntry> {
  const writeKeys = Object.keys(req.writes);
  const id = req.identity;
  return publishEntry(graph, {
    ...opts,
    writer,
    afterSeq,
    idempotencyKey: id?.idempotencyKey,
    build: async (head) => {
      const view = await graph.log.branch(head, req.branch);
      if (!view) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${req.branch}' was deleted while this commit was in flight`, { branch: req.branch });
      if (req.expectCommit !== undefined && !(await headIsLogically(graph, view, req.expectCommit))) {
        throw new GraphCommitPreconditionFailed(req.expectCommit, view.record.head);
      }
      checkRebase(req.base, view, writeKeys, req.reads);
      const state: BranchState = { tables: { ...view.state.tables }, schema: req.schema === undefined ? view.state.schema : req.schema };
      for (const k of writeKeys) {
        if (req.writes[k] === "drop") delete state.tables[k];
        else state.tables[k] = results[k]!;
      }
      const seq = head.seq + 1;
      const commitId = newCommitId(seq);
      const parents = [view.record.seq];
      const parentCommits = [view.record.head];
      if (req.mergedParent !== undefined) {
        const merged = await graph.log.read(req.mergedParent);
        parents.push(merged.seq);
        parentCommits.push(merged.commitId);
      }
      return {
        format: 1, seq, commitId, kind: req.kind, branch: req.branch, parents, parentCommits, actor: req.actor,
        timeUs: Date.now() * 1000, writer, state,
        branches: { ...head.branches, [req.branch]: { ...view.record, seq, head: commitId } },
        ...(req.note ? { note: req.note } : {}),
        epoch: graph.epoch,
        ...(id ? { txId: id.txId } : {}),
        ...(id?.idempotencyKey !== undefined ? { idempotencyKey: id.idempotencyKey } : {}),
        ...(id?.fingerprint !== undefined ? { fingerprint: id.fingerprint } : {}),
        ...(id?.replay !== undefined ? { replay: id.replay } : {}),
      };
    },
  });
}
