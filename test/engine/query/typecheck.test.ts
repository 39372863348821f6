import test from "ava";
import { checkQuery, compileQuery } from "../../../server/engine/query/typecheck.ts";
import { parseQueries } from "../../../server/engine/query/parser.ts";
import type { TypedMutation, TypedQuery, TypedRead } from "../../../server/engine/query/typed.ts";
import type { Catalog } from "../../../server/engine/schema/catalog.ts";
import { compileSchema } from "../../../server/engine/schema/index.ts";
import { fixtureCatalog, libCatalog } from "./catalogs.ts";
import { summarize } from "./summary.ts";
import { typeName } from "../../../server/engine/query/type-rules.ts";

const lib = libCatalog();
const people = fixtureCatalog("test");

function compile(src: string, catalog: Catalog = lib): TypedQuery {
  const [ast] = parseQueries(src);
  if (!ast) throw new Error("no query");
  return checkQuery(ast, catalog, src);
}
function readQ(src: string, catalog: Catalog = lib): TypedRead {
  const q = compile(src, catalog);
  if (q.kind !== "read") throw new Error("expected a read");
  return q;
}
function mutation(src: string, catalog: Catalog = lib): TypedMutation {
  const q = compile(src, catalog);
  if (q.kind !== "mutation") throw new Error("expected a mutation");
  return q;
}
/** Typed filters of `match { $p: Paper <body> }`. */
function filters(body: string, params = ""): unknown {
  return summarize(readQ(`query q(${params}) { match { $p: Paper ${body} } return { $p.doi } }`).match.filters);
}
const prop = (v: string, p: string, type: string, nullable: boolean, owner = "Paper", kind = "Node") =>
  ({ kind: "property", var: v, owner: `${kind}(${owner})`, property: p === "id" || p === "src" || p === "dst" ? p : `Prop(${p})`, type, nullable });
const literal = (value: unknown, type: string) => ({ kind: "literal", value, type, nullable: false });
const param = (name: string, type: string, nullable = false) => ({ kind: "param", name, type, nullable });

test("a read query resolves bindings, inline values, projections and params (fixture get_person)", (t) => {
  const q = readQ("query get_person($name: String) { match { $p: Person { name: $name } } return { $p.name, $p.age } }", people);
  t.deepEqual(summarize(q), {
    kind: "read",
    name: "get_person",
    params: [{ name: "name", type: "String", nullable: false }],
    match: {
      bindings: [{
        var: "p", type: "Node(Person)", explicit: true, outer: false,
        inline: [{ property: "Prop(name)", op: "=", value: param("name", "String") }],
      }],
      traversals: [],
      filters: [],
      negations: [],
    },
    projections: [
      { expr: prop("p", "name", "String", false, "Person"), column: "p.name" },
      { expr: prop("p", "age", "I32", true, "Person"), column: "p.age" },
    ],
    aggregate: false,
    groupBy: [],
    order: [],
  });
});

test("description, instruction and limit are carried over", (t) => {
  const q = readQ('query q() @description("d") @instruction("i") { match { $p: Paper } return { $p.doi } limit 7 }');
  t.is(q.description, "d");
  t.is(q.instruction, "i");
  t.is(q.limit, 7);
  t.deepEqual(q.location, { line: 1, column: 1 });
});

test("traversal endpoints not bound explicitly get the edge's endpoint types", (t) => {
  const q = readQ("query q() { match { $a wrote $p $p cites $c } return { $c.doi } }");
  t.deepEqual(summarize(q.match.bindings), [
    { var: "a", type: "Node(Author)", inline: [], explicit: false, outer: false },
    { var: "p", type: "Node(Paper)", inline: [], explicit: false, outer: false },
    { var: "c", type: "Node(Paper)", inline: [], explicit: false, outer: false },
  ]);
  t.deepEqual(summarize(q.match.traversals), [
    { src: "a", dst: "p", edge: "Edge(Wrote)", undirected: false, min: 1, max: 1 },
    { src: "p", dst: "c", edge: "Edge(Cites)", undirected: false, min: 1, max: 1 },
  ]);
});

