/**
 * fast-check arbitraries for the reference-model property tests: small random
 * schemas (rendered as `.pg`), graphs (rendered as NDJSON) and read / mutation
 * queries rendered as `.gq` source text together with their model form
 * (`model.ts`), so the real parser and type checker run on every query.
 *
 * Values come from tiny domains so that filters, joins, groups and order ties
 * actually hit; read-query literals are mostly drawn from values present in the
 * graph. Queries are built from a "choice sequence" (a fixed-length array of
 * naturals, where 0 is the simplest choice everywhere), which shrinks well:
 * fast-check lowers the numbers, so a failing query shrinks towards a plain
 * `match { $a: A } return { … }` while the schema and graph shrink on their own.
 */
import fc from "fast-check";
import {
  WILDCARD, edgeType, nodeType,
  type AggFn, type MBinding, type MEdge, type MExpr, type MFilter, type MGraph, type MMatch, type MNode, type MNodeType,
  type MOp, type MOrderKey, type MProjection, type MProp, type MReadQuery, type MSchema, type MStatement, type MTraversal,
  type MVal, type MWhere, type ScalarType,
} from "./model.ts";

// ---------------------------------------------------------------------------
// Domains
// ---------------------------------------------------------------------------

export const STRINGS: readonly string[] = ["", "a", "ab", "abc", "b", "ba", "ca"];
export const INTS: readonly number[] = [-2, -1, 0, 1, 2, 3];
export const FLOATS: readonly number[] = [-1.5, 0, 0.5, 1, 2.25]; // dyadic: sums are exact in any order
export const DATES: readonly string[] = ["2023-12-31", "2024-01-01", "2024-01-02", "2024-02-29"];
export const BOOLS: readonly boolean[] = [false, true];
/** Ids of unkeyed nodes. */
export const NODE_IDS: readonly string[] = Array.from({ length: 20 }, (_, i) => `n${i}`);
/** Values of `@key` properties (= ids of keyed nodes); several are also in STRINGS. */
export const KEYS: readonly string[] = ["a", "ab", "abc", "b", "ba", "bab", "c", "ca", "cab", "d", "da", "e", "ea", "f", "g", "h", "x1", "x10", "x2", "y"];
export const EDGE_IDS: readonly string[] = Array.from({ length: 30 }, (_, i) => `e${i}`);
/** Substrings for `contains` / `starts_with`. */
const NEEDLES: readonly string[] = ["", "a", "b", "ab", "ba", "c", "1", "n1", "x", "e1"];

export function domain(t: ScalarType): readonly MVal[] {
  switch (t) {
    case "String": return STRINGS;
    case "I32":
    case "I64": return INTS;
    case "F64": return FLOATS;
    case "Bool": return BOOLS;
    case "Date": return DATES;
  }
}

const NUMERIC: ReadonlySet<ScalarType> = new Set(["I32", "I64", "F64"]);

function family(t: ScalarType): string {
  return NUMERIC.has(t) ? "number" : t;
}

const ORDER_OPS: readonly MOp[] = ["=", "!=", "<", "<=", ">", ">="];
const STRING_OPS: readonly MOp[] = [...ORDER_OPS, "contains", "starts_with"];
/** Filter operators against a value, weighted towards the less selective ones (more rows survive). */
const VALUE_OPS: readonly MOp[] = [...ORDER_OPS, "!=", "<=", ">="];
const STRING_VALUE_OPS: readonly MOp[] = [...VALUE_OPS, "contains", "starts_with", "contains", "starts_with"];

// ---------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------

const NODE_NAMES = ["A", "B", "C"];
const EDGE_NAMES = ["Knows", "Likes", "Owns"];
const PREFIX: Record<ScalarType, string> = { String: "s", I32: "i", I64: "l", F64: "f", Bool: "b", Date: "d" };

const scalarArb = fc.constantFrom<ScalarType>("String", "I32", "I64", "F64", "Bool", "Date");
const propSeedArb = fc.record({ type: scalarArb, nullable: fc.boolean() });

function props(seeds: { type: ScalarType; nullable: boolean }[], prefix: string): MProp[] {
  return seeds.map((s, i) => ({ name: `${prefix}${PREFIX[s.type]}${i}`, type: s.type, nullable: s.nullable }));
}

