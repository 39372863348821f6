// Q3: checkout / restore / openTable({version}). Run: node --import=tsx bench/lance-facts/q3-checkout-restore.ts [fs|rgw]
import { backendsFromArgv, fmt, fmtCounts, fmtPaths, header, makeCtx, rows, simpleSchema, tryOp, type Ctx } from "./lib.ts";
import type { Table } from "@lancedb/lancedb";

async function snapshot(t: Table): Promise<string> {
  const r = await t.query().toArray();
  return r.map((o: Record<string, unknown>) => fmt(o)).sort().join(";");
}

async function cost<T>(ctx: Ctx, label: string, f: () => Promise<T>, showPaths = false): Promise<T> {
  const m = ctx.proxy?.mark() ?? 0;
  const t0 = performance.now();
  const r = await f();
  const ms = (performance.now() - t0).toFixed(1);
  if (ctx.proxy) {
    console.log(`  cost ${label.padEnd(58)} ${fmtCounts(ctx.proxy.since(m))}  (${ms}ms)`);
    if (showPaths) console.log(fmtPaths(ctx.proxy.since(m), ctx.strip));
  } else console.log(`  cost ${label.padEnd(58)} (${ms}ms)`);
  return r;
}

for (const backend of backendsFromArgv()) {
  header(`Q3 checkout/restore — ${backend}`);
  const ctx = await makeCtx(backend, "q3");
  const db = await ctx.connect();
  const t = await db.createEmptyTable("t", simpleSchema); // v1
  await t.add(rows(0, 5)); // v2
  const snapV2 = await snapshot(t);
  await t.add(rows(5, 5)); // v3
  await t.delete("x < 3"); // v4
  await t.addColumns([{ name: "y", valueSql: "x + 1" }]); // v5
  console.log(`  setup: version()=${await t.version()} rows=${await t.countRows()}`);

  await t.checkout(2);
  console.log(`  checkout(2): version()=${await t.version()} countRows=${await t.countRows()} schema=${(await t.schema()).fields.map((f) => f.name)} same-as-v2=${(await snapshot(t)) === snapV2}`);
  console.log(`  query on checked-out handle x>2: ${fmt((await t.query().where("x > 2").toArray()).map((o: { id: string }) => o.id))}`);
  await tryOp("add() on checked-out v2", () => t.add(rows(100, 1)));
  await tryOp("delete() on checked-out v2", () => t.delete("x = 1"));
  await tryOp("mergeInsert on checked-out v2", () => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r1", x: 9 }]));
  await tryOp("update() on checked-out v2", () => t.update({ where: "x = 1", values: { x: 11 } }));
  await tryOp("add(overwrite) on checked-out v2", () => t.add(rows(0, 1), { mode: "overwrite" }));
  await tryOp("addColumns on checked-out v2", () => t.addColumns([{ name: "q", valueSql: "1" }]));
  console.log(`  handle after those: version()=${await t.version()}`);
  await t.checkout(2);
  await tryOp("checkout(99) (nonexistent)", () => t.checkout(99));
  console.log(`  after failed checkout(99): version()=${await t.version()}`);
  const r = await tryOp("restore() while checked out at 2", async () => { await t.restore(); return t.version(); });
  console.log(`  after restore: version()=${await t.version()} content==v2: ${(await snapshot(t)) === snapV2} schema=${(await t.schema()).fields.map((f) => f.name)} listVersions=${fmt((await t.listVersions()).map((v) => v.version))}`);
  void r;
  await tryOp("add() after restore (handle writable again?)", () => t.add(rows(200, 1)));
  await tryOp("restore() without checkout", async () => { await t.restore(); return t.version(); });
  console.log(`  version()=${await t.version()}`);

  // checkout + checkoutLatest
  await t.checkout(3);
  await t.checkoutLatest();
  console.log(`  checkout(3) then checkoutLatest(): version()=${await t.version()}`);

  // openTable({version})
  const pinned = await db.openTable("t", undefined, { version: 2 });
  console.log(`  openTable('t',{version:2}): version()=${await pinned.version()} content==v2: ${(await snapshot(pinned)) === snapV2}`);
  await tryOp("add() on openTable({version:2}) handle", () => pinned.add(rows(300, 1)));
  await tryOp("openTable('t', {version:2}) (options as 2nd arg — wrong signature)", () => db.openTable("t", { version: 2 } as never));
  await tryOp("openTable({version:99})", () => db.openTable("t", undefined, { version: 99 }));

  // stale restore vs concurrent add
  const other = await (await ctx.connect()).openTable("t");
  const latest = await t.version();
  await t.checkout(3);
  await other.add(rows(400, 1));
  await tryOp(`restore() to 3 while another writer added v${latest + 1}`, async () => { await t.restore(); return t.version(); });
  const fresh = await (await ctx.connect()).openTable("t");
  console.log(`  final: version=${await fresh.version()} has r400: ${(await fresh.countRows("x = 400")) === 1}`);

  if (ctx.proxy) {
    header(`Q3 request costs — ${backend}`);
    for (let i = 0; i < 20; i++) await fresh.add(rows(1000 + i, 1));
    const vLatest = await fresh.version();
    console.log(`  table now at version ${vLatest}`);
    const target = 4;
    await cost(ctx, "connect() (new connection)", () => ctx.connect());
    const db2 = await ctx.connect();
    const p = await cost(ctx, `cold openTable('t',{version:${target}}) new conn`, () => db2.openTable("t", undefined, { version: target }), true);
    await cost(ctx, "  + query().where('x > 5').limit(10).toArray()", () => p.query().where("x > 5").limit(10).toArray(), true);
    await cost(ctx, `openTable('t',{version:${target}}) again same conn`, () => db2.openTable("t", undefined, { version: target }));
    const db3 = await ctx.connect();
    const cold = await cost(ctx, "cold openTable('t') latest, new conn", () => db3.openTable("t"), true);
    await cost(ctx, "  + query().where('x > 5').limit(10).toArray()", () => cold.query().where("x > 5").limit(10).toArray());
    await cost(ctx, `warm checkout(${target})`, () => cold.checkout(target), true);
    await cost(ctx, "  + query().where('x > 5').limit(10).toArray()", () => cold.query().where("x > 5").limit(10).toArray(), true);
    await cost(ctx, `warm checkout(${target + 5})`, () => cold.checkout(target + 5));
    await cost(ctx, "  + query().where('x > 5').limit(10).toArray()", () => cold.query().where("x > 5").limit(10).toArray());
    await cost(ctx, `warm checkout(${target}) again (cached?)`, () => cold.checkout(target));
    await cost(ctx, "  + query().where('x > 5').limit(10).toArray()", () => cold.query().where("x > 5").limit(10).toArray());
    await cost(ctx, "checkoutLatest()", () => cold.checkoutLatest(), true);
    await cost(ctx, `restore() (after checkout(${target}))`, async () => { await cold.checkout(target); await cold.restore(); });
  }
  await ctx.cleanup();
}
