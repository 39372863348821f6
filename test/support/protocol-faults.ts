// Faults at every write of the store's protocols (issue 7, "lost responses and
// exhausted retries on every write of the protocol with a client that retries"): a
// wrapper beneath the retry layer fails one chosen protocol write — its response lost
// after the store applied it, or the store down (not applied) — optionally followed by
// the store being down for the next requests, so retries are exhausted. A client
// retries with its idempotency key; then the log, the rows and every snapshot are
// checked against what the client was told.
import { Unavailable } from "../../drivers/errors.ts";
import type { ObjectStore } from "../../drivers/contract.ts";
import { openStore } from "../../drivers/open.ts";
import { DelegatingStore, type RequestContext, type StoreOp } from "../../drivers/wrapper.ts";
import { seededRandom } from "../../drivers/faulty.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import type { ManifestEntry } from "../../server/store/manifest/entry.ts";
import { listSidecars } from "../../server/store/sidecar.ts";
import { add, create, idsAt } from "../store/support.ts";

/** A protocol write a fault can hit. */
export type ProtocolWrite =
  | "sidecar-create" | "sidecar-cas" | "entry" | "hint" | "sidecar-delete" | "lease-take" | "lease-renew";

/** What happens to it. */
export type WriteFault =
  /** The store applies the write; the client's response is lost once (the retry layer resolves it). */
  | "lost"
  /** The store is down: the write and the next requests fail before reaching it (retries exhausted). */
  | "down"
  /** The store applies the write, the response is lost, then the store is down (the outcome is hidden). */
  | "lost-down";

export const COMMIT_WRITES: ProtocolWrite[] = ["sidecar-create", "sidecar-cas", "entry", "hint", "sidecar-delete"];
export const BRANCH_WRITES: ProtocolWrite[] = ["entry", "hint"];
export const LEASE_WRITES: ProtocolWrite[] = ["lease-take", "lease-renew"];
export const WRITE_FAULTS: WriteFault[] = ["lost", "down", "lost-down"];

/** How many requests fail once the store is "down" (more than one call's retry budget of 5). */
const DOWN_FOR = 20;

function matches(w: ProtocolWrite, op: StoreOp, key: string, ctx: RequestContext | undefined): boolean {
  const create = ctx?.put?.ifNoneMatch !== undefined;
  const cas = ctx?.put?.ifMatch !== undefined;
  switch (w) {
    case "sidecar-create": return op === "put" && create && key.includes("/__recovery/");
    case "sidecar-cas": return op === "put" && cas && key.includes("/__recovery/");
    case "sidecar-delete": return op === "delete" && key.includes("/__recovery/");
    case "entry": return op === "put" && key.includes("/__manifest/log/");
    case "hint": return op === "put" && key.endsWith("/__manifest/head.json");
    case "lease-take": return op === "put" && key.includes("/__lease/");
    case "lease-renew": return op === "put" && cas && key.includes("/__lease/");
  }
}

/** The armed fault, shared by every handle of a {@link FaultyGraphSite} (also ones opened later). */
export interface FaultState {
  armed: { write: ProtocolWrite; fault: WriteFault } | undefined;
  downUntil: number;
  fired: string[];
}

/** Fails the next matching protocol write (beneath the retry layer) as armed. */
export class ProtocolFaults extends DelegatingStore {
  constructor(inner: ObjectStore, private readonly state: FaultState) {
    super(inner);
  }

  protected override async around<T>(op: StoreOp, key: string, run: () => Promise<T>, ctx?: RequestContext): Promise<T> {
    const st = this.state;
    if (st.downUntil > 0) {
      st.downUntil--;
      throw new Unavailable(`injected: store down (${op} ${key})`, { key, op, status: "injected" });
    }
    const a = st.armed;
    if (!a || !matches(a.write, op, key, ctx)) return run();
    st.armed = undefined;
    st.fired.push(`${a.write}:${a.fault}`);
    if (a.fault === "down") {
      st.downUntil = DOWN_FOR - 1;
      throw new Unavailable(`injected: store down (${op} ${key})`, { key, op, status: "injected" });
    }
    await run();
    if (a.fault === "lost-down") st.downUntil = DOWN_FOR;
    throw new Unavailable(`injected: response lost (${op} ${key}, applied)`, { key, op, status: "injected" });
  }
}

