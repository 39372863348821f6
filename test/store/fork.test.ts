// The lazy fork (docs/design/write-path.md, "The lazy fork"): the first write to a table
// a branch inherits forks it as a Lance branch, and the commit starts that fork beside
// the recovery sidecar's create instead of after it. A fork commits nothing on a line
// any entry references, so a fork whose transaction never publishes is an orphan that
// garbage collection reclaims; these tests put a failure or a kill -9 at each point
// around the fork and check the branch, the sidecars, a retry and the collection.
import test, { type ExecutionContext } from "ava";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { arrow } from "../../server/store/arrow.ts";
import { Graph } from "../../server/store/graph.ts";
import { collectGarbage } from "../../server/store/maintenance.ts";
import { tableNameOf } from "../../server/store/tables.ts";
import { codeOf } from "../support/codes.ts";
import * as lancedb from "@lancedb/lancedb";
import { FEATURE, prepare } from "./crash-ops.ts";
import { add, create, idsAt, newGraphId, steeredGraph, storeTargets, type StoreTarget } from "./support.ts";

const CRASHER = fileURLToPath(new URL("../support/store-crasher.ts", import.meta.url));

/** main owns T = [a] and U = [u0]; branch `dev` inherits both (its first write to each forks it). */
const graphWith = (target: StoreTarget) => steeredGraph(target, ["dev"]);

/** Lance branch names on the dataset of `table` (as main's state names it) that fork graph branch `branch`. */
async function forksOf(g: Graph, branch: string, table = "node:T"): Promise<string[]> {
  const path = (await g.snapshot()).tableState(table)!.path;
  const branchId = (await g.snapshot({ branch })).record.id;
  const t = await (await g.tables.db()).openTable(tableNameOf(path));
  return Object.keys(await (await t.branches()).list()).filter((n) => n.startsWith(`g-${branchId}-`)).sort();
}

async function sidecarCount(g: Graph): Promise<number> {
  let n = 0;
  for await (const _ of g.loc.store.list(g.loc.sidecarPrefix)) n++;
  return n;
}

/** dev inherits T from main, unchanged. */
async function checkStillInherited(t: ExecutionContext, g: Graph, table = "node:T", branch = "dev"): Promise<void> {
  const main = await g.snapshot();
  const st = (await g.snapshot({ branch })).tableState(table)!;
  t.is(st.owner, main.record.id, `${branch} still inherits ${table}: nothing was published`);
  t.is(st.lanceBranch, main.tableState(table)!.lanceBranch ?? null);
}

/** Collection after the retention removes exactly `orphans` and keeps the fork dev's state names. */
async function checkCollected(t: ExecutionContext, g: Graph, branch: string, orphans: string[], table = "node:T"): Promise<void> {
  const live = (await g.snapshot({ branch })).tableState(table)!.lanceBranch!;
  const report = await collectGarbage(g, { retentionMs: 0, now: Date.now() + 1000 });
  t.deepEqual(report.lanceBranchesDeleted.map((b) => b.slice(b.indexOf("@") + 1)).sort(), [...orphans].sort(), JSON.stringify(report));
  t.deepEqual(await forksOf(g, branch, table), [live], "only the referenced fork is left");
}

