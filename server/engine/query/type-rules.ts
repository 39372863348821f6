/**
 * Type predicates and compatibility rules of the query language.
 *
 * Numeric widening (assignments of parameters to properties; each inserts a `cast`):
 *   I32 → I64, F64 · U32 → U64, I64, F64 · F32 → F64 (I64 and U64 widen to nothing:
 *   F64 cannot hold them exactly). Integer literals fit any numeric type whose range
 *   holds them; float literals fit F32/F64 only.
 * Comparisons accept any numeric type against any other (compared mathematically).
 * Temporal: Date widens to DateTime (midnight UTC) in assignments and comparisons;
 *   DateTime never narrows to Date. String literals coerce to Date/DateTime/enum
 *   targets when they are valid values of them.
 * Strings: String and enum values compare with each other; a String parameter may
 *   be assigned to an enum (membership is the writer's runtime check) or a Blob.
 */
import type { PropType, ScalarBase } from "../schema/catalog.ts";
import type { ExprType } from "./typed.ts";

export const INTEGER_BASES: ReadonlySet<ScalarBase> = new Set(["I32", "I64", "U32", "U64"]);
export const FLOAT_BASES: ReadonlySet<ScalarBase> = new Set(["F32", "F64"]);

const WIDENS_TO: Partial<Record<ScalarBase, ScalarBase[]>> = {
  I32: ["I64", "F64"],
  U32: ["U64", "I64", "F64"],
  F32: ["F64"],
  Date: ["DateTime"],
};

export const STRING: PropType = { kind: "scalar", base: "String" };
export const I64: PropType = { kind: "scalar", base: "I64" };
export const U64: PropType = { kind: "scalar", base: "U64" };
export const F64: PropType = { kind: "scalar", base: "F64" };
export const DATETIME: PropType = { kind: "scalar", base: "DateTime" };

export function scalarBase(t: ExprType): ScalarBase | undefined {
  return t.kind === "scalar" ? t.base : undefined;
}

export function isNumeric(t: ExprType): boolean {
  const b = scalarBase(t);
  return b !== undefined && (INTEGER_BASES.has(b) || FLOAT_BASES.has(b));
}

export function isInteger(t: ExprType): boolean {
  const b = scalarBase(t);
  return b !== undefined && INTEGER_BASES.has(b);
}

/** String or enum (a scalar compared as text). */
export function isStringLike(t: ExprType): boolean {
  return t.kind === "enum" || scalarBase(t) === "String";
}

export function isTemporal(t: ExprType): boolean {
  const b = scalarBase(t);
  return b === "Date" || b === "DateTime";
}

export function isBlob(t: ExprType): boolean {
  return (t.kind === "scalar" || t.kind === "list") && t.base === "Blob";
}

/** Types a sort key may have: scalars (not Blob), enums and lists. */
export function isOrderable(t: ExprType): boolean {
  return (t.kind === "scalar" || t.kind === "list" || t.kind === "enum") && !isBlob(t);
}

/** Human-readable type for messages: `I32`, `[String]`, `Vector(4)`, `enum(a, b)`, `node Person`. */
export function typeName(t: ExprType): string {
  switch (t.kind) {
    case "scalar": return t.base;
    case "list": return `[${t.base}]`;
    case "vector": return `Vector(${t.dim})`;
    case "enum": return `enum(${t.values.join(", ")})`;
    case "node": return `node ${t.node.name}`;
    case "edge": return `edge ${t.edge.name}`;
  }
}

export function sameType(a: ExprType, b: ExprType): boolean {
  switch (a.kind) {
    case "scalar": return b.kind === "scalar" && a.base === b.base;
    case "list": return b.kind === "list" && a.base === b.base;
    case "vector": return b.kind === "vector" && a.dim === b.dim;
    case "enum": return b.kind === "enum" && a.values.join("\u0000") === b.values.join("\u0000");
    case "node": return b.kind === "node" && a.node.name === b.node.name;
    case "edge": return b.kind === "edge" && a.edge.name === b.edge.name;
  }
}

function widens(from: ScalarBase, to: ScalarBase): boolean {
  return WIDENS_TO[from]?.includes(to) ?? false;
}

/**
 * Whether a value of type `from` may be stored into a property of type `to`:
 * `"same"` (as is), `"cast"` (through a widening `cast`), or `undefined` (refused).
 */
export function assignability(from: ExprType, to: PropType): "same" | "cast" | undefined {
  if (sameType(from, to)) return "same";
  if (to.kind === "enum") return scalarBase(from) === "String" ? "same" : undefined;
  if (to.kind === "scalar" && to.base === "Blob") return scalarBase(from) === "String" ? "same" : undefined;
  if (from.kind === "scalar" && to.kind === "scalar") return widens(from.base, to.base) ? "cast" : undefined;
  if (from.kind === "list" && to.kind === "list") return widens(from.base, to.base) ? "cast" : undefined;
  return undefined;
}
