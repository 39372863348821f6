import test from "ava";
import type { EngineErrorCode } from "../../../server/engine/errors.ts";
import { compileQuery } from "../../../server/engine/query/typecheck.ts";
import { libCatalog } from "./catalogs.ts";
import { marked, throwsCode } from "./helpers.ts";

const lib = libCatalog();
const P = "$v: Vector(4), $v2: Vector(2), $s: String, $b: Blob, $xs: [String], $vl: [F32]";
/** A read over `$p: Paper` with the given match clauses, return items and tail (order/limit). */
const read = (body: string, ret = "$p.doi", tail = "", params = P) =>
  `query q(${params}) { match { $p: Paper ${body} } return { ${ret} } ${tail} }`;
const mut = (params: string, body: string) => `query m(${params}) { ${body} }`;
const PAPER = 'doi: "d", title: "t", venue: "journal"';

/** [label, source with ‸ at the error location, code (ERR_TYPE when omitted)] */
const cases: [string, string, EngineErrorCode?][] = [
  // parameters
  ["a parameter declared twice", "query q($a: I32, ‸$a: I32) { match { $p: Paper } return { $p.doi } }"],
  ["the wildcard as a parameter", "query q(‸$_: I32) { match { $p: Paper } return { $p.doi } }"],
  ["a zero-dimension vector parameter", "query q(‸$v: Vector(0)) { match { $p: Paper } return { $p.doi } }"],
  ["an undeclared parameter", read("$p.year > ‸$nope")],
  ["a match variable named like a parameter", "query q($p: I32) { match { ‸$p: Paper } return { $p } }"],
  ["a property of a parameter", read("‸$s.x = 1")],
  // bindings
  ["an unknown node type", read("‸$x: Nope")],
  ["an edge type bound as a node", read("‸$x: Wrote")],
  ["binding the wildcard", read("‸$_: Paper")],
  ["rebinding a variable to another type", read("‸$p: Author")],
  ["an unknown inline property", read("$q: Paper { ‸nope: 1 }")],
  ["a Blob inline property", read('$q: Paper { ‸pdf: "x" }')],
  ["an inline value of the wrong type", read('$q: Paper { ‸year: "x" }')],
  ["an inline enum value outside the enum", read('$q: Paper { venue: ‸"bogus" }')],
  ["an inline value naming a match variable", read("$q: Paper { doi: ‸$p }")],
  ["an inline list value for a list property", read('$q: Paper { ‸tags: ["a"] }')],
  // traversals
  ["an unknown edge", read("‸$p nope $q")],
  ["a source of the wrong type", read("‸$p wrote $q")],
  ["a destination of the wrong type", read("$a: Author ‸$x wrote $a")],
  ["an undirected traversal on an edge between two types", read("‸$a <wrote> $p")],
  ["a variable-length traversal on an edge between two types", read("‸$a wrote{1,2} $p")],
  ["a minimum hop count of 0", read("‸$p cites{0,2} $q")],
  ["a maximum below the minimum", read("‸$p cites{3,2} $q")],
  ["an edge variable with multi-hop bounds", read("‸$p $e:cites{1,2} $q")],
  ["an edge variable used twice", read("$a $e:wrote $p ‸$a $e:wrote $q")],
  ["an edge variable used as a node endpoint", read("$a $e:wrote $p ‸$e wrote $q")],
  ["an edge variable reusing a node variable", read("‸$a $p:wrote $q")],
  ["an edge variable named like a parameter", read("‸$a $s:wrote $p")],
  ["binding an edge variable as a node", read("$a $e:wrote $p ‸$e: Paper")],
  // filters
  ["an unbound variable", read('‸$q.doi = "x"')],
  ["an unknown property", read("‸$p.nope = 1")],
  ["a Blob property", read('‸$p.pdf = "x"')],
  ["a property of the wildcard", read("‸$_.x = 1")],
  ["a string compared with an integer property", read('‸$p.year = "x"')],
  ["an integer literal out of range", read("$p.year > ‸3000000000")],
  ["an integer literal beyond U64", read("$p.views > ‸18446744073709551616")],
  ["an invalid date", read('$p.published > ‸"2024-02-30"')],
  ["an invalid date()", read('$p.published > ‸date("2024-13-01")')],
  ["an invalid datetime()", read('$p.updated_at > ‸datetime("nope")')],
  ["an enum literal outside the enum", read('$p.venue = ‸"bogus"')],
  ["contains on a number", read("‸$p.year contains 3")],
  ["contains with a list on the right", read('‸$p.tags contains ["a"]')],
  ["contains with an element of the wrong type", read("‸$p.tags contains 3")],
  ["starts_with on a number", read('‸$p.year starts_with "1"')],
  ["comparing lists", read("‸$p.tags = $xs")],
  ["comparing vectors", read("‸$p.embedding = $v")],
  ["ordering nodes", read("$a wrote $p $c wrote $p ‸$a < $c")],
  ["comparing nodes of different types", read("$a wrote $p ‸$a = $p")],
  ["comparing a node with a literal", read('‸$p = "x"')],
  ["comparing with a Blob parameter", read("‸$p.title = $b")],
  ["comparing a Date with a number", read("‸$p.published > 3")],
  ["comparing a Bool with a string", read('‸$p.open = "true"')],
  ["an aggregate in a filter", read("‸count($p) > 1")],
  ["nearest in a filter", read("‸nearest($p.embedding, $v) < 1")],
  ["an alias in a filter", read("‸foo = 1")],
  ["a nested list literal", read("$p.tags contains [‸[1]]")],
  ["a list literal of mixed types", read('‸["a", 1] contains $p.title')],
  ["search (tier B)", read("‸search($p.title, $s)"), "ERR_NOT_SUPPORTED"],
  ["fuzzy (tier B)", read("‸fuzzy($p.title, $s, 2)"), "ERR_NOT_SUPPORTED"],
  ["match_text (tier B)", read("‸match_text($p.title, $s)"), "ERR_NOT_SUPPORTED"],
  // negations
  ["a negation that references nothing outside it", read("‸not { $x: Author }")],
  ["a variable bound only inside a negation, used outside", read("not { $a wrote $p }", "‸$a.name")],
  ["a negation with a type error inside", read("not { $a wrote $p ‸$a.nope = 1 }")],
  // return
  ["the wildcard in return", read("", "‸$_")],
  ["an alias as a return item", read("", "‸foo")],
  ["a Blob property in return", read("", "‸$p.pdf")],
  ["a Blob parameter in return", read("", "‸$b")],
  ["two items with one column name", read("", "$p.doi, ‸$p.doi")],
  ["two items with one alias", read("", "$p.doi as x, ‸$p.title as x")],
  ["an aliased column clashing with a default one", read("", "$p.title as p, ‸$p")],
  ["nested aggregates", read("", "sum(‸count($p)) as n")],
  ["sum over a String", read("", "‸sum($p.title)")],
  ["avg over a node", read("", "‸avg($p)")],
  ["min over a vector", read("", "‸min($p.embedding)")],
  ["max over a list", read("", "‸max($p.tags)")],
  ["an aggregate over nearest", read("", "count(‸nearest($p.embedding, $v)) as n", "limit 1")],
  ["bm25 in return (tier B)", read("", "‸bm25($p.title, $s)"), "ERR_NOT_SUPPORTED"],
  // order
  ["an unknown alias", read("", "$p.doi", "order { ‸nope }")],
  ["ordering by a node", read("", "$p.doi", "order { ‸$p }")],
  ["ordering by a vector", read("", "$p.doi", "order { ‸$p.embedding }")],
  ["ordering by an alias of a node", read("", "$p as x", "order { ‸x }")],
  ["ordering by a Blob", read("", "$p.doi", "order { ‸$p.pdf }")],
  ["an aggregate query ordered by something not returned", read("", "count($p) as n", "order { ‸$p.doi }")],
  ["an aggregate query ordered by an unbound variable", read("", "count($p) as n", "order { ‸$q.doi }")],
  ["an aggregate in a non-aggregate order", read("", "$p.doi", "order { ‸count($p) }")],
  ["bm25 in order (tier B)", read("", "$p.doi", "order { ‸bm25($p.title, $s) } limit 3"), "ERR_NOT_SUPPORTED"],
  ["rrf in order (tier B)", read("", "$p.doi", "order { ‸rrf(nearest($p.embedding, $v), bm25($p.title, $s)) } limit 3"), "ERR_NOT_SUPPORTED"],
  // nearest
  ["nearest without limit", read("", "$p.doi", "order { ‸nearest($p.embedding, $v) }")],
  ["nearest with a String query (embedding is not supported)", read("", "$p.doi", "order { nearest($p.embedding, ‸$s) } limit 3")],
  ["nearest with a vector of another dimension", read("", "$p.doi", "order { nearest($p.embedding, ‸$v2) } limit 3")],
  ["nearest with a literal of another dimension", read("", "$p.doi", "order { nearest($p.embedding, ‸[1, 2]) } limit 3")],
  ["nearest with a list parameter", read("", "$p.doi", "order { nearest($p.embedding, ‸$vl) } limit 3")],
  ["nearest with a property as query", read("", "$p.doi", "order { nearest($p.embedding, ‸$p.embedding) } limit 3")],
  ["nearest on a non-vector property", read("", "$p.doi", "order { ‸nearest($p.title, $v) } limit 3")],
  ["nearest on an edge variable", read("$a $e:wrote $p", "$p.doi", "order { ‸nearest($e.position, $v) } limit 3")],
  ["nearest on an unbound variable", read("", "$p.doi", "order { ‸nearest($q.embedding, $v) } limit 3")],
  ["a projected nearest that is not an order key", read("", "‸nearest($p.embedding, $v) as d", "limit 3")],
  ["nearest in an aggregate query", read("", "count($p) as n", "order { ‸nearest($p.embedding, $v) } limit 3")],
  // mutations: D2
  ["inserts mixed with deletes (D2)", mut("", `insert Paper { ${PAPER} } ‸delete Paper where doi = "x"`), "ERR_D2_MIXED_MUTATION"],
  ["deletes mixed with updates (D2)", mut("", 'delete Paper where doi = "x" ‸update Paper set { year: 1 } where doi = "y"'), "ERR_D2_MIXED_MUTATION"],
  // insert
  ["an insert of an unknown type", mut("", "‸insert Nope { a: 1 }")],
  ["an insert of an unknown property", mut("", `insert Paper { ${PAPER}, ‸nope: 1 }`)],
  ["an insert assigning a property twice", mut("", `insert Paper { ${PAPER}, ‸doi: "e" }`)],
  ["an insert missing a non-nullable property", mut("", '‸insert Paper { doi: "d", title: "t" }')],
  ["an insert missing a non-nullable @embed vector and its source", mut("", "‸insert Note { stars: 1 }")],
  ["an edge insert without from", mut("", '‸insert Wrote { to: "p" }')],
  ["an edge insert without to", mut("", '‸insert Wrote { from: "a" }')],
  ["an edge insert missing a non-nullable property", mut("", '‸insert Reviewed { from: "a", to: "p" }')],
  ["an id for a keyed node", mut("", `insert Paper { ${PAPER}, ‸id: "x" }`)],
  ["from on a node insert", mut("", 'insert Note { body: "x", ‸from: "a" }')],
  ["a string literal for an integer property", mut("", `insert Paper { ${PAPER}, year: ‸"x" }`)],
  ["a float literal for an integer property", mut("", `insert Paper { ${PAPER}, year: ‸1.5 }`)],
  ["an integer literal out of range for U32", mut("", 'insert Wrote { from: "a", to: "p", position: ‸4294967296 }')],
  ["a String parameter for an integer property", mut("$s: String", `insert Paper { ${PAPER}, year: ‸$s }`)],
  ["a narrowing parameter (I64 into I32)", mut("$n: I64", `insert Paper { ${PAPER}, year: ‸$n }`)],
  ["a DateTime parameter into a Date", mut("$t: DateTime", `insert Paper { ${PAPER}, published: ‸$t }`)],
  ["a nullable parameter into a non-nullable property", mut("$t: String?", 'insert Paper { doi: "d", title: ‸$t, venue: "journal" }')],
  ["now() into a Date", mut("", `insert Paper { ${PAPER}, published: ‸now() }`)],
  ["an undeclared parameter in an insert", mut("", 'insert Paper { doi: ‸$nope, title: "t", venue: "journal" }')],
  ["a vector literal of the wrong dimension", mut("", `insert Paper { ${PAPER}, embedding: ‸[1, 2] }`)],
  ["a vector literal with a string element", mut("", `insert Paper { ${PAPER}, embedding: [1, 2, 3, ‸"x"] }`)],
  ["a list element of the wrong type", mut("", `insert Paper { ${PAPER}, tags: [‸1] }`)],
  ["an invalid DateTime string", mut("", `insert Paper { ${PAPER}, updated_at: ‸"yesterday" }`)],
  ["an enum value outside the enum", mut("", 'insert Paper { doi: "d", title: "t", venue: ‸"blog" }')],
  ["a non-String from", mut("", 'insert Wrote { from: ‸1, to: "p" }')],
  // update / delete
  ["an update of an edge", mut("", '‸update Wrote set { position: 1 } where from = "a"')],
  ["an update of a key property", mut("", 'update Paper set { ‸doi: "y" } where doi = "x"')],
  ["an update of id", mut("", 'update Paper set { ‸id: "y" } where doi = "x"')],
  ["an update of an unknown property", mut("", 'update Paper set { ‸nope: 1 } where doi = "x"')],
  ["an update where with two comparisons", mut("", 'update Paper set { year: 1 } where year > 1 and ‸doi = "x"')],
  ["a delete where with two comparisons", mut("", 'delete Paper where year > 1 and ‸doi = "x"')],
  ["a where on an unknown property", mut("", "delete Paper where ‸nope = 1")],
  ["a where on from for a node", mut("", 'delete Paper where ‸from = "x"')],
  ["a where on a Blob", mut("", 'delete Paper where ‸pdf = "x"')],
  ["a where with a value of the wrong type", mut("", 'delete Paper where ‸year = "x"')],
  ["a where with an enum value outside the enum", mut("", 'update Paper set { year: 1 } where venue = ‸"bogus"')],
  ["a where with an undeclared parameter", mut("", "delete Paper where doi = ‸$nope")],
];

