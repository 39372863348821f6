import type * as lancedb from "@lancedb/lancedb";
import { isStoreError, StoreError } from "./errors.ts";
import type { Snapshot } from "./snapshot.ts";
import type { Graph } from "./graph.ts";
import type { TableState } from "./manifest/entry.ts";
import { listSidecars } from "./sidecar.ts";
import { lanceBranchCreatedMs, tableNameOf, type TableOp } from "./tables.ts";

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

/**
 * Builds (or rebuilds, covering every fragment) btree indexes on several columns of a
 * branch's table in ONE maintenance commit (one Lance version per column). No data is
 * rewritten: the cost is reading those columns of every fragment.
 */
export async function refreshIndexes(graph: Graph, branch: string, table: string, columns: string[]): Promise<{ committed: boolean; version: number | undefined }> {
  return maintenanceCommit(graph, branch, table, columns.map((column) => ({ kind: "create_index", column, index: "btree" })));
}

async function maintenanceCommit(graph: Graph, branch: string, table: string, ops: TableOp[]): Promise<{ committed: boolean; version: number | undefined }> {
  const base = await graph.snapshot({ branch, forWrite: true });
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
  lines: {
    path: string;
    lanceBranch: string | null;
    cutoff: string;
    versionsRemoved: number;
    /** The version a maintenance entry published (Lance's optimize also compacted), if any. */
    published?: number;
  }[];
  /** Referenced lines no live branch writes in place: left alone (see {@link cleanupVersions}). */
  skipped: { path: string; lanceBranch: string | null; reason: string }[];
}

/**
 * Removes Lance versions older than the retention window from every Lance line
 * (dataset × Lance branch) the graph references, but never a version something
 * references: Lance removes versions by time, so the cutoff is the earlier of
 * `now - retention` and the oldest referenced version's timestamp. (Lance also keeps
 * the latest version and every branch's fork point.)
 *
 * Never outside the manifest: LanceDB's only cleanup call (`optimize`) also compacts and
 * commits, so each line is cleaned through the branch that writes it in place, as a
 * verified maintenance commit (content digest, the line's lock, a published
 * `maintenance` entry when Lance committed a version — `LanceTables.cleanupLine`).
 * A referenced line that no live branch writes in place (only pinned snapshots, older
 * entries or another branch's inherited state point at it) has no branch to publish
 * its compaction, so it is skipped; its versions go when garbage collection drops it.
 */
export async function cleanupVersions(graph: Graph, opts: { retentionMs?: number; now?: number; marginMs?: number } = {}): Promise<CleanupReport> {
  graph.assertWritable();
  const retention = opts.retentionMs ?? DEFAULT_RETENTION_MS;
  const now = opts.now ?? Date.now();
  const margin = opts.marginMs ?? DEFAULT_CUTOFF_MARGIN_MS;
  const refs = await referencedTables(graph);
  const byLine = new Map<string, { path: string; lanceBranch: string | null; versions: Set<number> }>();
  for (const t of refs) {
    const k = lineKey(t.path, t.lanceBranch);
    const line = byLine.get(k) ?? byLine.set(k, { path: t.path, lanceBranch: t.lanceBranch, versions: new Set() }).get(k)!;
    line.versions.add(t.version);
  }
  const writers = await inPlaceWriters(graph);
  const report: CleanupReport = { lines: [], skipped: [] };
  for (const [k, line] of byLine) {
    const w = writers.get(k);
    if (!w) {
      report.skipped.push({ path: line.path, lanceBranch: line.lanceBranch, reason: "no live branch writes this line in place" });
      continue;
    }
    let cutoffIso = "";
    const out = await cleanLine(graph, line, w, (versions) => {
      const oldestRef = Math.min(...versions.filter((v) => line.versions.has(v.version)).map((v) => v.timestamp.getTime()));
      // Lance compares version timestamps coarsely: keep a margin below the oldest reference.
      const cutoff = Math.min(now - retention, Number.isFinite(oldestRef) ? oldestRef - margin : now - retention);
      cutoffIso = new Date(cutoff).toISOString();
      return new Date(cutoff);
    }, report.skipped);
    if (out === null) continue;
    if (!out) {
      report.skipped.push({ path: line.path, lanceBranch: line.lanceBranch, reason: "the branch moved to another line meanwhile" });
      continue;
    }
    report.lines.push({ path: line.path, lanceBranch: line.lanceBranch, cutoff: cutoffIso, versionsRemoved: out.versionsRemoved, ...(out.state ? { published: out.state.version } : {}) });
  }
  return report;
}

