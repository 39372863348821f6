// Group commit (server/runtime/group-commit.ts) on real stores: 32 concurrent
// single-row writers on one graph are all acknowledged, each exactly once, in a few
// manifest entries; invalid requests fail alone with their own typed error; later
// requests of a batch see earlier ones; idempotency keys work per request.
import test from "ava";
import { GraphEngine } from "../../server/engine/engine.ts";
import { Graph } from "../../server/store/graph.ts";
import { GroupCommit } from "../../server/runtime/group-commit.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf } from "../support/codes.ts";

const SCHEMA = `node Person { name: String @key  age: I32?  email: String? @unique }`;
const INSERT = `query q($n: String, $a: I32, $e: String) { insert Person { name: $n, age: $a, email: $e } }`;
const SET_AGE = `query q($n: String, $a: I32) { update Person set { age: $a } where name = $n }`;
const ALL = `query q() { match { $p: Person } return { $p.name, $p.age } order { $p.name } }`;

async function fresh(target: ReturnType<typeof storeTargets>[number]): Promise<GraphEngine> {
  const e = new GraphEngine(await Graph.open(target.location(), { mode: "read-write", create: true }));
  await e.applySchema({ source: SCHEMA, actor: "t" });
  await e.mutate({ query: INSERT, params: { n: "seed", a: 0, e: "seed@x" }, actor: "t" });
  return e;
}

for (const target of storeTargets().filter((x) => x.name !== "memory")) {
  test(`${target.name}: 32 concurrent single-row writers — all acknowledged, each row once, few entries, invalid requests fail alone`, async (t) => {
    const e = await fresh(target);
    const gc = new GroupCommit(e, { windowMs: 5, maxRequests: 64 });
    const before = (await e.graph.log.head())!.seq;
    const writers = Array.from({ length: 32 }, (_, i) => gc.mutate({ query: INSERT, params: { n: `p${i}`, a: i, e: `p${i}@x` }, actor: `client-${i}` }));
    // Invalid: a duplicate @unique email (of an earlier request in the same batch), and a parameter of the wrong type.
    const dupEmail = gc.mutate({ query: INSERT, params: { n: "dup", a: 1, e: "p3@x" }, actor: "bad" });
    const badParam = gc.mutate({ query: INSERT, params: { n: "typo", a: "not a number", e: "typo@x" }, actor: "bad" });
    const results = await Promise.allSettled(writers);
    const rejected = results.filter((r) => r.status === "rejected");
    t.deepEqual(rejected.map((r) => (r as PromiseRejectedResult).reason?.code), [], "no writer sees a conflict or any error");
    t.is(await codeOf(dupEmail), "ERR_INTEGRITY");
    t.is(await codeOf(badParam), "ERR_PARAM");
    const ok = results.map((r) => (r as PromiseFulfilledResult<Awaited<(typeof writers)[number]>>).value);
    for (const r of ok) {
      t.is(r.affectedNodes, 1);
      t.truthy(r.commit?.commitId);
    }
    const entries = (await e.graph.log.head())!.seq - before;
    t.true(entries <= 4, `32 requests in ${entries} manifest entries`);
    t.is(new Set(ok.map((r) => r.commit!.commitId)).size, entries, "every entry is some request's commit");
    // Every acknowledged row exactly once, read through a fresh handle.
    const reader = new GraphEngine(await Graph.open(e.graph.loc, { mode: "read-only" }));
    const rows = (await reader.query({ query: ALL })).rows as { "p.name": string; "p.age": number }[];
    const names = rows.map((r) => r["p.name"]);
    t.deepEqual([...names].sort(), ["seed", ...Array.from({ length: 32 }, (_, i) => `p${i}`)].sort());
    for (const r of rows) if (r["p.name"] !== "seed") t.is(r["p.age"], Number(r["p.name"].slice(1)));
    t.true(gc.stats().main!.largestBatch > 1);
    reader.graph.close();
    e.graph.close();
  });

  test(`${target.name}: within a batch a later request sees an earlier one; idempotency keys work per request`, async (t) => {
    const e = await fresh(target);
    const gc = new GroupCommit(e, { windowMs: 5 });
    const ins = gc.mutate({ query: INSERT, params: { n: "x", a: 1, e: "x@x" }, actor: "a", idempotencyKey: "k-ins" });
    const upd = gc.mutate({ query: SET_AGE, params: { n: "x", a: 2 }, actor: "b" });
    const again = gc.mutate({ query: INSERT, params: { n: "x", a: 1, e: "x@x" }, actor: "a", idempotencyKey: "k-ins" });
    const [a, b, c] = await Promise.all([ins, upd, again]);
    t.is(b.affectedNodes, 1, "the update saw the insert before it");
    t.is(a.commit!.commitId, b.commit!.commitId, "both in one commit");
    t.deepEqual(c, a, "a repeated key in flight joins the same request");
    const later = await gc.mutate({ query: INSERT, params: { n: "x", a: 1, e: "x@x" }, actor: "a", idempotencyKey: "k-ins" });
    t.deepEqual(later, a, "a published key returns its recorded result");
    // A cold handle finds the key inside the batch entry too.
    const cold = new GroupCommit(new GraphEngine(await Graph.open(e.graph.loc, { mode: "read-write", recover: false })));
    t.deepEqual(await cold.mutate({ query: INSERT, params: { n: "x", a: 1, e: "x@x" }, actor: "a", idempotencyKey: "k-ins" }), a);
    t.deepEqual((await e.query({ query: ALL })).rows, [{ "p.name": "seed", "p.age": 0 }, { "p.name": "x", "p.age": 2 }]);
    e.graph.close();
  });
}

