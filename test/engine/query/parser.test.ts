import test from "ava";
import type { ClauseAst, ExprAst, QueryAst, ReadBodyAst } from "../../../server/engine/query/ast.ts";
import { parseQueries } from "../../../server/engine/query/parser.ts";
import { stripLocs } from "./helpers.ts";


function only(src: string): QueryAst {
  const qs = parseQueries(src);
  if (qs.length !== 1 || !qs[0]) throw new Error(`expected one query, got ${qs.length}`);
  return qs[0];
}
function read(src: string): ReadBodyAst {
  const q = only(src);
  if (q.body.kind !== "read") throw new Error("expected a read");
  return q.body;
}
/** The clauses of `match { body }`. */
function clauses(body: string): unknown {
  return stripLocs(read(`query q() { match { ${body} } return { $x } }`).match);
}
/** The expression of `return { expr }`. */
function expr(src: string): unknown {
  return stripLocs(read(`query q() { match { $x: T } return { ${src} } }`).returns[0]?.expr);
}
const lit = (kind: string, value: unknown, extra: object = {}) => ({ kind, value, ...extra });

test("parses several declarations with every parameter form and both annotations", (t) => {
  const qs = parseQueries(`
    // two queries
    query a($s: String, $n: I64?, $l: [Date], $v: Vector(3)?, $b: Blob)
      @description("Finds \\"things\\"") @instruction("use wisely")
    { match { $p: P } return { $p } }
    query b() { delete T where id = "x" }
  `);
  t.is(qs.length, 2);
  t.deepEqual(stripLocs(qs[0]?.params), [
    { name: "s", type: { kind: "scalar", base: "String" }, nullable: false },
    { name: "n", type: { kind: "scalar", base: "I64" }, nullable: true },
    { name: "l", type: { kind: "list", base: "Date" }, nullable: false },
    { name: "v", type: { kind: "vector", dim: 3 }, nullable: true },
    { name: "b", type: { kind: "scalar", base: "Blob" }, nullable: false },
  ]);
  t.is(qs[0]?.description, 'Finds "things"');
  t.is(qs[0]?.instruction, "use wisely");
  t.is(qs[1]?.name, "b");
  t.is(qs[1]?.body.kind, "mutation");
  t.deepEqual(parseQueries("  // nothing here\n"), []);
});

test("parses all scalar parameter base types", (t) => {
  const bases = ["String", "Blob", "Bool", "I32", "I64", "U32", "U64", "F32", "F64", "Date", "DateTime"];
  const q = only(`query q(${bases.map((b, i) => `$p${i}: ${b}`).join(", ")}) { match { $x: T } return { $x } }`);
  t.deepEqual(q.params.map((p) => p.type), bases.map((base) => ({ kind: "scalar", base })));
});

test("parses bindings with and without inline property values of every value form", (t) => {
  t.deepEqual(clauses(`$p: Person $q: Person { name: "A", age: 3, w: 1.25, ok: true, d: date("2024-01-02"), t: datetime("2024-01-02T03:04:05Z"), tags: ["a", "b"], who: $who, at: now(), }`), [
    { kind: "binding", var: "p", typeName: "Person", props: [] },
    {
      kind: "binding", var: "q", typeName: "Person", props: [
        { name: "name", value: lit("string", "A") },
        { name: "age", value: lit("int", 3n) },
        { name: "w", value: lit("float", 1.25, { raw: "1.25" }) },
        { name: "ok", value: lit("bool", true) },
        { name: "d", value: lit("date", "2024-01-02") },
        { name: "t", value: lit("datetime", "2024-01-02T03:04:05Z") },
        { name: "tags", value: { kind: "list", items: [lit("string", "a"), lit("string", "b")] } },
        { name: "who", value: { kind: "var", name: "who" } },
        { name: "at", value: { kind: "now" } },
      ],
    },
  ]);
});

