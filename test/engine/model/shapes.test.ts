/**
 * One small deterministic test per query shape on a hand-built graph: the engine's
 * rows must equal the reference model's AND a hand-written expectation, so a failure
 * says plainly which of the three disagrees. Also regression examples for the
 * engine bugs the property tests found (see the two `regression:` tests).
 *
 *   alice ─k1,k6→ bob ─k3→ dave ⟲k5        alice ─m1→ o1 ←m2─ bob
 *     │  ↖k4                                 alice ─m4→ o2 ←m3─ carol
 *     └k2→ carol                              eve: no edges; o3: no members
 */
import test, { type ExecutionContext } from "ava";
import { isDeepStrictEqual } from "node:util";
import { EngineError } from "../../../server/engine/errors.ts";
import type { GraphEngine } from "../../../server/engine/engine.ts";
import { graphNdjson, renderMutation, renderRead, schemaSource } from "./generators.ts";
import { engineState, openEngine, sortedGraph, type OpenEngine } from "./harness.ts";
import {
  runMutation, runRead,
  type AggFn, type MExpr, type MFilter, type MGraph, type MMatch, type MOp, type MOrderKey, type MProjection, type MReadQuery,
  type MSchema, type MStatement, type MTraversal, type MVal,
} from "./model.ts";

// ---------------------------------------------------------------------------
// The graph
// ---------------------------------------------------------------------------

const schema: MSchema = {
  nodes: [
    {
      name: "Person",
      key: "name",
      props: [
        { name: "name", type: "String", nullable: false },
        { name: "age", type: "I32", nullable: true },
        { name: "score", type: "F64", nullable: true },
        { name: "active", type: "Bool", nullable: true },
        { name: "born", type: "Date", nullable: true },
      ],
    },
    { name: "Org", props: [{ name: "title", type: "String", nullable: true }, { name: "size", type: "I64", nullable: false }] },
  ],
  edges: [
    { name: "Knows", from: "Person", to: "Person", props: [{ name: "since", type: "I32", nullable: true }] },
    { name: "Member", from: "Person", to: "Org", props: [{ name: "role", type: "String", nullable: true }], cardMax: 2 },
    { name: "Blocks", from: "Person", to: "Person", props: [] },
  ],
};

const person = (name: string, age: number | null, score: number | null, active: boolean | null, born: string | null) => ({ id: name, props: { name, age, score, active, born } });
const graph: MGraph = {
  nodes: {
    Person: [
      person("alice", 30, 1.5, true, "1990-01-02"),
      person("bob", 25, null, false, "1985-06-30"),
      person("carol", 35, 0.5, null, null),
      person("dave", null, 2.25, true, "1990-01-02"),
      person("eve", 30, null, null, "2000-12-31"),
    ],
    Org: [
      { id: "o1", props: { title: "acme", size: 10 } },
      { id: "o2", props: { title: "globex", size: 3 } },
      { id: "o3", props: { title: null, size: 3 } },
    ],
  },
  edges: {
    Knows: [
      { id: "k1", src: "alice", dst: "bob", props: { since: 2010 } },
      { id: "k2", src: "alice", dst: "carol", props: { since: 2015 } },
      { id: "k3", src: "bob", dst: "dave", props: { since: null } },
      { id: "k4", src: "carol", dst: "alice", props: { since: 2012 } },
      { id: "k5", src: "dave", dst: "dave", props: { since: 2020 } },
      { id: "k6", src: "alice", dst: "bob", props: { since: null } },
    ],
    Member: [
      { id: "m1", src: "alice", dst: "o1", props: { role: "dev" } },
      { id: "m2", src: "bob", dst: "o1", props: { role: null } },
      { id: "m3", src: "carol", dst: "o2", props: { role: "ops" } },
      { id: "m4", src: "alice", dst: "o2", props: { role: "dev" } },
    ],
    Blocks: [],
  },
};

// ---------------------------------------------------------------------------
// Builders for model queries (rendered to `.gq` by `renderRead`)
// ---------------------------------------------------------------------------

