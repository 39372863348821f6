import type { EdgeType, NodeType, Property, PropType } from "../schema/catalog.ts";
import type { TypedBinding, TypedCompareOp, TypedFilter, TypedInline, TypedMatch, TypedTraversal } from "../query/typed.ts";
import type { Value } from "../query/value.ts";
import type { EntityRow } from "../storage/columns.ts";
import type { SnapshotReader } from "../storage/reader.ts";
import { column, comparison, literal } from "../storage/sql.ts";
import { compare, evalExpr, evalFilter, isConstant, varsOf, type Bound, type EvalContext, type Solution } from "./eval.ts";

export const WILDCARD = "_";

export interface MatchEnv {
  reader: SnapshotReader;
  ctx: EvalContext;
  /** Properties each variable needs (by name), or "all" when the whole entity is projected. */
  needs(v: string): Set<string> | "all";
}

const FLIP: Partial<Record<TypedCompareOp, TypedCompareOp>> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

function propType(p: Property | "id" | "src" | "dst"): PropType {
  return typeof p === "string" ? { kind: "scalar", base: "String" } : p.type;
}

function colOf(p: Property | "id" | "src" | "dst"): string {
  return typeof p === "string" ? p : p.id;
}

/** SQL for one `prop op constant`, or undefined when it cannot be rendered exactly. */
function pushOne(p: Property | "id" | "src" | "dst", op: TypedCompareOp, v: Value): string | undefined {
  const t = propType(p);
  if (op === "list_contains") {
    if (t.kind !== "list") return undefined;
    const lit = literal(v, { kind: "scalar", base: t.base });
    return lit === undefined ? undefined : `array_has(${column(colOf(p))}, ${lit})`;
  }
  return comparison(colOf(p), op, v, t);
}

/** The filters of `m` that read only `v` and constants, normalised to `v.prop op constant`. */
function singleVarFilters(filters: TypedFilter[], v: string): { prop: Property | "id" | "src" | "dst"; op: TypedCompareOp; value: TypedFilter["left"] }[] {
  const out: { prop: Property | "id" | "src" | "dst"; op: TypedCompareOp; value: TypedFilter["left"] }[] = [];
  for (const f of filters) {
    if (f.left.kind === "property" && f.left.var === v && isConstant(f.right)) out.push({ prop: f.left.property, op: f.op, value: f.right });
    else if (f.right.kind === "property" && f.right.var === v && isConstant(f.left) && FLIP[f.op]) out.push({ prop: f.right.property, op: FLIP[f.op]!, value: f.left });
  }
  return out;
}

/** LanceDB filter for a variable's own constraints (inline values + single-variable filters). */
function pushdownFor(v: string, inline: TypedInline[], filters: TypedFilter[], ctx: EvalContext): string | undefined {
  const parts: string[] = [];
  const empty: Solution = new Map();
  for (const i of inline) {
    const sql = pushOne(i.property, i.op, evalExpr(i.value, empty, ctx));
    if (sql) parts.push(sql);
  }
  for (const f of singleVarFilters(filters, v)) {
    const sql = pushOne(f.prop, f.op, evalExpr(f.value, empty, ctx));
    if (sql) parts.push(sql);
  }
  return parts.length ? parts.map((p) => `(${p})`).join(" AND ") : undefined;
}

/**
 * LanceDB filter for *every* constraint of a lone variable, or `false` when some
 * constraint cannot be rendered (then the caller cannot rely on LanceDB alone).
 */
export function pushdownAll(v: string, inline: TypedInline[], filters: TypedFilter[], ctx: EvalContext): string | undefined | false {
  const single = singleVarFilters(filters, v);
  if (single.length !== filters.length) return false;
  const empty: Solution = new Map();
  const parts: string[] = [];
  for (const i of inline) {
    const sql = pushOne(i.property, i.op, evalExpr(i.value, empty, ctx));
    if (!sql) return false;
    parts.push(sql);
  }
  for (const f of single) {
    const sql = pushOne(f.prop, f.op, evalExpr(f.value, empty, ctx));
    if (!sql) return false;
    parts.push(sql);
  }
  return parts.length ? parts.map((p) => `(${p})`).join(" AND ") : undefined;
}

export function inlineHolds(row: EntityRow, inline: TypedInline[], ctx: EvalContext): boolean {
  const empty: Solution = new Map();
  for (const i of inline) {
    const actual: Value = i.property === "id" ? row.id : (row.props[i.property.name] ?? null);
    if (!compare(actual, i.op, evalExpr(i.value, empty, ctx))) return false;
  }
  return true;
}

