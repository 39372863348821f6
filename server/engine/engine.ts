import { createHash } from "node:crypto";
import type { CommitResult } from "../store/commit.ts";
import type { Graph } from "../store/graph.ts";
import type { ManifestEntry } from "../store/manifest/entry.ts";
import type { Snapshot } from "../store/snapshot.ts";
import type { TableOp } from "../store/tables.ts";
import { commitInfo, type CommitInfo } from "../store/branches.ts";
import { StoreError } from "../store/errors.ts";
import { EngineError } from "./errors.ts";
import { exportNdjson } from "./load/export.ts";
import { mergeBranches, type MergeResult } from "./merge.ts";
import { readLoad, type LoadLimits, type LoadMode } from "./load/load.ts";
import { lenientValues, strictLines } from "./load/ndjson.ts";
import { compileQuery } from "./query/typecheck.ts";
import { bindParams } from "./query/params.ts";
import type { TypedMutation, TypedRead } from "./query/typed.ts";
import type { JsonValue } from "./query/value.ts";
import type { QueryBudget } from "./read/budget.ts";
import { executeRead } from "./read/execute.ts";
import { catalogFromJson, catalogToJson } from "./schema/json.ts";
import { planMigration, unsupportedError } from "./schema/migrate.ts";
import { dataChangeFor, type MigrationStep } from "./schema/steps.ts";
import type { Catalog } from "./schema/catalog.ts";
import { keyOf, propertyField } from "./storage/columns.ts";
import { SnapshotReader } from "./storage/reader.ts";
import { findViolations, throwIfViolated } from "./write/integrity.ts";
import { purgePriorVersions } from "../store/maintenance.ts";
import { hardDropPaths } from "./schema/purge.ts";
import { runMutation } from "./write/mutation.ts";
import { planWrites } from "./write/plan.ts";
import { mutationFingerprint, recordedMutation, runBatch, type BatchMutation, type BatchOutcome } from "./write/batch.ts";
import { assertSameRequest, requestFingerprint } from "../store/fingerprint.ts";
import type { EntryKind } from "../store/manifest/entry.ts";

/** Which field of a write's result the manifest entry decides: its commit or its sequence. */
type ReplayField = "commit" | "manifestVersion";

function recordedOutput(entry: ManifestEntry, field: ReplayField): Record<string, unknown> {
  const recorded = entry.replay ?? { outcome: (entry.note?.merge as { outcome?: string } | undefined)?.outcome, actor: entry.actor };
  return { ...recorded, [field]: field === "commit" ? commitInfo(entry) : entry.seq };
}

/** The result of a commit: the recorded one when the store replayed an earlier request of the same key. */
function replayed<T>(result: CommitResult, output: Record<string, unknown>, field: ReplayField): T {
  if (result.replayed && result.entry) return recordedOutput(result.entry, field) as unknown as T;
  return { ...output, [field]: field === "commit" ? (result.entry ? commitInfo(result.entry) : null) : result.entry!.seq } as unknown as T;
}

/** The catalog of a graph with no schema yet: every query names an unknown type. */
export const EMPTY_CATALOG: Catalog = { format: 1, interfaces: [], nodes: [], edges: [], source: "", nextId: 1 };

export interface Target {
  branch?: string | undefined;
  /** A commit id: read that snapshot instead of the branch head. */
  snapshot?: string | undefined;
}

/** The result of a read query (the HTTP layer maps it to OmniGraph's `ReadOutput`). */
export interface ReadResult {
  queryName: string;
  /** What was read: a branch head, or a pinned commit (the other is null). */
  target: { branch: string | null; snapshot: string | null };
  rowCount: number;
  /** Column names in return order (empty for a query without projections). */
  columns: string[];
  rows: Record<string, JsonValue>[];
  /** The commit the rows were read at (usable as an expected commit for the next write). */
  commitId: string;
}

/** The result of a load (OmniGraph's `IngestOutput` / `GraphBatchLoadOutput`). */
export interface LoadResult {
  /** The graph's storage address (no secrets). */
  uri: string;
  branch: string;
  /** The `from` branch of the request, echoed even when the branch existed. */
  baseBranch: string | null;
  branchCreated: boolean;
  mode: LoadMode;
  nodes: LoadedType[];
  edges: LoadedType[];
  totalEntities: number;
  actor: string | null;
  /** The published commit; null when the input changed nothing. */
  commit: CommitInfo | null;
}