test("a later explicit binding marks a traversal endpoint explicit and adds its inline values", (t) => {
  const q = readQ('query q() { match { $a wrote $p  $a: Author { orcid: "o" } } return { $p.doi } }');
  t.deepEqual(summarize(q.match.bindings[0]), {
    var: "a", type: "Node(Author)", explicit: true, outer: false,
    inline: [{ property: "Prop(orcid)", op: "=", value: literal("o", "String") }],
  });
});

test("variable-length and undirected traversals; an open-ended one is refused (OmniGraph T15)", (t) => {
  const q = readQ("query q() { match { $p: Paper $p cites{1,3} $q $p cites{2,4} $r $p <cites> $s $x <follows>{1,2} $y } return { $q.doi } }");
  t.deepEqual(summarize(q.match.traversals), [
    { src: "p", dst: "q", edge: "Edge(Cites)", undirected: false, min: 1, max: 3 },
    { src: "p", dst: "r", edge: "Edge(Cites)", undirected: false, min: 2, max: 4 },
    { src: "p", dst: "s", edge: "Edge(Cites)", undirected: true, min: 1, max: 1 },
    { src: "x", dst: "y", edge: "Edge(Follows)", undirected: true, min: 1, max: 2 },
  ]);
  t.throws(() => readQ("query q() { match { $p: Paper $p cites{2,} $r } return { $r.doi } }"), { code: "ERR_TYPE" });
});

test("an edge variable binds the edge: its properties and implicit id/src/dst are readable", (t) => {
  const q = readQ("query q() { match { $a $w:wrote $p } return { $w.position, $w.id, $w.src, $w.dst, $w } }");
  t.is(q.match.traversals[0]?.edgeVar, "w");
  t.deepEqual(summarize(q.projections.map((p) => p.expr)), [
    prop("w", "position", "U32", true, "Wrote", "Edge"),
    prop("w", "id", "String", false, "Wrote", "Edge"),
    prop("w", "src", "String", false, "Wrote", "Edge"),
    prop("w", "dst", "String", false, "Wrote", "Edge"),
    { kind: "var", var: "w", type: "edge Wrote", nullable: false },
  ]);
  t.deepEqual(q.projections.map((p) => p.column), ["w.position", "w.id", "w.src", "w.dst", "w"]);
  t.is(readQ("query q() { match { $a $_:wrote $p } return { $p.doi } }").match.traversals[0]?.edgeVar, undefined);
});

test("a negation is an anti-join scope; the wildcard binds nothing (fixture unemployed)", (t) => {
  const q = readQ("query unemployed() { match { $p: Person not { $p worksAt $_ } } return { $p.name } }", people);
  t.deepEqual(summarize(q.match.negations), [
    { bindings: [], traversals: [{ src: "p", dst: "_", edge: "Edge(WorksAt)", undirected: false, min: 1, max: 1 }], filters: [], negations: [] },
  ]);
});

test("negations introduce local variables, constrain outer ones and nest", (t) => {
  const q = readQ(`query q() { match {
    $a: Author
    not { $a wrote $p  $p: Paper { venue: "journal" }  $a: Author { name: "x" }  not { $p cites $c  $c.doi = $a.orcid } }
  } return { $a.name } }`);
  const [neg] = q.match.negations;
  t.deepEqual(summarize(neg?.bindings), [
    { var: "p", type: "Node(Paper)", explicit: true, outer: false, inline: [{ property: "Prop(venue)", op: "=", value: literal("journal", "enum(conference, journal, preprint)") }] },
    { var: "a", type: "Node(Author)", explicit: true, outer: true, inline: [{ property: "Prop(name)", op: "=", value: literal("x", "String") }] },
  ]);
  t.deepEqual(summarize(neg?.negations[0]?.bindings), [{ var: "c", type: "Node(Paper)", inline: [], explicit: false, outer: false }]);
  t.deepEqual(summarize(neg?.negations[0]?.filters), [
    { left: prop("c", "doi", "String", false), op: "=", right: prop("a", "orcid", "String", false, "Author") },
  ]);
  t.deepEqual(q.match.bindings.map((b) => b.var), ["a"]);
});