for (const [label, src, code] of cases) {
  test(`${code ?? "ERR_TYPE"}: ${label}`, (t) => {
    const { source, loc } = marked(src);
    throwsCode(t, () => compileQuery(source, lib), code ?? "ERR_TYPE", loc);
  });
}

test("the D2 error message says the query mixes inserts/updates and deletes", (t) => {
  const err = throwsCode(t, () => compileQuery(mut("", `update Paper set { year: 1 } where doi = "x" delete Paper where doi = "x"`), lib), "ERR_D2_MIXED_MUTATION");
  t.true(err?.message.includes("mixes inserts/updates and deletes"));
});

test("type errors carry an excerpt of the source line", (t) => {
  const err = throwsCode(t, () => compileQuery("query q() {\n  match { $p: Paper $p.nope = 1 }\n  return { $p.doi }\n}", lib), "ERR_TYPE", [2, 21]);
  t.is(err?.excerpt, "    match { $p: Paper $p.nope = 1 }\n                      ^");
});

test("compileQuery needs a name when the source declares several queries", (t) => {
  const src = "query a() { match { $p: Paper } return { $p.doi } }\nquery b() { match { $p: Paper } return { $p.doi } }";
  throwsCode(t, () => compileQuery(src, lib), "ERR_QUERY_NAME_REQUIRED");
});

test("compileQuery reports an unknown query name", (t) => {
  throwsCode(t, () => compileQuery("query a() { match { $p: Paper } return { $p.doi } }", lib, "b"), "ERR_QUERY_NOT_FOUND");
});

test("compileQuery refuses a source without queries", (t) => {
  throwsCode(t, () => compileQuery("// nothing\n", lib), "ERR_PARSE", [1, 1]);
});

test("compileQuery reports parse errors before name selection", (t) => {
  throwsCode(t, () => compileQuery("query a() { match { } }", lib, "a"), "ERR_PARSE", [1, 21]);
});