/** Per-type count of a load, sorted by type name. */
export interface LoadedType {
  name: string;
  entitiesLoaded: number;
}

/** The result of a mutation (OmniGraph's `ChangeOutput`). */
export interface MutationResult {
  branch: string;
  queryName: string;
  affectedNodes: number;
  affectedEdges: number;
  actor: string | null;
  /** The published commit; null when the mutation changed nothing. */
  commit: CommitInfo | null;
}

/** The result of a schema apply (OmniGraph's `SchemaApplyOutput`). */
export interface SchemaApplyResult {
  uri: string;
  supported: boolean;
  applied: boolean;
  stepCount: number;
  /** Manifest sequence after the apply (the current one when nothing changed). */
  manifestVersion: number;
  steps: MigrationStep[];
}

/** One dataset of a snapshot (OmniGraph's `SnapshotDatasetOutput`). */
export interface SnapshotDataset {
  entityKind: "node" | "edge";
  typeName: string;
  datasetPath: string;
  version: number;
  entityCount: number;
  /** The Lance branch holding the version; null = Lance main. */
  lanceBranch: string | null;
}

/** A description of one snapshot (OmniGraph's `SnapshotOutput`). */
export interface SnapshotInfo {
  branch: string;
  manifestVersion: number;
  /** Storage-format version of the manifest entry. */
  internalSchemaVersion: number;
  commitId: string;
  datasets: SnapshotDataset[];
}

/** Requests that write take an optional idempotency key (contract 2; the store applies it). */
export interface WriteRequestBase {
  actor: string | null;
  idempotencyKey?: string | undefined;
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

  /** Runs a read query (a mutation is refused with `ERR_MUTATION_IN_READ`: use `mutate`). */
  async query(req: { query: string; name?: string | undefined; params?: unknown; budget?: QueryBudget | undefined } & Target): Promise<ReadResult> {
    const snap = await this.snapshot(req);
    const catalog = await this.catalogOf(snap);
    const q = compileQuery(req.query, catalog, req.name);
    if (q.kind !== "read") throw new EngineError("ERR_MUTATION_IN_READ", `query '${q.name}' is a mutation, not a read`, { detail: { name: q.name } });
    const res = await executeRead(q as TypedRead, catalog, snap, bindParams(q, req.params ?? {}), req.budget);
    return {
      queryName: q.name,
      target: { branch: snap.pinned ? null : snap.branch, snapshot: snap.pinned ? snap.commitId : null },
      rowCount: res.rows.length,
      columns: res.columns,
      rows: res.rows,
      commitId: snap.commitId,
    };
  }

  /** Whether a query source (by name) is a mutation, without running it. */
  async isMutation(req: { query: string; name?: string | undefined } & Target): Promise<boolean> {
    const snap = await this.snapshot(req);
    return compileQuery(req.query, await this.catalogOf(snap), req.name).kind === "mutation";
  }

  /** Describes a snapshot: its branch, manifest version and datasets with their row counts. */
  async describe(target: Target = {}): Promise<SnapshotInfo> {
    const snap = await this.snapshot(target);
    const catalog = await this.catalogOf(snap);
    const reader = new SnapshotReader(snap);
    const datasets: SnapshotDataset[] = [];
    for (const t of [...catalog.nodes, ...catalog.edges]) {
      const st = snap.tableState(keyOf(t));
      if (!st) continue;
      datasets.push({ entityKind: t.kind, typeName: t.name, datasetPath: st.path, version: st.version, entityCount: reader.count(t), lanceBranch: st.lanceBranch });
    }
    datasets.sort((a, b) => (a.entityKind === b.entityKind ? (a.typeName < b.typeName ? -1 : 1) : a.entityKind === "node" ? -1 : 1));
    return { branch: snap.branch, manifestVersion: snap.seq, internalSchemaVersion: snap.entry.format, commitId: snap.commitId, datasets };
  }

  /**
   * Idempotent writes (`idempotencyKey`): the result recorded with an earlier request
   * of the same key, if it was published. No request once the handle's transaction index
   * is warm; the store re-checks the key when it publishes.
   */
  private async replayOf<T>(key: string | undefined, field: ReplayField, same: { fingerprint: string; kind: EntryKind; branch: string }): Promise<T | undefined> {
    if (key === undefined) return undefined;
    const entry = await this.graph.transactions.byIdempotencyKey(key);
    if (!entry) return undefined;
    assertSameRequest(entry, key, same); // ERR_IDEMPOTENCY_KEY_REUSED for another request
    // A key published inside a group-commit batch: that member's own result.
    if (field === "commit" && entry.kind === "commit") {
      const member = recordedMutation(entry, key);
      if (member) return member as T;
    }
    return recordedOutput(entry, field) as T;
  }

