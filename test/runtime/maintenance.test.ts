// Automatic maintenance (server/runtime/maintenance.ts) on real stores: fragments stay
// bounded, @key columns get btree indexes, old versions are removed, and a pinned
// snapshot taken before maintenance still reads the same rows.
import test from "ava";
import { GraphEngine } from "../../server/engine/engine.ts";
import { Graph } from "../../server/store/graph.ts";
import { pinSnapshot } from "../../server/store/maintenance.ts";
import { Maintenance } from "../../server/runtime/maintenance.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf } from "../support/codes.ts";

const SCHEMA = `node Person { name: String @key  age: I32? }`;
const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;
const ALL = `query q() { match { $p: Person } return { $p.name, $p.age } order { $p.name } }`;

for (const target of storeTargets().filter((x) => x.name !== "memory")) {
  test(`${target.name}: maintenance between single-row commits keeps fragments bounded, indexes @key, removes old versions; a pinned snapshot still reads the same rows`, async (t) => {
    const loc = target.location();
    const engine = new GraphEngine(await Graph.open(loc, { mode: "read-write", create: true }));
    await engine.applySchema({ source: SCHEMA, actor: "t" });
    const insert = (i: number) => engine.mutate({ query: INSERT, params: { n: `p${String(i).padStart(3, "0")}`, a: i }, actor: "t" });
    for (let i = 0; i < 5; i++) await insert(i);
    const early = (await engine.graph.snapshot()).commitId;
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 5; i < 15; i++) await insert(i);
    const pinned = (await engine.graph.snapshot()).commitId;
    await pinSnapshot(engine.graph, pinned);
    const pinnedRows = (await engine.query({ query: ALL, snapshot: pinned })).rows;
    t.is(pinnedRows.length, 15);

    const m = new Maintenance(engine, { compactMinFragments: 8, compactMinSmallFragments: 8, retentionMs: 0, cleanupIntervalMs: 0, cleanupMarginMs: 1000 });
    for (let i = 15; i < 60; i++) {
      await insert(i);
      if (i % 10 === 9) await m.runOnce();
    }
    const last = await m.runOnce();
    const st = m.status();
    t.is(st.failures, 0, JSON.stringify(st.lastRun));
    t.true(st.compactions >= 1, "compacted at least once");
    t.true(st.indexBuilds >= 1, "built the @key index");
    t.true(st.versionsRemoved > 0, "removed old versions");
    t.truthy(last.startedAt);

    // A fresh handle (no cached Lance handles) sees what the store holds.
    const fresh = new GraphEngine(await Graph.open(loc, { mode: "read-only" }));
    t.deepEqual((await fresh.query({ query: ALL, snapshot: pinned })).rows, pinnedRows, "the pinned snapshot reads the same rows");
    t.is((await fresh.query({ query: ALL })).rows.length, 60);
    const head = await fresh.graph.snapshot();
    const tableState = Object.values(head.entry.state!.tables)[0]!;
    const stats = await (await fresh.graph.tables.read(tableState)).stats();
    t.true(stats.fragmentStats.numFragments < 20, `fragments bounded (${stats.fragmentStats.numFragments})`);
    t.true((await (await fresh.graph.tables.read(tableState)).listIndices()).some((ix) => ix.columns.includes("id")));
    t.is(await codeOf(fresh.query({ query: ALL, snapshot: early })), "ERR_SNAPSHOT_EXPIRED", "an unpinned snapshot older than the retention was cleaned up");
    fresh.graph.close();
    engine.graph.close();
  });
}

test("the duty cap goes to the most fragmented table first: compaction before indexing one-row tables", async (t) => {
  const target = storeTargets().find((x) => x.name === "fs")!;
  const engine = new GraphEngine(await Graph.open(target.location(), { mode: "read-write", create: true }));
  // Small tables first in the schema (and the entry), the fragmented one last.
  await engine.applySchema({ source: `node A { name: String @key }\nnode B { name: String @key }\nnode C { name: String @key }\n${SCHEMA}`, actor: "t" });
  await engine.mutate({ query: `query q() { insert A { name: "a" } insert B { name: "b" } insert C { name: "c" } }`, actor: "t" });
  for (let i = 0; i < 10; i++) await engine.mutate({ query: INSERT, params: { n: `p${i}`, a: i }, actor: "t" });
  const m = new Maintenance(engine, { compactMinFragments: 8, maxDutiesPerRun: 1, cleanupIntervalMs: 3_600_000 });
  const run = await m.runOnce();
  t.is(run.duties[0]?.duty, "compact", JSON.stringify(run.duties));
  t.true((run.duties[0]?.fragmentsBefore ?? 0) >= 10);
  t.true(run.truncated, "the index builds are left for the next run");
  t.is((await engine.query({ query: ALL })).rows.length, 10);
  engine.graph.close();
});
