/**
 * Types read expressions (`return`, `order`, match filters) against the match
 * variables and declared parameters.
 */
import { findProperty, type EdgeType, type NodeType, type PropType } from "../schema/catalog.ts";
import type { SourceLocation } from "../errors.ts";
import type { ExprAst, SearchFn } from "./ast.ts";
import type { CheckContext, VarScope } from "./context.ts";
import { coerceLiteral, defaultLiteral } from "./literals.ts";
import type { ExprType, NearestExpr, PropertyRef, TypedExpr } from "./typed.ts";
import { F64, I64, isBlob, isInteger, isNumeric, isOrderable, STRING, U64, scalarBase, typeName } from "./type-rules.ts";
import { WILDCARD } from "./typed.ts";

/** Where an expression stands; decides which forms are allowed. */
export type ExprPlace = "filter" | "projection" | "order";

/** `ERR_NOT_SUPPORTED` for the tier-B text-search functions. */
export function refuseSearch(ctx: CheckContext, fn: SearchFn, loc: SourceLocation): never {
  return ctx.fail(`\`${fn}\` is not supported by this server (text search is tier B); use filters or \`nearest\``, loc, "ERR_NOT_SUPPORTED");
}

/** The type of `$var.prop` on a node or edge, including the implicit `id`/`src`/`dst`. */
export function propertyRef(
  ctx: CheckContext,
  varName: string,
  owner: NodeType | EdgeType,
  prop: string,
  loc: SourceLocation,
): PropertyRef {
  const base = { kind: "property" as const, var: varName, owner, location: loc };
  if (prop === "id" || (owner.kind === "edge" && (prop === "src" || prop === "dst"))) {
    return { ...base, property: prop, type: STRING, nullable: false };
  }
  const p = findProperty(owner, prop);
  if (p === undefined) {
    const implicit = owner.kind === "edge" ? "`id`, `src`, `dst`" : "`id`";
    ctx.fail(`${owner.kind} type \`${owner.name}\` has no property \`${prop}\` (implicit: ${implicit})`, loc);
  }
  return { ...base, property: p, type: p.type, nullable: p.nullable };
}

/** Resolves `$name` to a parameter or a match variable. */
function checkVar(ctx: CheckContext, scope: VarScope, name: string, loc: SourceLocation): TypedExpr {
  if (name === WILDCARD) ctx.fail("`$_` is a wildcard; it can only stand as a traversal endpoint", loc);
  const param = ctx.params.get(name);
  if (param) return { kind: "param", name, type: param.type, nullable: param.nullable, location: loc };
  const v = scope.lookup(name);
  if (!v) ctx.fail(`\`$${name}\` is neither a bound match variable nor a declared parameter`, loc);
  const type: ExprType = v.kind === "node" ? { kind: "node", node: v.type } : { kind: "edge", edge: v.type };
  return { kind: "var", var: name, type, nullable: false, location: loc };
}

function checkProp(ctx: CheckContext, scope: VarScope, e: ExprAst & { kind: "prop" }): PropertyRef {
  if (e.var === WILDCARD) ctx.fail("`$_` is a wildcard; it has no properties", e.loc);
  if (ctx.params.has(e.var)) ctx.fail(`\`$${e.var}\` is a parameter; parameters have no properties`, e.loc);
  const v = scope.lookup(e.var);
  if (!v) ctx.fail(`\`$${e.var}\` is not bound in match`, e.loc);
  const ref = propertyRef(ctx, e.var, v.type, e.prop, e.loc);
  if (isBlob(ref.type)) ctx.fail(`Blob property \`$${e.var}.${e.prop}\` cannot be read by a query (Blob values are not projected, ordered or compared)`, e.loc);
  return ref;
}

function aggregateType(ctx: CheckContext, fn: string, arg: TypedExpr, loc: SourceLocation): { type: PropType; nullable: boolean } {
  if (fn === "count") return { type: I64, nullable: false };
  if (fn === "sum" || fn === "avg") {
    if (!isNumeric(arg.type)) ctx.fail(`\`${fn}\` needs a numeric argument, found ${typeName(arg.type)}`, loc);
    if (fn === "avg" || !isInteger(arg.type)) return { type: F64, nullable: true };
    return { type: scalarBase(arg.type) === "U64" ? U64 : I64, nullable: true };
  }
  if (!isOrderable(arg.type) || arg.type.kind === "list") {
    ctx.fail(`\`${fn}\` needs a scalar argument that can be ordered, found ${typeName(arg.type)}`, loc);
  }
  return { type: arg.type as PropType, nullable: true };
}

