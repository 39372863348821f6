// Q10: createIndex (scalar BTREE/BITMAP/LABEL_LIST, vector IVF_PQ/IVF_FLAT/HNSW_SQ) on small tables.
// Run: node --import=tsx bench/lance-facts/q10-index.ts [fs|rgw]
import { arrow, backendsFromArgv, fmt, header, lancedb, makeCtx, tryOp } from "./lib.ts";
import type { Table } from "@lancedb/lancedb";

const DIM = 8;
const schema = new arrow.Schema([
  new arrow.Field("id", new arrow.Utf8(), false),
  new arrow.Field("x", new arrow.Int64(), true),
  new arrow.Field("cat", new arrow.Utf8(), true),
  new arrow.Field("tags", new arrow.List(new arrow.Field("item", new arrow.Utf8(), true)), true),
  new arrow.Field("embedding", new arrow.FixedSizeList(DIM, new arrow.Field("item", new arrow.Float32(), true)), true),
]);
function mk(from: number, n: number) {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return { id: `r${i}`, x: i, cat: `c${i % 3}`, tags: [`t${i % 5}`], embedding: Array.from({ length: DIM }, (_, k) => Math.sin(i * (k + 1))) };
  });
}
const plan = async (p: Promise<string>) => (await p).split("\n").map((l) => l.trim()).filter((l) => /Index|ANN|LanceRead|Scalar|MaterializeIndex|KNN|Filter/.test(l)).map((l) => l.replace(/uri=\S+/, "uri=…").slice(0, 160)).join(" | ");

async function vstep(t: Table, label: string, f: () => Promise<unknown>) {
  const before = await t.version();
  await tryOp(`${label}`, async () => { const r = await f(); return { r: r ?? null, version: `${before}->${await t.version()}` }; });
}

for (const backend of backendsFromArgv()) {
  header(`Q10 scalar indexes on a 10-row table — ${backend}`);
  const ctx = await makeCtx(backend, "q10");
  const db = await ctx.connect();
  const t = await db.createEmptyTable("t", schema);
  await t.add(mk(0, 10));
  await tryOp("explain where x = 5 BEFORE index", () => plan(t.query().where("x = 5").explainPlan(true)));
  await vstep(t, "createIndex('x', {config: Index.btree()})", () => t.createIndex("x", { config: lancedb.Index.btree() }));
  await vstep(t, "createIndex('cat', {config: Index.bitmap()})", () => t.createIndex("cat", { config: lancedb.Index.bitmap() }));
  await vstep(t, "createIndex('tags', {config: Index.labelList()})", () => t.createIndex("tags", { config: lancedb.Index.labelList() }));
  await vstep(t, "createIndex('id') (default config for Utf8)", () => t.createIndex("id"));
  await tryOp("listIndices()", async () => (await t.listIndices()).map((i) => `${i.name}:${i.indexType}:${i.columns}`));
  await tryOp("indexStats('x_idx')", () => t.indexStats("x_idx"));
  await tryOp("explain where x = 5 AFTER btree", () => plan(t.query().where("x = 5").explainPlan(true)));
  await tryOp("explain where cat = 'c1' (bitmap)", () => plan(t.query().where("cat = 'c1'").explainPlan(true)));
  await tryOp("explain where array_has_any(tags, ['t1']) (label list)", () => plan(t.query().where("array_has_any(tags, ['t1'])").explainPlan(true)));
  await tryOp("result where x = 5", async () => (await t.query().where("x = 5").select(["id"]).toArray()).map((o: { id: string }) => o.id));
  await vstep(t, "add 5 rows after index", () => t.add(mk(10, 5)));
  await tryOp("indexStats('x_idx') after add", () => t.indexStats("x_idx"));
  await tryOp("query x = 12 (row not in index yet) finds it?", async () => (await t.query().where("x = 12").select(["id"]).toArray()).map((o: { id: string }) => o.id));
  await tryOp("explain x = 12 with unindexed rows", () => plan(t.query().where("x = 12").explainPlan(true)));
  await vstep(t, "optimize() (compaction + index update)", () => t.optimize());
  await tryOp("indexStats('x_idx') after optimize", () => t.indexStats("x_idx"));
  await vstep(t, "createIndex('x', btree) again (replace default true)", () => t.createIndex("x", { config: lancedb.Index.btree() }));
  await vstep(t, "createIndex('x', btree, replace:false)", () => t.createIndex("x", { config: lancedb.Index.btree(), replace: false }));
  await vstep(t, "dropIndex('cat_idx')", () => t.dropIndex("cat_idx"));
  await tryOp("checkout(2) (pre-index) query x = 5 + explain", async () => { await t.checkout(2); const p = await plan(t.query().where("x = 5").explainPlan(true)); const r = (await t.query().where("x = 5").select(["id"]).toArray()).length; await t.checkoutLatest(); return { rows: r, plan: p }; });

  header(`Q10 vector indexes on small tables — ${backend}`);
  for (const n of [10, 300, 1000]) {
    const tv = await db.createEmptyTable(`v${n}`, schema);
    await tv.add(mk(0, n));
    await vstep(tv, `n=${n}: createIndex('embedding') default (IVF_PQ)`, () => tv.createIndex("embedding"));
    await vstep(tv, `n=${n}: Index.ivfPq({numPartitions:1, numSubVectors:2})`, () => tv.createIndex("embedding", { config: lancedb.Index.ivfPq({ numPartitions: 1, numSubVectors: 2 }) }));
    await vstep(tv, `n=${n}: Index.ivfFlat({numPartitions:1})`, () => tv.createIndex("embedding", { config: lancedb.Index.ivfFlat({ numPartitions: 1 }) }));
    await vstep(tv, `n=${n}: Index.hnswSq({numPartitions:1})`, () => tv.createIndex("embedding", { config: lancedb.Index.hnswSq({ numPartitions: 1 }) }));
    await tryOp(`n=${n}: listIndices`, async () => (await tv.listIndices()).map((i) => `${i.name}:${i.indexType}`));
    const q = mk(7, 1)[0]!.embedding;
    await tryOp(`n=${n}: vector query top3 (uses index?)`, async () => {
      const r = (await tv.vectorSearch(q).column("embedding").limit(3).toArray()).map((o: { id: string; _distance: number }) => `${o.id}:${o._distance.toFixed(3)}`);
      const p = await plan(tv.vectorSearch(q).column("embedding").limit(3).explainPlan(true));
      return { r, p };
    });
    await tryOp(`n=${n}: prefilter x > 100 with index`, async () => (await tv.vectorSearch(q).column("embedding").where("x > 100").limit(3).toArray()).map((o: { id: string }) => o.id));
    await tryOp(`n=${n}: bypassVectorIndex exact top3`, async () => (await tv.vectorSearch(q).column("embedding").bypassVectorIndex().limit(3).toArray()).map((o: { id: string; _distance: number }) => `${o.id}:${o._distance.toFixed(3)}`));
  }
  void fmt;
  await ctx.cleanup();
}
