/**
 * Typing of comparisons (`left op right`), shared by match filters, inline binding
 * values and mutation `where` clauses. A literal operand is first re-typed against
 * the other operand (`30` against an I32 property becomes an I32 literal), then the
 * operator's rules apply:
 *
 * - `=` `!=`: numeric ~ numeric, String/enum ~ String/enum, Bool ~ Bool,
 *   Date/DateTime ~ Date/DateTime (a Date operand is cast to DateTime when the other
 *   is a DateTime), node ~ node and edge ~ edge of the same type (by id).
 * - `<` `<=` `>` `>=`: the same scalar pairs (not nodes or edges).
 * - `contains`: list ∋ element (`list_contains`), or String/enum ⊇ String
 *   (`string_contains`). `starts_with`: String/enum prefix String.
 * - Lists and vectors are only tested with `contains`; Blob is never compared.
 */
import type { SourceLocation } from "../errors.ts";
import type { PropType } from "../schema/catalog.ts";
import type { CompareOp, LiteralAst } from "./ast.ts";
import type { CheckContext } from "./context.ts";
import { coerceLiteral } from "./literals.ts";
import type { ExprType, TypedCompareOp, TypedExpr } from "./typed.ts";
import {
  DATETIME, STRING, isBlob, isNumeric, isStringLike, isTemporal, sameType, scalarBase, typeName,
} from "./type-rules.ts";

/** One side of a comparison: its typed form and, for a literal, its syntax (for re-typing). */
export interface Operand {
  typed: TypedExpr;
  literal?: LiteralAst | undefined;
}

export interface TypedComparison {
  left: TypedExpr;
  op: TypedCompareOp;
  right: TypedExpr;
}

function asPropType(t: ExprType): PropType | undefined {
  return t.kind === "node" || t.kind === "edge" ? undefined : t;
}

/** The type a literal operand should take given the other operand. */
function literalTarget(other: ExprType, op: CompareOp, literalIsLeft: boolean): PropType | undefined {
  if (op === "starts_with") return literalIsLeft ? undefined : STRING;
  if (op === "contains") {
    if (literalIsLeft) {
      const base = other.kind === "enum" ? "String" : scalarBase(other);
      return base === undefined ? undefined : { kind: "list", base };
    }
    if (other.kind === "list") return { kind: "scalar", base: other.base };
    return isStringLike(other) ? STRING : undefined;
  }
  return asPropType(other);
}

function retype(ctx: CheckContext, side: Operand, other: Operand, op: CompareOp, isLeft: boolean): TypedExpr {
  if (side.literal === undefined || other.literal !== undefined) return side.typed;
  const target = literalTarget(other.typed.type, op, isLeft);
  return (target && coerceLiteral(ctx, side.literal, target)) ?? side.typed;
}

function castToDateTime(e: TypedExpr): TypedExpr {
  if (scalarBase(e.type) !== "Date") return e;
  return { kind: "cast", arg: e, type: DATETIME, nullable: e.nullable, location: e.location };
}

/** Same comparison family (see the module comment). */
function comparableScalars(a: ExprType, b: ExprType): boolean {
  if (isNumeric(a)) return isNumeric(b);
  if (isStringLike(a)) return isStringLike(b);
  if (isTemporal(a)) return isTemporal(b);
  if (scalarBase(a) === "Bool") return scalarBase(b) === "Bool";
  return false;
}

/**
 * Types `left op right`.
 *
 * @throws EngineError `ERR_TYPE` when the operand types do not fit the operator.
 */
export function resolveComparison(
  ctx: CheckContext,
  leftOperand: Operand,
  op: CompareOp,
  rightOperand: Operand,
  loc: SourceLocation,
): TypedComparison {
  const left = retype(ctx, leftOperand, rightOperand, op, true);
  const right = retype(ctx, rightOperand, leftOperand, op, false);
  const L = left.type;
  const R = right.type;
  const mismatch = (why = ""): never =>
    ctx.fail(`cannot compare ${typeName(L)} with ${typeName(R)} using \`${op}\`${why}`, loc);
  if (isBlob(L) || isBlob(R)) mismatch("; Blob values cannot be compared");

  if (op === "contains") {
    if (L.kind === "list") {
      if (R.kind === "list" || R.kind === "vector" || R.kind === "node" || R.kind === "edge") mismatch("; `contains` on a list takes one element");
      if (!comparableScalars({ kind: "scalar", base: L.base }, R)) mismatch();
      return { left, op: "list_contains", right };
    }
    if (isStringLike(L)) {
      if (!isStringLike(R)) mismatch("; `contains` on a String takes a String");
      return { left, op: "string_contains", right };
    }
    return mismatch("; `contains` needs a list or a String on the left");
  }
  if (op === "starts_with") {
    if (!isStringLike(L) || !isStringLike(R)) mismatch("; `starts_with` compares Strings");
    return { left, op, right };
  }
  if (L.kind === "node" || L.kind === "edge" || R.kind === "node" || R.kind === "edge") {
    if ((op === "=" || op === "!=") && sameType(L, R)) return { left, op, right };
    return mismatch("; nodes and edges compare with `=` or `!=` against the same type");
  }
  if (L.kind === "list" || R.kind === "list" || L.kind === "vector" || R.kind === "vector") {
    return mismatch("; lists and vectors cannot be compared (use `contains` for list membership)");
  }
  if (!comparableScalars(L, R)) mismatch();
  if (isTemporal(L) && scalarBase(L) !== scalarBase(R)) {
    return { left: castToDateTime(left), op, right: castToDateTime(right) };
  }
  return { left, op, right };
}
