import { StoreError } from "../../store/errors.ts";
import { EngineError } from "../errors.ts";
import type { Snapshot } from "../../store/snapshot.ts";
import type { QueryBudget } from "../read/budget.ts";
import { fromArrowRow, keyOf, type EntityRow, type GraphType } from "./columns.ts";
import { inList } from "./sql.ts";

/** Ids per `IN (...)` list: keeps each filter small enough for the planner. */
const IN_CHUNK = 512;
/** Above this many ids, one filtered scan beats many IN-list queries. */
const SCAN_INSTEAD_ABOVE = 4096;

/** The streaming face of a LanceDB query: batches, with Lance's own timeout. */
interface BatchStreaming {
  execute(o?: { timeoutMs?: number }): AsyncIterable<{ numRows: number; toArray(): unknown[]; data: { byteLength: number } }>;
}

/**
 * Reads entity rows of one snapshot. Every read names the columns it needs (property
 * names → property ids) and pushes what it can into LanceDB's filter; the caller
 * re-checks rows, so pushdown is an optimisation, never a semantic.
 */
export class SnapshotReader {
  /** Requests made to Lance, by kind (scans, id lookups, edge expansions). */
  readonly stats = { scans: 0, lookups: 0, expansions: 0, rows: 0 };

  /** With a budget, every Lance request gets the remaining time and rows are counted per batch. */
  constructor(readonly snapshot: Snapshot, readonly budget?: QueryBudget) {}

  has(t: GraphType): boolean {
    return this.snapshot.tableState(keyOf(t)) !== undefined;
  }

  /**
   * Which of `ids` exist in the snapshot (existence only, no rows): the writer's key set
   * for the table's version answers without a request; otherwise a query on `id`.
   */
  async existingIds(t: GraphType, ids: Iterable<string>): Promise<Set<string>> {
    if (!this.has(t)) return new Set();
    this.stats.lookups++;
    return this.snapshot.existingIds(keyOf(t), ids);
  }

  /** Row count from the manifest (no Lance request). */
  count(t: GraphType): number {
    return this.snapshot.tableState(keyOf(t))?.rows ?? 0;
  }

  private columns(t: GraphType, props: Set<string> | "all"): string[] {
    const cols = ["id"];
    if (t.kind === "edge") cols.push("src", "dst");
    for (const p of t.properties) if (props === "all" || props.has(p.name)) cols.push(p.id);
    return cols;
  }

  private async run(t: GraphType, where: string | undefined, props: Set<string> | "all", limit?: number): Promise<EntityRow[]> {
    if (!this.has(t)) return [];
    const table = await this.snapshot.table(keyOf(t));
    let q = table.query().select(this.columns(t, props));
    if (where) q = q.where(where);
    if (limit !== undefined) q = q.limit(limit);
    const raw = this.budget ? await lanceQuery(() => this.budgeted(q), t) : await lanceQuery(() => q.toArray(), t);
    this.stats.rows += raw.length;
    return raw.map((r) => fromArrowRow(t, r as Record<string, unknown>));
  }

  /** Streams batches so a row/byte budget stops the scan early and a deadline cancels it in Lance. */
  private async budgeted(q: object): Promise<unknown[]> {
    const budget = this.budget!;
    budget.check();
    const rows: unknown[] = [];
    try {
      const timeoutMs = budget.remainingMs();
      // `execute` is protected in the typings but is the documented streaming entry point.
      const batches = (q as BatchStreaming).execute(timeoutMs !== undefined ? { timeoutMs } : undefined);
      for await (const batch of batches) {
        budget.add(batch.numRows, batch.data.byteLength);
        rows.push(...batch.toArray());
      }
    } catch (e) {
      if (budget.expired && !(e instanceof Error && "budget" in e)) throw budget.timeError();
      throw e;
    }
    return rows;
  }

  /** All rows (matching `where`, when given). */
  async scan(t: GraphType, where: string | undefined, props: Set<string> | "all"): Promise<EntityRow[]> {
    this.stats.scans++;
    return this.run(t, where, props);
  }

  /** Rows whose `col` (id, src or dst) is one of `values`, optionally also matching `where`. */
  async where(t: GraphType, col: "id" | "src" | "dst", values: Iterable<string>, where: string | undefined, props: Set<string> | "all"): Promise<EntityRow[]> {
    const all = [...new Set(values)];
    if (all.length > SCAN_INSTEAD_ABOVE) {
      // Many lookups cost more as IN-list queries than one scan filtered here.
      const wanted = new Set(all);
      this.stats.scans++;
      return (await this.run(t, where, props)).filter((r) => wanted.has(col === "id" ? r.id : r[col]!));
    }
    const out: EntityRow[] = [];
    for (let i = 0; i < all.length; i += IN_CHUNK) {
      const chunk = all.slice(i, i + IN_CHUNK);
      if (col === "id") this.stats.lookups++;
      else this.stats.expansions++;
      const w = where ? `${inList(col, chunk)} AND (${where})` : inList(col, chunk);
      out.push(...(await this.run(t, w, props)));
    }
    return out;
  }

  /** Vector search: up to `k` rows nearest to `q` in column `vectorColumn`, prefiltered by `where`. */
  async nearest(t: GraphType, vectorColumn: string, q: Float32Array, k: number, where: string | undefined, props: Set<string> | "all"): Promise<{ row: EntityRow; distance: number }[]> {
    if (!this.has(t)) return [];
    this.stats.scans++;
    const table = await this.snapshot.table(keyOf(t));
    let vq = table.vectorSearch(Array.from(q)).column(vectorColumn).distanceType("l2").select([...this.columns(t, props), "_distance"]).limit(k);
    if (where) vq = vq.where(where);
    this.budget?.check();
    const remaining = this.budget?.remainingMs();
    let raw: unknown[];
    try {
      raw = await lanceQuery(() => vq.toArray(remaining !== undefined ? { timeoutMs: remaining } : undefined), t);
    } catch (e) {
      if (this.budget?.expired) throw this.budget.timeError();
      throw e;
    }
    this.budget?.add(raw.length, 0);
    this.stats.rows += raw.length;
    return raw.map((r) => ({ row: fromArrowRow(t, r as Record<string, unknown>), distance: Number((r as { _distance: number })._distance) }));
  }
}

/**
 * The storage boundary of reads: any failure of LanceDB itself becomes a typed
 * `ERR_LANCE` store error whose message names what was being read, never Lance's own
 * text (build paths, plan dumps); the original error stays the `cause` for logs.
 */
async function lanceQuery<T>(run: () => Promise<T>, t: GraphType): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof StoreError || e instanceof EngineError) throw e; // typed already (budgets included)
    throw new StoreError("ERR_LANCE", `the storage layer failed to read ${t.kind} ${t.name}`, { type_name: t.name, entity_kind: t.kind }, e);
  }
}
