/**
 * A deliberately simple reference model of OmniGraph's query semantics (contract
 * §3), for the property tests in this folder. It works on plain JS data and
 * evaluates by brute force — enumerate every assignment of every variable, then
 * filter — so that each rule below can be read off the code and checked against
 * the contract. It is NOT derived from the engine's planner (server/engine/read).
 *
 * Values: String and Date are strings (Date as `YYYY-MM-DD`, which sorts as
 * text), every number type (I32, I64, F64) is a JS number (the generators keep
 * them tiny), Bool is boolean; null is null. This is also the JSON the engine
 * returns for them, so a model row is directly comparable with an engine row.
 *
 * Semantics implemented (contract text quoted where it exists; where the contract
 * is silent the model follows the engine and README-style notes say so — see
 * AMBIGUITIES at the bottom):
 *
 * - match: a solution assigns every node variable of the scope (explicit `$v: T`
 *   or implied by a traversal endpoint) a node of its type and every edge variable
 *   an edge of its type. Inline `{ prop: value }` is `=`.
 * - one-hop traversal `$a edge $b`: each neighbour once (OmniGraph: parallel
 *   edges and both orientations of `<edge>` collapse). `<edge>` matches either
 *   orientation. `$e:edge` binds the edge ("one row per edge"). A `$_` endpoint is
 *   existential: without an edge variable the solution is kept once if some edge
 *   matches.
 * - `{min,max}` (other than `{1,1}`): "each (source, destination) pair appears once,
 *   and visited nodes are not re-expanded" — i.e. BFS from the source with a
 *   visited set that starts with the source: the pair (s, d) holds iff d ≠ s and the
 *   shortest-path distance from s to d lies in [min, max]. `{1,1}` is the one-hop
 *   traversal (engine behaviour).
 * - filters: `= != < <= > >=`, `contains` (substring), `starts_with` (prefix); a
 *   comparison with a null operand is false; node variables compare by id.
 * - `not { … }`: a solution survives iff the block has no solution extending it.
 * - return: aggregates group by the non-aggregate projections (null groups with
 *   null); a global aggregate over no rows yields one row (count 0, others null).
 *   `count(x)` counts non-null x; `sum`/`avg`/`min`/`max` ignore nulls and are null
 *   over no values.
 * - order: keys in turn, nulls first ascending and last descending; then the
 *   engine's tie-break (see `executeRead`): without aggregates, the ids of every
 *   variable bound by the top-level match (node and edge variables, not `$_`),
 *   taken in variable-name order; with aggregates, the projection values in
 *   return order. Every result is in this total order, with or without `order`.
 * - limit: the first n rows.
 */

export type ScalarType = "String" | "I32" | "I64" | "F64" | "Bool" | "Date";
export type MVal = null | string | number | boolean;
export type JsonOut = MVal | { [k: string]: MVal };

export interface MProp {
  name: string;
  type: ScalarType;
  nullable: boolean;
}

export interface MNodeType {
  name: string;
  /** Name of the single `@key` String property (its value is the node id), if any. */
  key?: string | undefined;
  props: MProp[];
}

export interface MEdgeType {
  name: string;
  from: string;
  to: string;
  props: MProp[];
  /** `@card(0..cardMax)`: at most this many outgoing edges per source node. */
  cardMax?: number | undefined;
}

export interface MSchema {
  nodes: MNodeType[];
  edges: MEdgeType[];
}

export interface MNode {
  id: string;
  /** Every property of the type (null when absent). */
  props: Record<string, MVal>;
}

export interface MEdge {
  id: string;
  src: string;
  dst: string;
  props: Record<string, MVal>;
}

export interface MGraph {
  nodes: Record<string, MNode[]>;
  edges: Record<string, MEdge[]>;
}

// ---------------------------------------------------------------------------
// Query representation
// ---------------------------------------------------------------------------

export const WILDCARD = "_";

/** `text` is the `.gq` rendering of a literal (or `$param`); the model reads `value`. */
export type MExpr =
  | { kind: "prop"; v: string; prop: string } // prop may be "id", and "src"/"dst" on edges
  | { kind: "var"; v: string }
  | { kind: "lit"; value: MVal; text: string };

export type MOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "starts_with";

export interface MFilter {
  left: MExpr;
  op: MOp;
  right: MExpr;
}

export interface MBinding {
  v: string;
  type: string;
  inline: { prop: string; value: MExpr & { kind: "lit" } }[];
}

