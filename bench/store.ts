// Store benchmarks (issue "Graph storage core"): single-row commit latency against a
// naive commit path, consistent head checks warm vs cold (and vs a LIST-based head
// discovery, at short and long history), and branch creation on 2 vs 50 tables.
import { CountingStore } from "../drivers/counting.ts";
import { Graph } from "../server/store/graph.ts";
import type { GraphLocation } from "../server/store/layout.ts";
import { newCommitId } from "../server/store/manifest/commit-id.ts";
import { encodeEntry, type ManifestEntry } from "../server/store/manifest/entry.ts";
import { ManifestLog } from "../server/store/manifest/log.ts";
import { add, create, rows as rowTable } from "../test/store/rows.ts";
import { NaiveCommitter } from "./lib/naive-commit.ts";
import { fmtCounts, fmtNum, joinNotes, median, medianCounts, p90, stallNote } from "./lib/stats.ts";
import type { Target } from "./lib/targets.ts";
import type { Benchmark, Row } from "./lib/types.ts";

const TABLE = "node:T";

interface Sample {
  ms: number;
  kinds: Record<string, number>;
  roundTrips: number;
}

async function sample(counter: CountingStore, fn: () => Promise<unknown>): Promise<Sample> {
  counter.reset();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  return { ms, kinds: counter.kinds(), roundTrips: counter.roundTrips() };
}

function summarize(samples: Sample[], label = "ours"): { median: number; p90: number; counts: string; stall: string } {
  const ms = samples.map((s) => s.ms);
  const rt = median(samples.map((s) => s.roundTrips));
  return { median: median(ms), p90: p90(ms), counts: `${fmtCounts(medianCounts(samples.map((s) => s.kinds)))}, ${fmtNum(rt)} RT`, stall: stallNote(label, ms) };
}

/** Runs `a` and `b` alternately `n` times (the order flips each round, to share the noise). */
async function interleave(n: number, a: () => Promise<void>, b: () => Promise<void>, c?: () => Promise<void>): Promise<void> {
  const fns = c ? [a, b, c] : [a, b];
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? fns : [...fns].reverse();
    for (const f of order) await f();
  }
}

async function newGraph(target: Target, prefix: string, tables: string[] = [TABLE]): Promise<{ g: Graph; loc: GraphLocation; counter: CountingStore }> {
  const { loc, counter } = target.open(prefix);
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  const writes = Object.fromEntries(tables.map((t, i) => [t, [create, add([`${t}-0`, i])]]));
  await g.commit({ branch: "main", kind: "schema", actor: "bench", base: await g.snapshot(), writes });
  return { g, loc, counter };
}

let rowSeq = 0;
const nextId = () => `r${++rowSeq}`;

async function oursCommit(g: Graph): Promise<void> {
  await g.commit({ branch: "main", kind: "commit", actor: "bench", base: await g.snapshot(), writes: { [TABLE]: [add([nextId(), 1])] } });
}

