// Writer leases with epochs (docs/design/leases.md): exclusion, release, takeover after
// a full unchanged period on the contender's own clock, fencing of the old holder, and
// sweeps that judge sidecars by epoch only (never by age, host or pid).
import test from "ava";
import type { ObjectStore } from "../../drivers/contract.ts";
import { Graph, LEASE_ACTOR } from "../../server/store/graph.ts";
import { leaseKey } from "../../server/store/lease.ts";
import { listSidecars, writeSidecar } from "../../server/store/sidecar.ts";
import { codeOf } from "../support/codes.ts";
import { HookedStore } from "../support/hooked-store.ts";
import { add, create, idsAt, newGraphId, storeTargets } from "./support.ts";

const LEASE_MS = 1000;
const other = (name: string, waitMs = 10_000) => ({ owner: `other-host:1:${name}`, durationMs: LEASE_MS, waitMs });

for (const target of storeTargets()) {
  test(`${target.name}: a held, renewed lease keeps another owner out with ERR_LEASE_HELD naming the holder; release lets it in at once`, async (t) => {
    const loc = target.location(newGraphId());
    const g = await Graph.open(loc, { mode: "read-write", create: true, lease: { durationMs: LEASE_MS } });
    t.is(g.epoch, 1);
    // Waiting three periods: the holder renews all along, so it is never judged expired.
    const started = performance.now();
    const err = await t.throwsAsync(Graph.open(target.location(loc.graphId), { mode: "read-write", lease: other("a", 3 * LEASE_MS) }));
    t.is((err as { code?: string }).code, "ERR_LEASE_HELD");
    t.regex(String((err as unknown as { detail: { holder: string } }).detail.holder), /:/, "names the holder");
    t.true(performance.now() - started >= 3 * LEASE_MS - 50, "it waited its bound first");
    // Handles of the same owner in one process share the lease.
    const same = await Graph.open(target.location(loc.graphId), { mode: "read-write", lease: { durationMs: LEASE_MS } });
    t.is(same.epoch, 1);
    await same.close();
    await g.close();
    const next = await Graph.open(target.location(loc.graphId), { mode: "read-write", lease: other("b", 0) });
    t.false(next.lease!.acquisition.tookOver, "a released lease is taken at once (no wait allowed here), not taken over");
    t.is(next.epoch, 2);
    const head = (await next.log.head())!;
    t.is(head.kind, "lease", "the new epoch is fenced by an entry");
    t.is(head.epoch, 2);
    t.is(head.actor, LEASE_ACTOR);
    t.deepEqual((await next.history("main")).map((c) => c.kind), ["init"], "the fence changes no branch");
    await next.close();
  });

  test(`${target.name}: a contender that may stop when the holder renews (the CLI beside a server) fails within about one renewal with ERR_LEASE_HELD alive, not after its whole wait`, async (t) => {
    const loc = target.location(newGraphId());
    const g = await Graph.open(loc, { mode: "read-write", create: true, lease: { durationMs: LEASE_MS } });
    const started = performance.now();
    const err = await t.throwsAsync(Graph.open(target.location(loc.graphId), { mode: "read-write", lease: { ...other("c", 20 * LEASE_MS), stopWhenRenewed: true } }));
    const took = performance.now() - started;
    t.is((err as { code?: string }).code, "ERR_LEASE_HELD");
    t.true((err as unknown as { detail: { alive: boolean } }).detail.alive, "it saw the holder renew");
    t.true(took < 3 * LEASE_MS, `stopped after ${Math.round(took)} ms, not after its 20 s wait`);
    t.is(g.epoch, 1, "the holder keeps its lease");
    await g.close();
    // Nothing held: the same contender takes it at once.
    const next = await Graph.open(target.location(loc.graphId), { mode: "read-write", lease: { ...other("c", 0), stopWhenRenewed: true } });
    t.is(next.epoch, 2);
    await next.close();
  });

  test(`${target.name}: a holder that stops renewing is taken over after one period; it is fenced — its commit fails with ERR_LEASE_LOST and never becomes visible`, async (t) => {
    const loc = target.location(newGraphId());
    const g = await Graph.open(loc, { mode: "read-write", create: true, lease: { durationMs: LEASE_MS } });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
    const base = await g.snapshot();
    g.lease!.suspendRenewal(); // a paused process
    const next = await Graph.open(target.location(loc.graphId), { mode: "read-write", lease: other("c") });
    t.is(next.epoch, 2);
    // The old holder wakes up, its own clock not yet past its period: the fence stops it.
    t.is(await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:T": [add(["stale", 2])] } })), "ERR_LEASE_LOST");
    t.is(await codeOf(g.createBranch("x", { actor: "t" })), "ERR_LEASE_LOST");
    t.deepEqual(await listSidecars(loc), [], "its sidecar was aborted, not left for a sweep");
    await next.close();
    const third = await Graph.open(target.location(loc.graphId), { mode: "read-write", lease: other("d") });
    t.deepEqual(await idsAt(await third.snapshot(), "node:T"), ["a"]);
    const h = await third.history("main");
    t.is(h.filter((c) => c.kind === "commit").length, 0);
    await third.close();
    await g.close();
  });

  test(`${target.name}: a sweep leaves an in-flight transaction of its own epoch alone, whatever its sidecar says about age, host or pid`, async (t) => {
    const graphId = newGraphId();
    let hooked: HookedStore | undefined;
    const loc = target.location(graphId, (s: ObjectStore) => (hooked = new HookedStore(s)));
    const g = await Graph.open(loc, { mode: "read-write", create: true, lease: { durationMs: LEASE_MS } });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
    let skipped: string[] = [];
    hooked!.on({ ops: ["put"], put: "cas", key: /__recovery\//, after: async () => {
      // Make the sidecar look ancient and foreign (clock skew, a shared hostname, a pid
      // that does not exist here): the old age/pid rule would have rolled it forward.
      const [s] = await listSidecars(loc);
      await writeSidecar(loc, { ...s!.sidecar, startedUs: 1, host: "elsewhere", pid: 999_999 }, s!.version);
      const sweeper = await Graph.open(target.location(graphId), { mode: "read-write", recover: false, lease: { durationMs: LEASE_MS } });
      skipped = (await sweeper.recover()).skipped;
      await sweeper.close();
    } });
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } });
    t.is(skipped.length, 1, "the sweep skipped the live transaction");
    t.is(r.entry?.txId, skipped[0]);
    t.deepEqual(await idsAt(await g.snapshot(), "node:T"), ["a", "b"]);
    t.is((await g.history("main")).filter((c) => c.kind === "recovery").length, 0);
    await g.close();
  });

  test(`${target.name}: the lease object records owner, epoch and period; close releases it`, async (t) => {
    const loc = target.location(newGraphId());
    const g = await Graph.open(loc, { mode: "read-write", create: true, lease: { durationMs: LEASE_MS } });
    const held = JSON.parse((await loc.store.get(leaseKey(loc, "writer"))).body.toString());
    t.like(held, { duty: "writer", epoch: 1, durationMs: LEASE_MS });
    t.truthy(held.owner);
    await new Promise((r) => setTimeout(r, LEASE_MS));
    const renewed = await loc.store.get(leaseKey(loc, "writer"));
    t.not(renewed.version, undefined);
    await g.close();
    t.is(JSON.parse((await loc.store.get(leaseKey(loc, "writer"))).body.toString()).owner, null);
  });
}