export interface MTraversal {
  src: string;
  dst: string;
  edge: string;
  edgeVar?: string | undefined;
  undirected: boolean;
  bounds?: { min: number; max?: number | undefined } | undefined;
}

export interface MMatch {
  bindings: MBinding[];
  traversals: MTraversal[];
  filters: MFilter[];
  negations: MMatch[];
}

export type AggFn = "count" | "sum" | "avg" | "min" | "max";

export type MProjExpr = MExpr | { kind: "agg"; fn: AggFn; arg: MExpr };

export interface MProjection {
  expr: MProjExpr;
  alias?: string | undefined;
}

/** An order key: a projection (by alias or repeated text) or, without aggregates, any expression. */
export type MOrderKey = ({ kind: "proj"; index: number; text: string } | { kind: "expr"; expr: MExpr }) & { desc: boolean };

export interface MReadQuery {
  match: MMatch;
  returns: MProjection[];
  order: MOrderKey[];
  limit?: number | undefined;
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/** Total order of non-null values of one family (numbers, strings, booleans). */
export function cmpValue(a: Exclude<MVal, null>, b: Exclude<MVal, null>): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") return cmpString(a, b);
  throw new Error(`model: comparing ${JSON.stringify(a)} with ${JSON.stringify(b)}`);
}

/** Strings by Unicode code point (the generators only produce ASCII, where this is plain `<`). */
export function cmpString(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

/** null first, then by value. */
export function cmpNullable(a: MVal, b: MVal): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return cmpValue(a, b);
}

/** A comparison with a null operand is false. */
export function holds(l: MVal, op: MOp, r: MVal): boolean {
  if (l === null || r === null) return false;
  switch (op) {
    case "=": return cmpValue(l, r) === 0;
    case "!=": return cmpValue(l, r) !== 0;
    case "<": return cmpValue(l, r) < 0;
    case "<=": return cmpValue(l, r) <= 0;
    case ">": return cmpValue(l, r) > 0;
    case ">=": return cmpValue(l, r) >= 0;
    case "contains": return String(l).includes(String(r));
    case "starts_with": return String(l).startsWith(String(r));
  }
}

// ---------------------------------------------------------------------------
// Match
// ---------------------------------------------------------------------------

/** What a variable is bound to in one solution. */
interface Bound {
  edge: boolean;
  id: string;
  src?: string;
  dst?: string;
  props: Record<string, MVal>;
  type: MNodeType | MEdgeType;
}

type Solution = Map<string, Bound>;

export function nodeType(s: MSchema, name: string): MNodeType {
  const t = s.nodes.find((n) => n.name === name);
  if (!t) throw new Error(`model: unknown node type ${name}`);
  return t;
}

export function edgeType(s: MSchema, name: string): MEdgeType {
  const t = s.edges.find((e) => e.name === name);
  if (!t) throw new Error(`model: unknown edge type ${name}`);
  return t;
}

function nodesOf(g: MGraph, type: string): MNode[] {
  return g.nodes[type] ?? [];
}

function edgesOf(g: MGraph, type: string): MEdge[] {
  return g.edges[type] ?? [];
}

function evalExpr(e: MExpr, s: Solution): MVal {
  switch (e.kind) {
    case "lit": return e.value;
    case "var": return s.get(e.v)!.id; // nodes and edges compare by id
    case "prop": {
      const b = s.get(e.v);
      if (!b) throw new Error(`model: $${e.v} is unbound`);
      if (e.prop === "id") return b.id;
      if (e.prop === "src") return b.src ?? null;
      if (e.prop === "dst") return b.dst ?? null;
      return b.props[e.prop] ?? null;
    }
  }
}

/** Node variables a scope introduces (not bound by an enclosing scope), with their types. */
function scopeNodeVars(m: MMatch, schema: MSchema, outer: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of m.bindings) if (!outer.has(b.v)) out.set(b.v, b.type);
  for (const t of m.traversals) {
    const e = edgeType(schema, t.edge);
    if (t.src !== WILDCARD && !outer.has(t.src) && !out.has(t.src)) out.set(t.src, e.from);
    if (t.dst !== WILDCARD && !outer.has(t.dst) && !out.has(t.dst)) out.set(t.dst, e.to);
  }
  return out;
}

/** Every variable a top-level match binds (node and edge variables), for the tie-break. */
export function boundVariables(q: MReadQuery, schema: MSchema): string[] {
  const vars = [...scopeNodeVars(q.match, schema, new Set()).keys()];
  for (const t of q.match.traversals) if (t.edgeVar) vars.push(t.edgeVar);
  return vars.sort();
}

