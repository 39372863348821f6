// Soak (npm run test:faults): 1000 single-row commits through the group commit
// pipeline with automatic maintenance running beside them. Every commit is
// acknowledged, every row is present exactly once, fragments stay bounded, and a
// snapshot pinned before maintenance still reads the same rows.
import test from "ava";
import { GraphEngine } from "../../server/engine/engine.ts";
import { Graph } from "../../server/store/graph.ts";
import { pinSnapshot } from "../../server/store/maintenance.ts";
import { GroupCommit } from "../../server/runtime/group-commit.ts";
import { Maintenance } from "../../server/runtime/maintenance.ts";
import { storeTargets } from "../store/support.ts";

const SCHEMA = `node Person { name: String @key  age: I32? }`;
const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;
const ALL = `query q() { match { $p: Person } return { $p.name, $p.age } order { $p.name } }`;
const COMMITS = 1000;

for (const target of storeTargets().filter((x) => x.name === "fs")) {
  test(`${target.name}: ${COMMITS} single-row commits with maintenance running — all acknowledged once, fragments bounded, the pinned snapshot unchanged`, async (t) => {
    const loc = target.location();
    const engine = new GraphEngine(await Graph.open(loc, { mode: "read-write", create: true }));
    await engine.applySchema({ source: SCHEMA, actor: "t" });
    const gc = new GroupCommit(engine);
    const name = (i: number) => `p${String(i).padStart(4, "0")}`;
    for (let i = 0; i < 10; i++) await gc.mutate({ query: INSERT, params: { n: name(i), a: i }, actor: "t" });
    const pinned = (await engine.graph.snapshot()).commitId;
    await pinSnapshot(engine.graph, pinned);
    const pinnedRows = (await engine.query({ query: ALL, snapshot: pinned })).rows;
    const m = new Maintenance(engine, { intervalMs: 100, compactMinFragments: 32, retentionMs: 0, cleanupIntervalMs: 2000, cleanupMarginMs: 1000 }, { exclusive: (b, fn) => gc.exclusive(b, fn) });
    m.start();
    const errors: unknown[] = [];
    for (let i = 10; i < COMMITS; i++) {
      await gc.mutate({ query: INSERT, params: { n: name(i), a: i }, actor: "t" }).catch((e) => errors.push(e));
    }
    await m.stop();
    const st = m.status();
    t.deepEqual(errors.map((e) => (e as { code?: string }).code), [], "no client request failed");
    t.true(st.compactions >= 10, `compactions: ${st.compactions}`);
    t.is(st.failures, 0, JSON.stringify(st.lastRun));
    const fresh = new GraphEngine(await Graph.open(loc, { mode: "read-only" }));
    t.deepEqual((await fresh.query({ query: ALL, snapshot: pinned })).rows, pinnedRows);
    const rows = (await fresh.query({ query: ALL })).rows as { "p.name": string }[];
    t.is(rows.length, COMMITS);
    t.is(new Set(rows.map((r) => r["p.name"])).size, COMMITS);
    const st0 = Object.values((await fresh.graph.snapshot()).entry.state!.tables)[0]!;
    const frags = (await (await fresh.graph.tables.read(st0)).stats()).fragmentStats.numFragments;
    t.true(frags <= 64, `fragments at the end: ${frags}`);
    t.log(`maintenance: ${JSON.stringify({ runs: st.runs, compactions: st.compactions, indexBuilds: st.indexBuilds, versionsRemoved: st.versionsRemoved })}; fragments at the end ${frags}`);
    fresh.graph.close();
    engine.graph.close();
  });
}