/** One request of the client and what it was told. */
export interface RequestOutcome {
  key: string;
  op: "commit" | "branch_create";
  row?: string;
  acked: ManifestEntry | undefined;
  codes: string[];
  toldUnknown: boolean;
  /** Transaction ids of the attempts reported `ERR_COMMIT_OUTCOME_UNKNOWN`. */
  unknownTxIds: string[];
  /** The acknowledged entry was published by an earlier attempt (the retry replayed it). */
  ackedEarlier: boolean;
}

const RETRYABLE = new Set([
  "ERR_UNAVAILABLE", "ERR_TIMEOUT", "ERR_THROTTLED", "ERR_COMMIT_OUTCOME_UNKNOWN", "ERR_LEASE_LOST", "ERR_MANIFEST_CONFLICT", "ERR_READ_SET_CONFLICT",
]);

/** A graph on fs whose handles pass through one {@link ProtocolFaults}, with fast retries. */
export class FaultyGraphSite {
  readonly state: FaultState = { armed: undefined, downUntil: 0, fired: [] };

  /** `viaUrl`: where faulty handles connect (a FaultProxy in front of the store, so Lance's own requests pass it too). */
  constructor(readonly url: string, readonly graphId: string, readonly leaseMs: number, private readonly credentials?: { accessKeyId: string; secretAccessKey: string }, readonly viaUrl?: string) {}

  location(faulty: boolean): GraphLocation {
    const store = openStore(faulty && this.viaUrl ? this.viaUrl : this.url, {
      ...(this.credentials ? { credentials: this.credentials } : {}),
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 4 },
      ...(faulty ? { wrap: (s: ObjectStore) => new ProtocolFaults(s, this.state) } : {}),
    });
    return new GraphLocation(store, `graphs/${this.graphId}`, this.graphId, undefined);
  }

  open(faulty = true): Promise<Graph> {
    return Graph.open(this.location(faulty), { mode: "read-write", create: true, lease: { durationMs: this.leaseMs, waitMs: 4 * this.leaseMs } });
  }

  arm(write: ProtocolWrite, fault: WriteFault): void {
    this.state.armed = { write, fault };
  }

  disarm(): void {
    this.state.armed = undefined;
    this.state.downUntil = 0;
  }

  get fired(): string[] {
    return [...this.state.fired];
  }

  get pending(): boolean {
    return this.state.armed !== undefined;
  }
}

/**
 * A client that retries retryable failures with its idempotency key, reopening its
 * handle when the handle lost its lease or could not be used (a fresh handle = a
 * restarted process).
 */
export class RetryingClient {
  g: Graph | undefined;
  readonly outcomes: RequestOutcome[] = [];

  constructor(private readonly site: FaultyGraphSite, private readonly steps: string[]) {}

  async handle(): Promise<Graph> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.g ??= await this.site.open();
        return this.g;
      } catch (e) {
        this.steps.push(`open failed: ${(e as { code?: string }).code ?? String(e)}`);
        if (attempt >= 6) throw e;
      }
    }
  }

  async run(key: string, op: RequestOutcome["op"], row?: string): Promise<RequestOutcome> {
    const out: RequestOutcome = { key, op, ...(row ? { row } : {}), acked: undefined, codes: [], toldUnknown: false, unknownTxIds: [], ackedEarlier: false };
    this.outcomes.push(out);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const startedUs = Date.now() * 1000;
      try {
        const g = await this.handle();
        if (op === "commit") {
          const r = await g.commit({ branch: "main", kind: "commit", actor: "client", base: await g.snapshot(), writes: { "node:T": [add([row!, attempt])], "node:U": [add([row!, attempt])] }, idempotencyKey: key });
          out.acked = r.entry;
        } else {
          out.acked = await g.createBranch(row!, { actor: "client", idempotencyKey: key });
        }
        out.ackedEarlier = out.acked !== undefined && out.acked.timeUs < startedUs;
        this.steps.push(`${key}: acknowledged ${out.acked?.commitId} after ${out.codes.join(",") || "no error"}`);
        return out;
      } catch (e) {
        const code = (e as { code?: string }).code ?? String(e);
        out.codes.push(code);
        if (code === "ERR_COMMIT_OUTCOME_UNKNOWN") {
          out.toldUnknown = true;
          out.unknownTxIds.push((e as { detail: { txId: string } }).detail.txId);
        }
        if (!RETRYABLE.has(code)) break;
        if (code === "ERR_LEASE_LOST" || (this.g?.lease?.lost ?? false)) await this.reopen();
      }
    }
    this.steps.push(`${key}: gave up after ${out.codes.join(",")}`);
    return out;
  }

  async reopen(): Promise<void> {
    const old = this.g;
    this.g = undefined;
    await old?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.reopen();
  }
}

