import test from "ava";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Graph } from "../../server/store/graph.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import { add, commitWithRetry, create, idsAt, newGraphId, storeTargets } from "./support.ts";

const WRITERS = 8;
const COMMITS = 25;
const PROCESSES = 4;
const PROCESS_COMMITS = 10;
const WRITER_SCRIPT = fileURLToPath(new URL("../support/store-writer.ts", import.meta.url));

async function setUp(loc: GraphLocation): Promise<Graph> {
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  const base = await g.snapshot();
  const writes: Record<string, typeof create[]> = {};
  for (let i = 0; i < WRITERS; i++) {
    writes[`node:A${i}`] = [create];
    writes[`node:B${i}`] = [create];
  }
  await g.commit({ branch: "main", kind: "schema", actor: "setup", base, writes });
  return g;
}

/** Snapshots main while writers run; every snapshot must show A<i> and B<i> in step. */
function watchForPartialState(loc: GraphLocation, stop: { done: boolean }): Promise<{ snapshots: number; torn: string[] }> {
  return (async () => {
    const reader = await Graph.open(loc, { mode: "read-only" });
    const torn: string[] = [];
    let snapshots = 0;
    while (!stop.done) {
      const snap = await reader.snapshot();
      snapshots++;
      for (let i = 0; i < WRITERS; i++) {
        const [a, b] = await Promise.all([idsAt(snap, `node:A${i}`), idsAt(snap, `node:B${i}`)]);
        if (a.join() !== b.join()) torn.push(`commit ${snap.commitId}: A${i}=${a.length} B${i}=${b.length}`);
      }
    }
    return { snapshots, torn };
  })();
}

async function verify(t: import("ava").ExecutionContext, g: Graph, acked: string[][], writers = WRITERS, commits = COMMITS): Promise<void> {
  const history = await g.history("main");
  const ids = history.map((c) => c.commitId);
  // One linear order: strictly decreasing manifest sequence, no duplicates.
  t.true(history.every((c, k) => k === 0 || c.seq < history[k - 1]!.seq), "history is one linear order");
  t.is(new Set(ids).size, ids.length);
  const all = acked.flat();
  t.is(all.length, writers * commits);
  for (const id of all) t.is(ids.filter((x) => x === id).length, 1, `acknowledged commit ${id} appears exactly once`);
  const snap = await g.snapshot();
  for (let i = 0; i < writers; i++) {
    t.is((await idsAt(snap, `node:A${i}`)).length, commits);
    t.is((await idsAt(snap, `node:B${i}`)).length, commits);
  }
}

for (const target of storeTargets()) {
  test(`${target.name}: ${WRITERS} concurrent writers x ${COMMITS} commits in one process: every acknowledged commit once, no partial state`, async (t) => {
    const loc = target.location(newGraphId());
    const g = await setUp(loc);
    const stop = { done: false };
    const watching = watchForPartialState(loc, stop);
    const acked = await Promise.all(Array.from({ length: WRITERS }, async (_, i) => {
      const w = await Graph.open(loc, { mode: "read-write", recover: false });
      const mine: string[] = [];
      for (let n = 0; n < COMMITS; n++) {
        mine.push(await commitWithRetry(w, "main", () => ({ [`node:A${i}`]: [add([`w${i}-${n}`, n])], [`node:B${i}`]: [add([`w${i}-${n}`, n])] }), [`node:A${i}`, `node:B${i}`]));
      }
      return mine;
    }));
    stop.done = true;
    const { snapshots, torn } = await watching;
    t.deepEqual(torn, []);
    t.true(snapshots > 0);
    t.log(`${snapshots} concurrent snapshots checked`);
    await verify(t, g, acked);
  });

  test(`${target.name}: writers contending for one table conflict and retry; no commit is lost`, async (t) => {
    const loc = target.location(newGraphId());
    const g = await Graph.open(loc, { mode: "read-write", create: true });
    await g.commit({ branch: "main", kind: "schema", actor: "setup", base: await g.snapshot(), writes: { "node:S": [create] } });
    const acked = await Promise.all(Array.from({ length: 4 }, async (_, i) => {
      const w = await Graph.open(loc, { mode: "read-write", recover: false });
      const mine: string[] = [];
      for (let n = 0; n < 5; n++) mine.push(await commitWithRetry(w, "main", () => ({ "node:S": [add([`s${i}-${n}`, n])] })));
      return mine;
    }));
    const ids = (await g.history("main")).map((c) => c.commitId);
    for (const id of acked.flat()) t.true(ids.includes(id));
    t.is((await idsAt(await g.snapshot(), "node:S")).length, 20);
  });

  if (target.child) {
    const child = target.child;
    // Writer processes take turns on the writer lease (one publishing process per
    // graph), so fewer and shorter turns than the in-process race.
    test(`${target.name}: ${PROCESSES} writer processes x ${PROCESS_COMMITS} commits, taking turns on the writer lease: every acknowledged commit once, no partial state`, async (t) => {
      const graphId = newGraphId();
      const loc = target.location(graphId);
      const setup = await setUp(loc);
      await setup.close(); // the writer processes take the lease in turn
      const g = await Graph.open(loc, { mode: "read-only" });
      const stop = { done: false };
      const watching = watchForPartialState(loc, stop);
      const acked = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => new Promise<string[]>((resolve, reject) => {
        const p = spawn(process.execPath, ["--import=tsx", WRITER_SCRIPT, child.url, graphId, String(i), String(PROCESS_COMMITS)], {
          env: { ...process.env, ...child.env }, stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`writer ${i} exited ${code}`))));
      })));
      stop.done = true;
      const { torn } = await watching;
      t.deepEqual(torn, []);
      await verify(t, g, acked, PROCESSES, PROCESS_COMMITS);
    });
  }
}
