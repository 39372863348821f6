// The long fault suite (npm run test:faults; see README "Testing"): many random
// kill -9 of writer processes on fs and RGW, and maintenance (compaction, index builds,
// version cleanup) beside a writer doing updates and upserts, with readers checking
// every snapshot. Each failure prints its seed and steps; rerun one with
// OMNIGRAPH_FAULT_SEED=<seed>.
import test from "ava";
import { Graph } from "../../server/store/graph.ts";
import { buildIndex, cleanupVersions, compactTable } from "../../server/store/maintenance.ts";
import { runSoak } from "../support/soak.ts";
import { add, create, idsAt, newGraphId, rows, storeTargets } from "../store/support.ts";

const base = Number(process.env.OMNIGRAPH_FAULT_SEED ?? Date.now() % 1_000_000);

for (const target of storeTargets()) {
  if (!target.child) continue;
  for (let round = 0; round < 3; round++) {
    const seed = base + round;
    test.serial(`${target.name}: soak round ${round} (seed ${seed}): 4 writer processes, 12 random kill -9, every acknowledged commit once, nothing else visible, no torn snapshot`, async (t) => {
      const r = await runSoak(target.location(newGraphId()), target.child!, { seed, writers: 4, commitsPerWriter: 15, kills: 12, spanMs: 30_000 });
      t.log(`${r.acked} acknowledged, ${r.snapshots} snapshots; ${r.steps.join("; ")}`);
      t.deepEqual(r.problems, [], `seed ${seed}; steps:\n${r.steps.join("\n")}`);
    });
  }
}

for (const target of storeTargets()) {
  test.serial(`${target.name}: compaction, index builds and cleanup beside a writer doing updates and upserts: the visible state is the fold of the acknowledged commits`, async (t) => {
    const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 0], ["b", 0])], "node:U": [create] } });
    const expected = new Map<string, number>([["a", 0], ["b", 0]]);
    const uRows: string[] = [];
    let stop = false;
    const torn: string[] = [];
    const writer = (async () => {
      for (let n = 1; n <= 30; n++) {
        for (;;) {
          const snap = await g.snapshot();
          const op = n % 2 === 0
            ? { kind: "update" as const, where: "id = 'a'", valuesSql: { n: String(n) } }
            : { kind: "merge_insert" as const, on: ["id"], data: rows(["b", n], [`new${n}`, n]) };
          try {
            await g.commit({ branch: "main", kind: "commit", actor: "w", base: snap, writes: { "node:T": [op], "node:U": [add([`u${n}`, n])] }, reads: ["node:T", "node:U"] });
            break;
          } catch (e) {
            const code = (e as { code?: string }).code;
            if (code !== "ERR_MANIFEST_CONFLICT" && code !== "ERR_READ_SET_CONFLICT") throw e;
          }
        }
        if (n % 2 === 0) expected.set("a", n);
        else {
          expected.set("b", n);
          expected.set(`new${n}`, n);
        }
        uRows.push(`u${n}`);
      }
      stop = true;
    })();
    const reader = (async () => {
      const r = await Graph.open(g.loc, { mode: "read-only" });
      while (!stop) {
        const snap = await r.snapshot();
        // Each commit adds one U row and changes T: T's values must match U's count.
        const u = (await idsAt(snap, "node:U")).length;
        const tRows = await (await snap.table("node:T")).query().toArray();
        const maxN = Math.max(...tRows.map((x) => Number(x.n)));
        if (maxN !== u) torn.push(`${snap.commitId}: T at ${maxN}, U has ${u}`);
      }
    })();
    let maintenance = 0;
    while (!stop) {
      for (const job of [() => compactTable(g, "main", "node:T"), () => buildIndex(g, "main", "node:T", "n", "btree"), () => cleanupVersions(g, { retentionMs: 0, marginMs: 500 })]) {
        try {
          await job();
          maintenance++;
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code !== "ERR_MANIFEST_CONFLICT" && code !== "ERR_READ_SET_CONFLICT") throw e;
        }
      }
    }
    await writer;
    await reader;
    const final = await (await (await g.snapshot()).table("node:T")).query().toArray();
    t.deepEqual(Object.fromEntries(final.map((x) => [String(x.id), Number(x.n)]).sort()), Object.fromEntries([...expected].sort()));
    t.deepEqual(await idsAt(await g.snapshot(), "node:U"), uRows.sort());
    t.deepEqual(torn, []);
    t.log(`${maintenance} maintenance jobs beside 30 commits`);
    await g.close();
  });
}
