import type { EntityRow, GraphType } from "../storage/columns.ts";
import type { TypedCompareOp, TypedExpr, TypedFilter } from "../query/typed.ts";
import { castValue, compareValues, valuesEqual, type Value } from "../query/value.ts";

/** A variable's value in one solution: the node or edge row it is bound to. */
export interface Bound {
  type: GraphType;
  row: EntityRow;
}

/** One solution of a match: variable → bound entity. */
export type Solution = Map<string, Bound>;

export interface EvalContext {
  params: Map<string, Value>;
  /** `now()`, fixed once per query (epoch ms). */
  now: number;
  /** Projection values of the current output row (for alias references in `order`). */
  projections?: Value[];
}

/** Squared Euclidean distance — what LanceDB's `l2` distance reports. */
export function l2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    s += d * d;
  }
  return s;
}

export function evalExpr(e: TypedExpr, sol: Solution, ctx: EvalContext): Value {
  switch (e.kind) {
    case "property": {
      const b = sol.get(e.var);
      if (!b) return null;
      if (e.property === "id") return b.row.id;
      if (e.property === "src") return b.row.src ?? null;
      if (e.property === "dst") return b.row.dst ?? null;
      return b.row.props[e.property.name] ?? null;
    }
    case "var":
      return sol.get(e.var)?.row.id ?? null;
    case "literal":
      return e.value;
    case "param":
      return ctx.params.get(e.name) ?? null;
    case "now":
      return ctx.now;
    case "cast":
      return castValue(evalExpr(e.arg, sol, ctx), e.arg.type, e.type);
    case "alias":
      return ctx.projections?.[e.index] ?? null;
    case "nearest": {
      const v = sol.get(e.var)?.row.props[e.property.name];
      const q = evalExpr(e.query, sol, ctx);
      if (!v || !q) return null;
      return l2(v as Float32Array, q as ArrayLike<number>);
    }
    case "aggregate":
      throw new Error("aggregates are evaluated by the executor, not per row");
  }
}

/** A comparison with a null operand is not satisfied (SQL's rule). */
export function compare(l: Value, op: TypedCompareOp, r: Value): boolean {
  if (l === null || r === null) return false;
  switch (op) {
    case "=":
      return valuesEqual(l, r);
    case "!=":
      return !valuesEqual(l, r);
    case "<":
      return compareValues(l, r) < 0;
    case "<=":
      return compareValues(l, r) <= 0;
    case ">":
      return compareValues(l, r) > 0;
    case ">=":
      return compareValues(l, r) >= 0;
    case "list_contains":
      return Array.isArray(l) && l.some((x) => x !== null && valuesEqual(x, r));
    case "string_contains":
      return typeof l === "string" && typeof r === "string" && l.includes(r);
    case "starts_with":
      return typeof l === "string" && typeof r === "string" && l.startsWith(r);
  }
}

export function evalFilter(f: TypedFilter, sol: Solution, ctx: EvalContext): boolean {
  return compare(evalExpr(f.left, sol, ctx), f.op, evalExpr(f.right, sol, ctx));
}

/** Variables an expression reads. */
export function varsOf(e: TypedExpr, out = new Set<string>()): Set<string> {
  switch (e.kind) {
    case "property":
    case "var":
    case "nearest":
      out.add(e.var);
      if (e.kind === "nearest") varsOf(e.query, out);
      break;
    case "cast":
    case "aggregate":
      varsOf(e.arg, out);
      break;
    default:
      break;
  }
  return out;
}

/** True when the expression is the same for every row (literal, param, now, casts of those). */
export function isConstant(e: TypedExpr): boolean {
  if (e.kind === "literal" || e.kind === "param" || e.kind === "now") return true;
  if (e.kind === "cast") return isConstant(e.arg);
  return false;
}
