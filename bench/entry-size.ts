// Entry size at many branches (issue 12, item 5). Every manifest entry carries the
// index of all live branches (~110 bytes each), so a commit uploads it twice (the
// entry and the head hint) and a reader that is behind or cold downloads and parses
// it. Measured on a 112-table graph at 2, 1000 and 10 000 branches, through the
// counting proxy with a fixed delay (17 ms) in front of the real RGW:
//
//   node --import=tsx bench/entry-size.ts [--branches 2,1000,10000] [--delay 17] [--n 7]
//
// Branches are created in BULK: one `branch_create` entry (through the store's publish
// loop) that adds every missing branch at once, each forked from main's head. That is
// the head entry 10 000 `createBranch` calls would leave behind (every branch record
// points at an entry holding main's state; lazy fork: no table is touched) without
// their 10 000 intermediate entries, whose sizes grow linearly — 5.5 GB of uploads for
// 10 000 one by one. What is measured depends only on the head entry.
// Writes bench/results/entry-size.json and .md.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { newWriterToken } from "../drivers/retry.ts";
import { GraphEngine } from "../server/engine/engine.ts";
import { findNode } from "../server/engine/schema/catalog.ts";
import { keyOf } from "../server/engine/storage/columns.ts";
import { Graph } from "../server/store/graph.ts";
import { newCommitId } from "../server/store/manifest/commit-id.ts";
import { BranchIndexCodec, decodeWire } from "../server/store/manifest/branch-index.ts";
import type { GraphLocation } from "../server/store/layout.ts";
import { encodeEntry, type BranchRecord } from "../server/store/manifest/entry.ts";
import { ManifestLog } from "../server/store/manifest/log.ts";
import { compactTable } from "../server/store/maintenance.ts";
import { publishEntry } from "../server/store/publish.ts";
import { FaultProxy } from "../test/support/fault-proxy.ts";
import { rgwEnv } from "../test/support/rgw.ts";
import { fmtCounts, fmtNum, median, medianCounts } from "./lib/stats.ts";
import { rgwTarget } from "./lib/targets.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const TABLES = 112;
const extra = Array.from({ length: TABLES - 2 }, (_, i) => `node T${String(i + 3).padStart(3, "0")} { name: String @key }`);
const SCHEMA = ["node Person { name: String @key  age: I32? }", "node Tag { name: String @key }", ...extra].join("\n");
const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;

/** `index`: the store as it is (branch index above 256 branches); `inline`: every record in every entry (the format before it), for comparison in the same run. */
type Format = "index" | "inline";

interface Row {
  format: Format;
  branches: number;
  entryBytes: number;
  /** CPU of one decode (JSON.parse + zod) and one encode of the head entry, in-process. */
  decodeMs: number;
  encodeMs: number;
  commit: { p50Ms: number; requests: number; byKind: Record<string, number>; roundTrips: number };
  warmHead: { p50Ms: number; requests: number; roundTrips: number };
  behindHead: { p50Ms: number; requests: number; roundTrips: number; bytesDown: number };
  coldHead: { p50Ms: number; requests: number; roundTrips: number; bytesDown: number };
}

/** Adds branches `bench-<i>` until the graph has `total` live branches, in one entry. */
async function growBranches(graph: Graph, total: number): Promise<void> {
  const writer = newWriterToken();
  await publishEntry(graph, {
    writer,
    build: async (head) => {
      const main = await graph.log.branch(head, "main");
      const have = Object.keys(head.branches).length;
      const seq = head.seq + 1;
      const commitId = newCommitId(seq);
      const added: Record<string, BranchRecord> = {};
      for (let i = have; i < total; i++) {
        added[`bench-${String(i).padStart(5, "0")}`] = { id: randomBytes(5).toString("hex"), seq, head: commitId, from: { branch: "main", seq: main!.record.seq } };
      }
      const first = Object.keys(added)[0] ?? "main";
      return {
        format: 1, seq, commitId, kind: "branch_create", branch: first, parents: [main!.record.seq], parentCommits: [main!.record.head],
        actor: "bench", timeUs: Date.now() * 1000, writer, state: main!.entry.state, branches: { ...head.branches, ...added },
        note: { bench: `bulk create of ${total - have} branches` },
      };
    },
  });
  const head = (await graph.log.head())!;
  await graph.log.advanceHint(head);
}

