// Write-path benchmarks (issue 12): every request at the wire, through a counting
// proxy that adds a FIXED latency per request in front of the real RGW, so request
// counts and sequential round trips turn into the latency a remote object store gives.
//
//   npm run bench:writepath                              17 ms and 0 ms, 10 prior commits
//   npm run bench:writepath -- --delays 17 --history 1000   one configuration
//   npm run bench:writepath -- --n 5                     samples per operation
//   npm run bench:writepath -- --tables 112 --spread all    112 tables, history round-robin over all
//   npm run bench:writepath -- --results writepath-history --render   re-render a results file
//   npm run bench:writepath -- --history-maintenance      maintenance runs while the history is written
//
// Needs RGW (`source /work/rgw/run/env`). Results merge into
// bench/results/writepath.json (keyed by label × delay × history × tables × spread) and are rendered to
// bench/results/writepath.md, which bench/run.ts copies into RESULTS.md.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { GraphEngine } from "../server/engine/engine.ts";
import { keyOf, toArrow, type EntityRow } from "../server/engine/storage/columns.ts";
import { findNode } from "../server/engine/schema/catalog.ts";
import { GroupCommit } from "../server/runtime/group-commit.ts";
import { SerialWriteQueue } from "../server/runtime/write-queue.ts";
import { Maintenance } from "../server/runtime/maintenance.ts";
import { Graph } from "../server/store/graph.ts";
import { rgwEnv } from "../test/support/rgw.ts";
import { FaultProxy, roundTripsOf } from "../test/support/fault-proxy.ts";
import { fmtCounts, fmtNum, median, medianCounts } from "./lib/stats.ts";
import { rgwTarget, type Target } from "./lib/targets.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
let OUT_JSON = `${HERE}/results/writepath.json`;
let OUT_MD = `${HERE}/results/writepath.md`;

/** Person and Tag, then `tables - 2` more keyed node types (T003 …): the issue's 2- and 112-table graphs. */
function schemaFor(tables: number): string {
  const extra = extraTables(tables).map((t) => `node ${t} { name: String @key }`);
  return ["node Person { name: String @key  age: I32? }", "node Tag { name: String @key }", ...extra].join("\n");
}
const extraTables = (tables: number): string[] => Array.from({ length: Math.max(0, tables - 2) }, (_, i) => `T${String(i + 3).padStart(3, "0")}`);
/** Node types of the graph in history order: prior commit i goes to `order[i % order.length]` when spread. */
const tableOrder = (tables: number): string[] => ["Person", "Tag", ...extraTables(tables)];

/** Where the prior commits went: all to Person, or round-robin over every table. */
export type Spread = "one" | "all";
const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;
const READ = `query q($n: String) { match { $p: Person { name: $n } } return { $p.name, $p.age } }`;
const UPDATE = `query q($n: String, $a: I32) { update Person set { age: $a } where name = $n }`;
const DELETE = `query q($n: String) { delete Person where name = $n }`;

/** One measured operation. */
export interface OpResult {
  op: string;
  n: number;
  p50Ms: number;
  requests: number;
  byKind: Record<string, number>;
  roundTrips: number;
  note?: string;
}

export interface ConfigResult {
  /** Which build was measured (`--label`, e.g. before / after a change). */
  label: string;
  delayMs: number;
  history: number;
  tables: number;
  /** Prior commits all to Person ("one", the default of older results) or round-robin over every table ("all"). */
  spread?: Spread;
  /** The history was written with maintenance (after-commit passes) running, as a writer serves (`--history-maintenance`). */
  historyMaintenance?: boolean;
  at: string;
  seconds: number;
  /** Seconds spent writing the prior history (no proxy). */
  setupSeconds?: number;
  /** 1-minute load average at the start and end of the configuration (the machine is shared). */
  load?: [number, number];
  ops: OpResult[];
  peakRssMb: number;
}

interface Sample {
  ms: number;
  /** Requests before the operation returned, by kind. */
  kinds: Record<string, number>;
  rt: number;
  /** Requests after it returned (the after-commit chain: hint CAS, sidecar delete). */
  after: number;
}

/**
 * The graph whose after-commit work (hint CAS, sidecar delete: they run after a commit
 * is acknowledged) is drained around every measurement, so a sample counts exactly the
 * requests made before the operation returned; the after-commit requests are in `after`.
 */
let measured: { drain(): Promise<void> } | undefined;

