import * as lancedb from "@lancedb/lancedb";
import { randomBytes } from "node:crypto";
import type { ArrowField, ArrowSchema, ArrowTable } from "./arrow.ts";
import { Unavailable } from "../../drivers/errors.ts";
import { ManifestConflict, StoreError } from "./errors.ts";
import type { GraphLocation } from "./layout.ts";
import { sameTableState, type TableState } from "./manifest/entry.ts";
import { TableKeySets, type IdEffect } from "./key-sets.ts";

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
  /** `ids`: the row ids the filter selects, when it is exactly an id list (keeps the key set current). */
  | { kind: "delete"; where: string; ids?: string[] }
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
 * A table's lazy fork: a Lance branch of the inherited line at the inherited version
 * (no data copied), made before the transaction's first op on it. Nothing references
 * it until the transaction's entry is published; an abandoned one is garbage-collected
 * after the retention (its name carries its creation time, {@link newLanceBranchName}).
 */
export interface LanceFork {
  /** The inherited state it was forked from. */
  base: TableState;
  lanceBranch: string;
  /** Writable handle on the fork; its latest version is `base.version`. */
  table: lancedb.Table;
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
  /** One handle per dataset that later versions of any of its lines are checked out from ({@link openAt}). */
  private readonly anchors = new Map<string, Promise<lancedb.Table>>();
  /** Which ids each table holds at the version this handle last wrote or loaded (key-sets.ts). */
  readonly keySets = new TableKeySets();

  constructor(readonly loc: GraphLocation) {}

