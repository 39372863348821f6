// A table forked on a branch of a branch (or first written on main after main fast-forwarded
// to a branch) while an index built on main exists: LanceDB 0.31 / Lance 8.0 looks for
// that index under the middle branch's tree/ on the new line, so every index-using read
// and merge_insert there failed with ERR_LANCE ("… page_lookup.lance not found"). The lazy
// fork drops what the new line inherited; reads and upserts work, with the same rows.
import test from "ava";
import { Graph } from "../../server/store/graph.ts";
import { buildIndex } from "../../server/store/maintenance.ts";
import { add, create, idsAt, rows, storeTargets } from "./support.ts";

for (const target of storeTargets().filter((x) => x.name !== "memory")) {
  test(`${target.name}: writes and indexed reads work on a fork of a fork of a table indexed on main`, async (t) => {
    const g = await Graph.open(target.location(), { mode: "read-write", create: true });
    t.teardown(() => g.close());
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1], ["b", 2])] } });
    await buildIndex(g, "main", "node:T", "id", "btree");
    await g.createBranch("b1", { from: "main", actor: "t" });
    await g.commit({ branch: "b1", kind: "commit", actor: "t", base: await g.snapshot({ branch: "b1" }), writes: { "node:T": [add(["c", 3])] } });
    await g.createBranch("b2", { from: "b1", actor: "t" });
    const up = { kind: "merge_insert" as const, on: ["id"], data: rows(["b", 20], ["d", 4]) };
    await g.commit({ branch: "b2", kind: "commit", actor: "t", base: await g.snapshot({ branch: "b2" }), writes: { "node:T": [up] } });
    const snap = await g.snapshot({ branch: "b2" });
    t.deepEqual(await idsAt(snap, "node:T"), ["a", "b", "c", "d"]);
    const hit = await (await snap.table("node:T")).query().where("id = 'b'").toArray();
    t.deepEqual(hit.map((r) => r.n), [20], "an indexed point read on the new line");
    t.deepEqual(await idsAt(await g.snapshot({ branch: "b1" }), "node:T"), ["a", "b", "c"], "the middle branch is unchanged");
    const fresh = await Graph.open(g.loc, { mode: "read-only" });
    t.teardown(() => fresh.close());
    const cold = await (await (await fresh.snapshot({ branch: "b2" })).table("node:T")).query().where("id = 'd'").toArray();
    t.is(cold.length, 1, "a cold reader too");
  });
}
