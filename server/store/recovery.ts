import { isStorageError } from "../../drivers/errors.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import { publish } from "./commit.ts";
import { isStoreError } from "./errors.ts";
import { failpoint } from "./failpoints.ts";
import type { Graph } from "./graph.ts";
import type { ManifestEntry, TableState } from "./manifest/entry.ts";
import { deleteSidecar, listSidecars, writeSidecar, type Sidecar } from "./sidecar.ts";
import { Snapshot } from "./snapshot.ts";

/** The actor recovery commits as. */
export const RECOVERY_ACTOR = "omnigraph:recovery";

/** Options of a sweep (none today: liveness comes from the writer lease alone). */
export type SweepOptions = Record<string, never>;

export type RecoveryOutcome = "already_published" | "rolled_forward" | "restored";

export interface RecoveryReport {
  /** One line per sidecar handled. */
  handled: { txId: string; branch: string; outcome: RecoveryOutcome; restoredTables: string[] }[];
  /** Sidecars left alone because their writer may still be running. */
  skipped: string[];
  /** Audit entries published (one per affected branch). */
  audits: string[];
}

/**
 * May this sweep touch the sidecar? Only when its transaction can no longer publish by
 * itself: its epoch's lease was superseded (an older epoch than the sweeper's, which
 * holds the writer lease now), or it is this lease's own and not in flight in this
 * process (its writer gave up on it). No clock and no pid is consulted.
 */
function abandoned(graph: Graph, s: Sidecar): boolean {
  const epoch = s.epoch ?? 0;
  if (epoch < graph.epoch) return true;
  return epoch === graph.epoch && !graph.isInFlight(s.txId);
}

/** Finds an entry after `afterSeq` carrying `writer` (the sidecar's transaction, if published). */
async function findPublished(graph: Graph, afterSeq: number, head: ManifestEntry, writer: string): Promise<ManifestEntry | undefined> {
  for (let seq = head.seq; seq > afterSeq; seq--) {
    const e = await graph.log.read(seq);
    if (e.writer === writer) return e;
  }
  return undefined;
}

/**
 * The recovery sweep, part of the commit protocol. For each abandoned sidecar:
 * - its entry is already published → nothing to undo (the writer died after publishing);
 * - it reached `written` (every table at its post-commit version) → roll forward:
 *   publish the entry now, with the same rebase rules a live writer uses;
 * - otherwise (or if rolling forward conflicts) → restore each table it wrote in place
 *   to the branch's committed version, so Lance's latest equals the manifest again.
 * Then one audit commit per affected branch by `omnigraph:recovery`, then the sidecar
 * is deleted. Every step re-checks what it does, so a sweep is idempotent and can be
 * interrupted at any point and run again.
 */
export async function sweep(graph: Graph, _opts: SweepOptions = {}): Promise<RecoveryReport> {
  graph.assertLeaseFor(graph.log.lastKnown ?? (await graph.log.head())!);
  const report: RecoveryReport = { handled: [], skipped: [], audits: [] };
  const sidecars = await listSidecars(graph.loc);
  const done: Sidecar[] = [];
  for (const listed of sidecars) {
    if (!abandoned(graph, listed.sidecar)) {
      report.skipped.push(listed.sidecar.txId);
      continue;
    }
    // Claim it (compare-and-swap): from here the writer's own CAS fails, so it can never
    // report "not committed" for a transaction this sweep may publish.
    let s: Sidecar;
    try {
      s = { ...listed.sidecar, claimedBy: graph.epoch };
      await writeSidecar(graph.loc, s, listed.version);
    } catch (e) {
      if (!isStorageError(e, "ERR_PRECONDITION_FAILED") && !isStorageError(e, "ERR_NOT_FOUND")) throw e;
      report.skipped.push(listed.sidecar.txId); // its writer moved it on meanwhile: the next sweep looks again
      continue;
    }
    const head = (await graph.log.head())!;
    let outcome: RecoveryOutcome;
    let restoredTables: string[] = [];
    if (await findPublished(graph, s.baseSeq, head, s.writer)) {
      outcome = "already_published";
    } else if (s.status === "written" && Object.values(s.tables).every((t) => t.result !== null) && (await rollForward(graph, s))) {
      outcome = "rolled_forward";
    } else {
      restoredTables = await restore(graph, s);
      failpoint("recovery.after_restore");
      outcome = "restored";
    }
    report.handled.push({ txId: s.txId, branch: s.branch, outcome, restoredTables });
    done.push(s);
  }
  // Audit first, then delete: a crash in between only repeats a harmless audit.
  const byBranch = new Map<string, RecoveryReport["handled"]>();
  for (const h of report.handled) byBranch.set(h.branch, [...(byBranch.get(h.branch) ?? []), h]);
  for (const [branch, items] of byBranch) {
    const audit = await publishAudit(graph, branch, items);
    if (audit) report.audits.push(audit.commitId);
  }
  for (const s of done) await deleteSidecar(graph.loc, s.txId);
  return report;
}

