// Idempotency keys through the engine: a repeated mutate / load / schema apply / merge
// with the same key returns the original response and commits nothing new; the same
// key with a different request is ERR_IDEMPOTENCY_KEY_REUSED (the request fingerprint
// recorded with the key differs) and commits nothing either.
import test from "ava";
import { GraphEngine } from "../../server/engine/engine.ts";
import { Graph } from "../../server/store/graph.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf, engineWith, rowsOf } from "./support.ts";

const SCHEMA = `
node Note { text: String }
`;
const notes = `query q() { match { $n: Note } return { $n.text } order { $n.text } }`;
const insert = `query q($t: String) { insert Note { text: $t } }`;

for (const target of storeTargets().filter((x) => x.name !== "rgw")) {
  test(`${target.name}: a repeated mutate with the same idempotency key returns the original response and inserts once`, async (t) => {
    const e = await engineWith(target, SCHEMA);
    const first = await e.mutate({ query: insert, params: { t: "hello" }, actor: "alice", idempotencyKey: "m-1" });
    const second = await e.mutate({ query: insert, params: { t: "hello" }, actor: "alice", idempotencyKey: "m-1" });
    t.deepEqual(second, first);
    t.deepEqual(await rowsOf(e, notes), [{ "n.text": "hello" }]);
    const other = await e.mutate({ query: insert, params: { t: "hello" }, actor: "alice", idempotencyKey: "m-2" });
    t.not(other.commit, first.commit, "another key is another request");
    t.is((await rowsOf(e, notes)).length, 2);
  });

  test(`${target.name}: a repeated load and schema apply with the same key commit once`, async (t) => {
    const e = await engineWith(target, SCHEMA);
    const input = `{"type":"Note","data":{"text":"x"}}\n`;
    const a = await e.load({ input, strict: true, actor: "bob", idempotencyKey: "l-1" });
    const b = await e.load({ input, strict: true, actor: "bob", idempotencyKey: "l-1" });
    t.deepEqual(b, a);
    t.is((await rowsOf(e, notes)).length, 1);
    const source = `${SCHEMA}\nnode Tag { name: String }\n`;
    const s1 = await e.applySchema({ source, actor: "bob", idempotencyKey: "s-1" });
    const s2 = await e.applySchema({ source, actor: "bob", idempotencyKey: "s-1" });
    t.deepEqual(s2, s1);
    t.true(s1.applied);
  });

  test(`${target.name}: a key reused with a different mutation, load, schema or merge is ERR_IDEMPOTENCY_KEY_REUSED and commits nothing`, async (t) => {
    const e = await engineWith(target, SCHEMA);
    await e.mutate({ query: insert, params: { t: "a" }, actor: "alice", idempotencyKey: "k-m" });
    const seq = async () => (await e.graph.log.head())!.seq;
    const before = await seq();
    t.is(await codeOf(e.mutate({ query: insert, params: { t: "b" }, actor: "alice", idempotencyKey: "k-m" })), "ERR_IDEMPOTENCY_KEY_REUSED", "other params");
    t.is(await codeOf(e.mutate({ query: insert.replace("$t }", "$t }  "), params: { t: "a" }, actor: "alice", idempotencyKey: "k-m" })), "ERR_IDEMPOTENCY_KEY_REUSED", "other query text");
    t.is(await codeOf(e.load({ input: `{"type":"Note","data":{"text":"a"}}\n`, strict: true, actor: "alice", idempotencyKey: "k-m" })), "ERR_IDEMPOTENCY_KEY_REUSED", "a load with a mutation's key");
    // Same params in another key order: the same request (canonical form).
    const twoParams = `query q($t: String, $u: String) { insert Note { text: $t } insert Note { text: $u } }`;
    const p1 = await e.mutate({ query: twoParams, params: { t: "c", u: "d" }, actor: "alice", idempotencyKey: "k-p" });
    t.deepEqual(await e.mutate({ query: twoParams, params: { u: "d", t: "c" }, actor: "alice", idempotencyKey: "k-p" }), p1);

    const input = `{"type":"Note","data":{"text":"l"}}\n`;
    await e.load({ input, strict: true, actor: "bob", idempotencyKey: "k-l" });
    t.is(await codeOf(e.load({ input: `{"type":"Note","data":{"text":"L"}}\n`, strict: true, actor: "bob", idempotencyKey: "k-l" })), "ERR_IDEMPOTENCY_KEY_REUSED", "another load body");
    t.is(await codeOf(e.load({ input, strict: true, mode: "append", actor: "bob", idempotencyKey: "k-l" })), "ERR_IDEMPOTENCY_KEY_REUSED", "another load mode");

    const source = `${SCHEMA}\nnode Tag { name: String }\n`;
    await e.applySchema({ source, actor: "bob", idempotencyKey: "k-s" });
    t.is(await codeOf(e.applySchema({ source: `${source}\nnode Other { name: String }\n`, actor: "bob", idempotencyKey: "k-s" })), "ERR_IDEMPOTENCY_KEY_REUSED", "another schema");

    await e.graph.createBranch("dev", { actor: "bob" });
    await e.mutate({ query: insert, params: { t: "dev" }, actor: "bob", branch: "dev" });
    await e.merge({ source: "dev", actor: "bob", idempotencyKey: "k-g" });
    t.is(await codeOf(e.merge({ source: "dev", deleteBranch: true, actor: "bob", idempotencyKey: "k-g" })), "ERR_IDEMPOTENCY_KEY_REUSED", "another merge request");
    const mid = await seq();
    t.is(await codeOf(e.graph.createBranch("feature", { actor: "bob", idempotencyKey: "k-g" })), "ERR_IDEMPOTENCY_KEY_REUSED", "a branch create with a merge's key");
    t.is(await seq(), mid, "no refused request published anything");
    t.true(mid > before);

    // A cold handle (its index rebuilt from the log) refuses the same way.
    const cold = new GraphEngine(await Graph.open(e.graph.loc, { mode: "read-write", recover: false }));
    t.is(await codeOf(cold.mutate({ query: insert, params: { t: "b" }, actor: "alice", idempotencyKey: "k-m" })), "ERR_IDEMPOTENCY_KEY_REUSED");
    t.is((await cold.mutate({ query: insert, params: { t: "a" }, actor: "alice", idempotencyKey: "k-m" })).affectedNodes, 1, "the original request still replays");
    t.deepEqual((await rowsOf(cold, notes)).map((r) => r["n.text"]), ["a", "c", "d", "dev", "l"]);
    await cold.graph.close();
    await e.graph.close();
  });

  test(`${target.name}: branch create / delete with a reused key and another source or name is ERR_IDEMPOTENCY_KEY_REUSED`, async (t) => {
    const e = await engineWith(target, SCHEMA);
    const g = e.graph;
    await g.createBranch("a", { actor: "t" });
    const b = await g.createBranch("b", { from: "main", actor: "t", idempotencyKey: "k-b" });
    t.is((await g.createBranch("b", { actor: "t", idempotencyKey: "k-b" })).commitId, b.commitId, "same request (from defaults to main)");
    t.is(await codeOf(g.createBranch("b", { from: "a", actor: "t", idempotencyKey: "k-b" })), "ERR_IDEMPOTENCY_KEY_REUSED", "another source");
    t.is(await codeOf(g.createBranch("c", { actor: "t", idempotencyKey: "k-b" })), "ERR_IDEMPOTENCY_KEY_REUSED", "another name");
    t.is(await codeOf(g.deleteBranch("b", { actor: "t", idempotencyKey: "k-b" })), "ERR_IDEMPOTENCY_KEY_REUSED", "another operation");
    await g.deleteBranch("a", { actor: "t", idempotencyKey: "k-d" });
    t.is(await codeOf(g.deleteBranch("b", { actor: "t", idempotencyKey: "k-d" })), "ERR_IDEMPOTENCY_KEY_REUSED");
    t.deepEqual((await g.listBranches()).map((x) => x.name), ["b", "main"]);
    await g.close();
  });
}