/**
 * What the graph shows after the faults, judged by a clean writer (which sweeps) and a
 * read-only handle: every acknowledged request exactly once in the log (as the entry
 * the client was told), an unacknowledged one only if the client was told its outcome
 * is unknown (and then the lookup by key agrees), each committed row once in both
 * tables, and no snapshot of any commit torn (T and U always hold the same rows).
 */
export async function checkOutcomes(site: FaultyGraphSite, outcomes: RequestOutcome[]): Promise<string[]> {
  const problems: string[] = [];
  const writer = await site.open(false);
  const reader = await Graph.open(site.location(false), { mode: "read-only" });
  try {
    const head = (await reader.log.head())!;
    const byKey = new Map<string, ManifestEntry[]>();
    const entries: ManifestEntry[] = [];
    for (let s = 1; s <= head.seq; s++) {
      const e = await reader.log.read(s);
      entries.push(e);
      if (e.idempotencyKey !== undefined) (byKey.get(e.idempotencyKey) ?? byKey.set(e.idempotencyKey, []).get(e.idempotencyKey)!).push(e);
    }
    const committedRows = new Set<string>();
    for (const o of outcomes) {
      const found = byKey.get(o.key) ?? [];
      if (found.length > 1) problems.push(`${o.key}: published ${found.length} times (${found.map((e) => e.seq).join(",")})`);
      if (o.acked) {
        // A retry that returned an earlier attempt's entry: that attempt must have been told "unknown".
        if (o.ackedEarlier && !o.unknownTxIds.includes(o.acked.txId ?? "")) problems.push(`${o.key}: an attempt told a definite failure (${o.codes.join(",")}) was committed (${o.acked.commitId})`);
        if (found.length === 0) problems.push(`${o.key}: acknowledged as ${o.acked.commitId} but not in the log`);
        else if (found[0]!.commitId !== o.acked.commitId) problems.push(`${o.key}: acknowledged as ${o.acked.commitId}, the log has ${found[0]!.commitId}`);
      } else if (found.length > 0 && !o.toldUnknown) {
        problems.push(`${o.key}: never acknowledged and never reported unknown (${o.codes.join(",")}), yet published at ${found[0]!.seq}`);
      }
      if (!o.acked && o.toldUnknown) {
        const st = await writer.findTransaction({ idempotencyKey: o.key });
        const want = found.length > 0 ? "committed" : "not committed";
        const got = st.status === "committed" ? "committed" : "not committed";
        if (got !== want) problems.push(`${o.key}: the lookup says ${st.status}, the log says ${want}`);
        if (st.status === "pending") problems.push(`${o.key}: still pending after a sweep`);
      }
      if (found.length > 0 && o.op === "commit") committedRows.add(o.row!);
      if (found.length > 0 && o.op === "branch_create" && !head.branches[o.row!]) problems.push(`${o.key}: branch ${o.row} created but missing`);
      if (found.length === 0 && o.op === "branch_create" && head.branches[o.row!]) problems.push(`${o.key}: branch ${o.row} exists but no entry carries its key`);
    }
    const snap = await reader.snapshot();
    const t = await idsAt(snap, "node:T");
    const u = await idsAt(snap, "node:U");
    const want = ["seed", ...committedRows].sort();
    if (JSON.stringify(t) !== JSON.stringify(want)) problems.push(`T holds ${t.join(",")}; the log's commits are ${want.join(",")}`);
    if (JSON.stringify(u) !== JSON.stringify(want)) problems.push(`U holds ${u.join(",")}; the log's commits are ${want.join(",")}`);
    for (const e of entries) {
      if (e.kind !== "commit" || e.branch !== "main") continue;
      const s = await reader.snapshot({ commit: e.commitId });
      const [a, b] = [await idsAt(s, "node:T"), await idsAt(s, "node:U")];
      if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`commit ${e.seq} is torn: T=${a.join(",")} U=${b.join(",")}`);
    }
    const left = (await listSidecars(writer.loc)).map((x) => `${x.sidecar.txId}:${x.sidecar.status}`);
    if (left.some((s) => !s.endsWith(":aborted"))) problems.push(`sidecars left after a sweep: ${left.join(",")}`);
  } finally {
    await reader.close();
    await writer.close();
  }
  return problems;
}

