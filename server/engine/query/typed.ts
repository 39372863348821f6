/**
 * The checked, schema-resolved form of a query (the "typed IR"). The planner and
 * executor work from this alone: every variable has its node/edge type, every
 * property is the catalog's `Property`, every literal is already converted to its
 * runtime `Value` (see `value.ts`) of the type it is compared with or assigned to,
 * every alias is resolved to a projection index, and every implicit conversion is
 * an explicit `cast` node.
 *
 * Null semantics the executor should apply (the contract is silent; this is SQL's
 * rule): a comparison with a null operand is not satisfied, so `$p.age > 30` and
 * `$p.age != 30` both drop rows whose age is null.
 */
import type { SourceLocation } from "../errors.ts";
import type { EdgeType, NodeType, Property, PropType, ScalarBase } from "../schema/catalog.ts";
import type { AggregateFn } from "./ast.ts";
import type { Value } from "./value.ts";

export type { AggregateFn } from "./ast.ts";

/** A declared parameter type: the `PropType`s a parameter can have (no enums). */
export type ParamType =
  | { kind: "scalar"; base: ScalarBase }
  | { kind: "list"; base: ScalarBase }
  | { kind: "vector"; dim: number };

/** `$name: Type?` */
export interface ParamDecl {
  name: string;
  type: ParamType;
  nullable: boolean;
  location: SourceLocation;
}

/**
 * Static type of an expression: a property-like value type, or a whole node / edge
 * (a bare `$var`). Node and edge values compare by id.
 */
export type ExprType =
  | PropType
  | { kind: "node"; node: NodeType }
  | { kind: "edge"; edge: EdgeType };

interface ExprCommon {
  /** Static type of the value. */
  type: ExprType;
  /** Whether the value can be null. */
  nullable: boolean;
  location: SourceLocation;
}

/**
 * `$var.prop`. `property` is the catalog property, or an implicit column: `"id"`
 * (every node and edge; String) or `"src"` / `"dst"` (edges only; the endpoint
 * node ids, String).
 */
export interface PropertyRef extends ExprCommon {
  kind: "property";
  var: string;
  /** The type the variable is bound to. */
  owner: NodeType | EdgeType;
  property: Property | "id" | "src" | "dst";
}

/** A bare match variable `$p` (a node) or edge variable `$e`; `type` says which. */
export interface VarRef extends ExprCommon {
  kind: "var";
  var: string;
}

/** A literal, already converted to the runtime representation of `type`. */
export interface LiteralExpr extends ExprCommon {
  kind: "literal";
  value: Value;
}

/** `$name` naming a declared parameter; `type` is the declared type. */
export interface ParamRef extends ExprCommon {
  kind: "param";
  name: string;
}

/** `now()`: the DateTime at which the query started (one value per query). */
export interface NowExpr extends ExprCommon {
  kind: "now";
}

/**
 * `count/sum/avg/min/max(arg)`. Result types: `count` → I64, never null (counts
 * rows where `arg` is non-null; a node/edge variable is never null); `sum` → I64
 * over I32/I64/U32, U64 over U64, F64 over floats; `avg` → F64; `min`/`max` →
 * the argument's type. `sum/avg/min/max` are null over no non-null input.
 */
export interface AggregateExpr extends ExprCommon {
  kind: "aggregate";
  fn: AggregateFn;
  arg: TypedExpr;
}

/** A reference to `projections[index]` (an alias in `order`, or an `order` key
 * written out in full that equals a projection of an aggregate query). */
export interface AliasRef extends ExprCommon {
  kind: "alias";
  name: string;
  index: number;
}

/**
 * `nearest($var.property, query)`: the F64 distance between the node's vector and
 * the query vector (the query is a `Vector(n)` param or a numeric list literal of
 * the same dimension; `type` is F64, nullable when the property is). The query
 * always has a `limit`.
 */
export interface NearestExpr extends ExprCommon {
  kind: "nearest";
  var: string;
  owner: NodeType;
  property: Property;
  query: TypedExpr;
}

/**
 * An implicit conversion of `arg` to `type`; evaluate with `castValue(v, arg.type,
 * type)`. Inserted for numeric widening of parameters in assignments (e.g. an I32
 * param into an I64 property), Date → DateTime (midnight UTC), and element-wise for
 * lists.
 */
export interface CastExpr extends ExprCommon {
  kind: "cast";
  arg: TypedExpr;
}

export type TypedExpr =
  | PropertyRef
  | VarRef
  | LiteralExpr
  | ParamRef
  | NowExpr
  | AggregateExpr
  | AliasRef
  | NearestExpr
  | CastExpr;

/**
 * Resolved comparison operators. `contains` is split by operand type:
 * `list_contains` (left is a list, right an element) and `string_contains`
 * (substring, case-sensitive). `starts_with` is an exact, case-sensitive prefix
 * test. `=`/`!=` on node or edge values compare ids.
 */
export type TypedCompareOp =
  | "=" | "!=" | "<" | "<=" | ">" | ">="
  | "list_contains" | "string_contains" | "starts_with";