function isVariableLength(t: MTraversal): boolean {
  return t.bounds !== undefined && !(t.bounds.min === 1 && t.bounds.max === 1);
}

/**
 * Pairs (s, d) of a variable-length traversal: BFS from every node s of the edge's
 * type; s itself counts as visited; d is reported when its (first, i.e. shortest)
 * depth lies in [min, max].
 */
function reachablePairs(t: MTraversal, g: MGraph, schema: MSchema): Set<string> {
  const e = edgeType(schema, t.edge);
  const next = (id: string): string[] => {
    const out: string[] = [];
    for (const x of edgesOf(g, e.name)) {
      if (x.src === id) out.push(x.dst);
      if (t.undirected && x.dst === id) out.push(x.src);
    }
    return out;
  };
  const pairs = new Set<string>();
  const min = t.bounds!.min;
  const max = t.bounds!.max ?? Infinity;
  for (const start of nodesOf(g, e.from)) {
    const depth = new Map<string, number>([[start.id, 0]]);
    let frontier = [start.id];
    for (let d = 1; frontier.length > 0 && d <= max; d++) {
      const nextFrontier: string[] = [];
      for (const n of frontier) {
        for (const m of next(n)) {
          if (depth.has(m)) continue;
          depth.set(m, d);
          nextFrontier.push(m);
        }
      }
      frontier = nextFrontier;
    }
    for (const [id, d] of depth) if (d >= min && d <= max && id !== start.id) pairs.add(pairKey(start.id, id));
  }
  return pairs;
}

function pairKey(a: string, b: string): string {
  return JSON.stringify([a, b]);
}

function bindNode(type: MNodeType, n: MNode): Bound {
  return { edge: false, id: n.id, props: n.props, type };
}

function bindEdge(type: MEdgeType, e: MEdge): Bound {
  return { edge: true, id: e.id, src: e.src, dst: e.dst, props: e.props, type };
}

/** Solutions of `m` extending `outer` (a bag: duplicates are meaningful). */
function solve(m: MMatch, outer: Solution, g: MGraph, schema: MSchema): Solution[] {
  let sols: Solution[] = [outer];
  // 1. Every new node variable ranges over all nodes of its type.
  for (const [v, type] of scopeNodeVars(m, schema, new Set(outer.keys()))) {
    const t = nodeType(schema, type);
    sols = sols.flatMap((s) => nodesOf(g, type).map((n) => new Map(s).set(v, bindNode(t, n))));
  }
  // 2. Inline values are equality filters (also on a re-stated outer variable).
  for (const b of m.bindings) {
    sols = sols.filter((s) => b.inline.every((i) => holds(evalExpr({ kind: "prop", v: b.v, prop: i.prop }, s), "=", i.value.value)));
  }
  // 3. Traversals.
  for (const t of m.traversals) {
    const e = edgeType(schema, t.edge);
    const pairs = isVariableLength(t) ? reachablePairs(t, g, schema) : undefined;
    sols = sols.flatMap((s): Solution[] => {
      const a = t.src === WILDCARD ? undefined : s.get(t.src)!.id;
      const b = t.dst === WILDCARD ? undefined : s.get(t.dst)!.id;
      if (pairs) {
        const ok = [...pairs].some((p) => {
          const [x, y] = JSON.parse(p) as [string, string];
          return (a === undefined || x === a) && (b === undefined || y === b);
        });
        return ok ? [s] : [];
      }
      const fits = (x: MEdge, from: string | undefined, to: string | undefined) => (from === undefined || x.src === from) && (to === undefined || x.dst === to);
      const hits = edgesOf(g, e.name).filter((x) => fits(x, a, b) || (t.undirected && fits(x, b, a)));
      if (t.edgeVar) return hits.map((x) => new Map(s).set(t.edgeVar!, bindEdge(e, x)));
      // Without an edge variable each neighbour is bound once (parallel edges collapse).
      return hits.length > 0 ? [s] : [];
    });
  }
  // 4. Filters.
  sols = sols.filter((s) => m.filters.every((f) => holds(evalExpr(f.left, s), f.op, evalExpr(f.right, s))));
  // 5. Anti-joins.
  for (const n of m.negations) sols = sols.filter((s) => solve(n, s, g, schema).length === 0);
  return sols;
}

