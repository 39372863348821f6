// Deterministic regressions for the commit protocol (issue 7): each test runs a second
// actor at an exact point of a writer's protocol through a HookedStore beneath the
// retry layer, against real stores and real LanceDB.
import test from "ava";
import type { ObjectStore } from "../../drivers/contract.ts";
import { Unavailable } from "../../drivers/errors.ts";
import { FaultyStore, type FaultRule } from "../../drivers/faulty.ts";
import { Graph } from "../../server/store/graph.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import type { TableOp } from "../../server/store/tables.ts";
import { codeOf } from "../support/codes.ts";
import { HookedStore } from "../support/hooked-store.ts";
import { add, create, idsAt, newGraphId, storeTargets, type StoreTarget } from "./support.ts";

/** A graph with node:T = [a] and a handle whose requests pass a HookedStore and a FaultyStore (beneath the retry layer). */
async function faultyGraph(target: StoreTarget): Promise<{ g: Graph; graphId: string; hooked: HookedStore; faulty: FaultyStore }> {
  const graphId = newGraphId();
  let hooked: HookedStore | undefined;
  let faulty: FaultyStore | undefined;
  const loc = target.location(graphId, (s: ObjectStore) => (faulty = new FaultyStore((hooked = new HookedStore(s)), [])));
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
  return { g, graphId, hooked: hooked!, faulty: faulty! };
}

/** Arms `rules` the moment the writer's sidecar reaches `written` (its compare-and-swap). */
function faultsAfterWritten(hooked: HookedStore, faulty: FaultyStore, rules: FaultRule[]): void {
  hooked.on({ ops: ["put"], put: "cas", key: /__recovery\//, after: async () => faulty.setRules(rules) });
}

const RETRYABLE = new Set(["ERR_UNAVAILABLE", "ERR_TIMEOUT", "ERR_THROTTLED", "ERR_COMMIT_OUTCOME_UNKNOWN"]);

/** A client that retries retryable failures (with its idempotency key, if it has one). */
async function retryingClient(g: Graph, writes: () => Record<string, TableOp[]>, idempotencyKey?: string): Promise<{ commitId: string; attempts: number; codes: string[] }> {
  const codes: string[] = [];
  for (let attempt = 1; attempt <= 10; attempt++) {
    try {
      const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: writes(), idempotencyKey });
      return { commitId: r.entry!.commitId, attempts: attempt, codes };
    } catch (e) {
      const code = (e as { code?: string }).code ?? "none";
      codes.push(code);
      if (!RETRYABLE.has(code)) throw e;
    }
  }
  throw new Error(`gave up: ${codes.join(",")}`);
}

/** What the graph shows once the next writer has opened it and swept. */
async function afterNextWriter(target: StoreTarget, graphId: string, current: Graph): Promise<string[]> {
  await current.close(); // e.g. a restart: the next writer takes a new epoch and sweeps
  const next = await openNextWriter(target.location(graphId));
  const ids = await idsAt(await next.snapshot(), "node:T");
  await next.close();
  return ids;
}

for (const target of storeTargets()) {
  test(`${target.name}: bug 1 — a sweep that rolls a live writer's transaction forward leaves that writer acknowledged, not in conflict, and the row stored once`, async (t) => {
    const graphId = newGraphId();
    let hooked: HookedStore | undefined;
    const loc = target.location(graphId, (s) => (hooked = new HookedStore(s)));
    const g = await Graph.open(loc, { mode: "read-write", create: true, lease: { durationMs: LEASE_MS } });
    await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["a", 1])] } });
    // Right after the writer's sidecar reached `written`, the writer stalls (a long
    // commit, a paused process) and another host takes the graph over and sweeps: it
    // rolls the writer's transaction forward.
    hooked!.on({ ops: ["put"], put: "cas", key: /__recovery\//, after: async () => {
      g.lease!.suspendRenewal();
      await takeOverAndSweep(target.location(graphId));
    } });
    const r = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } });
    t.true(r.changed);
    const reader = await Graph.open(target.location(graphId), { mode: "read-only" });
    t.deepEqual(await idsAt(await reader.snapshot(), "node:T"), ["a", "b"], "the row is stored once");
    const commits = (await reader.history("main", { limit: 10 })).filter((c) => c.kind === "commit");
    t.deepEqual(commits.map((c) => c.commitId), [r.entry!.commitId], "one commit entry, the one the writer was told about");
  });
}