async function measure(proxy: FaultProxy, fn: () => Promise<unknown>): Promise<Sample> {
  await measured?.drain();
  const m = proxy.mark();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const ackedAt = performance.now();
  // Let the after-commit work and trailing responses finish so their end times are known.
  await measured?.drain();
  await new Promise((r) => setImmediate(r));
  const recs = proxy.since(m);
  const before = recs.filter((r) => r.start < ackedAt);
  const kinds: Record<string, number> = {};
  for (const r of before) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  return { ms, kinds, rt: roundTripsOf(before), after: recs.length - before.length };
}

function summarize(op: string, samples: Sample[], note?: string): OpResult {
  const byKind = medianCounts(samples.map((s) => s.kinds));
  const after = median(samples.map((s) => s.after));
  const afterNote = after > 0 ? `+${fmtNum(after)} after the acknowledgement (hint CAS, sidecar delete)` : undefined;
  const fullNote = [note, afterNote].filter(Boolean).join("; ");
  return {
    op, n: samples.length, p50Ms: median(samples.map((s) => s.ms)), byKind,
    requests: median(samples.map((s) => Object.values(s.kinds).reduce((a, b) => a + b, 0))),
    roundTrips: median(samples.map((s) => s.rt)),
    ...(fullNote ? { note: fullNote } : {}),
  };
}

/**
 * Prior commits, each ONE single-row commit (its own manifest entry, one new Lance
 * fragment in one table), written directly (no proxy). `one`: all to Person, one after
 * another (two commits to the same table cannot overlap: the second would conflict).
 * `all`: commit i goes to table i mod tables; `workers` commits run at a time, each
 * worker owning a disjoint set of tables, so concurrent commits touch different tables
 * and the store's publish loop rebases them (still one entry and one fragment each —
 * the group commit is NOT used, it would merge them into one entry). Returns the names
 * written to Person (the rows the measured reads and updates address).
 */