// ---------------------------------------------------------------------------
// Return, order, limit
// ---------------------------------------------------------------------------

export function columnOf(p: MProjection): string {
  if (p.alias) return p.alias;
  const e = p.expr.kind === "agg" ? p.expr.arg : p.expr;
  if (e.kind === "prop") return `${e.v}.${e.prop}`;
  if (e.kind === "var") return e.v;
  return "literal";
}

function entityJson(b: Bound): JsonOut {
  const out: Record<string, MVal> = { id: b.id };
  if (b.edge) {
    out.src = b.src ?? null;
    out.dst = b.dst ?? null;
  }
  for (const p of b.type.props) out[p.name] = b.props[p.name] ?? null;
  return out;
}

function aggregate(fn: AggFn, vals: MVal[]): MVal {
  const present = vals.filter((v): v is Exclude<MVal, null> => v !== null);
  if (fn === "count") return present.length;
  if (present.length === 0) return null;
  switch (fn) {
    case "sum": return present.reduce<number>((a, b) => a + (b as number), 0);
    case "avg": return present.reduce<number>((a, b) => a + (b as number), 0) / present.length;
    case "min": return present.reduce((a, b) => (cmpValue(b, a) < 0 ? b : a));
    case "max": return present.reduce((a, b) => (cmpValue(b, a) > 0 ? b : a));
  }
}

interface OutRow {
  json: Record<string, JsonOut>;
  keys: MVal[];
  tie: MVal[];
}

