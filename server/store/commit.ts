import { ulid } from "ulid";
import { isStorageError } from "../../drivers/errors.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import { GraphCommitPreconditionFailed, ManifestConflict, ReadSetConflict, StoreError, isStoreError } from "./errors.ts";
import { failpoint, type CommitPhaseOp } from "./failpoints.ts";
import type { Graph } from "./graph.ts";
import { newCommitId } from "./manifest/commit-id.ts";
import type { BranchState, EntryKind, ManifestEntry, TableState } from "./manifest/entry.ts";
import type { BranchView } from "./manifest/log.ts";
import { deleteSidecar, newSidecarMeta, writeSidecar, type Sidecar } from "./sidecar.ts";
import type { Snapshot } from "./snapshot.ts";
import type { TableOp } from "./tables.ts";

/** How many times a commit re-reads the head and rebases before giving up. */
const MAX_PUBLISH_ATTEMPTS = 32;

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
   * Client-chosen key (HTTP `Idempotency-Key`): a retried request with the same key
   * publishes at most once. Carried through here; the store applies it.
   */
  idempotencyKey?: string | undefined;
}

export type TableWrite = TableOp[] | "drop" | { adopt: TableState };

export interface CommitResult {
  /** False when the request changed nothing (no entry published). */
  changed: boolean;
  entry: ManifestEntry | undefined;
}

function sameTable(a: TableState | undefined, b: TableState | undefined): boolean {
  if (!a || !b) return a === b;
  return a.path === b.path && a.lanceBranch === b.lanceBranch && a.version === b.version;
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
    if (!sameTable(now.tables[k], was.tables[k])) {
      throw new ManifestConflict(k, was.tables[k]?.version ?? null, now.tables[k]?.version ?? null);
    }
  }
  if (now.schema !== was.schema) throw new ReadSetConflict("schema", was.schema, now.schema);
  const readKeys = reads ?? [...new Set([...Object.keys(was.tables), ...Object.keys(now.tables)])];
  for (const k of readKeys) {
    if (!sameTable(now.tables[k], was.tables[k])) {
      throw new ReadSetConflict(`table ${k}`, was.tables[k]?.version ?? null, now.tables[k]?.version ?? null);
    }
  }
}

/**
 * The write protocol (docs/design/manifest.md): sidecar → Lance writes → sidecar
 * `written` → one create-only manifest entry → hint → delete sidecar. Concurrent
 * writers never lose a commit: the loser of the entry race rebases when it touched
 * nothing the winner changed, and otherwise gets a typed conflict.
 */
