import type * as lancedb from "@lancedb/lancedb";
import { StoreError } from "./errors.ts";
import type { Graph } from "./graph.ts";
import type { TableState } from "./manifest/entry.ts";
import { listSidecars } from "./sidecar.ts";
import { lanceBranchCreatedMs, tableNameOf, withTableLock, type TableOp } from "./tables.ts";

/** Actor of maintenance commits. */
export const MAINTENANCE_ACTOR = "omnigraph:maintenance";

/** Default retention of old Lance versions (snapshots by commit id older than this may expire). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Safety margin between the cleanup cutoff and the oldest referenced version. Lance
 * judges a version's age by when its manifest was written, which trails the timestamp
 * `listVersions` reports by the commit's duration (measured: tens of ms on fs, more on
 * a slow object store), so a cutoff just below that timestamp can remove the version.
 */
export const DEFAULT_CUTOFF_MARGIN_MS = 60_000;

/**
 * Maintenance primitives the worker tier schedules. Each is safe beside live writers:
 * compaction and index builds commit through the manifest protocol (an interleaved
 * writer fails its own density check and retries); cleanup and garbage collection only
 * touch versions, Lance branches and datasets that no live branch, pinned snapshot or
 * in-flight transaction references.
 */

/** Compacts one table of a branch: a maintenance commit with the compacted version. */
export async function compactTable(graph: Graph, branch: string, table: string): Promise<{ committed: boolean; version: number | undefined }> {
  return maintenanceCommit(graph, branch, table, [{ kind: "compact" }]);
}

/** Builds (or replaces) a scalar or vector index on one column of a branch's table. */
export async function buildIndex(graph: Graph, branch: string, table: string, column: string, index: Extract<TableOp, { kind: "create_index" }>["index"]): Promise<{ committed: boolean; version: number | undefined }> {
  return maintenanceCommit(graph, branch, table, [{ kind: "create_index", column, index }]);
}

async function maintenanceCommit(graph: Graph, branch: string, table: string, ops: TableOp[]): Promise<{ committed: boolean; version: number | undefined }> {
  const base = await graph.snapshot({ branch });
  if (!base.tableState(table)) throw new StoreError("ERR_TABLE_NOT_FOUND", `table ${table} is not part of branch ${branch}`, { table });
  // The read set is the table alone: maintenance never conflicts with writes elsewhere.
  const r = await graph.commit({ branch, kind: "maintenance", actor: MAINTENANCE_ACTOR, base, writes: { [table]: ops }, reads: [table], note: { maintenance: ops.map((o) => o.kind) } });
  return { committed: r.changed, version: r.entry?.state?.tables[table]?.version };
}

/** Pins a commit's snapshot so version cleanup keeps its tables readable. */
export async function pinSnapshot(graph: Graph, commitId: string): Promise<void> {
  await graph.readCommit(commitId);
  await graph.loc.store.put(graph.loc.pinKey(commitId), JSON.stringify({ commitId, pinnedUs: Date.now() * 1000 }));
}

export async function unpinSnapshot(graph: Graph, commitId: string): Promise<void> {
  await graph.loc.store.delete(graph.loc.pinKey(commitId));
}

/** Every table state something still needs: live branch heads, pinned snapshots, in-flight transactions. */
export async function referencedTables(graph: Graph): Promise<TableState[]> {
  // Sidecars still waiting for their after-commit delete belong to published
  // transactions: let the chain delete them first, or they would pin what they wrote.
  await graph.drain();
  const out: TableState[] = [];
  const head = await graph.log.head();
  if (head) {
    for (const name of Object.keys(head.branches)) {
      const view = await graph.log.branch(head, name);
      if (view) out.push(...Object.values(view.state.tables));
    }
  }
  for await (const pin of graph.loc.store.list(graph.loc.pinPrefix)) {
    const id = pin.key.slice(graph.loc.pinPrefix.length).replace(/\.json$/, "");
    const e = await graph.readCommit(id).catch(() => undefined);
    if (e?.state) out.push(...Object.values(e.state.tables));
  }
  for (const { sidecar } of await listSidecars(graph.loc)) {
    for (const t of Object.values(sidecar.tables)) {
      if (t.base) out.push(t.base);
      if (t.result) out.push(t.result);
    }
  }
  return out;
}

function lineKey(path: string, lanceBranch: string | null): string {
  return `${path}|${lanceBranch ?? ""}`;
}

export interface CleanupReport {
  lines: { path: string; lanceBranch: string | null; cutoff: string; versionsRemoved: number }[];
}

/**
 * Removes Lance versions older than the retention window from every Lance line
 * (dataset × Lance branch) the graph references, but never a version something
 * references: Lance removes versions by time, so the cutoff is the earlier of
 * `now - retention` and the oldest referenced version's timestamp. (Lance also keeps
 * the latest version and every branch's fork point.)
 */
