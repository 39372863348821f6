// Deterministic regressions for the commit protocol (issue 7): each test runs a second
// actor at an exact point of a writer's protocol through a HookedStore beneath the
// retry layer, against real stores and real LanceDB.
import test from "ava";
import { Graph } from "../../server/store/graph.ts";
import { HookedStore } from "../support/hooked-store.ts";
import { add, create, idsAt, newGraphId, storeTargets } from "./support.ts";

for (const target of storeTargets()) {
  test(`${target.name}: bug 1 — a sweep that rolls a live writer's transaction forward leaves that writer acknowledged, not in conflict, and the row stored once`, async (t) => {
    const graphId = newGraphId();
    let hooked: HookedStore | undefined;
    const loc = target.location(graphId, (s) => (hooked = new HookedStore(s)));
    const g = await Graph.open(loc, { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
    // Right after the writer's sidecar reached `written`, another handle takes the graph
    // over and sweeps: it rolls the writer's transaction forward.
    hooked!.on({ ops: ["put"], put: "cas", key: /__recovery\//, after: async () => takeOverAndSweep(target.location(graphId)) });
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } });
    t.true(r.changed);
    const reader = await Graph.open(target.location(graphId), { mode: "read-only" });
    t.deepEqual(await idsAt(await reader.snapshot(), "node:T"), ["a", "b"], "the row is stored once");
    const commits = (await reader.history("main", { limit: 10 })).filter((c) => c.kind === "commit");
    t.deepEqual(commits.map((c) => c.commitId), [r.entry!.commitId], "one commit entry, the one the writer was told about");
  });
}

/** A second writer that takes the graph over (today: a stale-age sweep) and sweeps. */
async function takeOverAndSweep(loc: import("../../server/store/layout.ts").GraphLocation): Promise<void> {
  await new Promise((r) => setTimeout(r, 3));
  const other = await Graph.open(loc, { mode: "read-write", recover: false });
  await other.recover({ staleAfterMs: 0 });
  other.close();
}
