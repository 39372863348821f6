// Q14: an index built on main, inherited by Lance branch b1, then by b2 forked from b1.
// Lance 8.0 looks for it under tree/b1/_indices/ from b2 (where it is not), so b2's
// index-using reads fail; dropping it on b2 (or rebuilding it there) makes b2 readable.
//   node --import=tsx bench/lance-facts/q14-fork-of-fork-index.ts   (fs)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lancedb } from "./lib.ts";

const tryit = async (name: string, fn: () => Promise<unknown>) => {
  try {
    console.log(`${name}: ok ${JSON.stringify(await fn()) ?? ""}`);
  } catch (e) {
    const missing = /location (\S+) not found/.exec((e as Error).message)?.[1]?.replace(/.*\.lance\//, "");
    console.log(`${name}: ERR ${missing ? `not found: ${missing}` : (e as Error).message.slice(0, 200)}`);
  }
};
const db = await lancedb.connect(mkdtempSync(join(tmpdir(), "q14-")));
const t = await db.createTable("t", [{ id: "a", n: 1 }]);
await t.add([{ id: "b", n: 2 }]);
await t.createIndex("id", { replace: true });
const b1 = await (await t.branches()).create("b1", undefined, await t.version());
await b1.add([{ id: "c", n: 3 }]);
const b2 = await (await b1.branches()).create("b2", "b1", await b1.version());
const point = (h: lancedb.Table) => h.query().where("id = 'b'").toArray().then((r) => r.length);
await tryit("b1 (fork of main): indexed point read", () => point(b1));
await tryit("b2 (fork of b1): indexed point read", () => point(b2));
await tryit("b2: mergeInsert", () => b2.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "b", n: 20 }]).then((r) => r.numUpdatedRows));
await tryit("b2: dropIndex(id_idx)", () => b2.dropIndex("id_idx"));
await tryit("b2: point read after the drop", () => point(b2));
await tryit("b2: mergeInsert after the drop", () => b2.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "b", n: 20 }]).then((r) => r.numUpdatedRows));
await tryit("b2: createIndex(id) in its own tree", () => b2.createIndex("id", { replace: true }));
await tryit("b2: point read on the rebuilt index", () => point(b2));