/** `nearest($var.prop, query)`: a node vector property and a same-dimension vector query. */
export function checkNearest(ctx: CheckContext, scope: VarScope, e: ExprAst & { kind: "nearest" }): NearestExpr {
  const v = e.var === WILDCARD ? undefined : scope.lookup(e.var);
  if (!v) ctx.fail(`\`$${e.var}\` is not bound in match`, e.loc);
  if (v.kind !== "node") ctx.fail(`\`nearest\` needs a node variable; \`$${e.var}\` is an edge`, e.loc);
  const ref = propertyRef(ctx, e.var, v.type, e.prop, e.loc);
  if (typeof ref.property === "string" || ref.type.kind !== "vector") {
    ctx.fail(`\`nearest\` needs a Vector property; \`$${e.var}.${e.prop}\` is ${typeName(ref.type)}`, e.loc);
  }
  const vectorType = ref.type;
  let query: TypedExpr;
  if (e.query.kind === "list") {
    const lit = coerceLiteral(ctx, e.query, vectorType);
    if (!lit) ctx.fail(`the query of \`nearest\` must be ${typeName(vectorType)}`, e.query.loc);
    query = lit;
  } else if (e.query.kind === "var") {
    query = checkVar(ctx, scope, e.query.name, e.query.loc);
    if (query.kind === "param" && scalarBase(query.type) === "String") {
      ctx.fail("a String query for `nearest` asks the server to embed it, which this server does not support; pass a Vector parameter", e.query.loc);
    }
    if (query.kind !== "param" || query.type.kind !== "vector") {
      ctx.fail(`the query of \`nearest\` must be a ${typeName(vectorType)} parameter, found ${typeName(query.type)}`, e.query.loc);
    }
    if (query.type.dim !== vectorType.dim) {
      ctx.fail(`\`nearest\` compares ${typeName(vectorType)} with ${typeName(query.type)}; dimensions must match`, e.query.loc);
    }
  } else {
    ctx.fail(`the query of \`nearest\` must be a ${typeName(vectorType)} parameter or list literal`, e.query.loc);
  }
  return {
    kind: "nearest",
    var: e.var,
    owner: v.type,
    property: ref.property,
    query,
    type: F64,
    nullable: ref.nullable,
    location: e.loc,
  };
}

/**
 * Types one read expression. Literals get their default type here; comparisons
 * re-type them against the other operand (`compare.ts`).
 */
export function checkExpr(ctx: CheckContext, scope: VarScope, e: ExprAst, place: ExprPlace, inAggregate = false): TypedExpr {
  switch (e.kind) {
    case "string":
    case "int":
    case "float":
    case "bool":
    case "date":
    case "datetime":
    case "list":
      return defaultLiteral(ctx, e);
    case "now":
      return { kind: "now", type: { kind: "scalar", base: "DateTime" }, nullable: false, location: e.loc };
    case "prop":
      return checkProp(ctx, scope, e);
    case "var":
      return checkVar(ctx, scope, e.name, e.loc);
    case "alias":
      return ctx.fail(`\`${e.name}\` names a return alias; aliases can only be used in \`order\``, e.loc);
    case "call":
      return refuseSearch(ctx, e.fn, e.loc);
    case "nearest":
      if (place === "filter") ctx.fail("`nearest` cannot be used in match; use it in `order`", e.loc);
      if (inAggregate) ctx.fail("`nearest` cannot be aggregated", e.loc);
      return checkNearest(ctx, scope, e);
    case "agg": {
      if (inAggregate) ctx.fail("aggregates cannot be nested", e.loc);
      if (place === "filter") ctx.fail("aggregates are not allowed in match filters", e.loc);
      if (place === "order") ctx.fail("an aggregate in `order` must repeat a `return` item or use its alias", e.loc);
      const arg = checkExpr(ctx, scope, e.arg, place, true);
      const { type, nullable } = aggregateType(ctx, e.fn, arg, e.loc);
      return { kind: "aggregate", fn: e.fn, arg, type, nullable, location: e.loc };
    }
  }
}
