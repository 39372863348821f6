// Engine benchmarks (issue "Graph engine"): a filtered match with order/limit and a
// 2-hop traversal on a 100k-node / 200k-edge graph, and the NDJSON load that builds it,
// each against what a hand-written LanceDB program does in the same run.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type * as lancedb from "@lancedb/lancedb";
import { Graph } from "../server/store/graph.ts";
import { GraphEngine } from "../server/engine/engine.ts";
import { keyOf } from "../server/engine/storage/columns.ts";
import type { Catalog } from "../server/engine/schema/catalog.ts";
import { QUERIES, skuOf } from "./lib/data.ts";
import { fmtCounts, fmtNum, joinNotes, median, medianCounts, p90, stallNote } from "./lib/stats.ts";
import type { Target } from "./lib/targets.ts";
import type { FaultProxy } from "../test/support/fault-proxy.ts";
import type { CountingStore } from "../drivers/counting.ts";
import type { BenchContext, BenchOutput, Benchmark, Row } from "./lib/types.ts";

const CHILD = fileURLToPath(new URL("./engine-load-child.ts", import.meta.url));

function sizes(ctx: BenchContext): { nodes: number; edges: number; label: string } {
  return ctx.quick ? { nodes: 10_000, edges: 20_000, label: "10k nodes + 20k edges" } : { nodes: 100_000, edges: 200_000, label: "100k nodes + 200k edges" };
}

interface LoadResult {
  ms: number;
  rows: number;
  peakRssMb: number;
  rssBeforeMb: number;
  ours?: Record<string, number>;
  http?: Record<string, number>;
}

function runChild(args: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", "--import=tsx", CHILD, JSON.stringify(args)], { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) reject(new Error(`load child failed (exit ${code}): ${err.slice(-2000)}`));
      else resolve(JSON.parse(last) as LoadResult);
    });
  });
}

/** The graph the query benchmarks read: the first measured load, or one built now. */
function queryGraph(ctx: BenchContext, target: Target): Promise<string> {
  return ctx.memo(`engine-graph:${target.name}`, async () => {
    const { nodes, edges } = sizes(ctx);
    const prefix = "graphs/engine-q";
    ctx.log(`  building the query graph on ${target.name} (${nodes} nodes, ${edges} edges)`);
    await runChild({ target: target.spec, mode: "ours", prefix, nodes, edges, count: false });
    return prefix;
  });
}

const loadBench: Benchmark = {
  name: "engine-load",
  group: "engine",
  description: "NDJSON load (strict, one commit) vs raw LanceDB createEmptyTable + add of the same rows",
  async run(ctx) {
    const { nodes, edges, label } = sizes(ctx);
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const target of ctx.targets) {
      const runs = ctx.quick ? 1 : 3;
      const ours: LoadResult[] = [];
      const raw: LoadResult[] = [];
      for (let i = 0; i < runs; i++) {
        const count = target.name === "rgw";
        const doOurs = async () => {
          ours.push(await runChild({ target: target.spec, mode: "ours", prefix: `graphs/load-${i}`, nodes, edges, count }));
          ctx.log(`  ${target.name} load #${i + 1} ours ${fmtNum(ours.at(-1)!.ms)} ms`);
        };
        const doRaw = async () => {
          raw.push(await runChild({ target: target.spec, mode: "raw", prefix: `raw/load-${i}`, nodes, edges, count }));
          ctx.log(`  ${target.name} load #${i + 1} raw  ${fmtNum(raw.at(-1)!.ms)} ms`);
        };
        if (i % 2 === 0) {
          await doOurs();
          await doRaw();
        } else {
          await doRaw();
          await doOurs();
        }
        // The first measured load becomes the graph the query benchmarks read.
        if (i === 0) await ctx.memo(`engine-graph:${target.name}`, async () => "graphs/load-0");
      }
      const total = nodes + edges;
      const om = median(ours.map((r) => r.ms));
      const rm = median(raw.map((r) => r.ms));
      const viaProxy = target.name === "rgw" ? " (RGW runs go through the counting proxy, both sides)" : "";
      rows.push({
        bench: "engine-load", what: `load ${label}`, target: target.name, unit: "ms", median: om, n: runs,
        baseline: { what: "raw LanceDB add", median: rm }, ratio: om / rm,
        requests: target.name === "rgw" ? fmtCounts(medianCounts(ours.map((r) => r.http ?? {}))) : `store ${fmtCounts(medianCounts(ours.map((r) => r.ours ?? {})))}`,
        baselineRequests: target.name === "rgw" ? fmtCounts(medianCounts(raw.map((r) => r.http ?? {}))) : "n/a (local files)",
        note: `${fmtNum(total / (om / 1000))} vs ${fmtNum(total / (rm / 1000))} rows/s${viaProxy}`,
      });
      rows.push({
        bench: "engine-load", what: `load ${label}: peak RSS`, target: target.name, unit: "MB",
        median: median(ours.map((r) => r.peakRssMb)), n: runs,
        baseline: { what: "raw LanceDB add", median: median(raw.map((r) => r.peakRssMb)) },
        ratio: median(ours.map((r) => r.peakRssMb)) / median(raw.map((r) => r.peakRssMb)),
        note: `process peak (getrusage maxrss) in a fresh child; RSS before the load (input generated) ${fmtNum(median(ours.map((r) => r.rssBeforeMb)))} / ${fmtNum(median(raw.map((r) => r.rssBeforeMb)))} MB`,
      });
    }
    notes.push("Load: both sides parse the same NDJSON string (generated before the clock starts); the baseline JSON.parses each line and builds Arrow with lancedb.makeArrowTable, as a hand-written loader would.");
    return { rows, notes };
  },
};