test("parses every traversal form", (t) => {
  t.deepEqual(clauses("$a knows $b $a $e:knows $b $a <knows> $b $a knows{1,3} $b $a knows{2,} $_ $_ $w:<cites>{1,1} $a"), [
    { kind: "traversal", src: "a", edge: "knows", undirected: false, dst: "b" },
    { kind: "traversal", src: "a", edgeVar: "e", edge: "knows", undirected: false, dst: "b" },
    { kind: "traversal", src: "a", edge: "knows", undirected: true, dst: "b" },
    { kind: "traversal", src: "a", edge: "knows", undirected: false, bounds: { min: 1, max: 3 }, dst: "b" },
    { kind: "traversal", src: "a", edge: "knows", undirected: false, bounds: { min: 2 }, dst: "_" },
    { kind: "traversal", src: "_", edgeVar: "w", edge: "cites", undirected: true, bounds: { min: 1, max: 1 }, dst: "a" },
  ]);
});

test("parses filters with every operator", (t) => {
  const ops = [">=", "<=", "!=", ">", "<", "=", "contains", "starts_with"];
  t.deepEqual(
    clauses(ops.map((op) => `$p.x ${op} 1`).join("\n")),
    ops.map((op) => ({ kind: "filter", left: { kind: "prop", var: "p", prop: "x" }, op, right: lit("int", 1n) })),
  );
});

test("a variable followed by contains or starts_with is a filter, not a traversal", (t) => {
  t.deepEqual(clauses("$tags contains $t $s starts_with \"x\""), [
    { kind: "filter", left: { kind: "var", name: "tags" }, op: "contains", right: { kind: "var", name: "t" } },
    { kind: "filter", left: { kind: "var", name: "s" }, op: "starts_with", right: lit("string", "x") },
  ]);
});

test("parses filters whose operands are variables, literals, now(), aliases and calls", (t) => {
  t.deepEqual(clauses('$a != $b now() > $p.t 3 < $p.n "x" = alias [1, 2] contains $p.n $p.d >= date("2024-01-01")'), [
    { kind: "filter", left: { kind: "var", name: "a" }, op: "!=", right: { kind: "var", name: "b" } },
    { kind: "filter", left: { kind: "now" }, op: ">", right: { kind: "prop", var: "p", prop: "t" } },
    { kind: "filter", left: lit("int", 3n), op: "<", right: { kind: "prop", var: "p", prop: "n" } },
    { kind: "filter", left: lit("string", "x"), op: "=", right: { kind: "alias", name: "alias" } },
    { kind: "filter", left: { kind: "list", items: [lit("int", 1n), lit("int", 2n)] }, op: "contains", right: { kind: "prop", var: "p", prop: "n" } },
    { kind: "filter", left: { kind: "prop", var: "p", prop: "d" }, op: ">=", right: lit("date", "2024-01-01") },
  ]);
});

test("parses nested negations", (t) => {
  t.deepEqual(clauses("$p: P not { $p worksAt $_ not { $p.x = 1 } }"), [
    { kind: "binding", var: "p", typeName: "P", props: [] },
    {
      kind: "not", clauses: [
        { kind: "traversal", src: "p", edge: "worksAt", undirected: false, dst: "_" },
        { kind: "not", clauses: [{ kind: "filter", left: { kind: "prop", var: "p", prop: "x" }, op: "=", right: lit("int", 1n) }] },
      ],
    },
  ]);
});

test("parses search, fuzzy and match_text as bare match clauses", (t) => {
  const s = { kind: "prop", var: "d", prop: "title" };
  const q = { kind: "var", name: "q" };
  t.deepEqual(clauses("search($d.title, $q) fuzzy($d.title, $q, 2) match_text($d.title, $q)"), [
    { kind: "predicate", call: { kind: "call", fn: "search", args: [s, q] } },
    { kind: "predicate", call: { kind: "call", fn: "fuzzy", args: [s, q, lit("int", 2n)] } },
    { kind: "predicate", call: { kind: "call", fn: "match_text", args: [s, q] } },
  ]);
});

