/**
 * Typing of literals. A literal takes the type of what it is compared with or
 * assigned to (`coerceLiteral`); standing alone it gets a default type
 * (`defaultLiteral`). The result is a `literal` node whose `value` is already in
 * the runtime representation of its type (`value.ts`).
 */
import type { PropType, ScalarBase } from "../schema/catalog.ts";
import type { LiteralAst } from "./ast.ts";
import type { CheckContext } from "./context.ts";
import { dateToDateTime, parseDate, parseDateTime } from "./temporal.ts";
import type { LiteralExpr } from "./typed.ts";
import { typeName } from "./type-rules.ts";
import type { Value } from "./value.ts";

const INT_RANGE: Partial<Record<ScalarBase, bigint>> = {
  I32: 2n ** 31n - 1n,
  U32: 2n ** 32n - 1n,
  I64: 2n ** 63n - 1n,
  U64: 2n ** 64n - 1n,
};

function literalKindName(lit: LiteralAst): string {
  switch (lit.kind) {
    case "string": return "a string literal";
    case "int": return "an integer literal";
    case "float": return "a float literal";
    case "bool": return "a boolean literal";
    case "date": return "a date literal";
    case "datetime": return "a datetime literal";
    case "list": return "a list literal";
  }
}

function make(lit: LiteralAst, value: Value, type: PropType): LiteralExpr {
  return { kind: "literal", value, type, nullable: false, location: lit.loc };
}

function scalarValue(ctx: CheckContext, lit: LiteralAst, base: ScalarBase): Value | undefined {
  const max = INT_RANGE[base];
  if (max !== undefined) {
    if (lit.kind !== "int") return undefined;
    if (lit.value > max) ctx.fail(`integer ${lit.value} is out of range for ${base} (at most ${max})`, lit.loc);
    return base === "I64" || base === "U64" ? lit.value : Number(lit.value);
  }
  switch (base) {
    case "F32":
    case "F64": {
      if (lit.kind !== "int" && lit.kind !== "float") return undefined;
      const n = Number(lit.value);
      return base === "F32" ? Math.fround(n) : n;
    }
    case "String":
    case "Blob":
      return lit.kind === "string" ? lit.value : undefined;
    case "Bool":
      return lit.kind === "bool" ? lit.value : undefined;
    case "Date": {
      if (lit.kind !== "string" && lit.kind !== "date") return undefined;
      const d = parseDate(lit.value);
      if (d === undefined) ctx.fail(`"${lit.value}" is not a valid Date; expected YYYY-MM-DD`, lit.loc);
      return d;
    }
    case "DateTime": {
      if (lit.kind === "date") {
        const d = parseDate(lit.value);
        if (d === undefined) ctx.fail(`"${lit.value}" is not a valid Date; expected YYYY-MM-DD`, lit.loc);
        return dateToDateTime(d);
      }
      if (lit.kind !== "string" && lit.kind !== "datetime") return undefined;
      const t = parseDateTime(lit.value);
      if (t === undefined) ctx.fail(`"${lit.value}" is not a valid DateTime; expected ISO 8601 like 2024-01-31T12:00:00Z`, lit.loc);
      return t;
    }
    default:
      return undefined;
  }
}

/**
 * Types `lit` as `target`, converting its value. Returns `undefined` when the
 * literal is of another kind (a string for an I32, …) so the caller can decide;
 * throws `ERR_TYPE` when it is of the right kind but not a valid value (an integer
 * out of range, a string that is not a member of the enum or not a valid date, a
 * vector literal of the wrong dimension, a bad list element).
 */
export function coerceLiteral(ctx: CheckContext, lit: LiteralAst, target: PropType): LiteralExpr | undefined {
  switch (target.kind) {
    case "scalar": {
      const v = scalarValue(ctx, lit, target.base);
      return v === undefined ? undefined : make(lit, v, target);
    }
    case "enum": {
      if (lit.kind !== "string") return undefined;
      if (!target.values.includes(lit.value)) {
        ctx.fail(`"${lit.value}" is not a value of ${typeName(target)}`, lit.loc);
      }
      return make(lit, lit.value, target);
    }
    case "list": {
      if (lit.kind !== "list") return undefined;
      const items = lit.items.map((item) => {
        const v = scalarValue(ctx, item, target.base);
        if (v === undefined) ctx.fail(`expected a ${target.base} list element, found ${literalKindName(item)}`, item.loc);
        return v;
      });
      return make(lit, items, target);
    }
    case "vector": {
      if (lit.kind !== "list") return undefined;
      if (lit.items.length !== target.dim) {
        ctx.fail(`expected a Vector(${target.dim}) literal, found ${lit.items.length} elements`, lit.loc);
      }
      const out = new Float32Array(target.dim);
      lit.items.forEach((item, i) => {
        if (item.kind !== "int" && item.kind !== "float") ctx.fail(`vector elements must be numbers, found ${literalKindName(item)}`, item.loc);
        out[i] = Number(item.value);
      });
      return make(lit, out, target);
    }
  }
}

/** Like `coerceLiteral`, but a literal of another kind is an `ERR_TYPE` naming `what`. */
export function requireLiteral(ctx: CheckContext, lit: LiteralAst, target: PropType, what: string): LiteralExpr {
  const typed = coerceLiteral(ctx, lit, target);
  if (typed === undefined) ctx.fail(`${what} expects ${typeName(target)}, found ${literalKindName(lit)}`, lit.loc);
  return typed;
}

function defaultScalarType(ctx: CheckContext, lit: LiteralAst): PropType {
  switch (lit.kind) {
    case "string": return { kind: "scalar", base: "String" };
    case "int":
      if (lit.value <= (INT_RANGE.I64 as bigint)) return { kind: "scalar", base: "I64" };
      if (lit.value <= (INT_RANGE.U64 as bigint)) return { kind: "scalar", base: "U64" };
      return ctx.fail(`integer ${lit.value} is out of range (at most 2^64-1)`, lit.loc);
    case "float": return { kind: "scalar", base: "F64" };
    case "bool": return { kind: "scalar", base: "Bool" };
    case "date": return { kind: "scalar", base: "Date" };
    case "datetime": return { kind: "scalar", base: "DateTime" };
    case "list": return ctx.fail("nested list literals are not supported", lit.loc);
  }
}

/**
 * Types a literal standing alone: string → String, integer → I64 (U64 above
 * 2^63-1), float → F64, date(…) → Date, datetime(…) → DateTime, a list → a list
 * of its elements' common type (integers mixed with floats → F64; empty → [String]).
 */
export function defaultLiteral(ctx: CheckContext, lit: LiteralAst): LiteralExpr {
  if (lit.kind !== "list") return coerceLiteral(ctx, lit, defaultScalarType(ctx, lit)) as LiteralExpr;
  const bases = lit.items.map((item) => (defaultScalarType(ctx, item) as { base: ScalarBase }).base);
  const distinct = [...new Set(bases)];
  let base: ScalarBase = "String";
  if (distinct.length === 1) base = distinct[0] as ScalarBase;
  else if (distinct.length > 1) {
    const numeric = distinct.every((b) => b === "I64" || b === "U64" || b === "F64");
    if (!numeric) ctx.fail("list literal elements must all have the same type", lit.loc);
    base = distinct.includes("F64") ? "F64" : "U64";
  }
  return coerceLiteral(ctx, lit, { kind: "list", base }) as LiteralExpr;
}