interface Opened {
  graph: Graph;
  engine: GraphEngine;
  catalog: Catalog;
  nodes: lancedb.Table;
  edges: lancedb.Table;
  col: (type: "Item" | "Link", prop: string) => string;
}

async function openGraph(target: Target, prefix: string, opts: { proxy?: FaultProxy } = {}): Promise<Opened & { counter: CountingStore }> {
  const { loc, counter } = target.open(prefix, opts.proxy ? { proxy: opts.proxy } : {});
  const graph = await Graph.open(loc, { mode: "read-only" });
  const engine = new GraphEngine(graph);
  const snap = await engine.snapshot();
  const catalog = await engine.catalogOf(snap);
  const item = catalog.nodes.find((n) => n.name === "Item")!;
  const link = catalog.edges.find((e) => e.name === "Link")!;
  const col = (type: "Item" | "Link", prop: string) => `\`${(type === "Item" ? item : link).properties.find((p) => p.name === prop)!.id}\``;
  // What a hand-written program holds: the two Lance tables, opened once.
  const nodes = await snap.table(keyOf(item));
  const edges = await snap.table(keyOf(link));
  return { graph, engine, catalog, nodes, edges, col, counter };
}

type Q = { ours: (i: number) => Promise<string[]>; base: (i: number) => Promise<string[]> };

function filterQueries(o: Opened): Q {
  const sku = o.col("Item", "sku");
  const price = o.col("Item", "price");
  const cat = o.col("Item", "cat");
  const skuKey = sku.slice(1, -1);
  const priceKey = price.slice(1, -1);
  return {
    ours: async () => (await o.engine.query({ query: QUERIES, name: "top_c7" })).rows.map((r) => `${r["i.sku"]}:${r["i.price"]}`),
    base: async () => {
      const got = (await o.nodes.query().where(`${price} > 500 AND ${cat} = 'c7'`).select([skuKey, priceKey]).toArray()) as Record<string, unknown>[];
      got.sort((a, b) => (b[priceKey] as number) - (a[priceKey] as number) || ((a[skuKey] as string) < (b[skuKey] as string) ? -1 : (a[skuKey] as string) > (b[skuKey] as string) ? 1 : 0));
      return got.slice(0, 20).map((r) => `${r[skuKey]}:${r[priceKey]}`);
    },
  };
}

const START = [123, 4567, 8910, 23456, 34567, 45678, 56789, 67890, 78901, 89012];
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

function hopQueries(o: Opened, nodesTotal: number): Q {
  const sku = o.col("Item", "sku");
  const skuKey = sku.slice(1, -1);
  const start = (i: number) => skuOf(START[i % START.length]! % nodesTotal);
  return {
    ours: async (i) => (await o.engine.query({ query: QUERIES, name: "fof", params: { s: start(i) } })).rows.map((r) => String(r["c.sku"])).sort(),
    base: async (i) => {
      const a = (await o.nodes.query().where(`${sku} = ${quote(start(i))}`).select(["id"]).toArray()) as { id: string }[];
      if (a.length === 0) return [];
      const hop1 = (await o.edges.query().where(`src IN (${a.map((r) => quote(r.id)).join(", ")})`).select(["src", "dst"]).toArray()) as { src: string; dst: string }[];
      const mids = [...new Set(hop1.map((r) => r.dst))];
      if (mids.length === 0) return [];
      const hop2 = (await o.edges.query().where(`src IN (${mids.map(quote).join(", ")})`).select(["src", "dst"]).toArray()) as { src: string; dst: string }[];
      const ends = [...new Set(hop2.map((r) => r.dst))];
      const c = ends.length ? ((await o.nodes.query().where(`id IN (${ends.map(quote).join(", ")})`).select(["id", skuKey]).toArray()) as Record<string, string>[]) : [];
      const skuById = new Map(c.map((r) => [r.id!, r[skuKey]!]));
      const next = new Map<string, string[]>();
      for (const e of hop2) (next.get(e.src) ?? next.set(e.src, []).get(e.src)!).push(e.dst);
      const out: string[] = [];
      for (const e of hop1) for (const d of next.get(e.dst) ?? []) if (skuById.has(d)) out.push(skuById.get(d)!);
      return out.sort();
    },
  };
}