test("literals take the type of the property they are compared with", (t) => {
  t.deepEqual(filters("$p.year > 2000"), [{ left: prop("p", "year", "I32", true), op: ">", right: literal(2000, "I32") }]);
  t.deepEqual(filters("5 < $p.citations"), [{ left: literal(5n, "I64"), op: "<", right: prop("p", "citations", "I64", true) }]);
  t.deepEqual(filters("$p.views >= 18446744073709551615"), [{ left: prop("p", "views", "U64", true), op: ">=", right: literal(18446744073709551615n, "U64") }]);
  t.deepEqual(filters("$p.weight > 1"), [{ left: prop("p", "weight", "F64", true), op: ">", right: literal(1, "F64") }]);
  t.deepEqual(filters("$p.score = 0.1"), [{ left: prop("p", "score", "F32", true), op: "=", right: literal(Math.fround(0.1), "F32") }]);
  t.deepEqual(filters("$p.year < 2.5"), [{ left: prop("p", "year", "I32", true), op: "<", right: literal(2.5, "F64") }]);
  t.deepEqual(filters("$p.open = true"), [{ left: prop("p", "open", "Bool", true), op: "=", right: literal(true, "Bool") }]);
  t.deepEqual(filters('$p.venue != "preprint"'), [{ left: prop("p", "venue", "enum(conference, journal, preprint)", false), op: "!=", right: literal("preprint", "enum(conference, journal, preprint)") }]);
  t.deepEqual(filters('$p.id = "p1"'), [{ left: prop("p", "id", "String", false), op: "=", right: literal("p1", "String") }]);
});

test("Date and DateTime literals and their coercions", (t) => {
  t.deepEqual(filters('$p.published >= "2024-02-29"'), [{ left: prop("p", "published", "Date", true), op: ">=", right: literal("2024-02-29", "Date") }]);
  t.deepEqual(filters('$p.published < date("2024-01-01")'), [{ left: prop("p", "published", "Date", true), op: "<", right: literal("2024-01-01", "Date") }]);
  t.deepEqual(filters('$p.updated_at < "2024-01-01T01:00:00+01:00"'), [{ left: prop("p", "updated_at", "DateTime", true), op: "<", right: literal(Date.UTC(2024, 0, 1), "DateTime") }]);
  t.deepEqual(filters('$p.updated_at > date("2024-01-02")'), [{ left: prop("p", "updated_at", "DateTime", true), op: ">", right: literal(Date.UTC(2024, 0, 2), "DateTime") }]);
  // a Date compared with a DateTime is cast to DateTime (midnight UTC)
  const dateCast = { kind: "cast", arg: prop("p", "published", "Date", true), type: "DateTime", nullable: true };
  t.deepEqual(filters('$p.published < datetime("2024-01-01T12:00:00Z")'), [{ left: dateCast, op: "<", right: literal(Date.UTC(2024, 0, 1, 12), "DateTime") }]);
  t.deepEqual(filters("$p.published < now()"), [{ left: dateCast, op: "<", right: { kind: "now", type: "DateTime", nullable: false } }]);
  t.deepEqual(filters("$p.published <= $t", "$t: DateTime?"), [{ left: dateCast, op: "<=", right: param("t", "DateTime", true) }]);
});

