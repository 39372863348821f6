import type { CommitResult } from "../store/commit.ts";
import type { Graph } from "../store/graph.ts";
import type { ManifestEntry } from "../store/manifest/entry.ts";
import type { Snapshot } from "../store/snapshot.ts";
import type { TableOp } from "../store/tables.ts";
import { StoreError } from "../store/errors.ts";
import { EngineError } from "./errors.ts";
import { exportNdjson } from "./load/export.ts";
import { mergeBranches, type BranchMergeOutput } from "./merge.ts";
import { readLoad, type LoadLimits, type LoadMode } from "./load/load.ts";
import { lenientValues, strictLines } from "./load/ndjson.ts";
import { compileQuery } from "./query/typecheck.ts";
import { bindParams } from "./query/params.ts";
import type { TypedMutation, TypedRead } from "./query/typed.ts";
import type { JsonValue } from "./query/value.ts";
import { executeRead } from "./read/execute.ts";
import { catalogFromJson, catalogToJson } from "./schema/json.ts";
import { planMigration, unsupportedError } from "./schema/migrate.ts";
import { dataChangeFor, type MigrationStep } from "./schema/steps.ts";
import type { Catalog } from "./schema/catalog.ts";
import { keyOf, propertyField } from "./storage/columns.ts";
import { SnapshotReader } from "./storage/reader.ts";
import { findViolations, throwIfViolated } from "./write/integrity.ts";
import { runMutation } from "./write/mutation.ts";
import { planWrites } from "./write/plan.ts";

/** Which field of a write's response the manifest entry decides: its commit id or its sequence. */
type ReplayField = "commit" | "graph_manifest_version";

function recordedOutput(entry: ManifestEntry, field: ReplayField): Record<string, unknown> {
  const recorded = entry.replay ?? { outcome: (entry.note?.merge as { outcome?: string } | undefined)?.outcome, actor_id: entry.actor };
  return { ...recorded, [field]: field === "commit" ? entry.commitId : entry.seq };
}

/** The response of a commit: the recorded one when the store replayed an earlier request of the same key. */
function replayed<T>(result: CommitResult, output: Record<string, unknown>, field: ReplayField): T {
  if (result.replayed && result.entry) return recordedOutput(result.entry, field) as unknown as T;
  return { ...output, [field]: field === "commit" ? (result.entry?.commitId ?? null) : result.entry!.seq } as unknown as T;
}

/** The catalog of a graph with no schema yet: every query names an unknown type. */
export const EMPTY_CATALOG: Catalog = { format: 1, interfaces: [], nodes: [], edges: [], source: "", nextId: 1 };

export interface Target {
  branch?: string | undefined;
  /** A commit id: read that snapshot instead of the branch head. */
  snapshot?: string | undefined;
}

/** `ReadOutput` of the contract. */
export interface ReadOutput {
  query_name: string;
  target: { branch: string | null; snapshot: string | null };
  row_count: number;
  columns?: string[];
  rows: Record<string, JsonValue>[];
  graph_commit_id: string;
}

/** `IngestOutput` of the contract. */
export interface IngestOutput {
  uri: string;
  branch: string;
  base_branch?: string;
  branch_created: boolean;
  mode: LoadMode;
  nodes: { name: string; entities_loaded: number }[];
  edges: { name: string; entities_loaded: number }[];
  total_entities: number;
  actor_id: string | null;
  commit: string | null;
}

/** `ChangeOutput` of the contract (`commit` is null when nothing changed). */
export interface ChangeOutput {
  branch: string;
  query_name: string;
  affected_nodes: number;
  affected_edges: number;
  actor_id: string | null;
  commit: string | null;
}

export interface SchemaApplyOutput {
  uri: string;
  supported: boolean;
  applied: boolean;
  step_count: number;
  graph_manifest_version: number;
  steps: Record<string, unknown>[];
}

function snakeCase(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}

/**
 * The graph engine over one open graph: `.pg` schema apply, `.gq` reads and
 * mutations, NDJSON load and export, merge. No HTTP here: the server calls these
 * and maps typed errors to status codes.
 */
export class GraphEngine {
  private readonly catalogs = new Map<string, Catalog>();

  constructor(readonly graph: Graph) {}

  /** The snapshot a request reads: a pinned commit, or a branch head (default `main`). */
  async snapshot(target: Target = {}): Promise<Snapshot> {
    if (target.snapshot !== undefined && target.branch !== undefined) {
      throw new EngineError("ERR_PARAM", "`branch` and `snapshot` are mutually exclusive; send one of them");
    }
    return target.snapshot !== undefined ? this.graph.snapshot({ commit: target.snapshot }) : this.graph.snapshot({ branch: target.branch ?? "main" });
  }