  /**
   * Which of `ids` exist in the table at exactly `state`'s version. From the key set
   * when this handle holds one for that version (no request); else, when the table's
   * row count fits the key-set bound, one projected scan of `id` builds it; else a query
   * on `id` (the btree, where maintenance built one; `IN` lists, or one projected scan
   * for many ids).
   */
  async existingIds(state: TableState, ids: Iterable<string>): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    const found = new Set<string>();
    if (wanted.length === 0) return found;
    let set = this.keySets.lookup(state);
    if (!set && this.keySets.fits(state)) {
      set = await this.scanIds(state);
      this.keySets.put(state, set);
    }
    if (set) {
      for (const id of wanted) if (set.has(id)) found.add(id);
      return found;
    }
    if (wanted.length > ID_QUERY_MAX) {
      const all = await this.scanIds(state);
      for (const id of wanted) if (all.has(id)) found.add(id);
      return found;
    }
    const table = await this.read(state);
    for (let i = 0; i < wanted.length; i += ID_QUERY_CHUNK) {
      const list = wanted.slice(i, i + ID_QUERY_CHUNK).map((id) => `'${id.replace(/'/g, "''")}'`).join(", ");
      const rows = await guard(`look up ids in ${state.path}`, () => table.query().where(`id IN (${list})`).select(["id"]).toArray());
      for (const r of rows) found.add(String((r as { id: unknown }).id));
    }
    return found;
  }

  private async scanIds(state: TableState): Promise<Set<string>> {
    const table = await this.read(state);
    const ids = new Set<string>();
    await guard(`scan ids of ${state.path}`, async () => {
      for await (const batch of table.query().select(["id"])) {
        const col = batch.getChild("id")!;
        for (let i = 0; i < batch.numRows; i++) ids.add(String(col.get(i)));
      }
    });
    return ids;
  }

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
      h = this.openAt(state);
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
   * Opens a read-only handle pinned at `state`. With a handle of the same dataset
   * already open in this process, a checkout through it (`branches().checkout`) costs one
   * HEAD of the version's manifest (plus its GET when the session has not seen it; the
   * handle that wrote a version has) instead of `openTable`'s LIST of `_versions/` + GET
   * of the latest manifest + HEAD, all sequential (docs/design/lance-facts.md, Q13).
   * Every commit makes a new version, so a warm reader pays this once per write.
   */
  private async openAt(state: TableState): Promise<lancedb.Table> {
    const anchor = this.writeHandles.get(`${state.path}|${state.lanceBranch ?? ""}`)?.table ?? (await this.anchors.get(state.path)?.catch(() => undefined));
    if (anchor?.isOpen()) return (await anchor.branches()).checkout(state.lanceBranch ?? "main", state.version);
    const db = await this.db();
    const opened = db.openTable(tableNameOf(state.path), undefined, {
      ...(state.lanceBranch ? { branch: state.lanceBranch } : {}),
      version: state.version,
    });
    if (!this.anchors.has(state.path)) {
      this.anchors.set(state.path, opened);
      opened.catch(() => this.anchors.delete(state.path));
    }
    return opened;
  }

  /**
   * Applies `ops` to a table on behalf of graph branch `owner` and returns the table's
   * new state. `base` is the table's state in the transaction's snapshot (undefined for
   * a table created by this transaction). The result's content is exactly `base` plus
   * `ops`: if any op lands on a version other than the next one, another writer
   * interleaved, and this throws {@link LanceInterleaved} (a manifest conflict).
   */
  async apply(tableKey: string, base: TableState | undefined, owner: string, ops: TableOp[], fork?: LanceFork): Promise<TableState> {
    // One Lance writer per table line in this process: data commits and maintenance on
    // the same table never interleave here (other processes are caught by the checks).
    if (!base || base.owner !== owner) return this.applyUnlocked(tableKey, base, owner, ops, fork); // a new table or a fresh fork: nobody else writes it
    return withTableLock(this.lineLockKey(base.path, base.lanceBranch), () => this.applyUnlocked(tableKey, base, owner, ops));
  }

  /** Does writing `base` on behalf of graph branch `owner` fork it first (a table the branch inherits)? */
  static forks(base: TableState | undefined, owner: string): base is TableState {
    return base !== undefined && base.owner !== owner;
  }

  /**
   * The lazy fork of a table graph branch `owner` inherits (`base`, owned by another
   * branch): a Lance branch at the inherited version, from the pinned read handle (usually
   * cached from the transaction's reads; branch refs are per dataset). LanceDB 0.31's
   * `branches.create` is 9 requests in sequence (docs/design/write-path.md, "The lazy
   * fork"), so the commit starts it with the sidecar create rather than after it. It
   * commits nothing on any line an entry references: abandoned, it is an orphan that
   * garbage collection reclaims after the retention.
   */
  async fork(tableKey: string, base: TableState, owner: string): Promise<LanceFork> {
    const lanceBranch = newLanceBranchName(owner);
    const branches = await (await this.read(base)).branches();
    const table = await guard(`fork ${base.path} → ${lanceBranch}`, () => branches.create(lanceBranch, base.lanceBranch ?? undefined, base.version));
    return { base, lanceBranch, table };
  }

  /**
   * Forgets the cached write handle of a Lance line: something outside `apply` moved
   * its Lance latest (version cleanup's `optimize` also compacts and commits), so the
   * next write must take the checked path (checkout latest, restore the committed
   * version) instead of the fast path that trusts the handle's version.
   */
  forgetWriteHandle(path: string, lanceBranch: string | null): void {
    this.writeHandles.delete(`${path}|${lanceBranch ?? ""}`);
  }

  /** The process-wide lock key of a Lance line of this graph. */
  lineLockKey(path: string, lanceBranch: string | null): string {
    return `${this.loc.description()}|${path}|${lanceBranch ?? ""}`;
  }

  private async applyUnlocked(tableKey: string, base: TableState | undefined, owner: string, ops: TableOp[], prepared?: LanceFork): Promise<TableState> {
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
      if (first.schema.fields.some((f) => f.name === "id")) this.keySets.put({ path, lanceBranch, version, owner, rows: 0 }, new Set());
    } else if (base.owner === owner) {
      path = base.path;
      lanceBranch = base.lanceBranch;
      ({ table, version } = await this.writableAt(base));
      // A restore (uncommitted versions of a failed writer on top) made a new version with
      // exactly the committed version's rows: the key set of that version holds for it.
      if (version !== base.version) this.keySets.advance(path, lanceBranch, base.version, version, "same");
    } else {
      // Lazy fork: the first write to this table on this graph branch forks only this
      // table, as a Lance branch at the inherited version (no data copied). The commit
      // usually started it already, beside the sidecar create (`fork`).
      if (prepared && !sameTableState(prepared.base, base)) throw new StoreError("ERR_LANCE", `fork of ${tableKey} was made from ${prepared.base.path}@${prepared.base.lanceBranch ?? "main"}:${prepared.base.version}, not the transaction's base`, { table: tableKey });
      const fork = prepared ?? (await this.fork(tableKey, base, owner));
      path = base.path;
      lanceBranch = fork.lanceBranch;
      table = fork.table;
      version = base.version;
      // The fork holds exactly the inherited version's rows: so does its key set.
      const inherited = this.keySets.lookup(base);
      if (inherited) this.keySets.put({ ...base, lanceBranch }, new Set(inherited));
      if (base.lanceBranch !== null) {
        // A fork of a fork. Lance 8.0 resolves the indexes the parent line inherited from
        // ITS parent under the parent's `tree/` (lance-facts §12: "… not found"), so every
        // read and merge_insert that uses them fails on the new line. Drop what it
        // inherited (a manifest-only commit each; the content is unchanged): it scans flat
        // until maintenance rebuilds the indexes in the new line's own tree.
        const names = (await guard(`list indexes of ${path}@${lanceBranch}`, () => table.listIndices())).map((ix) => ix.name);
        for (const name of names) await guard(`drop inherited index ${name} of ${path}@${lanceBranch}`, () => table.dropIndex(name));
        if (names.length > 0) {
          const got = await table.version();
          if (got !== version + names.length) throw new LanceInterleaved(tableKey, version + names.length, got, `another writer committed to the new fork of ${tableKey} (expected Lance version ${version + names.length}, got ${got}); retry`);
          this.keySets.advance(path, lanceBranch, version, got, "same");
          version = got;
        }
      }
    }
    const handleKey = `${path}|${lanceBranch ?? ""}`;
    try {
      for (const op of rest) {
        const got = await this.runOp(tableKey, table, op, version);
        // Maintenance ops may add several versions; their content is verified in runOp.
        if (op.kind === "compact" || op.kind === "create_index" ? got < version : got !== version + 1) {
          throw new LanceInterleaved(tableKey, version + 1, got, `another writer committed to ${tableKey} while this transaction was writing it (expected Lance version ${version + 1}, got ${got}); retry`);
        }
        this.keySets.advance(path, lanceBranch, version, got, idEffectOf(op));
        version = got;
      }
    } catch (e) {
      // After any failed op the handle may sit on a version we did not choose (a rebased
      // commit); never reuse it: the next transaction opens a fresh one.
      this.writeHandles.delete(handleKey);
      this.keySets.drop(path, lanceBranch);
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
        case "create_index":
        case "compact": {
          // Compaction takes several Lance commits (ReserveFragments then Rewrite), and Lance
          // rebases them over any data commit that lands in between — an update or an
          // upsert keeps the row count, so neither version density nor counts can tell. It
          // must not change content at all, so the proof is the content itself: the
          // multiset of rows before and after must be identical (an O(table) scan, the same
          // order as the rewrite). This catches any foreign writer, also one in another
          // process that lost its lease; in-process writers are kept out by the table lock
          // (`apply`). An index build is ONE Lance commit (q1/q10) instead: landing exactly
          // on before+1 means nothing interleaved (a foreign commit would have pushed it to
          // before+2 or later), so its content is `before`'s — proven by the version alone,
          // without the two O(table) scans (the after-commit index refresh runs every few
          // commits). Anything else is treated as interleaved: nothing is published, a
          // later run retries.
          const digestBefore = op.kind === "compact" ? await contentDigest(table) : undefined;
          if (op.kind === "compact") {
            // Keep every old version: cleanup is a separate, reference-aware job.
            await table.optimize({ cleanupOlderThan: new Date(0) });
          } else {
            const config = {
              btree: lancedb.Index.btree(),
              bitmap: lancedb.Index.bitmap(),
              label_list: lancedb.Index.labelList(),
              ivf_flat: lancedb.Index.ivfFlat(),
            }[op.index];
            await table.createIndex(op.column, { config, replace: true });
          }
          const got = await table.version();
          if (op.kind === "create_index") {
            if (got === before + 1) return got;
            throw new LanceInterleaved(tableKey, before + 1, got, `another writer committed to ${tableKey} during an index build (expected Lance version ${before + 1}, got ${got}); nothing was published; retry later`);
          }
          if (got !== before && (await contentDigest(table)) !== digestBefore) {
            throw new LanceInterleaved(tableKey, before, got, `another writer committed to ${tableKey} during compaction (the result's rows differ from version ${before}); nothing was published; retry later`);
          }
          return got;
        }
      }
    });
  }

  /**
   * Version cleanup of a Lance line that a live graph branch writes in place (`base` is
   * its committed state there), under the line's lock. LanceDB 0.31's JS API has no
   * cleanup-only call: `optimize` also compacts (and may optimize indices), committing
   * versions of its own. So this is a maintenance op like `compact`: the content digest
   * before and after must match (anything else is a foreign writer: abort), and the
   * caller must publish the returned state (`publish`, run while the lock is still held,
   * so no data commit of this process lands in between). `committed` reads the line's
   * committed state inside the lock (undefined: it moved away, nothing to do); `cutoff`
   * picks the cleanup cutoff from the line's versions. Returns the published state
   * (undefined when Lance committed nothing) and the number of versions removed.
   */
  async cleanupLine(
    tableKey: string, line: { path: string; lanceBranch: string | null }, committed: () => Promise<TableState | undefined>,
    cutoff: (versions: lancedb.Version[]) => Date, publish: (state: TableState) => Promise<void>,
  ): Promise<{ state: TableState | undefined; versionsRemoved: number } | undefined> {
    return withTableLock(this.lineLockKey(line.path, line.lanceBranch), async () => {
      const base = await committed();
      if (!base || base.path !== line.path || base.lanceBranch !== line.lanceBranch) return undefined;
      const h = await this.writableAt(base);
      const before = h.version;
      const { stats, got } = await guard(`clean up ${base.path}`, async () => {
        const when = cutoff(await h.table.listVersions());
        const digestBefore = await contentDigest(h.table);
        const stats = await h.table.optimize({ cleanupOlderThan: when });
        const got = await h.table.version();
        if (got !== before && (await contentDigest(h.table)) !== digestBefore) {
          this.writeHandles.delete(`${base.path}|${base.lanceBranch ?? ""}`);
          throw new LanceInterleaved(tableKey, before, got, `another writer committed to ${tableKey} during version cleanup (the result's rows differ from version ${before}); nothing was published; retry later`);
        }
        return { stats, got };
      });
      h.version = got;
      if (got === base.version) return { state: undefined, versionsRemoved: stats.prune.oldVersionsRemoved };
      const rows = await guard(`count ${base.path}`, () => h.table.countRows());
      const state: TableState = { ...base, version: got, rows };
      await publish(state);
      return { state, versionsRemoved: stats.prune.oldVersionsRemoved };
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
    this.keySets.clear();
    this.readHandles.clear();
    this.writeHandles.clear();
    this.anchors.clear();
    this.conn = undefined;
  }
}

/** Ids per `IN` list of an existence query; above {@link ID_QUERY_MAX} ids one projected scan is cheaper. */
const ID_QUERY_CHUNK = 512;
const ID_QUERY_MAX = 4096;

/** What an op does to the set of ids of its table (key-sets.ts). */
function idEffectOf(op: TableOp): IdEffect {
  switch (op.kind) {
    case "add":
    case "merge_insert": {
      const col = op.data.getChild("id");
      if (!col) return "unknown";
      const ids: string[] = [];
      for (let i = 0; i < op.data.numRows; i++) ids.push(String(col.get(i)));
      return { add: ids };
    }
    case "delete":
      return op.ids ? { remove: op.ids } : "unknown";
    case "update":
      return "id" in op.valuesSql ? "unknown" : "same";
    case "add_columns":
    case "drop_columns":
    case "create_index":
    case "compact":
      return "same";
    default:
      return "unknown";
  }
}

const tableLocks = new Map<string, Promise<unknown>>();

/**
 * Lines written by a transaction of this process whose publish has not settled yet
 * (line lock key → settles when that transaction published or failed). See
 * {@link claimLines}.
 */
const unsettledLines = new Map<string, Promise<void>>();

/**
 * Claims Lance lines (their {@link LanceTables.lineLockKey}s) for one transaction, from
 * before its first write until its publish settles. Returns a promise to wait for
 * when another transaction of this process holds any of them (then call again: the
 * caller re-checks what the settled transaction changed first), or, when all are
 * free, claims them at once (synchronously: no two callers can both see them free)
 * and returns the release function. Two transactions that write the same line from
 * the same base can never both publish, so overlapping them only leaves the loser's
 * Lance versions for the next writer to restore over; claimed this way, the later
 * one sees the winner's entry before writing anything and fails fast.
 */
export function claimLines(keys: string[]): { wait: Promise<void> } | { release: () => void } {
  const busy = keys.map((k) => unsettledLines.get(k)).filter((p): p is Promise<void> => p !== undefined);
  if (busy.length > 0) return { wait: Promise.all(busy).then(() => undefined) };
  let release!: () => void;
  const settled = new Promise<void>((r) => (release = r));
  for (const k of keys) unsettledLines.set(k, settled);
  return {
    release: () => {
      for (const k of keys) if (unsettledLines.get(k) === settled) unsettledLines.delete(k);
      release();
    },
  };
}

/** Runs `fn` with the process-wide lock of one Lance line (FIFO per key). */
export async function withTableLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = tableLocks.get(key) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(fn);
  const tail = run.catch(() => undefined);
  tableLocks.set(key, tail);
  try {
    return await run;
  } finally {
    if (tableLocks.get(key) === tail) tableLocks.delete(key);
  }
}

