/**
 * Pure mappings from the engine's camelCase domain results to OmniGraph's snake_case
 * contract JSON. The HTTP routes and the CLI (direct mode) both print through these,
 * so a served and a direct command print identical JSON.
 */
import type { LoadResult, MutationResult, ReadResult, SchemaApplyResult, SnapshotInfo } from "../../engine/engine.ts";
import type { MergeConflict, MergeResult } from "../../engine/merge.ts";
import type { MigrationStep } from "../../engine/schema/steps.ts";
import type { BranchInfo, CommitInfo } from "../../store/branches.ts";
import type {
  BranchCreateOutput,
  BranchDeleteOutput,
  BranchListOutput,
  BranchMergeOutput,
  ChangeOutput,
  CommitListOutput,
  CommitOutput,
  GraphBatchLoadOutput,
  IngestOutput,
  LegacyReadOutput,
  ReadOutput,
  SchemaApplyOutput,
  SchemaOutput,
  SnapshotOutput,
} from "./schemas.ts";

/** `ReadOutput` (`columns` omitted when empty, as OmniGraph does). */
export function toReadOutput(r: ReadResult): ReadOutput {
  return {
    query_name: r.queryName,
    target: { branch: r.target.branch, snapshot: r.target.snapshot },
    row_count: r.rowCount,
    ...(r.columns.length ? { columns: r.columns } : {}),
    rows: r.rows,
    graph_commit_id: r.commitId,
  };
}

/** `LegacyReadOutput` of the deprecated `/read`: `ReadOutput` without `graph_commit_id`. */
export function toLegacyReadOutput(r: ReadResult): LegacyReadOutput {
  const { graph_commit_id: _omitted, ...legacy } = toReadOutput(r);
  return legacy;
}

export function toCommitOutput(c: CommitInfo): CommitOutput {
  return {
    graph_commit_id: c.commitId,
    graph_branch: c.branch,
    graph_manifest_version: c.seq,
    parent_commit_id: c.parentCommitId,
    merged_parent_commit_id: c.mergedParentCommitId,
    actor_id: c.actor,
    created_at: c.timeUs,
  };
}

export function toCommitListOutput(commits: CommitInfo[]): CommitListOutput {
  return { commits: commits.map(toCommitOutput) };
}

export function toChangeOutput(r: MutationResult): ChangeOutput {
  return {
    branch: r.branch,
    query_name: r.queryName,
    affected_nodes: r.affectedNodes,
    affected_edges: r.affectedEdges,
    actor_id: r.actor,
    commit: r.commit ? toCommitOutput(r.commit) : null,
  };
}

/** `GraphBatchLoadOutput` (`/load/ndjson`): `IngestOutput` without `uri`. */
export function toGraphBatchLoadOutput(r: LoadResult): GraphBatchLoadOutput {
  return {
    branch: r.branch,
    base_branch: r.baseBranch,
    branch_created: r.branchCreated,
    mode: r.mode,
    nodes: r.nodes.map((n) => ({ name: n.name, entities_loaded: n.entitiesLoaded })),
    edges: r.edges.map((n) => ({ name: n.name, entities_loaded: n.entitiesLoaded })),
    total_entities: r.totalEntities,
    actor_id: r.actor,
    commit: r.commit ? toCommitOutput(r.commit) : null,
  };
}

/** `IngestOutput` (`/load`, `/ingest`). */
export function toIngestOutput(r: LoadResult): IngestOutput {
  return { uri: r.uri, ...toGraphBatchLoadOutput(r) };
}

export function toBranchMergeOutput(r: MergeResult): BranchMergeOutput {
  return {
    source: r.source,
    target: r.target,
    outcome: r.outcome,
    actor_id: r.actor,
    ...(r.branchDeleted !== undefined ? { branch_deleted: r.branchDeleted } : {}),
    ...(r.branchDeleteError !== undefined ? { branch_delete_error: r.branchDeleteError } : {}),
  };
}

/** `merge_conflicts[]` items of the error body. */
export function toMergeConflictOutput(c: MergeConflict): { entity_kind: "node" | "edge"; type_name: string; entity_id?: string; kind: MergeConflict["kind"]; message: string } {
  return { entity_kind: c.entityKind, type_name: c.typeName, ...(c.entityId !== undefined ? { entity_id: c.entityId } : {}), kind: c.kind, message: c.message };
}

function snakeKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}

/** A migration step as `SchemaApplyOutput.steps[]` shows it (top-level keys in snake_case). */
export function toStepOutput(s: MigrationStep): Record<string, unknown> {
  return snakeKeys(s);
}

export function toSchemaApplyOutput(r: SchemaApplyResult): SchemaApplyOutput {
  return {
    uri: r.uri,
    supported: r.supported,
    applied: r.applied,
    step_count: r.stepCount,
    graph_manifest_version: r.manifestVersion,
    steps: r.steps.map(toStepOutput),
  };
}

export function toSnapshotOutput(s: SnapshotInfo): SnapshotOutput {
  return {
    graph_branch: s.branch,
    graph_manifest_version: s.manifestVersion,
    internal_schema_version: s.internalSchemaVersion,
    datasets: s.datasets.map((d) => ({
      entity_kind: d.entityKind,
      type_name: d.typeName,
      dataset_path: d.datasetPath,
      published_dataset_version: d.version,
      entity_count: d.entityCount,
      ...(d.lanceBranch !== null ? { native_dataset_branch: d.lanceBranch } : {}),
    })),
  };
}

export function toSchemaOutput(source: string): SchemaOutput {
  return { schema_source: source };
}

/** `{branches: [...]}`, sorted by name. */
export function toBranchListOutput(branches: BranchInfo[]): BranchListOutput {
  return { branches: branches.map((b) => b.name).sort() };
}

export function toBranchCreateOutput(uri: string, name: string, from: string, actor: string | null): BranchCreateOutput {
  return { uri, from, name, actor_id: actor };
}

export function toBranchDeleteOutput(uri: string, name: string, actor: string | null): BranchDeleteOutput {
  return { uri, name, actor_id: actor };
}