/** A new graph at `site` with node:T and node:U holding row `seed` (no faults). */
export async function seedGraph(site: FaultyGraphSite): Promise<void> {
  const g = await site.open(false);
  await g.commit({ branch: "main", kind: "schema", actor: "t", base: await g.snapshot(), writes: { "node:T": [create, add(["seed", 0])], "node:U": [create, add(["seed", 0])] } });
  await g.close();
}

/**
 * One scenario: a fault at one protocol write of the request at `at` in a fixed
 * sequence (commit, branch create, commit), with a retrying client. Returns the
 * problems found (empty = every invariant holds) and the steps taken.
 */
export async function runWriteFault(url: string, graphId: string, write: ProtocolWrite, fault: WriteFault, at: number): Promise<{ problems: string[]; steps: string[]; fired: string[] }> {
  const site = new FaultyGraphSite(url, graphId, 600);
  await seedGraph(site);
  const steps: string[] = [];
  const client = new RetryingClient(site, steps);
  const plan: [string, RequestOutcome["op"], string][] = [["k-c1", "commit", "r1"], ["k-b1", "branch_create", "dev"], ["k-c2", "commit", "r2"]];
  try {
    for (const [i, [key, op, row]] of plan.entries()) {
      if (i === at) {
        if (write === "lease-take") {
          await client.reopen(); // the next request opens a new handle: it takes the lease
          await new Promise((r) => setTimeout(r, 20));
        } else {
          await client.handle();
        }
        site.arm(write, fault);
        if (write === "lease-renew") {
          // Wait for the renewal the fault hits (every period / 3), then go on.
          for (let waited = 0; site.pending && waited < 3000; waited += 20) await new Promise((r) => setTimeout(r, 20));
        }
      }
      await client.run(key, op, row);
    }
  } finally {
    site.disarm();
    await client.close();
  }
  const problems = await checkOutcomes(site, client.outcomes);
  return { problems, steps, fired: site.fired };
}

/**
 * The randomized version (npm run test:faults): `requests` requests (commits and branch
 * creates in random order); before each, with probability `p`, a random fault is armed
 * at a random protocol write (it fires at the next matching write, whichever request
 * makes it). Seeded: the same seed replays the same plan.
 */
export async function runRandomWriteFaults(
  url: string, graphId: string, seed: number, opts: { requests: number; p: number; credentials?: { accessKeyId: string; secretAccessKey: string } },
): Promise<{ problems: string[]; steps: string[]; fired: string[] }> {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const site = new FaultyGraphSite(url, graphId, 600, opts.credentials);
  await seedGraph(site);
  const steps: string[] = [];
  const client = new RetryingClient(site, steps);
  const writes = [...new Set([...COMMIT_WRITES, ...BRANCH_WRITES, ...LEASE_WRITES])];
  try {
    for (let i = 0; i < opts.requests; i++) {
      if (rand() < opts.p) {
        const write = pick(writes);
        const fault = pick(WRITE_FAULTS);
        if (write === "lease-take") await client.reopen();
        site.arm(write, fault);
        steps.push(`armed ${write}:${fault} before request ${i}`);
      }
      const branch = rand() < 0.25;
      await client.run(`k-${i}`, branch ? "branch_create" : "commit", branch ? `b${i}` : `r${i}`);
    }
  } finally {
    site.disarm();
    await client.close();
  }
  const problems = await checkOutcomes(site, client.outcomes);
  return { problems, steps, fired: site.fired };
}
