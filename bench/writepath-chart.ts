// Prints the round-trip chart of ONE keyed single-row insert (a commit) at the wire:
// every request in order, when it started and how long it took, and what it is for.
//   node --import=tsx bench/writepath-chart.ts [delayMs]   (needs RGW)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { roundTripsOf } from "../test/support/fault-proxy.ts";
import { INSERT, objectOf, openChartGraph, purposeOf } from "./lib/chart.ts";

const delay = Number(process.argv[2] ?? 17);
const { engine: e, proxy, stop } = await openChartGraph(delay, 10);
await e.mutate({ query: INSERT, params: { n: "warm", a: 1 }, actor: "chart" });
await e.graph.drain(); // the warm-up's after-commit work must not show in the chart
const m = proxy.mark();
const t0 = performance.now();
await e.mutate({ query: INSERT, params: { n: "charted", a: 1 }, actor: "chart" });
const total = performance.now() - t0;
const ackedAt = performance.now();
await e.graph.drain();
const recs = proxy.since(m);
const base = recs[0]?.start ?? 0;
const before = recs.filter((r) => r.start < ackedAt);
const after = recs.filter((r) => r.start >= ackedAt);
console.log(`| # | start (ms) | took (ms) | request | object | for |\n|---|---|---|---|---|---|`);
recs.forEach((r, i) => {
  if (i === before.length) console.log(`| | ${(ackedAt - base).toFixed(0)} | | **acknowledged** | | the client has its answer; the rest runs on the after-commit chain |`);
  console.log(`| ${i + 1} | ${(r.start - base).toFixed(0)} | ${((r.end ?? r.start) - r.start).toFixed(0)} | ${r.kind}${r.cond ? ` (${r.cond})` : ""} | \`${objectOf(r).slice(0, 90)}\` | ${purposeOf(r)} |`);
});
console.log(`\nBefore the acknowledgement: ${before.length} requests, ${roundTripsOf(before)} sequential round trips, ${total.toFixed(0)} ms at ${delay} ms added per request; after it: ${after.length} requests, ${roundTripsOf(after)} round trips.`);
await stop();
