// The head check a write skips while its writer lease proves it is the graph's only
// writer (Graph.snapshot `forWrite`, Lease.provesHeadAt; docs/design/manifest.md
// "Why the short path is safe"). Each test checks both halves of the argument: the
// request is gone on the normal path, and when the proof does not hold (a second
// handle, a suspended renewal) or is wrong (an entry the lease could not know about),
// the write still validates against the real head or fails typed, publishing nothing.
import test from "ava";
import type { CountingStore } from "../../drivers/counting.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import { Graph } from "../../server/store/graph.ts";
import { newCommitId } from "../../server/store/manifest/commit-id.ts";
import type { ManifestEntry } from "../../server/store/manifest/entry.ts";
import { ManifestLog } from "../../server/store/manifest/log.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import type { ObjectStore } from "../../drivers/contract.ts";
import { FaultyStore } from "../../drivers/faulty.ts";
import { tableNameOf } from "../../server/store/tables.ts";
import { codeOf } from "../support/codes.ts";
import { HookedStore } from "../support/hooked-store.ts";
import { add, counting, create, idsAt, storeTargets } from "./support.ts";

const LOG = /__manifest\/log\//;

async function seeded(loc: GraphLocation): Promise<Graph> {
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])], "node:U": [create, add(["u0", 0])] } });
  await g.drain();
  return g;
}

/** Log GETs issued since record index `from`. */
function logGets(counter: CountingStore, from: number): number {
  return counter.records.slice(from).filter((r) => r.op === "get" && LOG.test(r.key)).length;
}

/** An entry another writer published without this handle knowing: `head` + 1 under `epoch`, changing no branch. */
async function foreignEntry(loc: GraphLocation, head: ManifestEntry, epoch: number): Promise<ManifestEntry> {
  const seq = head.seq + 1;
  const e: ManifestEntry = {
    format: 1, seq, commitId: newCommitId(seq), kind: "lease", branch: "main", parents: [], parentCommits: [], actor: "other",
    timeUs: Date.now() * 1000, writer: newWriterToken(), state: null, branches: head.branches, epoch, note: { foreign: true },
  };
  await new ManifestLog(loc).append(e);
  return e;
}

for (const target of storeTargets()) {
  test(`${target.name}: a sole lease holder's write snapshot makes no request, and its commit no log GET before the entry PUT`, async (t) => {
    const { loc, counter } = counting((w) => target.location(undefined, w));
    const g = await seeded(loc);
    t.true(g.lease!.provesHeadAt(g.log.lastKnown!.seq));
    const from = counter.records.length;
    const snap = await g.snapshot({ branch: "main", forWrite: true });
    t.is(counter.records.length, from, "no request for the write snapshot");
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: snap, writes: { "node:T": [add(["b", 2])] } });
    t.is(logGets(counter, from), 0, "no head check anywhere before the acknowledgement");
    t.is(r.entry!.seq, snap.seq + 1);
    // A read snapshot still checks the head (reads have no create-only detector).
    const before = counter.records.length;
    await g.snapshot({ branch: "main" });
    t.true(logGets(counter, before) >= 1, "reads keep their head check");
    await g.close();
  });

  test(`${target.name}: two handles of one graph in one process share the lease: a handle behind its sibling's commit checks the head, also after the sibling closed`, async (t) => {
    const { loc, counter } = counting((w) => target.location(undefined, w));
    const a = await seeded(loc);
    const b = await Graph.open(loc, { mode: "read-write" });
    await b.commit({ branch: "main", kind: "commit", actor: "t", base: await b.snapshot({ forWrite: true }), writes: { "node:T": [add(["b", 2])] } });
    t.false(a.lease!.provesHeadAt(a.log.lastKnown!.seq), "the lease has seen an entry a's log has not");
    await b.close();
    const from = counter.records.length;
    const snap = await a.snapshot({ branch: "main", forWrite: true });
    t.true(logGets(counter, from) >= 1, "the head check ran");
    t.deepEqual(await idsAt(snap, "node:T"), ["a", "b"], "the write validates against the sibling's commit");
    t.true(a.lease!.provesHeadAt(a.log.lastKnown!.seq), "caught up: the next write may skip it");
    await a.close();
  });

  test(`${target.name}: a lease whose renewal stopped proves nothing: the write snapshot checks the head`, async (t) => {
    const { loc, counter } = counting((w) => target.location(undefined, w));
    const g = await seeded(loc);
    g.lease!.suspendRenewal();
    t.false(g.lease!.provesHeadAt(g.log.lastKnown!.seq));
    const from = counter.records.length;
    await g.snapshot({ branch: "main", forWrite: true });
    t.true(logGets(counter, from) >= 1);
    await g.close();
  });

  test(`${target.name}: an entry the sole writer could not know about: a newer epoch's fence stops the write (ERR_LEASE_LOST, nothing published); a same-epoch entry is rebased over`, async (t) => {
    const { loc } = counting((w) => target.location(undefined, w));
    const g = await seeded(loc);
    // Same epoch, changes no branch: the optimistic PUT meets a 412, the publish loop
    // reads the head, the rebase rules pass, the commit lands after it.
    const stale = await g.snapshot({ branch: "main", forWrite: true });
    const other = await foreignEntry(loc, stale.entry, g.epoch);
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: stale, writes: { "node:T": [add(["b", 2])] } });
    t.is(r.entry!.seq, other.seq + 1, "published after the entry it did not know about");
    // A takeover's fence (epoch + 1) that this holder has not heard of yet.
    const before = await g.snapshot({ branch: "main", forWrite: true });
    t.is(before.seq, r.entry!.seq, "still believes it is sole");
    const fence = await foreignEntry(loc, before.entry, g.epoch + 1);
    t.is(await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base: before, writes: { "node:T": [add(["c", 3])] } })), "ERR_LEASE_LOST");
    const reader = await Graph.open(loc, { mode: "read-only" });
    const head = await reader.log.head();
    t.is(head!.seq, fence.seq, "nothing was published after the fence");
    t.deepEqual(await idsAt(await reader.snapshot(), "node:T"), ["a", "b"]);
    await g.close();
  });
}

