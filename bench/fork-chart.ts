// Prints the request chart of the FIRST write to a table on a new branch (the lazy fork)
// and of the SECOND write on that branch: every request in order, when it started, how
// long it took, what it is for.
//   node --import=tsx bench/fork-chart.ts [delayMs] [priorCommits]   (needs RGW; defaults 17, 10)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { roundTripsOf, type ProxyRecord } from "../test/support/fault-proxy.ts";
import { INSERT, objectOf, openChartGraph, purposeOf } from "./lib/chart.ts";

function chart(title: string, recs: ProxyRecord[], ackedAt: number, total: number): void {
  const base = recs[0]?.start ?? 0;
  const before = recs.filter((r) => r.start < ackedAt);
  const after = recs.filter((r) => r.start >= ackedAt);
  console.log(`\n### ${title}\n\n| # | start (ms) | took (ms) | request | status | object | for |\n|---|---|---|---|---|---|---|`);
  recs.forEach((r, i) => {
    if (i === before.length) console.log(`| | ${(ackedAt - base).toFixed(0)} | | **acknowledged** | | | |`);
    console.log(`| ${i + 1} | ${(r.start - base).toFixed(0)} | ${((r.end ?? r.start) - r.start).toFixed(0)} | ${r.kind}${r.cond ? ` (${r.cond})` : ""} | ${r.status ?? ""} | \`${objectOf(r).slice(0, 100)}\` | ${purposeOf(r)} |`);
  });
  const kinds: Record<string, number> = {};
  for (const r of before) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  console.log(`\nBefore the acknowledgement: ${before.length} requests (${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(", ")}), ${roundTripsOf(before)} sequential round trips, ${total.toFixed(0)} ms; after it: ${after.length} requests, ${roundTripsOf(after)} round trips.`);
}

const delay = Number(process.argv[2] ?? 17);
const prior = Number(process.argv[3] ?? 10);
const { engine: e, proxy, stop } = await openChartGraph(delay, prior);
// Warm as the bench does: a read and a write on main on the measuring handle, and one
// fork + second write on another branch (so nothing below is a first-time cost of the handle).
await e.query({ query: `query q($n: String) { match { $p: Person { name: $n } } return { $p.name } }`, params: { n: "p0" } });
await e.mutate({ query: INSERT, params: { n: "warm", a: 1 }, actor: "chart" });
await e.graph.createBranch("warm", { from: "main", actor: "chart" });
await e.mutate({ query: INSERT, params: { n: "warm-b", a: 1 }, branch: "warm", actor: "chart" });
await e.graph.createBranch("b", { from: "main", actor: "chart" });
await e.graph.drain();
for (const [title, name] of [["First write on the new branch (lazy fork)", "first"], ["Second write on that branch", "second"]] as const) {
  const m = proxy.mark();
  const t0 = performance.now();
  await e.mutate({ query: INSERT, params: { n: name, a: 1 }, branch: "b", actor: "chart" });
  const ackedAt = performance.now();
  await e.graph.drain();
  chart(title, proxy.since(m), ackedAt, ackedAt - t0);
}
await stop();
