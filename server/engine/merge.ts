import { commitInfo, type CommitInfo } from "../store/branches.ts";
import type { TableWrite } from "../store/commit.ts";
import { sameTableState, type ManifestEntry } from "../store/manifest/entry.ts";
import type { Snapshot } from "../store/snapshot.ts";
import type { GraphEngine } from "./engine.ts";
import { EngineError } from "./errors.ts";
import { valuesEqual, type Value } from "./query/value.ts";
import type { Catalog } from "./schema/catalog.ts";
import { keyOf, propertyField, type EntityRow, type GraphType } from "./storage/columns.ts";
import { SnapshotReader } from "./storage/reader.ts";
import { findViolations } from "./write/integrity.ts";
import { planWrites } from "./write/plan.ts";
import { WorkingSet } from "./write/working-set.ts";

export type MergeOutcome = "already_up_to_date" | "fast_forward" | "merged";
export type MergeConflictKind =
  | "divergent_insert" | "divergent_update" | "delete_vs_update"
  | "orphan_edge" | "unique_violation" | "cardinality_violation" | "value_constraint_violation";

/** One merge conflict (OmniGraph's `merge_conflicts[]` item). */
export interface MergeConflict {
  entityKind: "node" | "edge";
  typeName: string;
  entityId?: string;
  kind: MergeConflictKind;
  message: string;
}

/** A merge that conflicts: the target is left untouched. */
export class MergeConflictError extends EngineError {
  constructor(readonly conflicts: MergeConflict[]) {
    super("ERR_MERGE_CONFLICT", `merge has ${conflicts.length} conflict(s); the target is unchanged`, { detail: { conflicts } });
  }
}

/** The result of a merge (OmniGraph's `BranchMergeOutput`). */
export interface MergeResult {
  source: string;
  target: string;
  outcome: MergeOutcome;
  actor: string | null;
  /** The published merge commit; null when already up to date. */
  commit: CommitInfo | null;
  /** Set only when the request asked to delete the source branch. */
  branchDeleted?: boolean;
  /** Why that deletion did not happen (present iff `branchDeleted` is false). */
  branchDeleteError?: string;
}

function sameState(a: Snapshot["state"], b: NonNullable<Snapshot["state"]>): boolean {
  if (a.schema !== b.schema) return false;
  const keys = new Set([...Object.keys(a.tables), ...Object.keys(b.tables)]);
  for (const k of keys) if (!sameTableState(a.tables[k], b.tables[k])) return false;
  return true;
}

function sameRow(a: EntityRow, b: EntityRow): boolean {
  if (a.src !== b.src || a.dst !== b.dst) return false;
  const keys = new Set([...Object.keys(a.props), ...Object.keys(b.props)]);
  for (const k of keys) if (!valuesEqual((a.props[k] ?? null) as Value, (b.props[k] ?? null) as Value)) return false;
  return true;
}

/** Every row of a type at a snapshot, read with that snapshot's catalog, keyed by id. */
async function rowsAt(snap: Snapshot, catalog: Catalog, typeId: string, merged: GraphType): Promise<Map<string, EntityRow>> {
  const own = [...catalog.nodes, ...catalog.edges].find((t) => t.id === typeId);
  if (!own || !snap.tableState(keyOf(own))) return new Map();
  const rows = await new SnapshotReader(snap).scan(own, undefined, "all");
  // Properties are matched by stable id, so a rename on either side lines up.
  const nameById = new Map(merged.properties.map((p) => [p.id, p.name]));
  return new Map(rows.map((r) => {
    const props: Record<string, Value> = {};
    for (const p of own.properties) {
      const name = nameById.get(p.id);
      if (name !== undefined) props[name] = r.props[p.name] ?? null;
    }
    for (const p of merged.properties) if (!(p.name in props)) props[p.name] = null;
    return [r.id, { ...r, props }];
  }));
}

