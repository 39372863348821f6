// Request budgets of the graph store, counted with CountingStore beneath the retry
// layer (every attempt that reaches the store is counted). Lance's own requests go
// straight to Lance's object store and are not counted here (bench/lance-facts measures
// those at the wire). With OMNIGRAPH_RECORD_BUDGETS=1 it also writes the measured
// table to bench/results/store-requests.json (a plain `npm test` changes no file).
import test, { type ExecutionContext } from "ava";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ObjectStore } from "../../drivers/contract.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import { CountingStore, type RequestRecord } from "../../drivers/counting.ts";
import { Graph } from "../../server/store/graph.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import { newCommitId } from "../../server/store/manifest/commit-id.ts";
import type { ManifestEntry } from "../../server/store/manifest/entry.ts";
import { ManifestLog } from "../../server/store/manifest/log.ts";
import { add, create, newGraphId, storeTargets, type StoreTarget } from "./support.ts";

const RESULTS = fileURLToPath(new URL("../../bench/results/store-requests.json", import.meta.url));
const LANCE_NOTE = "Lance's own requests (dataset reads and writes) go straight to Lance's object store and are not counted here.";

/** One measured operation. */
interface Cost {
  total: number;
  roundTrips: number;
  /** Requests by operation: get, head, list, put, delete. */
  byOp: Record<string, number>;
  /** Requests by kind: get, put:create, put:cas, delete, list… */
  byKind: Record<string, number>;
  /** Requests on `__manifest/` keys (entries and the head hint). */
  manifest: number;
  note?: string;
}

const measured: Record<string, Record<string, Cost>> = {};

function record(target: StoreTarget, name: string, cost: Cost): Cost {
  (measured[target.name] ??= {})[name] = cost;
  return cost;
}

/** A graph location whose requests are counted beneath the retry layer. */
function counted(target: StoreTarget, graphId: string): { loc: GraphLocation; counter: CountingStore } {
  let counter: CountingStore | undefined;
  const loc = target.location(graphId, (s: ObjectStore) => (counter = new CountingStore(s)));
  return { loc, counter: counter! };
}

async function measure<T>(counter: CountingStore, fn: () => Promise<T>, note?: string): Promise<Cost & { result: T }> {
  const m = await counter.measure(fn);
  const byKind: Record<string, number> = {};
  for (const r of m.records) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  return {
    result: m.result, total: m.total, roundTrips: m.roundTrips, byOp: m.counts, byKind,
    manifest: m.records.filter((r: RequestRecord) => r.key.includes("/__manifest/")).length, ...(note ? { note } : {}),
  };
}

function strip(c: Cost & { result?: unknown }): Cost {
  const { result: _result, ...cost } = c;
  return cost;
}

/** A graph with table `node:T` = [t0] on main, written by `g` (its handle is warm). */
/** A lease period far longer than the test, so no background renewal lands inside a measurement (renewal is measured on its own). */
const QUIET_LEASE = { durationMs: 3_600_000 };

async function graphWithTable(loc: GraphLocation): Promise<Graph> {
  const g = await Graph.open(loc, { mode: "read-write", create: true, lease: QUIET_LEASE });
  await g.commit({ branch: "main", kind: "schema", actor: "setup", base: await g.snapshot(), writes: { "node:T": [create, add(["t0", 0])] } });
  await g.drain();
  return g;
}

/** A commit and its after-commit work (hint, sidecar delete), so that none of it lands in a later measurement. */
async function commitRow(g: Graph, id: string): Promise<void> {
  await g.commit({ branch: "main", kind: "commit", actor: "budget", base: await g.snapshot(), writes: { "node:T": [add([id, 1])] } });
  await g.drain();
}

/**
 * Cheap history: appends schema-kind entries on main up to sequence `upTo`, each
 * changing only the schema hash (no Lance writes), exactly as `commit` would publish
 * them, but written in parallel (a sequential commit costs four round trips; 500 of
 * them take a minute on RGW). Then moves the head hint to the last one.
 */
