// The tiny table shape the store tests use, in a module with no driver imports so
// child processes (test/support/store-crasher.ts) load fast.
import * as lancedb from "@lancedb/lancedb";
import { arrow } from "../../server/store/arrow.ts";
import type { TableOp } from "../../server/store/tables.ts";

/** `id` and one integer column. */
export const ROW_SCHEMA = new arrow.Schema([new arrow.Field("id", new arrow.Utf8(), false), new arrow.Field("n", new arrow.Int32(), true)]);

export function rows(...items: [string, number][]): ReturnType<typeof lancedb.makeArrowTable> {
  return lancedb.makeArrowTable(items.map(([id, n]) => ({ id, n })), { schema: ROW_SCHEMA });
}

export const create: TableOp = { kind: "create", schema: ROW_SCHEMA };
export const add = (...items: [string, number][]): TableOp => ({ kind: "add", data: rows(...items) });