/** 1–3 node types (optionally keyed by `k: String @key`), 1–3 edge types (often between one type). */
export const schemaArb: fc.Arbitrary<MSchema> = fc
  .record({
    nodes: fc.array(fc.record({ keyed: fc.boolean(), props: fc.array(propSeedArb, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 }),
    edges: fc.array(
      fc.record({
        from: fc.nat(2),
        to: fc.nat(2),
        sameType: fc.boolean(),
        props: fc.array(propSeedArb, { maxLength: 2 }),
        // One edge type in four has `@card(0..n)`.
        card: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ nodes, edges }) => {
    const nodeTypes: MNodeType[] = nodes.map((n, i) => ({
      name: NODE_NAMES[i]!,
      ...(n.keyed ? { key: "k" } : {}),
      props: [...(n.keyed ? [{ name: "k", type: "String" as const, nullable: false }] : []), ...props(n.props, "")],
    }));
    return {
      nodes: nodeTypes,
      edges: edges.map((e, i) => {
        const from = nodeTypes[e.from % nodeTypes.length]!.name;
        const to = e.sameType ? from : nodeTypes[e.to % nodeTypes.length]!.name;
        return { name: EDGE_NAMES[i]!, from, to, props: props(e.props, "w"), ...(e.card !== undefined ? { cardMax: e.card } : {}) };
      }),
    };
  });

export function schemaSource(s: MSchema): string {
  const prop = (p: MProp, key: boolean) => `  ${p.name}: ${p.type}${p.nullable ? "?" : ""}${key ? " @key" : ""}`;
  const out: string[] = [];
  for (const n of s.nodes) out.push(`node ${n.name} {\n${n.props.map((p) => prop(p, p.name === n.key)).join("\n")}\n}`);
  for (const e of s.edges) {
    const card = e.cardMax !== undefined ? ` @card(0..${e.cardMax})` : "";
    const body = e.props.length ? ` {\n${e.props.map((p) => prop(p, false)).join("\n")}\n}` : "";
    out.push(`edge ${e.name}: ${e.from} -> ${e.to}${card}${body}`);
  }
  return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------
// Graphs
// ---------------------------------------------------------------------------

function valueArb(p: MProp): fc.Arbitrary<MVal> {
  const v = fc.constantFrom(...domain(p.type));
  return p.nullable ? fc.option(v, { freq: 4, nil: null }) : v;
}

function propsArb(ps: MProp[]): fc.Arbitrary<Record<string, MVal>> {
  return (fc.tuple(...ps.map(valueArb)) as fc.Arbitrary<MVal[]>).map((vals) => Object.fromEntries(ps.map((p, i) => [p.name, vals[i]!])));
}

/** The first unused entry of `pool` at or after `pick`. */
function takeUnique(pool: readonly string[], used: Set<string>, pick: number): string | undefined {
  for (let i = 0; i < pool.length; i++) {
    const id = pool[(pick + i) % pool.length]!;
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
  return undefined;
}

export function nodeIdPool(t: MNodeType): readonly string[] {
  return t.key ? KEYS : NODE_IDS;
}

/** 0–15 nodes per type, 0–25 edges in all (only between existing nodes, within `@card`). */
export function graphArb(schema: MSchema): fc.Arbitrary<MGraph> {
  // Mostly 2–9 nodes per type (dense enough for traversals to hit), sometimes 0–15.
  const nodeArbs = schema.nodes.map((t) => {
    const seed = fc.record({ pick: fc.nat(), props: propsArb(t.props.filter((p) => p.name !== t.key)) });
    return fc.oneof({ arbitrary: fc.array(seed, { minLength: 2, maxLength: 9 }), weight: 3 }, { arbitrary: fc.array(seed, { maxLength: 15, size: "max" }), weight: 1 });
  });
  // At most 25 edges in all, at least half the per-type share.
  const perEdge = Math.floor(25 / schema.edges.length);
  const edgeArbs = schema.edges.map((e) =>
    fc.array(fc.record({ pick: fc.nat(), src: fc.nat(), dst: fc.nat(), props: propsArb(e.props) }), { minLength: Math.floor(perEdge / 2), maxLength: perEdge, size: "max" }));
  return fc
    .tuple(fc.tuple(...nodeArbs) as fc.Arbitrary<{ pick: number; props: Record<string, MVal> }[][]>, fc.tuple(...edgeArbs) as fc.Arbitrary<{ pick: number; src: number; dst: number; props: Record<string, MVal> }[][]>)
    .map(([nodeSeeds, edgeSeeds]) => {
      const g: MGraph = { nodes: {}, edges: {} };
      schema.nodes.forEach((t, i) => {
        const used = new Set<string>();
        const list: MNode[] = [];
        for (const seed of nodeSeeds[i] ?? []) {
          const id = takeUnique(nodeIdPool(t), used, seed.pick);
          if (id === undefined) break;
          list.push({ id, props: t.key ? { [t.key]: id, ...seed.props } : seed.props });
        }
        g.nodes[t.name] = list;
      });
      schema.edges.forEach((e, i) => {
        const used = new Set<string>();
        const list: MEdge[] = [];
        const froms = g.nodes[e.from] ?? [];
        const tos = g.nodes[e.to] ?? [];
        const perSource = new Map<string, number>();
        for (const seed of edgeSeeds[i] ?? []) {
          if (froms.length === 0 || tos.length === 0) break;
          const src = froms[seed.src % froms.length]!.id;
          const dst = tos[seed.dst % tos.length]!.id;
          if (e.cardMax !== undefined && (perSource.get(src) ?? 0) >= e.cardMax) continue;
          const id = takeUnique(EDGE_IDS, used, seed.pick);
          if (id === undefined) break;
          perSource.set(src, (perSource.get(src) ?? 0) + 1);
          list.push({ id, src, dst, props: seed.props });
        }
        g.edges[e.name] = list;
      });
      return g;
    });
}

/** The graph as strict NDJSON: keyed nodes without `id` (derived from the key), nulls omitted. */
export function graphNdjson(schema: MSchema, g: MGraph): string {
  const lines: string[] = [];
  const data = (id: string | undefined, props: Record<string, MVal>) => {
    const out: Record<string, unknown> = id === undefined ? {} : { id };
    for (const [k, v] of Object.entries(props)) if (v !== null) out[k] = v;
    return out;
  };
  for (const t of schema.nodes) for (const n of g.nodes[t.name] ?? []) lines.push(JSON.stringify({ type: t.name, data: data(t.key ? undefined : n.id, n.props) }));
  for (const e of schema.edges) for (const x of g.edges[e.name] ?? []) lines.push(JSON.stringify({ edge: e.name, from: x.src, to: x.dst, data: data(x.id, x.props) }));
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Choice sequences
// ---------------------------------------------------------------------------

/** Reads choices from a fast-check array; past its end every choice is 0 (the simplest). */
export class Choices {
  private i = 0;
  constructor(private readonly seq: readonly number[]) {}

  int(n: number): number {
    if (n <= 1) return 0;
    const v = this.seq[this.i++] ?? 0;
    return v % n;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("Choices.pick: empty list");
    return xs[this.int(xs.length)]!;
  }

  /** True with probability ~pct% (false when the sequence is exhausted). */
  maybe(pct: number): boolean {
    return this.int(100) >= 100 - pct;
  }
}

export const choicesArb = fc.array(fc.nat({ max: 9999 }), { minLength: 80, maxLength: 80 });

/** Literals and parameters of one query. */
class Params {
  readonly decls: string[] = [];
  readonly values: Record<string, unknown> = {};

  add(type: ScalarType, value: MVal, nullable = false): string {
    const name = `q${this.decls.length}`;
    this.decls.push(`$${name}: ${type}${nullable ? "?" : ""}`);
    if (value !== null) this.values[name] = value;
    return `$${name}`;
  }
}

function literalText(v: MVal): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** A value as a literal, or a parameter (always for negative numbers: literals are unsigned). */
function valueExpr(type: ScalarType, v: MVal, ch: Choices, params: Params): MExpr & { kind: "lit" } {
  const asParam = (typeof v === "number" && (v < 0 || Object.is(v, -0))) || ch.maybe(8);
  return { kind: "lit", value: v, text: asParam ? params.add(type, v) : literalText(v) };
}

// ---------------------------------------------------------------------------
// Read queries
// ---------------------------------------------------------------------------

export interface GenRead {
  text: string;
  params: Record<string, unknown>;
  model: MReadQuery;
}

interface VarInfo {
  name: string;
  kind: "node" | "edge";
  type: string;
}

interface Ref {
  expr: MExpr & { kind: "prop" };
  type: ScalarType;
  nullable: boolean;
  pool: readonly MVal[];
  seen: readonly MVal[];
}

const OUTER_NAMES = ["a", "b", "c", "m", "x", "y"];
const INNER_NAMES = ["p", "w"];
const EDGE_VAR_NAMES = ["e", "f"];

/**
 * The readable columns of a variable, each with the values a literal compared with it
 * is drawn from: `pool` (the whole domain) and `seen` (values present in the graph,
 * preferred so that filters hit).
 */
function refsOf(schema: MSchema, v: VarInfo, g?: MGraph): Ref[] {
  const rows: { id: string; src?: string; dst?: string; props: Record<string, MVal> }[] = g ? (v.kind === "node" ? g.nodes[v.type] : g.edges[v.type]) ?? [] : [];
  const ref = (prop: string, type: ScalarType, pool: readonly MVal[], nullable = false): Ref => {
    const cell = (r: (typeof rows)[number]): MVal => (prop === "id" ? r.id : prop === "src" ? (r.src ?? null) : prop === "dst" ? (r.dst ?? null) : (r.props[prop] ?? null));
    const seen = [...new Set(rows.map(cell).filter((x) => x !== null))].sort();
    return { expr: { kind: "prop", v: v.name, prop }, type, nullable, pool, seen };
  };
  if (v.kind === "node") {
    const t = nodeType(schema, v.type);
    return [ref("id", "String", nodeIdPool(t)), ...t.props.map((p) => ref(p.name, p.type, p.name === t.key ? KEYS : domain(p.type), p.nullable))];
  }
  const e = edgeType(schema, v.type);
  return [
    ref("id", "String", EDGE_IDS),
    ref("src", "String", nodeIdPool(nodeType(schema, e.from))),
    ref("dst", "String", nodeIdPool(nodeType(schema, e.to))),
    ...e.props.map((p) => ref(p.name, p.type, domain(p.type), p.nullable)),
  ];
}

/** A `contains` / `starts_with` operand: mostly a piece of a value present in the graph. */
function needleFor(ref: Ref, op: "contains" | "starts_with", ch: Choices): string {
  if (!ref.seen.length || ch.maybe(35)) return ch.pick(NEEDLES);
  const v = String(ch.pick(ref.seen));
  const start = op === "starts_with" ? 0 : ch.int(v.length + 1);
  return v.slice(start, start + ch.int(v.length - start + 1));
}

/** A value for comparisons with `ref`: mostly one present in the graph. */
function valueFor(ref: Ref, ch: Choices): MVal {
  return ref.seen.length && !ch.maybe(30) ? ch.pick(ref.seen) : ch.pick(ref.pool);
}

function renderExpr(e: MExpr): string {
  return e.kind === "prop" ? `$${e.v}.${e.prop}` : e.kind === "var" ? `$${e.v}` : e.text;
}

/** `ref op value`, or `value op ref` now and then (the literal is then typed against the ref). */
function refVsValue(ref: Ref, ch: Choices, params: Params): MFilter {
  const op = ch.pick(ref.type === "String" ? STRING_VALUE_OPS : VALUE_OPS);
  const lit = valueExpr(ref.type, op === "contains" || op === "starts_with" ? needleFor(ref, op, ch) : valueFor(ref, ch), ch, params);
  return ch.maybe(12) ? { left: lit, op, right: ref.expr } : { left: ref.expr, op, right: lit };
}

function renderFilter(f: MFilter): string {
  return `${renderExpr(f.left)} ${f.op} ${renderExpr(f.right)}`;
}

function renderTraversal(t: MTraversal): string {
  const ident = t.edge[0]!.toLowerCase() + t.edge.slice(1);
  const edge = t.undirected ? `<${ident}>` : ident;
  const bounds = t.bounds ? `{${t.bounds.min},${t.bounds.max ?? ""}}` : "";
  return `$${t.src} ${t.edgeVar ? `$${t.edgeVar}:` : ""}${edge}${bounds} $${t.dst}`;
}

function renderBinding(b: MBinding): string {
  const inline = b.inline.length ? ` { ${b.inline.map((i) => `${i.prop}: ${i.value.text}`).join(", ")} }` : "";
  return `$${b.v}: ${b.type}${inline}`;
}

function renderMatch(m: MMatch, indent: string): string[] {
  return [
    ...m.bindings.map((b) => indent + renderBinding(b)),
    ...m.traversals.map((t) => indent + renderTraversal(t)),
    ...m.filters.map((f) => indent + renderFilter(f)),
    ...m.negations.map((n) => `${indent}not { ${renderMatch(n, "").join("  ")} }`),
  ];
}

function inlineFor(schema: MSchema, g: MGraph | undefined, b: MBinding, ch: Choices, params: Params): void {
  const refs = refsOf(schema, { name: b.v, kind: "node", type: b.type }, g);
  const r = ch.pick(refs);
  b.inline.push({ prop: r.expr.prop, value: valueExpr(r.type, valueFor(r, ch), ch, params) });
}

/** Bounds for a traversal over a same-type edge: mostly one hop, else {1,1}..{2,unbounded}. */
function boundsFor(same: boolean, ch: Choices): MTraversal["bounds"] {
  if (!same || !ch.maybe(35)) return undefined;
  const min = 1 + ch.int(2);
  // Unbounded `{n,}` is refused at type check (OmniGraph T15), so every bound is finite.
  const maxChoice = ch.int(4); // 0 → min (or 1,1), 1 → min+1, 2 → min+2, 3 → min+5
  return { min, max: min + (maxChoice === 3 ? 5 : maxChoice) };
}

/** A random type-correct read query over `schema`; literals mostly come from values in `g`. */
export function buildRead(schema: MSchema, ch: Choices, g?: MGraph): GenRead {
  const params = new Params();
  const vars: VarInfo[] = [];
  const bindings: MBinding[] = [];
  const traversals: MTraversal[] = [];
  const filters: MFilter[] = [];
  const negations: MMatch[] = [];
  const nodeVars = () => vars.filter((v) => v.kind === "node");
  const freshName = () => OUTER_NAMES.filter((n) => !vars.some((v) => v.name === n));

  const newNodeVar = (type: string, explicit: boolean): string => {
    const names = freshName();
    const name = names[ch.int(names.length)]!;
    vars.push({ name, kind: "node", type });
    if (explicit) bindings.push({ v: name, type, inline: [] });
    return name;
  };

  // 1. A first explicit variable.
  newNodeVar(ch.pick(schema.nodes).name, true);

  // 2. Traversals (0–2).
  const nTrav = ch.int(3);
  for (let i = 0; i < nTrav; i++) {
    const e = ch.pick(schema.edges);
    const same = e.from === e.to;
    const endpoint = (type: string): string => {
      const existing = nodeVars().filter((v) => v.type === type);
      const r = ch.int(20);
      if (r === 19) return WILDCARD;
      if (r < 12 && existing.length) return ch.pick(existing).name;
      if (nodeVars().length >= 4) return existing.length ? ch.pick(existing).name : WILDCARD;
      return newNodeVar(type, ch.maybe(50));
    };
    // Anchor the traversal on an existing variable when one fits (keeps the match connected).
    const anchorSrc = nodeVars().some((v) => v.type === e.from) && (!nodeVars().some((v) => v.type === e.to) || ch.int(2) === 0);
    let src: string;
    let dst: string;
    if (ch.maybe(4)) {
      // `$_ edge $_`: no named endpoint at all.
      src = WILDCARD;
      dst = WILDCARD;
    } else if (anchorSrc) {
      src = ch.pick(nodeVars().filter((v) => v.type === e.from)).name;
      dst = endpoint(e.to);
    } else if (nodeVars().some((v) => v.type === e.to)) {
      dst = ch.pick(nodeVars().filter((v) => v.type === e.to)).name;
      src = endpoint(e.from);
    } else {
      src = endpoint(e.from);
      dst = endpoint(e.to);
    }
    const bounds = boundsFor(same, ch);
    const undirected = same && ch.maybe(25);
    const oneHop = !bounds || (bounds.min === 1 && bounds.max === 1);
    let edgeVar: string | undefined;
    const freeEdgeVars = EDGE_VAR_NAMES.filter((n) => !vars.some((v) => v.name === n));
    if (oneHop && freeEdgeVars.length && ch.maybe(25)) {
      edgeVar = ch.pick(freeEdgeVars);
      vars.push({ name: edgeVar, kind: "edge", type: e.name });
    }
    traversals.push({ src, dst, edge: e.name, undirected, ...(bounds ? { bounds } : {}), ...(edgeVar ? { edgeVar } : {}) });
  }

  // 3. Now and then a disconnected extra variable (a cross product).
  if (nodeVars().length < 3 && ch.maybe(12)) newNodeVar(ch.pick(schema.nodes).name, true);

  // 4. Inline values on explicit bindings.
  for (const b of bindings) if (ch.maybe(15)) inlineFor(schema, g, b, ch, params);

  // 5. Filters (0–3).
  const allRefs = () => vars.flatMap((v) => refsOf(schema, v, g));
  const nFilters = ch.pick([0, 0, 0, 1, 1, 1, 2, 3]);
  for (let i = 0; i < nFilters; i++) {
    const kind = ch.int(10);
    if (kind < 6) {
      filters.push(refVsValue(ch.pick(allRefs()), ch, params));
    } else if (kind < 9) {
      // Two columns of one family; another column than the left one when there is one.
      const left = ch.pick(allRefs());
      const same = (r: Ref) => r.expr.v === left.expr.v && r.expr.prop === left.expr.prop;
      const fits = allRefs().filter((r) => family(r.type) === family(left.type));
      const right = ch.pick(fits.some((r) => !same(r)) ? fits.filter((r) => !same(r)) : fits);
      const op = ch.pick(left.type === "String" ? STRING_OPS : ORDER_OPS);
      filters.push({ left: left.expr, op, right: right.expr });
    } else {
      const pairs = nodeVars().flatMap((a) => nodeVars().filter((b) => b.type === a.type && b.name !== a.name).map((b) => [a, b] as const));
      if (pairs.length) {
        const [a, b] = ch.pick(pairs);
        filters.push({ left: { kind: "var", v: a.name }, op: ch.pick(["=", "!="] as const), right: { kind: "var", v: b.name } });
      } else {
        filters.push(refVsValue(ch.pick(allRefs()), ch, params));
      }
    }
  }

  // 6. A negation (anti-join) on a top-level node variable.
  if (ch.maybe(30)) negations.push(buildNegation(schema, g, nodeVars(), ch, params));

  // 7. Return.
  const scopeRefs = allRefs();
  const returns: MProjection[] = [];
  const columns = new Set<string>();
  const addProjection = (expr: MProjection["expr"], alias?: string) => {
    const col = alias ?? (expr.kind === "var" ? expr.v : expr.kind === "prop" ? `${expr.v}.${expr.prop}` : "?");
    const finalAlias = alias ?? (columns.has(col) ? `c${returns.length}` : undefined);
    columns.add(finalAlias ?? col);
    returns.push({ expr, ...(finalAlias ? { alias: finalAlias } : {}) });
  };
  const aggregate = ch.maybe(30);
  if (!aggregate) {
    const n = 1 + ch.int(3);
    for (let i = 0; i < n; i++) {
      if (ch.maybe(10)) addProjection({ kind: "var", v: ch.pick(vars).name });
      else addProjection(ch.pick(scopeRefs).expr, ch.maybe(15) ? `c${returns.length}` : undefined);
    }
  } else {
    const nKeys = ch.int(3);
    for (let i = 0; i < nKeys; i++) {
      if (ch.maybe(8)) addProjection({ kind: "var", v: ch.pick(nodeVars()).name });
      else addProjection(ch.pick(scopeRefs).expr);
    }
    const nAggs = 1 + ch.int(2);
    for (let i = 0; i < nAggs; i++) {
      let fn = ch.pick<AggFn>(["count", "sum", "avg", "min", "max"]);
      const numeric = scopeRefs.filter((r) => NUMERIC.has(r.type));
      if ((fn === "sum" || fn === "avg") && numeric.length === 0) fn = "count";
      let arg: MExpr;
      if (fn === "count") arg = ch.maybe(40) ? { kind: "var", v: ch.pick(vars).name } : ch.pick(scopeRefs).expr;
      else if (fn === "sum" || fn === "avg") arg = ch.pick(numeric).expr;
      else arg = ch.pick(scopeRefs).expr;
      addProjection({ kind: "agg", fn, arg }, `g${i}`);
    }
  }

  // 8. Order.
  const order: MOrderKey[] = [];
  const nOrder = ch.int(3);
  const projText = (p: MProjection) => p.alias ?? (p.expr.kind === "agg" ? `${p.expr.fn}(${renderExpr(p.expr.arg)})` : renderExpr(p.expr));
  for (let i = 0; i < nOrder; i++) {
    const desc = ch.maybe(50);
    const orderable = returns.map((p, index) => ({ p, index })).filter(({ p }) => p.expr.kind !== "var");
    if (aggregate) {
      if (!orderable.length) break;
      const { p, index } = ch.pick(orderable);
      // By alias, or by repeating the projection's text (the checker maps it to the projection).
      const text = p.alias && ch.maybe(70) ? p.alias : p.expr.kind === "agg" ? `${p.expr.fn}(${renderExpr(p.expr.arg)})` : renderExpr(p.expr as MExpr);
      order.push({ kind: "proj", index, text, desc });
    } else {
      const aliased = orderable.filter(({ p }) => p.alias);
      if (aliased.length && ch.maybe(30)) {
        const { p, index } = ch.pick(aliased);
        order.push({ kind: "proj", index, text: projText(p), desc });
      } else {
        // Nullable columns first: they exercise nulls-first / nulls-last.
        const nullable = scopeRefs.filter((r) => r.nullable);
        order.push({ kind: "expr", expr: ch.pick(nullable.length && ch.maybe(60) ? nullable : scopeRefs).expr, desc });
      }
    }
  }

  const limit = ch.maybe(40) ? (ch.maybe(5) ? 0 : 1 + ch.int(6)) : undefined;

  const match: MMatch = { bindings, traversals, filters, negations };
  const model: MReadQuery = { match, returns, order, ...(limit !== undefined ? { limit } : {}) };
  return { text: renderRead(model, params.decls, ch.maybe(30)), params: params.values, model };
}

/** `.gq` text of a model read query (`paramDecls` like `$q0: I64`; `explicitAsc` writes `asc`). */
export function renderRead(q: MReadQuery, paramDecls: readonly string[] = [], explicitAsc = false): string {
  const renderProj = (p: MProjection) => {
    const e = p.expr.kind === "agg" ? `${p.expr.fn}(${renderExpr(p.expr.arg)})` : renderExpr(p.expr);
    return p.alias ? `${e} as ${p.alias}` : e;
  };
  const orderText = (o: MOrderKey) => `${o.kind === "proj" ? o.text : renderExpr(o.expr)}${o.desc ? " desc" : explicitAsc ? " asc" : ""}`;
  return [
    `query q(${paramDecls.join(", ")}) {`,
    "  match {",
    ...renderMatch(q.match, "    "),
    "  }",
    `  return { ${q.returns.map(renderProj).join(", ")} }`,
    ...(q.order.length ? [`  order { ${q.order.map(orderText).join(", ")} }`] : []),
    ...(q.limit !== undefined ? [`  limit ${q.limit}`] : []),
    "}",
  ].join("\n");
}

/** `not { … }` referencing an outer node variable: a traversal, a filter, or a re-stated binding. */
function buildNegation(schema: MSchema, g: MGraph | undefined, outer: VarInfo[], ch: Choices, params: Params): MMatch {
  const m: MMatch = { bindings: [], traversals: [], filters: [], negations: [] };
  const o = ch.pick(outer);
  const inner: VarInfo[] = [];
  const kind = ch.int(3);
  const touching = schema.edges.filter((e) => e.from === o.type || e.to === o.type);
  if (kind === 0 && touching.length) {
    const e = ch.pick(touching);
    const outward = e.from === o.type && (e.to !== o.type || ch.int(2) === 0);
    const otherType = outward ? e.to : e.from;
    const r = ch.int(3);
    let other: string = WILDCARD;
    const sameTypeOuter = outer.filter((v) => v.type === otherType);
    if (r === 1) {
      other = ch.pick(INNER_NAMES);
      inner.push({ name: other, kind: "node", type: otherType });
      if (ch.maybe(40)) {
        const b: MBinding = { v: other, type: otherType, inline: [] };
        if (ch.maybe(40)) inlineFor(schema, g, b, ch, params);
        m.bindings.push(b);
      }
    } else if (r === 2 && sameTypeOuter.length) {
      other = ch.pick(sameTypeOuter).name;
    }
    const same = e.from === e.to;
    const bounds = boundsFor(same, ch);
    m.traversals.push({ src: outward ? o.name : other, dst: outward ? other : o.name, edge: e.name, undirected: same && ch.maybe(25), ...(bounds ? { bounds } : {}) });
    if (inner.length && ch.maybe(50)) {
      const refs = refsOf(schema, inner[0]!, g);
      if (ch.maybe(50)) m.filters.push(refVsValue(ch.pick(refs), ch, params));
      else {
        const left = ch.pick(refs);
        const rights = refsOf(schema, o, g).filter((x) => family(x.type) === family(left.type));
        if (rights.length) m.filters.push({ left: left.expr, op: ch.pick(left.type === "String" ? STRING_OPS : ORDER_OPS), right: ch.pick(rights).expr });
      }
    }
  } else if (kind === 2) {
    const b: MBinding = { v: o.name, type: o.type, inline: [] };
    inlineFor(schema, g, b, ch, params);
    m.bindings.push(b);
  } else {
    m.filters.push(refVsValue(ch.pick(refsOf(schema, o, g)), ch, params));
  }
  return m;
}

/** A schema, a graph over it and 1–4 read queries. */
export const readCaseArb = schemaArb.chain((schema) =>
  fc.record({
    schema: fc.constant(schema),
    graph: graphArb(schema),
    queries: fc.array(choicesArb, { minLength: 1, maxLength: 4 }),
  }));

// ---------------------------------------------------------------------------
// Mutation queries (rendered against the current model state)
// ---------------------------------------------------------------------------

export interface GenMutation {
  text: string;
  params: Record<string, unknown>;
  statements: MStatement[];
}

function ids(g: MGraph, type: string): string[] {
  return (g.nodes[type] ?? []).map((n) => n.id).sort();
}

/** An id of `type`: usually an existing one, sometimes any id of the pool (maybe absent). */
function someNodeId(schema: MSchema, g: MGraph, type: string, extra: string[], ch: Choices, existingPct: number): string {
  const have = [...new Set([...ids(g, type), ...extra])].sort();
  if (have.length && ch.int(100) < existingPct) return ch.pick(have);
  return ch.pick(nodeIdPool(nodeType(schema, type)));
}

function assignValue(p: MProp, ch: Choices, params: Params): MExpr & { kind: "lit" } {
  if (p.nullable && ch.maybe(10)) return { kind: "lit", value: null, text: params.add(p.type, null, true) };
  return valueExpr(p.type, ch.pick(domain(p.type)), ch, params);
}

function whereFor(schema: MSchema, g: MGraph, kind: "node" | "edge", type: string, ch: Choices, params: Params): MWhere {
  const targets: { name: string; type: ScalarType; pool: readonly MVal[] }[] = [];
  if (kind === "node") {
    const t = nodeType(schema, type);
    const existing = ids(g, type);
    targets.push({ name: "id", type: "String", pool: existing.length && ch.maybe(70) ? existing : nodeIdPool(t) });
    for (const p of t.props) targets.push({ name: p.name, type: p.type, pool: p.name === t.key ? (existing.length ? existing : KEYS) : domain(p.type) });
  } else {
    const e = edgeType(schema, type);
    const existing = (g.edges[type] ?? []).map((x) => x.id).filter((id) => !id.startsWith("\u0000")).sort();
    targets.push({ name: "id", type: "String", pool: existing.length ? existing : EDGE_IDS });
    targets.push({ name: "from", type: "String", pool: ids(g, e.from).length ? ids(g, e.from) : nodeIdPool(nodeType(schema, e.from)) });
    targets.push({ name: "to", type: "String", pool: ids(g, e.to).length ? ids(g, e.to) : nodeIdPool(nodeType(schema, e.to)) });
    for (const p of e.props) targets.push({ name: p.name, type: p.type, pool: domain(p.type) });
  }
  const t = ch.pick(targets);
  // Mostly `=` (a targeted write), else any comparison of the type.
  const op = ch.maybe(50) ? ch.pick(t.type === "String" ? STRING_OPS : ORDER_OPS) : "=";
  const pool = op === "contains" || op === "starts_with" ? NEEDLES : t.pool;
  return { target: t.name, op, value: valueExpr(t.type, ch.pick(pool), ch, params) };
}

/**
 * One mutation query over the model state `g`: 1–3 statements, either inserts/updates
 * (keyed upserts, unkeyed inserts with an explicit or a generated id, edge inserts,
 * updates) or deletes only (D2). Ids are drawn from the current state, so most
 * statements hit; some name absent nodes or existing ids and must be rejected.
 */
export function buildMutation(schema: MSchema, g: MGraph, ch: Choices): GenMutation {
  const params = new Params();
  const statements: MStatement[] = [];
  const inserted = new Map<string, string[]>(); // node type -> ids inserted by this query
  const deletes = ch.int(4) === 3;
  const n = 1 + ch.int(3);
  for (let i = 0; i < n; i++) {
    if (deletes) {
      const edge = ch.maybe(40);
      const type = edge ? ch.pick(schema.edges).name : ch.pick(schema.nodes).name;
      const where = whereFor(schema, g, edge ? "edge" : "node", type, ch, params);
      statements.push({ op: "delete", kind: edge ? "edge" : "node", type, where });
      continue;
    }
    const r = ch.int(10);
    if (r < 4) {
      const t = ch.pick(schema.nodes);
      const values: Record<string, MExpr & { kind: "lit" }> = {};
      let id: string | undefined;
      if (t.key) {
        const key = ch.maybe(50) && ids(g, t.name).length ? ch.pick(ids(g, t.name)) : ch.pick(KEYS);
        values[t.key] = { kind: "lit", value: key, text: JSON.stringify(key) };
      } else if (!ch.maybe(30)) {
        id = ch.pick(NODE_IDS);
      }
      for (const p of t.props) {
        if (p.name === t.key) continue;
        if (!p.nullable || ch.maybe(60)) values[p.name] = assignValue(p, ch, params);
      }
      if (Object.keys(values).length === 0 && id === undefined) values[t.props[0]!.name] = assignValue({ ...t.props[0]!, nullable: false }, ch, params);
      statements.push({ op: "insertNode", type: t.name, ...(id !== undefined ? { id } : {}), values });
      const newId = t.key ? (values[t.key]!.value as string) : id;
      if (newId !== undefined) inserted.set(t.name, [...(inserted.get(t.name) ?? []), newId]);
    } else if (r < 7) {
      const e = ch.pick(schema.edges);
      const from = someNodeId(schema, g, e.from, inserted.get(e.from) ?? [], ch, 90);
      const to = someNodeId(schema, g, e.to, inserted.get(e.to) ?? [], ch, 90);
      const id = ch.maybe(50) ? ch.pick(EDGE_IDS) : undefined;
      const values: Record<string, MExpr & { kind: "lit" }> = {};
      for (const p of e.props) if (!p.nullable || ch.maybe(60)) values[p.name] = assignValue(p, ch, params);
      statements.push({ op: "insertEdge", type: e.name, ...(id !== undefined ? { id } : {}), from, to, values });
    } else {
      const t = ch.pick(schema.nodes);
      const settable = t.props.filter((p) => p.name !== t.key);
      const set: Record<string, MExpr & { kind: "lit" }> = {};
      const first = ch.pick(settable);
      set[first.name] = assignValue(first, ch, params);
      if (ch.maybe(30)) {
        const second = ch.pick(settable);
        if (!(second.name in set)) set[second.name] = assignValue(second, ch, params);
      }
      const where = whereFor(schema, g, "node", t.name, ch, params);
      statements.push({ op: "update", type: t.name, set, where });
    }
  }
  return { text: renderMutation(statements, params.decls), params: params.values, statements };
}

/** `.gq` text of a model mutation query. */
export function renderMutation(statements: readonly MStatement[], paramDecls: readonly string[] = []): string {
  const kv = (values: Record<string, MExpr & { kind: "lit" }>) => Object.entries(values).map(([k, v]) => `${k}: ${v.text}`);
  const where = (w: MWhere) => `where ${w.target} ${w.op} ${w.value.text}`;
  const text = statements.map((st) => {
    const id = "id" in st && st.id !== undefined ? [`id: ${JSON.stringify(st.id)}`] : [];
    switch (st.op) {
      case "insertNode": return `insert ${st.type} { ${[...id, ...kv(st.values)].join(", ")} }`;
      case "insertEdge": return `insert ${st.type} { ${[...id, `from: ${JSON.stringify(st.from)}`, `to: ${JSON.stringify(st.to)}`, ...kv(st.values)].join(", ")} }`;
      case "update": return `update ${st.type} set { ${kv(st.set).join(", ")} } ${where(st.where)}`;
      case "delete": return `delete ${st.type} ${where(st.where)}`;
    }
  });
  return [`query m(${paramDecls.join(", ")}) {`, ...text.map((s) => `  ${s}`), "}"].join("\n");
}

/** A schema, a starting graph and 3–8 mutation queries (as choice sequences). */
export const mutationCaseArb = schemaArb.chain((schema) =>
  fc.record({
    schema: fc.constant(schema),
    graph: graphArb(schema),
    steps: fc.array(fc.array(fc.nat({ max: 9999 }), { minLength: 50, maxLength: 50 }), { minLength: 3, maxLength: 8 }),
  }));
