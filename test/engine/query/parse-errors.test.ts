import test from "ava";
import { parseQueries } from "../../../server/engine/query/parser.ts";
import { marked, throwsCode } from "./helpers.ts";

/** Each source has a `‸` where the ERR_PARSE must be located. */
const cases: [string, string][] = [
  ["a declaration must start with `query`", "‸match { }"],
  ["query names start lower-case", "query ‸Foo() { match { $p: P } return { $p } }"],
  ["the parameter list needs `(`", "query q ‸{ match { $p: P } return { $p } }"],
  ["an unknown parameter type", "query q($x: ‸Int) { match { $p: P } return { $p } }"],
  ["a parameter needs `:`", "query q($x ‸String) { match { $p: P } return { $p } }"],
  ["the parameter list needs `)`", "query q($x: String ‸{ match { $p: P } return { $p } }"],
  ["a trailing comma in the parameter list", "query q($a: I32,‸) { match { $p: P } return { $p } }"],
  ["a vector dimension must be an integer", "query q($v: Vector(‸x)) { match { $p: P } return { $p } }"],
  ["a list parameter type must be closed", "query q($v: [I32‸) { match { $p: P } return { $p } }"],
  ["an unknown annotation", 'query q() @‸note("x") { match { $p: P } return { $p } }'],
  ["a duplicate @description", 'query q() @description("a") ‸@description("b") { match { $p: P } return { $p } }'],
  ["an annotation argument must be a string", "query q() @description(‸3) { match { $p: P } return { $p } }"],
  ["the body must start with match or a mutation", "query q() { ‸return { $p } }"],
  ["an empty match", "query q() { match { ‸} return { $p } }"],
  ["a missing return", "query q() { match { $p: P } ‸}"],
  ["an empty return", "query q() { match { $p: P } return { ‸} }"],
  ["a binding type must be a type name", "query q() { match { $p: ‸person } return { $p } }"],
  ["an edge named with an upper-case initial", "query q() { match { $a ‸Knows $b } return { $a } }"],
  ["an edge var with an upper-case edge", "query q() { match { $a $e:‸Knows $b } return { $a } }"],
  ["a traversal needs a destination variable", "query q() { match { $a knows ‸3 } return { $a } }"],
  ["an undirected edge must be closed", "query q() { match { $a <knows ‸$b } return { $a } }"],
  ["traversal bounds need a comma", "query q() { match { $a knows{1‸} $b } return { $a } }"],
  ["traversal bounds need integers", "query q() { match { $a knows{‸x,2} $b } return { $a } }"],
  ["an edge variable needs `:`", "query q() { match { $a $e ‸knows $b } return { $a } }"],
  ["a filter needs an operator", "query q() { match { $p: P $p.age ‸3 } return { $p } }"],
  ["a filter needs a right operand", "query q() { match { $p: P $p.age > ‸} return { $p } }"],
  ["an unknown function", "query q() { match { $p: P ‸foo($p) = 1 } return { $p } }"],
  ["nearest needs $var.prop first", "query q($q: Vector(2)) { match { $p: P } return { $p } order { nearest(‸$p, $q) } limit 1 }"],
  ["search takes two arguments", "query q($q: String) { match { $d: D ‸search($d.t) } return { $d } }"],
  ["fuzzy takes at most three arguments", "query q($q: String) { match { $d: D ‸fuzzy($d.t, $q, 1, 2) } return { $d } }"],
  ["now() takes no arguments", "query q() { match { $p: P $p.t < now(‸1) } return { $p } }"],
  ["a list literal must be closed", "query q() { match { $p: P $p.x contains [1, 2 ‸} return { $p } }"],
  ["a list literal holds literals only", "query q() { match { $p: P $p.x contains [‸$a] } return { $p } }"],
  ["date() takes a string", "query q() { match { $p: P $p.d = date(‸3) } return { $p } }"],
  ["an aggregate must be closed", "query q() { match { $p: P } return { count($p ‸} }"],
  ["an alias must be an identifier", "query q() { match { $p: P } return { $p as ‸3 } }"],
  ["limit needs an integer", "query q() { match { $p: P } return { $p } limit ‸x }"],
  ["limit must be a safe integer", "query q() { match { $p: P } return { $p } limit ‸99999999999999999999 }"],
  ["nothing may follow limit but `}`", "query q() { match { $p: P } return { $p } limit 1 ‸limit 2 }"],
  ["garbage after return", "query q() { match { $p: P } return { $p } ‸foo }"],
  ["a negative integer literal", "query q() { match { $p: P $p.x > ‸-1 } return { $p } }"],
  ["an inline property needs `:`", 'query q() { match { $p: P { name ‸"x" } } return { $p } }'],
  ["an inline value cannot be a property reference", "query q() { match { $p: P { name: ‸$q.name } } return { $p } }"],
  ["an inline value cannot be an alias", "query q() { match { $p: P { name: ‸foo } } return { $p } }"],
  ["an insert type must be a type name", "query m() { insert ‸paper { a: 1 } }"],
  ["an insert needs a body", "query m() { insert Paper ‸where a = 1 }"],
  ["an insert body cannot be empty", "query m() { insert Paper { ‸} }"],
  ["update needs set", "query m() { update Paper ‸{ a: 1 } where a = 1 }"],
  ["update needs where", "query m() { update Paper set { a: 1 } ‸}"],
  ["delete needs where", 'query m() { delete Paper ‸doi = "x" }'],
  ["where needs an operator", "query m($d: String) { delete Paper where doi ‸$d }"],
  ["where needs a property name", "query m($d: String) { delete Paper where ‸$d = doi }"],
  ["a mutation value cannot be a property", "query m() { insert P { a: ‸$p.x } }"],
  ["a read clause after mutations", "query m() { insert P { a: 1 } ‸match { } }"],
  ["an unterminated declaration", "query q() { match { $p: P } return { $p } ‸"],
  ["a declared-twice query name", "query q() { match { $p: P } return { $p } }\nquery ‸q() { delete P where id = \"x\" }"],
  ["a lexer error inside a query", "query q() { match { $p: P $p.x = ‸'a' } return { $p } }"],
];

