import { readFileSync } from "node:fs";
import { GraphEngine } from "../../server/engine/engine.ts";
import { Graph } from "../../server/store/graph.ts";
import { newGraphId, type StoreTarget } from "../store/support.ts";

const FIXTURES = new URL("../contract/fixtures/", import.meta.url);

/** A contract fixture file (OmniGraph's own test data). */
export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

/** A fresh graph on `target` with an engine over it. */
export async function freshEngine(target: StoreTarget): Promise<GraphEngine> {
  const g = await Graph.open(target.location(newGraphId()), { mode: "read-write", create: true });
  return new GraphEngine(g);
}

/** A fresh graph with a schema applied and (optionally) NDJSON loaded. */
export async function engineWith(target: StoreTarget, schema: string, ndjson?: string): Promise<GraphEngine> {
  const e = await freshEngine(target);
  await e.applySchema({ source: schema, actor: "test" });
  if (ndjson !== undefined) await e.load({ input: ndjson, strict: true, actor: "test" });
  return e;
}

/** Rows of a query, for compact assertions. */
export async function rowsOf(e: GraphEngine, query: string, params: Record<string, unknown> = {}, target: { branch?: string } = {}): Promise<Record<string, unknown>[]> {
  return (await e.query({ query, params, ...target })).rows;
}

export { codeOf } from "../support/codes.ts";