test("contains resolves to list membership or substring; starts_with is a prefix test", (t) => {
  t.deepEqual(filters('$p.tags contains "x"'), [{ left: prop("p", "tags", "[String]", true), op: "list_contains", right: literal("x", "String") }]);
  t.deepEqual(filters("$p.counts contains 3"), [{ left: prop("p", "counts", "[I64]", true), op: "list_contains", right: literal(3n, "I64") }]);
  t.deepEqual(filters('$p.title contains "gra"'), [{ left: prop("p", "title", "String", false), op: "string_contains", right: literal("gra", "String") }]);
  t.deepEqual(filters('$p.venue contains "ourn"'), [{ left: prop("p", "venue", "enum(conference, journal, preprint)", false), op: "string_contains", right: literal("ourn", "String") }]);
  t.deepEqual(filters('$p.title starts_with "A"'), [{ left: prop("p", "title", "String", false), op: "starts_with", right: literal("A", "String") }]);
  t.deepEqual(filters('["a", "b"] contains $p.title'), [{ left: literal(["a", "b"], "[String]"), op: "list_contains", right: prop("p", "title", "String", false) }]);
  t.deepEqual(filters("$xs contains $p.year", "$xs: [I64]"), [{ left: param("xs", "[I64]"), op: "list_contains", right: prop("p", "year", "I32", true) }]);
});

test("node variables compare by identity with = and !=", (t) => {
  const q = readQ("query q() { match { $a wrote $p $c wrote $p $c != $a } return { $c.name } }");
  t.deepEqual(summarize(q.match.filters), [
    { left: { kind: "var", var: "c", type: "node Author", nullable: false }, op: "!=", right: { kind: "var", var: "a", type: "node Author", nullable: false } },
  ]);
});

test("inline values on list properties test membership; now() and params are values", (t) => {
  const q = readQ('query q($y: I32) { match { $p: Paper { tags: "x", year: $y, updated_at: now(), published: "2024-01-01" } } return { $p.doi } }');
  t.deepEqual(summarize(q.match.bindings[0]?.inline), [
    { property: "Prop(tags)", op: "list_contains", value: literal("x", "String") },
    { property: "Prop(year)", op: "=", value: param("y", "I32") },
    { property: "Prop(updated_at)", op: "=", value: { kind: "now", type: "DateTime", nullable: false } },
    { property: "Prop(published)", op: "=", value: literal("2024-01-01", "Date") },
  ]);
  t.deepEqual(summarize(readQ('query q() { match { $p: Paper { id: "x" } } return { $p.doi } }').match.bindings[0]?.inline), [
    { property: "id", op: "=", value: literal("x", "String") },
  ]);
});

test("projections of every kind get their column names and types", (t) => {
  const q = readQ('query q($x: String?) { match { $p: Paper } return { $p, $p.doi, $x, now(), 3, "s" as s, [1, 2.5] as xs } }');
  t.deepEqual(q.projections.map((p) => p.column), ["p", "p.doi", "x", "now", "literal", "s", "xs"]);
  t.deepEqual(summarize(q.projections.map((p) => p.expr)), [
    { kind: "var", var: "p", type: "node Paper", nullable: false },
    prop("p", "doi", "String", false),
    param("x", "String", true),
    { kind: "now", type: "DateTime", nullable: false },
    literal(3n, "I64"),
    literal("s", "String"),
    literal([1, 2.5], "[F64]"),
  ]);
});

