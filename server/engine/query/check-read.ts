/**
 * Types a read query: match, `return`, `order` and `limit`.
 *
 * - Columns: the alias, else `p.name` for `$p.name`, `p` for `$p`, the argument's
 *   column for an aggregate (`count($p)` → `p`), `now`, `literal` or `nearest`.
 *   Two projections with one column name are an error (alias one of them).
 * - Aggregates group by the non-aggregate projections; in an aggregate query an
 *   `order` key must be an alias or repeat a projection (it becomes an alias ref).
 * - `nearest(…)` orders by distance, needs `limit`, and may be projected only when
 *   it is also an `order` key; it cannot be combined with aggregates.
 */
import type { ExprAst, QueryAst, ReadBodyAst } from "./ast.ts";
import type { CheckContext, VarScope } from "./context.ts";
import { checkExpr } from "./check-expr.ts";
import { checkMatch } from "./check-match.ts";
import { printExpr } from "./print.ts";
import type { ParamDecl, TypedExpr, TypedOrder, TypedProjection, TypedRead } from "./typed.ts";
import { isBlob, isOrderable, typeName } from "./type-rules.ts";

function columnName(e: ExprAst): string {
  switch (e.kind) {
    case "prop": return `${e.var}.${e.prop}`;
    case "var": return e.name;
    case "agg": return columnName(e.arg);
    case "now": return "now";
    case "nearest": return "nearest";
    case "alias": return e.name;
    case "call": return e.fn;
    default: return "literal";
  }
}

function checkProjections(ctx: CheckContext, scope: VarScope, body: ReadBodyAst): TypedProjection[] {
  const columns = new Set<string>();
  return body.returns.map((p) => {
    if (p.expr.kind === "alias") {
      ctx.fail(`\`${p.expr.name}\` names a return alias; a return item must be an expression like \`$v.prop\``, p.loc);
    }
    const expr = checkExpr(ctx, scope, p.expr, "projection");
    if (isBlob(expr.type)) ctx.fail("Blob values cannot be projected", p.loc);
    const column = p.alias ?? columnName(p.expr);
    if (columns.has(column)) ctx.fail(`two return items are named \`${column}\`; give one of them an alias with \`as\``, p.loc);
    columns.add(column);
    return { expr, column, location: p.loc };
  });
}

function requireOrderable(ctx: CheckContext, expr: TypedExpr, what: string): void {
  if (!isOrderable(expr.type)) ctx.fail(`cannot order by ${what} of type ${typeName(expr.type)}`, expr.location);
}

function checkOrder(
  ctx: CheckContext,
  scope: VarScope,
  body: ReadBodyAst,
  projections: TypedProjection[],
  aggregate: boolean,
): TypedOrder[] {
  const printed = body.returns.map((p) => printExpr(p.expr));
  return body.order.map((o) => {
    const direction = o.direction ?? "asc";
    const aliasRef = (index: number, name: string): TypedExpr => {
      const target = projections[index] as TypedProjection;
      return { kind: "alias", name, index, type: target.expr.type, nullable: target.expr.nullable, location: o.loc };
    };
    if (o.expr.kind === "alias") {
      const name = o.expr.name;
      const index = body.returns.findIndex((p) => p.alias === name);
      if (index < 0) ctx.fail(`\`${name}\` is not an alias of a return item`, o.loc);
      const expr = aliasRef(index, name);
      requireOrderable(ctx, expr, `\`${name}\``);
      return { expr, direction, location: o.loc };
    }
    if (aggregate) {
      if (o.expr.kind === "nearest") ctx.fail("`nearest` cannot be combined with aggregates", o.loc);
      const index = printed.indexOf(printExpr(o.expr));
      if (index < 0) {
        checkExpr(ctx, scope, o.expr, "order"); // reports unbound variables and the like first
        ctx.fail("in an aggregate query an `order` key must be a return item or its alias", o.loc);
      }
      const expr = aliasRef(index, (projections[index] as TypedProjection).column);
      requireOrderable(ctx, expr, "a return item");
      return { expr, direction, location: o.loc };
    }
    const expr = checkExpr(ctx, scope, o.expr, "order");
    requireOrderable(ctx, expr, "an expression");
    return { expr, direction, location: o.loc };
  });
}

function checkNearestUse(ctx: CheckContext, body: ReadBodyAst, aggregate: boolean): void {
  const orderKeys = new Set(body.order.filter((o) => o.expr.kind === "nearest").map((o) => printExpr(o.expr)));
  const uses = [
    ...body.order.filter((o) => o.expr.kind === "nearest").map((o) => o.expr),
    ...body.returns.filter((p) => p.expr.kind === "nearest").map((p) => p.expr),
  ];
  // As OmniGraph (T18): ordering by `nearest` (directly or through its alias) takes no alias keys.
  const nearestAliases = new Set(body.returns.flatMap((p) => (p.expr.kind === "nearest" && p.alias ? [p.alias] : [])));
  const ranksByNearest = body.order.some((o) => o.expr.kind === "nearest" || (o.expr.kind === "alias" && nearestAliases.has(o.expr.name)));
  const aliasKey = body.order.find((o) => o.expr.kind === "alias");
  if (ranksByNearest && aliasKey) ctx.fail("an alias cannot be an `order` key together with `nearest`; repeat the expression instead of its alias", aliasKey.loc);
  for (const e of uses) {
    if (aggregate) ctx.fail("`nearest` cannot be combined with aggregates", e.loc);
    if (body.limit === undefined) ctx.fail("`nearest` needs a `limit` (it selects the top k)", e.loc);
    if (!orderKeys.has(printExpr(e))) ctx.fail("a projected `nearest(…)` must also be an `order` key", e.loc);
  }
}

/** Types a read query whose parameters are already declared in `ctx`. */
export function checkRead(ctx: CheckContext, q: QueryAst, body: ReadBodyAst, params: ParamDecl[]): TypedRead {
  const { match, scope } = checkMatch(ctx, body.match);
  const projections = checkProjections(ctx, scope, body);
  const aggregate = projections.some((p) => p.expr.kind === "aggregate");
  const groupBy = aggregate ? projections.flatMap((p, i) => (p.expr.kind === "aggregate" ? [] : [i])) : [];
  const order = checkOrder(ctx, scope, body, projections, aggregate);
  checkNearestUse(ctx, body, aggregate);
  return {
    kind: "read",
    name: q.name,
    params,
    description: q.description,
    instruction: q.instruction,
    match,
    projections,
    aggregate,
    groupBy,
    order,
    limit: body.limit,
    location: q.loc,
  };
}