/**
 * An order-independent digest of a table's rows at the handle's version: the row count
 * and two independent 32-bit sums (mod 2^32) of per-row hashes of the row's values. Not
 * cryptographic: it detects another writer's change, not an adversary (~2^-64 to miss).
 */
export async function contentDigest(table: lancedb.Table): Promise<string> {
  let a = 0;
  let b = 0;
  let count = 0;
  for await (const batch of table.query()) {
    const cols = batch.schema.fields.map((f) => batch.getChild(f.name)!);
    for (let i = 0; i < batch.numRows; i++) {
      let h1 = 0x811c9dc5;
      let h2 = 0x9747b28c;
      for (let c = 0; c < cols.length; c++) {
        const text = `${c}:${stableValue(cols[c]!.get(i))}|`;
        for (let k = 0; k < text.length; k++) {
          const ch = text.charCodeAt(k);
          h1 = Math.imul(h1 ^ ch, 0x01000193);
          h2 = Math.imul(h2 ^ ch, 0x5bd1e995);
          h2 ^= h2 >>> 15;
        }
      }
      a = (a + (h1 >>> 0)) >>> 0;
      b = (b + (h2 >>> 0)) >>> 0;
      count++;
    }
  }
  return `${count}:${a.toString(16)}:${b.toString(16)}`;
}

