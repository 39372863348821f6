// Q7: memory:// connections; plus what connect() itself writes at the root (the `__manifest` namespace table).
// Run: node --import=tsx bench/lance-facts/q7-memory-and-connect.ts [fs|rgw]
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backendsFromArgv, fmt, fmtCounts, fmtPaths, header, lancedb, makeCtx, rows, simpleSchema, tryOp } from "./lib.ts";

header("Q7 memory://");
const a = await lancedb.connect("memory://");
const b = await lancedb.connect("memory://");
const ta = await tryOp("memory:// createTable + add", async () => {
  const t = await a.createEmptyTable("t", simpleSchema);
  await t.add(rows(0, 3));
  return { version: await t.version(), rows: await t.countRows() };
});
void ta;
await tryOp("same connection: tableNames()", () => a.tableNames());
await tryOp("second memory:// connection: tableNames()", () => b.tableNames());
await tryOp("second memory:// connection: openTable('t')", () => b.openTable("t").then((t) => t.countRows()));
await tryOp("memory://x vs memory://x (named) share?", async () => {
  const c1 = await lancedb.connect("memory://shared");
  const c2 = await lancedb.connect("memory://shared");
  await c1.createTable("s", rows(0, 1));
  return c2.tableNames();
});
await tryOp("memory:// versions/checkout/branches work?", async () => {
  const t = await a.openTable("t");
  await t.add(rows(3, 1));
  await t.checkout(2);
  const n2 = await t.countRows();
  await t.checkoutLatest();
  const br = await (await t.branches()).create("b", undefined, 2);
  await br.add(rows(9, 1));
  return { v: await t.version(), rowsAtV2: n2, branchV: await br.version() };
});
await tryOp("two handles on the same memory table see each other's writes?", async () => {
  const t1 = await a.openTable("t");
  const t2 = await a.openTable("t");
  await t1.add(rows(50, 1));
  return { t1: await t1.countRows(), t2: await t2.countRows(), t2v: await t2.version() };
});

for (const backend of backendsFromArgv()) {
  header(`Q7b what connect() writes at the root — ${backend}`);
  const ctx = await makeCtx(backend, "q7");
  const m = ctx.proxy?.mark() ?? 0;
  const db = await ctx.connect();
  if (ctx.proxy) console.log(`  connect() on empty prefix: ${fmtCounts(ctx.proxy.since(m))}\n${fmtPaths(ctx.proxy.since(m), ctx.strip)}`);
  if (backend === "fs") console.log(`  root after connect(): ${fmt(readdirSync(ctx.uri))}  __manifest/: ${fmt(readdirSync(join(ctx.uri, "__manifest")))}`);
  await db.createEmptyTable("t", simpleSchema);
  await tryOp("tableNames()", () => db.tableNames());
  const m2 = ctx.proxy?.mark() ?? 0;
  await ctx.connect();
  if (ctx.proxy) console.log(`  connect() on existing root: ${fmtCounts(ctx.proxy.since(m2))}`);
  const m3 = ctx.proxy?.mark() ?? 0;
  await tryOp("connect({manifestEnabled:false}) on a fresh prefix", async () => {
    const c2 = await makeCtx(backend, "q7nm");
    const d = await c2.connect({ manifestEnabled: false });
    await d.createEmptyTable("t", simpleSchema);
    const r = backend === "fs" ? readdirSync(c2.uri) : fmtCounts(c2.proxy!.log);
    await c2.cleanup();
    return r;
  });
  void m3;
  if (backend === "fs") {
    // a foreign (non-Lance) __manifest directory at the root: does connect() choke?
    const c3 = await makeCtx("fs", "q7foreign");
    mkdirSync(join(c3.uri, "__manifest"));
    writeFileSync(join(c3.uri, "__manifest", "0000001.json"), "{}");
    await tryOp("connect() where root has a foreign __manifest/ dir", async () => {
      const d = await c3.connect();
      await d.createEmptyTable("t", simpleSchema);
      return d.tableNames();
    });
    await tryOp("connect({manifestEnabled:false}) with the same foreign __manifest/", async () => {
      const d = await c3.connect({ manifestEnabled: false });
      await d.createEmptyTable("t2", simpleSchema);
      return d.tableNames();
    });
    await c3.cleanup();
  }
  await ctx.cleanup();
}