/** Publishes the sidecar's prepared result on behalf of its dead writer. */
async function rollForward(graph: Graph, s: Sidecar): Promise<boolean> {
  const baseEntry = await graph.log.read(s.baseSeq);
  const view = await graph.log.branch(baseEntry, s.branch);
  if (!view || view.record.id !== s.branchId) return false;
  const base = new Snapshot(graph.tables, s.branch, view.record, view.entry, baseEntry.seq, false);
  const results: Record<string, TableState> = {};
  const writes: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(s.tables)) {
    results[k] = t.result!;
    writes[k] = [];
  }
  for (const k of s.dropped) writes[k] = "drop";
  failpoint("recovery.before_publish");
  try {
    const entry = await publish(graph, {
      branch: s.branch, kind: s.kind as ManifestEntry["kind"], actor: s.actor, base, writes,
      identity: { txId: s.txId, epoch: s.epoch ?? 0, ...(s.idempotencyKey !== undefined ? { idempotencyKey: s.idempotencyKey } : {}), ...(s.fingerprint !== undefined ? { fingerprint: s.fingerprint } : {}), ...(s.replay !== undefined ? { replay: s.replay } : {}) },
      ...(s.schema !== null ? { schema: s.schema } : {}), ...(s.mergedParent != null ? { mergedParent: s.mergedParent } : {}), note: { ...(s.note ?? {}), recoveredBy: RECOVERY_ACTOR },
    }, results, s.writer, s.baseSeq);
    await graph.log.advanceHint(entry).catch((e) => graph.warn("could not advance the manifest head hint", e));
    return true;
  } catch (e) {
    // The branch moved on in a way that conflicts: the transaction cannot be applied any
    // more, exactly as if its writer had lost the race. Undo its table writes instead.
    if (isStoreError(e, "ERR_MANIFEST_CONFLICT") || isStoreError(e, "ERR_READ_SET_CONFLICT") || isStoreError(e, "ERR_BRANCH_NOT_FOUND")) return false;
    throw e;
  }
}

/**
 * Restores, for each table the transaction wrote in place, Lance's latest version to
 * the version the branch currently commits. Tables it created or forked live in
 * datasets / Lance branches nothing references; maintenance reclaims them.
 */
async function restore(graph: Graph, s: Sidecar): Promise<string[]> {
  const head = (await graph.log.head())!;
  const view = await graph.log.branch(head, s.branch);
  const restored: string[] = [];
  for (const [k, t] of Object.entries(s.tables)) {
    const wroteInPlace = t.base !== null && t.base.owner === s.branchId;
    if (!wroteInPlace) continue;
    const current = view?.state.tables[k];
    // Only the Lance branch the transaction wrote; if the branch moved the table
    // elsewhere since, its committed line is not ours to touch.
    if (!current || current.path !== t.base!.path || current.lanceBranch !== t.base!.lanceBranch) continue;
    if (await graph.tables.restoreLatest(current)) restored.push(k);
  }
  return restored;
}

/**
 * One audit entry on `branch`. The audit writes and reads nothing, so it rebuilds its
 * base on the current head and retries when the branch moved (a concurrent schema
 * change, a re-created branch): an audit never makes the sweep, or the open, fail.
 */
async function publishAudit(graph: Graph, branch: string, items: RecoveryReport["handled"]): Promise<ManifestEntry | undefined> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const head = (await graph.log.head())!;
    const view = await graph.log.branch(head, branch);
    if (!view) return undefined; // the branch is gone; nothing to annotate
    const base = new Snapshot(graph.tables, branch, view.record, view.entry, head.seq, false);
    try {
      const entry = await publish(graph, {
        branch, kind: "recovery", actor: RECOVERY_ACTOR, base, writes: {}, reads: [],
        note: { recovered: items.map((i) => ({ txId: i.txId, outcome: i.outcome, restoredTables: i.restoredTables })) },
      }, {}, newWriterToken(), undefined);
      await graph.log.advanceHint(entry).catch((e) => graph.warn("could not advance the manifest head hint", e));
      return entry;
    } catch (e) {
      if (isStoreError(e, "ERR_BRANCH_NOT_FOUND")) return undefined;
      if (!isStoreError(e, "ERR_READ_SET_CONFLICT") && !isStoreError(e, "ERR_MANIFEST_CONFLICT")) throw e;
    }
  }
  graph.warn(`recovery audit on branch '${branch}' gave up after repeated concurrent changes`);
  return undefined;
}
