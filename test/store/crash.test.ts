// Crash matrix: for every failpoint of the store's write protocols, a real child process
// runs the matching operation and SIGKILLs itself at that phase boundary
// (OMNIGRAPH_FAILPOINTS=<name>=crash). The parent then checks what readers see, what
// the recovery sweep makes of it, and that the graph stays writable. The same matrix
// runs in-process with the `error` action on memory.
import test, { type ExecutionContext } from "ava";
import * as lancedb from "@lancedb/lancedb";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { listAll } from "../../drivers/base.ts";
import { FAILPOINTS, setFailpoint, type FailpointName } from "../../server/store/failpoints.ts";
import { Graph } from "../../server/store/graph.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import { RECOVERY_ACTOR, type RecoveryOutcome, type RecoveryReport } from "../../server/store/recovery.ts";
import { tableNameOf, type TableOp } from "../../server/store/tables.ts";
import { ACTOR, CREATED, DOOMED, FEATURE, SCHEMA_V2, WRITES, opOf, prepare, runOperation, type CrashOp } from "./crash-ops.ts";
import { add, contentOf, create, idsAt, newGraphId, storeTargets, type StoreTarget } from "./support.ts";

const CRASHER = fileURLToPath(new URL("../support/store-crasher.ts", import.meta.url));
const started = performance.now();

/** The logical state the suite compares: main's tables and schema, and the branch names. */
interface GraphState {
  main: Record<string, string[]>;
  schema: string | null;
  branches: string[];
}

async function stateOf(g: Graph): Promise<GraphState> {
  const snap = await g.snapshot({ branch: "main" });
  return { main: await contentOf(snap), schema: snap.schemaHash, branches: (await g.listBranches()).map((b) => b.name) };
}

/** The state the operation of `op` produces from `before`. */
function stateAfter(op: CrashOp, before: GraphState): GraphState {
  const after: GraphState = { main: { ...before.main }, schema: before.schema, branches: [...before.branches] };
  if (op === "branch_create") after.branches = [...after.branches, CREATED].sort();
  else if (op === "branch_delete") after.branches = after.branches.filter((b) => b !== DOOMED);
  else {
    const w = WRITES[op === "recovery" ? "commit" : op];
    for (const [k, ids] of Object.entries(w.adds)) after.main[k] = [...(after.main[k] ?? []), ...ids].sort();
    if (op === "schema") after.schema = createHash("sha256").update(SCHEMA_V2).digest("hex");
  }
  return after;
}

const phaseOf = (fp: FailpointName): string => fp.slice(fp.indexOf(".") + 1);

/** Was the operation's manifest entry published when the process died at `fp`? */
function publishedAt(fp: FailpointName): boolean {
  return ["after_manifest_before_written", "after_manifest", "after_hint", "after_publish"].includes(phaseOf(fp));
}

/**
 * Failpoints on the after-commit chain (the hint CAS, then the sidecar delete run after
 * the commit is acknowledged): the operation succeeds and the failure is only counted.
 */
function afterAcknowledgement(fp: FailpointName): boolean {
  return phaseOf(fp) === "after_hint";
}

/** After the recovery sweep: does the graph show the operation (rolled forward or published)? */
function recoversToAfter(fp: FailpointName): boolean {
  return publishedAt(fp) || phaseOf(fp) === "after_sidecar_written" || fp === "recovery.before_publish";
}

/** Does the interrupted process leave a recovery sidecar behind? */
function leavesSidecar(fp: FailpointName): boolean {
  const op = opOf(fp);
  if (op === "branch_create" || op === "branch_delete") return false;
  return phaseOf(fp) !== "before_sidecar";
}

/** What the sweep should say it did with that sidecar. */
function expectedOutcome(fp: FailpointName): RecoveryOutcome {
  if (publishedAt(fp)) return "already_published";
  return recoversToAfter(fp) ? "rolled_forward" : "restored";
}

/**
 * For `recovery.*`: the commit crash that leaves the sidecar the sweep then works on.
 * `before_publish` needs a `written` sidecar so that a roll-forward is attempted.
 */
function priorCrash(fp: FailpointName): FailpointName | undefined {
  if (fp === "recovery.after_restore") return "commit.after_table_writes";
  if (fp === "recovery.before_publish") return "commit.after_sidecar_written";
  return undefined;
}

