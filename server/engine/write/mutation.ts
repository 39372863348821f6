import { monotonicFactory } from "ulid";
import type { Catalog, EdgeType, NodeType } from "../schema/catalog.ts";
import type { TypedMutation, TypedWhere } from "../query/typed.ts";
import { formatOutputValue, type Value } from "../query/value.ts";
import { evalExpr, compare, type EvalContext } from "../read/eval.ts";
import type { EntityRow } from "../storage/columns.ts";
import type { SnapshotReader } from "../storage/reader.ts";
import { comparison } from "../storage/sql.ts";
import { WorkingSet } from "./working-set.ts";

const EMPTY = new Map();

/**
 * The id of a keyed node: the key value itself for a single `@key` (as text), a JSON
 * array of the values for a composite key.
 */
export function keyId(t: NodeType, props: Record<string, Value>): string {
  const parts = t.key.map((k) => {
    const p = t.properties.find((x) => x.name === k)!;
    return formatOutputValue(props[k] ?? null, p.type);
  });
  if (parts.length === 1) {
    const only = parts[0];
    return typeof only === "string" ? only : JSON.stringify(only);
  }
  return JSON.stringify(parts);
}

/** LanceDB filter + exact row test for an update/delete `where`. */
function whereOf(w: TypedWhere, ctx: EvalContext): { sql: string | undefined; holds: (r: EntityRow) => boolean } {
  const value = evalExpr(w.value, EMPTY, ctx);
  const col = w.target === "from" ? "src" : w.target === "to" ? "dst" : w.target === "id" ? "id" : w.target.id;
  const propType = typeof w.target === "string" ? ({ kind: "scalar", base: "String" } as const) : w.target.type;
  const cell = (r: EntityRow): Value =>
    w.target === "from" ? (r.src ?? null) : w.target === "to" ? (r.dst ?? null) : w.target === "id" ? r.id : (r.props[w.target.name] ?? null);
  return { sql: comparison(col, w.op, value, propType), holds: (r) => compare(cell(r), w.op, value) };
}

/**
 * Runs a mutation's statements in order against a working set over the snapshot:
 * keyed inserts upsert (id = key), unkeyed inserts are strict (generated ULID ids),
 * edge inserts connect node ids, updates rewrite matching nodes, deletes remove
 * matching rows and a node delete cascades to every incident edge. With `ws`, the
 * statements run on an existing working set (a batch: later requests see earlier ones).
 */
export async function runMutation(q: TypedMutation, catalog: Catalog, reader: SnapshotReader, params: Map<string, Value>, ws = new WorkingSet(catalog, reader)): Promise<WorkingSet> {
  const ctx: EvalContext = { params, now: Date.now() };
  const newId = monotonicFactory();
  for (const st of q.statements) {
    if (st.op === "insert") {
      const props: Record<string, Value> = {};
      let givenId: string | undefined;
      let src: string | undefined;
      let dst: string | undefined;
      for (const a of st.values) {
        const val = evalExpr(a.value, EMPTY, ctx);
        if (a.target === "id") givenId = val as string;
        else if (a.target === "from") src = val as string;
        else if (a.target === "to") dst = val as string;
        else props[a.target.name] = val;
      }
      for (const p of st.type.properties) if (!(p.name in props)) props[p.name] = null;
      if (st.type.kind === "node") {
        const keyed = st.type.key.length > 0;
        const id = keyed ? keyId(st.type, props) : (givenId ?? newId());
        ws.upsert(st.type, { id, props }, !keyed);
      } else {
        ws.upsert(st.type, { id: givenId ?? newId(), src: src!, dst: dst!, props }, true);
      }
    } else if (st.op === "update") {
      const w = whereOf(st.where, ctx);
      const set: Record<string, Value> = {};
      for (const a of st.set) if (typeof a.target !== "string") set[a.target.name] = evalExpr(a.value, EMPTY, ctx);
      for (const r of await ws.rowsWhere(st.type, w.sql, w.holds)) ws.upsert(st.type, { ...r, props: { ...r.props, ...set } });
    } else {
      const w = whereOf(st.where, ctx);
      const rows = await ws.rowsWhere(st.type, w.sql, w.holds);
      for (const r of rows) ws.delete(st.type, r.id);
      if (st.type.kind === "node" && rows.length) await cascade(ws, st.type, rows.map((r) => r.id));
    }
  }
  return ws;
}

/** Deletes every edge incident to the deleted nodes. */
export async function cascade(ws: WorkingSet, n: NodeType, ids: string[]): Promise<void> {
  for (const e of ws.edgeTypesTouching(n) as EdgeType[]) {
    for (const side of ["src", "dst"] as const) {
      if ((side === "src" ? e.from : e.to) !== n.name) continue;
      for (const r of await ws.rowsWhere(e, undefined, () => true, { name: side, values: ids })) ws.delete(e, r.id);
    }
  }
}