function key(sol: Solution, vars: string[]): string {
  return vars.map((v) => sol.get(v)?.row.id ?? "").join("\u0000");
}

/**
 * Evaluates a match block over `initial` solutions (which bind the outer variables of
 * a negation; `[new Map()]` at the top level). Greedy plan: start from the variable
 * whose own constraints LanceDB can filter, expand along traversals from bound
 * variables with `src/dst IN (...)` lookups, apply every filter as soon as its
 * variables are bound, then anti-join each `not { }`.
 */
export async function evalMatch(m: TypedMatch, initial: Solution[], env: MatchEnv): Promise<Solution[]> {
  if (initial.length === 0) return initial;
  const run = new MatchRun(m, initial, env);
  await run.solve();
  let sols = run.sols;
  for (const neg of m.negations) sols = await antiJoin(neg, sols, env);
  return sols;
}

/**
 * The state of one match evaluation: the solutions so far, the variables they bind,
 * and the filters and traversals still to apply. Each step consumes some of the
 * pending work and replaces `sols`.
 */
class MatchRun {
  sols: Solution[];
  private readonly bound: Set<string>;
  private readonly bindingOf = new Map<string, TypedBinding>();
  private traversals: TypedTraversal[];
  private filters: TypedFilter[];

  constructor(m: TypedMatch, initial: Solution[], private readonly env: MatchEnv) {
    this.sols = initial;
    this.bound = new Set(initial[0]!.keys());
    this.traversals = [...m.traversals];
    this.filters = [...m.filters];
    const rebound: TypedBinding[] = [];
    for (const b of m.bindings) {
      if (this.bound.has(b.var)) rebound.push(b);
      else if (this.bindingOf.has(b.var)) this.bindingOf.get(b.var)!.inline.push(...b.inline);
      else this.bindingOf.set(b.var, { ...b, inline: [...b.inline] });
    }
    // Outer variables re-bound inside a negation: their inline values are filters.
    for (const b of rebound) this.sols = this.sols.filter((s) => inlineHolds(s.get(b.var)!.row, b.inline, env.ctx));
  }

  async solve(): Promise<void> {
    for (;;) {
      this.applyReadyFilters();
      if (this.sols.length === 0) return;
      const t = this.traversals.find((x) => this.bound.has(x.src) || this.bound.has(x.dst));
      if (t) {
        this.traversals = this.traversals.filter((x) => x !== t);
        await this.expand(t);
        continue;
      }
      const unbound = [...this.bindingOf.keys()].filter((v) => !this.bound.has(v) && v !== WILDCARD);
      if (unbound.length > 0) {
        await this.scanMostConstrained(unbound);
        continue;
      }
      // What is left are `$_ edge $_` traversals: no endpoint will ever be bound.
      const w = this.traversals.shift();
      if (!w) break;
      await this.wildcardTraversal(w);
    }
    this.applyReadyFilters();
  }

  /** Applies (and retires) every filter whose variables are all bound. */
  private applyReadyFilters(): void {
    const ready = this.filters.filter((f) => [...varsOf(f.left), ...varsOf(f.right)].every((v) => this.bound.has(v)));
    if (ready.length === 0) return;
    this.filters = this.filters.filter((f) => !ready.includes(f));
    this.sols = this.sols.filter((s) => ready.every((f) => evalFilter(f, s, this.env.ctx)));
  }

  private bind(v: string): void {
    this.bound.add(v);
  }

  /** Scans the most constrained unbound variable (inline values or pushable filters) and crosses it in. */
  private async scanMostConstrained(unbound: string[]): Promise<void> {
    const { env } = this;
    const scored = unbound.map((v) => {
      const b = this.bindingOf.get(v)!;
      const pushed = pushdownFor(v, b.inline, this.filters, env.ctx);
      return { v, b, pushed, score: (pushed ? 0 : 2) + (this.traversals.some((x) => x.src === v || x.dst === v) ? 0 : 1) };
    });
    scored.sort((a, b) => a.score - b.score || env.reader.count(a.b.type) - env.reader.count(b.b.type));
    const pick = scored[0]!;
    const rows = (await env.reader.scan(pick.b.type, pick.pushed, env.needs(pick.v))).filter((r) => inlineHolds(r, pick.b.inline, env.ctx));
    this.sols = this.sols.flatMap((s) => rows.map((r) => new Map(s).set(pick.v, { type: pick.b.type, row: r })));
    this.bind(pick.v);
  }