for (const target of storeTargets()) {
  test(`${target.name}: bug 2 — a lost entry response followed by 503s is resolved to the commit it was, so a retrying client stores the row once`, async (t) => {
    const { g, graphId, faulty } = await faultyGraph(target);
    // The only log PUTs of a commit are its entry PUTs (head checks are GETs): arming the
    // rules now hits the (optimistic) entry PUT itself, whatever the sidecar CAS does.
    faulty.setRules([
      { ops: ["put"], key: /__manifest\/log\//, times: 1, action: { kind: "lost-response" } },
      { ops: ["put"], key: /__manifest\/log\//, times: 20, action: { kind: "error", code: "ERR_UNAVAILABLE" } },
    ]);
    const r = await retryingClient(g, () => ({ "node:T": [add(["b", 2])] }));
    faulty.setRules([]);
    t.is(r.attempts, 1, `told the truth the first time (${r.codes.join(",")})`);
    t.deepEqual(await afterNextWriter(target, graphId, g), ["a", "b"]);
  });

  test(`${target.name}: bug 2 — an entry PUT that did not land, after \`written\`, is a definite failure whose sidecar no later sweep rolls forward`, async (t) => {
    const { g, graphId, faulty } = await faultyGraph(target);
    // The entry PUT fails (never lands) past the retry layer's attempts; reading the slot
    // back works and finds it free: a definite failure.
    faulty.setRules([{ ops: ["put"], key: /__manifest\/log\//, times: 20, action: { kind: "error", code: "ERR_UNAVAILABLE" } }]);
    const first = await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } }));
    t.is(first, "ERR_UNAVAILABLE", "a definite, retryable failure");
    faulty.setRules([]);
    t.deepEqual(await afterNextWriter(target, graphId, g), ["a"], "what the client was told failed never becomes visible");
    const retry = await openNextWriter(target.location(graphId));
    const r = await retryingClient(retry, () => ({ "node:T": [add(["b", 2])] }));
    t.is(r.attempts, 1);
    t.deepEqual(await afterNextWriter(target, graphId, retry), ["a", "b"], "the retry stored the row once");
  });

  test(`${target.name}: bug 2 — the optimistic entry PUT meets a taken slot and the head reads then fail: a definite failure whose sidecar no later sweep rolls forward`, async (t) => {
    const { g, graphId, hooked, faulty } = await faultyGraph(target);
    await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:U": [create, add(["u0", 0])] } });
    // Right before our entry PUT: another handle of this process (same lease) publishes a
    // disjoint commit at the slot we aim for, then every log read fails.
    hooked.on({ ops: ["put"], put: "create", key: /__manifest\/log\//, before: async () => {
      const other = await Graph.open(target.location(graphId), { mode: "read-write", recover: false });
      await other.commit({ branch: "main", kind: "commit", actor: "other", base: await other.snapshot(), writes: { "node:U": [add(["u1", 1])] } });
      await other.close();
      faulty.setRules([{ ops: ["get"], key: /__manifest\/log\//, times: 40, action: { kind: "error", code: "ERR_UNAVAILABLE" } }]);
    } });
    const first = await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] } }));
    t.is(first, "ERR_UNAVAILABLE", "a definite, retryable failure");
    faulty.setRules([]);
    t.deepEqual(await afterNextWriter(target, graphId, g), ["a"], "what the client was told failed never becomes visible");
    const check = await openNextWriter(target.location(graphId));
    t.deepEqual(await idsAt(await check.snapshot(), "node:U"), ["u0", "u1"], "the other commit stands");
    await check.close();
  });

  test(`${target.name}: bug 2 — a truly unknown outcome is ERR_COMMIT_OUTCOME_UNKNOWN {txId, idempotencyKey}; findTransaction resolves it and a retry with the key returns the original commit`, async (t) => {
    const { g, graphId, hooked, faulty } = await faultyGraph(target);
    // The entry lands, its response is lost, and every later request to the log fails.
    hooked.on({ ops: ["put"], put: "create", key: /__manifest\/log\//, after: async () => {
      faulty.setRules([{ ops: ["put", "get"], key: /__manifest\/log\//, times: 40, action: { kind: "error", code: "ERR_UNAVAILABLE" } }]);
      throw new Unavailable("injected: response lost");
    } });
    const err = await t.throwsAsync(g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] }, idempotencyKey: "req-1" }));
    t.is((err as { code?: string }).code, "ERR_COMMIT_OUTCOME_UNKNOWN");
    const detail = (err as unknown as { detail: { txId: string; idempotencyKey: string } }).detail;
    t.is(detail.idempotencyKey, "req-1");
    faulty.setRules([]);
    const found = await g.findTransaction({ txId: detail.txId });
    t.is(found.status, "committed", "the lost response hid a success");
    const byKey = await g.findTransaction({ idempotencyKey: "req-1" });
    t.is(byKey.status === "committed" ? byKey.entry.txId : undefined, detail.txId);
    const again = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] }, idempotencyKey: "req-1" });
    t.true(again.replayed);
    t.is(again.entry?.txId, detail.txId);
    t.deepEqual(await afterNextWriter(target, graphId, g), ["a", "b"]);
  });

  test(`${target.name}: bug 2 — an unknown outcome that had not landed is aborted by the keyed retry, which commits once`, async (t) => {
    const { g, graphId, hooked, faulty } = await faultyGraph(target);
    // The entry write fails without landing, and every later request to the log fails.
    hooked.on({ ops: ["put"], put: "create", key: /__manifest\/log\//, before: async () => {
      faulty.setRules([{ ops: ["put", "get"], key: /__manifest\/log\//, times: 40, action: { kind: "error", code: "ERR_UNAVAILABLE" } }]);
      throw new Unavailable("injected: refused");
    } });
    const base = await g.snapshot();
    const first = await codeOf(g.commit({ branch: "main", kind: "commit", actor: "t", base, writes: { "node:T": [add(["b", 2])] }, idempotencyKey: "req-2" }));
    t.is(first, "ERR_COMMIT_OUTCOME_UNKNOWN");
    faulty.setRules([]);
    const r = await retryingClient(g, () => ({ "node:T": [add(["b", 2])] }), "req-2");
    t.is(r.attempts, 1);
    t.deepEqual(await afterNextWriter(target, graphId, g), ["a", "b"], "stored once: the unknown attempt was aborted, not rolled forward");
    const st = await g.findTransaction({ idempotencyKey: "req-2" });
    t.is(st.status, "committed");
  });

  test(`${target.name}: idempotency keys — a repeated commit or branch operation returns the original, also on a cold handle`, async (t) => {
    const { g, graphId } = await faultyGraph(target);
    const one = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] }, idempotencyKey: "k1", replay: { rows: 1 } });
    const two = await g.commit({ branch: "main", kind: "commit", actor: "t", base: await g.snapshot(), writes: { "node:T": [add(["b", 2])] }, idempotencyKey: "k1" });
    t.true(two.replayed);
    t.is(two.entry?.commitId, one.entry?.commitId);
    t.deepEqual(two.entry?.replay, { rows: 1 });
    const b1 = await g.createBranch("dev", { actor: "t", idempotencyKey: "k2" });
    t.is((await g.createBranch("dev", { actor: "t", idempotencyKey: "k2" })).commitId, b1.commitId);
    t.is(await codeOf(g.createBranch("dev", { actor: "t" })), "ERR_BRANCH_EXISTS");
    const cold = await openNextWriter(target.location(graphId));
    const three = await cold.commit({ branch: "main", kind: "commit", actor: "t", base: await cold.snapshot(), writes: { "node:T": [add(["b", 2])] }, idempotencyKey: "k1" });
    t.is(three.entry?.commitId, one.entry?.commitId, "a fresh handle finds the key in the window");
    const d1 = await cold.deleteBranch("dev", { actor: "t", idempotencyKey: "k3" });
    t.is((await cold.deleteBranch("dev", { actor: "t", idempotencyKey: "k3" })).commitId, d1.commitId);
    t.is(await codeOf(cold.commit({ branch: "main", kind: "commit", actor: "t", base: await cold.snapshot(), writes: { "node:T": [add(["x", 2])] }, idempotencyKey: "bad key" })), "ERR_IDEMPOTENCY_KEY_INVALID");
    t.deepEqual(await idsAt(await cold.snapshot(), "node:T"), ["a", "b"]);
    cold.close();
  });
}

/** The next read-write open of the graph in this process (it sweeps when it takes a new epoch). */
function openNextWriter(loc: GraphLocation): Promise<Graph> {
  return Graph.open(loc, { mode: "read-write" });
}

/**
 * Another host takes the graph over: the current holder (whose renewal the caller
 * suspended, as in a paused process) stops renewing, the contender sees the lease
 * object unchanged for a whole period on its own clock, takes epoch+1, fences and sweeps.
 */
async function takeOverAndSweep(loc: GraphLocation): Promise<void> {
  const other = await Graph.open(loc, { mode: "read-write", lease: { owner: "other-host:1:takeover", durationMs: LEASE_MS, waitMs: 10_000 } });
  await other.close();
}

const LEASE_MS = 1000;
