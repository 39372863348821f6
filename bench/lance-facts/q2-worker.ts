// Worker for q2-concurrency.ts Part B: opens the table, prints READY, waits for GO on stdin, runs one op.
import * as lancedb from "@lancedb/lancedb";
import { errInfo, fmt } from "./lib.ts";

const db = await lancedb.connect(process.env.W_URI!, { storageOptions: JSON.parse(process.env.W_STORAGE ?? "{}") });
const t = await db.openTable(process.env.W_TABLE!);
const v0 = await t.version();
const op = process.env.W_OP!;
process.stdout.write("READY\n");
await new Promise<void>((r) => process.stdin.once("data", () => r()));
const t0 = Date.now();
try {
  let r: unknown;
  if (op === "add") r = await t.add([{ id: `add-p${process.pid}`, x: 1000 }]);
  else if (op === "merge r5") r = await t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r5", x: process.pid % 1000 }]);
  else if (op === "merge new k1") r = await t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "k1", x: process.pid % 1000 }]);
  else if (op === "update x=3") r = await t.update({ where: "x = 3", valuesSql: { x: "x + 100" } });
  else if (op === "delete x<2") r = await t.delete("x < 2");
  else if (op === "overwrite") r = await t.add([{ id: `ow-p${process.pid}`, x: 1 }], { mode: "overwrite" });
  else throw new Error(`unknown op ${op}`);
  console.log(`opened@${v0} -> ${fmt(r)} (${Date.now() - t0}ms)`);
} catch (e) {
  console.log(`opened@${v0} -> ERR ${errInfo(e)} (${Date.now() - t0}ms)`);
}
