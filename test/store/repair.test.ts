// Log integrity (issue 7): one rule for the head — entries are dense, a present but
// unreadable entry or a hole is ERR_MANIFEST_CORRUPT naming the key, on the cold and
// the warm path alike — and `omnigraph repair` (dry run, then --confirm) fixing each
// case without losing an acknowledged commit.
import test from "ava";
import { listAll } from "../../drivers/base.ts";
import { run as repairCli } from "../../server/cli/repair.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import type { ObjectStore } from "../../drivers/contract.ts";
import { NotFound } from "../../drivers/errors.ts";
import { DelegatingStore, type RequestContext, type StoreOp } from "../../drivers/wrapper.ts";
import { repairGraph } from "../../server/store/repair.ts";
import { add, commitWithRetry, create, idsAt, newGraphId, storeTargets } from "./support.ts";

/** A graph with rows r0..r{n-1} on main, one commit each; returns the head sequence. */
async function graphWithCommits(loc: GraphLocation, n: number): Promise<number> {
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create] } });
  for (let i = 0; i < n; i++) await commitWithRetry(g, "main", () => ({ "node:T": [add([`r${i}`, i])] }));
  const head = (await g.log.head())!.seq;
  await g.close();
  return head;
}

async function headError(p: Promise<unknown>): Promise<{ code?: string; key?: string }> {
  try {
    await p;
    return {};
  } catch (e) {
    return { code: (e as { code?: string }).code, key: (e as { detail?: { key?: string } }).detail?.key };
  }
}

for (const target of storeTargets()) {
  test(`${target.name}: a truncated entry at the head is ERR_MANIFEST_CORRUPT with its key (cold and warm); repair restores it from the hint's copy`, async (t) => {
    const loc = target.location(newGraphId());
    const head = await graphWithCommits(loc, 3);
    const warm = await Graph.open(loc, { mode: "read-only" });
    await warm.log.head();
    const other = await Graph.open(loc, { mode: "read-write" });
    await commitWithRetry(other, "main", () => ({ "node:T": [add(["last", 9])] }));
    const last = (await other.log.head())!.seq;
    await other.close();
    const body = (await loc.store.get(loc.logKey(last))).body;
    await loc.store.put(loc.logKey(last), body.subarray(0, body.length >> 1)); // truncated (e.g. power loss without fsync)
    const cold = await headError(Graph.open(loc, { mode: "read-only" }));
    t.deepEqual(cold, { code: "ERR_MANIFEST_CORRUPT", key: loc.logKey(last) }, "cold path");
    t.deepEqual(await headError(warm.log.head()), cold, "warm path: the same rule");
    const dry = await repairGraph(loc, { confirm: false });
    t.false(dry.applied);
    t.deepEqual(dry.findings.map((f) => [f.kind, f.action]), [["corrupt_tail", "restore_from_hint"]]);
    t.is((await headError(Graph.open(loc, { mode: "read-only" }))).code, "ERR_MANIFEST_CORRUPT", "a dry run changes nothing");
    const done = await repairGraph(loc, { confirm: true });
    t.true(done.applied);
    t.is(done.head, last);
    t.true(head < last);
    const g = await Graph.open(loc, { mode: "read-write" });
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["last", "r0", "r1", "r2"], "every acknowledged commit is there");
    await commitWithRetry(g, "main", () => ({ "node:T": [add(["after", 1])] }));
    await g.close();
  });

  test(`${target.name}: a corrupt tail entry without a copy is quarantined (bytes kept); the graph opens at the entry before`, async (t) => {
    const loc = target.location(newGraphId());
    const head = await graphWithCommits(loc, 2);
    await loc.store.put(loc.logKey(head + 1), "{\"format\":1,\"seq\":"); // a torn create nobody acknowledged
    t.deepEqual(await headError(Graph.open(loc, { mode: "read-only" })), { code: "ERR_MANIFEST_CORRUPT", key: loc.logKey(head + 1) });
    const done = await repairGraph(loc, { confirm: true });
    t.deepEqual(done.findings.map((f) => [f.kind, f.action]), [["corrupt_tail", "quarantine"]]);
    t.is(done.head, head);
    t.is((await listAll(loc.store, loc.key("__manifest/quarantine/"))).length, 1, "the bytes are kept in quarantine");
    const g = await Graph.open(loc, { mode: "read-only" });
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["r0", "r1"]);
    t.is((await repairGraph(loc, { confirm: false })).findings.length, 0, "clean afterwards");
  });

  test(`${target.name}: a hole in the log gives the same ERR_MANIFEST_CORRUPT on the cold and warm paths; repair fills an unreferenced hole and refuses a referenced one`, async (t) => {
    const loc = target.location(newGraphId());
    await graphWithCommits(loc, 2);
    // Reopening publishes a lease fence entry nothing references; then one more commit.
    const g = await Graph.open(loc, { mode: "read-write" });
    const fence = (await g.log.head())!;
    t.is(fence.kind, "lease");
    const warm = await Graph.open(loc, { mode: "read-only" });
    await commitWithRetry(g, "main", () => ({ "node:T": [add(["x", 1])] }));
    await g.close();
    const before = (await warm.log.head())!.seq; // warm knows the fence's predecessor chain
    t.true(before > fence.seq);
    const warm2 = await Graph.open(loc, { mode: "read-only" });
    await loc.store.delete(loc.logKey(fence.seq));
    // The warm handle whose last known entry is just before the hole meets it too.
    const w = new (await import("../../server/store/manifest/log.ts")).ManifestLog(loc);
    await w.tryRead(fence.seq - 1);
    const warmErr = await headError(w.head());
    t.deepEqual(warmErr, { code: "ERR_MANIFEST_CORRUPT", key: loc.logKey(fence.seq) }, "warm path");
    warm.close();
    warm2.close();
    const done = await repairGraph(loc, { confirm: true });
    t.deepEqual(done.findings.filter((f) => f.kind === "hole").map((f) => f.action), ["fill"]);
    const r = await Graph.open(loc, { mode: "read-only" });
    t.deepEqual(await idsAt(await r.snapshot(), "node:T"), ["r0", "r1", "x"]);
    // A hole where a commit lived (later entries reference it): reported, not touched.
    const referenced = (await r.log.head())!.parents[0]!;
    await loc.store.delete(loc.logKey(referenced));
    const refused = await repairGraph(loc, { confirm: true });
    t.false(refused.applied);
    t.deepEqual(refused.findings.filter((f) => f.kind === "hole").map((f) => f.action), ["none"]);
  });

  test(`${target.name}: a missing hint: the head is still found; repair rewrites it`, async (t) => {
    const loc = target.location(newGraphId());
    const head = await graphWithCommits(loc, 2);
    await loc.store.delete(loc.hintKey);
    t.is((await (await Graph.open(loc, { mode: "read-only" })).log.head())!.seq, head);
    const dry = await repairGraph(loc, { confirm: false });
    t.deepEqual(dry.findings.map((f) => f.kind), ["hint_missing"]);
    await repairGraph(loc, { confirm: true });
    t.is(JSON.parse((await loc.store.get(loc.hintKey)).body.toString()).seq, head);
  });
}

