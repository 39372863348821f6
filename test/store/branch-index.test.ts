// The branch index above the inline threshold (server/store/manifest/branch-index.ts):
// small graphs keep inline `branches`; above INLINE_MAX_BRANCHES an entry refers to a
// content-addressed base plus a small delta, so a commit's entry stays small whatever
// the branch count; cold and warm readers, branch operations, repair and recovery all
// see the same branches as before.
import test from "ava";
import type { ObjectStore } from "../../drivers/contract.ts";
import { CountingStore } from "../../drivers/counting.ts";
import { Graph } from "../../server/store/graph.ts";
import { clearFailpoints, setFailpoint } from "../../server/store/failpoints.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import { branchIndexKey, decodeWire, INLINE_MAX_BRANCHES, MAX_DELTA, type WireEntry } from "../../server/store/manifest/branch-index.ts";
import { repairGraph } from "../../server/store/repair.ts";
import { codeOf } from "../support/codes.ts";
import { add, create, idsAt, storeTargets } from "./support.ts";

const ABOVE = INLINE_MAX_BRANCHES + 4; // live branches including main

async function rawHead(loc: GraphLocation, g: Graph): Promise<{ wire: WireEntry; bytes: number }> {
  const head = (await g.log.head())!;
  const got = await loc.store.get(loc.logKey(head.seq));
  return { wire: decodeWire(got.body, "head"), bytes: got.body.length };
}

async function seeded(loc: GraphLocation): Promise<Graph> {
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
  return g;
}

async function grow(g: Graph, total: number, from = 1): Promise<void> {
  for (let i = from; i < total; i++) await g.createBranch(`b${String(i).padStart(4, "0")}`, { actor: "t" });
}

const commitRow = async (g: Graph, branch: string, id: string) =>
  g.commit({ branch, kind: "commit", actor: "t", base: await g.snapshot({ branch }), writes: { "node:T": [add([id, 1])] } });

