import test from "ava";
import type { GraphEngine } from "../../server/engine/engine.ts";
import { MergeConflictError, type MergeConflictKind } from "../../server/engine/merge.ts";
import { buildIndex, compactTable } from "../../server/store/maintenance.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf, engineWith, rowsOf } from "./support.ts";

const SCHEMA = `
node Person { name: String @key  age: I32?  email: String? @unique }
node Item { code: String @key  v: I32 }
edge Knows: Person -> Person
edge Mentor: Person -> Person @card(0..1)
`;
const DATA = [
  `{"type":"Person","data":{"name":"ann","age":30}}`,
  `{"type":"Person","data":{"name":"bob","age":40}}`,
  `{"type":"Person","data":{"name":"cat","age":50}}`,
  `{"edge":"Knows","from":"ann","to":"bob"}`,
].join("\n");

const ages = `query q() { match { $p: Person } return { $p.name, $p.age } order { $p.name } }`;
const setAge = `query q($n: String, $a: I32) { update Person set { age: $a } where name = $n }`;
const addPerson = `query q($n: String, $a: I32) { insert Person { name: $n, age: $a } }`;
const delPerson = `query q($n: String) { delete Person where name = $n }`;
const setEmail = `query q($n: String, $e: String) { update Person set { email: $e } where name = $n }`;
const knows = `query q($a: String, $b: String) { insert Knows { from: $a, to: $b } }`;
const mentor = `query q($a: String, $b: String) { insert Mentor { from: $a, to: $b } }`;

async function withBranch(e: GraphEngine): Promise<void> {
  await e.graph.createBranch("dev", { actor: "test" });
}
const m = (e: GraphEngine, query: string, params: Record<string, unknown>, branch = "main") => e.mutate({ query, params, branch, actor: "test" });

async function conflictKinds(e: GraphEngine): Promise<{ kinds: MergeConflictKind[]; headBefore: string; headAfter: string }> {
  const headBefore = (await e.graph.snapshot({ branch: "main" })).commitId;
  try {
    await e.merge({ source: "dev", actor: "test" });
  } catch (err) {
    if (!(err instanceof MergeConflictError)) throw err;
    const headAfter = (await e.graph.snapshot({ branch: "main" })).commitId;
    return { kinds: err.conflicts.map((c) => c.kind), headBefore, headAfter };
  }
  throw new Error("the merge did not conflict");
}