async function appendSchemaCommits(g: Graph, upTo: number): Promise<void> {
  let prev = (await g.log.head())!;
  const entries: ManifestEntry[] = [];
  for (let seq = prev.seq + 1; seq <= upTo; seq++) {
    const main = prev.branches.main!;
    const commitId = newCommitId(seq);
    const { note: _note, ...rest } = prev;
    const e: ManifestEntry = {
      ...rest, seq, commitId, kind: "schema", branch: "main", parents: [main.seq], parentCommits: [main.head], actor: "setup",
      timeUs: Date.now() * 1000, writer: newWriterToken(), state: { ...prev.state!, schema: `h${seq}` },
      branches: { ...prev.branches, main: { ...main, seq, head: commitId } },
    };
    entries.push(e);
    prev = e;
  }
  const queue = [...entries];
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let e = queue.shift(); e; e = queue.shift()) await g.log.append(e);
  }));
  await g.log.advanceHint(prev);
}

function assertWarmHead(t: ExecutionContext, what: string, c: Cost): void {
  t.true(c.total <= 2, `${what}: ${c.total} requests (budget 2)`);
  t.is(c.roundTrips, 1, `${what}: one round trip`);
  t.is(c.byOp.list, 0, `${what}: no LIST`);
}

for (const target of storeTargets()) {
  test(`${target.name}: a warm consistent head check is ≤ 2 requests in 1 round trip with no LIST, unchanged or one commit behind; a cold one LISTs nothing`, async (t) => {
    const graphId = newGraphId();
    const { loc, counter } = counted(target, graphId);
    const g = await graphWithTable(loc);
    await g.log.head();

    assertWarmHead(t, "nothing changed", record(target, "head check, warm, nothing changed", strip(await measure(counter, () => g.log.head()))));

    // Another writer (an uncounted handle on the same graph) commits once.
    const other = await Graph.open(target.location(graphId), { mode: "read-write", recover: false });
    await commitRow(other, "other-1");
    const behind = await measure(counter, () => g.log.head());
    t.is(behind.result?.seq, other.log.lastKnown?.seq, "sees the other writer's commit");
    assertWarmHead(t, "one commit by another writer since", record(target, "head check, warm, one commit by another writer since", strip(behind)));

    // This handle commits once (it knows the entry it published).
    await commitRow(g, "own-1");
    assertWarmHead(t, "one own commit since", record(target, "head check, warm, after an own commit", strip(await measure(counter, () => g.log.head()))));

    // Further behind: still consistent and LIST-free (the hint, then a short gallop).
    for (let i = 0; i < 3; i++) await commitRow(other, `other-more-${i}`);
    const far = await measure(counter, () => g.log.head());
    t.is(far.result?.seq, other.log.lastKnown?.seq, "sees the last of three commits by another writer");
    t.is(far.byOp.list, 0);
    record(target, "head check, warm, three commits by another writer since", strip(far));

    const cold = counted(target, graphId);
    const coldHead = await measure(cold.counter, () => new ManifestLog(cold.loc).head());
    t.is(coldHead.result?.seq, g.log.lastKnown?.seq);
    t.is(coldHead.byOp.list, 0, "a cold head check does not LIST");
    record(target, "head check, cold (fresh handle)", strip(coldHead));
    g.close();
    other.close();
  });

  test(`${target.name}: createBranch and deleteBranch cost the same with 2 and with 50 tables`, async (t) => {
    const costs: Cost[][] = [];
    for (const n of [2, 50]) {
      const { loc, counter } = counted(target, newGraphId());
      const g = await Graph.open(loc, { mode: "read-write", create: true, lease: QUIET_LEASE });
      const writes = Object.fromEntries(Array.from({ length: n }, (_, i) => [`node:T${i}`, [create]]));
      await g.commit({ branch: "main", kind: "schema", actor: "setup", base: await g.snapshot(), writes });
      await g.drain();
      const made = strip(await measure(counter, () => g.createBranch("b", { from: "main", actor: "budget" })));
      const dropped = strip(await measure(counter, () => g.deleteBranch("b", { actor: "budget" })));
      record(target, `branch create (${n} tables)`, made);
      record(target, `branch delete (${n} tables)`, dropped);
      costs.push([made, dropped]);
      g.close();
    }
    const [small, large] = costs as [Cost[], Cost[]];
    for (const [i, what] of ["create", "delete"].entries()) {
      t.deepEqual(large[i]!.byKind, small[i]!.byKind, `branch ${what}: same requests by kind for 2 and 50 tables`);
      t.is(large[i]!.total, small[i]!.total);
      t.is(large[i]!.byOp.list, 0, `branch ${what} does not LIST`);
    }
  });

  test(`${target.name}: a one-row commit costs the same manifest requests after 10 and after 500 prior commits`, async (t) => {
    const costs: { warm: Cost; cold: Cost }[] = [];
    for (const prior of [10, 500]) {
      const graphId = newGraphId();
      const { loc, counter } = counted(target, graphId);
      const g = await graphWithTable(loc); // entries 1 (init) and 2
      await appendSchemaCommits(g, prior);
      t.is((await Graph.open(target.location(graphId), { mode: "read-only" })).log.lastKnown?.seq, prior);
      const base = await g.snapshot();
      await g.drain();
      const warm = strip(await measure(counter, () => g.commit({ branch: "main", kind: "commit", actor: "budget", base, writes: { "node:T": [add(["w", 1])] } })));
      const warmAfter = strip(await measure(counter, () => g.drain()));
      // A fresh writer: open (cold head + recovery sweep), snapshot, commit.
      const fresh = counted(target, graphId);
      const cold = strip(await measure(fresh.counter, async () => {
        const w = await Graph.open(fresh.loc, { mode: "read-write" });
        await commitRow(w, "c");
        w.close();
      }));
      record(target, `commit one row, warm writer (${prior} prior commits): before the acknowledgement`, warm);
      record(target, `commit one row, warm writer (${prior} prior commits): after it (after-commit chain)`, warmAfter);
      t.deepEqual(warm.byKind, { "put:create": 2, "put:cas": 1 }, "before the acknowledgement: sidecar create, then sidecar CAS ‖ entry PUT");
      // On memory a request completes before the next one starts: overlap cannot show there.
      if (target.name !== "memory") t.is(warm.roundTrips, 2, "two round trips of our own before the acknowledgement");
      t.deepEqual(warmAfter.byKind, { "put:cas": 1, delete: 1 }, "after it: hint CAS, sidecar delete");
      record(target, `open + snapshot + commit one row, fresh writer (${prior} prior commits)`, cold);
      costs.push({ warm, cold });
      g.close();
    }
    const [ten, many] = costs as [{ warm: Cost; cold: Cost }, { warm: Cost; cold: Cost }];
    t.is(many.warm.manifest, ten.warm.manifest, "warm commit: manifest requests do not grow with history");
    t.deepEqual(many.warm.byKind, ten.warm.byKind, "warm commit: same requests by kind");
    t.is(many.cold.manifest, ten.cold.manifest, "fresh writer: manifest requests do not grow with history");
    t.deepEqual(many.cold.byKind, ten.cold.byKind, "fresh writer: same requests by kind");
    t.is(many.warm.byOp.list, 0, "a commit does not LIST");
  });

  test(`${target.name}: request table per operation`, async (t) => {
    const graphId = newGraphId();
    const { loc, counter } = counted(target, graphId);
    const g = await graphWithTable(loc);
    for (let i = 0; i < 20; i++) await commitRow(g, `r${i}`);
    const rows: [string, Cost][] = [];
    const row = async (name: string, fn: () => Promise<unknown>, c: CountingStore = counter, note?: string): Promise<Cost> => {
      const cost = record(target, name, strip(await measure(c, fn, note)));
      rows.push([name, cost]);
      return cost;
    };
    await g.log.head();
    await row("head check, warm, nothing changed", () => g.log.head());
    const cold = counted(target, graphId);
    await row("head check, cold (fresh handle)", () => new ManifestLog(cold.loc).head(), cold.counter);
    await row("snapshot (warm handle)", () => g.snapshot());
    let base = await g.snapshot();
    await g.drain();
    const commit = await row("commit one row (writer's previous commit was the head): before the acknowledgement", () => g.commit({ branch: "main", kind: "commit", actor: "budget", base, writes: { "node:T": [add(["one", 1])] } }),
      counter, "sidecar create-only PUT, then sidecar CAS to `written` in parallel with the optimistic entry PUT (no head check: the caller's snapshot just read the head)");
    t.is(commit.byOp.list, 0);
    t.is(commit.byOp.get, 0, "no head check between the snapshot and the entry PUT");
    t.is(commit.byKind["put:create"], 2, "entry + sidecar are create-only writes");
    t.is(commit.byKind["put:cas"], 1, "sidecar `written` is the only compare-and-swap before the acknowledgement");
    if (target.name !== "memory") t.is(commit.roundTrips, 2, "sidecar create; then CAS ‖ entry");
    const after = await row("commit one row: after the acknowledgement (after-commit chain)", () => g.drain(), counter, "head hint CAS, then the sidecar delete");
    t.is(after.byKind["put:cas"], 1, "the head hint");
    t.is(after.byOp.delete, 1, "the sidecar is deleted");
    const other = await Graph.open(target.location(graphId), { mode: "read-write", recover: false });
    await commitRow(other, "other");
    other.close();
    await row("head check, warm, one commit by another writer since", () => g.log.head());
    base = await g.snapshot();
    await row("commit one row (another writer committed since): before the acknowledgement", () => g.commit({ branch: "main", kind: "commit", actor: "budget", base, writes: { "node:T": [add(["two", 1])] } }));
    await row("commit one row (another writer committed since): after it", () => g.drain(), counter, "the hint moved under us: one GET of the hint before the swap");
    await row("branch create", () => g.createBranch("feature", { from: "main", actor: "budget" }));
    await row("branch delete", () => g.deleteBranch("feature", { actor: "budget" }));
    const reader = counted(target, graphId);
    const ro = await Graph.open(reader.loc, { mode: "read-only" });
    const hist = await row("history of 20 commits (fresh read-only handle, entries not cached)", () => ro.history("main", { limit: 20 }), reader.counter);
    t.is(hist.byOp.list, 0);
    await row("history of 20 commits (warm handle, entries cached)", () => ro.history("main", { limit: 20 }), reader.counter);
    const sweep = await row("recovery sweep, no sidecars", () => g.recover(), counter, "sweeps are a cold path (open of a writer, the leased worker): one LIST of __recovery/");
    t.is(sweep.byOp.list, 1, "the sweep LISTs __recovery/ once");
    base = await g.snapshot();
    await g.drain();
    const keyed = await row("commit one row with an idempotency key (warm handle)", async () => g.commit({ branch: "main", kind: "commit", actor: "budget", base, writes: { "node:T": [add(["k", 1])] }, idempotencyKey: "budget-1" }),
      counter, "first keyed request of the handle: includes the one-time window scan");
    base = await g.snapshot();
    await g.drain();
    const keyedWarm = await row("commit one row with another idempotency key (index warm)", async () => g.commit({ branch: "main", kind: "commit", actor: "budget", base, writes: { "node:T": [add(["k2", 1])] }, idempotencyKey: "budget-2" }));
    t.is(keyedWarm.total, commit.total, "a keyed commit on a warm handle costs what an unkeyed one does");
    t.true(keyed.total >= keyedWarm.total);
    await g.drain();
    await row("writer lease renewal", () => g.lease!.renew());
    ro.close();
    const release = await row("close a read-write handle (releases the writer lease)", () => g.close());
    t.is(release.byKind["put:cas"], 1, "one compare-and-swap releases the lease");
    const reopened = counted(target, graphId);
    const open = await row("read-write open of a graph whose writer lease is free (take lease + fence entry + sweep)", async () => (await Graph.open(reopened.loc, { mode: "read-write" })).close(), reopened.counter,
      "includes the close (1 CAS); the fence is one create-only entry and a hint CAS");
    t.is(open.byOp.list, 1, "only the sweep LISTs");

    const pad = (s: string | number, n: number) => String(s).padEnd(n);
    const lines = [
      `${target.name}: requests counted beneath the retry layer. ${LANCE_NOTE}`,
      `${pad("operation", 70)} ${pad("total", 6)} ${pad("RTs", 4)} by kind`,
      ...rows.map(([name, c]) => `${pad(name, 70)} ${pad(c.total, 6)} ${pad(c.roundTrips, 4)} ${Object.entries(c.byKind).map(([k, v]) => `${k}=${v}`).join(" ")}${c.note ? ` (${c.note})` : ""}`),
    ];
    t.log(lines.join("\n"));
  });
}

test.after.always("write bench/results/store-requests.json (OMNIGRAPH_RECORD_BUDGETS=1)", () => {
  if (process.env.OMNIGRAPH_RECORD_BUDGETS !== "1" || Object.keys(measured).length === 0) return;
  mkdirSync(dirname(RESULTS), { recursive: true });
  const out = {
    what: "Requests the graph store makes per operation, counted with CountingStore beneath the retry layer (test/store/budget.test.ts).",
    note: LANCE_NOTE,
    roundTrips: "sequential round trips: requests issued in parallel count once",
    measuredAt: new Date().toISOString(),
    targets: Object.fromEntries(Object.entries(measured).map(([target, ops]) => [target, Object.fromEntries(Object.entries(ops).sort(([a], [b]) => a.localeCompare(b)))])),
  };
  writeFileSync(RESULTS, `${JSON.stringify(out, null, 2)}\n`);
});
