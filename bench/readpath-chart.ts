// Prints the request chart of ONE warm point read by key (`match Person {name: $n}`)
// at the wire: every request in order, when it started, how long it took, its byte
// range and what it is for; in four states of the same table (10 prior single-row
// commits, one fragment each): no index; after a maintenance run (compaction + `id`
// btree); after N more single-row inserts on top of that.
//   node --import=tsx bench/readpath-chart.ts [delayMs] [priorCommits] [insertsAfter]   (needs RGW)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { GraphEngine } from "../server/engine/engine.ts";
import { Maintenance } from "../server/runtime/maintenance.ts";
import { Graph } from "../server/store/graph.ts";
import { rgwEnv } from "../test/support/rgw.ts";
import { FaultProxy, roundTripsOf, type ProxyRecord } from "../test/support/fault-proxy.ts";
import { rgwTarget } from "./lib/targets.ts";

const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;
const READ = `query q($n: String) { match { $p: Person { name: $n } } return { $p.name, $p.age } }`;

/** What a request is for, from its key. */
function purpose(r: ProxyRecord): string {
  const { method, path, kind } = r;
  if (path.includes("/__manifest/log/")) return "head check: probe entry h+1 / h+2";
  if (path.includes("/__manifest/head.json")) return "head hint";
  if (path.includes("/_versions/")) return kind === "LIST" ? "Lance: resolve latest version (LIST _versions)" : method === "HEAD" ? "Lance: locate the version's manifest (HEAD)" : "Lance: read a version manifest";
  if (path.includes("/_indices/")) return "Lance: scalar index file";
  if (path.includes("/_deletions/")) return "Lance: deletion file";
  if (path.includes("/data/") && path.endsWith(".lance")) return "Lance: read a fragment's data file";
  return "";
}

const delay = Number(process.argv[2] ?? 17);
const prior = Number(process.argv[3] ?? 10);
const insertsAfter = Number(process.argv[4] ?? 3);
const env = rgwEnv();
if (!env) throw new Error("needs RGW (source /work/rgw/run/env)");
const target = rgwTarget(env)!;
const prefix = `graphs/rchart-${Date.now().toString(36)}`;
const direct = new GraphEngine(await Graph.open(target.open(prefix).loc, { mode: "read-write", create: true }));
await direct.applySchema({ source: `node Person { name: String @key  age: I32? }\nnode Tag { name: String @key }`, actor: "chart" });
for (let i = 0; i < prior; i++) await direct.mutate({ query: INSERT, params: { n: `p${i}`, a: i }, actor: "chart" });
direct.graph.close();
const proxy = await new FaultProxy(env.endpoint, "s3", { delayMs: delay }).start();
const e = new GraphEngine(await Graph.open(target.open(prefix, { proxy }).loc, { mode: "read-write", recover: false }));

async function chart(title: string, name: string): Promise<void> {
  await e.graph.drain();
  const m = proxy.mark();
  const t0 = performance.now();
  const out = await e.query({ query: READ, params: { n: name } });
  const total = performance.now() - t0;
  const recs = proxy.since(m);
  const base = recs[0]?.start ?? 0;
  console.log(`\n### ${title}\n`);
  console.log(`| # | start (ms) | took (ms) | request | bytes | object | for |\n|---|---|---|---|---|---|---|`);
  recs.forEach((r, i) => {
    const obj = r.path.replace(/^\/[^/]+\/bench\/run-[^/]+\/graphs\/rchart-[^/]+\//, "").replace(/\?.*$/, (q) => (r.kind === "LIST" ? q.slice(0, 60) : ""));
    console.log(`| ${i + 1} | ${(r.start - base).toFixed(0)} | ${((r.end ?? r.start) - r.start).toFixed(0)} | ${r.kind}${r.cond ? ` (${r.cond})` : ""} | ${r.bytes}${r.range ? ` (${r.range})` : ""} | \`${obj.slice(0, 100)}\` | ${purpose(r)} |`);
  });
  const kinds: Record<string, number> = {};
  for (const r of recs) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  console.log(`\n${recs.length} requests (${JSON.stringify(kinds)}), ${roundTripsOf(recs)} round trips, ${total.toFixed(0)} ms; rows ${JSON.stringify((out as { rows?: unknown[] }).rows ?? out).slice(0, 80)}`);
}

// Warm: one read and one write.
await e.query({ query: READ, params: { n: "p0" } });
await e.mutate({ query: INSERT, params: { n: "warm", a: 1 }, actor: "chart" });
await e.query({ query: READ, params: { n: "p0" } });
await chart(`warm read, ${prior} prior commits, same version as the last read (no index)`, "p1");
await e.mutate({ query: INSERT, params: { n: "w2", a: 1 }, actor: "chart" });
await chart(`warm read right after one more insert (new table version, no index)`, "p2");
const run = await new Maintenance(e, { compactMinFragments: 2, retentionMs: 3600_000 }).runOnce();
console.log(`\nmaintenance: ${run.duties.map((d) => `${d.duty}${d.column ? `(${d.column})` : ""} ${d.outcome} ${d.fragmentsBefore ?? ""}→${d.fragmentsAfter ?? ""}`).join(", ")}`);
await chart(`first read after maintenance (compacted + id btree)`, "p3");
await chart(`second read, same version`, "p4");
for (let i = 0; i < insertsAfter; i++) await e.mutate({ query: INSERT, params: { n: `after${i}`, a: 1 }, actor: "chart" });
await chart(`read after ${insertsAfter} more single-row inserts`, "p5");
await chart(`again, same version`, "p6");
// Maintenance running (after-commit passes): single-row inserts and updates, a read after each.
const live = new Maintenance(e, { retentionMs: 3600_000 });
live.start();
const quiet = async () => {
  await e.graph.drain();
  await live.settled();
  await e.graph.drain();
};
const summary: string[] = [];
for (let i = 0; i < Number(process.argv[5] ?? 12); i++) {
  const m0 = proxy.mark();
  await e.mutate({ query: i % 2 ? `query q($n: String, $a: I32) { update Person set { age: $a } where name = $n }` : INSERT, params: { n: i % 2 ? `p${i % 10}` : `live${i}`, a: 100 + i }, actor: "chart" });
  await quiet();
  const bg = proxy.since(m0).length;
  const m = proxy.mark();
  await e.query({ query: READ, params: { n: `p${(i * 3) % 10}` } });
  const recs = proxy.since(m);
  const st = live.status();
  summary.push(`| ${i + 1} | ${i % 2 ? "update" : "insert"} | ${bg} | ${recs.length} (${recs.map((r) => (r.path.includes("/_indices/") ? "IX" : r.path.includes("/__manifest/") ? "HC" : r.kind === "HEAD" ? "HEAD" : r.path.includes("/_deletions/") ? "DEL" : r.kind === "GET" ? "F" : r.kind)).join(" ")}) | ${roundTripsOf(recs)} | ${st.lastRun?.duties.map((d) => `${d.duty}(${d.column ?? ""}) ${d.outcome}`).join(", ") ?? ""} |`);
}
console.log(`\n### maintenance running (after-commit passes): a write, maintenance settles, then a point read\n`);
console.log(`| # | write | requests of the write + its after-commit work | point read requests (HC head check, HEAD version, IX index file, F fragment, DEL deletion file) | RT | last maintenance duties |\n|---|---|---|---|---|---|`);
for (const l of summary) console.log(l);
await live.stop();
e.graph.close();
await proxy.stop();
await target.cleanup();
