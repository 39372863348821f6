/**
 * Syntax tree of the `.gq` query language, as produced by `parseQueries`.
 *
 * Every node carries `loc`, the 1-based line and column of its first token.
 * Variable names are stored without the `$` (`$p` → `"p"`, the wildcard `$_` →
 * `"_"`). Nothing here is resolved against a schema; see `typed.ts` for the
 * checked form the planner executes.
 */
import type { SourceLocation } from "../errors.ts";
import type { ScalarBase } from "../schema/catalog.ts";

/** Type of a query parameter: `String`, `[I32]`, `Vector(4)`; `?` is in `ParamAst.nullable`. */
export type ParamTypeAst =
  | { kind: "scalar"; base: ScalarBase }
  | { kind: "list"; base: ScalarBase }
  | { kind: "vector"; dim: number };

/** `$name: Type?` in a query's parameter list. */
export interface ParamAst {
  name: string;
  type: ParamTypeAst;
  nullable: boolean;
  loc: SourceLocation;
}

/** Comparison operators of filters and mutation `where` clauses. */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "starts_with";

/** Aggregate functions. */
export type AggregateFn = "count" | "sum" | "avg" | "min" | "max";

/** Text-search and ranking functions (parsed, but tier B: the type checker refuses them). */
export type SearchFn = "search" | "fuzzy" | "match_text" | "bm25" | "rrf";

/** Literal expressions. Integer literals are unsigned (`-` is not part of the grammar). */
export type LiteralAst =
  | { kind: "string"; value: string; loc: SourceLocation }
  | { kind: "int"; value: bigint; loc: SourceLocation }
  | { kind: "float"; value: number; raw: string; loc: SourceLocation }
  | { kind: "bool"; value: boolean; loc: SourceLocation }
  | { kind: "date"; value: string; loc: SourceLocation }
  | { kind: "datetime"; value: string; loc: SourceLocation }
  | { kind: "list"; items: LiteralAst[]; loc: SourceLocation };

/** Expressions. */
export type ExprAst =
  | LiteralAst
  /** `now()` */
  | { kind: "now"; loc: SourceLocation }
  /** `$var.prop` */
  | { kind: "prop"; var: string; prop: string; loc: SourceLocation }
  /** `$var`: a match variable or a parameter (resolved by the type checker). */
  | { kind: "var"; name: string; loc: SourceLocation }
  /** A bare identifier: a reference to a `return` alias. */
  | { kind: "alias"; name: string; loc: SourceLocation }
  /** `count(expr)`, `sum(expr)`, … */
  | { kind: "agg"; fn: AggregateFn; arg: ExprAst; loc: SourceLocation }
  /** `nearest($var.prop, query)` */
  | { kind: "nearest"; var: string; prop: string; query: ExprAst; loc: SourceLocation }
  /** `search(…)`, `fuzzy(…)`, `match_text(…)`, `bm25(…)`, `rrf(…)` */
  | { kind: "call"; fn: SearchFn; args: ExprAst[]; loc: SourceLocation };

/** A mutation or inline-binding value: `literal | $param | now()`. */
export type ValueAst =
  | LiteralAst
  | { kind: "now"; loc: SourceLocation }
  | { kind: "var"; name: string; loc: SourceLocation };

/** `name: value` inside a binding's braces or an insert/update body. */
export interface AssignmentAst {
  name: string;
  value: ValueAst;
  loc: SourceLocation;
}

/** `$var: Type { prop: value, … }` */
export interface BindingAst {
  kind: "binding";
  var: string;
  typeName: string;
  props: AssignmentAst[];
  loc: SourceLocation;
}

/** `$src ($edgeVar:)? edge|<edge> ({min,max?})? $dst` */
export interface TraversalAst {
  kind: "traversal";
  src: string;
  edgeVar?: string | undefined;
  edge: string;
  undirected: boolean;
  /** Absent without `{…}`; `max` absent for an open bound `{2,}`. */
  bounds?: { min: number; max?: number | undefined } | undefined;
  dst: string;
  loc: SourceLocation;
}

/** `expr op expr` */
export interface FilterAst {
  kind: "filter";
  left: ExprAst;
  op: CompareOp;
  right: ExprAst;
  loc: SourceLocation;
}

/** A bare search-function clause: `search(…)`, `fuzzy(…)`, `match_text(…)`. */
export interface PredicateAst {
  kind: "predicate";
  call: Extract<ExprAst, { kind: "call" }>;
  loc: SourceLocation;
}

/** `not { clause+ }` */
export interface NegationAst {
  kind: "not";
  clauses: ClauseAst[];
  loc: SourceLocation;
}

export type ClauseAst = BindingAst | TraversalAst | FilterAst | PredicateAst | NegationAst;

/** `expr (as alias)?` in `return { … }` */
export interface ProjectionAst {
  expr: ExprAst;
  alias?: string | undefined;
  loc: SourceLocation;
}

/** One key of `order { … }`; `direction` is absent when not written (ascending). */
export interface OrderAst {
  expr: ExprAst;
  direction?: "asc" | "desc" | undefined;
  loc: SourceLocation;
}

export interface ReadBodyAst {
  kind: "read";
  match: ClauseAst[];
  returns: ProjectionAst[];
  order: OrderAst[];
  limit?: number | undefined;
}

/** `prop op value` after `where`. Several comparisons parse (joined by `and`) so the
 * checker can refuse them with a precise error. */
export interface WhereAst {
  name: string;
  op: CompareOp;
  value: ValueAst;
  loc: SourceLocation;
}

export type MutationStatementAst =
  | { kind: "insert"; typeName: string; values: AssignmentAst[]; loc: SourceLocation }
  | { kind: "update"; typeName: string; set: AssignmentAst[]; where: WhereAst[]; loc: SourceLocation }
  | { kind: "delete"; typeName: string; where: WhereAst[]; loc: SourceLocation };

export interface MutationBodyAst {
  kind: "mutation";
  statements: MutationStatementAst[];
}

/** One `query name(…) { … }` declaration. */
export interface QueryAst {
  name: string;
  params: ParamAst[];
  description?: string | undefined;
  instruction?: string | undefined;
  body: ReadBodyAst | MutationBodyAst;
  loc: SourceLocation;
}
