// The short critical path of a commit (issue 12 item 3, docs/design/manifest.md "Write
// protocol"): the acknowledgement comes once the entry is durable; the hint CAS and the
// sidecar delete run after it on the handle's after-commit chain; the entry PUT is
// optimistic (no head check before it) and runs in parallel with the sidecar's CAS to
// `written`. Each test puts a second actor or a lost request at one new point, through a
// HookedStore / FaultyStore beneath the retry layer, on real stores and real LanceDB.
import test from "ava";
import { Graph } from "../../server/store/graph.ts";
import { codeOf } from "../support/codes.ts";
import { add, create, idsAt, steeredGraph, storeTargets, type StoreTarget } from "./support.ts";

const graphWith = (target: StoreTarget) => steeredGraph(target);

async function sidecarCount(g: Graph): Promise<number> {
  let n = 0;
  for await (const _ of g.loc.store.list(g.loc.sidecarPrefix)) n++;
  return n;
}

async function hintSeq(g: Graph): Promise<number | undefined> {
  try {
    const got = await g.loc.store.get(g.loc.hintKey);
    return (JSON.parse(got.body.toString("utf8")) as { seq: number }).seq;
  } catch {
    return undefined;
  }
}

for (const target of storeTargets()) {
  test(`${target.name}: the commit is acknowledged before its hint CAS and sidecar delete; both follow on the after-commit chain`, async (t) => {
    const { g, hooked } = await graphWith(target);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Hold the hint CAS until the commit has returned: if the commit waited for it, it
    // would never return.
    hooked.on({ ops: ["put"], key: /__manifest\/head\.json$/, before: () => gate });
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } });
    t.true(r.changed);
    t.is(g.afterCommitStatus().pending, 1, "hint + delete still queued after the acknowledgement");
    t.is(await sidecarCount(g), 1, "the sidecar is still there when the client hears success");
    const reader = await Graph.open(g.loc, { mode: "read-only" });
    t.deepEqual(await idsAt(await reader.snapshot(), "node:T"), ["a", "b"], "a fresh reader sees the commit while the hint is behind");
    release();
    await g.drain();
    t.is(await sidecarCount(g), 0, "the chain deleted the sidecar");
    t.is(await hintSeq(g), r.entry!.seq, "the chain advanced the hint");
    t.deepEqual(g.afterCommitStatus(), { pending: 0, completed: g.afterCommitStatus().completed, failures: 0, lastFailure: undefined });
    await g.close();
  });

  test(`${target.name}: branch create and delete are answered before their hint CAS, which follows on the after-commit chain`, async (t) => {
    const { g, hooked } = await graphWith(target);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    hooked.on({ ops: ["put"], key: /__manifest\/head\.json$/, before: () => gate, times: 2 });
    const answered = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("not answered while its hint CAS was held")), 10_000))]);
    const made = await answered(g.createBranch("feature", { from: "main", actor: "t" }));
    t.is(g.afterCommitStatus().pending, 1, "the hint CAS is still queued after the answer");
    const dropped = await answered(g.deleteBranch("feature", { actor: "t" }));
    t.is(dropped.seq, made.seq + 1);
    release();
    await g.drain();
    t.is(await hintSeq(g), dropped.seq, "the chain advanced the hint to the newest entry");
    t.is(g.afterCommitStatus().failures, 0);
    await g.close();
  });

  test(`${target.name}: a next commit while the previous hint CAS is still in flight succeeds; the hint never moves backwards`, async (t) => {
    const { g, hooked } = await graphWith(target);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    hooked.on({ ops: ["put"], key: /__manifest\/head\.json$/, before: () => gate });
    const first = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } });
    const second = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["c", 3])] } });
    t.is(second.entry!.seq, first.entry!.seq + 1, "the warm head check needs no hint");
    release();
    await g.drain();
    t.is(await hintSeq(g), second.entry!.seq, "the hint ends at the newest entry");
    t.is(g.afterCommitStatus().failures, 0);
    const cold = await Graph.open(g.loc, { mode: "read-only" });
    t.deepEqual(await idsAt(await cold.snapshot(), "node:T"), ["a", "b", "c"]);
    await g.close();
  });

  test(`${target.name}: hint CAS and sidecar delete both lost: the client still succeeds, the failure is counted, the next writer's sweep finds the entry published`, async (t) => {
    const { g, graphId, faulty } = await graphWith(target);
    faulty.setRules([
      { ops: ["put"], key: /__manifest\/head\.json$/, times: 50, action: { kind: "error", code: "ERR_UNAVAILABLE" } },
      { ops: ["delete"], key: /__recovery\//, times: 50, action: { kind: "error", code: "ERR_UNAVAILABLE" } },
    ]);
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } });
    t.true(r.changed, "acknowledged: the entry is durable");
    await g.drain();
    t.is(g.afterCommitStatus().failures, 1, "one failed after-commit task, logged and counted");
    t.is(g.afterCommitStatus().lastFailure, "ERR_UNAVAILABLE");
    // The next commit on the same handle is unaffected (its head check never reads the hint).
    faulty.setRules([]);
    const next = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["c", 3])] } });
    t.is(next.entry!.seq, r.entry!.seq + 1);
    await g.close();
    const w = await Graph.open(target.location(graphId), { mode: "read-write" });
    t.deepEqual(w.recovery?.handled.map((h) => h.outcome), ["already_published"], "the sweep finds the lost-delete sidecar's entry");
    t.deepEqual(await idsAt(await w.snapshot(), "node:T"), ["a", "b", "c"], "each row once");
    await w.close();
  });

  test(`${target.name}: the optimistic entry PUT meets a disjoint commit at its slot: own-entry-first, head check, rebase, published at the next slot`, async (t) => {
    const { g, graphId, hooked } = await graphWith(target);
    hooked.on({ ops: ["put"], put: "create", key: /__manifest\/log\//, before: async () => {
      const other = await Graph.open(target.location(graphId), { mode: "read-write", recover: false });
      await other.commit({ branch: "main", kind: "commit", actor: "other", base: await other.snapshot(), writes: { "node:U": [add(["u1", 1])] } });
      await other.close();
    } });
    const base = await g.snapshot();
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:T": [add(["b", 2])] }, reads: ["node:T"] });
    t.is(r.entry!.seq, base.headSeq + 2, "rebased over the other commit");
    await g.drain();
    t.is(await sidecarCount(g), 0);
    const reader = await Graph.open(g.loc, { mode: "read-only" });
    const snap = await reader.snapshot();
    t.deepEqual(await idsAt(snap, "node:T"), ["a", "b"]);
    t.deepEqual(await idsAt(snap, "node:U"), ["u0", "u1"]);
    await g.close();
  });

  test(`${target.name}: the optimistic entry PUT meets a conflicting commit at its slot: a typed conflict, the sidecar aborted, nothing rolled forward later`, async (t) => {
    const { g, graphId, hooked } = await graphWith(target);
    hooked.on({ ops: ["put"], put: "create", key: /__manifest\/log\//, before: async () => {
      const other = await Graph.open(target.location(graphId), { mode: "read-write", recover: false });
      await other.commit({ branch: "main", kind: "commit", actor: "other", base: await other.snapshot(), writes: { "node:T": [add(["x", 9])] } });
      await other.close();
    } });
    t.is(await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:U": [add(["u1", 1])] }, reads: ["node:T"] })), "ERR_READ_SET_CONFLICT");
    t.is(await sidecarCount(g), 0, "the definite failure removed its (aborted) sidecar");
    await g.close();
    const w = await Graph.open(target.location(graphId), { mode: "read-write" });
    t.deepEqual(w.recovery?.handled, [], "nothing left to roll forward");
    const snap = await w.snapshot();
    t.deepEqual(await idsAt(snap, "node:U"), ["u0"], "the conflicting commit never became visible");
    t.deepEqual(await idsAt(snap, "node:T"), ["a", "x"]);
    await w.close();
  });

  test(`${target.name}: the sidecar CAS to \`written\` fails while the parallel entry PUT lands: the commit stands; a staged sidecar with a published entry is swept as already published`, async (t) => {
    const { g, graphId, hooked, faulty } = await graphWith(target);
    // After the sidecar's create-only PUT: every further sidecar PUT (the CAS) and DELETE fails.
    hooked.on({ ops: ["put"], put: "create", key: /__recovery\//, after: async () => faulty.setRules([
      { ops: ["put", "delete"], key: /__recovery\//, times: 100, action: { kind: "error", code: "ERR_UNAVAILABLE" } },
    ]) });
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } });
    t.true(r.changed, "the entry is durable: acknowledged although the sidecar never said `written`");
    await g.drain();
    faulty.setRules([]);
    const left = [];
    for await (const o of g.loc.store.list(g.loc.sidecarPrefix)) left.push(JSON.parse((await g.loc.store.get(o.key)).body.toString("utf8")) as { status: string });
    t.deepEqual(left.map((x) => x.status), ["staged"], "a staged sidecar whose entry is published");
    await g.close();
    const w = await Graph.open(target.location(graphId), { mode: "read-write" });
    t.deepEqual(w.recovery?.handled.map((h) => h.outcome), ["already_published"], "the entry first: nothing restored");
    t.deepEqual(await idsAt(await w.snapshot(), "node:T"), ["a", "b"], "the row once, not undone");
    await w.close();
  });

  test(`${target.name}: the sidecar create fails while Lance commits in parallel: the commit fails and publishes nothing; readers never see the row; the next commit restores over Lance's unpublished version`, async (t) => {
    const { g, faulty } = await graphWith(target);
    const before = (await g.snapshot()).seq;
    faulty.setRules([{ ops: ["put"], key: /__recovery\//, times: 1000, action: { kind: "error", code: "ERR_UNAVAILABLE" } }]);
    t.is(await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot({ forWrite: true }), writes: { "node:T": [add(["lost", 9])] } })), "ERR_UNAVAILABLE");
    faulty.setRules([]);
    const reader = await Graph.open(g.loc, { mode: "read-only" });
    const seen = await reader.snapshot();
    t.is(seen.seq, before, "no entry");
    t.deepEqual(await idsAt(seen, "node:T"), ["a"], "the Lance version no entry references is invisible");
    t.is(await sidecarCount(g), 0);
    const next = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot({ forWrite: true }), writes: { "node:T": [add(["b", 2])] } });
    t.true(next.changed);
    t.deepEqual(await idsAt(await reader.snapshot(), "node:T"), ["a", "b"], "restored over the unpublished version: the lost row never appears");
    await g.close();
  });
}
