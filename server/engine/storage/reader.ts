import { StoreError } from "../../store/errors.ts";
import type { Snapshot } from "../../store/snapshot.ts";
import { fromArrowRow, keyOf, type EntityRow, type GraphType } from "./columns.ts";
import { inList } from "./sql.ts";

/** Ids per `IN (...)` list: keeps each filter small enough for the planner. */
const IN_CHUNK = 512;
/** Above this many ids, one filtered scan beats many IN-list queries. */
const SCAN_INSTEAD_ABOVE = 4096;

/**
 * Reads entity rows of one snapshot. Every read names the columns it needs (property
 * names → property ids) and pushes what it can into LanceDB's filter; the caller
 * re-checks rows, so pushdown is an optimisation, never a semantic.
 */
export class SnapshotReader {
  /** Requests made to Lance, by kind (scans, id lookups, edge expansions). */
  readonly stats = { scans: 0, lookups: 0, expansions: 0, rows: 0 };

  constructor(readonly snapshot: Snapshot) {}

  has(t: GraphType): boolean {
    return this.snapshot.tableState(keyOf(t)) !== undefined;
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
    const raw = await lanceQuery(() => q.toArray(), t);
    this.stats.rows += raw.length;
    return raw.map((r) => fromArrowRow(t, r as Record<string, unknown>));
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
    const raw = await lanceQuery(() => vq.toArray(), t);
    this.stats.rows += raw.length;
    return raw.map((r) => ({ row: fromArrowRow(t, r as Record<string, unknown>), distance: Number((r as { _distance: number })._distance) }));
  }
}

/**
 * Runs a LanceDB query; its own errors (text with build paths) become a typed
 * `ERR_LANCE`, which the HTTP layer never shows to clients.
 */
async function lanceQuery<T>(run: () => Promise<T>, t: GraphType): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError("ERR_LANCE", `LanceDB failed to read ${t.kind} type ${t.name}: ${String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300)}`, { type: t.name }, e);
  }
}
