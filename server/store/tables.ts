import * as lancedb from "@lancedb/lancedb";
import { randomBytes } from "node:crypto";
import type { ArrowField, ArrowSchema, ArrowTable } from "./arrow.ts";
import { ManifestConflict, StoreError } from "./errors.ts";
import type { GraphLocation } from "./layout.ts";
import type { TableState } from "./manifest/entry.ts";

/**
 * One Lance commit on a table. Every op the store runs produces exactly one new Lance
 * version (docs/design/lance-facts.md, Q1) except `compact`, so a transaction knows the
 * version each op must yield and detects any interleaved commit by another writer.
 */
export type TableOp =
  | { kind: "create"; schema: ArrowSchema }
  | { kind: "add"; data: ArrowTable }
  | { kind: "overwrite"; data: ArrowTable }
  | { kind: "merge_insert"; on: string[]; data: ArrowTable }
  | { kind: "delete"; where: string }
  | { kind: "update"; where: string; valuesSql: Record<string, string> }
  | { kind: "add_columns"; fields: ArrowField[] }
  | { kind: "drop_columns"; names: string[] }
  | { kind: "create_index"; column: string; index: "btree" | "bitmap" | "label_list" | "ivf_flat" }
  | { kind: "compact" };

/** Handles pinned at a version are immutable views, so they are shared by every reader. */
const READ_HANDLES_MAX = 512;

/** Thrown when a Lance commit landed on a different version than this transaction built on. */
export class LanceInterleaved extends ManifestConflict {}

