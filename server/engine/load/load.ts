import { monotonicFactory } from "ulid";
import type { Snapshot } from "../../store/snapshot.ts";
import { EngineError } from "../errors.ts";
import { convertJson, ParamProblem } from "../query/params.ts";
import type { Value } from "../query/value.ts";
import { findNode, type Catalog, type NodeType, type Property } from "../schema/catalog.ts";
import type { EntityRow, GraphType } from "../storage/columns.ts";
import { keyOf } from "../storage/columns.ts";
import { SnapshotReader } from "../storage/reader.ts";
import { keyId } from "../write/mutation.ts";
import { WorkingSet } from "../write/working-set.ts";
import type { JsonItem } from "./ndjson.ts";

export type LoadMode = "append" | "merge" | "overwrite";

/** Per-commit limits of the contract: keyed (merge) writes ≤ 8192 entities and ≤ 32 MiB per dataset. */
export interface LoadLimits {
  maxKeyedEntitiesPerDataset: number;
  maxBytesPerDataset: number;
}

export const CONTRACT_LIMITS: LoadLimits = { maxKeyedEntitiesPerDataset: 8192, maxBytesPerDataset: 32 * 1024 * 1024 };

const RESERVED = /^(_row|_tombstone)/;
const NODE_KEYS = new Set(["type", "data"]);
const EDGE_KEYS = new Set(["edge", "from", "to", "data"]);

function fail(line: number, message: string): never {
  throw new EngineError("ERR_NDJSON", message, { location: { line, column: 1 } });
}

function toParamType(p: Property): Parameters<typeof convertJson>[1] {
  if (p.type.kind === "enum") return { kind: "scalar", base: "String" };
  return p.type;
}

function propsOf(t: GraphType, data: Record<string, unknown>, item: JsonItem): Record<string, Value> {
  const props: Record<string, Value> = {};
  for (const p of t.properties) props[p.name] = null;
  for (const [k, raw] of Object.entries(data)) {
    if (k === "id") continue;
    if (RESERVED.test(k)) fail(item.line, `field '${k}' is reserved`);
    const p = t.properties.find((x) => x.name === k);
    if (!p) fail(item.line, `${t.kind} type ${t.name} has no property '${k}'`);
    if (raw === null) continue;
    try {
      props[k] = convertJson(raw, toParamType(p));
    } catch (e) {
      if (e instanceof ParamProblem) fail(item.line, `${t.name}.${k}: ${e.message}`);
      throw e;
    }
  }
  return props;
}

export interface LoadSummary {
  ws: WorkingSet;
  nodes: { name: string; entitiesLoaded: number }[];
  edges: { name: string; entitiesLoaded: number }[];
  total: number;
}

/**
 * Reads NDJSON envelopes into a working set over `snap`: `{"type", "data"}` nodes and
 * `{"edge", "from", "to", "data"}` edges, validated against the catalog line by line
 * (unknown types and properties, reserved fields, wrong value types are errors with
 * the line number). Modes: `append` inserts strictly (an existing id is a
 * key_conflict), `merge` upserts by id, `overwrite` replaces every type it touches.
 * Limits are enforced per dataset as rows arrive, before anything is written.
 */