type S = { ms: number; kinds: Record<string, number>; rt: number; bytes: number };
async function measure(proxy: FaultProxy, fn: () => Promise<unknown>): Promise<S> {
  const m = proxy.mark();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  await new Promise((r) => setImmediate(r));
  const recs = proxy.log.slice(m);
  return { ms, kinds: proxy.countsSince(m), rt: proxy.roundTripsSince(m), bytes: recs.reduce((a, r) => a + r.bytes, 0) };
}
const sum = (k: Record<string, number>) => Object.values(k).reduce((a, b) => a + b, 0);
const summary = (xs: S[]) => ({ p50Ms: median(xs.map((x) => x.ms)), requests: median(xs.map((x) => sum(x.kinds))), roundTrips: median(xs.map((x) => x.rt)), bytesDown: median(xs.map((x) => x.bytes)) });

function cpu(fn: () => void, reps = 5): number {
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const counts = (arg("--branches") ?? "2,1000,10000").split(",").map(Number);
  const delayMs = Number(arg("--delay") ?? 17);
  const n = Number(arg("--n") ?? 7);
  const env = rgwEnv();
  if (!env) {
    console.error("bench/entry-size.ts needs RGW: `source /work/rgw/run/env` first");
    process.exit(2);
  }
  const target = rgwTarget(env)!;
  const load0 = loadavg()[0]!;
  const started = Date.now();
  const rows: Row[] = [];
  const formats = (arg("--format") ?? "inline,index").split(",") as Format[];
  const proxy = await new FaultProxy(env.endpoint, "s3", { delayMs }).start();
  try {
   for (const format of formats) {
    const prefix = `graphs/entry-size-${format}-${Date.now().toString(36)}`;
    // Inline: a codec whose threshold is never reached — every entry carries every record.
    const codecFor = (loc: GraphLocation) => new BranchIndexCodec(loc, format === "inline" ? { inlineMax: Number.POSITIVE_INFINITY, maxDelta: 0 } : undefined);
    const withFormat = (g: Graph): Graph => {
      if (format === "inline") Object.defineProperty(g, "log", { value: new ManifestLog(g.loc, codecFor(g.loc)) });
      return g;
    };
    const direct = new GraphEngine(withFormat(await Graph.open(target.open(prefix).loc, { mode: "read-write", create: true })));
    await direct.applySchema({ source: SCHEMA, actor: "bench" });
    await direct.mutate({ query: `query q() { ${["Tag", ...extra.map((x) => x.split(" ")[1]!)].map((t) => `insert ${t} { name: "t" }`).join(" ")} }`, actor: "bench" });
    for (const total of counts.sort((a, b) => a - b)) {
      await growBranches(direct.graph, total);
      // Person back to one fragment, so that the commits of every step read the same
      // number of fragments (each step's inserts add some) and only the entry differs.
      const snap = await direct.graph.snapshot();
      const personKey = keyOf(findNode(await direct.catalogOf(snap), "Person")!);
      if (snap.tableState(personKey)) await compactTable(direct.graph, "main", personKey);
      const headDirect = (await direct.graph.log.head())!;
      const live = Object.keys(headDirect.branches).length;
      // Measuring handles through the proxy: a writer and a reader, both warmed.
      const writer = new GraphEngine(withFormat(await Graph.open(target.open(prefix, { proxy }).loc, { mode: "read-write", recover: false })));
      const reader = withFormat(await Graph.open(target.open(prefix, { proxy }).loc, { mode: "read-only" }));
      await writer.mutate({ query: INSERT, params: { n: `warm-${total}`, a: 0 }, actor: "bench" });
      await reader.log.head();
      const commits: S[] = [];
      const warm: S[] = [];
      const behind: S[] = [];
      const cold: S[] = [];
      for (let i = 0; i < n; i++) {
        commits.push(await measure(proxy, () => writer.mutate({ query: INSERT, params: { n: `c-${total}-${i}`, a: i }, actor: "bench" })));
        // The reader is one commit behind: its head check downloads the new entry.
        behind.push(await measure(proxy, () => reader.log.head()));
        // Nothing new: h+1 and h+2 are both missing.
        warm.push(await measure(proxy, () => reader.log.head()));
        // Cold: a new log (no cached entry): hint, then the log objects around it.
        cold.push(await measure(proxy, () => {
          const loc = target.open(prefix, { proxy }).loc;
          return new ManifestLog(loc, codecFor(loc)).head();
        }));
      }
      const head = (await writer.graph.log.head())!;
      // The stored entry (inline below the branch index threshold, base + delta above it).
      const body = (await writer.graph.loc.store.get(writer.graph.loc.logKey(head.seq))).body;
      const row: Row = {
        format,
        branches: live,
        entryBytes: body.length,
        decodeMs: cpu(() => decodeWire(body, "x")),
        encodeMs: cpu(() => encodeEntry(head)),
        commit: { ...summary(commits), byKind: medianCounts(commits.map((c) => c.kinds)) },
        warmHead: summary(warm),
        behindHead: summary(behind),
        coldHead: summary(cold),
      };
      rows.push(row);
      console.log(`${format}, ${live} branches: entry ${fmtNum(row.entryBytes / 1024)} KiB (decode ${fmtNum(row.decodeMs)} ms, encode ${fmtNum(row.encodeMs)} ms); commit ${fmtNum(row.commit.p50Ms)} ms ${fmtCounts(row.commit.byKind)} ${row.commit.roundTrips} RT; head warm ${fmtNum(row.warmHead.p50Ms)} ms, behind-one ${fmtNum(row.behindHead.p50Ms)} ms, cold ${fmtNum(row.coldHead.p50Ms)} ms (${row.coldHead.requests} requests, ${fmtNum(row.coldHead.bytesDown / 1024)} KiB down)`);
      writer.graph.close();
      reader.close();
    }
    direct.graph.close();
   }
  } finally {
    await proxy.stop();
    await target.cleanup();
  }
  const load1 = loadavg()[0]!;
  const md: string[] = [];
  md.push(`112-table graph, one single-row insert on main per commit; ${delayMs} ms added per request (counting proxy in front of RGW); p50 over ${n}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; ${new Date().toISOString()}, ${fmtNum((Date.now() - started) / 1000)} s. Branches created in bulk (one entry; see bench/entry-size.ts). A commit uploads the entry twice (log entry + head hint). Entry size = the stored head entry (above 256 branches: a delta on a content-addressed branch index base, server/store/manifest/branch-index.ts). Decode = CPU of one JSON.parse + zod parse of that stored entry; encode = JSON.stringify of the materialised entry (the pre-index cost), no I/O. Written by \`node --import=tsx bench/entry-size.ts\`.`);
  md.push("");
  md.push("| format | live branches | entry size | decode / encode CPU | single-row commit p50 (requests, RT) | head check, warm (nothing new) | head check, one commit behind | head check, cold (new log) |");
  md.push("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    md.push(`| ${r.format === "inline" ? "inline (before)" : "branch index"} | ${r.branches} | ${fmtNum(r.entryBytes / 1024)} KiB | ${fmtNum(r.decodeMs)} / ${fmtNum(r.encodeMs)} ms | ${fmtNum(r.commit.p50Ms)} ms (${fmtCounts(r.commit.byKind)}, ${fmtNum(r.commit.roundTrips)} RT) | ${fmtNum(r.warmHead.p50Ms)} ms (${fmtNum(r.warmHead.requests)} req, ${fmtNum(r.warmHead.roundTrips)} RT) | ${fmtNum(r.behindHead.p50Ms)} ms (${fmtNum(r.behindHead.requests)} req, ${fmtNum(r.behindHead.bytesDown / 1024)} KiB down) | ${fmtNum(r.coldHead.p50Ms)} ms (${fmtNum(r.coldHead.requests)} req, ${fmtNum(r.coldHead.roundTrips)} RT, ${fmtNum(r.coldHead.bytesDown / 1024)} KiB down) |`);
  }
  mkdirSync(`${HERE}/results`, { recursive: true });
  writeFileSync(`${HERE}/results/entry-size.json`, `${JSON.stringify({ delayMs, n, load: [load0, load1], rows }, null, 2)}\n`);
  writeFileSync(`${HERE}/results/entry-size.md`, `${md.join("\n")}\n`);
  console.log(md.join("\n"));
}

await main();