/**
 * Merges `source` into `target` (default `main`): three-way at entity level against
 * the merge base, published as one commit with two parents.
 * - source already contained in target → `already_up_to_date` (nothing written);
 * - target not moved since the base → `fast_forward`: the target adopts the source's
 *   table states (no data copied);
 * - otherwise every table the source changed is diffed against the base and its
 *   changes are replayed on the target; conflicting entity changes and every
 *   integrity rule broken by the combination are reported as typed conflicts and
 *   nothing is written.
 */
export async function mergeBranches(
  engine: GraphEngine,
  req: { source: string; target?: string | undefined; actor: string | null; deleteBranch?: boolean | undefined; idempotencyKey?: string | undefined; fingerprint?: string | undefined },
): Promise<MergeResult> {
  const graph = engine.graph;
  const target = req.target ?? "main";
  if (req.source === target) throw new EngineError("ERR_PARAM", "source and target are the same branch");
  const src = await graph.snapshot({ branch: req.source });
  const tgt = await graph.snapshot({ branch: target });
  const baseSeq = await graph.mergeBase(src.record.seq, tgt.record.seq);
  if (baseSeq === undefined) throw new EngineError("ERR_MERGE_UNRELATED", `branches '${req.source}' and '${target}' share no history, so there is no merge base`, { detail: { source: req.source, target } });
  const out = (outcome: MergeOutcome, commit: ManifestEntry | undefined | null): MergeResult => ({ source: req.source, target, outcome, actor: req.actor, commit: commit ? commitInfo(commit) : null });
  let result: MergeResult;

  const baseState = (await graph.log.read(baseSeq)).state;
  const unchangedSince = async (snap: Snapshot) =>
    baseSeq === snap.record.seq || (baseState !== null && sameState(snap.state, baseState)) || (await graph.log.onlyRowPreservingSince(snap.record.seq, baseSeq));
  if (await unchangedSince(src)) {
    result = out("already_up_to_date", null);
  } else if (await unchangedSince(tgt)) {
    const writes: Record<string, TableWrite> = {};
    const baseTables = baseState?.tables ?? {};
    for (const k of new Set([...Object.keys(src.state.tables), ...Object.keys(tgt.state.tables)])) {
      const s = src.state.tables[k];
      if (sameTableState(s, tgt.state.tables[k])) continue;
      // A table the source never changed, which the target's maintenance compacted or
      // indexed since the base: the target's state has the same rows; keep it.
      if (s && sameTableState(s, baseTables[k])) continue;
      writes[k] = s ? { adopt: s } : "drop";
    }
    const r = await graph.commit({
      branch: target, kind: "merge", actor: req.actor, base: tgt, writes, mergedParent: src.record.seq, force: true,
      ...(src.state.schema !== tgt.state.schema && src.state.schema !== null ? { schema: src.state.schema } : {}),
      note: { merge: { source: req.source, outcome: "fast_forward" } }, idempotencyKey: req.idempotencyKey, fingerprint: req.fingerprint,
      replay: { source: req.source, target, outcome: "fast_forward", actor: req.actor },
    });
    result = out("fast_forward", r.entry);
  } else {
    result = out("merged", await threeWay(engine, req, src, tgt, baseSeq, target));
  }

  if (req.deleteBranch) {
    try {
      await graph.deleteBranch(req.source, { actor: req.actor });
      result.branchDeleted = true;
    } catch (e) {
      result.branchDeleted = false;
      result.branchDeleteError = (e as Error).message;
    }
  }
  return result;
}