const commitBench: Benchmark = {
  name: "store-commit",
  group: "store",
  description: "single-row commit (snapshot + commit) vs a naive commit path (LIST head discovery, create-only PUT)",
  async run(ctx) {
    const rows: Row[] = [];
    const n = ctx.quick ? 15 : 50;
    for (const target of ctx.targets) {
      const ours = await newGraph(target, "graphs/commit-ours");
      const naiveSetup = await newGraph(target, "graphs/commit-naive");
      naiveSetup.g.close();
      const { loc: nloc, counter: ncounter } = target.open("graphs/commit-naive");
      const db = target.lance("graphs/commit-naive/data");
      const naive = new NaiveCommitter(nloc, () => db);
      for (let i = 0; i < 3; i++) {
        await oursCommit(ours.g);
        await naive.commit(TABLE, rowTable([nextId(), 1]), "bench");
      }
      ctx.log(`  ${target.name}: graphs ready, timing ${n} commits each`);
      const so: Sample[] = [];
      const sn: Sample[] = [];
      await interleave(
        n,
        async () => void so.push(await sample(ours.counter, () => oursCommit(ours.g))),
        async () => void sn.push(await sample(ncounter, () => naive.commit(TABLE, rowTable([nextId(), 1]), "bench"))),
      );
      const o = summarize(so);
      const b = summarize(sn, "baseline");
      let requests = `store ${o.counts}`;
      let baselineRequests = `store ${b.counts}`;
      let note = `history ${ours.g.log.lastKnown?.seq ?? "?"} entries at the end; ours = snapshot + commit (sidecar, Lance add, sidecar CAS, entry, hint, sidecar delete)`;
      ctx.log(`  ${target.name}: timed`);
      const proxy = await target.proxy();
      if (proxy) {
        // Every HTTP request, Lance's included, on second handles through the proxy.
        const og = await Graph.open(target.open("graphs/commit-ours", { proxy }).loc, { mode: "read-write" });
        await oursCommit(og);
        await oursCommit(og);
        const pn = new NaiveCommitter(target.open("graphs/commit-naive", { proxy }).loc, (() => {
          const c = target.lance("graphs/commit-naive/data", { proxy });
          return () => c;
        })());
        await pn.commit(TABLE, rowTable([nextId(), 1]), "bench");
        const oc: Record<string, number>[] = [];
        const nc: Record<string, number>[] = [];
        for (let i = 0; i < 5; i++) {
          let m = proxy.mark();
          await oursCommit(og);
          oc.push(proxy.countsSince(m));
          m = proxy.mark();
          await pn.commit(TABLE, rowTable([nextId(), 1]), "bench");
          nc.push(proxy.countsSince(m));
        }
        requests = `${fmtCounts(medianCounts(oc))}; store ${o.counts}`;
        baselineRequests = `${fmtCounts(medianCounts(nc))}; store ${b.counts}`;
        og.close();
        await proxy.stop();
        ctx.log(`  ${target.name}: counted`);
        note += "; HTTP counts from 5 extra commits on handles through the counting proxy";
      }
      rows.push({
        bench: "store-commit", what: "single-row commit (warm writer)", target: target.name, unit: "ms", median: o.median, p90: o.p90, n,
        baseline: { what: "naive commit path", median: b.median, p90: b.p90 }, ratio: o.median / b.median, requests, baselineRequests, note: joinNotes(note, o.stall, b.stall),
      });
      await ctx.memo(`store-graph:${target.name}`, async () => "graphs/commit-ours");
      ours.g.close();
    }
    return {
      rows,
      notes: ["Naive commit path (bench/lib/naive-commit.ts): LIST `__manifest/log/` (all pages) + GET the last entry, open the Lance table at latest and add the row, one create-only PUT of the entry. No hint, no sidecar, no cached handles: it is cheaper per commit than ours at short history (fewer requests, no recovery sidecar) but not crash-safe, and its LIST grows with history (see store-head)."],
    };
  },
};