export async function commit(graph: Graph, req: CommitRequest): Promise<CommitResult> {
  graph.assertWritable();
  const writeKeys = Object.keys(req.writes);
  if (writeKeys.length === 0 && req.schema === undefined && !req.force) return { changed: false, entry: undefined };

  // Fail fast, before any write, on a precondition or a conflict this handle already
  // knows of. No request: the caller's snapshot has just read the head, and the publish
  // below re-checks against a fresh head anyway (the authoritative check).
  const head0 = graph.log.lastKnown ?? (await graph.log.head());
  const view0 = head0 && (await graph.log.branch(head0, req.branch));
  if (!view0) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${req.branch}' not found`, { branch: req.branch });
  if (req.expectCommit !== undefined && view0.record.head !== req.expectCommit) {
    throw new GraphCommitPreconditionFailed(req.expectCommit, view0.record.head);
  }
  checkRebase(req.base, view0, writeKeys, req.reads);

  const op: CommitPhaseOp = req.kind === "schema" ? "schema" : req.kind === "merge" ? "merge" : "commit";
  const writer = newWriterToken();
  const lanceWrites = writeKeys.filter((k) => Array.isArray(req.writes[k]));
  const adopted: Record<string, TableState> = {};
  for (const k of writeKeys) {
    const w = req.writes[k];
    if (w !== "drop" && !Array.isArray(w)) adopted[k] = (w as { adopt: TableState }).adopt;
  }
  let sidecar: Sidecar | undefined;
  let sidecarVersion: string | undefined;
  if (lanceWrites.length > 0) {
    sidecar = {
      format: 1, txId: ulid(), writer, branch: req.branch, branchId: req.base.record.id, baseSeq: req.base.record.seq,
      actor: req.actor, kind: req.kind, ...newSidecarMeta(), status: "staged",
      tables: Object.fromEntries([
        ...lanceWrites.map((k) => [k, { base: req.base.state.tables[k] ?? null, result: null }] as const),
        ...Object.entries(adopted).map(([k, st]) => [k, { base: req.base.state.tables[k] ?? null, result: st }] as const),
      ]),
      dropped: writeKeys.filter((k) => req.writes[k] === "drop"), schema: req.schema ?? null,
      mergedParent: req.mergedParent ?? null, note: req.note,
    };
    failpoint(`${op}.before_sidecar`);
    sidecarVersion = await writeSidecar(graph.loc, sidecar);
    failpoint(`${op}.after_sidecar`);
  }

  let published: ManifestEntry | undefined;
  let definitelyUnpublished = true;
  try {
    const results: Record<string, TableState> = { ...adopted };
    for (const k of lanceWrites) {
      results[k] = await graph.tables.apply(k, req.base.state.tables[k], req.base.record.id, req.writes[k] as TableOp[]);
    }
    failpoint(`${op}.after_table_writes`);
    if (sidecar && sidecarVersion) {
      sidecar = { ...sidecar, status: "written", tables: Object.fromEntries(Object.keys(sidecar.tables).map((k) => [k, { base: sidecar!.tables[k]!.base, result: results[k]! }])) };
      sidecarVersion = await writeSidecar(graph.loc, sidecar, sidecarVersion);
    }
    failpoint(`${op}.after_sidecar_written`);
    definitelyUnpublished = false;
    published = await publish(graph, req, results, writer);
    failpoint(`${op}.after_manifest`);
  } catch (e) {
    // Conflicts and failures before the publish leave uncommitted Lance versions behind,
    // which the next writer of those tables restores over; the sidecar is no longer
    // needed. When the publish itself failed ambiguously, keep it for recovery.
    const known = definitelyUnpublished || isStoreError(e, "ERR_MANIFEST_CONFLICT") || isStoreError(e, "ERR_READ_SET_CONFLICT")
      || isStoreError(e, "ERR_GRAPH_COMMIT_PRECONDITION") || isStoreError(e, "ERR_BRANCH_NOT_FOUND");
    if (sidecar && known && !isStoreError(e, "ERR_FAILPOINT")) await deleteSidecar(graph.loc, sidecar.txId).catch(() => {});
    throw e;
  }
  await graph.log.advanceHint(published).catch((e) => graph.warn("could not advance the manifest head hint", e));
  failpoint(`${op}.after_hint`);
  if (sidecar) await deleteSidecar(graph.loc, sidecar.txId).catch((e) => graph.warn("could not delete a recovery sidecar", e));
  return { changed: true, entry: published };
}

/**
 * Publishes the entry: re-reads the head, checks the rebase rules, and races for the
 * next sequence with a create-only write until it wins or a conflict is certain.
 * Exported for recovery, which rolls a written transaction forward with the same rules.
 */
export async function publish(
  graph: Graph,
  req: Omit<CommitRequest, "writes"> & { writes: Record<string, unknown> },
  results: Record<string, TableState>,
  writer: string,
): Promise<ManifestEntry> {
  const writeKeys = Object.keys(req.writes);
  for (let attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS; attempt++) {
    const head = await graph.log.head();
    const view = head && (await graph.log.branch(head, req.branch));
    if (!head || !view) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${req.branch}' was deleted while this commit was in flight`, { branch: req.branch });
    if (req.expectCommit !== undefined && view.record.head !== req.expectCommit) {
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
    const entry: ManifestEntry = {
      format: 1, seq, commitId, kind: req.kind, branch: req.branch, parents, parentCommits, actor: req.actor,
      timeUs: Date.now() * 1000, writer, state,
      branches: { ...head.branches, [req.branch]: { ...view.record, seq, head: commitId } },
      ...(req.note ? { note: req.note } : {}),
    };
    try {
      await graph.log.append(entry);
      return entry;
    } catch (e) {
      if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
      // Someone took `seq`. Recovery may have published this very transaction for us.
      const taken = await graph.log.tryRead(seq);
      if (taken?.writer === writer) return taken;
    }
  }
  throw new ManifestConflict("__manifest", null, null, `gave up after ${MAX_PUBLISH_ATTEMPTS} attempts to publish on a busy graph; retry`);
}