export async function cleanupVersions(graph: Graph, opts: { retentionMs?: number; now?: number; marginMs?: number } = {}): Promise<CleanupReport> {
  graph.assertWritable();
  const retention = opts.retentionMs ?? DEFAULT_RETENTION_MS;
  const now = opts.now ?? Date.now();
  const refs = await referencedTables(graph);
  const byLine = new Map<string, { path: string; lanceBranch: string | null; versions: Set<number> }>();
  for (const t of refs) {
    const k = lineKey(t.path, t.lanceBranch);
    const line = byLine.get(k) ?? byLine.set(k, { path: t.path, lanceBranch: t.lanceBranch, versions: new Set() }).get(k)!;
    line.versions.add(t.version);
  }
  const report: CleanupReport = { lines: [] };
  const db = await graph.tables.db();
  for (const line of byLine.values()) {
    let table: lancedb.Table;
    try {
      table = await db.openTable(tableNameOf(line.path), undefined, line.lanceBranch ? { branch: line.lanceBranch } : {});
    } catch {
      continue; // created by a transaction that has not written yet
    }
    // Under the table's lock: no commit of this process writes the line meanwhile.
    await withTableLock(graph.tables.lineLockKey(line.path, line.lanceBranch), async () => {
    // The handle was opened before the lock: move it to latest inside it, or Lance's
    // optimize would commit on a stale read version and conflict with our own writes.
    await table.checkoutLatest();
    const versions = await table.listVersions();
    const oldestRef = Math.min(...versions.filter((v) => line.versions.has(v.version)).map((v) => v.timestamp.getTime()));
    // Lance compares version timestamps coarsely: keep a margin below the oldest reference.
    const margin = opts.marginMs ?? DEFAULT_CUTOFF_MARGIN_MS;
    const cutoff = Math.min(now - retention, Number.isFinite(oldestRef) ? oldestRef - margin : now - retention);
    const stats = await table.optimize({ cleanupOlderThan: new Date(cutoff) });
    // LanceDB's optimize also compacts and commits on the line's latest, outside the
    // manifest: the writer's cached handle no longer knows where latest is.
    graph.tables.forgetWriteHandle(line.path, line.lanceBranch);
    report.lines.push({ path: line.path, lanceBranch: line.lanceBranch, cutoff: new Date(cutoff).toISOString(), versionsRemoved: stats.prune.oldVersionsRemoved });
    });
  }
  return report;
}

export interface GcReport {
  lanceBranchesDeleted: string[];
  datasetsDeleted: string[];
}

/**
 * Reclaims storage nothing references any more: Lance branches of deleted graph
 * branches and abandoned forks, and whole datasets of dropped types or failed
 * creations, once older than the retention window. Lance itself refuses to delete a
 * branch another Lance branch was forked from; those are kept.
 */
export async function collectGarbage(graph: Graph, opts: { retentionMs?: number; now?: number } = {}): Promise<GcReport> {
  graph.assertWritable();
  const retention = opts.retentionMs ?? DEFAULT_RETENTION_MS;
  const now = opts.now ?? Date.now();
  const refs = await referencedTables(graph);
  const refPaths = new Set(refs.map((t) => t.path));
  const refLines = new Set(refs.map((t) => lineKey(t.path, t.lanceBranch)));
  const report: GcReport = { lanceBranchesDeleted: [], datasetsDeleted: [] };

  // Datasets (found through Lance, so every store kind works): unreferenced and
  // unchanged for longer than the retention.
  const db = await graph.tables.db();
  for (const name of await db.tableNames()) {
    // Only datasets we created (`newDatasetPath`); LanceDB keeps its own bookkeeping beside them.
    if (!/^(node|edge)_/.test(name)) continue;
    const path = `data/${name}.lance`;
    if (refPaths.has(path)) continue;
    const versions = await (await db.openTable(name)).listVersions();
    const newest = Math.max(...versions.map((v) => v.timestamp.getTime()));
    if (now - newest < retention) continue;
    await db.dropTable(name);
    report.datasetsDeleted.push(path);
  }

  // Lance branches of referenced datasets that no state references.
  for (const path of refPaths) {
    let table: lancedb.Table;
    try {
      table = await db.openTable(tableNameOf(path));
    } catch {
      continue;
    }
    const branches = await table.branches();
    for (const name of Object.keys(await branches.list())) {
      if (refLines.has(lineKey(path, name))) continue;
      const created = lanceBranchCreatedMs(name);
      if (created === undefined || now - created < retention) continue; // maybe an in-flight fork
      try {
        await branches.delete(name);
        report.lanceBranchesDeleted.push(`${path}@${name}`);
      } catch {
        // Another Lance branch was forked from it (Lance refuses): keep it.
      }
    }
  }
  return report;
}

/**
 * What a hard schema drop (`allow_data_loss`) promises: the prior data of `paths`
 * becomes unreachable. A dataset no state references any more (a dropped type) is
 * deleted; on a dataset still in use (a dropped column) every version older than the
 * oldest one a live branch, pinned snapshot or in-flight transaction references is
 * removed, without the retention window. Snapshots by commit id from before the drop
 * then answer `ERR_SNAPSHOT_EXPIRED`.
 */
export async function purgePriorVersions(graph: Graph, paths: Iterable<string>, opts: { marginMs?: number } = {}): Promise<void> {
  graph.assertWritable();
  const margin = opts.marginMs ?? 1;
  const refs = await referencedTables(graph);
  const db = await graph.tables.db();
  for (const path of new Set(paths)) {
    const lines = new Map<string, { lanceBranch: string | null; versions: Set<number> }>();
    for (const t of refs.filter((r) => r.path === path)) {
      const k = lineKey(t.path, t.lanceBranch);
      (lines.get(k) ?? lines.set(k, { lanceBranch: t.lanceBranch, versions: new Set() }).get(k)!).versions.add(t.version);
    }
    if (lines.size === 0) {
      await db.dropTable(tableNameOf(path)).catch(() => undefined); // already gone
      continue;
    }
    for (const line of lines.values()) {
      const table = await db.openTable(tableNameOf(path), undefined, line.lanceBranch ? { branch: line.lanceBranch } : {});
      const referenced = (await table.listVersions()).filter((v) => line.versions.has(v.version)).map((v) => v.timestamp.getTime());
      if (referenced.length === 0) continue;
      await table.optimize({ cleanupOlderThan: new Date(Math.min(...referenced) - margin) });
    }
  }
}