test("parses every expression form", (t) => {
  t.deepEqual(expr("now()"), { kind: "now" });
  t.deepEqual(expr("$p.name"), { kind: "prop", var: "p", prop: "name" });
  t.deepEqual(expr("$p"), { kind: "var", name: "p" });
  t.deepEqual(expr("someAlias"), { kind: "alias", name: "someAlias" });
  t.deepEqual(expr('"a\\u0041"'), lit("string", "aA"));
  t.deepEqual(expr("18446744073709551616"), lit("int", 18446744073709551616n));
  t.deepEqual(expr("0.50"), lit("float", 0.5, { raw: "0.50" }));
  t.deepEqual(expr("false"), lit("bool", false));
  t.deepEqual(expr('datetime("2024-01-01T00:00:00Z")'), lit("datetime", "2024-01-01T00:00:00Z"));
  t.deepEqual(expr("[]"), { kind: "list", items: [] });
  t.deepEqual(expr('[[1], ["a"]]'), { kind: "list", items: [{ kind: "list", items: [lit("int", 1n)] }, { kind: "list", items: [lit("string", "a")] }] });
  for (const fn of ["count", "sum", "avg", "min", "max"]) {
    t.deepEqual(expr(`${fn}($p.n)`), { kind: "agg", fn, arg: { kind: "prop", var: "p", prop: "n" } });
  }
  t.deepEqual(expr("nearest($d.v, $q)"), { kind: "nearest", var: "d", prop: "v", query: { kind: "var", name: "q" } });
  t.deepEqual(expr("nearest($d.v, [1, 0.5])"), {
    kind: "nearest", var: "d", prop: "v", query: { kind: "list", items: [lit("int", 1n), lit("float", 0.5, { raw: "0.5" })] },
  });
  t.deepEqual(expr("bm25($d.t, $q)"), { kind: "call", fn: "bm25", args: [{ kind: "prop", var: "d", prop: "t" }, { kind: "var", name: "q" }] });
  t.deepEqual(expr("rrf(nearest($d.v, $a), bm25($d.t, $b), 60)"), {
    kind: "call", fn: "rrf", args: [
      { kind: "nearest", var: "d", prop: "v", query: { kind: "var", name: "a" } },
      { kind: "call", fn: "bm25", args: [{ kind: "prop", var: "d", prop: "t" }, { kind: "var", name: "b" }] },
      lit("int", 60n),
    ],
  });
});

test("keywords used as names stay names: date, count and not without ( or { are aliases", (t) => {
  t.deepEqual(expr("date"), { kind: "alias", name: "date" });
  t.deepEqual(clauses("count = 1"), [{ kind: "filter", left: { kind: "alias", name: "count" }, op: "=", right: lit("int", 1n) }]);
  t.deepEqual(clauses("not = 1"), [{ kind: "filter", left: { kind: "alias", name: "not" }, op: "=", right: lit("int", 1n) }]);
});

test("return items are separated by commas or newlines and take aliases", (t) => {
  const body = read(`query q() { match { $p: P } return {
    $p.name
    count($f) as friends,
    $p.age as age, $p
  } }`);
  t.deepEqual(stripLocs(body.returns), [
    { expr: { kind: "prop", var: "p", prop: "name" } },
    { expr: { kind: "agg", fn: "count", arg: { kind: "var", name: "f" } }, alias: "friends" },
    { expr: { kind: "prop", var: "p", prop: "age" }, alias: "age" },
    { expr: { kind: "var", name: "p" } },
  ]);
});

test("parses order keys with and without directions, nearest, and limit", (t) => {
  const body = read("query q($q: Vector(2)) { match { $p: P } return { $p.a as yr } order { yr desc, $p.b asc, $p.c nearest($p.v, $q) } limit 25 }");
  t.deepEqual(stripLocs(body.order), [
    { expr: { kind: "alias", name: "yr" }, direction: "desc" },
    { expr: { kind: "prop", var: "p", prop: "b" }, direction: "asc" },
    { expr: { kind: "prop", var: "p", prop: "c" } },
    { expr: { kind: "nearest", var: "p", prop: "v", query: { kind: "var", name: "q" } } },
  ]);
  t.is(body.limit, 25);
  t.is(read("query q() { match { $p: P } return { $p } }").limit, undefined);
});