const P = (v: string, prop: string): MExpr => ({ kind: "prop", v, prop });
const V = (v: string): MExpr => ({ kind: "var", v });
const L = (value: MVal): MExpr & { kind: "lit" } => ({ kind: "lit", value, text: typeof value === "string" ? JSON.stringify(value) : String(value) });
const F = (left: MExpr, op: MOp, right: MExpr): MFilter => ({ left, op, right });
const bind = (v: string, type: string, inline: Record<string, MVal> = {}) => ({ v, type, inline: Object.entries(inline).map(([prop, value]) => ({ prop, value: L(value) })) });
const hop = (src: string, edge: string, dst: string, extra: Partial<MTraversal> = {}): MTraversal => ({ src, dst, edge, undirected: false, ...extra });
const match = (m: Partial<MMatch>): MMatch => ({ bindings: [], traversals: [], filters: [], negations: [], ...m });
const ret = (expr: MProjection["expr"], alias?: string): MProjection => ({ expr, ...(alias ? { alias } : {}) });
const agg = (fn: AggFn, arg: MExpr, alias: string): MProjection => ({ expr: { kind: "agg", fn, arg }, alias });
const byExpr = (expr: MExpr, desc = false): MOrderKey => ({ kind: "expr", expr, desc });
const byProj = (index: number, text: string, desc = false): MOrderKey => ({ kind: "proj", index, text, desc });
const read = (m: Partial<MMatch>, returns: MProjection[], order: MOrderKey[] = [], limit?: number): MReadQuery => ({
  match: match(m), returns, order, ...(limit !== undefined ? { limit } : {}),
});

let opened: Promise<OpenEngine> | undefined;
function shared(): Promise<OpenEngine> {
  opened ??= openEngine(schemaSource(schema), graphNdjson(schema, graph));
  return opened;
}
test.after.always(async () => {
  if (opened) (await opened).close();
});

/** Engine rows = model rows = `expected`. */
async function check(t: ExecutionContext, q: MReadQuery, expected: unknown[], engine?: GraphEngine): Promise<void> {
  const text = renderRead(q);
  const e = engine ?? (await shared()).engine;
  const actual = (await e.query({ query: text })).rows;
  const model = runRead(schema, graph, q);
  t.deepEqual(model, expected as typeof model, `model vs expectation\n${text}`);
  t.deepEqual(actual, expected as typeof actual, `engine vs expectation\n${text}`);
}

const names = (...xs: (string | null)[]) => xs.map((x) => ({ "p.name": x }));

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

test("binding with an inline value", async (t) => {
  await check(t, read({ bindings: [bind("p", "Person", { age: 30 })] }, [ret(P("p", "name"))]), names("alice", "eve"));
  await check(t, read({ bindings: [bind("o", "Org", { id: "o2" })] }, [ret(P("o", "title"))]), [{ "o.title": "globex" }]);
});

test("comparison filters; a null operand never compares", async (t) => {
  const where = (f: MFilter) => read({ bindings: [bind("p", "Person")], filters: [f] }, [ret(P("p", "name"))]);
  await check(t, where(F(P("p", "age"), "!=", L(30))), names("bob", "carol"));
  await check(t, where(F(P("p", "age"), ">=", L(30))), names("alice", "carol", "eve"));
  await check(t, where(F(P("p", "age"), "<", L(30))), names("bob"));
  await check(t, where(F(P("p", "score"), "<=", L(1.5))), names("alice", "carol"));
  await check(t, where(F(P("p", "name"), "contains", L("a"))), names("alice", "carol", "dave"));
  await check(t, where(F(P("p", "name"), "starts_with", L("c"))), names("carol"));
  await check(t, where(F(P("p", "born"), "<", L("1990-01-02"))), names("bob"));
  await check(t, where(F(P("p", "active"), "=", L(true))), names("alice", "dave"));
  await check(t, where(F(L("abc"), "contains", P("p", "name"))), []);
  await check(t, where(F(P("p", "score"), ">", P("p", "age"))), []); // numbers of two types compare
});

test("one-hop traversal: one row per edge (parallel edges repeat)", async (t) => {
  await check(t, read({ bindings: [bind("a", "Person", { name: "alice" })], traversals: [hop("a", "Knows", "b")] }, [ret(P("b", "name"))]), [
    { "b.name": "bob" }, { "b.name": "bob" }, { "b.name": "carol" },
  ]);
  // From a bound destination (the engine expands backwards).
  await check(t, read({ bindings: [bind("b", "Person", { name: "bob" })], traversals: [hop("a", "Knows", "b")] }, [ret(P("a", "name"))]), [
    { "a.name": "alice" }, { "a.name": "alice" },
  ]);
  // Across node types, to an endpoint typed by the edge alone.
  await check(t, read({ bindings: [bind("p", "Person")], traversals: [hop("p", "Member", "o")], filters: [F(P("o", "size"), ">", L(5))] }, [ret(P("p", "name"))]), names("alice", "bob"));
});

