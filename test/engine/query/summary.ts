/**
 * Compacts typed IR for golden comparisons: catalog objects become their names
 * (`Node(Person)`, `Edge(Knows)`, `Prop(age)`), expression types become their
 * display names (`I32`, `[String]`, `node Person`), locations are dropped and
 * vectors become plain arrays.
 */
import type { ExprType } from "../../../server/engine/query/typed.ts";
import { typeName } from "../../../server/engine/query/type-rules.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Float32Array);
}

function isExprType(v: unknown): v is ExprType {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case "scalar": case "list": return typeof v.base === "string" && Object.keys(v).length === 2;
    case "vector": return typeof v.dim === "number";
    case "enum": return Array.isArray(v.values);
    case "node": return "node" in v;
    case "edge": return "edge" in v;
    default: return false;
  }
}

export function summarize(v: unknown): unknown {
  if (v instanceof Float32Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(summarize);
  if (!isObject(v)) return v;
  if (v.kind === "node" && "key" in v && "properties" in v) return `Node(${String(v.name)})`;
  if (v.kind === "edge" && "from" in v && "card" in v) return `Edge(${String(v.name)})`;
  if ("annotations" in v && "nullable" in v && "type" in v && "id" in v) return `Prop(${String(v.name)})`;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === "location" || k === "loc" || x === undefined) continue;
    out[k] = k === "type" && isExprType(x) ? typeName(x) : summarize(x);
  }
  return out;
}
