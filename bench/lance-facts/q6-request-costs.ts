// Q6: object-store request costs on RGW via the counting proxy. Run: node --import=tsx bench/lance-facts/q6-request-costs.ts
// (fs has no requests to count; this script runs on rgw only.)
import { fmtCounts, fmtPaths, header, makeCtx, rows, simpleSchema, type Ctx } from "./lib.ts";
import type { Table } from "@lancedb/lancedb";

const showPaths = process.argv.includes("--paths");
async function cost<T>(ctx: Ctx, label: string, f: () => Promise<T>, paths = showPaths): Promise<T> {
  const m = ctx.proxy!.mark();
  const t0 = performance.now();
  const r = await f();
  const ms = (performance.now() - t0).toFixed(0);
  const recs = ctx.proxy!.since(m);
  const listBytes = recs.filter((x) => x.kind === "LIST").reduce((a, x) => a + (x.bytes ?? 0), 0);
  console.log(`  ${label.padEnd(62)} ${fmtCounts(recs).padEnd(44)} ${ms.padStart(4)}ms${listBytes ? `  LIST-bytes=${listBytes}` : ""}`);
  if (paths) console.log(fmtPaths(recs, ctx.strip));
  return r;
}

async function grow(t: Table, to: number): Promise<void> {
  while ((await t.version()) < to) await t.add(rows(10000 + (await t.version()), 1));
}

if (!process.env.RGW_ENDPOINT) throw new Error("needs RGW_* env");
const ctx = await makeCtx("rgw", "q6");
header("Q6 request costs — rgw (counting proxy)");
await cost(ctx, "connect()", () => ctx.connect(), true);
const db = await ctx.connect();
const t = await cost(ctx, "createEmptyTable", () => db.createEmptyTable("t", simpleSchema), true);
await t.add(rows(0, 20));
await grow(t, 8);
await t.optimize(); // compaction -> 1 fragment (+2 versions); old versions kept (7-day default)
console.log(`  -- table at version ${await t.version()}, fragments=${(await t.listVersions()).at(-1)!.metadata.total_fragments}`);

async function suite(label: string): Promise<void> {
  header(`${label}: version=${await t.version()} fragments=${(await t.listVersions()).at(-1)!.metadata.total_fragments}`);
  const v = await t.version();
  const dbc = await ctx.connect();
  const cold = await cost(ctx, "cold openTable('t') latest (fresh connection)", () => dbc.openTable("t"), true);
  await cost(ctx, "  version() on it", () => cold.version());
  await cost(ctx, "  countRows() (first)", () => cold.countRows(), true);
  await cost(ctx, "  countRows() (second)", () => cold.countRows());
  await cost(ctx, "  countRows('x > 5')", () => cold.countRows("x > 5"));
  await cost(ctx, "  query().where('x > 5').limit(10).toArray() (first)", () => cold.query().where("x > 5").limit(10).toArray(), true);
  await cost(ctx, "  query().where('x > 5').limit(10).toArray() (second)", () => cold.query().where("x > 5").limit(10).toArray());
  await cost(ctx, "  listVersions()", () => cold.listVersions());
  await cost(ctx, "openTable('t') again on same connection", () => dbc.openTable("t"));
  const dbp = await ctx.connect();
  const pinned = await cost(ctx, `cold openTable('t', undefined, {version:${v - 5}}) (fresh conn)`, () => dbp.openTable("t", undefined, { version: v - 5 }), true);
  await cost(ctx, "  + query where x>5 limit 10", () => pinned.query().where("x > 5").limit(10).toArray());
  await cost(ctx, `warm checkout(${v - 3})`, () => cold.checkout(v - 3), true);
  await cost(ctx, "  + query where x>5 limit 10", () => cold.query().where("x > 5").limit(10).toArray(), true);
  await cost(ctx, `warm checkout(${v - 2})`, () => cold.checkout(v - 2));
  await cost(ctx, "  + query where x>5 limit 10", () => cold.query().where("x > 5").limit(10).toArray());
  await cost(ctx, "checkoutLatest()", () => cold.checkoutLatest());
  for (let i = 1; i <= 3; i++) await cost(ctx, `add(1 row) on warm handle #${i}`, () => t.add(rows(20000 + i, 1)), i === 1);
  for (let i = 1; i <= 2; i++) await cost(ctx, `delete('x = ${i}') #${i}`, () => t.delete(`x = ${i}`), i === 1);
  for (let i = 1; i <= 2; i++) await cost(ctx, `update({where:'x = ${i + 10}'}) #${i}`, () => t.update({ where: `x = ${i + 10}`, valuesSql: { x: "x + 1000" } }), i === 1);
  for (let i = 1; i <= 2; i++) await cost(ctx, `mergeInsert('id') 1 row (update existing) #${i}`, () => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r5", x: 500 + i }]), i === 1);
  await cost(ctx, "mergeInsert('id') 1 row (insert new)", () => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: `n${v}`, x: 7 }]));
  await cost(ctx, "countRows() on warm writer handle", () => t.countRows());
  // a stale handle writing (another handle committed meanwhile)
  const other = await (await ctx.connect()).openTable("t");
  await t.add(rows(30000, 1));
  await cost(ctx, "add(1 row) on a handle 1 version behind (auto-rebase)", () => other.add(rows(30001, 1)), true);
  const dbr = await ctx.connect({ readConsistencyInterval: 0 });
  const strong = await dbr.openTable("t");
  await cost(ctx, "countRows() with readConsistencyInterval=0 (no change)", () => strong.countRows(), true);
  await t.add(rows(30002, 1));
  await cost(ctx, "countRows() with readConsistencyInterval=0 (after a write)", () => strong.countRows(), true);
}

await suite("after 10 versions");
// grow the version count while keeping the fragment count small (compact at the end)
await grow(t, 198);
await t.optimize();
console.log(`  -- table at version ${await t.version()}, fragments=${(await t.listVersions()).at(-1)!.metadata.total_fragments}`);
await suite("after 200 versions");
if (process.argv.includes("--big")) {
  await grow(t, 1098);
  await t.optimize();
  console.log(`  -- table at version ${await t.version()}, fragments=${(await t.listVersions()).at(-1)!.metadata.total_fragments}`);
  await suite("after 1100 versions");
}
await ctx.cleanup();