  /** Runs a mutation query as exactly one commit (or none, when it changes nothing). */
  async mutate(req: WriteRequestBase & { query: string; name?: string | undefined; params?: unknown; branch?: string | undefined; expectCommit?: string | undefined }): Promise<MutationResult> {
    const branch = req.branch ?? "main";
    const fingerprint = req.idempotencyKey === undefined ? undefined : mutationFingerprint(req);
    const prior = fingerprint && (await this.replayOf<MutationResult>(req.idempotencyKey, "commit", { fingerprint, kind: "commit", branch }));
    if (prior) return prior;
    const snap = await this.graph.snapshot({ branch, forWrite: true });
    const catalog = await this.catalogOf(snap);
    const q = compileQuery(req.query, catalog, req.name);
    if (q.kind !== "mutation") throw new EngineError("ERR_READ_IN_MUTATION", `query '${q.name}' is a read, not a mutation`, { detail: { name: q.name } });
    const params = bindParams(q, req.params ?? {});
    const reader = new SnapshotReader(snap);
    const ws = await runMutation(q as TypedMutation, catalog, reader, params);
    throwIfViolated(await findViolations(ws));
    await ws.resolveNewIds();
    const plan = planWrites(ws, snap);
    const output = { branch, queryName: q.name, affectedNodes: plan.affectedNodes, affectedEdges: plan.affectedEdges, actor: req.actor };
    const result = await this.graph.commit({
      branch, kind: "commit", actor: req.actor, base: snap, writes: plan.writes, reads: plan.reads, expectCommit: req.expectCommit,
      idempotencyKey: req.idempotencyKey, fingerprint, replay: output,
    });
    return replayed<MutationResult>(result, output, "commit");
  }

  /**
   * Runs several mutations as one commit (group commit): see {@link runBatch}. Each
   * request gets its own outcome; the successful ones share one manifest entry.
   */
  mutateBatch(req: { branch?: string | undefined; items: BatchMutation[] }): Promise<BatchOutcome[]> {
    return runBatch(this, req.branch ?? "main", req.items);
  }

  /**
   * Loads NDJSON into a branch as one commit (or none when the input is empty). With
   * `from`, a missing branch is first created from `from`.
   */
  async load(req: WriteRequestBase & {
    input: AsyncIterable<Uint8Array | string> | string;
    branch?: string | undefined;
    from?: string | undefined;
    mode?: LoadMode | undefined;
    strict: boolean;
    limits?: LoadLimits | undefined;
  }): Promise<LoadResult> {
    const branch = req.branch ?? "main";
    const mode = req.mode ?? "merge";
    // With a key, the body is hashed as it streams: the fingerprint covers the input bytes.
    const hashed = req.idempotencyKey === undefined ? undefined : hashingInput(req.input);
    const fingerprintOf = () => requestFingerprint("load", { branch, from: req.from ?? null, mode, strict: req.strict, input: hashed!.digest() });
    if (hashed && (await this.graph.transactions.byIdempotencyKey(req.idempotencyKey!))) {
      for await (const _ of hashed.input) { /* drain: the replay check needs the whole body's hash */ }
      const prior = await this.replayOf<LoadResult>(req.idempotencyKey, "commit", { fingerprint: fingerprintOf(), kind: "load", branch });
      if (prior) return prior;
    }
    let branchCreated = false;
    const exists = (await this.graph.listBranches()).some((b) => b.name === branch);
    if (!exists) {
      if (req.from === undefined) throw new StoreError("ERR_BRANCH_NOT_FOUND", `branch '${branch}' not found; pass 'from' to create it`, { branch });
      await this.graph.createBranch(branch, { from: req.from, actor: req.actor });
      branchCreated = true;
    }
    const snap = await this.graph.snapshot({ branch, forWrite: true });
    const catalog = await this.catalogOf(snap);
    const input = hashed ? hashed.input : req.input;
    const items = req.strict ? strictLines(input) : lenientValues(input);
    const summary = await readLoad(items, catalog, snap, { mode, strict: req.strict, ...(req.limits ? { limits: req.limits } : {}) });
    throwIfViolated(await findViolations(summary.ws));
    await summary.ws.resolveNewIds();
    const plan = planWrites(summary.ws, snap);
    const output = {
      uri: this.graph.loc.description(), branch, baseBranch: req.from ?? null, branchCreated, mode,
      nodes: summary.nodes, edges: summary.edges, totalEntities: summary.total, actor: req.actor,
    };
    const fingerprint = hashed ? fingerprintOf() : undefined;
    const result = await this.graph.commit({ branch, kind: "load", actor: req.actor, base: snap, writes: plan.writes, reads: plan.reads, idempotencyKey: req.idempotencyKey, fingerprint, replay: output });
    return replayed<LoadResult>(result, output, "commit");
  }

