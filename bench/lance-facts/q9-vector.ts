// Q9: vector search, prefilter vs postfilter, distance types, no index. Run: node --import=tsx bench/lance-facts/q9-vector.ts [fs|rgw]
import { arrow, backendsFromArgv, fmt, header, makeCtx, tryOp } from "./lib.ts";

const DIM = 4;
const schema = new arrow.Schema([
  new arrow.Field("id", new arrow.Utf8(), false),
  new arrow.Field("cat", new arrow.Utf8(), true),
  new arrow.Field("embedding", new arrow.FixedSizeList(DIM, new arrow.Field("item", new arrow.Float32(), true)), true),
  new arrow.Field("other_vec", new arrow.FixedSizeList(DIM, new arrow.Field("item", new arrow.Float32(), true)), true),
]);
// 50 'A' rows near [1,0,0,0]; 50 'B' rows near [0,1,0,0]; 1 row with null embedding
const data = [] as Record<string, unknown>[];
for (let i = 0; i < 50; i++) data.push({ id: `A${i}`, cat: "A", embedding: [1, i / 1000, 0, 0], other_vec: [0, 0, 0, 1] });
for (let i = 0; i < 50; i++) data.push({ id: `B${i}`, cat: "B", embedding: [0, 1, i / 1000, 0], other_vec: [0, 0, 1, 0] });
data.push({ id: "NULLV", cat: "B", embedding: null, other_vec: null });
const q = [1, 0, 0, 0];

const l2sq = (a: number[], b: number[]) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);

for (const backend of backendsFromArgv()) {
  header(`Q9 vector search — ${backend}`);
  const ctx = await makeCtx(backend, "q9");
  const db = await ctx.connect();
  const t = await db.createEmptyTable("t", schema);
  await t.add(data);
  type R = { id: string; _distance: number };
  const ids = (r: R[]) => r.map((o) => `${o.id}:${o._distance.toFixed(4)}`).join(" ");

  await tryOp("vectorSearch(q) with 2 vector columns, no .column()", async () => ids((await t.vectorSearch(q).limit(3).toArray()) as R[]));
  await tryOp("vectorSearch(q).column('embedding').limit(3)", async () => ids((await t.vectorSearch(q).column("embedding").limit(3).toArray()) as R[]));
  await tryOp("default limit (no .limit())", async () => (await t.vectorSearch(q).column("embedding").toArray()).length);
  await tryOp("where(\"cat = 'B'\").limit(5) (default = prefilter)", async () => ids((await t.vectorSearch(q).column("embedding").where("cat = 'B'").limit(5).toArray()) as R[]));
  await tryOp("where(\"cat = 'B'\").postfilter().limit(5)", async () => ids((await t.vectorSearch(q).column("embedding").where("cat = 'B'").postfilter().limit(5).toArray()) as R[]));
  await tryOp("query().nearestTo(q).column('embedding').where(...).limit(5) (same builder)", async () => ids((await t.query().nearestTo(q).column("embedding").where("cat = 'B'").limit(5).toArray()) as R[]));
  for (const dt of ["l2", "cosine", "dot"] as const) {
    await tryOp(`distanceType('${dt}') top2 B-filtered`, async () => ids((await t.vectorSearch([0.5, 0.5, 0, 0]).column("embedding").distanceType(dt).where("cat = 'B'").limit(2).toArray()) as R[]));
  }
  await tryOp("dot _distance for B0 vs [2,2,0,0] (dot product = 2)", async () => ids((await t.vectorSearch([2, 2, 0, 0]).column("embedding").distanceType("dot").where("id = 'B0'").limit(1).toArray()) as R[]));
  await tryOp("l2 _distance == squared euclidean? (B0 vs [0.5,0.5,0,0])", async () => {
    const r = (await t.vectorSearch([0.5, 0.5, 0, 0]).column("embedding").distanceType("l2").where("id = 'B0'").limit(1).toArray()) as R[];
    return { lance: r[0]!._distance, squaredL2: l2sq([0, 1, 0, 0], [0.5, 0.5, 0, 0]), l2: Math.sqrt(l2sq([0, 1, 0, 0], [0.5, 0.5, 0, 0])) };
  });
  await tryOp("select(['id']) — is _distance still returned?", async () => Object.keys((await t.vectorSearch(q).column("embedding").select(["id"]).limit(1).toArray())[0]));
  await tryOp("null-embedding row ever returned? (limit 200)", async () => (await t.vectorSearch(q).column("embedding").limit(200).toArray()).some((o: { id: string }) => o.id === "NULLV"));
  await tryOp("distanceRange(0, 0.01)", async () => ids((await t.vectorSearch(q).column("embedding").distanceRange(0, 0.01).limit(100).toArray()) as R[]));
  await tryOp("query vector wrong dim (3)", async () => (await t.vectorSearch([1, 0, 0]).column("embedding").limit(1).toArray()).length);
  await tryOp("Float32Array query vector", async () => ids((await t.vectorSearch(new Float32Array(q)).column("embedding").limit(1).toArray()) as R[]));
  await tryOp("explainPlan (prefilter, no index)", async () => (await t.vectorSearch(q).column("embedding").where("cat = 'B'").limit(5).explainPlan()).replace(/\s+/g, " "));
  await tryOp("explainPlan (postfilter, no index)", async () => (await t.vectorSearch(q).column("embedding").where("cat = 'B'").postfilter().limit(5).explainPlan()).replace(/\s+/g, " "));
  await tryOp("vector search on checked-out old version", async () => {
    await t.add([{ id: "NEW", cat: "B", embedding: [2, 0, 0, 0], other_vec: null }]);
    await t.checkout(2);
    const r = ids((await t.vectorSearch([2, 0, 0, 0]).column("embedding").limit(1).toArray()) as R[]);
    await t.checkoutLatest();
    const r2 = ids((await t.vectorSearch([2, 0, 0, 0]).column("embedding").limit(1).toArray()) as R[]);
    return { atV2: r, latest: r2 };
  });
  void fmt;
  await ctx.cleanup();
}