  /** Rows of `v`'s type among `ids` that satisfy its inline values and pushable filters. */
  private async fetchNodes(v: string, ids: Iterable<string>): Promise<Map<string, EntityRow>> {
    const b = this.bindingOf.get(v)!;
    const rows = await this.env.reader.where(b.type, "id", ids, pushdownFor(v, b.inline, this.filters, this.env.ctx), this.env.needs(v));
    return new Map(rows.filter((r) => inlineHolds(r, b.inline, this.env.ctx)).map((r) => [r.id, r]));
  }

  /** Joins a traversal with one bound endpoint into the solutions. */
  private async expand(t: TypedTraversal): Promise<void> {
    const forward = this.bound.has(t.src);
    const from = forward ? t.src : t.dst;
    const to = forward ? t.dst : t.src;
    const dir: Direction = t.undirected ? "both" : forward ? "out" : "in";
    const fromIds = new Set(this.sols.map((s) => s.get(from)!.row.id));
    const reach = t.min === 1 && t.max === 1 ? await neighbours(this.env, t.edge, fromIds, dir, t.edgeVar) : await reachable(this.env, t, fromIds, dir);
    const hopsOf = (s: Solution) => reach.get(s.get(from)!.row.id) ?? [];
    const withEdge = (s: Solution, h: Hop): Solution => (t.edgeVar && h.edge ? new Map(s).set(t.edgeVar, { type: t.edge, row: h.edge }) : s);

    if (to === WILDCARD) {
      // Without an edge variable a wildcard end only asks whether some hop exists.
      this.sols = t.edgeVar ? this.sols.flatMap((s) => hopsOf(s).map((h) => withEdge(s, h))) : this.sols.filter((s) => hopsOf(s).length > 0);
    } else if (this.bound.has(to)) {
      this.sols = this.sols.flatMap((s) => {
        const target = s.get(to)!.row.id;
        return hopsOf(s).filter((h) => h.to === target).map((h) => withEdge(s, h));
      });
    } else {
      const wanted = new Set([...reach.values()].flatMap((hops) => hops.map((h) => h.to)));
      const rows = wanted.size ? await this.fetchNodes(to, wanted) : new Map<string, EntityRow>();
      const type = this.bindingOf.get(to)!.type as NodeType;
      this.sols = this.sols.flatMap((s) =>
        hopsOf(s).flatMap((h) => {
          const row = rows.get(h.to);
          return row ? [withEdge(new Map(s).set(to, { type, row }), h)] : [];
        }),
      );
      this.bind(to);
    }
    if (t.edgeVar) this.bind(t.edgeVar);
  }

  /**
   * `$_ edge $_` (both endpoints wildcards): nothing to expand from, so the edge table
   * decides. With an edge variable, one row per edge; otherwise the solutions survive
   * iff the pattern matches somewhere (for `{min,max}`: some node reaches another one
   * within the bounds, found by expanding from every edge source).
   */
  private async wildcardTraversal(t: TypedTraversal): Promise<void> {
    const { env } = this;
    const edges = await env.reader.scan(t.edge, undefined, t.edgeVar ? env.needs(t.edgeVar) : new Set());
    if (t.edgeVar) {
      this.sols = this.sols.flatMap((s) => edges.map((e) => new Map(s).set(t.edgeVar!, { type: t.edge, row: e })));
      this.bind(t.edgeVar);
      return;
    }
    let matches: boolean;
    if (t.min === 1 && t.max === 1) matches = edges.length > 0;
    else {
      const starts = new Set(edges.flatMap((e) => (t.undirected ? [e.src!, e.dst!] : [e.src!])));
      const reach = await reachable(env, t, starts, t.undirected ? "both" : "out");
      matches = [...reach.values()].some((hops) => hops.length > 0);
    }
    if (!matches) this.sols = [];
  }
}

/** Outer variables a negation reads. */
function outerVarsOf(neg: TypedMatch, bound: Set<string>, out = new Set<string>()): Set<string> {
  for (const b of neg.bindings) if (bound.has(b.var)) out.add(b.var);
  for (const t of neg.traversals) for (const v of [t.src, t.dst]) if (bound.has(v)) out.add(v);
  for (const f of neg.filters) for (const v of [...varsOf(f.left), ...varsOf(f.right)]) if (bound.has(v)) out.add(v);
  for (const n of neg.negations) outerVarsOf(n, bound, out);
  return out;
}