for (const target of storeTargets().filter((x) => x.name === "fs")) {
  test(`${target.name}: a key reused with another body inside a batch is ERR_IDEMPOTENCY_KEY_REUSED (in flight, published, cold handle, through mutate); the rest of the batch commits`, async (t) => {
    const e = await fresh(target);
    const gc = new GroupCommit(e, { windowMs: 20 });
    const first = gc.mutate({ query: INSERT, params: { n: "x", a: 1, e: "x@x" }, actor: "a", idempotencyKey: "k-x" });
    const otherBody = gc.mutate({ query: INSERT, params: { n: "y", a: 1, e: "y@x" }, actor: "a", idempotencyKey: "k-x" });
    const otherBranch = gc.mutate({ query: INSERT, params: { n: "x", a: 1, e: "x@x" }, branch: "dev", actor: "a", idempotencyKey: "k-x" });
    const bystander = gc.mutate({ query: INSERT, params: { n: "z", a: 3, e: "z@x" }, actor: "b", idempotencyKey: "k-z" });
    t.is(await codeOf(otherBody), "ERR_IDEMPOTENCY_KEY_REUSED", "in flight, another body");
    t.is(await codeOf(otherBranch), "ERR_IDEMPOTENCY_KEY_REUSED", "in flight, another branch");
    const [a, z] = await Promise.all([first, bystander]);
    t.is(a.commit!.commitId, z.commit!.commitId, "both keyed requests in one batch entry");
    const entry = (await e.graph.log.head())!;
    const members = (entry.replay as { batch: { idempotencyKey: string | null; fingerprint?: string }[] }).batch;
    t.deepEqual(members.map((m) => [m.idempotencyKey, typeof m.fingerprint]), [["k-x", "string"], ["k-z", "string"]], "each member records its fingerprint");
    t.is(await codeOf(gc.mutate({ query: INSERT, params: { n: "x", a: 2, e: "x@x" }, actor: "a", idempotencyKey: "k-x" })), "ERR_IDEMPOTENCY_KEY_REUSED", "published, another body");
    t.is(await codeOf(e.mutate({ query: INSERT, params: { n: "z", a: 4, e: "z@x" }, actor: "b", idempotencyKey: "k-z" })), "ERR_IDEMPOTENCY_KEY_REUSED", "through GraphEngine.mutate");
    t.deepEqual(await e.mutate({ query: INSERT, params: { n: "z", a: 3, e: "z@x" }, actor: "b", idempotencyKey: "k-z" }), z, "GraphEngine.mutate replays a batch member's own result");
    const cold = new GroupCommit(new GraphEngine(await Graph.open(e.graph.loc, { mode: "read-write", recover: false })));
    t.is(await codeOf(cold.mutate({ query: INSERT, params: { n: "z", a: 9, e: "z@x" }, actor: "b", idempotencyKey: "k-z" })), "ERR_IDEMPOTENCY_KEY_REUSED", "cold handle");
    t.deepEqual(await cold.mutate({ query: INSERT, params: { n: "x", a: 1, e: "x@x" }, actor: "a", idempotencyKey: "k-x" }), a);
    t.is((await e.graph.log.head())!.seq, entry.seq, "nothing refused was published");
    t.deepEqual((await e.query({ query: ALL })).rows, [{ "p.name": "seed", "p.age": 0 }, { "p.name": "x", "p.age": 1 }, { "p.name": "z", "p.age": 3 }]);
    await cold.engine.graph.close();
    await e.graph.close();
  });
}

test("a request enqueued right as the pipeline empties is still run (regression: it stranded in the queue)", async (t) => {
  const target = storeTargets().find((x) => x.name === "fs")!;
  const gc = new GroupCommit(new GraphEngine(await Graph.open(target.location(), { mode: "read-write", create: true })), { windowMs: 0 });
  // Each await resumes in the microtask right after the job resolves — before the drain
  // loop has finished — so the next job is enqueued while the pipeline looks busy.
  const run = (async () => {
    let sum = 0;
    for (let i = 0; i < 50; i++) sum += await gc.exclusive("main", async () => i);
    return sum;
  })();
  const timeout = new Promise<"stuck">((r) => setTimeout(() => r("stuck"), 5000).unref());
  t.is(await Promise.race([run, timeout]), 1225);
});
