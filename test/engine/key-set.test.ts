// A keyed insert of a NEW key is a plain Lance `add` (issue 12 item 3): the writer tells
// new keys from existing ones with its per-table key set (server/store/key-sets.ts),
// exact for one Lance version, or a query on `id` when the set is missing or over its
// bound. These tests spy on the ops the store applies (the real store and LanceDB run)
// and check that upsert semantics never break: an existing key — also one another
// handle wrote, which the set cannot know of — is updated, never duplicated.
import test from "ava";
import { GraphEngine } from "../../server/engine/engine.ts";
import { Graph } from "../../server/store/graph.ts";
import type { TableOp } from "../../server/store/tables.ts";
import { newGraphId, storeTargets, type StoreTarget } from "../store/support.ts";
import { rowsOf } from "./support.ts";

const SCHEMA = `node Person { name: String @key  age: I32? }\nnode Tag { name: String @key }\nedge Likes: Person -> Person`;
const INSERT = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;
const LIKE = `query q($a: String, $b: String) { insert Likes { from: $a, to: $b } }`;
const AGE = `query q($n: String) { match { $p: Person { name: $n } } return { $p.age as age } }`;
const COUNT = `query q($n: String) { match { $p: Person { name: $n } } return { count($p) as c } }`;

/** Records the kinds of Lance ops applied to node tables by this handle (table keys are type ids). */
function spyOps(g: Graph): string[] {
  const kinds: string[] = [];
  const apply = g.tables.apply.bind(g.tables);
  g.tables.apply = (key: string, base, owner: string, ops: TableOp[]) => {
    if (key.startsWith("node:")) kinds.push(...ops.map((o) => o.kind));
    return apply(key, base, owner, ops);
  };
  return kinds;
}

async function open(target: StoreTarget, graphId: string, keySetMaxIds?: number): Promise<GraphEngine> {
  return new GraphEngine(await Graph.open(target.location(graphId), { mode: "read-write", create: true, ...(keySetMaxIds !== undefined ? { keySetMaxIds } : {}) }));
}

