/**
 * Property: for random (schema, graph, read query) the engine's rows equal the
 * reference model's (`model.ts`), in the same order.
 *
 * Order: the model reproduces the engine's total order — `order` keys, then the
 * tie-break of `executeRead` (ids of the top-level variables in variable-name order;
 * projection values for aggregates). That order is what the contract calls "total:
 * ids break ties", so rows are compared as sequences even without `order` (needed
 * anyway: with `limit` and no `order`, which rows come back depends on it).
 *
 * Every generated query must compile (a type error is a generator bug and fails the
 * test). One engine per (schema, graph) serves the 1–4 queries of a run.
 *
 * MODEL_RUNS=n and MODEL_SEED=s (env) override the run count and seed; on failure
 * fast-check prints the seed and the path to replay it.
 */
import test from "ava";
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { compileQuery } from "../../../server/engine/query/typecheck.ts";
import { Choices, buildRead, graphNdjson, readCaseArb, schemaSource } from "./generators.ts";
import { EngineCache, withCause } from "./harness.ts";
import { runRead, type MMatch, type MReadQuery } from "./model.ts";

const NUM_RUNS = Number(process.env.MODEL_RUNS ?? 150);
const SEED = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);

function traits(q: MReadQuery): string[] {
  const out: string[] = [];
  const walk = (m: MMatch) => {
    for (const t of m.traversals) {
      out.push(t.bounds && !(t.bounds.min === 1 && t.bounds.max === 1) ? "var-length" : "one-hop");
      if (t.undirected) out.push("undirected");
      if (t.edgeVar) out.push("edge-var");
      if (t.src === "_" || t.dst === "_") out.push("wildcard");
    }
    if (m.filters.length) out.push("filter");
    if (m.negations.length) out.push("negation");
    m.negations.forEach(walk);
  };
  walk(q.match);
  if (q.returns.some((p) => p.expr.kind === "agg")) out.push("aggregate");
  if (q.order.length) out.push("order");
  if (q.limit !== undefined) out.push("limit");
  return [...new Set(out)];
}

test("reads: engine rows equal the reference model's rows", async (t) => {
  const cache = new EngineCache(4);
  const counts = new Map<string, number>();
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const started = Date.now();
  try {
    await fc.assert(
      fc.asyncProperty(readCaseArb, async ({ schema, graph, queries }) => {
        const schemaText = schemaSource(schema);
        const ndjson = graphNdjson(schema, graph);
        const { engine } = await cache.get(schemaText, ndjson);
        const catalog = await engine.catalogOf(await engine.snapshot());
        for (const seq of queries) {
          const q = buildRead(schema, new Choices(seq), graph);
          const context = () => `schema:\n${schemaText}\ngraph (NDJSON):\n${ndjson}\nquery:\n${q.text}\nparams: ${JSON.stringify(q.params)}`;
          try {
            compileQuery(q.text, catalog);
          } catch (e) {
            throw new Error(`generator produced a query the engine refuses: ${(e as Error).message}\n${context()}`);
          }
          const expected = runRead(schema, graph, q.model);
          let actual: unknown;
          try {
            actual = (await engine.query({ query: q.text, params: q.params })).rows;
          } catch (e) {
            throw new Error(`engine failed: ${(e as Error).stack}\n${context()}`);
          }
          if (!isDeepStrictEqual(actual, expected)) {
            throw new Error(`rows differ\n${context()}\nmodel:  ${JSON.stringify(expected)}\nengine: ${JSON.stringify(actual)}`);
          }
          bump("queries");
          if (expected.length) bump("non-empty results");
          for (const tr of traits(q.model)) bump(tr);
        }
      }),
      { numRuns: NUM_RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  } catch (e) {
    throw withCause(e);
  } finally {
    await cache.closeAll();
  }
  t.log(`${NUM_RUNS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; ${[...counts].map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  // fc.assert throws on any counterexample; this checks the property really exercised cases.
  t.true([...counts.values()].some((v) => v > 0), "the property ran no case");
});
