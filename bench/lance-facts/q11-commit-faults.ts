// Q11 (extra): what a lost response / 503 on Lance's manifest commit PUT does (RGW only).
// Run: node --import=tsx bench/lance-facts/q11-commit-faults.ts
import { errInfo, fmt, fmtPaths, header, ids, makeCtx, rows, simpleSchema } from "./lib.ts";

if (!process.env.RGW_ENDPOINT) throw new Error("needs RGW_* env");
const isManifestPut = (m: string, p: string) => m === "PUT" && /_versions\/\d+\.manifest$/.test(p);
const isTxnPut = (m: string, p: string) => m === "PUT" && /_transactions\/.*\.txn$/.test(p);
const isDataPut = (m: string, p: string) => m === "PUT" && /\/data\/.*\.lance$/.test(p);

type Case = { name: string; match: (m: string, p: string) => boolean; fault: "lose" | "503"; times: number; op: "add" | "delete" | "merge" };
const cases: Case[] = [
  { name: "add: manifest PUT response lost (PUT applied)", match: isManifestPut, fault: "lose", times: 1, op: "add" },
  { name: "add: manifest PUT answered 503 once", match: isManifestPut, fault: "503", times: 1, op: "add" },
  { name: "add: manifest PUT answered 503 x20", match: isManifestPut, fault: "503", times: 20, op: "add" },
  { name: "add: data PUT response lost", match: isDataPut, fault: "lose", times: 1, op: "add" },
  { name: "add: txn PUT response lost", match: isTxnPut, fault: "lose", times: 1, op: "add" },
  { name: "delete: manifest PUT response lost", match: isManifestPut, fault: "lose", times: 1, op: "delete" },
  { name: "mergeInsert(upsert r1): manifest PUT response lost", match: isManifestPut, fault: "lose", times: 1, op: "merge" },
];

for (const c of cases) {
  header(`Q11 ${c.name}`);
  const ctx = await makeCtx("rgw", "q11");
  const db = await ctx.connect();
  const t = await db.createEmptyTable("t", simpleSchema);
  await t.add(rows(0, 3));
  const base = await t.version();
  ctx.proxy!.inject(c.fault === "lose" ? "lose-response" : "throttle", c.times, c.match);
  const m = ctx.proxy!.mark();
  const t0 = Date.now();
  let res: string;
  try {
    const r = c.op === "add" ? await t.add(rows(100, 1, "new")) : c.op === "delete" ? await t.delete("x = 0") : await t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r1", x: 111 }]);
    res = `OK ${fmt(r)}`;
  } catch (e) {
    res = `ERROR ${errInfo(e)}`;
  }
  console.log(`  base=${base} -> ${res} (${Date.now() - t0}ms)`);
  console.log(fmtPaths(ctx.proxy!.since(m), ctx.strip, 30));
  ctx.proxy!.clear();
  const fresh = await (await ctx.connect()).openTable("t");
  console.log(`  fresh open: version=${await fresh.version()} versions=${fmt((await fresh.listVersions()).map((v) => v.version))} rows=${fmt(await ids(fresh))}`);
  await ctx.cleanup();
}