test("aggregates: result types, group-by indexes and default columns (fixture age_stats)", (t) => {
  const q = readQ(`query age_stats() { match { $p: Person $p worksAt $c } return {
    $c.name sum($p.age) as total_age avg($p.age) as avg_age min($p.age) as youngest max($p.age) as oldest count($p) as headcount
  } }`, people);
  t.true(q.aggregate);
  t.deepEqual(q.groupBy, [0]);
  t.deepEqual(q.projections.map((p) => [p.column, p.expr.kind === "aggregate" ? p.expr.fn : "-", typeName(p.expr.type), p.expr.nullable]), [
    ["c.name", "-", "String", false],
    ["total_age", "sum", "I64", true],
    ["avg_age", "avg", "F64", true],
    ["youngest", "min", "I32", true],
    ["oldest", "max", "I32", true],
    ["headcount", "count", "I64", false],
  ]);
  const agg = readQ("query q() { match { $p: Paper } return { sum($p.views) as v, sum($p.weight) as w, min($p.published) as d, count($p.year), $p.venue } }");
  t.deepEqual(agg.projections.map((p) => [p.column, typeName(p.expr.type)]), [["v", "U64"], ["w", "F64"], ["d", "Date"], ["p.year", "I64"], ["p.venue", "enum(conference, journal, preprint)"]]);
  t.deepEqual(agg.groupBy, [4]);
  t.deepEqual(summarize((agg.projections[0]?.expr as { arg: unknown }).arg), prop("p", "views", "U64", true));
});

test("a global aggregate has no group key (fixture total_people)", (t) => {
  const q = readQ("query total_people() { match { $p: Person } return { count($p) as total } }", people);
  t.true(q.aggregate);
  t.deepEqual(q.groupBy, []);
  t.deepEqual(summarize(q.projections[0]?.expr), { kind: "aggregate", fn: "count", arg: { kind: "var", var: "p", type: "node Person", nullable: false }, type: "I64", nullable: false });
});

test("order keys: aliases resolve to projection indexes, expressions stay expressions", (t) => {
  const q = readQ("query q() { match { $p: Paper } return { $p.doi, $p.year as yr } order { yr desc, $p.title, $p.doi asc } limit 25 }");
  t.deepEqual(summarize(q.order), [
    { expr: { kind: "alias", name: "yr", index: 1, type: "I32", nullable: true }, direction: "desc" },
    { expr: prop("p", "title", "String", false), direction: "asc" },
    { expr: prop("p", "doi", "String", false), direction: "asc" },
  ]);
});

test("in an aggregate query an order key that repeats a projection becomes an alias ref (fixture friend_counts)", (t) => {
  const q = readQ("query q() { match { $p: Person $p knows $f } return { $p.name, count($f) as friends } order { friends desc, count($f), $p.name } limit 20 }", people);
  t.deepEqual(summarize(q.order.map((o) => [o.expr, o.direction])), [
    [{ kind: "alias", name: "friends", index: 1, type: "I64", nullable: false }, "desc"],
    [{ kind: "alias", name: "friends", index: 1, type: "I64", nullable: false }, "asc"],
    [{ kind: "alias", name: "p.name", index: 0, type: "String", nullable: false }, "asc"],
  ]);
});

test("nearest orders by F64 distance to a vector param or vector literal (fixture vector_search)", (t) => {
  const docs = fixtureCatalog("search");
  const q = readQ("query vector_search($q: Vector(4)) { match { $d: Doc } return { $d.slug, $d.title } order { nearest($d.embedding, $q) } limit 3 }", docs);
  t.deepEqual(summarize(q.order), [{
    expr: { kind: "nearest", var: "d", owner: "Node(Doc)", property: "Prop(embedding)", query: param("q", "Vector(4)"), type: "F64", nullable: false },
    direction: "asc",
  }]);
  t.is(q.limit, 3);
  const lit = readQ("query q() { match { $p: Paper } return { $p.doi, nearest($p.embedding, [1, 0, 0.5, 2]) as dist } order { nearest($p.embedding, [1, 0, 0.5, 2]) } limit 2 }");
  t.deepEqual(summarize(lit.projections[1]?.expr), {
    kind: "nearest", var: "p", owner: "Node(Paper)", property: "Prop(embedding)", query: literal([1, 0, 0.5, 2], "Vector(4)"), type: "F64", nullable: true,
  });
  t.true(lit.projections[1]?.expr.kind === "nearest" && (lit.projections[1].expr.query as { value: unknown }).value instanceof Float32Array);
});

