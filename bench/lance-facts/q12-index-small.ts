// Q12: does a btree on the filtered column make a point read cheaper or dearer, by
// fragment count and row count? (Maintenance indexed small tables on a 112-table graph
// and point reads rose from 20 to 55 requests.) Counts every request at the wire.
// Run: node --import=tsx bench/lance-facts/q12-index-small.ts rgw
import { backendsFromArgv, fmtCounts, header, lancedb, makeCtx } from "./lib.ts";

for (const backend of backendsFromArgv().filter((b) => b === "rgw")) {
  header(`Q12 point read cost: fragments × rows × btree — ${backend}`);
  const ctx = await makeCtx(backend, "q12");
  const db = await ctx.connect();
  const proxy = ctx.proxy!;
  const read = async (t: lancedb.Table, name: string) => {
    const fresh = await db.openTable(await t.name);
    await fresh.query().where("name = 'warm'").toArray();
    const m = proxy.mark();
    await fresh.query().where(`name = '${name}'`).toArray();
    return fmtCounts(proxy.log.slice(m));
  };
  for (const [frags, rowsPerFrag] of [[10, 1], [10, 1000], [1, 10], [1, 10000], [100, 1]] as const) {
    const t = await db.createTable(`t${frags}x${rowsPerFrag}`, [{ id: "warm", name: "warm", n: 0 }]);
    for (let f = 0; f < frags; f++) await t.add(Array.from({ length: rowsPerFrag }, (_, i) => ({ id: `f${f}-${i}`, name: `f${f}-${i}`, n: i })));
    const none = await read(t, "f0-0");
    await t.createIndex("name", { config: lancedb.Index.btree() });
    await t.createIndex("id", { config: lancedb.Index.btree() });
    const idx = await read(t, "f0-0");
    await t.optimize();
    const compacted = await read(t, "f0-0");
    console.log(`  ${frags + 1} fragments × ${rowsPerFrag} rows: no index ${none} | btree(name,id) ${idx} | after optimize (compact + index) ${compacted}`);
  }
  await ctx.cleanup();
}
