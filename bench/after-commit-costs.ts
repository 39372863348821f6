// What one after-commit duty costs as a table grows (issue 12 goal 2): an index rebuild
// over every fragment (createIndex, replace) vs a compaction (optimize: rewrites every
// fragment below Lance's target size), on a Person-like table of R rows in one fragment
// plus 4 single-row fragments, through the counting proxy (no added delay) in front of RGW.
//   node --import=tsx bench/after-commit-costs.ts [rows,...]   (needs RGW)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { arrow } from "../server/store/arrow.ts";
import { Graph } from "../server/store/graph.ts";
import { compactTable, refreshIndexes } from "../server/store/maintenance.ts";
import { rgwEnv } from "../test/support/rgw.ts";
import { FaultProxy } from "../test/support/fault-proxy.ts";
import { rgwTarget } from "./lib/targets.ts";

const env = rgwEnv();
if (!env) throw new Error("needs RGW (source /work/rgw/run/env)");
const target = rgwTarget(env)!;
const sizes = (process.argv[2] ?? "1000,10000,100000").split(",").map(Number);
const SCHEMA = new arrow.Schema([new arrow.Field("id", new arrow.Utf8(), false), new arrow.Field("name", new arrow.Utf8(), true), new arrow.Field("age", new arrow.Int32(), true)]);
const rows = (from: number, n: number) => {
  const ids = Array.from({ length: n }, (_, i) => `person-${String(from + i).padStart(8, "0")}`);
  return arrow.tableFromArrays({ id: ids, name: ids, age: Int32Array.from({ length: n }, (_, i) => i) });
};
const proxy = await new FaultProxy(env.endpoint, "s3", { delayMs: 0 }).start();
console.log("| rows | duty | requests | bytes read | bytes written | ms |\n|---|---|---|---|---|---|");
for (const n of sizes) {
  for (const duty of ["index", "compact"] as const) {
    const g = await Graph.open(target.open(`graphs/acc-${n}-${duty}-${Date.now().toString(36)}`, { proxy }).loc, { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "b", base: await g.snapshot(), writes: { "node:P": [{ kind: "create", schema: SCHEMA }, { kind: "add", data: rows(0, n) }] } });
    await g.commit({ branch: "main", kind: "maintenance", actor: "b", base: await g.snapshot(), writes: { "node:P": [{ kind: "create_index", column: "id", index: "btree" }, { kind: "create_index", column: "name", index: "btree" }] } });
    for (let i = 0; i < 4; i++) await g.commit({ branch: "main", kind: "commit", actor: "b", base: await g.snapshot(), writes: { "node:P": [{ kind: "add", data: rows(n + i, 1) }] } });
    await g.drain();
    const m = proxy.mark();
    const t0 = performance.now();
    if (duty === "index") await refreshIndexes(g, "main", "node:P", ["id", "name"]);
    else await compactTable(g, "main", "node:P");
    const ms = performance.now() - t0;
    await g.drain();
    const recs = proxy.since(m);
    const read = recs.filter((r) => r.method === "GET").reduce((a, r) => a + r.bytes, 0);
    const written = recs.filter((r) => r.method === "PUT").reduce((a, r) => a + (r.sentBytes ?? 0), 0);
    console.log(`| ${n} + 4 | ${duty === "index" ? "rebuild 2 btrees" : "compact"} | ${recs.length} (${["GET", "LIST", "HEAD", "PUT", "DELETE"].map((k) => `${k} ${recs.filter((r) => r.kind === k).length}`).join(", ")}) | ${(read / 1024).toFixed(0)} KiB | ${(written / 1024).toFixed(0)} KiB | ${ms.toFixed(0)} |`);
    g.close();
  }
}
await proxy.stop();
await target.cleanup();