/** `left op right` in a match. Never contains an aggregate or `nearest`. */
export interface TypedFilter {
  left: TypedExpr;
  op: TypedCompareOp;
  right: TypedExpr;
  location: SourceLocation;
}

/** `prop: value` inside a binding's braces: `=`, or `list_contains` for a list property. */
export interface TypedInline {
  property: Property | "id";
  op: "=" | "list_contains";
  value: TypedExpr;
  location: SourceLocation;
}

/**
 * A node variable of a match scope. `explicit` is false for a traversal endpoint
 * that no `$v: Type` clause binds (its type comes from the edge). `outer` is true
 * only inside a negation, for a `$v: Type { … }` clause that re-states a variable
 * of an enclosing scope: it introduces nothing, and its `inline` values (if any)
 * constrain that outer variable within the negation.
 */
export interface TypedBinding {
  var: string;
  type: NodeType;
  inline: TypedInline[];
  explicit: boolean;
  outer: boolean;
  location: SourceLocation;
}

/** The wildcard endpoint `$_`: any node of the edge's endpoint type, never joined. */
export const WILDCARD = "_";

/**
 * `$src edge $dst`. Direction: `src` is the edge's source (`from`) and `dst` its
 * destination (`to`); `undirected` (`<edge>`, only for edges with from == to) also
 * matches edges in the other orientation. `min`/`max` are hop counts (1/1 without
 * bounds; `max` undefined = unbounded; `min` ≥ 1 always: a zero-hop path would pair
 * a node with itself). A variable-length traversal (`max` ≠ 1) only exists on edges
 * whose from == to; each (src, dst) pair appears once and visited nodes are not
 * re-expanded. `edgeVar` names the matched edge (single hop only). `src`/`dst` may
 * be `WILDCARD`; `src` may equal `dst` (a self-loop).
 */
export interface TypedTraversal {
  src: string;
  dst: string;
  edge: EdgeType;
  edgeVar?: string | undefined;
  undirected: boolean;
  min: number;
  max: number | undefined;
  location: SourceLocation;
}

/**
 * One match scope: the top-level `match { … }` or a `not { … }` block. A negation
 * is an anti-join: a row of the enclosing scope survives when no assignment of the
 * negation's own variables satisfies its clauses. Negations reference at least one
 * variable of an enclosing scope.
 */
export interface TypedMatch {
  /** Node variables introduced in this scope (plus `outer` constraint bindings). */
  bindings: TypedBinding[];
  traversals: TypedTraversal[];
  filters: TypedFilter[];
  negations: TypedMatch[];
}

/** One `return` item. `column` is the alias, else `p.name` for `$p.name`, `p` for
 * `$p` or `$p` param, the argument's column for an aggregate, `now` for `now()`,
 * `literal` for a literal, `nearest` for `nearest(…)`. Columns are unique. */
export interface TypedProjection {
  expr: TypedExpr;
  column: string;
  location: SourceLocation;
}

/** One `order` key; ascending sorts nulls first, descending nulls last. Ties are
 * broken by ids (executor). */
export interface TypedOrder {
  expr: TypedExpr;
  direction: "asc" | "desc";
  location: SourceLocation;
}

export interface TypedRead {
  kind: "read";
  name: string;
  params: ParamDecl[];
  description?: string | undefined;
  instruction?: string | undefined;
  match: TypedMatch;
  projections: TypedProjection[];
  /** Whether any projection is an aggregate. */
  aggregate: boolean;
  /** Indexes of the non-aggregate projections (the group key); empty when `!aggregate`. */
  groupBy: number[];
  /** In an aggregate query every key is an `alias` (a projection index). */
  order: TypedOrder[];
  limit?: number | undefined;
  location: SourceLocation;
}

/** `name: value` of an insert or update. `target` is a property, or (inserts) `"id"`
 * for an unkeyed node or an edge, or `"from"` / `"to"` for an edge's endpoint ids. */
export interface TypedAssignment {
  target: Property | "id" | "from" | "to";
  value: TypedExpr;
  location: SourceLocation;
}

/** The single comparison of an update/delete `where`. `from`/`to` on edges only. */
export interface TypedWhere {
  target: Property | "id" | "from" | "to";
  op: TypedCompareOp;
  value: TypedExpr;
  location: SourceLocation;
}

export interface TypedInsert {
  op: "insert";
  type: NodeType | EdgeType;
  /** Supplied values only (no defaults exist; omitted nullable properties stay null). */
  values: TypedAssignment[];
  location: SourceLocation;
}

export interface TypedUpdate {
  op: "update";
  type: NodeType;
  set: TypedAssignment[];
  where: TypedWhere;
  location: SourceLocation;
}

export interface TypedDelete {
  op: "delete";
  type: NodeType | EdgeType;
  where: TypedWhere;
  location: SourceLocation;
}

export type TypedStatement = TypedInsert | TypedUpdate | TypedDelete;

/** A mutation query: inserts/updates only, or deletes only (D2 rule). */
export interface TypedMutation {
  kind: "mutation";
  name: string;
  params: ParamDecl[];
  description?: string | undefined;
  instruction?: string | undefined;
  statements: TypedStatement[];
  location: SourceLocation;
}

export type TypedQuery = TypedRead | TypedMutation;
