import test from "ava";
import { storeTargets } from "../store/support.ts";
import { codeOf, engineWith, rowsOf } from "./support.ts";

const SCHEMA = `
node Person { name: String @key  age: I32?  email: String? @unique  role: enum(admin, member)?  @range(age, 0..150)  @check(email, "^[^@]+@[^@]+$") }
node Note { text: String  tags: [String]? }
edge Knows: Person -> Person { since: Date? }
edge Boss: Person -> Person @card(0..1)
edge About: Note -> Person
`;
const people = `query q() { match { $p: Person } return { $p.name, $p.age, $p.email, $p.role } order { $p.name } }`;
const ins = `query q($n: String, $a: I32?) { insert Person { name: $n, age: $a } }`;

for (const target of storeTargets()) {
  const it = (title: string, fn: (t: import("ava").ExecutionContext, e: Awaited<ReturnType<typeof engineWith>>) => Promise<void>) =>
    test(`${target.name}: ${title}`, async (t) => fn(t, await engineWith(target, SCHEMA)));
  const mutate = (e: Awaited<ReturnType<typeof engineWith>>, query: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    e.mutate({ query, params, actor: "alice", ...extra });

  it("keyed insert upserts; one query is one commit with affected counts", async (t, e) => {
    const a = await mutate(e, ins, { n: "ann", a: 30 });
    t.is(a.affectedNodes, 1);
    t.is(a.affectedEdges, 0);
    t.is(a.actor, "alice");
    t.truthy(a.commit);
    await mutate(e, ins, { n: "ann", a: 31 });
    t.deepEqual(await rowsOf(e, people), [{ "p.name": "ann", "p.age": 31, "p.email": null, "p.role": null }]);
    const h = await e.graph.history("main");
    t.is(h.filter((c) => c.kind === "commit").length, 2);
  });

  it("a multi-statement mutation publishes exactly one commit", async (t, e) => {
    const before = (await e.graph.history("main")).length;
    const out = await mutate(e, `query q() { insert Person { name: "a" } insert Person { name: "b" } insert Knows { from: "a", to: "b", since: "2024-01-02" } }`);
    t.is(out.affectedNodes, 2);
    t.is(out.affectedEdges, 1);
    t.is((await e.graph.history("main")).length, before + 1);
    t.deepEqual(await rowsOf(e, `query q() { match { $a: Person  $a knows $b } return { $a.name, $b.name } }`), [{ "a.name": "a", "b.name": "b" }]);
  });

  it("unkeyed inserts get ULID ids and are strict", async (t, e) => {
    await mutate(e, ins, { n: "ann" });
    await mutate(e, `query q() { insert Note { text: "hi", tags: ["x", "y"] } }`);
    const rows = await rowsOf(e, `query q() { match { $n: Note } return { $n.id, $n.text, $n.tags } }`);
    t.is(rows.length, 1);
    t.regex(rows[0]!["n.id"] as string, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    t.deepEqual(rows[0]!["n.tags"], ["x", "y"]);
    const id = rows[0]!["n.id"] as string;
    t.is(await codeOf(mutate(e, `query q($id: String) { insert Note { id: $id, text: "again" } }`, { id })), "ERR_KEY_CONFLICT");
  });

  it("update changes matching nodes; key properties are immutable", async (t, e) => {
    await mutate(e, ins, { n: "ann", a: 30 });
    await mutate(e, ins, { n: "bob", a: 40 });
    const out = await mutate(e, `query q() { update Person set { role: "admin" } where age >= 35 }`);
    t.is(out.affectedNodes, 1);
    t.deepEqual((await rowsOf(e, people)).map((r) => r["p.role"]), [null, "admin"]);
    t.is(await codeOf(mutate(e, `query q() { update Person set { name: "x" } where name = "ann" }`)), "ERR_TYPE");
  });

  it("deleting a node cascades to its incident edges", async (t, e) => {
    await mutate(e, `query q() { insert Person { name: "a" } insert Person { name: "b" } insert Person { name: "c" } insert Knows { from: "a", to: "b" } insert Knows { from: "c", to: "a" } insert Knows { from: "b", to: "c" } }`);
    const out = await mutate(e, `query q() { delete Person where name = "a" }`);
    t.is(out.affectedNodes, 1);
    t.is(out.affectedEdges, 2);
    t.deepEqual(await rowsOf(e, `query q() { match { $x: Person  $x knows $y } return { $x.name, $y.name } }`), [{ "x.name": "b", "y.name": "c" }]);
  });

  it("edges are deleted by from/to", async (t, e) => {
    await mutate(e, `query q() { insert Person { name: "a" } insert Person { name: "b" } insert Knows { from: "a", to: "b" } insert Knows { from: "b", to: "a" } }`);
    const out = await mutate(e, `query q() { delete Knows where from = "a" }`);
    t.is(out.affectedEdges, 1);
    t.is((await rowsOf(e, `query q() { match { $x: Person  $x knows $y } return { $x.name } }`)).length, 1);
  });

  it("a mutation that changes nothing publishes no commit", async (t, e) => {
    const out = await mutate(e, `query q() { delete Person where name = "nobody" }`);
    t.is(out.commit, null);
    t.is(out.affectedNodes, 0);
  });

  it("error classes: D2 mix, mutation sent as a read, integrity rules — each rejected before any write", async (t, e) => {
    await mutate(e, `query q() { insert Person { name: "a", email: "a@x" } insert Person { name: "b" } insert Boss { from: "a", to: "b" } }`);
    const head = (await e.graph.snapshot()).commitId;
    const cases: [string, string, Record<string, unknown>?][] = [
      [`query q() { insert Person { name: "z" } delete Person where name = "a" }`, "ERR_D2_MIXED_MUTATION"],
      [`query q() { insert Knows { from: "a", to: "ghost" } }`, "ERR_INTEGRITY"],
      [`query q() { insert Person { name: "c", email: "a@x" } }`, "ERR_INTEGRITY"],
      [`query q() { insert Person { name: "c", age: 151 } }`, "ERR_INTEGRITY"],
      [`query q() { insert Person { name: "c", email: "not-an-email" } }`, "ERR_INTEGRITY"],
      [`query q($r: String) { update Person set { role: $r } where name = "a" }`, "ERR_INTEGRITY", { r: "superuser" }],
      [`query q() { insert Boss { from: "a", to: "a" } }`, "ERR_INTEGRITY"],
      [`query q() { insert Note { id: "dup", text: "x" } insert Note { id: "dup", text: "y" } }`, "ERR_KEY_CONFLICT"],
      [`query q() { insert Person { name: "c" } insert Persn { name: "d" } }`, "ERR_TYPE"],
      [`query q( { }`, "ERR_PARSE"],
      [`query q($a: I32) { insert Person { name: "c", age: $a } }`, "ERR_PARAM", { a: "old" }],
    ];
    for (const [q, code, params] of cases) t.is(await codeOf(mutate(e, q, params ?? {})), code, q);
    t.is(await codeOf(e.query({ query: `query q() { insert Person { name: "c" } }` })), "ERR_MUTATION_IN_READ");
    t.is((await e.graph.snapshot()).commitId, head, "no rejected mutation published anything");
  });

  it("Omnigraph-If-Graph-Commit: a stale expected commit fails typed; the current one succeeds", async (t, e) => {
    const first = await mutate(e, ins, { n: "a" });
    await mutate(e, ins, { n: "b" });
    t.is(await codeOf(mutate(e, ins, { n: "c" }, { expectCommit: first.commit?.commitId })), "ERR_GRAPH_COMMIT_PRECONDITION");
    const now = (await e.query({ query: people })).commitId;
    t.truthy((await mutate(e, ins, { n: "c" }, { expectCommit: now })).commit);
  });

  it("reads are pinned by snapshot commit id; branch and snapshot are exclusive", async (t, e) => {
    const first = await mutate(e, ins, { n: "a" });
    await mutate(e, ins, { n: "b" });
    const firstId = first.commit!.commitId;
    const pinned = await e.query({ query: people, snapshot: firstId });
    t.deepEqual(pinned.rows.map((r) => r["p.name"]), ["a"]);
    t.deepEqual(pinned.target, { branch: null, snapshot: firstId });
    t.is(pinned.commitId, firstId);
    t.is(await codeOf(e.query({ query: people, snapshot: firstId, branch: "main" })), "ERR_PARAM");
    t.is(await codeOf(e.query({ query: people, snapshot: "01ARZ3NDEKTSV4RRFFQ69G5FAV" })), "ERR_COMMIT_NOT_FOUND");
  });

  it("branches isolate writes; a branch reads main's data until it writes", async (t, e) => {
    await mutate(e, ins, { n: "a" });
    await e.graph.createBranch("dev", { actor: "alice" });
    await mutate(e, ins, { n: "b" }, { branch: "dev" });
    t.deepEqual((await rowsOf(e, people)).map((r) => r["p.name"]), ["a"]);
    t.deepEqual((await rowsOf(e, people, {}, { branch: "dev" })).map((r) => r["p.name"]), ["a", "b"]);
  });
}