async function growHistory(engine: GraphEngine, count: number, spread: Spread, tables: number, log: (s: string) => void, queue?: SerialWriteQueue): Promise<string[]> {
  const snap0 = await engine.graph.snapshot();
  const catalog = await engine.catalogOf(snap0);
  const order = spread === "one" ? ["Person"] : tableOrder(tables);
  const types = order.map((name) => findNode(catalog, name)!);
  const personNames: string[] = [];
  for (let i = 0; i < count; i++) if (i % order.length === 0) personNames.push(`prior-${i}`);
  // Workers must divide the table count so that each owns whole residues (disjoint tables).
  let workers = 1;
  if (spread === "all") for (const w of [8, 7, 4, 2]) if (order.length % w === 0 && w <= order.length) { workers = w; break; }
  let done = 0;
  const t0 = Date.now();
  const worker = async (w: number) => {
    for (let i = w; i < count; i += workers) {
      const t = types[i % types.length]!;
      const base = await engine.graph.snapshot();
      const row: EntityRow = { id: `prior-${i}`, props: t.name === "Person" ? { name: `prior-${i}`, age: i } : { name: `prior-${i}` } };
      const commit = async () => engine.graph.commit({ branch: "main", kind: "commit", actor: "bench", base: queue ? await engine.graph.snapshot() : base, writes: { [keyOf(t)]: [{ kind: "add", data: toArrow(t, [row]) }] }, reads: [keyOf(t)] });
      // With maintenance running during the history, commits and its duties take turns (as in a writer's write queue).
      await (queue ? queue.run(commit) : commit());
      if (++done % 200 === 0) log(`    history ${done}/${count} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return personNames;
}

let seq = 0;
const fresh = (p: string) => `${p}-${process.pid}-${++seq}`;

async function runConfig(target: Target, env: NonNullable<ReturnType<typeof rgwEnv>>, c: { delayMs: number; history: number; tables: number; spread: Spread; historyMaintenance?: boolean }, n: number, log: (s: string) => void): Promise<ConfigResult> {
  const { delayMs, history, tables, spread } = c;
  const started = Date.now();
  const load0 = loadavg()[0]!;
  const tag = `delay ${delayMs} ms, history ${history}, ${tables} tables, ${spread}`;
  const prefix = `graphs/wp-${delayMs}-${history}-${tables}-${spread}-${Date.now().toString(36)}`;
  // Setup without the proxy: schema, one row in every table but Person, `history` prior commits.
  const direct = new GraphEngine(await Graph.open(target.open(prefix).loc, { mode: "read-write", create: true }));
  await direct.applySchema({ source: schemaFor(tables), actor: "bench" });
  const others = tableOrder(tables).slice(1);
  await direct.mutate({ query: `query q() { ${others.map((t) => `insert ${t} { name: "t" }`).join(" ")} }`, actor: "bench" });
  await direct.mutate({ query: INSERT, params: { n: "seed", a: 0 }, actor: "bench" });
  let historyNote: string | undefined;
  let personNames: string[];
  if (c.historyMaintenance) {
    // As a writer serves: maintenance (after-commit passes) runs while the history is written.
    const queue = new SerialWriteQueue();
    // After-commit passes only: the timer's version cleanup publishes outside the write
    // queue (under the table lock), so a direct commit beside it can meet a conflict that a
    // server's group commit would retry.
    const hm = new Maintenance(direct, { retentionMs: 3600_000, intervalMs: 3_600_000 }, { exclusive: (_b, fn) => queue.run(fn), busy: () => queue.depth > 0 });
    hm.start();
    personNames = await growHistory(direct, history, spread, tables, log, queue);
    await hm.settled();
    await hm.stop();
    const st = hm.status();
    historyNote = `history written with maintenance running: ${st.compactions} compactions, ${st.indexBuilds} index builds, ${st.failures} failures`;
    log(`  ${historyNote}`);
  } else {
    personNames = await growHistory(direct, history, spread, tables, log);
  }
  if (personNames.length === 0) personNames.push("seed");
  await direct.graph.close();
  const setupSeconds = (Date.now() - started) / 1000;
  log(`  ${tag}: graph ready (${setupSeconds.toFixed(0)} s)`);
  const priorName = (i: number) => personNames[i % personNames.length]!;

  // Raw LanceDB table with the same number of prior one-row appends (the floor).
  const rawPath = `${prefix}-raw`;
  const rawDirect = await target.lance(rawPath);
  const rawRow = (i: number) => [{ id: `r${i}`, age: i }];
  const rawSetup = await rawDirect.createTable("t", rawRow(0));
  // The floor's history matches Person's fragment count (all prior commits when `one`).
  for (let i = 1; i < Math.max(1, personNames.length); i++) await rawSetup.add(rawRow(i));

  const proxy = await new FaultProxy(env.endpoint, "s3", { delayMs }).start();
  const ops: OpResult[] = [];
  try {
    const engine = new GraphEngine(await Graph.open(target.open(prefix, { proxy }).loc, { mode: "read-write", recover: false }));
    measured = engine.graph;
    // Warm: one read and one write on the measuring handle.
    await engine.query({ query: READ, params: { n: priorName(0) } });
    await engine.mutate({ query: INSERT, params: { n: fresh("warm"), a: 1 }, actor: "bench" });

    const s: Record<string, Sample[]> = { insert: [], read: [], update: [], delete: [] };
    const victims: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = fresh("ins");
      victims.push(name);
      s.insert!.push(await measure(proxy, () => engine.mutate({ query: INSERT, params: { n: name, a: i }, actor: "bench" })));
      s.read!.push(await measure(proxy, () => engine.query({ query: READ, params: { n: priorName(i) } })));
      s.update!.push(await measure(proxy, () => engine.mutate({ query: UPDATE, params: { n: priorName(i), a: 1000 + i }, actor: "bench" })));
    }
    for (const v of victims) s.delete!.push(await measure(proxy, () => engine.mutate({ query: DELETE, params: { n: v }, actor: "bench" })));
    ops.push(summarize("keyed single-row insert", s.insert!));
    ops.push(summarize("point read by key (warm)", s.read!));
    ops.push(summarize("single-row update", s.update!));
    ops.push(summarize("single-row delete", s.delete!));
    log(`  ${tag}: insert/read/update/delete done`);

    const first: Sample[] = [];
    const second: Sample[] = [];
    for (let i = 0; i < Math.min(n, 5); i++) {
      const b = fresh("b");
      await engine.graph.createBranch(b, { from: "main", actor: "bench" });
      first.push(await measure(proxy, () => engine.mutate({ query: INSERT, params: { n: fresh("br"), a: 1 }, branch: b, actor: "bench" })));
      second.push(await measure(proxy, () => engine.mutate({ query: INSERT, params: { n: fresh("br"), a: 2 }, branch: b, actor: "bench" })));
    }
    const f = summarize("first write on a new branch (lazy fork)", first);
    const sec = summarize("second write on that branch", second);
    f.note = `${fmtNum(f.p50Ms / sec.p50Ms)}× the second write`;
    ops.push(f, sec);

    // 16 concurrent inserts, one commit per request (no client retry).
    const conc: Sample[] = [];
    let okTotal = 0;
    let entriesTotal = 0;
    // At 1000 prior commits one round of the conflicting baseline takes ~100 s: one round there.
    const rounds = history >= 1000 ? 1 : Math.min(n, 3);
    for (let r = 0; r < rounds; r++) {
      const before = (await engine.graph.log.head())!.seq;
      let ok = 0;
      conc.push(await measure(proxy, async () => {
        const out = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => engine.mutate({ query: INSERT, params: { n: fresh("c16"), a: i }, actor: "bench" })));
        ok = out.filter((o) => o.status === "fulfilled").length;
      }));
      okTotal += ok;
      entriesTotal += (await engine.graph.log.head())!.seq - before;
    }
    const c = summarize("16 concurrent inserts, one commit per request", conc);
    c.note = `${fmtNum(okTotal / rounds)} of 16 succeed, ${fmtNum(entriesTotal / rounds)} manifest entries; ${fmtNum(c.p50Ms / median(s.insert!.map((x) => x.ms)))}× one insert`;
    ops.push(c);

    // The same through the group commit pipeline.
    const gc = new GroupCommit(engine, { windowMs: 2, maxRequests: 64, maxBytes: 8 << 20 });
    const gconc: Sample[] = [];
    okTotal = 0;
    entriesTotal = 0;
    for (let r = 0; r < rounds; r++) {
      const before = (await engine.graph.log.head())!.seq;
      let ok = 0;
      gconc.push(await measure(proxy, async () => {
        const out = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => gc.mutate({ query: INSERT, params: { n: fresh("g16"), a: i }, actor: "bench" })));
        ok = out.filter((o) => o.status === "fulfilled").length;
      }));
      okTotal += ok;
      entriesTotal += (await engine.graph.log.head())!.seq - before;
    }
    await gc.drain();
    const g = summarize("16 concurrent inserts, group commit", gconc);
    g.note = `${fmtNum(okTotal / rounds)} of 16 succeed, ${fmtNum(entriesTotal / rounds)} manifest entries; ${fmtNum(g.p50Ms / median(s.insert!.map((x) => x.ms)))}× one insert`;
    ops.push(g);
    // 32 single-row writers: group commit (concurrent) vs one commit per request
    // (sequential: concurrent ones conflict) vs raw LanceDB appends of the same rows.
    {
      const rawDb32 = await target.lance(rawPath, { proxy });
      const raw32 = await rawDb32.openTable("t");
      const gc32 = new GroupCommit(engine, { windowMs: 2, maxRequests: 64, maxBytes: 8 << 20 });
      const t0 = performance.now();
      const m0 = proxy.mark();
      const out = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => gc32.mutate({ query: INSERT, params: { n: fresh("w32"), a: i }, actor: `client-${i}` })));
      const gMs = performance.now() - t0;
      const gReq = proxy.mark() - m0;
      const gOk = out.filter((o) => o.status === "fulfilled").length;
      await gc32.drain();
      const t1 = performance.now();
      const m1 = proxy.mark();
      for (let i = 0; i < 32; i++) await engine.mutate({ query: INSERT, params: { n: fresh("s32"), a: i }, actor: "bench" });
      const sMs = performance.now() - t1;
      const sReq = proxy.mark() - m1;
      const t2 = performance.now();
      const m2 = proxy.mark();
      for (let i = 0; i < 32; i++) await raw32.add(rawRow(10_000 + i));
      const rMs = performance.now() - t2;
      const rReq = proxy.mark() - m2;
      const rate = (ms: number) => (32 / ms) * 1000;
      ops.push({
        op: "32 single-row writers: group commit", n: 1, p50Ms: gMs, requests: gReq, byKind: { requests: gReq }, roundTrips: 0,
        note: `${gOk}/32 acknowledged, ${fmtNum(rate(gMs))} rows/s; ${fmtNum(sMs / gMs)}× one-commit-per-request (${fmtNum(rate(sMs))} rows/s, ${sReq} requests); ${fmtNum(rMs / gMs)}× raw LanceDB appends (${fmtNum(rate(rMs))} rows/s, ${rReq} requests); batches ${JSON.stringify(gc32.stats().main)}`,
      });
    }

    // Maintenance (compaction + @key indexes), then the same point read and insert again.
    {
      const m = new Maintenance(engine, { compactMinFragments: 16, retentionMs: 3600_000 });
      const t0 = performance.now();
      const run = await m.runOnce();
      const mMs = performance.now() - t0;
      const after: Record<string, Sample[]> = { insert: [], read: [], update: [], delete: [] };
      const inserted: string[] = [];
      for (let i = 0; i < n; i++) {
        const name = fresh("am");
        inserted.push(name);
        after.insert!.push(await measure(proxy, () => engine.mutate({ query: INSERT, params: { n: name, a: i }, actor: "bench" })));
        after.read!.push(await measure(proxy, () => engine.query({ query: READ, params: { n: priorName(i) } })));
        after.update!.push(await measure(proxy, () => engine.mutate({ query: UPDATE, params: { n: priorName(i), a: 2000 + i }, actor: "bench" })));
      }
      for (const v of inserted) after.delete!.push(await measure(proxy, () => engine.mutate({ query: DELETE, params: { n: v }, actor: "bench" })));
      const duties = run.duties.map((d) => `${d.duty}${d.column ? `(${d.column})` : ""} ${d.outcome}${d.fragmentsBefore !== undefined ? ` ${d.fragmentsBefore}→${d.fragmentsAfter ?? "?"} fragments` : ""}`).join(", ");
      ops.push(summarize("after one maintenance run: keyed single-row insert", after.insert!, `maintenance run ${fmtNum(mMs)} ms: ${duties}`));
      ops.push(summarize("after one maintenance run: point read by key", after.read!));
      ops.push(summarize("after one maintenance run: single-row update", after.update!));
      ops.push(summarize("after one maintenance run: single-row delete", after.delete!));
    }
    log(`  ${tag}: branch, concurrency and maintenance done`);

    // The floor: raw LanceDB add of one row, same proxy, same history.
    const rawDb = await target.lance(rawPath, { proxy });
    const raw = await rawDb.openTable("t");
    await raw.add(rawRow(100_000));
    const rs: Sample[] = [];
    for (let i = 0; i < n; i++) rs.push(await measure(proxy, () => raw.add(rawRow(100_001 + i))));
    ops.push(summarize("raw LanceDB add of one row (floor)", rs));

    // Maintenance running, as a writer serves (its after-commit passes): every
    // write schedules a pass over the tables it wrote; a sample starts once the passes
    // of the previous one settled, so it counts the operation's own requests — the
    // passes' requests are in the note (per write, median).
    {
      // As in a writer: client writes and maintenance duties take turns in one write queue.
      const queue = new SerialWriteQueue();
      // The timer's run (compaction thresholds, version cleanup) is measured by the rows above;
      // here only the after-commit passes run, so what the rows show is theirs.
      const live = new Maintenance(engine, { retentionMs: 3600_000, intervalMs: 3_600_000 }, { exclusive: (_b, fn) => queue.run(fn), busy: () => queue.depth > 0 });
      live.start();
      const write = (req: Parameters<GraphEngine["mutate"]>[0]) => queue.run(() => engine.mutate(req));
      const background: number[] = [];
      const settle = async () => {
        const m0 = proxy.mark();
        await live.quiesce();
        background.push(proxy.mark() - m0);
      };
      measured = { drain: settle };
      const t0 = performance.now();
      await write({ query: INSERT, params: { n: fresh("live-warm"), a: 0 }, actor: "bench" });
      background.length = 0;
      await settle();
      const catchUp = `catch-up pass after the first write ${fmtNum(performance.now() - t0)} ms, ${background[0] ?? 0} requests (${live.status().lastRun?.duties.map((d) => `${d.duty}${d.column ? `(${d.column})` : ""} ${d.outcome}${d.fragmentsBefore !== undefined ? ` ${d.fragmentsBefore}→${d.fragmentsAfter ?? "?"} fragments` : ""}`).join(", ") ?? "none"})`;
      background.length = 0;
      const live_: Record<string, Sample[]> = { insert: [], read: [], update: [], delete: [] };
      const bg: Record<string, number[]> = { insert: [], update: [], delete: [] };
      const inserted: string[] = [];
      const take = (k: string) => bg[k]!.push(background.splice(0).reduce((a, b) => a + b, 0));
      for (let i = 0; i < n; i++) {
        const name = fresh("live");
        inserted.push(name);
        live_.insert!.push(await measure(proxy, () => write({ query: INSERT, params: { n: name, a: i }, actor: "bench" })));
        take("insert");
        live_.read!.push(await measure(proxy, () => engine.query({ query: READ, params: { n: priorName(i) } })));
        background.length = 0;
        live_.update!.push(await measure(proxy, () => write({ query: UPDATE, params: { n: priorName(i), a: 3000 + i }, actor: "bench" })));
        take("update");
      }
      for (const v of inserted) {
        live_.delete!.push(await measure(proxy, () => write({ query: DELETE, params: { n: v }, actor: "bench" })));
        take("delete");
      }
      // Back-to-back inserts (no settling): a duty runs in the write queue, so now and then
      // an insert waits for one. Times only (the proxy cannot tell whose requests are whose).
      const burst = async (): Promise<number[]> => {
        const ms: number[] = [];
        for (let i = 0; i < 16; i++) {
          const t1 = performance.now();
          await write({ query: INSERT, params: { n: fresh("burst"), a: i }, actor: "bench" });
          ms.push(performance.now() - t1);
        }
        return ms.sort((a, b) => a - b);
      };
      measured = engine.graph;
      const withLive = await burst();
      await live.settled();
      const st = live.status();
      await live.stop();
      const without = await burst();
      const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
      const burstOp: OpResult = {
        op: "maintenance running: 16 back-to-back inserts", n: 16, p50Ms: pct(withLive, 0.5), requests: 0, byKind: {}, roundTrips: 0,
        note: `p90 ${fmtNum(pct(withLive, 0.9))} ms, max ${fmtNum(withLive[15]!)} ms; the same burst with maintenance stopped: p50 ${fmtNum(pct(without, 0.5))}, p90 ${fmtNum(pct(without, 0.9))}, max ${fmtNum(without[15]!)} ms`,
      };
      const bgNote = (k: string) => `background maintenance after it: ${fmtNum(median(bg[k]!))} requests (median; max ${Math.max(...bg[k]!)})`;
      ops.push(summarize("maintenance running: keyed single-row insert", live_.insert!, `${bgNote("insert")}; ${catchUp}; over the section ${st.compactions} compactions, ${st.indexBuilds} index builds`));
      ops.push(summarize("maintenance running: point read by key", live_.read!));
      ops.push(summarize("maintenance running: single-row update", live_.update!, bgNote("update")));
      ops.push(summarize("maintenance running: single-row delete", live_.delete!, bgNote("delete")));
      ops.push(burstOp);
    }
    await engine.graph.close(); // drains the after-commit chain before the proxy stops
  } finally {
    await proxy.stop();
  }
  if (historyNote && ops[0]) ops[0].note = [historyNote, ops[0].note].filter(Boolean).join("; ");
  return { label: "", delayMs, history, tables, spread, ...(c.historyMaintenance ? { historyMaintenance: true } : {}), at: new Date().toISOString(), seconds: (Date.now() - started) / 1000, setupSeconds, load: [load0, loadavg()[0]!], ops, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function parseList(v: string | undefined, dflt: number[]): number[] {
  return v === undefined ? dflt : v.split(",").map((x) => Number(x.trim()));
}

const spreadOf = (r: ConfigResult): Spread => r.spread ?? "one";
const sameConfig = (a: ConfigResult, b: ConfigResult) => a.label === b.label && a.delayMs === b.delayMs && a.history === b.history && a.tables === b.tables && spreadOf(a) === spreadOf(b) && !a.historyMaintenance === !b.historyMaintenance;

function render(results: ConfigResult[]): string {
  const out: string[] = [];
  out.push("Through `test/support/fault-proxy.ts` with a fixed added delay per request in front of the real RGW. Tables: 2 (Person, Tag) or 112 (Person, Tag and 110 more keyed node types, one row each). Prior commits are single-row commits (one manifest entry and one Lance fragment each), all to Person (history `one`) or round-robin over every table (history `all`: Person gets history ÷ tables of them); the measured operations address Person. Requests = every HTTP request at the wire (ours and LanceDB's), median per operation; RT = sequential round trips at the wire (parallel requests count once); p50 over N — the machine is shared, so read p50 beside the run's load average (listed under the table). Written by `npm run bench:writepath`.");
  out.push("");
  out.push("| build | delay | prior commits | tables | history on | operation | N | requests (by kind) | RT | p50 | note |");
  out.push("|---|---|---|---|---|---|---|---|---|---|---|");
  const sorted = [...results].sort((a, b) => a.label.localeCompare(b.label) || b.delayMs - a.delayMs || a.history - b.history || a.tables - b.tables || spreadOf(a).localeCompare(spreadOf(b)));
  for (const r of sorted) {
    for (const o of r.ops) {
      out.push(`| ${r.label} | ${r.delayMs} ms | ${r.history} | ${r.tables} | ${spreadOf(r) === "one" ? "one table" : "all tables"}${r.historyMaintenance ? " (maintenance running)" : ""} | ${o.op} | ${o.n} | ${fmtCounts(o.byKind)} | ${fmtNum(o.roundTrips)} | ${fmtNum(o.p50Ms)} ms | ${(o.note ?? "").replace(/\|/g, "\\|")} |`);
    }
  }
  out.push("");
  out.push(`Runs: ${sorted.map((r) => `${r.label} ${r.delayMs} ms × ${r.history} × ${r.tables} tables × ${spreadOf(r)}: ${r.at}, ${fmtNum(r.seconds)} s${r.setupSeconds !== undefined ? ` (history setup ${fmtNum(r.setupSeconds)} s)` : ""}, peak RSS ${fmtNum(r.peakRssMb)} MB${r.load ? `, load ${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}` : ""}`).join("; ")}.`);
  return out.join("\n");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const delays = parseList(arg("--delays"), [17, 0]);
  const histories = parseList(arg("--history"), [10]);
  const tableCounts = parseList(arg("--tables"), [2]);
  const spreads = (arg("--spread") ?? "one").split(",").map((x) => x.trim());
  for (const sp of spreads) if (sp !== "one" && sp !== "all") throw new Error(`--spread takes one or all (comma-separated), not '${sp}'`);
  for (const t of tableCounts) if (!Number.isInteger(t) || t < 2) throw new Error(`--tables takes integers ≥ 2, not '${t}'`);
  const n = Number(arg("--n") ?? 7);
  const label = arg("--label") ?? "current";
  // `--results name`: bench/results/<name>.json and .md instead of writepath.*; `--render`: only re-render the .md.
  const resultsName = arg("--results");
  if (resultsName) {
    OUT_JSON = `${HERE}/results/${resultsName}.json`;
    OUT_MD = `${HERE}/results/${resultsName}.md`;
  }
  if (argv.includes("--render")) {
    const results = (JSON.parse(readFileSync(OUT_JSON, "utf8")) as { results: ConfigResult[] }).results;
    writeFileSync(OUT_MD, `${render(results)}\n`);
    console.log(`wrote ${OUT_MD}`);
    return;
  }
  const env = rgwEnv();
  if (!env) {
    console.error("bench:writepath needs RGW: `source /work/rgw/run/env` first");
    process.exit(2);
  }
  const target = rgwTarget(env)!;
  const log = (s: string) => console.log(s);
  const load = (): ConfigResult[] => (existsSync(OUT_JSON) ? (JSON.parse(readFileSync(OUT_JSON, "utf8")) as { results: ConfigResult[] }).results : []);
  try {
    for (const h of histories) {
      for (const tables of tableCounts) {
        for (const spread of spreads as Spread[]) {
          for (const d of delays) {
            const r = { ...(await runConfig(target, env, { delayMs: d, history: h, tables, spread, historyMaintenance: argv.includes("--history-maintenance") }, n, log)), label };
            for (const o of r.ops) log(`    ${o.op}: ${fmtNum(o.p50Ms)} ms, ${fmtCounts(o.byKind)}, ${o.roundTrips} RT${o.note ? `; ${o.note}` : ""}`);
            // Re-read: another run (e.g. the long-history one in another process) may have written meanwhile.
            const prior = load();
            const i = prior.findIndex((p) => sameConfig(p, r));
            if (i >= 0) prior[i] = r;
            else prior.push(r);
            mkdirSync(dirname(OUT_JSON), { recursive: true });
            writeFileSync(OUT_JSON, `${JSON.stringify({ results: prior }, null, 2)}\n`);
            writeFileSync(OUT_MD, `${render(prior)}\n`);
          }
        }
      }
    }
  } finally {
    await target.cleanup();
  }
  console.log(`wrote ${OUT_JSON} and ${OUT_MD}`);
}

await main();