for (const [label, src] of cases) {
  test(`ERR_PARSE: ${label}`, (t) => {
    const { source, loc } = marked(src);
    throwsCode(t, () => parseQueries(source), "ERR_PARSE", loc);
  });
}

test("a parse error carries an excerpt with a caret under the column", (t) => {
  const err = throwsCode(t, () => parseQueries("query q() {\n  match { $p: P $p.age 3 }\n}"), "ERR_PARSE", [2, 24]);
  t.is(err?.excerpt, "    match { $p: P $p.age 3 }\n                         ^");
  t.true(err?.message.includes("expected a comparison operator"));
});

test("deeply nested input is refused with ERR_PARSE instead of overflowing the stack", (t) => {
  const deepList = `query q() { match { $p: P $p.x contains ${"[".repeat(5000)}1${"]".repeat(5000)} } return { $p } }`;
  throwsCode(t, () => parseQueries(deepList), "ERR_PARSE");
  const deepNot = `query q() { match { $p: P ${"not { ".repeat(5000)}$p.x = 1${" }".repeat(5000)} } return { $p } }`;
  throwsCode(t, () => parseQueries(deepNot), "ERR_PARSE");
  const deepAgg = `query q() { match { $p: P } return { ${"count(".repeat(5000)}$p${")".repeat(5000)} } }`;
  throwsCode(t, () => parseQueries(deepAgg), "ERR_PARSE");
  const ok = `query q() { match { $p: P ${"not { ".repeat(20)}$p.x = 1${" }".repeat(20)} } return { $p } }`;
  t.is(parseQueries(ok).length, 1);
});
