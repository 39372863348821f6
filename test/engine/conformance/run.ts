import type { ExecutionContext } from "ava";
import { GraphEngine } from "../../../server/engine/engine.ts";
import { Graph } from "../../../server/store/graph.ts";
import { compileQuery } from "../../../server/engine/query/typecheck.ts";
import { compileSchema } from "../../../server/engine/schema/index.ts";
import type { StoreTarget } from "../../store/support.ts";
import { codeOf, engineWith, freshEngine } from "../support.ts";
import type { Entry, Step } from "./case.ts";

const ACTOR = "conformance";

/** A field of an engine result, whichever casing the result uses (the HTTP shapes are moving out of the engine). */
function field(out: unknown, snake: string): unknown {
  const o = out as Record<string, unknown>;
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return o[camel] ?? o[snake];
}

/** Runs a compile-only step (no store). */
function compileStep(t: ExecutionContext, step: Extract<Step, { op: "compileSchema" | "compileQuery" }>, where: string): void {
  let code = "ok";
  try {
    if (step.op === "compileSchema") compileSchema(step.source);
    else compileQuery(step.source, compileSchema(step.schema), step.name);
  } catch (e) {
    const c = (e as { code?: unknown }).code;
    if (typeof c !== "string") throw e;
    code = c;
  }
  t.is(code, step.error ?? "ok", where);
}

/** True when every step compiles only: the entry needs no graph. */
export function compileOnly(entry: Entry): boolean {
  return (entry.steps ?? []).every((s) => s.op === "compileSchema" || s.op === "compileQuery");
}

/** Runs one ported entry: builds its graph on `target`, then checks each step. */
export async function runEntry(t: ExecutionContext, entry: Entry, target: StoreTarget | undefined): Promise<void> {
  const steps = entry.steps ?? [];
  let e: GraphEngine | undefined;
  if (!compileOnly(entry)) {
    if (!target) throw new Error(`${entry.test} needs a store`);
    e = entry.graph ? await engineWith(target, entry.graph.schema, entry.graph.data) : await freshEngine(target);
  }
  const marks = new Map<string, string>();
  let second: GraphEngine | undefined;
  const counts = new Map<string, number>();
  for (const [i, step] of steps.entries()) {
    const where = `${entry.file}:${entry.line} ${entry.test} step ${i + 1} (${step.op})`;
    if (step.op === "compileSchema" || step.op === "compileQuery") {
      compileStep(t, step, where);
      continue;
    }
    const g = e!;
    switch (step.op) {
      case "load": {
        const p = g.load({ input: step.data, strict: true, actor: ACTOR, ...(step.mode ? { mode: step.mode } : {}), ...(step.branch ? { branch: step.branch } : {}), ...(step.from ? { from: step.from } : {}) });
        const out = await settle(t, p, step.error, where);
        if (out) {
          if (step.total !== undefined) t.is(field(out, "total_entities"), step.total, where);
        }
        break;
      }
      case "openSecond":
        second = new GraphEngine(await Graph.open(g.graph.loc, { mode: "read-write" }));
        break;
      case "mutate": {
        const expectCommit = step.expectAt === undefined ? undefined : marks.get(step.expectAt);
        const p = (step.viaSecond ? second! : g).mutate({ query: step.query, params: step.params ?? {}, actor: ACTOR, ...(expectCommit ? { expectCommit } : {}), ...(step.name ? { name: step.name } : {}), ...(step.branch ? { branch: step.branch } : {}) });
        const out = await settle(t, p, step.error, where);
        if (out) {
          if (step.affected) t.deepEqual([field(out, "affected_nodes"), field(out, "affected_edges")], step.affected, where);
        }
        break;
      }
      case "query": {
        const at = step.at === undefined ? undefined : marks.get(step.at);
        if (step.at !== undefined && at === undefined) throw new Error(`${where}: no mark '${step.at}'`);
        const p = g.query({ query: step.query, params: step.params ?? {}, ...(step.name ? { name: step.name } : {}), ...(at ? { snapshot: at } : step.branch ? { branch: step.branch } : {}) });
        if ("error" in step) {
          t.is(await codeOf(p), step.error, where);
          break;
        }
        const got = (await p).rows;
        if ("rows" in step) t.deepEqual(got, step.rows, where);
        else if ("column" in step) {
          const values = got.map((r) => r[step.column]);
          t.deepEqual([...values].sort(compareLoose), [...step.sorted].sort(compareLoose), where);
        } else t.is(got.length, step.rowCount, where);
        break;
      }
      case "schema": {
        const p = g.applySchema({ source: step.source, actor: ACTOR, ...(step.allowDataLoss ? { allowDataLoss: true } : {}) });
        const out = await settle(t, p, step.error, where);
        if (out) {
          if (step.applied !== undefined) t.is(out.applied, step.applied, where);
          if (step.steps) t.deepEqual(out.steps.map((s) => s.kind).sort(), [...step.steps].sort(), where);
        }
        break;
      }
      case "branch": {
        const p = g.graph.createBranch(step.create, { from: step.from ?? "main", actor: ACTOR });
        t.is(await codeOf(p), step.error ?? "ok", where);
        break;
      }
      case "deleteBranch":
        t.is(await codeOf(g.graph.deleteBranch(step.name, { actor: ACTOR })), step.error ?? "ok", where);
        break;
      case "merge": {
        const p = g.merge({ source: step.source, actor: ACTOR, ...(step.target ? { target: step.target } : {}) });
        if (step.error) {
          const caught = await p.then(() => undefined, (x: unknown) => x as { code?: string; detail?: { conflicts?: { kind: string }[] } });
          t.is(caught?.code, step.error, where);
          if (step.conflicts) t.deepEqual((caught?.detail?.conflicts ?? []).map((c) => c.kind).sort(), [...step.conflicts].sort(), where);
        } else {
          const out = await settle(t, p, undefined, where);
          if (out && step.outcome) t.is(out.outcome, step.outcome, where);
        }
        break;
      }
      case "countCommits":
        counts.set(step.label, (await g.graph.history("main")).length);
        break;
      case "commitsSince":
        t.is((await g.graph.history("main")).length - counts.get(step.label)!, step.n, where);
        break;
      case "branches":
        t.deepEqual((await g.graph.listBranches()).map((b) => b.name).sort(), [...step.names].sort(), where);
        break;
      case "mark":
        marks.set(step.label, (await g.snapshot({ branch: step.branch ?? "main" })).commitId);
        break;
    }
  }
}

/** Awaits `p` and asserts its outcome code (`ok` unless `expected`); the result when it succeeded. */
async function settle<T>(t: ExecutionContext, p: Promise<T>, expected: string | undefined, where: string): Promise<T | undefined> {
  let result: T | undefined;
  const code = await codeOf(p.then((r) => {
    result = r;
  }));
  t.is(code, expected ?? "ok", where);
  return result;
}

function compareLoose(a: unknown, b: unknown): number {
  const x = JSON.stringify(a) ?? "";
  const y = JSON.stringify(b) ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}