export function tableNameOf(path: string): string {
  return path.replace(/^data\//, "").replace(/\.lance$/, "");
}

/** A dataset path no other creation can collide with (type ids may be reused by failed applies). */
export function newDatasetPath(tableKey: string): string {
  return `data/${tableKey.replace(":", "_")}-${randomBytes(4).toString("hex")}.lance`;
}

/**
 * Lance branch names allow only [A-Za-z0-9._-]; one fresh name per fork, carrying its
 * creation time so garbage collection never removes a fork an in-flight transaction
 * is still writing (it only deletes unreferenced forks older than the retention).
 */
export function newLanceBranchName(graphBranchId: string, nowMs = Date.now()): string {
  return `g-${graphBranchId}-${nowMs.toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** Creation time (ms) encoded in a Lance branch name made by {@link newLanceBranchName}. */
export function lanceBranchCreatedMs(name: string): number | undefined {
  const m = /^g-[^-]+-([0-9a-z]+)-[0-9a-f]{6}$/.exec(name);
  return m ? parseInt(m[1]!, 36) : undefined;
}

/**
 * Lance access for one graph: a connection, a cache of read handles pinned at
 * (dataset, Lance branch, version), and writable handles that apply ops with the
 * version-density check that makes concurrent writers safe.
 */
export class LanceTables {
  private conn: Promise<lancedb.Connection> | undefined;
  private readonly readHandles = new Map<string, Promise<lancedb.Table>>();
  private readonly writeHandles = new Map<string, { table: lancedb.Table; version: number }>();

  constructor(readonly loc: GraphLocation) {}

  db(): Promise<lancedb.Connection> {
    this.conn ??= (async () => {
      const { uri, storageOptions } = this.loc.lance();
      return lancedb.connect(uri, { storageOptions });
    })();
    return this.conn;
  }

  /** A read-only handle at exactly the state's version. Cached; never re-reads "latest". */
  async read(state: TableState): Promise<lancedb.Table> {
    const key = `${state.path}|${state.lanceBranch ?? ""}|${state.version}`;
    let h = this.readHandles.get(key);
    if (!h) {
      if (this.readHandles.size >= READ_HANDLES_MAX) this.readHandles.delete(this.readHandles.keys().next().value!);
      h = this.db().then((db) =>
        db.openTable(tableNameOf(state.path), undefined, {
          ...(state.lanceBranch ? { branch: state.lanceBranch } : {}),
          version: state.version,
        }));
      h.catch(() => this.readHandles.delete(key));
      this.readHandles.set(key, h);
    } else {
      this.readHandles.delete(key); // LRU: move to the back
      this.readHandles.set(key, h);
    }
    try {
      return await h;
    } catch (e) {
      const what = `open ${state.path}@${state.lanceBranch ?? "main"}:${state.version}`;
      if (/was not found|Not found/.test((e as Error)?.message ?? "")) {
        throw new StoreError("ERR_SNAPSHOT_EXPIRED", `${what}: that version has been cleaned up (older than the retention and not pinned)`, { path: state.path, version: state.version }, e);
      }
      throw lanceError(what, e);
    }
  }

  /**
   * Applies `ops` to a table on behalf of graph branch `owner` and returns the table's
   * new state. `base` is the table's state in the transaction's snapshot (undefined for
   * a table created by this transaction). The result's content is exactly `base` plus
   * `ops`: if any op lands on a version other than the next one, another writer
   * interleaved, and this throws {@link LanceInterleaved} (a manifest conflict).
   */
  async apply(tableKey: string, base: TableState | undefined, owner: string, ops: TableOp[]): Promise<TableState> {
    const first = ops[0];
    let table: lancedb.Table;
    let version: number;
    let path: string;
    let lanceBranch: string | null;
    let rest = ops;
    if (!base) {
      if (first?.kind !== "create") throw new StoreError("ERR_TABLE_NOT_FOUND", `table ${tableKey} does not exist on this branch`, { table: tableKey });
      path = newDatasetPath(tableKey);
      const db = await this.db();
      table = await guard(`create ${path}`, () => db.createEmptyTable(tableNameOf(path), first.schema, { mode: "create" }));
      version = await table.version();
      lanceBranch = null;
      rest = ops.slice(1);
    } else if (base.owner === owner) {
      path = base.path;
      lanceBranch = base.lanceBranch;
      ({ table, version } = await this.writableAt(base));
    } else {
      // Lazy fork: the first write to this table on this graph branch forks only this
      // table, as a Lance branch at the inherited version (no data copied).
      path = base.path;
      lanceBranch = newLanceBranchName(owner);
      // Branch refs are per dataset: the pinned read handle (usually cached from the
      // transaction's reads) can create the fork.
      const branches = await (await this.read(base)).branches();
      table = await guard(`fork ${path} → ${lanceBranch}`, () => branches.create(lanceBranch!, base.lanceBranch ?? undefined, base.version));
      version = base.version;
    }
    const handleKey = `${path}|${lanceBranch ?? ""}`;
    try {
      for (const op of rest) {
        const got = await this.runOp(tableKey, table, op, version);
        if (op.kind === "compact" ? got < version : got !== version + 1) {
          throw new LanceInterleaved(tableKey, version + 1, got, `another writer committed to ${tableKey} while this transaction was writing it (expected Lance version ${version + 1}, got ${got}); retry`);
        }
        version = got;
      }
    } catch (e) {
      // After any failed op the handle may sit on a version we did not choose (a rebased
      // commit); never reuse it: the next transaction opens a fresh one.
      this.writeHandles.delete(handleKey);
      throw e;
    }
    this.writeHandles.set(handleKey, { table, version });
    const rows = await guard(`count ${path}`, () => table.countRows());
    return { path, version, lanceBranch, owner, rows };
  }

  /**
   * A writable handle whose latest version is `base.version`. Fast path: the cached
   * handle we last wrote with is at that version. Otherwise look at Lance's latest and,
   * if uncommitted versions sit on top (a failed or crashed transaction), restore.
   */
  private async writableAt(base: TableState): Promise<{ table: lancedb.Table; version: number }> {
    const h = await this.writable(base.path, base.lanceBranch);
    // Fast path only when the handle itself (a local read, no request) agrees.
    if (h.version === base.version && (await h.table.version()) === base.version) return h;
    await guard(`checkout latest ${base.path}`, () => h.table.checkoutLatest());
    h.version = await h.table.version();
    if (h.version === base.version) return h;
    await guard(`restore ${base.path} to ${base.version}`, async () => {
      await h.table.checkout(base.version);
      await h.table.restore();
    });
    h.version = await h.table.version();
    return h;
  }

  private async writable(path: string, lanceBranch: string | null): Promise<{ table: lancedb.Table; version: number }> {
    const key = `${path}|${lanceBranch ?? ""}`;
    const cached = this.writeHandles.get(key);
    if (cached) return cached;
    const db = await this.db();
    const table = await guard(`open ${path}`, () =>
      db.openTable(tableNameOf(path), undefined, lanceBranch ? { branch: lanceBranch } : {}));
    const h = { table, version: await table.version() };
    this.writeHandles.set(key, h);
    return h;
  }

  private async runOp(tableKey: string, table: lancedb.Table, op: TableOp, before: number): Promise<number> {
    const what = `${op.kind} on ${tableKey}`;
    return guard(what, async () => {
      switch (op.kind) {
        case "create":
          throw new StoreError("ERR_LANCE", `${tableKey} already exists`, { table: tableKey });
        case "add":
          return (await table.add(op.data)).version;
        case "overwrite":
          return (await table.add(op.data, { mode: "overwrite" })).version;
        case "merge_insert":
          return (await table.mergeInsert(op.on).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(op.data)).version;
        case "delete":
          return (await table.delete(op.where)).version;
        case "update":
          return (await table.update({ where: op.where, valuesSql: op.valuesSql })).version;
        case "add_columns":
          return (await table.addColumns(op.fields)).version;
        case "drop_columns":
          return (await table.dropColumns(op.names)).version;
        case "create_index": {
          const config = {
            btree: lancedb.Index.btree(),
            bitmap: lancedb.Index.bitmap(),
            label_list: lancedb.Index.labelList(),
            ivf_flat: lancedb.Index.ivfFlat(),
          }[op.index];
          await table.createIndex(op.column, { config, replace: true });
          return table.version();
        }
        case "compact": {
          // Keep every old version: cleanup is a separate, reference-aware job.
          // Compaction may take several Lance commits, so density cannot be checked
          // version by version; an interleaved append or delete changes the row count.
          const rowsBefore = await table.countRows();
          await table.optimize({ cleanupOlderThan: new Date(0) });
          if ((await table.countRows()) !== rowsBefore) {
            throw new LanceInterleaved(tableKey, before, await table.version(), `another writer committed to ${tableKey} during compaction; retry later`);
          }
          return table.version();
        }
      }
    });
  }

  /**
   * Makes Lance's latest version of a table equal its committed state (recovery):
   * uncommitted versions on top are superseded by a restore of the committed one.
   * Idempotent: does nothing when latest already is the committed version.
   */
  async restoreLatest(state: TableState): Promise<boolean> {
    const h = await this.writable(state.path, state.lanceBranch);
    await guard(`checkout latest ${state.path}`, () => h.table.checkoutLatest());
    const latest = await h.table.version();
    if (latest === state.version) {
      h.version = latest;
      return false;
    }
    await guard(`restore ${state.path} to ${state.version}`, async () => {
      await h.table.checkout(state.version);
      await h.table.restore();
    });
    h.version = await h.table.version();
    return true;
  }

  /** Drops cached handles (tests and scale-to-zero). */
  close(): void {
    this.readHandles.clear();
    this.writeHandles.clear();
    this.conn = undefined;
  }
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw lanceError(what, e);
  }
}

function lanceError(what: string, e: unknown): StoreError {
  const msg = (e as Error)?.message ?? String(e);
  // Lance reports a lost optimistic-concurrency race as a commit conflict.
  if (/conflict|Retryable commit|preempted/i.test(msg)) {
    return new ManifestConflict(what, null, null, `Lance refused ${what} because of a concurrent commit: ${msg.split("\n")[0]}`);
  }
  return new StoreError("ERR_LANCE", `Lance failed to ${what}: ${msg.split("\n")[0]}`, { operation: what }, e);
}