  /** Merges `source` into `target` (default `main`): see {@link mergeBranches}. */
  async merge(req: WriteRequestBase & { source: string; target?: string | undefined; deleteBranch?: boolean | undefined }): Promise<MergeResult> {
    const target = req.target ?? "main";
    const fingerprint = requestFingerprint("merge", { source: req.source, target, deleteBranch: req.deleteBranch ?? false });
    return (await this.replayOf<MergeResult>(req.idempotencyKey, "commit", { fingerprint, kind: "merge", branch: target })) ?? mergeBranches(this, { ...req, ...(req.idempotencyKey !== undefined ? { fingerprint } : {}) });
  }

  /** NDJSON export of a snapshot, streamed: node types, then edge types, rows by id. */
  export(snap: Snapshot, catalog: Catalog, typeNames?: string[]): AsyncIterable<string> {
    return exportNdjson(snap, catalog, typeNames);
  }

  /**
   * Applies a new schema to `main` (or `branch`) as one commit: plans the migration,
   * refuses unsupported changes before any write, then adds/drops columns and
   * datasets and stores the new catalog. Drops are soft (earlier snapshots still read
   * the data); with `allowDataLoss` they are hard: the prior versions are purged.
   */
  async applySchema(req: WriteRequestBase & { source: string; allowDataLoss?: boolean | undefined; branch?: string | undefined }): Promise<SchemaApplyResult> {
    const branch = req.branch ?? "main";
    const fingerprint = req.idempotencyKey === undefined ? undefined : requestFingerprint("schema_apply", { branch, source: req.source, allowDataLoss: req.allowDataLoss ?? false });
    const prior = fingerprint && (await this.replayOf<SchemaApplyResult>(req.idempotencyKey, "manifestVersion", { fingerprint, kind: "schema", branch }));
    if (prior) return prior;
    const snap = await this.graph.snapshot({ branch, forWrite: true });
    const current = snap.schemaHash ? await this.catalogOf(snap) : undefined;
    const reader = new SnapshotReader(snap);
    const plan = planMigration(current, req.source, {
      allowDataLoss: req.allowDataLoss ?? false,
      rowCounts: (typeId) => {
        const t = current && [...current.nodes, ...current.edges].find((x) => x.id === typeId);
        return t ? reader.count(t) : 0;
      },
    });
    if (!plan.supported) throw unsupportedError(plan);
    const base = { uri: this.graph.loc.description(), supported: true, stepCount: plan.steps.length, steps: plan.steps };
    if (plan.steps.length === 0) return { ...base, applied: false, manifestVersion: snap.seq };
    const writes = this.dataChanges(plan.steps, plan.catalog, current, snap);
    const hash = await this.graph.putSchema(catalogToJson(plan.catalog));
    const output = { ...base, applied: true };
    const result = await this.graph.commit({ branch, kind: "schema", actor: req.actor, base: snap, writes, schema: hash, idempotencyKey: req.idempotencyKey, fingerprint, replay: output });
    this.catalogs.set(hash, plan.catalog);
    if (!result.replayed) {
      const purged = hardDropPaths(plan.steps, current, snap);
      if (purged.length) await purgePriorVersions(this.graph, purged);
    }
    return replayed<SchemaApplyResult>(result, output, "manifestVersion");
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

/** Passes a load body through unchanged while hashing its bytes (SHA-256). */
function hashingInput(input: AsyncIterable<Uint8Array | string> | string): { input: AsyncIterable<Uint8Array | string>; digest(): string } {
  const h = createHash("sha256");
  let hex: string | undefined;
  async function* pass(): AsyncIterable<Uint8Array | string> {
    if (typeof input === "string") {
      h.update(input);
      yield input;
      return;
    }
    for await (const chunk of input) {
      h.update(chunk);
      yield chunk;
    }
  }
  return { input: pass(), digest: () => (hex ??= h.digest("hex")) };
}