const fsTarget = storeTargets().find((x) => x.name === "fs")!;
test("fs: omnigraph repair — dry run exits 1 and changes nothing; --confirm repairs and exits 0; bad usage exits 2", async (t) => {
  const loc = fsTarget.location(newGraphId());
  const head = await graphWithCommits(loc, 1);
  await loc.store.put(loc.logKey(head + 1), "{truncated");
  const argv = ["--store", fsTarget.child!.url, "--graph", loc.graphId];
  t.is(await repairCli(argv), 1);
  t.is((await headError(Graph.open(loc, { mode: "read-only" }))).code, "ERR_MANIFEST_CORRUPT");
  t.is(await repairCli([...argv, "--confirm"]), 0);
  t.is((await (await Graph.open(loc, { mode: "read-only" })).log.head())!.seq, head);
  t.is(await repairCli(argv), 0, "clean now");
  t.is(await repairCli(["--graph", loc.graphId]), 2);
});

/** Once armed, answers the next GET of `key` with "not found", as a GET served just before the object was created would. */
class StaleNextRead extends DelegatingStore {
  private armed = false;
  constructor(inner: ObjectStore, private readonly key: string) {
    super(inner);
  }
  arm(): void {
    this.armed = true;
  }
  protected override async around<T>(op: StoreOp, key: string, run: () => Promise<T>, ctx?: RequestContext): Promise<T> {
    if (op === "get" && key === this.key && this.armed) {
      this.armed = false;
      throw new NotFound(key);
    }
    return super.around(op, key, run, ctx);
  }
}

test("a warm head check that sees n+1 missing but n+2 present (a race: the GET of n+1 served before it was created) reads n+1 again and finds the head, not a hole", async (t) => {
  const loc = storeTargets()[0]!.location(newGraphId());
  const h0 = await graphWithCommits(loc, 1);
  const store = new StaleNextRead(loc.store, loc.logKey(h0 + 1));
  const warm = await Graph.open(new GraphLocation(store, loc.prefix, loc.graphId, loc.tenant), { mode: "read-only" });
  t.is((await warm.log.head())?.seq, h0);
  const writer = await Graph.open(loc, { mode: "read-write" });
  await commitWithRetry(writer, "main", () => ({ "node:T": [add(["x", 1])] }));
  await commitWithRetry(writer, "main", () => ({ "node:T": [add(["y", 2])] }));
  const head = (await writer.log.head())!.seq;
  await writer.close();
  store.arm();
  t.is((await warm.log.head())?.seq, head);
  await warm.close();
});