  async catalogOf(snap: Snapshot): Promise<Catalog> {
    const hash = snap.schemaHash;
    if (!hash) return EMPTY_CATALOG;
    let c = this.catalogs.get(hash);
    if (!c) {
      c = catalogFromJson(await this.graph.getSchema(hash));
      this.catalogs.set(hash, c);
    }
    return c;
  }

  async schemaSource(target: Target = {}): Promise<string> {
    return (await this.catalogOf(await this.snapshot(target))).source;
  }

  /** Runs a read query (a mutation is refused: use `mutate`). */
  async query(req: { query: string; name?: string | undefined; params?: unknown } & Target): Promise<ReadOutput> {
    const snap = await this.snapshot(req);
    const catalog = await this.catalogOf(snap);
    const q = compileQuery(req.query, catalog, req.name);
    if (q.kind !== "read") throw new EngineError("ERR_MUTATION_IN_READ", `query '${q.name}' is a mutation; send it to /mutate`);
    const res = await executeRead(q as TypedRead, catalog, snap, bindParams(q, req.params ?? {}));
    return {
      query_name: q.name,
      target: { branch: snap.pinned ? null : snap.branch, snapshot: snap.pinned ? snap.commitId : null },
      row_count: res.rows.length,
      ...(res.columns.length ? { columns: res.columns } : {}),
      rows: res.rows,
      graph_commit_id: snap.commitId,
    };
  }

  /**
   * Idempotent writes (`idempotencyKey`): the response recorded with an earlier request
   * of the same key, if it was published. No request once the handle's transaction index
   * is warm; the store re-checks the key when it publishes.
   */
  private async replayOf<T>(key: string | undefined, field: ReplayField): Promise<T | undefined> {
    if (key === undefined) return undefined;
    const entry = await this.graph.transactions.byIdempotencyKey(key);
    return entry ? (recordedOutput(entry, field) as T) : undefined;
  }

  /** Runs a mutation query as exactly one commit (or none, when it changes nothing). */
  async mutate(req: { query: string; name?: string | undefined; params?: unknown; branch?: string | undefined; actor: string | null; expectCommit?: string | undefined; idempotencyKey?: string | undefined }): Promise<ChangeOutput> {
    const prior = await this.replayOf<ChangeOutput>(req.idempotencyKey, "commit");
    if (prior) return prior;
    const branch = req.branch ?? "main";
    const snap = await this.graph.snapshot({ branch });
    const catalog = await this.catalogOf(snap);
    const q = compileQuery(req.query, catalog, req.name);
    if (q.kind !== "mutation") throw new EngineError("ERR_TYPE", `query '${q.name}' is a read; send it to /query`);
    const params = bindParams(q, req.params ?? {});
    const reader = new SnapshotReader(snap);
    const ws = await runMutation(q as TypedMutation, catalog, reader, params);
    throwIfViolated(await findViolations(ws));
    const plan = planWrites(ws, snap);
    const output = { branch, query_name: q.name, affected_nodes: plan.affectedNodes, affected_edges: plan.affectedEdges, actor_id: req.actor };
    const result = await this.graph.commit({
      branch, kind: "commit", actor: req.actor, base: snap, writes: plan.writes, reads: plan.reads, expectCommit: req.expectCommit,
      idempotencyKey: req.idempotencyKey, replay: output,
    });
    return replayed<ChangeOutput>(result, output, "commit");
  }

  /**
   * Loads NDJSON into a branch as one commit (or none when the input is empty). With
   * `from`, a missing branch is first created from `from`.
   */
  async load(req: {
    input: AsyncIterable<Uint8Array | string> | string;
    branch?: string | undefined;
    from?: string | undefined;
    mode?: LoadMode | undefined;
    strict: boolean;
    actor: string | null;
    limits?: LoadLimits | undefined;
    idempotencyKey?: string | undefined;
  }): Promise<IngestOutput> {
    const prior = await this.replayOf<IngestOutput>(req.idempotencyKey, "commit");
    if (prior) return prior;
    const branch = req.branch ?? "main";
    const mode = req.mode ?? "merge";
    let branchCreated = false;
    const exists = (await this.graph.listBranches()).some((b) => b.name === branch);
    if (!exists) {
      if (req.from === undefined) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${branch}' not found; pass 'from' to create it`, { branch });
      await this.graph.createBranch(branch, { from: req.from, actor: req.actor });
      branchCreated = true;
    }
    const snap = await this.graph.snapshot({ branch });
    const catalog = await this.catalogOf(snap);
    const items = req.strict ? strictLines(req.input) : lenientValues(req.input);
    const summary = await readLoad(items, catalog, snap, { mode, strict: req.strict, ...(req.limits ? { limits: req.limits } : {}) });
    throwIfViolated(await findViolations(summary.ws));
    const plan = planWrites(summary.ws, snap);
    const output = {
      uri: this.graph.loc.description(), branch, ...(req.from !== undefined ? { base_branch: req.from } : {}), branch_created: branchCreated, mode,
      nodes: summary.nodes, edges: summary.edges, total_entities: summary.total, actor_id: req.actor,
    };
    const result = await this.graph.commit({ branch, kind: "load", actor: req.actor, base: snap, writes: plan.writes, reads: plan.reads, idempotencyKey: req.idempotencyKey, replay: output });
    return replayed<IngestOutput>(result, output, "commit");
  }