test("contract examples type-check (recent, co_authors, add_paper, set_year)", (t) => {
  const catalog = compileSchema(`
    interface Titled { title: String }
    node Paper @description("A publication") implements Titled {
      doi: String @key
      year: I32?
      tags: [String]?
      venue: enum(journal, conference, preprint)
      abstract: String?
      embedding: Vector(384)? @embed("abstract")
      @index(year)
      @range(year, 1900..2100)
    }
    node Author { orcid: String @key  name: String @index }
    edge Wrote: Author -> Paper @card(0..) { position: U32? }
    edge Cites: Paper -> Paper
  `);
  const source = `
    query recent($since: I32) {
      match { $p: Paper  $p.year >= $since  $p.title contains "graph" }
      return { $p.doi, $p.year as yr }
      order { yr desc, $p.doi asc }
      limit 25
    }
    query co_authors($orcid: String) {
      match { $a: Author { orcid: $orcid }  $a wrote $p  $c wrote $p  $c.orcid != $orcid }
      return { $c.name, count($p) as shared }
      order { shared desc }
    }
    query add_paper($doi: String, $title: String, $orcid: String) {
      insert Paper { doi: $doi, title: $title, venue: "preprint" }
      insert Wrote { from: $orcid, to: $doi, position: 1 }
    }
    query set_year($doi: String, $year: I32) {
      update Paper set { year: $year } where doi = $doi
    }
    query cites_far() { match { $p: Paper $p cites{1,3} $q } return { $q.doi } }`;
  const kinds = ["recent", "co_authors", "add_paper", "set_year", "cites_far"].map((n) => compileQuery(source, catalog, n).kind);
  t.deepEqual(kinds, ["read", "read", "mutation", "mutation", "read"]);
  const add = compileQuery(source, catalog, "add_paper") as TypedMutation;
  t.deepEqual(summarize(add.statements), [
    { op: "insert", type: "Node(Paper)", values: [
      { target: "Prop(doi)", value: param("doi", "String") },
      { target: "Prop(title)", value: param("title", "String") },
      { target: "Prop(venue)", value: literal("preprint", "enum(conference, journal, preprint)") },
    ] },
    { op: "insert", type: "Edge(Wrote)", values: [
      { target: "from", value: param("orcid", "String") },
      { target: "to", value: param("doi", "String") },
      { target: "Prop(position)", value: literal(1, "U32") },
    ] },
  ]);
  const setYear = compileQuery(source, catalog, "set_year") as TypedMutation;
  t.deepEqual(summarize(setYear.statements), [{
    op: "update", type: "Node(Paper)",
    set: [{ target: "Prop(year)", value: param("year", "I32") }],
    where: { target: "Prop(doi)", op: "=", value: param("doi", "String") },
  }]);
});

test("assignments widen parameters through explicit casts", (t) => {
  const m = mutation(`query m($c: I32, $v: U32, $w: F32, $d: Date, $p: String, $b: String, $n: [I32]) {
    update Paper set { citations: $c, views: $v, weight: $w, updated_at: $d, venue: $p, pdf: $b, counts: $n } where doi = "x"
  }`);
  const set = (m.statements[0] as { set: unknown[] }).set;
  const cast = (arg: unknown, type: string) => ({ kind: "cast", arg, type, nullable: false });
  t.deepEqual(summarize(set), [
    { target: "Prop(citations)", value: cast(param("c", "I32"), "I64") },
    { target: "Prop(views)", value: cast(param("v", "U32"), "U64") },
    { target: "Prop(weight)", value: cast(param("w", "F32"), "F64") },
    { target: "Prop(updated_at)", value: cast(param("d", "Date"), "DateTime") },
    { target: "Prop(venue)", value: param("p", "String") },
    { target: "Prop(pdf)", value: param("b", "String") },
    { target: "Prop(counts)", value: cast(param("n", "[I32]"), "[I64]") },
  ]);
});