/** Appends `count` entries after the head as fast as possible (parallel create-only PUTs), then moves the hint. */
async function growHistory(loc: GraphLocation, count: number): Promise<number> {
  const log = new ManifestLog(loc);
  const head = (await log.head())!;
  let next = head.seq + 1;
  const last = head.seq + count;
  const worker = async () => {
    while (next <= last) {
      const seq = next++;
      const commitId = newCommitId(seq);
      const e: ManifestEntry = {
        ...head, seq, commitId, kind: "commit", parents: [seq - 1], parentCommits: [head.commitId], timeUs: Date.now() * 1000,
        branches: { ...head.branches, main: { ...head.branches.main!, seq, head: commitId } },
      };
      await loc.store.put(loc.logKey(seq), encodeEntry(e), { ifNoneMatch: "*", contentType: "application/json" });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const tail = (await log.head())!;
  await log.advanceHint(tail);
  return tail.seq;
}

const headBench: Benchmark = {
  name: "store-head",
  group: "store",
  description: "consistent head check: warm handle vs cold (fresh handle) vs LIST + GET last entry",
  async run(ctx) {
    const rows: Row[] = [];
    const n = ctx.quick ? 15 : 50;
    const long = ctx.quick ? 1_100 : 1_500;
    for (const target of ctx.targets) {
      const shortPrefix = await ctx.memo(`store-graph:${target.name}`, async () => {
        const s = await newGraph(target, "graphs/head-short");
        for (let i = 0; i < 20; i++) await oursCommit(s.g);
        s.g.close();
        return "graphs/head-short";
      });
      const longSetup = await newGraph(target, "graphs/head-long");
      longSetup.g.close();
      const longSeq = await growHistory(longSetup.loc, long);
      for (const [label, prefix] of [["short", shortPrefix], ["long", "graphs/head-long"]] as const) {
        const { loc, counter } = target.open(prefix);
        const g = await Graph.open(loc, { mode: "read-only" });
        const head = (await g.log.head())!;
        const naive = new NaiveCommitter(loc, () => Promise.reject(new Error("unused")));
        const warm: Sample[] = [];
        const cold: Sample[] = [];
        const base: Sample[] = [];
        await interleave(
          n,
          async () => void warm.push(await sample(counter, () => g.log.head())),
          async () => void cold.push(await sample(counter, () => new ManifestLog(loc).head())),
          async () => void base.push(await sample(counter, () => naive.head())),
        );
        const w = summarize(warm);
        const c = summarize(cold);
        const b = summarize(base, "baseline");
        const hist = `${label} history: ${label === "long" ? longSeq : head.seq} entries`;
        rows.push({
          bench: "store-head", what: `head check, warm handle (${hist})`, target: target.name, unit: "ms", median: w.median, p90: w.p90, n,
          baseline: { what: "LIST log + GET last", median: b.median, p90: b.p90 }, ratio: w.median / b.median, requests: `store ${w.counts}`, baselineRequests: `store ${b.counts}`,
          note: joinNotes("no Lance requests: pure manifest protocol", w.stall, b.stall),
        });
        rows.push({
          bench: "store-head", what: `head check, cold handle (${hist})`, target: target.name, unit: "ms", median: c.median, p90: c.p90, n,
          baseline: { what: "LIST log + GET last", median: b.median, p90: b.p90 }, ratio: c.median / b.median, requests: `store ${c.counts}`, baselineRequests: `store ${b.counts}`,
          note: joinNotes(`cold = new ManifestLog on the same (connected) store: hint GET + probes; warm/cold = ${fmtNum(w.median / c.median)}`, c.stall),
        });
        g.close();
      }
    }
    return { rows, notes: [`Long history is made by writing ${long} valid entries in parallel (create-only PUTs) and moving the hint; the LIST baseline then needs ${Math.ceil((long + 2) / 1000)} pages.`] };
  },
};

const branchBench: Benchmark = {
  name: "store-branch",
  group: "store",
  description: "branch create on a 50-table graph vs a 2-table graph (should be O(1) in table count)",
  async run(ctx) {
    const rows: Row[] = [];
    const n = ctx.quick ? 5 : 20;
    for (const target of ctx.targets) {
      const small = await newGraph(target, "graphs/branch-2", ["node:A", "node:B"]);
      const big = await newGraph(target, "graphs/branch-50", Array.from({ length: 50 }, (_, i) => `node:T${i}`));
      let i = 0;
      const ss: Sample[] = [];
      const sb: Sample[] = [];
      let bytesSmall = 0;
      let bytesBig = 0;
      await interleave(
        n,
        async () => {
          const s = await sample(big.counter, () => big.g.createBranch(`b${i++}`, { from: "main", actor: "bench" }));
          bytesBig = encodeEntry(big.g.log.lastKnown!).length;
          sb.push(s);
        },
        async () => {
          const s = await sample(small.counter, () => small.g.createBranch(`b${i++}`, { from: "main", actor: "bench" }));
          bytesSmall = encodeEntry(small.g.log.lastKnown!).length;
          ss.push(s);
        },
      );
      const o = summarize(sb);
      const b = summarize(ss, "baseline");
      let note = `entry size at the end: ${fmtNum(bytesBig / 1024)} KiB (50 tables) vs ${fmtNum(bytesSmall / 1024)} KiB (2 tables), ${n} branches each`;
      const proxy = await target.proxy();
      if (proxy) {
        const pg = await Graph.open(target.open("graphs/branch-50", { proxy }).loc, { mode: "read-write" });
        await pg.log.head();
        const m = proxy.mark();
        await pg.createBranch("counted", { from: "main", actor: "bench" });
        note += `; HTTP at the wire for one create (50 tables, Lance included): ${fmtCounts(proxy.countsSince(m))}`;
        pg.close();
        await proxy.stop();
      }
      rows.push({
        bench: "store-branch", what: "branch create, 50-table graph", target: target.name, unit: "ms", median: o.median, p90: o.p90, n,
        baseline: { what: "branch create, 2-table graph", median: b.median, p90: b.p90 }, ratio: o.median / b.median,
        requests: `store ${o.counts}`, baselineRequests: `store ${b.counts}`, note: joinNotes(note, o.stall, b.stall),
      });
      small.g.close();
      big.g.close();
    }
    return { rows };
  },
};

export const storeBenchmarks: Benchmark[] = [commitBench, headBench, branchBench];