  /** Merges `source` into `target` (default `main`): see {@link mergeBranches}. */
  async merge(req: { source: string; target?: string; actor: string | null; deleteBranch?: boolean; idempotencyKey?: string | undefined }): Promise<BranchMergeOutput> {
    return (await this.replayOf<BranchMergeOutput>(req.idempotencyKey, "commit")) ?? mergeBranches(this, req);
  }

  /** NDJSON export of a snapshot, streamed: node types, then edge types, rows by id. */
  export(snap: Snapshot, catalog: Catalog, typeNames?: string[]): AsyncIterable<string> {
    return exportNdjson(snap, catalog, typeNames);
  }

  /**
   * Applies a new schema to `main` (or `branch`) as one commit: plans the migration,
   * refuses unsupported changes and (without `allowDataLoss`) drops before any write,
   * then adds/drops columns and datasets and stores the new catalog.
   */
  async applySchema(req: { source: string; allowDataLoss?: boolean; branch?: string; actor: string | null; idempotencyKey?: string | undefined }): Promise<SchemaApplyOutput> {
    const prior = await this.replayOf<SchemaApplyOutput>(req.idempotencyKey, "graph_manifest_version");
    if (prior) return prior;
    const branch = req.branch ?? "main";
    const snap = await this.graph.snapshot({ branch });
    const current = snap.schemaHash ? await this.catalogOf(snap) : undefined;
    const reader = new SnapshotReader(snap);
    const plan = planMigration(current, req.source, {
      allowDataLoss: req.allowDataLoss ?? false,
      rowCounts: (typeId) => {
        const t = current && [...current.nodes, ...current.edges].find((x) => x.id === typeId);
        return t ? reader.count(t) : 0;
      },
    });
    const steps = plan.steps.map((s) => snakeCase(s as unknown as Record<string, unknown>));
    if (!plan.supported) throw unsupportedError(plan);
    const base = { uri: this.graph.loc.description(), supported: true, step_count: plan.steps.length, steps };
    if (plan.steps.length === 0) return { ...base, applied: false, graph_manifest_version: snap.seq };
    const writes = this.dataChanges(plan.steps, plan.catalog, current, snap);
    const hash = await this.graph.putSchema(catalogToJson(plan.catalog));
    const output = { ...base, applied: true };
    const result = await this.graph.commit({ branch, kind: "schema", actor: req.actor, base: snap, writes, schema: hash, idempotencyKey: req.idempotencyKey, replay: output });
    this.catalogs.set(hash, plan.catalog);
    return replayed<SchemaApplyOutput>(result, output, "graph_manifest_version");
  }

  private dataChanges(steps: MigrationStep[], next: Catalog, current: Catalog | undefined, snap: Snapshot): Record<string, TableOp[] | "drop"> {
    const writes: Record<string, TableOp[] | "drop"> = {};
    const typeById = (c: Catalog | undefined, id: string) => c && [...c.nodes, ...c.edges].find((t) => t.id === id);
    for (const step of steps) {
      const change = dataChangeFor(step);
      if (!change) continue;
      const t = typeById(next, change.typeId) ?? typeById(current, change.typeId);
      if (!t) continue;
      const key = keyOf(t);
      const exists = snap.tableState(key) !== undefined;
      if (change.kind === "drop_dataset") {
        if (exists) writes[key] = "drop";
        continue;
      }
      // New types get their dataset on first write; columns of types without data need nothing.
      if (!exists || change.kind === "create_dataset") continue;
      const ops = (writes[key] ??= []) as TableOp[];
      if (change.kind === "add_column") {
        const p = t.properties.find((x) => x.id === change.columnId)!;
        ops.push({ kind: "add_columns", fields: [propertyField(p)] });
      } else if (change.kind === "drop_column") {
        ops.push({ kind: "drop_columns", names: [change.columnId] });
      } else if (change.kind === "build_index") {
        const col = change.columns[0]!;
        const p = t.properties.find((x) => x.id === col);
        if (change.columns.length === 1 && (!p || p.type.kind === "scalar" || p.type.kind === "enum")) ops.push({ kind: "create_index", column: col, index: "btree" });
      }
    }
    for (const [k, v] of Object.entries(writes)) if (Array.isArray(v) && v.length === 0) delete writes[k];
    return writes;
  }
}
