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
  let sols = initial;
  if (sols.length === 0) return sols;
  const bound = new Set(sols[0]!.keys());
  const bindingOf = new Map<string, TypedBinding>();
  const rebound: TypedBinding[] = [];
  for (const b of m.bindings) {
    if (bound.has(b.var)) rebound.push(b);
    else if (bindingOf.has(b.var)) bindingOf.get(b.var)!.inline.push(...b.inline);
    else bindingOf.set(b.var, { ...b, inline: [...b.inline] });
  }
  // Outer variables re-bound inside a negation: their inline values are filters.
  for (const b of rebound) sols = sols.filter((s) => inlineHolds(s.get(b.var)!.row, b.inline, env.ctx));

  let traversals = [...m.traversals];
  let filters = [...m.filters];
  const applyReady = (): void => {
    const ready = filters.filter((f) => [...varsOf(f.left), ...varsOf(f.right)].every((v) => bound.has(v)));
    if (ready.length === 0) return;
    filters = filters.filter((f) => !ready.includes(f));
    sols = sols.filter((s) => ready.every((f) => evalFilter(f, s, env.ctx)));
  };
  const isBound = (v: string) => bound.has(v);

  const fetchNodes = async (v: string, ids: Iterable<string>): Promise<Map<string, EntityRow>> => {
    const b = bindingOf.get(v)!;
    const rows = await env.reader.where(b.type, "id", ids, pushdownFor(v, b.inline, filters, env.ctx), env.needs(v));
    return new Map(rows.filter((r) => inlineHolds(r, b.inline, env.ctx)).map((r) => [r.id, r]));
  };

  for (;;) {
    applyReady();
    if (sols.length === 0) return [];
    const t = traversals.find((x) => isBound(x.src) || isBound(x.dst));
    if (t) {
      traversals = traversals.filter((x) => x !== t);
      sols = await expand(t, sols, bound, bindingOf, env, fetchNodes);
      continue;
    }
    const unbound = [...bindingOf.keys()].filter((v) => !bound.has(v) && v !== WILDCARD);
    if (unbound.length === 0) {
      // What is left are `$_ edge $_` traversals: no endpoint will ever be bound.
      const w = traversals[0];
      if (!w) break;
      traversals = traversals.slice(1);
      sols = await wildcardTraversal(w, sols, bound, bindingOf, env, fetchNodes);
      continue;
    }
    // Scan the most constrained variable first (inline values or pushable filters).
    const scored = unbound.map((v) => {
      const b = bindingOf.get(v)!;
      const pushed = pushdownFor(v, b.inline, filters, env.ctx);
      return { v, b, pushed, score: (pushed ? 0 : 2) + (traversals.some((x) => x.src === v || x.dst === v) ? 0 : 1) };
    });
    scored.sort((a, b) => a.score - b.score || env.reader.count(a.b.type) - env.reader.count(b.b.type));
    const pick = scored[0]!;
    const rows = (await env.reader.scan(pick.b.type, pick.pushed, env.needs(pick.v))).filter((r) => inlineHolds(r, pick.b.inline, env.ctx));
    const next: Solution[] = [];
    for (const s of sols) for (const r of rows) next.push(new Map(s).set(pick.v, { type: pick.b.type, row: r }));
    sols = next;
    bound.add(pick.v);
  }
  applyReady();
  for (const neg of m.negations) sols = await antiJoin(neg, sols, env);
  return sols;
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

/**
 * `$_ edge $_` (both endpoints wildcards): nothing to expand from, so the edge table
 * decides. With an edge variable, one row per edge; otherwise the solutions survive
 * iff the pattern matches somewhere (for `{min,max}`: some node reaches another one
 * within the bounds, found by expanding from every edge source).
 */
async function wildcardTraversal(
  t: TypedTraversal,
  sols: Solution[],
  bound: Set<string>,
  bindingOf: Map<string, TypedBinding>,
  env: MatchEnv,
  fetchNodes: (v: string, ids: Iterable<string>) => Promise<Map<string, EntityRow>>,
): Promise<Solution[]> {
  const edges = await env.reader.scan(t.edge, undefined, t.edgeVar ? env.needs(t.edgeVar) : new Set());
  if (t.edgeVar) {
    bound.add(t.edgeVar);
    return sols.flatMap((s) => edges.map((e) => new Map(s).set(t.edgeVar!, { type: t.edge, row: e })));
  }
  if (t.min === 1 && t.max === 1) return edges.length ? sols : [];
  const SOURCE = "\u0000source";
  const starts = new Set(edges.flatMap((e) => (t.undirected ? [e.src!, e.dst!] : [e.src!])));
  const probe: Solution[] = [...starts].map((id) => new Map([[SOURCE, { type: t.edge, row: { id, props: {} } }]]));
  const hits = await expand({ ...t, src: SOURCE, dst: WILDCARD }, probe, new Set([SOURCE]), bindingOf, env, fetchNodes);
  return hits.length ? sols : [];
}

