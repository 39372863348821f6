import * as lancedb from "@lancedb/lancedb";
import { createRequire } from "node:module";
import { arrow, type ArrowField, type ArrowSchema, type ArrowTable } from "../../store/arrow.ts";
import { tableKey } from "../../store/manifest/entry.ts";
import type { Value } from "../query/value.ts";
import type { Catalog, EdgeType, NodeType, Property, PropType, ScalarBase } from "../schema/catalog.ts";

/**
 * How the graph maps onto Lance: one dataset per node or edge type (keyed by the
 * type's stable id), one column per property (named by the property's stable id, so
 * renames touch no data), plus `id` and, for edges, `src`/`dst`. Property columns are
 * nullable at the Lance level; the engine enforces nullability.
 */
export type GraphType = NodeType | EdgeType;

export function keyOf(t: GraphType): string {
  return tableKey(t.kind, t.id);
}

function scalarArrow(base: ScalarBase): import("apache-arrow").DataType {
  switch (base) {
    case "String":
    case "Blob":
      return new arrow.Utf8();
    case "Bool":
      return new arrow.Bool();
    case "I32":
      return new arrow.Int32();
    case "I64":
      return new arrow.Int64();
    case "U32":
      return new arrow.Uint32();
    case "U64":
      return new arrow.Uint64();
    case "F32":
      return new arrow.Float32();
    case "F64":
      return new arrow.Float64();
    case "Date":
      return new arrow.DateDay();
    case "DateTime":
      return new arrow.TimestampMillisecond("UTC");
  }
}

export function arrowTypeOf(t: PropType): import("apache-arrow").DataType {
  switch (t.kind) {
    case "scalar":
      return scalarArrow(t.base);
    case "enum":
      return new arrow.Utf8();
    case "list":
      return new arrow.List(new arrow.Field("item", scalarArrow(t.base), true));
    case "vector":
      return new arrow.FixedSizeList(t.dim, new arrow.Field("item", new arrow.Float32(), true));
  }
}

export function propertyField(p: Property): ArrowField {
  return new arrow.Field(p.id, arrowTypeOf(p.type), true);
}

export function tableSchema(t: GraphType): ArrowSchema {
  const fields: ArrowField[] = [new arrow.Field("id", new arrow.Utf8(), false)];
  if (t.kind === "edge") fields.push(new arrow.Field("src", new arrow.Utf8(), false), new arrow.Field("dst", new arrow.Utf8(), false));
  for (const p of t.properties) fields.push(propertyField(p));
  return new arrow.Schema(fields);
}

/** A row as the engine sees it: implicit columns plus properties keyed by property *name*. */
export interface EntityRow {
  id: string;
  src?: string;
  dst?: string;
  props: Record<string, Value>;
}

function toStorage(v: Value, t: PropType): unknown {
  if (v === null || v === undefined) return null;
  if (t.kind === "scalar" && t.base === "Date") {
    const [y, m, d] = (v as string).split("-").map(Number);
    return new Date(Date.UTC(y!, m! - 1, d!));
  }
  if (t.kind === "vector") return Array.from(v as Float32Array);
  if (t.kind === "list" && t.base === "Date") {
    return (v as string[]).map((x) => toStorage(x, { kind: "scalar", base: "Date" }));
  }
  return v;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function scalarFromStorage(v: unknown, base: ScalarBase): Value {
  if (v === null || v === undefined) return null;
  switch (base) {
    case "Date": {
      const d = new Date(typeof v === "number" ? v : (v as Date).getTime());
      return `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    }
    case "DateTime":
      return typeof v === "bigint" ? Number(v) : v instanceof Date ? v.getTime() : (v as number);
    case "I64":
    case "U64":
      return typeof v === "bigint" ? v : BigInt(v as number);
    case "F32":
      return Math.fround(v as number);
    default:
      return v as Value;
  }
}

function fromStorage(v: unknown, t: PropType): Value {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case "scalar":
      return scalarFromStorage(v, t.base);
    case "enum":
      return v as string;
    case "list": {
      const items = typeof (v as { toArray?: unknown }).toArray === "function" ? Array.from((v as { toArray(): ArrayLike<unknown> }).toArray()) : (v as unknown[]);
      return items.map((x) => scalarFromStorage(x, t.base));
    }
    case "vector": {
      const items = typeof (v as { toArray?: unknown }).toArray === "function" ? (v as { toArray(): ArrayLike<number> }).toArray() : (v as number[]);
      return Float32Array.from(items);
    }
  }
}

/**
 * arrow-js serialises a Bool array whose values are all null with an *empty* value
 * buffer (a "placeholder" fast path in `VectorAssembler.visitBool`); arrow-rs, and so
 * Lance, refuses that IPC batch ("Need at least 1 bytes for bitmap in buffers[0]"), so
 * every write whose batch held only nulls in a `Bool?` column (e.g. a one-row insert
 * omitting it) failed. Write a zeroed value bitmap of the right size instead; the
 * validity bitmap, written before, still marks every slot null. Patched on the module
 * instance LanceDB itself loads (the same file `require` resolves from here).
 */
{
  type Assembler = { visitBool(this: unknown, data: { length: number; nullCount: number }): unknown };
  const proto = (createRequire(import.meta.url)("apache-arrow/visitor/vectorassembler") as { VectorAssembler: { prototype: Assembler } }).VectorAssembler.prototype;
  const visitBool = proto.visitBool;
  proto.visitBool = function (data) {
    if (data.length > 0 && data.nullCount >= data.length) {
      return visitBool.call(this, { length: data.length, nullCount: 0, offset: 0, values: new Uint8Array(Math.ceil(data.length / 8)) } as typeof data);
    }
    return visitBool.call(this, data);
  };
}

/** Builds the Arrow batch LanceDB writes, in the table's storage schema. */
export function toArrow(t: GraphType, rows: EntityRow[]): ArrowTable {
  const records = rows.map((r) => {
    const rec: Record<string, unknown> = { id: r.id };
    if (t.kind === "edge") {
      rec.src = r.src;
      rec.dst = r.dst;
    }
    for (const p of t.properties) rec[p.id] = toStorage(r.props[p.name] ?? null, p.type);
    return rec;
  });
  return lancedb.makeArrowTable(records, { schema: tableSchema(t) }) as unknown as ArrowTable;
}

/** Converts a LanceDB result row back into an entity row (only the columns present). */
export function fromArrowRow(t: GraphType, raw: Record<string, unknown>): EntityRow {
  const row: EntityRow = { id: String(raw.id), props: {} };
  if (t.kind === "edge") {
    row.src = raw.src === undefined ? undefined : String(raw.src);
    row.dst = raw.dst === undefined ? undefined : String(raw.dst);
  }
  for (const p of t.properties) if (p.id in raw) row.props[p.name] = fromStorage(raw[p.id], p.type);
  return row;
}

/** Every node and edge type of a catalog with its table key. */
export function allTypes(c: Catalog): GraphType[] {
  return [...c.nodes, ...c.edges];
}
