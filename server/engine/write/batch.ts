import { commitInfo } from "../../store/branches.ts";
import { requestFingerprint } from "../../store/fingerprint.ts";
import type { ManifestEntry } from "../../store/manifest/entry.ts";
import type { Snapshot } from "../../store/snapshot.ts";
import type { GraphEngine, MutationResult } from "../engine.ts";
import { EngineError } from "../errors.ts";
import { bindParams } from "../query/params.ts";
import { compileQuery } from "../query/typecheck.ts";
import type { TypedMutation } from "../query/typed.ts";
import { SnapshotReader } from "../storage/reader.ts";
import { findViolations, throwIfViolated } from "./integrity.ts";
import { runMutation } from "./mutation.ts";
import { planWrites } from "./plan.ts";
import { WorkingSet } from "./working-set.ts";

/** One mutation request of a batch (what `GraphEngine.mutate` takes, minus branch and preconditions). */
export interface BatchMutation {
  query: string;
  name?: string | undefined;
  params?: unknown;
  actor: string | null;
  idempotencyKey?: string | undefined;
}

/**
 * The fingerprint of a mutation request (what it asks: branch, query text, query name,
 * parameters, expected commit), recorded with its idempotency key: the same through
 * the group commit and through `GraphEngine.mutate`.
 */
export function mutationFingerprint(req: { branch?: string | undefined; query: string; name?: string | undefined | null; params?: unknown; expectCommit?: string | undefined }): string {
  return requestFingerprint("mutate", { branch: req.branch ?? "main", query: req.query, name: req.name ?? null, params: req.params ?? {}, expectCommit: req.expectCommit ?? null });
}

/** The outcome of one request of a batch: its own result, or its own error. */
export type BatchOutcome = { ok: true; result: MutationResult } | { ok: false; error: unknown };

/** What a batch entry records for replays: every keyed request's result, in arrival order. */
export interface BatchReplay {
  batch: { idempotencyKey: string | null; fingerprint?: string; result: Omit<MutationResult, "commit"> }[];
}

/**
 * Runs several mutation requests against ONE working set over one snapshot of `branch`,
 * in order, as if they ran one after another: each request sees the changes of the
 * requests before it. A request that does not compile, binds bad parameters or breaks
 * an integrity rule fails alone with its own typed error (its changes are rolled back);
 * the rest are planned as one write and published as ONE manifest entry. Every
 * successful request's result carries the shared commit (or null when the batch
 * changed nothing). The commit itself can fail (a conflict with another writer, an
 * unknown outcome): then it throws and no request of the batch is published.
 */
export async function runBatch(engine: GraphEngine, branch: string, items: BatchMutation[]): Promise<BatchOutcome[]> {
  const graph = engine.graph;
  const snap: Snapshot = await graph.snapshot({ branch, forWrite: true });
  const catalog = await engine.catalogOf(snap);
  const reader = new SnapshotReader(snap);
  const ws = new WorkingSet(catalog, reader);
  const outcomes: BatchOutcome[] = [];
  const done: { index: number; result: Omit<MutationResult, "commit">; key: string | null }[] = [];
  for (const [index, item] of items.entries()) {
    const cp = ws.checkpoint();
    try {
      const q = compileQuery(item.query, catalog, item.name);
      if (q.kind !== "mutation") throw new EngineError("ERR_READ_IN_MUTATION", `query '${q.name}' is a read, not a mutation`, { detail: { name: q.name } });
      const params = bindParams(q, item.params ?? {});
      await runMutation(q as TypedMutation, catalog, reader, params, ws);
      throwIfViolated(await findViolations(ws));
      const changed = ws.changedSince(cp);
      const result = { branch, queryName: q.name, affectedNodes: changed.nodes, affectedEdges: changed.edges, actor: item.actor };
      done.push({ index, result, key: item.idempotencyKey ?? null });
      outcomes.push({ ok: true, result: { ...result, commit: null } });
    } catch (error) {
      ws.restore(cp);
      outcomes.push({ ok: false, error });
    }
  }
  if (done.length === 0) return outcomes;
  await ws.resolveNewIds();
  const plan = planWrites(ws, snap);
  const actors = [...new Set(done.map((d) => items[d.index]!.actor))];
  // Keyed members record their request's fingerprint: a reused key with another body is refused.
  const replay: BatchReplay = {
    batch: done.map((d) => ({ idempotencyKey: d.key, ...(d.key !== null ? { fingerprint: mutationFingerprint({ ...items[d.index]!, branch }) } : {}), result: d.result })),
  };
  const r = await graph.commit({
    branch, kind: "commit", actor: actors.length === 1 ? actors[0]! : null, base: snap, writes: plan.writes, reads: plan.reads,
    note: { batch: { requests: done.length, ...(actors.length > 1 ? { actors } : {}) } },
    replay: replay as unknown as Record<string, unknown>,
  });
  const commit = r.entry ? commitInfo(r.entry) : null;
  for (const d of done) outcomes[d.index] = { ok: true, result: { ...d.result, commit } };
  return outcomes;
}

/** The result a published entry recorded for idempotency key `key` (a batch entry or a single mutation's). */
export function recordedMutation(entry: ManifestEntry, key: string): MutationResult | undefined {
  const replay = entry.replay as Partial<BatchReplay> | Record<string, unknown> | undefined;
  if (replay && Array.isArray((replay as BatchReplay).batch)) {
    const hit = (replay as BatchReplay).batch.find((b) => b.idempotencyKey === key);
    return hit ? { ...hit.result, commit: commitInfo(entry) } : undefined;
  }
  if (entry.idempotencyKey === key && replay) return { ...(replay as Omit<MutationResult, "commit">), commit: commitInfo(entry) };
  return undefined;
}