for (const target of storeTargets().filter((x) => x.name !== "rgw")) {
  test(`${target.name}: at or below ${INLINE_MAX_BRANCHES} branches entries keep inline branches (no base object)`, async (t) => {
    const loc = target.location();
    const g = await seeded(loc);
    await grow(g, INLINE_MAX_BRANCHES);
    const { wire } = await rawHead(loc, g);
    t.is(Object.keys(wire.branches ?? {}).length, INLINE_MAX_BRANCHES);
    t.is(wire.branchIndex, undefined);
    const objects: string[] = [];
    for await (const o of loc.store.list(loc.key("__manifest/branches/"))) objects.push(o.key);
    t.deepEqual(objects, []);
    await g.close();
  });

  test(`${target.name}: above the threshold a commit's entry is a small delta on a shared base; cold and warm readers see every branch; the warm head check costs no extra request`, async (t) => {
    const loc = target.location();
    const g = await seeded(loc);
    await grow(g, ABOVE);
    const first = await rawHead(loc, g);
    t.truthy(first.wire.branchIndex);
    t.is(first.wire.branches, undefined);
    t.is(first.wire.branchIndex!.count, ABOVE);
    // The base object exists and is what the hash says.
    t.truthy(await loc.store.get(branchIndexKey(loc, first.wire.branchIndex!.base)));

    // A warm reader (caches the base), then commits on main: the same base, a delta of one.
    let counter: CountingStore | undefined;
    const reader = await Graph.open(target.location(loc.graphId, (s: ObjectStore) => (counter = new CountingStore(s))), { mode: "read-only" });
    t.is((await reader.listBranches()).length, ABOVE);
    await commitRow(g, "main", "m1");
    const after = await rawHead(loc, g);
    t.is(after.wire.branchIndex!.base, first.wire.branchIndex!.base);
    // The base was written when the count first passed the threshold; later creates and this commit are the delta.
    t.deepEqual(Object.keys(after.wire.branchIndex!.changed).sort(), [...new Set(["main", ...Object.keys(first.wire.branchIndex!.changed)])].sort());
    t.true(after.bytes < 4096, `entry ${after.bytes} bytes with ${ABOVE} branches`);
    const baseBytes = (await loc.store.get(branchIndexKey(loc, after.wire.branchIndex!.base))).body.length;
    t.true(baseBytes > 5 * after.bytes, `base ${baseBytes} bytes, entry ${after.bytes}`);

    // Warm: one commit behind → GET h+1 ‖ h+2, nothing else (the base is cached by hash).
    const cost = await counter!.measure(() => reader.log.head());
    t.is(cost.result!.seq, (await g.log.head())!.seq);
    t.is(cost.total, 2, JSON.stringify(cost.counts));
    t.deepEqual(await idsAt(await reader.snapshot(), "node:T"), ["a", "m1"]);

    // Cold: a new handle reads the base once and sees the same branches and states.
    const cold = await Graph.open(target.location(loc.graphId), { mode: "read-only" });
    t.deepEqual((await cold.listBranches()).map((b) => [b.name, b.head]), (await g.listBranches()).map((b) => [b.name, b.head]));
    t.deepEqual(await idsAt(await cold.snapshot({ branch: "b0003" }), "node:T"), ["a"]);
    await cold.close();
    await reader.close();
    await g.close();
  });

  test(`${target.name}: branch ops above the threshold: delete, write on a branch, past ${MAX_DELTA} changes a new base, back below the threshold inline again`, async (t) => {
    const loc = target.location();
    const g = await seeded(loc);
    await grow(g, ABOVE);
    const base0 = (await rawHead(loc, g)).wire.branchIndex!.base;
    await g.deleteBranch("b0001", { actor: "t" });
    await commitRow(g, "b0002", "on-b2");
    const w = (await rawHead(loc, g)).wire;
    t.is(w.branchIndex!.base, base0);
    const created = ["b0257", "b0258", "b0259"]; // after the base (written at the 257th branch)
    t.deepEqual(w.branchIndex!.removed, ["b0001"]);
    t.deepEqual(Object.keys(w.branchIndex!.changed).sort(), ["b0002", ...created].sort());
    const cold = await Graph.open(target.location(loc.graphId), { mode: "read-only" });
    const names = (await cold.listBranches()).map((b) => b.name);
    t.false(names.includes("b0001"));
    t.is(names.length, ABOVE - 1);
    t.deepEqual(await idsAt(await cold.snapshot({ branch: "b0002" }), "node:T"), ["a", "on-b2"]);
    await cold.close();

    // Many changes since the base: a writer starts a new base, the delta stays bounded.
    for (let i = 0; i <= MAX_DELTA; i++) await g.createBranch(`c${String(i).padStart(3, "0")}`, { actor: "t" });
    const w2 = (await rawHead(loc, g)).wire;
    t.not(w2.branchIndex!.base, base0);
    t.true(Object.keys(w2.branchIndex!.changed).length + w2.branchIndex!.removed.length <= MAX_DELTA);

    // Back at the threshold: inline again.
    const all = (await g.listBranches()).map((b) => b.name).filter((n) => n !== "main");
    for (const n of all.slice(0, all.length - (INLINE_MAX_BRANCHES - 1))) await g.deleteBranch(n, { actor: "t" });
    const w3 = (await rawHead(loc, g)).wire;
    t.is(w3.branchIndex, undefined);
    t.is(Object.keys(w3.branches!).length, INLINE_MAX_BRANCHES);
    const cold2 = await Graph.open(target.location(loc.graphId), { mode: "read-only" });
    t.is((await cold2.listBranches()).length, INLINE_MAX_BRANCHES);
    await cold2.close();
    await g.close();
  });

  test(`${target.name}: a missing base object is ERR_MANIFEST_CORRUPT for a cold reader (never a wrong branch list)`, async (t) => {
    const loc = target.location();
    const g = await seeded(loc);
    await grow(g, ABOVE);
    const base = (await rawHead(loc, g)).wire.branchIndex!.base;
    await g.close();
    await loc.store.delete(branchIndexKey(loc, base));
    t.is(await codeOf(Graph.open(target.location(loc.graphId), { mode: "read-only" }).then((c) => c.listBranches())), "ERR_MANIFEST_CORRUPT");
  });

  test(`${target.name}: repair above the threshold rewrites a missing hint and restores a truncated tail entry from the hint, in the same form`, async (t) => {
    const loc = target.location();
    const g = await seeded(loc);
    await grow(g, ABOVE);
    await commitRow(g, "main", "m1");
    const head = (await g.log.head())!;
    await g.close();
    // Truncated tail entry (the hint still holds its copy).
    const body = (await loc.store.get(loc.logKey(head.seq))).body;
    await loc.store.delete(loc.logKey(head.seq));
    await loc.store.put(loc.logKey(head.seq), body.subarray(0, 100));
    const report = await repairGraph(target.location(loc.graphId), { confirm: true });
    t.deepEqual(report.findings.map((f) => [f.kind, f.action]), [["corrupt_tail", "restore_from_hint"]]);
    t.is(report.head, head.seq);
    const restored = decodeWire((await loc.store.get(loc.logKey(head.seq))).body, "restored");
    t.truthy(restored.branchIndex);
    // Missing hint → rewritten from the head.
    await loc.store.delete(loc.hintKey);
    const r2 = await repairGraph(target.location(loc.graphId), { confirm: true });
    t.deepEqual(r2.findings.map((f) => [f.kind, f.action]), [["hint_missing", "rewrite"]]);
    t.truthy(decodeWire((await loc.store.get(loc.hintKey)).body, "hint").branchIndex);
    const cold = await Graph.open(target.location(loc.graphId), { mode: "read-only" });
    t.is((await cold.listBranches()).length, ABOVE);
    t.deepEqual(await idsAt(await cold.snapshot(), "node:T"), ["a", "m1"]);
    await cold.close();
  });

  test.serial(`${target.name}: recovery above the threshold rolls a written transaction forward into a delta entry`, async (t) => {
    const loc = target.location();
    const g = await seeded(loc);
    await grow(g, ABOVE);
    setFailpoint("commit.after_sidecar_written", "error");
    t.teardown(clearFailpoints);
    t.is(await codeOf(commitRow(g, "main", "crashed")), "ERR_FAILPOINT");
    clearFailpoints();
    await g.close();
    const again = await Graph.open(target.location(loc.graphId), { mode: "read-write" });
    t.deepEqual(await idsAt(await again.snapshot(), "node:T"), ["a", "crashed"]);
    const w = (await rawHead(loc, again)).wire;
    t.truthy(w.branchIndex);
    t.is(w.branchIndex!.count, ABOVE);
    const cold = await Graph.open(target.location(loc.graphId), { mode: "read-only" });
    t.is((await cold.listBranches()).length, ABOVE);
    await cold.close();
    await again.close();
  });
}