async function threeWay(engine: GraphEngine, req: { source: string; actor: string | null; idempotencyKey?: string | undefined; fingerprint?: string | undefined }, src: Snapshot, tgt: Snapshot, baseSeq: number, target: string): Promise<ManifestEntry | undefined> {
  const graph = engine.graph;
  const base = await graph.snapshot({ commit: (await graph.log.read(baseSeq)).commitId });
  const [cBase, cSrc, cTgt] = await Promise.all([engine.catalogOf(base), engine.catalogOf(src), engine.catalogOf(tgt)]);
  let merged: Catalog;
  let schema: string | undefined;
  if (src.state.schema === tgt.state.schema || src.state.schema === base.state.schema) merged = cTgt;
  else if (tgt.state.schema === base.state.schema) {
    merged = cSrc;
    schema = src.state.schema ?? undefined;
  } else {
    throw new EngineError("ERR_SCHEMA_UNSUPPORTED_CHANGE", "both branches changed the schema since they diverged; apply one schema to both first", { detail: { source: req.source, target } });
  }

  const ws = new WorkingSet(merged, new SnapshotReader(tgt));
  const conflicts: MergeConflict[] = [];
  for (const t of [...merged.nodes, ...merged.edges]) {
    const k = keyOf(t);
    const [b, s] = [base.state.tables[k], src.state.tables[k]];
    if (sameTableState(s, b)) continue; // the source did not touch this table
    const [bRows, sRows, tRows] = await Promise.all([rowsAt(base, cBase, t.id, t), rowsAt(src, cSrc, t.id, t), rowsAt(tgt, cTgt, t.id, t)]);
    for (const id of new Set([...bRows.keys(), ...sRows.keys()])) {
      const bR = bRows.get(id);
      const sR = sRows.get(id);
      const tR = tRows.get(id);
      const changedInSource = bR ? !sR || !sameRow(bR, sR) : sR !== undefined;
      if (!changedInSource) continue;
      const changedInTarget = bR ? !tR || !sameRow(bR, tR) : tR !== undefined;
      if (changedInTarget) {
        if (sR && tR && sameRow(sR, tR)) continue; // the same change on both sides
        if (!sR && !tR) continue; // deleted on both sides
        const kind: MergeConflictKind = !bR ? "divergent_insert" : sR && tR ? "divergent_update" : "delete_vs_update";
        conflicts.push({ entityKind: t.kind, typeName: t.name, entityId: id, kind, message: `${t.name} '${id}': ${kind.replace(/_/g, " ")} between ${req.source} and ${target}` });
        continue;
      }
      if (sR) ws.upsert(t, sR);
      else ws.delete(t, id);
    }
  }
  if (conflicts.length === 0) {
    for (const v of await findViolations(ws)) {
      if (v.kind === "key_conflict") continue;
      conflicts.push({ entityKind: v.entityKind, typeName: v.typeName, ...(v.entityId ? { entityId: v.entityId } : {}), kind: v.kind, message: v.message });
    }
  }
  if (conflicts.length) throw new MergeConflictError(conflicts);

  const plan = planWrites(ws, tgt);
  const writes: Record<string, TableWrite> = { ...plan.writes };
  // Tables the target keeps from before a source-side schema change get the new columns.
  if (schema !== undefined) {
    for (const t of [...merged.nodes, ...merged.edges]) {
      const k = keyOf(t);
      const own = [...cTgt.nodes, ...cTgt.edges].find((x) => x.id === t.id);
      if (!tgt.state.tables[k] || !own) continue;
      const missing = t.properties.filter((p) => !own.properties.some((q) => q.id === p.id));
      if (missing.length) (plan.writes[k] ??= []).unshift({ kind: "add_columns", fields: missing.map(propertyField) });
      if (plan.writes[k]) writes[k] = plan.writes[k]!;
    }
    // Types the source's schema dropped leave the target too.
    const live = new Set([...merged.nodes, ...merged.edges].map(keyOf));
    for (const k of Object.keys(tgt.state.tables)) if (!live.has(k)) writes[k] = "drop";
  }
  const r = await graph.commit({
    branch: target, kind: "merge", actor: req.actor, base: tgt, writes, reads: plan.reads,
    mergedParent: src.record.seq, force: true, ...(schema !== undefined ? { schema } : {}),
    note: { merge: { source: req.source, outcome: "merged" } }, idempotencyKey: req.idempotencyKey, fingerprint: req.fingerprint,
    replay: { source: req.source, target, outcome: "merged", actor: req.actor },
  });
  return r.entry;
}