// Line claims (tables.ts `claimLines`, commit.ts): commits of one process that write the
// same Lance line take turns from before their first write until their publish settles.
for (const target of storeTargets()) {
  const lanceLatest = async (g: Graph, path: string): Promise<number> => (await (await g.tables.db()).openTable(tableNameOf(path))).version();
  const sidecarCreates = (counter: CountingStore, from: number) => counter.records.slice(from).filter((r) => r.kind === "put:create" && /__recovery\//.test(r.key)).length;

  test(`${target.name}: 8 concurrent commits on one table from one base: one publishes, the others fail fast with ERR_MANIFEST_CONFLICT before writing a sidecar or a Lance version`, async (t) => {
    const { loc, counter } = counting((w) => target.location(undefined, w));
    const g = await seeded(loc);
    const base = await g.snapshot({ branch: "main", forWrite: true });
    const from = counter.records.length;
    const codes = await Promise.all(Array.from({ length: 8 }, (_, i) => codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:T": [add([`c${i}`, i])] } }))));
    t.is(codes.filter((c) => c === "ok").length, 1);
    t.is(codes.filter((c) => c === "ERR_MANIFEST_CONFLICT").length, 7, codes.join(","));
    t.is(sidecarCreates(counter, from), 1, "only the winner wrote a sidecar");
    const now = await g.snapshot({ branch: "main" });
    const st = now.tableState("node:T")!;
    t.is(await lanceLatest(g, st.path), st.version, "no loser left a Lance version on top of the committed one");
    t.is((await idsAt(now, "node:T")).length, 2);
    await g.close();
  });

  test(`${target.name}: commits claiming two lines in opposite orders all settle (no deadlock)`, async (t) => {
    const { loc } = counting((w) => target.location(undefined, w));
    const g = await seeded(loc);
    const base = await g.snapshot({ branch: "main", forWrite: true });
    const both = await Promise.all([
      codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:T": [add(["x1", 1])], "node:U": [add(["y1", 1])] } })),
      codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:U": [add(["y2", 2])], "node:T": [add(["x2", 2])] } })),
      codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:U": [add(["y3", 3])] } })),
    ]);
    t.deepEqual([...both].sort(), ["ERR_MANIFEST_CONFLICT", "ERR_MANIFEST_CONFLICT", "ok"]);
    await g.close();
  });

  test(`${target.name}: a waiter whose winner failed to publish proceeds: it restores over the winner's Lance version and publishes`, async (t) => {
    let hooked!: HookedStore;
    let faulty!: FaultyStore;
    const loc = target.location(undefined, (s: ObjectStore) => (faulty = new FaultyStore((hooked = new HookedStore(s)), [])));
    const g = await seeded(loc);
    const base = await g.snapshot({ branch: "main", forWrite: true });
    // The first entry PUT fails at the store (past every retry); the winner then reads the
    // slot back, finds it free — a definite failure — and the rules are gone for the waiter.
    faulty.setRules([{ ops: ["put"], key: /__manifest\/log\//, times: 1000, action: { kind: "error", code: "ERR_UNAVAILABLE" } }]);
    hooked.on({ ops: ["get"], key: /__manifest\/log\//, before: async () => faulty.setRules([]) });
    const [winner, waiter] = await Promise.all([
      codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:T": [add(["w", 1])] } })),
      codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:T": [add(["v", 2])] } })),
    ]);
    t.is(winner, "ERR_UNAVAILABLE");
    t.is(waiter, "ok");
    const now = await g.snapshot({ branch: "main" });
    t.deepEqual(await idsAt(now, "node:T"), ["a", "v"], "the failed winner's row is not visible");
    const st = now.tableState("node:T")!;
    t.is(await lanceLatest(g, st.path), st.version);
    await g.close();
  });
}
