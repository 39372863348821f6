// Q13 (issue 12, goal 2): what a warm point read costs per fragment and per new table
// version, and what keeps a btree on `id` covering new fragments.
//   node --import=tsx bench/lance-facts/q13-read-handles.ts rgw
import { makeCtx, fmtCounts, fmtPaths, type Backend } from "./lib.ts";

const backend = (process.argv[2] ?? "rgw") as Backend;
const ctx = await makeCtx(backend, "q13");
const db = await ctx.connect();
const row = (i: number) => [{ id: `k${i}`, age: i }];
const t = await db.createTable("t", row(0));
for (let i = 1; i < 10; i++) await t.add(row(i));
const p = ctx.proxy!;
async function cost<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const m = p.mark();
  const t0 = performance.now();
  const out = await fn();
  const recs = p.since(m);
  console.log(`${what}: ${fmtCounts(recs)} (${(performance.now() - t0).toFixed(0)} ms)\n${fmtPaths(recs, ctx.strip, 8)}`);
  return out;
}
const v = await t.version();
const pointRead = (h: typeof t, k: string) => h.query().where(`id = '${k}'`).select(["id", "age"]).toArray();

const h1 = await cost(`openTable({version: ${v}})`, () => db.openTable("t", undefined, { version: v }));
await cost("point read on it (10 fragments, no index)", () => pointRead(h1, "k3"));
await cost("same read again", () => pointRead(h1, "k4"));
await cost("stats()", () => h1.stats());
const br = await t.branches();
const h2 = await cost(`branches().checkout("main", ${v}) from the write handle`, () => br.checkout("main", v));
console.log(`  → version ${await h2.version()}, branch ${h2.currentBranch()}`);
await cost("point read on it", () => pointRead(h2, "k5"));
await t.add(row(10));
const v2 = await t.version();
const h3 = await cost(`after one more add: branches().checkout("main", ${v2})`, async () => (await t.branches()).checkout("main", v2));
console.log(`  → version ${await h3.version()}`);
const h3b = await cost(`  vs openTable({version: ${v2}})`, () => db.openTable("t", undefined, { version: v2 }));
await cost("point read on it (11 fragments)", () => pointRead(h3, "k6"));
await cost("point read on the openTable one", () => pointRead(h3b, "k6"));

// Index: createIndex(replace) over 11 fragments, then new fragments.
await cost("createIndex(id, btree, replace) over 11 one-row fragments", () => t.createIndex("id", { replace: true }));
const v3 = await t.version();
const h4 = await (await t.branches()).checkout("main", v3);
await cost("point read, indexed (first: index files)", () => pointRead(h4, "k7"));
await cost("point read, indexed (second)", () => pointRead(h4, "k8"));
await t.add(row(11));
await t.add(row(12));
const v4 = await t.version();
const h5 = await (await t.branches()).checkout("main", v4);
await cost("point read, indexed + 2 new fragments", () => pointRead(h5, "k8"));
await cost("createIndex(replace) again (13 fragments)", () => t.createIndex("id", { replace: true }));
const h6 = await (await t.branches()).checkout("main", await t.version());
await cost("point read after the rebuild", () => pointRead(h6, "k9"));
await cost("point read after the rebuild (second)", () => pointRead(h6, "k1"));
const st = await cost("optimize() (compaction of 13 small fragments + index)", () => t.optimize({ cleanupOlderThan: new Date(0) }));
console.log(`  ${JSON.stringify(st)}; fragments now ${(await t.stats()).fragmentStats.numFragments}`);
const h7 = await (await t.branches()).checkout("main", await t.version());
await cost("point read after optimize (first)", () => pointRead(h7, "k2"));
await cost("point read after optimize (second)", () => pointRead(h7, "k3"));
await cost("listIndices()", () => h7.listIndices());
await cost("indexStats(id_idx)", () => h7.indexStats("id_idx"));
await t.add(row(13));
const h8 = await cost("checkout from a PINNED read handle (h1 @10) to the latest version", async () => (await h1.branches()).checkout("main", await t.version()));
console.log(`  → h8 at ${await h8.version()}, h1 still at ${await h1.version()}; h1 rows ${await h1.countRows()}, h8 rows ${await h8.countRows()}`);
await cost("stats() on h8", () => h8.stats());
await cost("indexStats(id_idx) on h8 (1 unindexed row)", () => h8.indexStats("id_idx"));
const fork = await (await t.branches()).create("b1", undefined, await t.version());
await fork.add(row(14));
const fv = await fork.version();
const h9 = await cost(`checkout("b1", ${fv}) from the main write handle`, async () => (await t.branches()).checkout("b1", fv));
console.log(`  → ${h9.currentBranch()} @ ${await h9.version()}, rows ${await h9.countRows()}`);
const h10 = await cost(`vs openTable({branch: "b1", version: ${fv}})`, () => db.openTable("t", undefined, { branch: "b1", version: fv }));
await cost("point read on the checkout", () => pointRead(h9, "k14"));
await cost("point read on the openTable", () => pointRead(h10, "k14"));
let err = "";
try { await h9.add(row(99)); } catch (e) { err = (e as Error).message.slice(0, 100); }
console.log(`  write on the pinned checkout: ${err || "ACCEPTED"}`);
const ixs = await t.listIndices();
console.log(`indices ${JSON.stringify(ixs.map((i) => i.name))}, stats ${JSON.stringify(await t.indexStats(ixs[0]!.name))}`);
await ctx.cleanup();