interface Hop {
  edge: EntityRow | undefined;
  to: string;
}

/** Neighbours of `ids` over one edge type: `out` follows src→dst, `in` dst→src, `both` either. */
async function neighbours(env: MatchEnv, edge: EdgeType, ids: Iterable<string>, dir: "out" | "in" | "both", edgeVar: string | undefined): Promise<Map<string, Hop[]>> {
  const props = edgeVar ? env.needs(edgeVar) : new Set<string>();
  const adj = new Map<string, Hop[]>();
  const push = (from: string, hop: Hop) => {
    const list = adj.get(from);
    if (list) {
      if (!hop.edge || !list.some((h) => h.edge?.id === hop.edge!.id && h.to === hop.to)) list.push(hop);
    } else adj.set(from, [hop]);
  };
  const idList = [...new Set(ids)];
  if (dir !== "in") for (const e of await env.reader.where(edge, "src", idList, undefined, props)) push(e.src!, { edge: e, to: e.dst! });
  if (dir !== "out") for (const e of await env.reader.where(edge, "dst", idList, undefined, props)) push(e.dst!, { edge: e, to: e.src! });
  return adj;
}

async function expand(
  t: TypedTraversal,
  sols: Solution[],
  bound: Set<string>,
  bindingOf: Map<string, TypedBinding>,
  env: MatchEnv,
  fetchNodes: (v: string, ids: Iterable<string>) => Promise<Map<string, EntityRow>>,
): Promise<Solution[]> {
  const forward = bound.has(t.src);
  const from = forward ? t.src : t.dst;
  const to = forward ? t.dst : t.src;
  const dir: "out" | "in" | "both" = t.undirected ? "both" : forward ? "out" : "in";
  const fromIds = new Set(sols.map((s) => s.get(from)!.row.id));

  // reach: from id → reachable (to id, edge) pairs.
  let reach: Map<string, Hop[]>;
  if (t.min === 1 && t.max === 1) {
    reach = await neighbours(env, t.edge, fromIds, dir, t.edgeVar);
  } else {
    // Breadth-first, all sources at once: each (source, destination) pair once, at its
    // first depth; a visited node is never expanded again for that source.
    reach = new Map();
    const adjacency = new Map<string, string[]>();
    const visited = new Map<string, Set<string>>();
    let frontier = new Map<string, Set<string>>();
    for (const id of fromIds) {
      visited.set(id, new Set([id]));
      frontier.set(id, new Set([id]));
      reach.set(id, []);
    }
    for (let depth = 1; frontier.size > 0 && (t.max === undefined || depth <= t.max); depth++) {
      const unexpanded = new Set<string>();
      for (const nodes of frontier.values()) for (const n of nodes) if (!adjacency.has(n)) unexpanded.add(n);
      if (unexpanded.size) {
        const adj = await neighbours(env, t.edge, unexpanded, dir, undefined);
        for (const n of unexpanded) adjacency.set(n, [...new Set((adj.get(n) ?? []).map((h) => h.to))]);
      }
      const next = new Map<string, Set<string>>();
      for (const [src, nodes] of frontier) {
        const seen = visited.get(src)!;
        const out = new Set<string>();
        for (const n of nodes) {
          for (const nb of adjacency.get(n) ?? []) {
            if (seen.has(nb)) continue;
            seen.add(nb);
            out.add(nb);
            if (depth >= t.min) reach.get(src)!.push({ edge: undefined, to: nb });
          }
        }
        if (out.size) next.set(src, out);
      }
      frontier = next;
    }
  }

  const edgeBound = (s: Solution, h: Hop): Solution => (t.edgeVar && h.edge ? new Map(s).set(t.edgeVar, { type: t.edge, row: h.edge }) : s);
  const out: Solution[] = [];
  if (to === WILDCARD) {
    for (const s of sols) {
      const hops = reach.get(s.get(from)!.row.id) ?? [];
      if (t.edgeVar) for (const h of hops) out.push(edgeBound(s, h));
      else if (hops.length > 0) out.push(s);
    }
  } else if (bound.has(to)) {
    for (const s of sols) {
      const target = s.get(to)!.row.id;
      for (const h of reach.get(s.get(from)!.row.id) ?? []) if (h.to === target) out.push(edgeBound(s, h));
    }
  } else {
    const wanted = new Set<string>();
    for (const hops of reach.values()) for (const h of hops) wanted.add(h.to);
    const rows = wanted.size ? await fetchNodes(to, wanted) : new Map<string, EntityRow>();
    const type = bindingOf.get(to)!.type as NodeType;
    for (const s of sols) {
      for (const h of reach.get(s.get(from)!.row.id) ?? []) {
        const row = rows.get(h.to);
        if (row) out.push(edgeBound(new Map(s).set(to, { type, row }), h));
      }
    }
    bound.add(to);
  }
  if (t.edgeVar) bound.add(t.edgeVar);
  return out;
}