test("literal assignments are converted to the property's representation", (t) => {
  const m = mutation(`query m() {
    insert Paper { doi: "d", title: "t", venue: "journal", year: 2024, citations: 7, score: 0.5, published: "2024-01-02",
      updated_at: "2024-01-02T00:00:00Z", tags: ["a"], counts: [1, 2], embedding: [1, 2, 3, 4.5], open: false, pdf: "base64:AA==" }
  }`);
  const values = (m.statements[0] as { values: { value: unknown }[] }).values.map((v) => summarize(v.value));
  t.deepEqual(values, [
    literal("d", "String"), literal("t", "String"), literal("journal", "enum(conference, journal, preprint)"),
    literal(2024, "I32"), literal(7n, "I64"), literal(0.5, "F32"), literal("2024-01-02", "Date"),
    literal(Date.UTC(2024, 0, 2), "DateTime"), literal(["a"], "[String]"), literal([1n, 2n], "[I64]"),
    literal([1, 2, 3, 4.5], "Vector(4)"), literal(false, "Bool"), literal("base64:AA==", "Blob"),
  ]);
});

test("an @embed vector may be omitted when its source is supplied; unkeyed nodes and edges accept id", (t) => {
  const m = mutation(`query m($b: String) {
    insert Note { body: $b, id: "n1" }
    insert Reviewed { from: "a", to: "p", rating: 3, id: "r1" }
    insert Note { body: "x", vec: [0.5, 1] }
  }`);
  t.deepEqual(summarize(m.statements.map((s) => (s as { values: { target: unknown }[] }).values.map((v) => v.target))), [
    ["Prop(body)", "id"],
    ["from", "to", "Prop(rating)", "id"],
    ["Prop(body)", "Prop(vec)"],
  ]);
  const now = mutation("query m() { update Paper set { updated_at: now() } where year > 3 }");
  t.deepEqual(summarize((now.statements[0] as { set: unknown[] }).set), [{ target: "Prop(updated_at)", value: { kind: "now", type: "DateTime", nullable: false } }]);
});

test("delete statements on nodes and edges (by property, id, from and to)", (t) => {
  const m = mutation(`query m($o: String) {
    delete Paper where year < 1900
    delete Paper where id = "p1"
    delete Wrote where from = $o
    delete Wrote where to != "p"
    delete Wrote where position >= 3
    delete Paper where tags contains "old"
  }`);
  t.deepEqual(summarize(m.statements), [
    { op: "delete", type: "Node(Paper)", where: { target: "Prop(year)", op: "<", value: literal(1900, "I32") } },
    { op: "delete", type: "Node(Paper)", where: { target: "id", op: "=", value: literal("p1", "String") } },
    { op: "delete", type: "Edge(Wrote)", where: { target: "from", op: "=", value: param("o", "String") } },
    { op: "delete", type: "Edge(Wrote)", where: { target: "to", op: "!=", value: literal("p", "String") } },
    { op: "delete", type: "Edge(Wrote)", where: { target: "Prop(position)", op: ">=", value: literal(3, "U32") } },
    { op: "delete", type: "Node(Paper)", where: { target: "Prop(tags)", op: "list_contains", value: literal("old", "String") } },
  ]);
});

test("compileQuery selects by name and needs none for a single query", (t) => {
  const src = "query a() { match { $p: Paper } return { $p.doi } }\nquery b() { delete Paper where doi = \"x\" }";
  t.is(compileQuery(src, lib, "a").kind, "read");
  t.is(compileQuery(src, lib, "b").kind, "mutation");
  t.is(compileQuery("query only() { match { $p: Paper } return { $p.doi } }", lib).name, "only");
});

test("clause order does not matter: filters may precede the bindings they use", (t) => {
  const q = readQ("query q() { match { $c.doi = \"x\" $p cites $c $p: Paper } return { $c.doi } }");
  t.deepEqual(q.match.bindings.map((b) => [b.var, b.explicit]), [["p", true], ["c", false]]);
  t.is(q.match.filters.length, 1);
});
