// `Omnigraph-If-Graph-Commit` (CommitRequest.expectCommit) and maintenance commits: a
// compaction or index build publishes a new head with the same rows, so a client's
// precondition on the commit it read still holds across them; a data commit in between
// still fails it.
import test from "ava";
import { Graph } from "../../server/store/graph.ts";
import { buildIndex, compactTable } from "../../server/store/maintenance.ts";
import { codeOf } from "../support/codes.ts";
import { add, create, idsAt, storeTargets } from "./support.ts";

for (const target of storeTargets().filter((x) => x.name !== "memory")) {
  test(`${target.name}: a precondition on the commit a client read holds across maintenance commits, not across a data commit`, async (t) => {
    const g = await Graph.open(target.location(), { mode: "read-write", create: true });
    t.teardown(() => g.close());
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
    for (const id of ["b", "c"]) await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add([id, 2])] } });
    const read = (await g.snapshot()).commitId;
    t.true((await buildIndex(g, "main", "node:T", "id", "btree")).committed);
    t.true((await compactTable(g, "main", "node:T")).committed);
    t.not((await g.snapshot()).commitId, read, "the maintenance commits moved the head");
    const ok = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["d", 4])] }, expectCommit: read });
    t.true(ok.changed);
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["a", "b", "c", "d"]);
    // `read` is now behind a data commit (d): refused, also with maintenance on top.
    await buildIndex(g, "main", "node:T", "id", "btree");
    t.is(await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["e", 5])] }, expectCommit: read })), "ERR_GRAPH_COMMIT_PRECONDITION");
  });
}
