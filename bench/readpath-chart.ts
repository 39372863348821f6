// Prints the request chart of ONE warm point read by key (`match Person {name: $n}`)
// at the wire: every request in order, when it started, how long it took, its byte
// range and what it is for; in four states of the same table (10 prior single-row
// commits, one fragment each): no index; after a maintenance run (compaction + `id`
// btree); after N more single-row inserts on top of that.
//   node --import=tsx bench/readpath-chart.ts [delayMs] [priorCommits] [insertsAfter]   (needs RGW)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { Maintenance } from "../server/runtime/maintenance.ts";
import { roundTripsOf } from "../test/support/fault-proxy.ts";
import { INSERT, objectOf, openChartGraph, purposeOf } from "./lib/chart.ts";

const READ = `query q($n: String) { match { $p: Person { name: $n } } return { $p.name, $p.age } }`;

const delay = Number(process.argv[2] ?? 17);
const prior = Number(process.argv[3] ?? 10);
const insertsAfter = Number(process.argv[4] ?? 3);
const { engine: e, proxy, stop } = await openChartGraph(delay, prior);

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
    console.log(`| ${i + 1} | ${(r.start - base).toFixed(0)} | ${((r.end ?? r.start) - r.start).toFixed(0)} | ${r.kind}${r.cond ? ` (${r.cond})` : ""} | ${r.bytes}${r.range ? ` (${r.range})` : ""} | \`${objectOf(r).slice(0, 100)}\` | ${purposeOf(r)} |`);
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
const quiet = () => live.quiesce();
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
await stop();
