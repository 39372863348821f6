/**
 * Opens a `GraphEngine` on a fresh in-memory graph (MemoryStore; Lance data in a temp
 * directory removed on close) with a schema and an NDJSON graph loaded in `append`
 * mode, and reads an engine's whole state back as model data via `export`.
 */
import { MemoryStore } from "../../../drivers/memory.ts";
import { GraphEngine } from "../../../server/engine/engine.ts";
import { Graph } from "../../../server/store/graph.ts";
import { locateGraph } from "../../../server/store/layout.ts";
import type { MEdge, MGraph, MNode, MSchema, MVal } from "./model.ts";

export interface OpenEngine {
  engine: GraphEngine;
  close(): void;
}

let seq = 0;

export async function openEngine(schemaText: string, ndjson: string): Promise<OpenEngine> {
  const name = `model-${process.pid}-${++seq}`;
  const store = new MemoryStore(name);
  const graph = await Graph.open(locateGraph({ kind: "prefix-per-tenant", store }, undefined, "g"), { mode: "read-write", create: true });
  const close = () => {
    graph.close();
    MemoryStore.reset(name);
  };
  try {
    const engine = new GraphEngine(graph);
    await engine.applySchema({ source: schemaText, actor: "model" });
    if (ndjson.trim()) await engine.load({ input: ndjson, strict: true, mode: "append", actor: "model" });
    return { engine, close };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * Keeps the last few engines by (schema, graph), so fast-check's shrinking, which
 * re-runs many variations of one graph, does not rebuild it every time.
 */
export class EngineCache {
  private readonly entries = new Map<string, Promise<OpenEngine>>();
  constructor(private readonly size = 4) {}

  get(schemaText: string, ndjson: string): Promise<OpenEngine> {
    const key = `${schemaText}\u0000${ndjson}`;
    let e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
      return e;
    }
    e = openEngine(schemaText, ndjson);
    e.catch(() => this.entries.delete(key));
    this.entries.set(key, e);
    while (this.entries.size > this.size) {
      const [oldKey, old] = this.entries.entries().next().value!;
      this.entries.delete(oldKey);
      void old.then((o) => o.close(), () => undefined);
    }
    return e;
  }

  async closeAll(): Promise<void> {
    for (const e of this.entries.values()) await e.then((o) => o.close(), () => undefined);
    this.entries.clear();
  }
}

/** The engine's head of `main` as model data (every property present, null when absent). */
export async function engineState(engine: GraphEngine, schema: MSchema): Promise<MGraph> {
  const snap = await engine.snapshot();
  const catalog = await engine.catalogOf(snap);
  let text = "";
  for await (const chunk of engine.export(snap, catalog)) text += chunk;
  const g: MGraph = { nodes: {}, edges: {} };
  for (const t of schema.nodes) g.nodes[t.name] = [];
  for (const e of schema.edges) g.edges[e.name] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const env = JSON.parse(line) as { type?: string; edge?: string; from?: string; to?: string; data: Record<string, MVal> };
    const { id, ...rest } = env.data;
    if (env.type !== undefined) {
      const t = schema.nodes.find((x) => x.name === env.type)!;
      const node: MNode = { id: id as string, props: Object.fromEntries(t.props.map((p) => [p.name, rest[p.name] ?? null])) };
      g.nodes[t.name]!.push(node);
    } else {
      const t = schema.edges.find((x) => x.name === env.edge)!;
      const edge: MEdge = { id: id as string, src: env.from!, dst: env.to!, props: Object.fromEntries(t.props.map((p) => [p.name, rest[p.name] ?? null])) };
      g.edges[t.name]!.push(edge);
    }
  }
  return g;
}

/** The same graph with every type's rows sorted by id (for comparisons). */
export function sortedGraph(g: MGraph): MGraph {
  const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    nodes: Object.fromEntries(Object.entries(g.nodes).map(([k, v]) => [k, byId(v)])),
    edges: Object.fromEntries(Object.entries(g.edges).map(([k, v]) => [k, byId(v)])),
  };
}

/** fast-check's failure, with the property's own error message (ava does not print `cause`). */
export function withCause(e: unknown): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  const cause = e.cause instanceof Error ? e.cause.message : undefined;
  return cause ? new Error(`${e.message}\n\n${cause}`) : e;
}
