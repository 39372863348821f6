// Row helpers for the soak (no driver imports, like rows.ts).
import type { Snapshot } from "../../server/store/snapshot.ts";
export { add, create } from "./rows.ts";

/** Ids of a table at a snapshot, unsorted duplicates kept (empty when absent). */
export async function idsAt(snap: Snapshot, key: string): Promise<string[]> {
  if (!snap.tableState(key)) return [];
  const t = await snap.table(key);
  return (await t.query().select(["id"]).toArray()).map((r) => String(r.id)).sort();
}