test("variable-length traversal: pairs once, at their shortest depth, never the source", async (t) => {
  const from = (who: string, min: number, max: number | undefined) =>
    read({ bindings: [bind("a", "Person", { name: who })], traversals: [hop("a", "Knows", "b", { bounds: { min, max } })] }, [ret(P("b", "name"))]);
  const b = (...xs: string[]) => xs.map((x) => ({ "b.name": x }));
  await check(t, from("alice", 1, 3), b("bob", "carol", "dave")); // alice (via carol) is the source
  await check(t, from("alice", 1, undefined), b("bob", "carol", "dave"));
  await check(t, from("alice", 2, 3), b("dave"));
  await check(t, from("carol", 2, 2), b("bob")); // carol→alice→bob; alice is at depth 1
  await check(t, from("dave", 1, 2), b()); // only the self-loop: the source is not a destination
  await check(t, from("dave", 1, 1), b("dave")); // {1,1} is one hop: the self-loop matches
  // Undirected and variable-length: alice–bob–dave, alice–carol.
  await check(t, read({ bindings: [bind("a", "Person", { name: "dave" })], traversals: [hop("a", "Knows", "b", { undirected: true, bounds: { min: 2, max: 2 } })] }, [ret(P("b", "name"))]), b("alice"));
});

test("undirected traversal matches both orientations", async (t) => {
  await check(t, read({ bindings: [bind("a", "Person", { name: "carol" })], traversals: [hop("a", "Knows", "b", { undirected: true })] }, [ret(P("b", "name"))]), [
    { "b.name": "alice" }, { "b.name": "alice" }, // k2 alice→carol and k4 carol→alice
  ]);
  await check(t, read({ bindings: [bind("a", "Person", { name: "dave" })], traversals: [hop("a", "Knows", "b", { undirected: true })] }, [ret(P("b", "name"))]), [
    { "b.name": "bob" }, { "b.name": "dave" }, // the self-loop once
  ]);
});

test("edge variable: one row per edge, with its properties", async (t) => {
  await check(t, read({ bindings: [bind("a", "Person", { name: "alice" })], traversals: [hop("a", "Knows", "b", { edgeVar: "e" })] }, [ret(P("e", "id")), ret(P("e", "since")), ret(P("b", "name"))]), [
    { "e.id": "k1", "e.since": 2010, "b.name": "bob" },
    { "e.id": "k6", "e.since": null, "b.name": "bob" },
    { "e.id": "k2", "e.since": 2015, "b.name": "carol" },
  ]);
  await check(t, read({ bindings: [bind("a", "Person", { name: "carol" })], traversals: [hop("a", "Member", "_", { edgeVar: "e" })] }, [ret(V("e"))]), [
    { e: { id: "m3", src: "carol", dst: "o2", role: "ops" } },
  ]);
});

test("a `$_` endpoint is existential", async (t) => {
  await check(t, read({ bindings: [bind("p", "Person")], traversals: [hop("p", "Knows", "_")] }, [ret(P("p", "name"))]), names("alice", "bob", "carol", "dave"));
  await check(t, read({ bindings: [bind("p", "Person")], traversals: [hop("_", "Knows", "p")] }, [ret(P("p", "name"))]), names("alice", "bob", "carol", "dave"));
});

test("negation is an anti-join", async (t) => {
  await check(t, read({ bindings: [bind("p", "Person")], negations: [match({ traversals: [hop("p", "Member", "_")] })] }, [ret(P("p", "name"))]), names("dave", "eve"));
  // No friend older than 28 (a null age never compares, so dave's friend dave does not count).
  await check(t, read({ bindings: [bind("p", "Person")], negations: [match({ traversals: [hop("p", "Knows", "q")], filters: [F(P("q", "age"), ">", L(28))] })] }, [ret(P("p", "name"))]), names("bob", "dave", "eve"));
  // A re-stated outer binding constrains the outer variable.
  await check(t, read({ bindings: [bind("p", "Person")], negations: [match({ bindings: [bind("p", "Person", { age: 30 })] })] }, [ret(P("p", "name"))]), names("bob", "carol", "dave"));
});