async function measureQuery(ctx: BenchContext, bench: string, what: string, make: (o: Opened) => Q): Promise<BenchOutput> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const n = ctx.quick ? 10 : 30;
  for (const target of ctx.targets) {
    const prefix = await queryGraph(ctx, target);
    const o = await openGraph(target, prefix);
    const q = make(o);
    // Warm both paths (table handles, Lance caches), and check they agree.
    for (let i = 0; i < 3; i++) {
      const [a, b] = [await q.ours(i), await q.base(i)];
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${bench} on ${target.name}: engine and baseline disagree: ${JSON.stringify(a).slice(0, 300)} vs ${JSON.stringify(b).slice(0, 300)}`);
    }
    const ours: number[] = [];
    const base: number[] = [];
    let resultRows = 0;
    for (let i = 0; i < n; i++) {
      const runOurs = async () => {
        const t0 = performance.now();
        resultRows = (await q.ours(i)).length;
        ours.push(performance.now() - t0);
      };
      const runBase = async () => {
        const t0 = performance.now();
        await q.base(i);
        base.push(performance.now() - t0);
      };
      if (i % 2 === 0) {
        await runOurs();
        await runBase();
      } else {
        await runBase();
        await runOurs();
      }
    }
    // Requests per query: our store requests always; on RGW every HTTP request too (a
    // second handle on the same graph through the counting proxy, warmed first).
    const storeCounts: Record<string, number>[] = [];
    for (let i = 0; i < 5; i++) {
      o.counter.reset();
      await q.ours(i);
      storeCounts.push(o.counter.kinds());
    }
    let requests = `store ${fmtCounts(medianCounts(storeCounts))}`;
    let baselineRequests = target.name === "rgw" ? undefined : "n/a (local files)";
    let note: string | undefined;
    const proxy = await target.proxy();
    if (proxy) {
      const mark0 = proxy.mark();
      const p = await openGraph(target, prefix, { proxy });
      const pq = make(p);
      await pq.ours(0);
      const coldOurs = proxy.countsSince(mark0);
      const mark1 = proxy.mark();
      await pq.base(0);
      const firstBase = proxy.countsSince(mark1);
      const o2: Record<string, number>[] = [];
      const b2: Record<string, number>[] = [];
      for (let i = 1; i < 6; i++) {
        let m = proxy.mark();
        await pq.ours(i);
        o2.push(proxy.countsSince(m));
        m = proxy.mark();
        await pq.base(i);
        b2.push(proxy.countsSince(m));
      }
      requests = `${fmtCounts(medianCounts(o2))}; of which store ${fmtCounts(medianCounts(storeCounts))}`;
      baselineRequests = fmtCounts(medianCounts(b2));
      note = `HTTP per warm query; a fresh handle's open + first query: ${fmtCounts(coldOurs)} (baseline first query on opened tables: ${fmtCounts(firstBase)})`;
      p.graph.close();
      await proxy.stop();
    }
    rows.push({
      bench, what: `${what} → ${resultRows} rows`, target: target.name, unit: "ms", median: median(ours), p90: p90(ours), n,
      baseline: { what: "LanceDB by hand", median: median(base), p90: p90(base) }, ratio: median(ours) / median(base),
      requests, baselineRequests, note: joinNotes(note, stallNote("ours", ours), stallNote("baseline", base)),
    });
    o.graph.close();
  }
  if (bench === "engine-filter") notes.push(
    "Queries: ours = `engine.query` end to end (consistent head check — 2 parallel GETs —, compile, Lance queries with pushdown, rows re-checked, projection, order, limit); " +
    "the baseline holds the same two Lance tables (opened once from the same snapshot) and runs the hand-written queries. Both are warmed and their answers compared before timing; runs alternate.",
  );
  return { rows, notes };
}

const filterBench: Benchmark = {
  name: "engine-filter",
  group: "engine",
  description: "filtered match with order/limit vs the same filter on LanceDB + sort/slice in JS",
  run: (ctx) => measureQuery(ctx, "engine-filter", `filter price>500 ∧ cat="c7", order price desc, sku, limit 20 (${sizes(ctx).nodes / 1000}k nodes)`, filterQueries),
};

const hopBench: Benchmark = {
  name: "engine-2hop",
  group: "engine",
  description: "friends-of-friends (2 hops over Link) vs the same hops by hand on LanceDB (src IN (...))",
  run: (ctx) => measureQuery(ctx, "engine-2hop", `2-hop fof from one Item (${sizes(ctx).nodes / 1000}k nodes, ${sizes(ctx).edges / 1000}k edges)`, (o) => hopQueries(o, sizes(ctx).nodes)),
};

export const engineBenchmarks: Benchmark[] = [loadBench, filterBench, hopBench];
