/**
 * Property: random sequences of 3–8 mutation queries, applied to the engine
 * (`GraphEngine.mutate`) and to the reference model (`runMutation`), leave the same
 * graph after every commit (the engine's state is read back through `export`), with
 * the same `affected_nodes` / `affected_edges`, and `commit: null` exactly when
 * nothing was written.
 *
 * Rejections are generated on purpose (an insert with an id that already exists, an
 * edge to an absent node, too many edges for `@card`): the model predicts them, the
 * engine must refuse with the matching code (ERR_KEY_CONFLICT / ERR_INTEGRITY) and
 * leave its state unchanged.
 *
 * Ids the engine generates (ULIDs of inserts without an id) cannot be predicted: the
 * model inserts a placeholder, and after the commit each placeholder takes the id of
 * the new engine entity with the same content (entities of equal content are
 * interchangeable, and no statement can reference them before they are named).
 *
 * Queries are rendered against the model state before each step (ids to update,
 * delete or connect come from it), so fast-check generates choice sequences, not
 * query text. MODEL_RUNS / MODEL_SEED (env) override the run count and seed.
 */
import test from "ava";
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { EngineError } from "../../../server/engine/errors.ts";
import { compileQuery } from "../../../server/engine/query/typecheck.ts";
import { Choices, buildMutation, graphNdjson, mutationCaseArb, schemaSource } from "./generators.ts";
import { engineState, openEngine, sortedGraph, withCause } from "./harness.ts";
import { GENERATED, runMutation, type MGraph, type MSchema, type Violation } from "./model.ts";

const NUM_RUNS = Number(process.env.MODEL_RUNS ?? 60);
const SEED = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);

const CODE: Record<Violation, string> = { key_conflict: "ERR_KEY_CONFLICT", orphan_edge: "ERR_INTEGRITY", cardinality_violation: "ERR_INTEGRITY" };

/** Gives each placeholder id of `model` the id of an unclaimed engine entity with the same content. */
function resolveGenerated(schema: MSchema, model: MGraph, engine: MGraph): MGraph {
  const out: MGraph = { nodes: {}, edges: {} };
  for (const t of schema.nodes) {
    const rows = model.nodes[t.name] ?? [];
    const known = new Set(rows.map((r) => r.id));
    const fresh = (engine.nodes[t.name] ?? []).filter((r) => !known.has(r.id));
    out.nodes[t.name] = rows.map((r) => {
      if (!r.id.startsWith(GENERATED)) return r;
      const i = fresh.findIndex((x) => isDeepStrictEqual(x.props, r.props));
      return i < 0 ? r : { ...r, id: fresh.splice(i, 1)[0]!.id };
    });
  }
  for (const e of schema.edges) {
    const rows = model.edges[e.name] ?? [];
    const known = new Set(rows.map((r) => r.id));
    const fresh = (engine.edges[e.name] ?? []).filter((r) => !known.has(r.id));
    out.edges[e.name] = rows.map((r) => {
      if (!r.id.startsWith(GENERATED)) return r;
      const i = fresh.findIndex((x) => x.src === r.src && x.dst === r.dst && isDeepStrictEqual(x.props, r.props));
      return i < 0 ? r : { ...r, id: fresh.splice(i, 1)[0]!.id };
    });
  }
  return out;
}

test("mutations: engine state equals the model state after every commit", async (t) => {
  const counts = new Map<string, number>();
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const started = Date.now();
  try {
    await fc.assert(
      fc.asyncProperty(mutationCaseArb, async ({ schema, graph, steps }) => {
        const schemaText = schemaSource(schema);
        const ndjson = graphNdjson(schema, graph);
        const { engine, close } = await openEngine(schemaText, ndjson);
        try {
          const catalog = await engine.catalogOf(await engine.snapshot());
          let state = graph;
          const history: string[] = [];
          const context = () => `schema:\n${schemaText}\nstarting graph (NDJSON):\n${ndjson}\nqueries so far:\n${history.join("\n")}`;
          if (!isDeepStrictEqual(sortedGraph(await engineState(engine, schema)), sortedGraph(state))) throw new Error(`loaded graph differs\n${context()}`);
          for (const seq of steps) {
            const m = buildMutation(schema, state, new Choices(seq));
            history.push(`${m.text}\nparams: ${JSON.stringify(m.params)}`);
            try {
              compileQuery(m.text, catalog);
            } catch (e) {
              throw new Error(`generator produced a query the engine refuses: ${(e as Error).message}\n${context()}`);
            }
            const predicted = runMutation(schema, state, m.statements);
            let out: Awaited<ReturnType<typeof engine.mutate>> | undefined;
            let error: unknown;
            try {
              out = await engine.mutate({ query: m.text, params: m.params, actor: "model" });
            } catch (e) {
              error = e;
            }
            const actual = await engineState(engine, schema);
            if (!predicted.ok) {
              const codes = predicted.violations.map((v) => CODE[v]);
              if (!(error instanceof EngineError) || !codes.includes(error.code)) {
                throw new Error(`the model rejects this query (${predicted.violations.join(", ")}) but the engine ${error ? `failed with ${(error as Error).message}` : `returned ${JSON.stringify(out)}`}\n${context()}`);
              }
              if (!isDeepStrictEqual(sortedGraph(actual), sortedGraph(state))) throw new Error(`a rejected query changed the engine state\n${context()}`);
              bump(`rejected (${predicted.violations.join("+")})`);
              continue;
            }
            if (error) throw new Error(`engine refused a valid query: ${(error as Error).stack}\n${context()}`);
            const expectedOut = { affected_nodes: predicted.affectedNodes, affected_edges: predicted.affectedEdges, commit: predicted.affectedNodes + predicted.affectedEdges > 0 };
            const actualOut = { affected_nodes: out!.affectedNodes, affected_edges: out!.affectedEdges, commit: out!.commit !== null };
            if (!isDeepStrictEqual(actualOut, expectedOut)) throw new Error(`ChangeOutput differs: model ${JSON.stringify(expectedOut)}, engine ${JSON.stringify(actualOut)}\n${context()}`);
            state = resolveGenerated(schema, predicted.graph, actual);
            if (!isDeepStrictEqual(sortedGraph(actual), sortedGraph(state))) {
              throw new Error(`state differs after the last query\n${context()}\nmodel:  ${JSON.stringify(sortedGraph(state))}\nengine: ${JSON.stringify(sortedGraph(actual))}`);
            }
            bump(expectedOut.commit ? "committed" : "no-op");
            for (const s of m.statements) bump(s.op === "delete" ? `delete ${s.kind}` : s.op);
          }
        } finally {
          close();
        }
      }),
      { numRuns: NUM_RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  } catch (e) {
    throw withCause(e);
  }
  t.log(`${NUM_RUNS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; ${[...counts].map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  // fc.assert throws on any counterexample; this checks the property really exercised cases.
  t.true([...counts.values()].some((v) => v > 0), "the property ran no case");
});
