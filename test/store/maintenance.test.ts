import test from "ava";
import { Graph } from "../../server/store/graph.ts";
import { buildIndex, cleanupVersions, collectGarbage, compactTable, pinSnapshot } from "../../server/store/maintenance.ts";
import { tableNameOf } from "../../server/store/tables.ts";
import { add, commitWithRetry, contentOf, create, idsAt, newGraphId, rows, storeTargets } from "./support.ts";

for (const target of storeTargets()) {
  test(`${target.name}: compaction commits a compacted version with the same content, safely beside a writer`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create] } });
    for (let i = 0; i < 8; i++) await commitWithRetry(g, "main", () => ({ "node:T": [add([`r${i}`, i])] }));
    const before = await contentOf(await g.snapshot());
    const writer = await Graph.open(g.loc, { mode: "read-write", recover: false });
    const acked: string[] = [];
    const writing = (async () => {
      for (let i = 0; i < 4; i++) {
        await commitWithRetry(writer, "main", () => ({ "node:T": [add([`w${i}`, i])] }));
        acked.push(`w${i}`);
      }
    })();
    let compacted = false;
    for (let attempt = 0; attempt < 20 && !compacted; attempt++) {
      try {
        compacted = (await compactTable(g, "main", "node:T")).committed;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== "ERR_MANIFEST_CONFLICT" && code !== "ERR_READ_SET_CONFLICT") throw e;
      }
    }
    await writing;
    t.true(compacted);
    const after = await idsAt(await g.snapshot(), "node:T");
    t.deepEqual(after, [...before["node:T"]!, ...acked].sort(), "no committed row lost or duplicated");
    const h = await g.history("main", { limit: 40 });
    t.true(h.some((c) => c.kind === "maintenance" && c.actor === "omnigraph:maintenance"));
  });

  test(`${target.name}: a compaction that met an uncommitted write never publishes it, also when retried`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create] } });
    for (let i = 0; i < 4; i++) await commitWithRetry(g, "main", () => ({ "node:T": [add([`r${i}`, i])] }));
    // Another writer's uncommitted Lance version on top of the committed one.
    const other = await Graph.open(g.loc, { mode: "read-write", recover: false });
    const st = (await g.snapshot()).tableState("node:T")!;
    const foreign = await (await other.tables.db()).openTable(st.path.replace(/^data\//, "").replace(/\.lance$/, ""));
    await foreign.add(rows(["ghost", 9]));
    const first = await compactTable(g, "main", "node:T").then(() => "ok", (e: { code?: string }) => e.code);
    await compactTable(g, "main", "node:T").catch(() => undefined);
    t.true(first === "ok" || first === "ERR_MANIFEST_CONFLICT", String(first));
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["r0", "r1", "r2", "r3"], "the uncommitted row never became visible");
  });

  test(`${target.name}: an index build is a maintenance commit; queries still answer`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1], ["b", 2], ["c", 3])] } });
    const r = await buildIndex(g, "main", "node:T", "n", "btree");
    t.true(r.committed);
    const table = await (await g.snapshot()).table("node:T");
    t.true((await table.listIndices()).some((i) => i.columns.includes("n")));
    t.deepEqual((await table.query().where("n >= 2").toArray()).map((x) => x.id).sort(), ["b", "c"]);
  });

  test(`${target.name}: version cleanup removes old versions but keeps every referenced one and pinned snapshots`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create] } });
    const ancient = await commitWithRetry(g, "main", () => ({ "node:T": [add(["a0", 0])] }));
    await commitWithRetry(g, "main", () => ({ "node:T": [add(["a1", 1])] }));
    await new Promise((r) => setTimeout(r, 1200));
    const early = await commitWithRetry(g, "main", () => ({ "node:T": [add(["e1", 1])] }));
    const pinned = await commitWithRetry(g, "main", () => ({ "node:T": [add(["p1", 1])] }));
    const unpinned = await commitWithRetry(g, "main", () => ({ "node:T": [add(["u1", 1])] }));
    for (let i = 0; i < 3; i++) await commitWithRetry(g, "main", () => ({ "node:T": [add([`m${i}`, i])] }));
    await g.createBranch("old", { fromCommit: early, actor: "t" });
    await pinSnapshot(g, pinned);
    const report = await cleanupVersions(g, { retentionMs: 0, marginMs: 500 });
    t.true(report.lines.reduce((a, l) => a + l.versionsRemoved, 0) >= 3, JSON.stringify(report));
    // Everything from the oldest reference on stays readable.
    t.deepEqual(await idsAt(await g.snapshot({ branch: "old" }), "node:T"), ["a0", "a1", "e1"]);
    t.deepEqual(await idsAt(await g.snapshot({ commit: pinned }), "node:T"), ["a0", "a1", "e1", "p1"]);
    t.deepEqual(await idsAt(await g.snapshot({ commit: unpinned }), "node:T"), ["a0", "a1", "e1", "p1", "u1"]);
    t.is((await idsAt(await g.snapshot(), "node:T")).length, 8);
    // A snapshot of a commit older than every reference has expired, with a typed error.
    const err = await t.throwsAsync(async () => idsAt(await g.snapshot({ commit: ancient }), "node:T"));
    t.is((err as { code?: string }).code, "ERR_SNAPSHOT_EXPIRED");
  });

  test(`${target.name}: version cleanup never commits outside the manifest: its compaction is published, readers get Lance's latest, pinned snapshots stay readable`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create], "node:U": [create, add(["u", 0])] } });
    // Many small appends: fragments Lance's optimize compacts (a version of its own).
    for (let i = 0; i < 6; i++) await commitWithRetry(g, "main", () => ({ "node:T": [add([`a${i}`, i])] }));
    const pinned = await commitWithRetry(g, "main", () => ({ "node:T": [add(["p", 9])] }));
    await pinSnapshot(g, pinned);
    await g.createBranch("dev", { actor: "t" });
    await commitWithRetry(g, "dev", () => ({ "node:T": [add(["d1", 1])] })); // a fork dev writes in place
    await commitWithRetry(g, "dev", () => ({ "node:T": [add(["d2", 2])] }));
    const before = await contentOf(await g.snapshot());
    const beforeDev = await contentOf(await g.snapshot({ branch: "dev" }));
    const report = await cleanupVersions(g, { retentionMs: 0, marginMs: 500 });
    t.true(report.lines.some((l) => l.published !== undefined), `optimize compacted something here: ${JSON.stringify(report)}`);
    const head = (await g.log.head())!;
    t.is(head.kind, "maintenance", "the compaction is a published maintenance entry");
    const db = await g.tables.db();
    for (const branch of ["main", "dev"]) {
      const snap = await g.snapshot({ branch });
      for (const key of snap.tableKeys()) {
        const st = snap.tableState(key)!;
        const latest = await db.openTable(tableNameOf(st.path), undefined, st.lanceBranch ? { branch: st.lanceBranch } : {});
        t.is(await latest.version(), st.version, `${branch} ${key}: the manifest's version is Lance's latest (nothing committed beside it)`);
      }
    }
    t.deepEqual(await contentOf(await g.snapshot()), before, "readers of main see the same rows");
    t.deepEqual(await contentOf(await g.snapshot({ branch: "dev" })), beforeDev, "readers of dev see the same rows");
    t.deepEqual(await idsAt(await g.snapshot({ commit: pinned }), "node:T"), ["a0", "a1", "a2", "a3", "a4", "a5", "p"], "the pinned snapshot stays readable");
    // A writer after the cleanup builds on the published version (no restore, no conflict).
    await commitWithRetry(g, "main", () => ({ "node:T": [add(["after", 1])] }));
    t.is((await idsAt(await g.snapshot(), "node:T")).length, 8);
    await g.close();
  });

  test(`${target.name}: garbage collection reclaims a deleted branch's fork and a dropped table`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])], "node:Gone": [create, add(["x", 1])] } });
    await g.createBranch("dev", { actor: "t" });
    await commitWithRetry(g, "dev", () => ({ "node:T": [add(["d", 2])] }));
    const forkBranch = (await g.snapshot({ branch: "dev" })).tableState("node:T")!.lanceBranch!;
    const gonePath = (await g.snapshot()).tableState("node:Gone")!.path;
    await g.deleteBranch("dev", { actor: "t" });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:Gone": "drop" } });
    const report = await collectGarbage(g, { retentionMs: 0, now: Date.now() + 1000 });
    t.true(report.lanceBranchesDeleted.some((b) => b.endsWith(`@${forkBranch}`)), JSON.stringify(report));
    t.true(report.datasetsDeleted.includes(gonePath), JSON.stringify(report));
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["a"]);
  });
}