test("aggregates group by the other projections", async (t) => {
  await check(
    t,
    read({ bindings: [bind("p", "Person")], traversals: [hop("p", "Member", "o")] }, [
      ret(P("o", "title")), agg("count", V("p"), "n"), agg("sum", P("p", "age"), "s"), agg("avg", P("p", "score"), "a"), agg("min", P("p", "born"), "lo"), agg("max", P("p", "name"), "hi"),
    ], [byProj(1, "n", true)]),
    [
      { "o.title": "acme", n: 2, s: 55, a: 1.5, lo: "1985-06-30", hi: "bob" },
      { "o.title": "globex", n: 2, s: 65, a: 1, lo: "1990-01-02", hi: "carol" },
    ],
  );
  // count(x) counts non-null x; null is a group of its own.
  await check(t, read({ bindings: [bind("p", "Person")] }, [ret(P("p", "active")), agg("count", P("p", "age"), "n")], [byProj(0, "$p.active")]), [
    { "p.active": null, n: 2 }, { "p.active": false, n: 1 }, { "p.active": true, n: 1 },
  ]);
  // A global aggregate over no rows is one row; a grouped one is none.
  await check(t, read({ bindings: [bind("p", "Person", { age: 99 })] }, [agg("count", V("p"), "n"), agg("sum", P("p", "age"), "s")]), [{ n: 0, s: null }]);
  await check(t, read({ bindings: [bind("p", "Person", { age: 99 })] }, [ret(P("p", "name")), agg("count", V("p"), "n")]), []);
  // A grouped bare `$p` renders as the whole entity, as without aggregates (model.ts AMBIGUITIES 3).
  await check(t, read({ bindings: [bind("p", "Person", { name: "bob" })], traversals: [hop("p", "Knows", "q")] }, [ret(V("p")), agg("count", V("q"), "n")]), [
    { p: { id: "bob", name: "bob", age: 25, score: null, active: false, born: "1985-06-30" }, n: 1 },
  ]);
});

test("order: nulls first ascending, last descending; ties by ids in variable-name order", async (t) => {
  const people = (desc: boolean) => read({ bindings: [bind("p", "Person")] }, [ret(P("p", "name")), ret(P("p", "age"))], [byExpr(P("p", "age"), desc)]);
  const rows = (...xs: [string, number | null][]) => xs.map(([n, a]) => ({ "p.name": n, "p.age": a }));
  await check(t, people(false), rows(["dave", null], ["bob", 25], ["alice", 30], ["eve", 30], ["carol", 35]));
  await check(t, people(true), rows(["carol", 35], ["alice", 30], ["eve", 30], ["bob", 25], ["dave", null]));
  // Without `order`, rows come in tie-break order: $a's id first, then $z's (names sorted).
  await check(t, read({ bindings: [bind("z", "Person")], traversals: [hop("z", "Knows", "a")] }, [ret(P("z", "name")), ret(P("a", "name"))]), [
    { "z.name": "carol", "a.name": "alice" },
    { "z.name": "alice", "a.name": "bob" },
    { "z.name": "alice", "a.name": "bob" },
    { "z.name": "alice", "a.name": "carol" },
    { "z.name": "bob", "a.name": "dave" },
    { "z.name": "dave", "a.name": "dave" },
  ]);
  // By alias.
  await check(t, read({ bindings: [bind("o", "Org")] }, [ret(P("o", "size"), "sz"), ret(P("o", "id"))], [byProj(0, "sz", true)]), [
    { sz: 10, "o.id": "o1" }, { sz: 3, "o.id": "o2" }, { sz: 3, "o.id": "o3" },
  ]);
});

test("limit takes the first rows of the total order", async (t) => {
  await check(t, read({ bindings: [bind("p", "Person")] }, [ret(P("p", "name"))], [byExpr(P("p", "age"), true)], 2), names("carol", "alice"));
  await check(t, read({ bindings: [bind("p", "Person")] }, [ret(P("p", "name"))], [], 0), []);
});

test("regression: `$_ edge $_` is a real constraint (it used to be ignored)", async (t) => {
  // No Blocks edge exists, so nothing matches; the engine returned every person.
  await check(t, read({ bindings: [bind("p", "Person", { name: "eve" })], traversals: [hop("_", "Blocks", "_")] }, [ret(P("p", "name"))]), []);
  await check(t, read({ bindings: [bind("p", "Person", { name: "eve" })], traversals: [hop("_", "Blocks", "_", { bounds: { min: 1, max: 2 } })] }, [ret(P("p", "name"))]), []);
  // With an edge variable: one row per edge (the engine returned one row, `$e` unbound).
  await check(t, read({ bindings: [bind("p", "Person", { name: "eve" })], traversals: [hop("_", "Member", "_", { edgeVar: "e" })] }, [ret(P("e", "id"))]), [
    { "e.id": "m1" }, { "e.id": "m2" }, { "e.id": "m3" }, { "e.id": "m4" },
  ]);
  // Variable-length: some pair at distance exactly 3 exists (alice→bob→dave? no: 2; carol→alice→bob→dave: 3).
  await check(t, read({ bindings: [bind("p", "Person", { name: "eve" })], traversals: [hop("_", "Knows", "_", { bounds: { min: 3, max: 3 } })] }, [ret(P("p", "name"))]), names("eve"));
  await check(t, read({ bindings: [bind("p", "Person", { name: "eve" })], traversals: [hop("_", "Knows", "_", { bounds: { min: 4, max: undefined } })] }, [ret(P("p", "name"))]), []);
});

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