/** Who writes each Lance line in place: a live branch whose head state owns it (line key → branch, table). */
async function inPlaceWriters(graph: Graph): Promise<Map<string, { branch: string; table: string }>> {
  const writers = new Map<string, { branch: string; table: string }>();
  const head = await graph.log.head();
  for (const name of Object.keys(head?.branches ?? {})) {
    const view = await graph.log.branch(head!, name);
    if (!view) continue;
    for (const [table, st] of Object.entries(view.state.tables)) {
      if (st.owner === view.record.id) writers.set(lineKey(st.path, st.lanceBranch), { branch: name, table });
    }
  }
  return writers;
}

/**
 * Version cleanup of one line through the branch `w` that writes it in place: Lance's
 * optimize under the line's lock, content-verified, and a published maintenance entry
 * when Lance committed a version (`LanceTables.cleanupLine`). Null when it could not
 * publish (a conflict: recorded in `skipped`), undefined when the line moved meanwhile.
 */
async function cleanLine(
  graph: Graph, line: { path: string; lanceBranch: string | null }, w: { branch: string; table: string }, cutoff: (versions: lancedb.Version[]) => Date,
  skipped: CleanupReport["skipped"],
): Promise<{ state: TableState | undefined; versionsRemoved: number } | undefined | null> {
  let base: Snapshot | undefined;
  return graph.tables.cleanupLine(w.table, line, async () => {
    base = await graph.snapshot({ branch: w.branch });
    return base.tableState(w.table);
  }, cutoff, async (state) => {
    // Publish what Lance committed (compaction rows identical, verified), still under the
    // line's lock: the read set is the table alone, like any maintenance commit.
    await graph.commit({ branch: w.branch, kind: "maintenance", actor: MAINTENANCE_ACTOR, base: base!, writes: { [w.table]: { adopt: state } }, reads: [w.table], note: { maintenance: ["cleanup"] } });
  }).catch((e) => {
    // A foreign writer interleaved (digest) or the branch moved before the publish:
    // nothing was published (the next writer restores over Lance's unpublished version).
    if (isStoreError(e, "ERR_MANIFEST_CONFLICT") || isStoreError(e, "ERR_READ_SET_CONFLICT")) {
      skipped.push({ path: line.path, lanceBranch: line.lanceBranch, reason: `${e.code}: ${e.message}` });
      return null;
    }
    throw e;
  });
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
  const writers = await inPlaceWriters(graph);
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
      const cutoff = (versions: lancedb.Version[]) => {
        const referenced = versions.filter((v) => line.versions.has(v.version)).map((v) => v.timestamp.getTime());
        return new Date(referenced.length ? Math.min(...referenced) - margin : 0);
      };
      const w = writers.get(lineKey(path, line.lanceBranch));
      if (w) {
        // Through the verified, published path (see cleanupVersions).
        const out = await cleanLine(graph, { path, lanceBranch: line.lanceBranch }, w, cutoff, []);
        if (out !== null && out !== undefined) continue;
      }
      // No live branch writes this line in place, so no branch can read its latest: what
      // optimize compacts there is never read (the data-loss promise still needs the purge).
      const table = await db.openTable(tableNameOf(path), undefined, line.lanceBranch ? { branch: line.lanceBranch } : {});
      await table.optimize({ cleanupOlderThan: cutoff(await table.listVersions()) });
    }
  }
}