/** Runs at most `n` tasks at once: dozens of children on two cores only thrash. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
const children = limiter(Math.max(3, availableParallelism() + 1));

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runChild(target: StoreTarget, graphId: string, op: CrashOp, fp: FailpointName): Promise<ChildExit> {
  const child = target.child!;
  return children(() => new Promise<ChildExit>((resolve, reject) => {
    const p = spawn(process.execPath, ["--import=tsx", CRASHER, child.url, graphId, op], {
      env: { ...process.env, ...child.env, OMNIGRAPH_FAILPOINTS: `${fp}=crash` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    p.stdout.on("data", (d: Buffer) => (output += d.toString()));
    p.stderr.on("data", (d: Buffer) => (output += d.toString()));
    p.on("error", reject);
    // 'close' comes after the child is reaped: its pid no longer runs when we sweep.
    p.on("close", (code, signal) => resolve({ code, signal, output }));
  }));
}

async function sidecarKeys(loc: GraphLocation): Promise<string[]> {
  return (await listAll(loc.store, loc.sidecarPrefix)).map((o) => o.key).sort();
}

/** A prepared graph and what the operation under test must turn it into. */
interface Case {
  loc: GraphLocation;
  graphId: string;
  op: CrashOp;
  before: GraphState;
  after: GraphState;
  featureHead: string;
}

async function prepareCase(target: StoreTarget, fp: FailpointName): Promise<Case> {
  const graphId = newGraphId();
  const loc = target.location(graphId);
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  await prepare(g);
  const before = await stateOf(g);
  const featureHead = (await g.snapshot({ branch: FEATURE })).commitId;
  await g.close(); // releases the writer lease: the child takes it at once
  const op = opOf(fp);
  return { loc, graphId, op, before, after: stateAfter(op, before), featureHead };
}

/** (b) a read-only open serves the last committed state and leaves sidecars alone. */
async function checkReadOnly(t: ExecutionContext, c: Case, fp: FailpointName, target: StoreTarget): Promise<void> {
  const sidecarsBefore = await sidecarKeys(c.loc);
  t.is(sidecarsBefore.length, leavesSidecar(fp) ? 1 : 0, "sidecars left by the interrupted operation");
  const ro = await Graph.open(target.location(c.graphId), { mode: "read-only" });
  t.is(ro.recovery, undefined, "a read-only open does not sweep");
  t.deepEqual(await stateOf(ro), publishedAt(fp) ? c.after : c.before, "read-only open serves the last committed state");
  ro.close();
  t.deepEqual(await sidecarKeys(c.loc), sidecarsBefore, "a read-only open removes no sidecar");
}

/** (c)–(f) after the recovery sweep reported in `report`, on the read-write handle `g`. */
async function checkRecovered(t: ExecutionContext, c: Case, fp: FailpointName, g: Graph, report: RecoveryReport): Promise<void> {
  const toAfter = recoversToAfter(fp);
  // (c) exactly the state before or after the operation, as the phase dictates.
  t.deepEqual(await stateOf(g), toAfter ? c.after : c.before, `recovered to the state ${toAfter ? "after" : "before"} the operation`);
  if (c.op === "merge") {
    const merges = (await g.history("main", { limit: 10 })).filter((e) => e.kind === "merge");
    if (toAfter) {
      t.is(merges.length, 1, "the merge commit is in main's history");
      t.is(merges[0]?.mergedParentCommitId, c.featureHead, "the merge commit keeps its second parent");
    } else {
      t.is(merges.length, 0, "no merge commit");
    }
  }
  if (c.op === "branch_create" && toAfter) {
    t.deepEqual(await contentOf(await g.snapshot({ branch: CREATED })), c.before.main, "the created branch shows main's state");
  }
  // (d) no sidecar remains.
  t.deepEqual(await sidecarKeys(c.loc), [], "no sidecar remains under __recovery/");
  // (e) one audit commit by the recovery actor when a sidecar was handled, none otherwise.
  if (leavesSidecar(fp)) {
    t.is(report.handled.length, 1, "the sweep handled the sidecar");
    t.is(report.handled[0]?.outcome, expectedOutcome(fp));
    t.is(report.audits.length, 1, "one audit commit");
    const audits = (await g.history("main", { limit: 5 })).filter((e) => e.actor === RECOVERY_ACTOR && e.kind === "recovery");
    t.deepEqual(audits.map((e) => e.commitId), report.audits, "the audit commit is on main, by omnigraph:recovery");
  } else {
    t.deepEqual(report.handled, [], "nothing to recover");
    t.deepEqual(report.audits, [], "no audit commit without a sidecar");
  }
  await checkLanceLatest(t, g);
  await checkWritable(t, c, g);
}

/**
 * Lance's latest version of every table main writes in place holds exactly the
 * committed rows: recovery restored what the interrupted commit wrote on top.
 */
async function checkLanceLatest(t: ExecutionContext, g: Graph): Promise<void> {
  const snap = await g.snapshot({ branch: "main" });
  const { uri, storageOptions } = g.loc.lance();
  const db = await lancedb.connect(uri, { storageOptions });
  for (const k of snap.tableKeys()) {
    const st = snap.tableState(k)!;
    if (st.owner !== snap.record.id || st.lanceBranch !== null) continue;
    const latest = await db.openTable(tableNameOf(st.path));
    const ids = (await latest.query().select(["id"]).toArray()).map((r) => String(r.id)).sort();
    t.deepEqual(ids, await idsAt(snap, k), `Lance latest of ${k} equals its committed version`);
  }
  db.close();
}

