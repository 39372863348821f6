// The operations the crash suite interrupts, shared by the parent test (which prepares
// graphs and runs the in-process `error` variant) and the child process
// test/support/store-crasher.ts (which runs them under a `crash` failpoint).
import type { FailpointName } from "../../server/store/failpoints.ts";
import type { Graph } from "../../server/store/graph.ts";
import type { TableOp } from "../../server/store/tables.ts";
import { add, create } from "./rows.ts";

/** What a failpoint interrupts: a commit phase of one of three commit kinds, a branch change, or a recovery sweep. */
export type CrashOp = "commit" | "schema" | "merge" | "branch_create" | "branch_delete" | "recovery";

/** What the child process can run: a matrix operation, or the first write on `feature` (a lazy fork; test/store/fork.test.ts). */
export type ChildOp = CrashOp | "fork_commit";

export const ACTOR = "crash-test";
/** Branches every prepared graph has besides main: `feature` (merge source) and `doomed` (deleted by branch_delete). */
export const FEATURE = "feature";
export const DOOMED = "doomed";
/** The branch branch_create creates. */
export const CREATED = "created";
export const SCHEMA_V1 = JSON.stringify({ version: 1, types: ["A", "B"] });
export const SCHEMA_V2 = JSON.stringify({ version: 2, types: ["A", "B", "S"] });

export function opOf(fp: FailpointName): CrashOp {
  return fp.slice(0, fp.indexOf(".")) as CrashOp;
}

/**
 * A graph as the crash suite prepares it: main holds tables A = [a0] and B = [b0]
 * written in place by main, schema v1; branches `feature` and `doomed` forked from main.
 */
export async function prepare(g: Graph): Promise<void> {
  const schema = await g.putSchema(SCHEMA_V1);
  await g.commit({
    branch: "main", kind: "schema", actor: "setup", base: await g.snapshot(), schema,
    writes: { "node:A": [create, add(["a0", 0])], "node:B": [create, add(["b0", 0])] },
  });
  await g.createBranch(FEATURE, { from: "main", actor: "setup" });
  await g.createBranch(DOOMED, { from: "main", actor: "setup" });
}

/** The Lance writes of each commit-kind operation, and the rows they add. */
export const WRITES: Record<"commit" | "schema" | "merge", { writes: () => Record<string, TableOp[]>; adds: Record<string, string[]> }> = {
  // Two existing tables written in place (one row each) plus a new table.
  commit: {
    writes: () => ({ "node:A": [add(["a1", 1])], "node:B": [add(["b1", 1])], "node:C": [create, add(["c1", 1])] }),
    adds: { "node:A": ["a1"], "node:B": ["b1"], "node:C": ["c1"] },
  },
  // A new table and a new schema hash.
  schema: {
    writes: () => ({ "node:S": [create, add(["s1", 1])] }),
    adds: { "node:S": ["s1"] },
  },
  // A merge of `feature` into main writing one table in place.
  merge: {
    writes: () => ({ "node:A": [add(["m1", 1])] }),
    adds: { "node:A": ["m1"] },
  },
};

/**
 * Runs the operation a failpoint belongs to on a prepared graph. For `recovery` the
 * operation is the read-write open itself (which runs the sweep), so it is not run here.
 */
export async function runOperation(g: Graph, op: Exclude<CrashOp, "recovery">): Promise<void> {
  switch (op) {
    case "commit":
      await g.commit({ branch: "main", kind: "commit", actor: ACTOR, base: await g.snapshot(), writes: WRITES.commit.writes() });
      return;
    case "schema": {
      const schema = await g.putSchema(SCHEMA_V2);
      await g.commit({ branch: "main", kind: "schema", actor: ACTOR, base: await g.snapshot(), writes: WRITES.schema.writes(), schema });
      return;
    }
    case "merge": {
      const source = await g.snapshot({ branch: FEATURE });
      await g.commit({ branch: "main", kind: "merge", actor: ACTOR, base: await g.snapshot(), writes: WRITES.merge.writes(), mergedParent: source.seq });
      return;
    }
    case "branch_create":
      await g.createBranch(CREATED, { from: "main", actor: ACTOR });
      return;
    case "branch_delete":
      await g.deleteBranch(DOOMED, { actor: ACTOR });
      return;
  }
}

/** The first write to A on `feature` (main owns A, so this forks it lazily); adds row `f1`. */
export async function runForkCommit(g: Graph): Promise<void> {
  await g.commit({ branch: FEATURE, kind: "commit", actor: ACTOR, base: await g.snapshot({ branch: FEATURE }), writes: { "node:A": [add(["f1", 1])] } });
}