for (const target of storeTargets().filter((x) => x.name !== "rgw")) {
  test(`${target.name}: a keyed insert of a new key appends (add), of an existing key upserts (merge_insert)`, async (t) => {
    const graphId = newGraphId();
    const e = await open(target, graphId);
    await e.applySchema({ source: SCHEMA, actor: "t" });
    await e.mutate({ query: INSERT, params: { n: "p0", a: 1 }, actor: "t" });
    const kinds = spyOps(e.graph);
    await e.mutate({ query: INSERT, params: { n: "p1", a: 2 }, actor: "t" });
    await e.mutate({ query: INSERT, params: { n: "p2", a: 3 }, actor: "t" });
    t.deepEqual(kinds, ["add", "add"], "new keys are appended");
    await e.mutate({ query: INSERT, params: { n: "p1", a: 20 }, actor: "t" });
    t.deepEqual(kinds.slice(2), ["merge_insert"], "an existing key is an upsert");
    t.deepEqual(await rowsOf(e, AGE, { n: "p1" }), [{ age: 20 }]);
    t.deepEqual(await rowsOf(e, COUNT, { n: "p1" }), [{ c: 1 }], "never duplicated");
    t.true(e.graph.tables.keySets.size >= 3, "the writer holds the key set");
    await e.graph.close();
  });

  test(`${target.name}: a key another handle inserted meanwhile is found (the key set is only trusted at its own Lance version)`, async (t) => {
    const graphId = newGraphId();
    const a = await open(target, graphId);
    await a.applySchema({ source: SCHEMA, actor: "t" });
    await a.mutate({ query: INSERT, params: { n: "p0", a: 1 }, actor: "t" });
    await a.mutate({ query: INSERT, params: { n: "p1", a: 1 }, actor: "t" }); // a's key set now holds p0, p1
    // Another handle (a restart, a CLI beside the server) inserts "x".
    const b = await open(target, graphId);
    await b.mutate({ query: INSERT, params: { n: "x", a: 1 }, actor: "t" });
    await b.graph.close();
    const kinds = spyOps(a.graph);
    await a.mutate({ query: INSERT, params: { n: "x", a: 2 }, actor: "t" });
    t.deepEqual(kinds, ["merge_insert"], "x exists: an upsert, not an append");
    t.deepEqual(await rowsOf(a, COUNT, { n: "x" }), [{ c: 1 }], "x stored once");
    t.deepEqual(await rowsOf(a, AGE, { n: "x" }), [{ age: 2 }]);
    await a.graph.close();
  });

  test(`${target.name}: over the key-set bound, existence is asked by query: new keys still append, existing keys still upsert`, async (t) => {
    const graphId = newGraphId();
    const e = await open(target, graphId, 2);
    await e.applySchema({ source: SCHEMA, actor: "t" });
    for (const n of ["p0", "p1", "p2"]) await e.mutate({ query: INSERT, params: { n, a: 1 }, actor: "t" });
    const kinds = spyOps(e.graph);
    await e.mutate({ query: INSERT, params: { n: "p3", a: 1 }, actor: "t" });
    await e.mutate({ query: INSERT, params: { n: "p0", a: 9 }, actor: "t" });
    t.deepEqual(kinds, ["add", "merge_insert"]);
    t.is(e.graph.tables.keySets.size, 0, "3+ rows do not fit a bound of 2: no set is held");
    t.deepEqual(await rowsOf(e, COUNT, { n: "p0" }), [{ c: 1 }]);
    t.deepEqual(await rowsOf(e, AGE, { n: "p0" }), [{ age: 9 }]);
    await e.graph.close();
  });

  test(`${target.name}: a delete keeps the key set exact: re-inserting a deleted key appends it once; edge endpoints are checked against it`, async (t) => {
    const graphId = newGraphId();
    const e = await open(target, graphId);
    await e.applySchema({ source: SCHEMA, actor: "t" });
    for (const n of ["p0", "p1"]) await e.mutate({ query: INSERT, params: { n, a: 1 }, actor: "t" });
    await e.mutate({ query: `query q($n: String) { delete Person where name = $n }`, params: { n: "p1" }, actor: "t" });
    const kinds = spyOps(e.graph);
    await e.mutate({ query: INSERT, params: { n: "p1", a: 5 }, actor: "t" });
    t.deepEqual(kinds, ["add"], "p1 is gone: a new key again");
    t.deepEqual(await rowsOf(e, COUNT, { n: "p1" }), [{ c: 1 }]);
    await e.mutate({ query: LIKE, params: { a: "p0", b: "p1" }, actor: "t" });
    const err = await t.throwsAsync(e.mutate({ query: LIKE, params: { a: "p0", b: "nobody" }, actor: "t" }));
    t.is((err as { code?: string }).code, "ERR_INTEGRITY", "an edge to a missing node is refused");
    await e.graph.close();
  });

  test(`${target.name}: on a new branch (lazy fork) the inherited key set is exact: an inherited key upserts, a new key appends, main is untouched`, async (t) => {
    const e = await open(target, newGraphId());
    await e.applySchema({ source: SCHEMA, actor: "t" });
    for (const n of ["p0", "p1"]) await e.mutate({ query: INSERT, params: { n, a: 1 }, actor: "t" });
    await e.graph.createBranch("dev", { from: "main", actor: "t" });
    const kinds = spyOps(e.graph);
    await e.mutate({ query: INSERT, params: { n: "p0", a: 7 }, branch: "dev", actor: "t" });
    await e.mutate({ query: INSERT, params: { n: "d1", a: 1 }, branch: "dev", actor: "t" });
    await e.mutate({ query: INSERT, params: { n: "d1", a: 2 }, branch: "dev", actor: "t" });
    t.deepEqual(kinds, ["merge_insert", "add", "merge_insert"]);
    t.deepEqual(await rowsOf(e, COUNT, { n: "p0" }, { branch: "dev" }), [{ c: 1 }]);
    t.deepEqual(await rowsOf(e, AGE, { n: "p0" }, { branch: "dev" }), [{ age: 7 }]);
    t.deepEqual(await rowsOf(e, COUNT, { n: "d1" }, { branch: "dev" }), [{ c: 1 }]);
    t.deepEqual(await rowsOf(e, AGE, { n: "p0" }), [{ age: 1 }], "main unchanged");
    t.deepEqual(await rowsOf(e, COUNT, { n: "d1" }), [{ c: 0 }]);
    await e.graph.close();
  });

  test(`${target.name}: after a lost race leaves uncommitted Lance versions on top, the next writer's restore keeps the key set (no rebuild scan) and rows stay exact`, async (t) => {
    const e = await open(target, newGraphId());
    await e.applySchema({ source: SCHEMA, actor: "t" });
    for (const n of ["p0", "p1"]) await e.mutate({ query: INSERT, params: { n, a: 1 }, actor: "t" });
    // Two concurrent one-commit-per-request inserts on one handle: both validate on the same
    // snapshot; the loser's Lance write lands on top of the winner's and is never published.
    const out = await Promise.allSettled([
      e.mutate({ query: INSERT, params: { n: "c1", a: 1 }, actor: "t" }),
      e.mutate({ query: INSERT, params: { n: "c2", a: 1 }, actor: "t" }),
    ]);
    t.is(out.filter((o) => o.status === "fulfilled").length, 1, "one wins, one conflicts");
    const winner = out[0]!.status === "fulfilled" ? "c1" : "c2";
    const loser = winner === "c1" ? "c2" : "c1";
    const kinds = spyOps(e.graph);
    await e.mutate({ query: INSERT, params: { n: "after", a: 1 }, actor: "t" }); // restores over the loser's version first
    t.deepEqual(kinds, ["add"]);
    t.true(e.graph.tables.keySets.size >= 4, `the key set survived the restore (${e.graph.tables.keySets.size} ids)`);
    await e.mutate({ query: INSERT, params: { n: loser, a: 2 }, actor: "t" });
    t.deepEqual(kinds, ["add", "add"], "the loser's key was never committed: still a new key");
    for (const n of ["p0", "p1", winner, loser, "after"]) t.deepEqual(await rowsOf(e, COUNT, { n }), [{ c: 1 }], `${n} once`);
    await e.graph.close();
  });

  test(`${target.name}: after an 8-way race of one-commit-per-request inserts on one handle, the next commit finds the winner's key set (no rebuild scan of every fragment)`, async (t) => {
    const e = await open(target, newGraphId());
    await e.applySchema({ source: SCHEMA, actor: "t" });
    for (const n of ["p0", "p1", "p2"]) await e.mutate({ query: INSERT, params: { n, a: 1 }, actor: "t" });
    // Each loser restores over the versions before it and writes on top: the winner's set
    // (at the version the head will record) must survive those later, unpublished versions.
    const racers = Array.from({ length: 8 }, (_, i) => `r${i}`);
    const out = await Promise.allSettled(racers.map((n) => e.mutate({ query: INSERT, params: { n, a: 1 }, actor: "t" })));
    const won = racers.filter((_, i) => out[i]!.status === "fulfilled");
    t.true(won.length >= 1 && won.length < 8, `some win, some conflict (${won.length} won)`);
    const tables = e.graph.tables as unknown as { scanIds: (...a: unknown[]) => Promise<Set<string>> };
    const scan = tables.scanIds.bind(tables);
    let scans = 0;
    tables.scanIds = (...a: unknown[]) => {
      scans++;
      return scan(...a);
    };
    const kinds = spyOps(e.graph);
    await e.mutate({ query: INSERT, params: { n: "after", a: 1 }, actor: "t" });
    t.is(scans, 0, "the key set was not rebuilt");
    t.deepEqual(kinds, ["add"]);
    for (const n of ["p0", "p1", "p2", ...won, "after"]) t.deepEqual(await rowsOf(e, COUNT, { n }), [{ c: 1 }], `${n} once`);
    for (const n of racers.filter((x) => !won.includes(x))) t.deepEqual(await rowsOf(e, COUNT, { n }), [{ c: 0 }], `${n} (lost) absent`);
    await e.graph.close();
  });
}