function stableValue(v: unknown): string {
  if (v === null || v === undefined) return "∅";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (typeof v === "object" && v !== null && "toJSON" in v && typeof (v as { toJSON: unknown }).toJSON === "function") return JSON.stringify((v as { toJSON(): unknown }).toJSON(), (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
  return JSON.stringify(v);
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw lanceError(what, e);
  }
}

function lanceError(what: string, e: unknown): StoreError | Unavailable {
  const msg = (e as Error)?.message ?? String(e);
  // Lance reports a lost optimistic-concurrency race as a commit conflict.
  if (/conflict|Retryable commit|preempted|Incompatible transaction/i.test(msg)) {
    return new ManifestConflict(what, null, null, `Lance refused ${what} because of a concurrent commit: ${msg.split("\n")[0]}`);
  }
  // The object store was down or throttling past Lance's own retries: a retryable
  // outage of the store (503), not a Lance failure (500). The op did not complete, so
  // the transaction is a definite failure (its sidecar is still staged).
  if (/SlowDown|Service Unavailable|Too Many Requests|Request Timeout|timed out|connection (?:reset|refused|closed)|error sending request/i.test(msg)) {
    return new Unavailable(`the object store failed while Lance tried to ${what}; retry`, { status: "lance", cause: e });
  }
  return new StoreError("ERR_LANCE", `Lance failed to ${what}: ${msg.split("\n")[0]}`, { operation: what }, e);
}
