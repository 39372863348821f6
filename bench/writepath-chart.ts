// Prints the round-trip chart of ONE keyed single-row insert (a commit) at the wire:
// every request in order, when it started and how long it took, and what it is for.
//   node --import=tsx bench/writepath-chart.ts [delayMs]   (needs RGW)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { GraphEngine } from "../server/engine/engine.ts";
import { Graph } from "../server/store/graph.ts";
import { rgwEnv } from "../test/support/rgw.ts";
import { FaultProxy, roundTripsOf } from "../test/support/fault-proxy.ts";
import { rgwTarget } from "./lib/targets.ts";

const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;

/** What a request is for, from its key. */
function purpose(method: string, path: string, kind: string, cond = ""): string {
  if (path.includes("/__manifest/log/")) return method === "PUT" ? "manifest entry head+1 (create-only, optimistic: no head check before it): the commit point" : "head check: probe entry h+1 / h+2 (the snapshot the mutation validates against)";
  if (path.includes("/__manifest/head.json")) return method === "PUT" ? "advance the head hint (CAS, after the acknowledgement)" : "read the head hint";
  if (path.includes("/__recovery/")) return method === "PUT" ? (cond.startsWith("If-Match") ? "sidecar CAS → written (in parallel with the entry PUT)" : "recovery sidecar, create-only (in parallel with the Lance writes; durable before the entry)") : method === "DELETE" ? "delete the sidecar (after the acknowledgement)" : "sidecar";
  if (path.includes("/_versions/")) return kind === "LIST" ? "Lance: resolve latest version (LIST _versions)" : method === "PUT" ? "Lance: commit the new version manifest" : "Lance: read a version manifest";
  if (path.includes("/_transactions/")) return "Lance: transaction file";
  if (path.includes("/data/") && path.endsWith(".lance")) return method === "PUT" ? "Lance: write the new fragment's data file" : "Lance: read a fragment (merge_insert scans every fragment)";
  if (path.includes("/_indices/")) return "Lance: index file";
  return "";
}

const delay = Number(process.argv[2] ?? 17);
const env = rgwEnv();
if (!env) throw new Error("needs RGW (source /work/rgw/run/env)");
const target = rgwTarget(env)!;
const prefix = `graphs/chart-${Date.now().toString(36)}`;
const direct = new GraphEngine(await Graph.open(target.open(prefix).loc, { mode: "read-write", create: true }));
await direct.applySchema({ source: `node Person { name: String @key  age: I32? }\nnode Tag { name: String @key }`, actor: "chart" });
for (let i = 0; i < 10; i++) await direct.mutate({ query: INSERT, params: { n: `p${i}`, a: i }, actor: "chart" });
direct.graph.close();
const proxy = await new FaultProxy(env.endpoint, "s3", { delayMs: delay }).start();
const e = new GraphEngine(await Graph.open(target.open(prefix, { proxy }).loc, { mode: "read-write", recover: false }));
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
  const obj = r.path.replace(/^\/[^/]+\/bench\/run-[^/]+\/graphs\/chart-[^/]+\//, "").replace(/\?.*$/, (q) => (r.kind === "LIST" ? q.slice(0, 60) : ""));
  if (i === before.length) console.log(`| | ${(ackedAt - base).toFixed(0)} | | **acknowledged** | | the client has its answer; the rest runs on the after-commit chain |`);
  console.log(`| ${i + 1} | ${(r.start - base).toFixed(0)} | ${((r.end ?? r.start) - r.start).toFixed(0)} | ${r.kind}${r.cond ? ` (${r.cond})` : ""} | \`${obj.slice(0, 90)}\` | ${purpose(r.method, r.path, r.kind, r.cond ?? "")} |`);
});
console.log(`\nBefore the acknowledgement: ${before.length} requests, ${roundTripsOf(before)} sequential round trips, ${total.toFixed(0)} ms at ${delay} ms added per request; after it: ${after.length} requests, ${roundTripsOf(after)} round trips.`);
e.graph.close();
await proxy.stop();
await target.cleanup();
