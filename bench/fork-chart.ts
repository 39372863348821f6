// Prints the request chart of the FIRST write to a table on a new branch (the lazy fork)
// and of the SECOND write on that branch: every request in order, when it started, how
// long it took, what it is for.
//   node --import=tsx bench/fork-chart.ts [delayMs] [priorCommits]   (needs RGW; defaults 17, 10)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { GraphEngine } from "../server/engine/engine.ts";
import { Graph } from "../server/store/graph.ts";
import { rgwEnv } from "../test/support/rgw.ts";
import { FaultProxy, roundTripsOf, type ProxyRecord } from "../test/support/fault-proxy.ts";
import { rgwTarget } from "./lib/targets.ts";

const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;

/** What a request is for, from its key (Lance's layout: docs/design/lance-facts.md). */
function purpose(r: ProxyRecord): string {
  const { method, path, kind } = r;
  const cond = r.cond ?? "";
  const onFork = path.includes("/tree/");
  const lance = onFork ? "Lance (fork line)" : "Lance";
  if (path.includes("/__manifest/log/")) return method === "PUT" ? "manifest entry head+1 (create-only): the commit point" : "head check: probe entry h+1 / h+2";
  if (path.includes("/__manifest/head.json")) return method === "PUT" ? "advance the head hint (after the acknowledgement)" : "read the head hint";
  if (path.includes("/__recovery/")) return method === "PUT" ? (cond.startsWith("If-Match") ? "sidecar CAS → written" : "recovery sidecar, create-only") : method === "DELETE" ? "delete the sidecar (after the acknowledgement)" : "sidecar";
  if (path.includes("/_refs/branches/")) return method === "PUT" ? "Lance branch-create: write the branch's ref (parent, parent version)" : kind === "LIST" ? "Lance: list branch refs" : `Lance branch-create: ${method} the branch ref (exists?)`;
  if (path.includes("/_refs/")) return `Lance refs: ${kind}`;
  if (path.includes("/_versions/")) {
    if (kind === "LIST") return `${lance}: resolve latest version (LIST _versions)`;
    if (method === "PUT") return `${lance}: write a version manifest`;
    if (method === "HEAD") return `${lance}: HEAD a version manifest (exists / size)`;
    return `${lance}: read a version manifest`;
  }
  if (path.includes("/_transactions/")) return `${lance}: transaction file`;
  if (path.includes("/data/") && path.endsWith(".lance")) return method === "PUT" ? `${lance}: write the new fragment's data file` : `${lance}: read a fragment`;
  if (path.includes("/_indices/")) return `${lance}: index file`;
  return "";
}

function chart(title: string, recs: ProxyRecord[], ackedAt: number, total: number): void {
  const base = recs[0]?.start ?? 0;
  const before = recs.filter((r) => r.start < ackedAt);
  const after = recs.filter((r) => r.start >= ackedAt);
  console.log(`\n### ${title}\n\n| # | start (ms) | took (ms) | request | status | object | for |\n|---|---|---|---|---|---|---|`);
  recs.forEach((r, i) => {
    const obj = r.path.replace(/^\/[^/]+\/bench\/run-[^/]+\/graphs\/chart-[^/]+\//, "").replace(/\?.*$/, (q) => (r.kind === "LIST" ? decodeURIComponent(q).replace(/bench\/run-[^/]+\/graphs\/chart-[^/]+\//, "") : ""));
    if (i === before.length) console.log(`| | ${(ackedAt - base).toFixed(0)} | | **acknowledged** | | | |`);
    console.log(`| ${i + 1} | ${(r.start - base).toFixed(0)} | ${((r.end ?? r.start) - r.start).toFixed(0)} | ${r.kind}${r.cond ? ` (${r.cond})` : ""} | ${r.status ?? ""} | \`${obj.slice(0, 100)}\` | ${purpose(r)} |`);
  });
  const kinds: Record<string, number> = {};
  for (const r of before) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  console.log(`\nBefore the acknowledgement: ${before.length} requests (${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(", ")}), ${roundTripsOf(before)} sequential round trips, ${total.toFixed(0)} ms; after it: ${after.length} requests, ${roundTripsOf(after)} round trips.`);
}

const delay = Number(process.argv[2] ?? 17);
const prior = Number(process.argv[3] ?? 10);
const env = rgwEnv();
if (!env) throw new Error("needs RGW (source /work/rgw/run/env)");
const target = rgwTarget(env)!;
const prefix = `graphs/chart-${Date.now().toString(36)}`;
const direct = new GraphEngine(await Graph.open(target.open(prefix).loc, { mode: "read-write", create: true }));
await direct.applySchema({ source: `node Person { name: String @key  age: I32? }\nnode Tag { name: String @key }`, actor: "chart" });
for (let i = 0; i < prior; i++) await direct.mutate({ query: INSERT, params: { n: `p${i}`, a: i }, actor: "chart" });
direct.graph.close();
const proxy = await new FaultProxy(env.endpoint, "s3", { delayMs: delay }).start();
const e = new GraphEngine(await Graph.open(target.open(prefix, { proxy }).loc, { mode: "read-write", recover: false }));
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
e.graph.close();
await proxy.stop();
await target.cleanup();