async function antiJoin(neg: TypedMatch, sols: Solution[], env: MatchEnv): Promise<Solution[]> {
  if (sols.length === 0) return sols;
  const bound = new Set(sols[0]!.keys());
  const outer = [...outerVarsOf(neg, bound)].sort();
  const distinct = new Map<string, Solution>();
  for (const s of sols) {
    const k = key(s, outer);
    if (!distinct.has(k)) distinct.set(k, new Map(outer.map((v) => [v, s.get(v)!] as [string, Bound])));
  }
  const inner = await evalMatch(neg, [...distinct.values()], env);
  const hit = new Set(inner.map((s) => key(s, outer)));
  return sols.filter((s) => !hit.has(key(s, outer)));
}

type Direction = "out" | "in" | "both";

/** One step from a node: the node reached, and the edge taken (single-hop with an edge variable). */
interface Hop {
  edge: EntityRow | undefined;
  to: string;
}

/**
 * Neighbours of `ids` over one edge type: `out` follows src→dst, `in` dst→src, `both`
 * either. A traversal binds each neighbour once (parallel edges and the two
 * orientations of an undirected pair collapse); with an edge variable the query asks
 * for one row per edge, so each edge is kept (once, even as a self-loop seen both ways).
 */
async function neighbours(env: MatchEnv, edge: EdgeType, ids: Iterable<string>, dir: Direction, edgeVar: string | undefined): Promise<Map<string, Hop[]>> {
  const props = edgeVar ? env.needs(edgeVar) : new Set<string>();
  const adj = new Map<string, Hop[]>();
  const seen = new Set<string>();
  const add = (from: string, to: string, e: EntityRow) => {
    const k = edgeVar ? `${from}\u0000${e.id}` : `${from}\u0000${to}`;
    if (seen.has(k)) return;
    seen.add(k);
    const hop: Hop = { edge: edgeVar ? e : undefined, to };
    const list = adj.get(from);
    if (list) list.push(hop);
    else adj.set(from, [hop]);
  };
  const idList = [...new Set(ids)];
  if (dir !== "in") for (const e of await env.reader.where(edge, "src", idList, undefined, props)) add(e.src!, e.dst!, e);
  if (dir !== "out") for (const e of await env.reader.where(edge, "dst", idList, undefined, props)) add(e.dst!, e.src!, e);
  return adj;
}

/**
 * Variable-length reach over `t.edge` within `t.min..t.max` hops, breadth-first from
 * all sources at once: each (source, destination) pair once, at its first depth; a
 * visited node is never expanded again for that source.
 */
async function reachable(env: MatchEnv, t: TypedTraversal, fromIds: Iterable<string>, dir: Direction): Promise<Map<string, Hop[]>> {
  const reach = new Map<string, Hop[]>();
  const adjacency = new Map<string, string[]>();
  const visited = new Map<string, Set<string>>();
  let frontier = new Map<string, Set<string>>();
  for (const id of fromIds) {
    visited.set(id, new Set([id]));
    frontier.set(id, new Set([id]));
    reach.set(id, []);
  }
  for (let depth = 1; frontier.size > 0 && (t.max === undefined || depth <= t.max); depth++) {
    await loadAdjacency(env, t.edge, dir, frontier, adjacency);
    const next = new Map<string, Set<string>>();
    for (const [src, nodes] of frontier) {
      const seen = visited.get(src)!;
      const out = new Set<string>();
      for (const nb of [...nodes].flatMap((n) => adjacency.get(n) ?? [])) {
        if (seen.has(nb)) continue;
        seen.add(nb);
        out.add(nb);
        if (depth >= t.min) reach.get(src)!.push({ edge: undefined, to: nb });
      }
      if (out.size) next.set(src, out);
    }
    frontier = next;
  }
  return reach;
}

/** Fills `adjacency` for the frontier nodes not expanded yet (one lookup per hop level). */
async function loadAdjacency(env: MatchEnv, edge: EdgeType, dir: Direction, frontier: Map<string, Set<string>>, adjacency: Map<string, string[]>): Promise<void> {
  const unexpanded = new Set([...frontier.values()].flatMap((nodes) => [...nodes]).filter((n) => !adjacency.has(n)));
  if (unexpanded.size === 0) return;
  const adj = await neighbours(env, edge, unexpanded, dir, undefined);
  for (const n of unexpanded) adjacency.set(n, (adj.get(n) ?? []).map((h) => h.to));
}