test("mutations: upsert, strict inserts, updates, cascading deletes, rejections", async (t) => {
  const { engine, close } = await openEngine(schemaSource(schema), graphNdjson(schema, graph));
  try {
    let state = graph;
    const step = async (statements: MStatement[], expected: { nodes: number; edges: number } | "ERR_KEY_CONFLICT" | "ERR_INTEGRITY") => {
      const text = renderMutation(statements);
      const model = runMutation(schema, state, statements);
      if (typeof expected === "string") {
        t.false(model.ok, `model accepts\n${text}`);
        const err = await t.throwsAsync(engine.mutate({ query: text, actor: "t" }), { instanceOf: EngineError }, text);
        t.is(err?.code, expected, text);
      } else {
        t.true(model.ok, `model rejects\n${text}`);
        if (!model.ok) return;
        t.deepEqual({ nodes: model.affectedNodes, edges: model.affectedEdges }, expected, `model counts\n${text}`);
        const out = await engine.mutate({ query: text, actor: "t" });
        t.deepEqual({ nodes: out.affectedNodes, edges: out.affectedEdges }, expected, `engine counts\n${text}`);
        t.is(out.commit === null, expected.nodes + expected.edges === 0, `commit\n${text}`);
        state = model.graph;
      }
      t.true(isDeepStrictEqual(sortedGraph(await engineState(engine, schema)), sortedGraph(state)), `state after\n${text}`);
    };
    const ins = (type: string, values: Record<string, MVal>, id?: string): MStatement =>
      ({ op: "insertNode", type, ...(id ? { id } : {}), values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, L(v)])) });
    const edge = (type: string, from: string, to: string, id?: string): MStatement => ({ op: "insertEdge", type, from, to, ...(id ? { id } : {}), values: {} });
    const where = (target: string, op: MOp, value: MVal) => ({ target, op, value: L(value) });

    // A keyed insert of an existing key replaces the row: omitted properties become null.
    await step([ins("Person", { name: "alice", age: 31 })], { nodes: 1, edges: 0 });
    // Strict inserts: an existing unkeyed id or edge id is a key conflict.
    await step([ins("Org", { size: 1 }, "o1")], "ERR_KEY_CONFLICT");
    await step([edge("Knows", "eve", "alice", "k1")], "ERR_KEY_CONFLICT");
    // An edge to an absent node, or beyond @card(0..2), is refused as a whole.
    await step([ins("Person", { name: "zoe" }), edge("Knows", "eve", "nobody")], "ERR_INTEGRITY");
    await step([edge("Member", "alice", "o3")], "ERR_INTEGRITY");
    // Edges may point at nodes inserted by the same query.
    await step([ins("Person", { name: "zoe", age: 30 }), edge("Knows", "zoe", "eve", "k7")], { nodes: 1, edges: 1 });
    // Updates rewrite every match (null never matches), even to the same value:
    // alice 31, carol 35, eve 30, zoe 30 (bob 25 and dave null do not match).
    await step([{ op: "update", type: "Person", set: { age: L(30) }, where: where("age", ">=", 30) }], { nodes: 4, edges: 0 });
    await step([{ op: "update", type: "Person", set: { age: L(1) }, where: where("name", "=", "nobody") }], { nodes: 0, edges: 0 });
    // Deleting a node removes its incident edges: alice has k1 k2 k4 k6 and m1 m4.
    await step([{ op: "delete", kind: "node", type: "Person", where: where("name", "=", "alice") }], { nodes: 1, edges: 6 });
    await step([{ op: "delete", kind: "edge", type: "Knows", where: where("from", "=", "dave") }], { nodes: 0, edges: 1 });
    // Regression: one row with a null Bool (`active` omitted) used to fail in Lance.
    await step([ins("Person", { name: "yan" })], { nodes: 1, edges: 0 });
  } finally {
    close();
  }
});

test("regression: a load whose Bool column is all null", async (t) => {
  const { engine, close } = await openEngine("node T {\n  k: String @key\n  b: Bool?\n}\n", ['{"type":"T","data":{"k":"x"}}', '{"type":"T","data":{"k":"y","b":null}}'].join("\n"));
  try {
    t.deepEqual((await engine.query({ query: "query q() { match { $t: T } return { $t.k, $t.b } }" })).rows, [{ "t.k": "x", "t.b": null }, { "t.k": "y", "t.b": null }]);
  } finally {
    close();
  }
});