export async function readLoad(
  items: AsyncIterable<JsonItem>,
  catalog: Catalog,
  snap: Snapshot,
  opts: { mode: LoadMode; strict: boolean; limits?: LoadLimits },
): Promise<LoadSummary> {
  const limits = opts.limits ?? CONTRACT_LIMITS;
  const ws = new WorkingSet(catalog, new SnapshotReader(snap));
  const newId = monotonicFactory();
  const counts = new Map<string, { t: GraphType; n: number; bytes: number }>();
  const seen = new Map<string, Set<string>>();

  for await (const item of items) {
    const env = item.value;
    if (typeof env !== "object" || env === null || Array.isArray(env)) fail(item.line, "each line must be a JSON object envelope");
    const e = env as Record<string, unknown>;
    const isEdge = "edge" in e;
    if (opts.strict) {
      for (const k of Object.keys(e)) if (!(isEdge ? EDGE_KEYS : NODE_KEYS).has(k)) fail(item.line, `unknown envelope key '${k}'`);
    }
    const data = (e.data ?? {}) as Record<string, unknown>;
    if (typeof data !== "object" || data === null || Array.isArray(data)) fail(item.line, "'data' must be an object");
    if (data.id !== undefined && typeof data.id !== "string") fail(item.line, "'data.id' must be a string");
    let t: GraphType;
    let row: EntityRow;
    let strictInsert = opts.mode === "append";
    if (isEdge) {
      if (typeof e.edge !== "string") fail(item.line, "'edge' must be a type name");
      const et = catalog.edges.find((x) => x.name === e.edge);
      if (!et) fail(item.line, `unknown edge type '${e.edge}'`);
      if (typeof e.from !== "string" || typeof e.to !== "string") fail(item.line, "an edge needs string 'from' and 'to' node ids");
      t = et;
      const id = (data.id as string | undefined) ?? newId();
      if (data.id === undefined) strictInsert = true;
      row = { id, src: e.from, dst: e.to, props: propsOf(et, data, item) };
    } else {
      if (typeof e.type !== "string") fail(item.line, "a node needs 'type' (or an edge needs 'edge')");
      const nt: NodeType | undefined = findNode(catalog, e.type);
      if (!nt) fail(item.line, `unknown node type '${e.type}'`);
      t = nt;
      const props = propsOf(nt, data, item);
      let id: string;
      if (nt.key.length) {
        id = keyId(nt, props);
        if (data.id !== undefined && data.id !== id) fail(item.line, `data.id '${data.id}' differs from the id its @key gives ('${id}')`);
      } else {
        id = (data.id as string | undefined) ?? newId();
        if (data.id === undefined) strictInsert = true;
      }
      row = { id, props };
    }
    const k = keyOf(t);
    const c = counts.get(k) ?? { t, n: 0, bytes: 0 };
    c.n++;
    c.bytes += item.bytes;
    counts.set(k, c);
    const keyed = t.kind === "node" && t.key.length > 0;
    if (opts.mode === "merge" && keyed && c.n > limits.maxKeyedEntitiesPerDataset) {
      throw new EngineError("ERR_RESOURCE_LIMIT", `more than ${limits.maxKeyedEntitiesPerDataset} keyed ${t.name} entities in one load; split the input into several loads`, {
        detail: { resource: "keyed_entities_per_dataset", limit: limits.maxKeyedEntitiesPerDataset, actual: c.n },
      });
    }
    if (c.bytes > limits.maxBytesPerDataset) {
      throw new EngineError("ERR_RESOURCE_LIMIT", `more than ${limits.maxBytesPerDataset} bytes of ${t.name} data in one load; split the input`, {
        detail: { resource: "strict_input_arrow_bytes", limit: limits.maxBytesPerDataset, actual: c.bytes },
      });
    }
    const ids = seen.get(k) ?? seen.set(k, new Set()).get(k)!;
    if (strictInsert && ids.has(row.id)) {
      throw new EngineError("ERR_KEY_CONFLICT", `${t.name} '${row.id}' appears twice in this load`, { detail: { entity_kind: t.kind, type_name: t.name, entity_id: row.id } });
    }
    ids.add(row.id);
    ws.upsert(t, row, strictInsert && opts.mode !== "overwrite");
  }

  if (opts.mode === "overwrite") {
    // Rows of touched types that the load does not bring back are deleted.
    for (const { t } of counts.values()) {
      const keep = seen.get(keyOf(t))!;
      for (const r of await ws.reader.scan(t, undefined, new Set())) if (!keep.has(r.id)) ws.delete(t, r.id);
    }
  }

  const summary = (kind: "node" | "edge") =>
    [...counts.values()].filter((c) => c.t.kind === kind).map((c) => ({ name: c.t.name, entitiesLoaded: c.n })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { ws, nodes: summary("node"), edges: summary("edge"), total: [...counts.values()].reduce((a, c) => a + c.n, 0) };
}