/** (f) a normal commit to the tables the operation wrote succeeds and its rows are visible. */
async function checkWritable(t: ExecutionContext, c: Case, g: Graph): Promise<void> {
  const base = await g.snapshot({ branch: "main" });
  const keys = c.op === "branch_create" || c.op === "branch_delete" ? ["node:A", "node:B"] : Object.keys(WRITES[c.op === "recovery" ? "commit" : c.op].adds);
  const writes: Record<string, TableOp[]> = {};
  const expected = await contentOf(base);
  for (const k of keys) {
    const id = `after-${k}`;
    writes[k] = base.tableState(k) ? [add([id, 9])] : [create, add([id, 9])];
    expected[k] = [...(expected[k] ?? []), id].sort();
  }
  await g.commit({ branch: "main", kind: "commit", actor: ACTOR, base, writes });
  const reader = await Graph.open(g.loc, { mode: "read-only" });
  t.deepEqual(await contentOf(await reader.snapshot({ branch: "main" })), expected, "a later commit to the same tables is visible");
  reader.close();
}

const targets = storeTargets();

// The `error` action, in-process on memory. Failpoints are process-wide, so these run
// serially (ava runs serial tests before the concurrent crash tests below).
const memory = targets.find((x) => x.name === "memory")!;
for (const fp of FAILPOINTS) {
  test.serial(`memory: error at ${fp}: ${opOf(fp) === "recovery" ? "the sweep" : "the operation"} throws ERR_FAILPOINT; a later sweep leaves the state ${recoversToAfter(fp) ? "after" : "before"} it`, async (t) => {
    const c = await prepareCase(memory, fp);
    const g = await Graph.open(c.loc, { mode: "read-write" });
    const fire = async (name: FailpointName, run: () => Promise<unknown>): Promise<void> => {
      setFailpoint(name, "error");
      try {
        const err = await t.throwsAsync(run);
        t.is((err as { code?: string } | undefined)?.code, "ERR_FAILPOINT");
      } finally {
        setFailpoint(name, undefined);
      }
    };
    const prior = priorCrash(fp);
    if (afterAcknowledgement(fp)) {
      setFailpoint(fp, "error");
      try {
        const failedBefore = g.afterCommitStatus().failures;
        await runOperation(g, c.op as Exclude<CrashOp, "recovery">); // acknowledged: the entry is durable
        await g.drain();
        t.is(g.afterCommitStatus().failures, failedBefore + 1, "the after-commit task failed, counted, not thrown");
        t.is(g.afterCommitStatus().lastFailure, "ERR_FAILPOINT");
      } finally {
        setFailpoint(fp, undefined);
      }
    } else if (prior) {
      await fire(prior, () => runOperation(g, "commit"));
      await sleep(3); // `staleAfterMs: 0` still needs the clock to move past the sidecar's start
      await fire(fp, () => g.recover());
    } else {
      await fire(fp, () => runOperation(g, c.op as Exclude<CrashOp, "recovery">));
    }
    await checkReadOnly(t, c, fp, memory);
    await sleep(3);
    const report = await g.recover();
    await checkRecovered(t, c, fp, g, report);
    g.close();
  });
}

// The `crash` action: real child processes on fs and RGW.
for (const target of targets) {
  if (!target.child) continue;
  // Recovery cases run two children in a row: start them first.
  for (const fp of [...FAILPOINTS].sort((a, b) => Number(opOf(b) === "recovery") - Number(opOf(a) === "recovery"))) {
    test(`${target.name}: kill -9 at ${fp}: readers see the last commit; recovery leaves the state ${recoversToAfter(fp) ? "after" : "before"} the operation`, async (t) => {
      const c = await prepareCase(target, fp);
      const prior = priorCrash(fp);
      if (prior) {
        const first = await runChild(target, c.graphId, "commit", prior);
        t.is(first.signal, "SIGKILL", `the committing child dies at ${prior}: ${first.output}`);
      }
      const exit = await runChild(target, c.graphId, c.op, fp);
      t.is(exit.signal, "SIGKILL", `the child dies by SIGKILL at ${fp} (exit ${exit.code}): ${exit.output}`);
      await checkReadOnly(t, c, fp, target);
      const g = await Graph.open(target.location(c.graphId), { mode: "read-write" });
      await checkRecovered(t, c, fp, g, g.recovery!);
      g.close();
    });
  }
}

test.after.always(`wall time`, () => {
  console.log(`crash suite: ${((performance.now() - started) / 1000).toFixed(1)} s (targets: ${targets.map((x) => x.name).join(", ")})`);
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