test("parses insert, update and delete statements", (t) => {
  const q = only(`query m($d: String, $y: I32) {
    insert Paper { doi: $d, title: "T", venue: "preprint" }
    insert Wrote { from: "o1", to: $d position: 1 }
    update Paper set { year: $y, updated: now() } where doi = $d
    update Paper set { year: 1 } where year >= 2 and doi starts_with "x"
  }`);
  t.deepEqual(stripLocs(q.body), {
    kind: "mutation",
    statements: [
      { kind: "insert", typeName: "Paper", values: [
        { name: "doi", value: { kind: "var", name: "d" } },
        { name: "title", value: lit("string", "T") },
        { name: "venue", value: lit("string", "preprint") },
      ] },
      { kind: "insert", typeName: "Wrote", values: [
        { name: "from", value: lit("string", "o1") },
        { name: "to", value: { kind: "var", name: "d" } },
        { name: "position", value: lit("int", 1n) },
      ] },
      { kind: "update", typeName: "Paper", set: [
        { name: "year", value: { kind: "var", name: "y" } },
        { name: "updated", value: { kind: "now" } },
      ], where: [{ name: "doi", op: "=", value: { kind: "var", name: "d" } }] },
      { kind: "update", typeName: "Paper", set: [{ name: "year", value: lit("int", 1n) }], where: [
        { name: "year", op: ">=", value: lit("int", 2n) },
        { name: "doi", op: "starts_with", value: lit("string", "x") },
      ] },
    ],
  });
  const d = only('query m() { delete Wrote where from = "a" delete Paper where year < 1900 }');
  t.deepEqual(stripLocs(d.body), {
    kind: "mutation",
    statements: [
      { kind: "delete", typeName: "Wrote", where: [{ name: "from", op: "=", value: lit("string", "a") }] },
      { kind: "delete", typeName: "Paper", where: [{ name: "year", op: "<", value: lit("int", 1900n) }] },
    ],
  });
});

test("every node records the line:column of its first token", (t) => {
  const src = [
    "query q($n: String) {", //       1
    "  match {", //                   2
    "    $p: Person { name: $n }", // 3
    "    $p knows $f", //             4
    "    not { $f.age > 3 }", //      5
    "  }", //                         6
    "  return { $f.name as n, count($f) }", // 7
    "  order { n desc }", //          8
    "  limit 3", //                   9
    "}",
  ].join("\n");
  const q = only(src);
  t.deepEqual(q.loc, { line: 1, column: 1 });
  t.deepEqual(q.params[0]?.loc, { line: 1, column: 9 });
  const body = q.body as ReadBodyAst;
  const [binding, trav, neg] = body.match as [ClauseAst & { kind: "binding" }, ClauseAst, ClauseAst & { kind: "not" }];
  t.deepEqual(binding.loc, { line: 3, column: 5 });
  t.deepEqual(binding.props[0]?.loc, { line: 3, column: 18 });
  t.deepEqual((binding.props[0]?.value as ExprAst).loc, { line: 3, column: 24 });
  t.deepEqual(trav.loc, { line: 4, column: 5 });
  t.deepEqual(neg.loc, { line: 5, column: 5 });
  const inner = neg.clauses[0] as ClauseAst & { kind: "filter" };
  t.deepEqual([inner.loc, inner.left.loc, inner.right.loc], [{ line: 5, column: 11 }, { line: 5, column: 11 }, { line: 5, column: 20 }]);
  t.deepEqual(body.returns.map((r) => r.loc), [{ line: 7, column: 12 }, { line: 7, column: 26 }]);
  const agg = body.returns[1]?.expr as ExprAst & { kind: "agg" };
  t.deepEqual(agg.arg.loc, { line: 7, column: 32 });
  t.deepEqual(body.order[0]?.loc, { line: 8, column: 11 });
});

test("mutation statements and where comparisons carry locations", (t) => {
  const q = only('query m() {\n  delete Paper where doi = "x"\n}');
  const s = (q.body as { statements: { loc: unknown; where: { loc: unknown }[] }[] }).statements[0];
  t.deepEqual(s?.loc, { line: 2, column: 3 });
  t.deepEqual(s?.where[0]?.loc, { line: 2, column: 22 });
});
