import type { Snapshot } from "../../store/snapshot.ts";
import type { TableOp } from "../../store/tables.ts";
import { keyOf, tableSchema, toArrow } from "../storage/columns.ts";
import { inList } from "../storage/sql.ts";
import type { WorkingSet } from "./working-set.ts";

/** Ids per delete op: each op is one Lance commit, so keep the filter bounded but few ops. */
const DELETE_CHUNK = 4096;

export interface WritePlan {
  writes: Record<string, TableOp[]>;
  reads: string[];
  affectedNodes: number;
  affectedEdges: number;
}

/**
 * Turns pending changes into Lance ops, at most a handful per table: create the
 * dataset if the type has none yet on this branch, delete by id, then write every
 * new or replaced row at once (`add` when all are new, else `merge_insert` on id).
 * Call `ws.resolveNewIds()` first so that keyed inserts of new keys count as new.
 */
export function planWrites(ws: WorkingSet, base: Snapshot): WritePlan {
  const writes: Record<string, TableOp[]> = {};
  let affectedNodes = 0;
  let affectedEdges = 0;
  for (const c of ws.changed()) {
    const key = keyOf(c.type);
    const ops: TableOp[] = [];
    const exists = base.tableState(key) !== undefined;
    if (!exists) ops.push({ kind: "create", schema: tableSchema(c.type) });
    const deletes = [...c.deletes];
    if (exists) {
      for (let i = 0; i < deletes.length; i += DELETE_CHUNK) {
        const ids = deletes.slice(i, i + DELETE_CHUNK);
        ops.push({ kind: "delete", where: inList("id", ids), ids });
      }
    }
    const rows = [...c.upserts.values()];
    if (rows.length) {
      const data = toArrow(c.type, rows);
      // New rows (strict inserts, or ids `resolveNewIds` found absent) append; any
      // replaced row makes it a keyed upsert.
      const allNew = !exists || rows.every((r) => c.strict.has(r.id) || c.fresh.has(r.id));
      ops.push(allNew ? { kind: "add", data } : { kind: "merge_insert", on: ["id"], data });
    }
    if (ops.length === 0 || (ops.length === 1 && ops[0]!.kind === "create" && rows.length === 0 && deletes.length === 0)) continue;
    writes[key] = ops;
    const n = rows.length + deletes.length;
    if (c.type.kind === "node") affectedNodes += n;
    else affectedEdges += n;
  }
  return { writes, reads: [...new Set([...ws.reads, ...Object.keys(writes)])], affectedNodes, affectedEdges };
}
