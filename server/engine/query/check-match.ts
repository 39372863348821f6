/**
 * Types a `match { … }` block (and, recursively, its `not { … }` blocks) into a
 * `TypedMatch`. Clause order does not matter: bindings and traversals are resolved
 * first (so every variable has its node type), then filters, then negations.
 */
import { findEdge, findNode, type NodeType } from "../schema/catalog.ts";
import type { SourceLocation } from "../errors.ts";
import type { BindingAst, ClauseAst, FilterAst, TraversalAst } from "./ast.ts";
import { VarScope, type CheckContext } from "./context.ts";
import { checkExpr, propertyRef, refuseSearch } from "./check-expr.ts";
import { resolveComparison } from "./compare.ts";
import type { TypedBinding, TypedFilter, TypedInline, TypedMatch, TypedTraversal } from "./typed.ts";
import { WILDCARD } from "./typed.ts";
import { isBlob } from "./type-rules.ts";
import { valueOperand } from "./values.ts";

class MatchChecker {
  readonly scope: VarScope;
  private readonly bindings: TypedBinding[] = [];
  private readonly own = new Map<string, TypedBinding>();
  private readonly traversals: TypedTraversal[] = [];

  constructor(private readonly ctx: CheckContext, parent: VarScope | undefined) {
    this.scope = new VarScope(parent);
  }

  check(clauses: ClauseAst[]): TypedMatch {
    for (const c of clauses) {
      if (c.kind === "binding") this.binding(c);
      else if (c.kind === "traversal") this.traversal(c);
    }
    const filters: TypedFilter[] = [];
    for (const c of clauses) {
      if (c.kind === "filter") filters.push(this.filter(c));
      else if (c.kind === "predicate") refuseSearch(this.ctx, c.call.fn, c.call.loc);
    }
    const negations: TypedMatch[] = [];
    for (const c of clauses) {
      if (c.kind !== "not") continue;
      const inner = new MatchChecker(this.ctx, this.scope);
      const typed = inner.check(c.clauses);
      if (!inner.scope.usesOuter) {
        this.ctx.fail("a `not { … }` block must reference a variable bound outside it", c.loc);
      }
      negations.push(typed);
    }
    return { bindings: this.bindings, traversals: this.traversals, filters, negations };
  }

  private refuseParamName(name: string, loc: SourceLocation): void {
    if (this.ctx.params.has(name)) {
      this.ctx.fail(`\`$${name}\` is a declared parameter; match variables need other names`, loc);
    }
  }

  /** Binds `name` to `type` (or checks it already is), returning this scope's binding, if any. */
  private bindNode(name: string, type: NodeType, explicit: boolean, loc: SourceLocation, why: string): TypedBinding | undefined {
    this.refuseParamName(name, loc);
    const existing = this.scope.lookup(name);
    if (existing?.kind === "edge") this.ctx.fail(`\`$${name}\` is an edge variable; ${why} needs a node`, loc);
    if (existing && existing.type.name !== type.name) {
      this.ctx.fail(`\`$${name}\` is bound to \`${existing.type.name}\` but ${why} needs \`${type.name}\``, loc);
    }
    let b = this.own.get(name);
    if (!b && (!existing || explicit)) {
      b = { var: name, type, inline: [], explicit, outer: existing !== undefined, location: loc };
      if (!existing) this.scope.define(name, { kind: "node", type });
      this.own.set(name, b);
      this.bindings.push(b);
    }
    if (b && explicit) b.explicit = true;
    return b;
  }