for (const target of storeTargets()) {
  test(`${target.name}: the lazy forks of a write run beside the sidecar create, not after it`, async (t) => {
    const { g, hooked } = await graphWith(target);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Hold the sidecar's create-only PUT: a fork made after it could never appear.
    hooked.on({ ops: ["put"], put: "create", key: /__recovery\//, before: () => gate });
    const committing = g.commit({ branch: "dev", kind: "commit", actor: "t", base: await g.snapshot({ branch: "dev" }), writes: { "node:T": [add(["d", 2])], "node:U": [add(["u1", 1])] } });
    committing.catch(() => undefined);
    let seen: Record<string, string[]> = {};
    for (let i = 0; i < 300; i++) {
      seen = { "node:T": await forksOf(g, "dev", "node:T"), "node:U": await forksOf(g, "dev", "node:U") };
      if (seen["node:T"]!.length > 0 && seen["node:U"]!.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    t.is(seen["node:T"]!.length, 1, "T was forked while the sidecar create was still held");
    t.is(seen["node:U"]!.length, 1, "and so was U (the forks of one write start together)");
    t.is(await sidecarCount(g), 0, "and the sidecar was not written yet");
    release();
    const r = await committing;
    t.true(r.changed);
    const dev = await g.snapshot({ branch: "dev" });
    for (const k of ["node:T", "node:U"]) {
      t.is(dev.tableState(k)!.lanceBranch, seen[k]![0]!, `the commit wrote ${k} on that fork`);
      t.is(dev.tableState(k)!.owner, dev.record.id);
    }
    t.deepEqual(await idsAt(dev, "node:T"), ["a", "d"]);
    t.deepEqual(await idsAt(dev, "node:U"), ["u0", "u1"]);
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["a"], "main is untouched");
    t.deepEqual(await idsAt(await g.snapshot(), "node:U"), ["u0"]);
    await g.close();
  });

  test(`${target.name}: the sidecar create fails after the fork was made: a typed failure, dev unchanged, a retry forks afresh, the orphan is collected`, async (t) => {
    const { g, faulty } = await graphWith(target);
    faulty.setRules([{ ops: ["put"], key: /__recovery\//, times: 1000, action: { kind: "error", code: "ERR_UNAVAILABLE" } }]);
    const code = await codeOf(g.commit({ branch: "dev", kind: "commit", actor: "t", base: await g.snapshot({ branch: "dev" }), writes: { "node:T": [add(["d", 2])] } }));
    faulty.setRules([]);
    t.is(code, "ERR_UNAVAILABLE");
    const orphans = await forksOf(g, "dev");
    t.is(orphans.length, 1, "the fork was made (beside the sidecar) before the failure was reported");
    t.is(await sidecarCount(g), 0);
    await checkStillInherited(t, g);
    t.deepEqual(await idsAt(await g.snapshot({ branch: "dev" }), "node:T"), ["a"]);
    const r = await g.commit({ branch: "dev", kind: "commit", actor: "t", base: await g.snapshot({ branch: "dev" }), writes: { "node:T": [add(["d", 2])] } });
    t.true(r.changed);
    const live = (await g.snapshot({ branch: "dev" })).tableState("node:T")!.lanceBranch!;
    t.false(orphans.includes(live), "the retry forked afresh");
    t.deepEqual(await idsAt(await g.snapshot({ branch: "dev" }), "node:T"), ["a", "d"]);
    await g.drain();
    await checkCollected(t, g, "dev", orphans);
    t.deepEqual(await idsAt(await g.snapshot({ branch: "dev" }), "node:T"), ["a", "d"], "dev still reads its fork after the collection");
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["a"]);
    await g.close();
  });

  test(`${target.name}: a mutation that fails on its fork: nothing published, the staged sidecar removed, the orphan collected, a retry succeeds`, async (t) => {
    const { g } = await graphWith(target);
    // Rows of another shape: Lance refuses the append on the fork, after the fork was made.
    const bad = lancedb.makeArrowTable([{ other: "x" }], { schema: new arrow.Schema([new arrow.Field("other", new arrow.Utf8(), false)]) });
    t.is(await codeOf(g.commit({ branch: "dev", kind: "commit", actor: "t", base: await g.snapshot({ branch: "dev" }), writes: { "node:T": [{ kind: "add", data: bad }] } })), "ERR_LANCE");
    const orphans = await forksOf(g, "dev");
    t.is(orphans.length, 1);
    t.is(await sidecarCount(g), 0, "the staged sidecar was deleted with the definite failure");
    await checkStillInherited(t, g);
    await g.commit({ branch: "dev", kind: "commit", actor: "t", base: await g.snapshot({ branch: "dev" }), writes: { "node:T": [add(["d", 2])] } });
    t.deepEqual(await idsAt(await g.snapshot({ branch: "dev" }), "node:T"), ["a", "d"]);
    await g.drain();
    await checkCollected(t, g, "dev", orphans);
    await g.close();
  });

  if (!target.child) continue;
  test(`${target.name}: kill -9 between the fork and the sidecar: readers see the branch unchanged, nothing to recover, the orphan collected, the branch writable`, async (t) => {
    const graphId = newGraphId();
    const setup = await Graph.open(target.location(graphId), { mode: "read-write", create: true });
    await prepare(setup);
    await setup.close();
    // `commit.before_sidecar` armed: the commit makes every fork, then the child dies
    // before the sidecar is sent (the interleaving the parallel start allows).
    const exit = await new Promise<{ signal: NodeJS.Signals | null; output: string }>((resolve, reject) => {
      const p = spawn(process.execPath, ["--import=tsx", CRASHER, target.child!.url, graphId, "fork_commit"], {
        env: { ...process.env, ...target.child!.env, OMNIGRAPH_FAILPOINTS: "commit.before_sidecar=crash" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      t.teardown(() => void p.kill("SIGKILL"));
      let output = "";
      p.stdout.on("data", (d: Buffer) => (output += d.toString()));
      p.stderr.on("data", (d: Buffer) => (output += d.toString()));
      p.on("error", reject);
      p.on("close", (_code, signal) => resolve({ signal, output }));
    });
    t.is(exit.signal, "SIGKILL", exit.output);
    const reader = await Graph.open(target.location(graphId), { mode: "read-only" });
    t.deepEqual(await idsAt(await reader.snapshot({ branch: FEATURE }), "node:A"), ["a0"], "readers see feature as before");
    reader.close();
    const g = await Graph.open(target.location(graphId), { mode: "read-write" });
    t.deepEqual(g.recovery?.handled ?? [], [], "no sidecar: nothing to recover");
    t.is(await sidecarCount(g), 0);
    await checkStillInherited(t, g, "node:A", FEATURE);
    const orphans = await forksOf(g, FEATURE, "node:A");
    t.is(orphans.length, 1, "the dead process left its finished fork");
    await g.commit({ branch: FEATURE, kind: "commit", actor: "t", base: await g.snapshot({ branch: FEATURE }), writes: { "node:A": [add(["f1", 1])] } });
    t.deepEqual(await idsAt(await g.snapshot({ branch: FEATURE }), "node:A"), ["a0", "f1"]);
    await g.drain();
    await checkCollected(t, g, FEATURE, orphans, "node:A");
    t.deepEqual(await idsAt(await g.snapshot(), "node:A"), ["a0"], "main is untouched");
    await g.close();
  });
}
