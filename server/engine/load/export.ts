import type { Snapshot } from "../../store/snapshot.ts";
import { EngineError } from "../errors.ts";
import { compareValues, formatOutputValue, type JsonValue } from "../query/value.ts";
import type { Catalog } from "../schema/catalog.ts";
import type { GraphType } from "../storage/columns.ts";
import { SnapshotReader } from "../storage/reader.ts";

/** Rows fetched per lookup while streaming one type in id order. */
const CHUNK = 1000;

/**
 * Streams a snapshot as NDJSON in the load envelope: every node type, then every edge
 * type (catalog order), rows sorted by id within a type. Memory holds one type's ids
 * and one chunk of rows, not the graph.
 */
export async function* exportNdjson(snap: Snapshot, catalog: Catalog, typeNames?: string[]): AsyncIterable<string> {
  const all: GraphType[] = [...catalog.nodes, ...catalog.edges];
  let types = all;
  if (typeNames && typeNames.length) {
    const unknown = typeNames.filter((n) => !all.some((t) => t.name === n));
    if (unknown.length) throw new EngineError("ERR_UNKNOWN_TYPE", `unknown type(s): ${unknown.join(", ")}`, { detail: { type_names: unknown } });
    types = all.filter((t) => typeNames.includes(t.name));
  }
  const reader = new SnapshotReader(snap);
  for (const t of types) {
    if (!reader.has(t)) continue;
    const ids = (await reader.scan(t, undefined, new Set())).map((r) => r.id).sort((a, b) => compareValues(a, b));
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const rows = new Map((await reader.where(t, "id", chunk, undefined, "all")).map((r) => [r.id, r]));
      let out = "";
      for (const id of chunk) {
        const r = rows.get(id)!;
        const data: Record<string, JsonValue> = { id: r.id };
        for (const p of t.properties) {
          const v = r.props[p.name] ?? null;
          if (v !== null) data[p.name] = formatOutputValue(v, p.type);
        }
        out += `${JSON.stringify(t.kind === "node" ? { type: t.name, data } : { edge: t.name, from: r.src, to: r.dst, data })}\n`;
      }
      yield out;
    }
  }
}
