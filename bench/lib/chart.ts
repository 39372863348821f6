// Shared by the request charts (bench/writepath-chart.ts, fork-chart.ts, readpath-chart.ts):
// the charted graph behind the counting proxy, what each request is for, and the short
// object name a chart prints.
import { GraphEngine } from "../../server/engine/engine.ts";
import { Graph } from "../../server/store/graph.ts";
import { FaultProxy, type ProxyRecord } from "../../test/support/fault-proxy.ts";
import { rgwEnv } from "../../test/support/rgw.ts";
import { rgwTarget, type Target } from "./targets.ts";

export const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;

/** A charted graph: Person (`@key name`) and Tag, `prior` single-row inserts, reopened behind a proxy adding `delayMs` per request. */
export interface ChartGraph {
  engine: GraphEngine;
  proxy: FaultProxy;
  /** Closes the handle (draining its after-commit work), stops the proxy, removes the data. */
  stop(): Promise<void>;
}

export async function openChartGraph(delayMs: number, prior: number): Promise<ChartGraph> {
  const env = rgwEnv();
  if (!env) throw new Error("needs RGW (source /work/rgw/run/env)");
  const target: Target = rgwTarget(env)!;
  const prefix = `graphs/chart-${Date.now().toString(36)}`;
  const direct = new GraphEngine(await Graph.open(target.open(prefix).loc, { mode: "read-write", create: true }));
  await direct.applySchema({ source: `node Person { name: String @key  age: I32? }\nnode Tag { name: String @key }`, actor: "chart" });
  for (let i = 0; i < prior; i++) await direct.mutate({ query: INSERT, params: { n: `p${i}`, a: i }, actor: "chart" });
  await direct.graph.close();
  const proxy = await new FaultProxy(env.endpoint, "s3", { delayMs }).start();
  const engine = new GraphEngine(await Graph.open(target.open(prefix, { proxy }).loc, { mode: "read-write", recover: false }));
  return {
    engine, proxy,
    stop: async () => {
      await engine.graph.close();
      await proxy.stop();
      await target.cleanup();
    },
  };
}

/** The request's object without the bucket and graph prefix (a LIST keeps its query). */
export function objectOf(r: ProxyRecord): string {
  return r.path
    .replace(/^\/[^/]+\/bench\/run-[^/]+\/graphs\/chart-[^/]+\//, "")
    .replace(/\?.*$/, (q) => (r.kind === "LIST" ? decodeURIComponent(q).replace(/bench\/run-[^/]+\/graphs\/chart-[^/]+\//, "") : ""));
}

/** What a request is for, from its key (our layout: docs/design/manifest.md; Lance's: docs/design/lance-facts.md). */
export function purposeOf(r: ProxyRecord): string {
  const { method, path, kind } = r;
  const cond = r.cond ?? "";
  const lance = path.includes("/tree/") ? "Lance (fork line)" : "Lance";
  if (path.includes("/__manifest/log/")) return method === "PUT" ? "manifest entry head+1 (create-only, optimistic: no head check before it): the commit point" : "head check: probe entry h+1 / h+2";
  if (path.includes("/__manifest/head.json")) return method === "PUT" ? "advance the head hint (CAS, after the acknowledgement)" : "read the head hint";
  if (path.includes("/__recovery/")) {
    if (method === "DELETE") return "delete the sidecar (after the acknowledgement)";
    if (method !== "PUT") return "sidecar";
    return cond.startsWith("If-Match") ? "sidecar CAS → written (in parallel with the entry PUT)" : "recovery sidecar, create-only (in parallel with the Lance writes; durable before the entry)";
  }
  if (path.includes("/_refs/branches/")) return method === "PUT" ? "Lance branch-create: write the branch's ref (parent, parent version)" : kind === "LIST" ? "Lance: list branch refs" : `Lance branch-create: ${method} the branch ref (exists?)`;
  if (path.includes("/_refs/")) return `Lance refs: ${kind}`;
  if (path.includes("/_versions/")) {
    if (kind === "LIST") return `${lance}: resolve latest version (LIST _versions)`;
    if (method === "PUT") return `${lance}: commit a version manifest`;
    if (method === "HEAD") return `${lance}: locate a version manifest (HEAD: exists / size)`;
    return `${lance}: read a version manifest`;
  }
  if (path.includes("/_transactions/")) return `${lance}: transaction file`;
  if (path.includes("/_deletions/")) return `${lance}: deletion file`;
  if (path.includes("/_indices/")) return `${lance}: scalar index file`;
  if (path.includes("/data/") && path.endsWith(".lance")) return method === "PUT" ? `${lance}: write the new fragment's data file` : `${lance}: read a fragment's data file`;
  return "";
}