  private binding(c: BindingAst): void {
    const ctx: CheckContext = this.ctx;
    if (c.var === WILDCARD) ctx.fail("`$_` is a wildcard and cannot be bound", c.loc);
    const type = findNode(ctx.catalog, c.typeName);
    if (!type) {
      const edge = ctx.catalog.edges.find((e) => e.name === c.typeName);
      ctx.fail(edge ? `\`${c.typeName}\` is an edge type; bind edges with \`$a $e:${c.typeName[0]?.toLowerCase()}${c.typeName.slice(1)} $b\`` : `unknown node type \`${c.typeName}\``, c.loc);
    }
    const b = this.bindNode(c.var, type, true, c.loc, `\`$${c.var}: ${c.typeName}\``);
    if (!b) throw new Error("unreachable: an explicit binding always has a binding entry");
    for (const a of c.props) {
      const left = propertyRef(ctx, c.var, type, a.name, a.loc);
      if (left.property === "src" || left.property === "dst") throw new Error("unreachable: nodes have no src/dst");
      if (isBlob(left.type)) ctx.fail(`Blob property \`${a.name}\` cannot be matched`, a.loc);
      const op = left.type.kind === "list" ? "contains" : "=";
      const cmp = resolveComparison(ctx, { typed: left }, op, valueOperand(ctx, this.scope, a.value), a.loc);
      const inline: TypedInline = {
        property: left.property,
        op: cmp.op === "list_contains" ? "list_contains" : "=",
        value: cmp.right,
        location: a.loc,
      };
      b.inline.push(inline);
    }
  }

  private traversal(c: TraversalAst): void {
    const ctx: CheckContext = this.ctx;
    const edge = findEdge(ctx.catalog, c.edge);
    if (!edge) ctx.fail(`unknown edge type \`${c.edge}\``, c.loc);
    const min = c.bounds?.min ?? 1;
    const max = c.bounds ? c.bounds.max : 1;
    if (min < 1) ctx.fail("a traversal's minimum hop count must be at least 1", c.loc);
    // OmniGraph (T15) refuses unbounded traversals: their cost has no bound.
    if (max === undefined) ctx.fail(`\`${c.edge}{${min},}\` is unbounded, which is disabled; give a maximum: \`${c.edge}{${min},N}\``, c.loc);
    if (max < min) ctx.fail(`traversal bounds {${min},${max}}: the maximum is below the minimum`, c.loc);
    if (c.undirected && edge.from !== edge.to) {
      ctx.fail(`\`<${c.edge}>\` is undirected, which needs an edge between one type; \`${edge.name}\` is ${edge.from} -> ${edge.to}`, c.loc);
    }
    if (max !== 1 && edge.from !== edge.to) {
      ctx.fail(`a variable-length traversal needs an edge between one type; \`${edge.name}\` is ${edge.from} -> ${edge.to}`, c.loc);
    }
    const from = findNode(ctx.catalog, edge.from);
    const to = findNode(ctx.catalog, edge.to);
    if (!from || !to) ctx.fail(`edge \`${edge.name}\` names a missing node type`, c.loc);
    const endpoint = (name: string, type: NodeType, role: string): void => {
      if (name !== WILDCARD) this.bindNode(name, type, false, c.loc, `the ${role} of \`${c.edge}\``);
    };
    endpoint(c.src, from, "source");
    endpoint(c.dst, to, "destination");
    const edgeVar = c.edgeVar === WILDCARD ? undefined : c.edgeVar;
    if (edgeVar !== undefined) {
      if (min !== 1 || max !== 1) ctx.fail(`edge variable \`$${edgeVar}\` cannot be combined with multi-hop bounds`, c.loc);
      this.refuseParamName(edgeVar, c.loc);
      if (this.scope.lookup(edgeVar)) ctx.fail(`\`$${edgeVar}\` is already bound; an edge variable needs a fresh name`, c.loc);
      this.scope.define(edgeVar, { kind: "edge", type: edge });
    }
    this.traversals.push({ src: c.src, dst: c.dst, edge, edgeVar, undirected: c.undirected, min, max, location: c.loc });
  }

  private filter(c: FilterAst): TypedFilter {
    const side = (e: FilterAst["left"]) => ({
      typed: checkExpr(this.ctx, this.scope, e, "filter"),
      literal: e.kind === "string" || e.kind === "int" || e.kind === "float" || e.kind === "bool" || e.kind === "date" || e.kind === "datetime" || e.kind === "list" ? e : undefined,
    });
    const cmp = resolveComparison(this.ctx, side(c.left), c.op, side(c.right), c.loc);
    return { ...cmp, location: c.loc };
  }
}

/**
 * Types the top-level match. Returns the typed match and the scope of its
 * variables (for `return` and `order`).
 */
export function checkMatch(ctx: CheckContext, clauses: ClauseAst[]): { match: TypedMatch; scope: VarScope } {
  const checker = new MatchChecker(ctx, undefined);
  const match = checker.check(clauses);
  return { match, scope: checker.scope };
}