for (const target of storeTargets()) {
  const it = (title: string, fn: (t: import("ava").ExecutionContext, e: GraphEngine) => Promise<void>) =>
    test(`${target.name}: merge ${title}`, async (t) => {
      const e = await engineWith(target, SCHEMA, DATA);
      await withBranch(e);
      await fn(t, e);
    });

  it("outcome already_up_to_date: nothing changed on the source", async (t, e) => {
    await m(e, setAge, { n: "ann", a: 31 });
    const before = (await e.graph.snapshot()).commitId;
    const out = await e.merge({ source: "dev", actor: "test" });
    t.is(out.outcome, "already_up_to_date");
    t.is((await e.graph.snapshot()).commitId, before);
  });

  it("outcome fast_forward: only the source moved; the target adopts its tables", async (t, e) => {
    await m(e, setAge, { n: "ann", a: 31 }, "dev");
    await m(e, addPerson, { n: "dan", a: 20 }, "dev");
    const out = await e.merge({ source: "dev", actor: "test" });
    t.is(out.outcome, "fast_forward");
    t.deepEqual(await rowsOf(e, ages), await rowsOf(e, ages, {}, { branch: "dev" }));
    const dev = await e.graph.snapshot({ branch: "dev" });
    const main = await e.graph.snapshot();
    t.deepEqual(main.tableState("node:T1"), dev.tableState("node:T1"), "no data copied: main points at dev's table version");
  });

  it("outcome fast_forward when the target moved only by maintenance (an index build, a compaction): the target keeps its maintained state of tables the source never changed", async (t, e) => {
    await m(e, setAge, { n: "ann", a: 31 }, "dev");
    const person = "node:T1";
    const other = (await e.graph.snapshot()).tableKeys().find((k) => k !== person)!;
    t.true((await buildIndex(e.graph, "main", person, "id", "btree")).committed);
    t.true((await compactTable(e.graph, "main", other)).committed || (await buildIndex(e.graph, "main", other, "id", "btree")).committed);
    const maintained = (await e.graph.snapshot()).tableState(other);
    const out = await e.merge({ source: "dev", actor: "test" });
    t.is(out.outcome, "fast_forward", "maintenance changes no row: the target has not moved");
    t.deepEqual(await rowsOf(e, ages), await rowsOf(e, ages, {}, { branch: "dev" }));
    const main = await e.graph.snapshot();
    t.deepEqual(main.tableState(person), (await e.graph.snapshot({ branch: "dev" })).tableState(person), "the source's changed table is adopted");
    t.deepEqual(main.tableState(other), maintained, "the untouched table keeps main's maintained version");
  });

  it("outcome already_up_to_date when the source moved only by maintenance", async (t, e) => {
    t.true((await buildIndex(e.graph, "dev", "node:T1", "id", "btree")).committed);
    const before = (await e.graph.snapshot()).commitId;
    const out = await e.merge({ source: "dev", actor: "test" });
    t.is(out.outcome, "already_up_to_date");
    t.is((await e.graph.snapshot()).commitId, before);
  });

  it("outcome merged: both moved on different entities; one commit with two parents", async (t, e) => {
    await m(e, setAge, { n: "ann", a: 31 }, "dev");
    await m(e, setAge, { n: "bob", a: 41 });
    const devHead = (await e.graph.snapshot({ branch: "dev" })).commitId;
    const mainHead = (await e.graph.snapshot()).commitId;
    const out = await e.merge({ source: "dev", actor: "test" });
    t.is(out.outcome, "merged");
    t.deepEqual(await rowsOf(e, ages), [{ "p.name": "ann", "p.age": 31 }, { "p.name": "bob", "p.age": 41 }, { "p.name": "cat", "p.age": 50 }]);
    const [head] = await e.graph.history("main", { limit: 1 });
    t.is(head!.commitId, out.commit?.commitId ?? "");
    t.is(head!.parentCommitId, mainHead);
    t.is(head!.mergedParentCommitId, devHead);
  });

  it("conflict divergent_insert: both inserted one key differently", async (t, e) => {
    await m(e, addPerson, { n: "dan", a: 20 }, "dev");
    await m(e, addPerson, { n: "dan", a: 21 });
    const r = await conflictKinds(e);
    t.deepEqual(r.kinds, ["divergent_insert"]);
    t.is(r.headAfter, r.headBefore, "a conflicting merge leaves the target untouched");
  });

  it("conflict divergent_update: both updated one entity differently", async (t, e) => {
    await m(e, setAge, { n: "ann", a: 31 }, "dev");
    await m(e, setAge, { n: "ann", a: 32 });
    t.deepEqual((await conflictKinds(e)).kinds, ["divergent_update"]);
  });

  it("conflict delete_vs_update: one side deleted what the other updated", async (t, e) => {
    await m(e, delPerson, { n: "cat" }, "dev");
    await m(e, setAge, { n: "cat", a: 51 });
    t.deepEqual((await conflictKinds(e)).kinds, ["delete_vs_update"]);
  });

  it("conflict orphan_edge: the source links to a node the target deleted", async (t, e) => {
    await m(e, knows, { a: "bob", b: "cat" }, "dev");
    await m(e, delPerson, { n: "cat" });
    t.deepEqual((await conflictKinds(e)).kinds, ["orphan_edge"]);
  });

  it("conflict unique_violation: both gave the same email to different people", async (t, e) => {
    await m(e, setEmail, { n: "ann", e: "x@example.com" }, "dev");
    await m(e, setEmail, { n: "bob", e: "x@example.com" });
    t.deepEqual((await conflictKinds(e)).kinds, ["unique_violation"]);
  });

  it("conflict cardinality_violation: each side gave ann a different mentor under @card(0..1)", async (t, e) => {
    await m(e, mentor, { a: "ann", b: "bob" }, "dev");
    await m(e, mentor, { a: "ann", b: "cat" });
    t.deepEqual((await conflictKinds(e)).kinds, ["cardinality_violation"]);
  });

  it("conflict value_constraint_violation: the target added a @range the source's row breaks", async (t, e) => {
    await m(e, `query q() { insert Item { code: "i1", v: 500 } }`, {}, "dev");
    await e.applySchema({ source: SCHEMA.replace("node Item { code: String @key  v: I32 }", "node Item { code: String @key  v: I32  @range(v, 0..100) }"), actor: "test" });
    t.deepEqual((await conflictKinds(e)).kinds, ["value_constraint_violation"]);
  });

  it("with delete_branch, the source is deleted after a successful merge", async (t, e) => {
    await m(e, setAge, { n: "ann", a: 31 }, "dev");
    const out = await e.merge({ source: "dev", actor: "test", deleteBranch: true });
    t.is(out.branchDeleted, true);
    t.false((await e.graph.listBranches()).some((b) => b.name === "dev"));
    t.is(await codeOf(e.merge({ source: "dev", actor: "test" })), "ERR_BRANCH_NOT_FOUND");
  });
}
