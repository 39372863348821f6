import test from "ava";
import fc from "fast-check";
import { newCommitId, seqOfCommitId } from "../../server/store/manifest/commit-id.ts";
import { Graph } from "../../server/store/graph.ts";
import { add, commitWithRetry, create, idsAt, newGraphId, storeTargets } from "./support.ts";
import { codeOf } from "../support/codes.ts";


test("commit ids are ULIDs that carry their manifest sequence", (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 32 ** 8 - 1 }), (seq) => seqOfCommitId(newCommitId(seq)) === seq));
  t.is(seqOfCommitId("not-a-ulid"), undefined);
  t.regex(newCommitId(7), /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
});

for (const target of storeTargets()) {
  test(`${target.name}: read-only handles never sweep and refuse every write with ERR_READ_ONLY`, async (t) => {
    const loc = target.location(newGraphId());
    const w = await Graph.open(loc, { mode: "read-write", create: true });
    await w.commit({ branch: "main", kind: "schema", actor: "t", base: await w.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
    const r = await Graph.open(loc, { mode: "read-only" });
    t.is(r.recovery, undefined);
    t.deepEqual(await idsAt(await r.snapshot(), "node:T"), ["a"]);
    t.is(await codeOf(r.commit({ branch: "main", kind: "commit", actor: "t", base: await r.snapshot(), writes: { "node:T": [add(["b", 2])] } })), "ERR_READ_ONLY");
    t.is(await codeOf(r.createBranch("x", { actor: "t" })), "ERR_READ_ONLY");
    t.is(await codeOf(r.deleteBranch("x", { actor: "t" })), "ERR_READ_ONLY");
    t.is(await codeOf(Graph.open(target.location(newGraphId()), { mode: "read-only" })), "ERR_GRAPH_NOT_FOUND");
  });

  test(`${target.name}: branches — create from a branch or a commit, names, prefixes, delete rules, inherited history`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create] } });
    const c1 = await commitWithRetry(g, "main", () => ({ "node:T": [add(["a", 1])] }));
    await commitWithRetry(g, "main", () => ({ "node:T": [add(["b", 2])] }));
    await g.createBranch("feature/x", { actor: "t" });
    await g.createBranch("old", { fromCommit: c1, actor: "t" });
    t.deepEqual(await idsAt(await g.snapshot({ branch: "old" }), "node:T"), ["a"]);
    t.deepEqual((await g.listBranches()).map((b) => b.name), ["feature/x", "main", "old"]);
    t.is(await codeOf(g.createBranch("main", { actor: "t" })), "ERR_BRANCH_INVALID");
    t.is(await codeOf(g.createBranch("old", { actor: "t" })), "ERR_BRANCH_EXISTS");
    t.is(await codeOf(g.createBranch("feature", { actor: "t" })), "ERR_BRANCH_EXISTS");
    t.is(await codeOf(g.createBranch("feature/x/y", { actor: "t" })), "ERR_BRANCH_EXISTS");
    t.is(await codeOf(g.createBranch("bad name", { actor: "t" })), "ERR_BRANCH_INVALID");
    t.is(await codeOf(g.createBranch("x", { from: "nope", actor: "t" })), "ERR_BRANCH_NOT_FOUND");
    t.is(await codeOf(g.createBranch("x", { fromCommit: "01ARZ3NDEKTSV4RRFFQ69G5FAV", actor: "t" })), "ERR_COMMIT_NOT_FOUND");
    await g.createBranch("child", { from: "old", actor: "t" });
    t.is(await codeOf(g.deleteBranch("old", { actor: "t" })), "ERR_BRANCH_HAS_DEPENDENTS");
    t.is(await codeOf(g.deleteBranch("main", { actor: "t" })), "ERR_BRANCH_INVALID");
    t.is(await codeOf(g.deleteBranch("ghost", { actor: "t" })), "ERR_BRANCH_NOT_FOUND");
    await g.deleteBranch("child", { actor: "t" });
    await g.deleteBranch("old", { actor: "t" });
    // A branch's history includes the main commits it inherited, newest first.
    await commitWithRetry(g, "feature/x", () => ({ "node:T": [add(["f", 3])] }));
    const h = await g.history("feature/x");
    t.deepEqual(h.map((c) => c.kind), ["commit", "branch_create", "commit", "commit", "schema", "init"]);
    t.true(h.every((c, i) => i === 0 || c.seq < h[i - 1]!.seq));
    t.is((await g.readCommit(c1)).commitId, c1);
  });

  test(`${target.name}: a missing or corrupt head hint never hides the head`, async (t) => {
    const loc = target.location(newGraphId());
    const g = await Graph.open(loc, { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create] } });
    for (let i = 0; i < 5; i++) await commitWithRetry(g, "main", () => ({ "node:T": [add([`r${i}`, i])] }));
    const head = (await g.log.head())!.seq;
    await loc.store.put(loc.hintKey, "{corrupt");
    t.is((await (await Graph.open(loc, { mode: "read-only" })).log.head())!.seq, head);
    await loc.store.delete(loc.hintKey);
    t.is((await (await Graph.open(loc, { mode: "read-only" })).log.head())!.seq, head);
  });
}