function sortRows(rows: OutRow[], order: MOrderKey[]): OutRow[] {
  return [...rows].sort((x, y) => {
    for (let i = 0; i < order.length; i++) {
      const a = x.keys[i]!;
      const b = y.keys[i]!;
      const desc = order[i]!.desc;
      if (a === null && b === null) continue;
      // Nulls first ascending, last descending.
      if (a === null) return desc ? 1 : -1;
      if (b === null) return desc ? -1 : 1;
      const c = cmpValue(a, b);
      if (c !== 0) return desc ? -c : c;
    }
    for (let i = 0; i < x.tie.length; i++) {
      const c = cmpNullable(x.tie[i]!, y.tie[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** The rows the contract says `q` returns over `g`, in the engine's total order. */
export function runRead(schema: MSchema, g: MGraph, q: MReadQuery): Record<string, JsonOut>[] {
  const sols = solve(q.match, new Map(), g, schema);
  const columns = q.returns.map(columnOf);
  const isAgg = q.returns.some((p) => p.expr.kind === "agg");
  let rows: OutRow[];
  if (!isAgg) {
    const tieVars = boundVariables(q, schema);
    rows = sols.map((s) => {
      const values = q.returns.map((p) => evalExpr(p.expr as MExpr, s));
      const json: Record<string, JsonOut> = {};
      q.returns.forEach((p, i) => {
        json[columns[i]!] = p.expr.kind === "var" ? entityJson(s.get(p.expr.v)!) : values[i]!;
      });
      const keys = q.order.map((o) => (o.kind === "proj" ? values[o.index]! : evalExpr(o.expr, s)));
      return { json, keys, tie: tieVars.map((v) => s.get(v)!.id) };
    });
  } else {
    const groupIdx = q.returns.flatMap((p, i) => (p.expr.kind === "agg" ? [] : [i]));
    const groups = new Map<string, Solution[]>();
    for (const s of sols) {
      const key = JSON.stringify(groupIdx.map((i) => evalExpr(q.returns[i]!.expr as MExpr, s)));
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    // A global aggregate over no rows still yields one row.
    if (groups.size === 0 && groupIdx.length === 0) groups.set("[]", []);
    rows = [...groups.values()].map((members) => {
      const values = q.returns.map((p) =>
        p.expr.kind === "agg" ? aggregate(p.expr.fn, members.map((s) => evalExpr((p.expr as { arg: MExpr }).arg, s))) : evalExpr(p.expr, members[0]!));
      const json: Record<string, JsonOut> = {};
      // A grouped `$v` renders as the whole entity, as it does without aggregates.
      values.forEach((v, i) => (json[columns[i]!] = q.returns[i]!.expr.kind === "var" && members.length ? entityJson(members[0]!.get((q.returns[i]!.expr as { v: string }).v)!) : v));
      const keys = q.order.map((o) => {
        if (o.kind !== "proj") throw new Error("model: aggregate order keys are projections");
        return values[o.index]!;
      });
      return { json, keys, tie: values };
    });
  }
  const sorted = sortRows(rows, q.order);
  return (q.limit === undefined ? sorted : sorted.slice(0, q.limit)).map((r) => r.json);
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/** Placeholder ids for entities whose id the engine generates (a ULID). */
export const GENERATED = "\u0000gen:";

export type MWhereTarget = string; // a property name, "id", or (edges) "from" / "to"

export interface MWhere {
  target: MWhereTarget;
  op: MOp;
  value: MExpr & { kind: "lit" };
}

export type MStatement =
  | { op: "insertNode"; type: string; id?: string | undefined; values: Record<string, MExpr & { kind: "lit" }> }
  | { op: "insertEdge"; type: string; id?: string | undefined; from: string; to: string; values: Record<string, MExpr & { kind: "lit" }> }
  | { op: "update"; type: string; set: Record<string, MExpr & { kind: "lit" }>; where: MWhere }
  | { op: "delete"; kind: "node" | "edge"; type: string; where: MWhere };

export type Violation = "key_conflict" | "orphan_edge" | "cardinality_violation";

export type MutationOutcome =
  | { ok: true; graph: MGraph; affectedNodes: number; affectedEdges: number }
  | { ok: false; violations: Violation[] };

export function cloneGraph(g: MGraph): MGraph {
  const nodes: Record<string, MNode[]> = {};
  const edges: Record<string, MEdge[]> = {};
  for (const [k, v] of Object.entries(g.nodes)) nodes[k] = v.map((n) => ({ id: n.id, props: { ...n.props } }));
  for (const [k, v] of Object.entries(g.edges)) edges[k] = v.map((e) => ({ ...e, props: { ...e.props } }));
  return { nodes, edges };
}

function whereHolds(w: MWhere, row: { id: string; src?: string; dst?: string; props: Record<string, MVal> }): boolean {
  const cell = w.target === "id" ? row.id : w.target === "from" ? (row.src ?? null) : w.target === "to" ? (row.dst ?? null) : (row.props[w.target] ?? null);
  return holds(cell, w.op, w.value.value);
}

/**
 * Applies one mutation query (statements in order, each seeing the earlier ones) and
 * then the commit-time integrity rules of the contract:
 *
 * - a keyed node insert is an upsert (id = key value); the new row holds exactly the
 *   given properties, omitted nullable ones become null ("no defaults");
 * - an unkeyed node or edge insert is strict: its id must not exist before the query
 *   (an explicit id, or a generated one, which never collides), and two strict
 *   inserts of one id in one query conflict;
 * - `update T set {…} where …` rewrites every matching node (null never matches);
 * - `delete` removes every matching node or edge; a node delete also removes every
 *   edge incident to a deleted node;
 * - after all statements: every edge ends at existing nodes, and `@card(0..n)` holds
 *   for every source node. Any violation rejects the whole query (no change).
 *
 * affected_nodes / affected_edges count distinct entities the query wrote (inserted,
 * replaced, updated — even to identical values — or deleted), per kind.
 */
export function runMutation(schema: MSchema, before: MGraph, statements: MStatement[]): MutationOutcome {
  const g = cloneGraph(before);
  const touched = new Map<string, Set<string>>(); // "node:T" / "edge:T" -> ids
  const touch = (kind: "node" | "edge", type: string, id: string) => {
    const k = `${kind}:${type}`;
    touched.set(k, (touched.get(k) ?? new Set()).add(id));
  };
  const violations: Violation[] = [];
  const existedBefore = (kind: "node" | "edge", type: string, id: string) =>
    (kind === "node" ? before.nodes[type] ?? [] : before.edges[type] ?? []).some((x) => x.id === id);
  let generated = 0;
  const strictIds = new Set<string>();
  const strict = (kind: "node" | "edge", type: string, id: string) => {
    const k = `${kind}:${type}:${id}`;
    if (existedBefore(kind, type, id) || strictIds.has(k)) violations.push("key_conflict");
    strictIds.add(k);
  };

  for (const st of statements) {
    if (st.op === "insertNode") {
      const t = nodeType(schema, st.type);
      const props: Record<string, MVal> = {};
      for (const p of t.props) props[p.name] = st.values[p.name]?.value ?? null;
      let id: string;
      if (t.key) id = props[t.key] as string;
      else {
        id = st.id ?? `${GENERATED}${st.type}:${generated++}`;
        if (st.id !== undefined) strict("node", st.type, id);
      }
      const list = (g.nodes[st.type] ??= []);
      const i = list.findIndex((n) => n.id === id);
      if (i >= 0) list[i] = { id, props };
      else list.push({ id, props });
      touch("node", st.type, id);
    } else if (st.op === "insertEdge") {
      const t = edgeType(schema, st.type);
      const props: Record<string, MVal> = {};
      for (const p of t.props) props[p.name] = st.values[p.name]?.value ?? null;
      const id = st.id ?? `${GENERATED}${st.type}:${generated++}`;
      if (st.id !== undefined) strict("edge", st.type, id);
      const list = (g.edges[st.type] ??= []);
      const row: MEdge = { id, src: st.from, dst: st.to, props };
      const i = list.findIndex((e) => e.id === id);
      if (i >= 0) list[i] = row;
      else list.push(row);
      touch("edge", st.type, id);
    } else if (st.op === "update") {
      for (const n of g.nodes[st.type] ?? []) {
        if (!whereHolds(st.where, n)) continue;
        for (const [k, v] of Object.entries(st.set)) n.props[k] = v.value;
        touch("node", st.type, n.id);
      }
    } else if (st.kind === "node") {
      const doomed = new Set((g.nodes[st.type] ?? []).filter((n) => whereHolds(st.where, n)).map((n) => n.id));
      g.nodes[st.type] = (g.nodes[st.type] ?? []).filter((n) => !doomed.has(n.id));
      for (const id of doomed) touch("node", st.type, id);
      // Cascade: every edge incident to a deleted node goes too.
      for (const e of schema.edges) {
        const keep: MEdge[] = [];
        for (const x of g.edges[e.name] ?? []) {
          if ((e.from === st.type && doomed.has(x.src)) || (e.to === st.type && doomed.has(x.dst))) touch("edge", e.name, x.id);
          else keep.push(x);
        }
        g.edges[e.name] = keep;
      }
    } else {
      const doomed = (g.edges[st.type] ?? []).filter((x) => whereHolds(st.where, x));
      for (const x of doomed) touch("edge", st.type, x.id);
      g.edges[st.type] = (g.edges[st.type] ?? []).filter((x) => !doomed.includes(x));
    }
  }

  // Commit-time integrity over the final state.
  for (const e of schema.edges) {
    const srcIds = new Set((g.nodes[e.from] ?? []).map((n) => n.id));
    const dstIds = new Set((g.nodes[e.to] ?? []).map((n) => n.id));
    const perSource = new Map<string, number>();
    for (const x of g.edges[e.name] ?? []) {
      if (!srcIds.has(x.src) || !dstIds.has(x.dst)) violations.push("orphan_edge");
      perSource.set(x.src, (perSource.get(x.src) ?? 0) + 1);
    }
    if (e.cardMax !== undefined) for (const [s, n] of perSource) if (n > e.cardMax && srcIds.has(s)) violations.push("cardinality_violation");
  }
  if (violations.length) return { ok: false, violations: [...new Set(violations)] };

  let affectedNodes = 0;
  let affectedEdges = 0;
  for (const [k, ids] of touched) {
    if (k.startsWith("node:")) affectedNodes += ids.size;
    else affectedEdges += ids.size;
  }
  return { ok: true, graph: g, affectedNodes, affectedEdges };
}

/**
 * AMBIGUITIES — places where the contract is silent and the model copies the engine:
 *
 * 1. `{min,max}` traversals: the source is never its own destination (a cycle back to
 *    it, or a self-loop edge, does not pair s with s), and a node first reached below
 *    `min` is not reported later at a depth ≥ min ("visited nodes are not
 *    re-expanded", read literally). `{1,1}` behaves as a plain one-hop traversal,
 *    self-loops included (so `{1,1}` can return (a, a), which `{1,2}` does not).
 * 2. A one-hop traversal without an edge variable binds each neighbour once, as in
 *    OmniGraph; with an edge variable it yields one row per edge.
 * 3. A bare `$v` renders as the whole entity object, in aggregate queries too (it
 *    groups by the entity's id).
 * 4. A keyed insert of an existing node replaces the row: properties the insert omits
 *    become null (no merge with the stored row).
 * 5. An unkeyed insert with an explicit id is strict against the stored graph and
 *    against earlier inserts of the same query (a repeated id is a key_conflict).
 * 6. affected_nodes / affected_edges count every written entity, including updates
 *    that leave a row unchanged; a query that writes nothing has `commit: null`.
 */
