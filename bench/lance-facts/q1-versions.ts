// Q1: version numbering of every mutating op. Run: node --import=tsx bench/lance-facts/q1-versions.ts [fs|rgw]
import { arrow, arrowCjs, backendsFromArgv, fmt, fmtCounts, header, makeCtx, rows, simpleSchema, tryOp, type Ctx } from "./lib.ts";
import type { Table } from "@lancedb/lancedb";

async function step(ctx: Ctx, t: Table, label: string, f: () => Promise<unknown>): Promise<void> {
  const before = await t.version();
  const m = ctx.proxy?.mark() ?? 0;
  let res: unknown;
  try {
    res = await f();
  } catch (e) {
    res = `ERROR ${(e as Error).message.slice(0, 200)}`;
  }
  const req = ctx.proxy ? `  req(op only): ${fmtCounts(ctx.proxy.since(m))}` : "";
  const after = await t.version();
  const vs = await t.listVersions();
  const nv = vs.length;
  if (after - before > 1) {
    for (const v of vs.filter((x) => x.version > before)) console.log(`      new version ${v.version}: total_fragments=${v.metadata.total_fragments} total_rows=${v.metadata.total_rows} total_files_size=${v.metadata.total_files_size}`);
  }
  console.log(`  ${label.padEnd(44)} before=${before} after=${after} (+${after - before}) listVersions=${nv} rows=${await t.countRows()} returned=${fmt(res)}${req}`);
}

for (const backend of backendsFromArgv()) {
  header(`Q1 versions — ${backend}`);
  const ctx = await makeCtx(backend, "q1");
  const db = await ctx.connect();

  const m0 = ctx.proxy?.mark() ?? 0;
  const t = await db.createEmptyTable("t", simpleSchema);
  console.log(`  createEmptyTable -> version()=${await t.version()} listVersions=${fmt((await t.listVersions()).map((v) => v.version))}${ctx.proxy ? "  req: " + fmtCounts(ctx.proxy.since(m0)) : ""}`);
  const t2 = await db.createTable("t2", rows(0, 3));
  console.log(`  createTable(with 3 rows) -> version()=${await t2.version()}`);

  await step(ctx, t, "add 5 rows", () => t.add(rows(0, 5)));
  await step(ctx, t, "add [] (0 rows)", () => t.add([] as never[]));
  await step(ctx, t, "add 3 rows", () => t.add(rows(5, 3)));
  await step(ctx, t, "delete('x = 1')", () => t.delete("x = 1"));
  await step(ctx, t, "delete('x = 999') (matches nothing)", () => t.delete("x = 999"));
  await step(ctx, t, "update({where:'x = 2', values:{x:20}})", () => t.update({ where: "x = 2", values: { x: 20 } }));
  await step(ctx, t, "update matching nothing", () => t.update({ where: "x = 999", values: { x: 1 } }));
  await step(ctx, t, "mergeInsert 1 upd + 1 ins", () =>
    t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r0", x: 100 }, { id: "new1", x: 101 }]));
  await step(ctx, t, "mergeInsert identical row again (upd)", () =>
    t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r0", x: 100 }]));
  await step(ctx, t, "mergeInsert whenMatched where false (no-op)", () =>
    t.mergeInsert("id").whenMatchedUpdateAll({ where: "target.x > 1000000" }).execute([{ id: "r0", x: 5 }]));
  await step(ctx, t, "add(rows, {mode:'overwrite'})", () => t.add(rows(0, 4), { mode: "overwrite" }));
  await step(ctx, t, "addColumns([{name:'y', valueSql:'x * 2'}])", () => t.addColumns([{ name: "y", valueSql: "x * 2" }]));
  await step(ctx, t, "addColumns(ESM-arrow Field) (dual-pkg hazard)", () => t.addColumns(new arrow.Field("z", new arrow.Float64(), true)));
  await step(ctx, t, "addColumns(CJS-arrow Field z Float64, null)", () => t.addColumns(new arrowCjs.Field("z", new arrowCjs.Float64(), true)));
  await step(ctx, t, "alterColumns rename y->y2", () => t.alterColumns([{ path: "y", rename: "y2" }]));
  await step(ctx, t, "dropColumns(['y2','z'])", () => t.dropColumns(["y2", "z"]));
  await step(ctx, t, "add 1 row (3rd fragment)", () => t.add(rows(50, 1)));
  await step(ctx, t, "optimize() (default)", () => t.optimize());
  await step(ctx, t, "optimize() again (nothing to do)", () => t.optimize());
  await step(ctx, t, "add 1 row + add 1 row, then optimize({cleanupOlderThan:now})", async () => {
    await t.add(rows(60, 1));
    await t.add(rows(61, 1));
    return t.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true });
  });
  console.log("  listVersions:", fmt((await t.listVersions()).map((v) => ({ v: v.version, md: v.metadata }))));
  await tryOp("createTable existing name", () => db.createTable("t", rows(0, 1)));
  await ctx.cleanup();
}
