import test from "ava";
import { compileSchema } from "../../../server/engine/schema/validate.ts";
import { locOf, throwsEngine } from "./support.ts";

/** Each bad schema and where the error must point: the nth occurrence of `at`. */
const invalid: { name: string; src: string; at: string; nth?: number }[] = [
  // names
  { name: "node name not a TypeName", src: "node person {}", at: "person" },
  { name: "interface name not a TypeName", src: "interface named { x: I32 }", at: "named" },
  { name: "edge name not a TypeName", src: "node A {}\nedge knows: A -> A", at: "knows" },
  { name: "duplicate node name", src: "node A {}\nnode A {}", at: "A", nth: 1 },
  { name: "node and edge share a name", src: "node A {}\nedge A: A -> A", at: "A", nth: 1 },
  { name: "interface and node share a name", src: "interface A { x: I32 }\nnode A {}", at: "A", nth: 1 },
  { name: "edge names equal ignoring case", src: "node N {}\nedge Knows: N -> N\nedge KNOWS: N -> N", at: "KNOWS" },
  { name: "property name not an ident", src: "node A { Name: String }", at: "Name" },
  { name: "duplicate property", src: "node A { x: I32\n  x: String }", at: "x", nth: 1 },
  { name: "duplicate interface property", src: "interface I { x: I32 x: I32 }", at: "x", nth: 1 },
  { name: "annotation name not an ident", src: "node A @Foo {}", at: "@Foo" },
  { name: "duplicate named annotation argument", src: "node A @tag(x, a=1, a=2) {}", at: "a=2" },
  // reserved property names
  { name: "reserved _rowid", src: "node A { _rowid: I64 }", at: "_rowid" },
  { name: "reserved _row_last_updated_at_version", src: "node A { _row_last_updated_at_version: I64 }", at: "_row_last" },
  { name: "reserved _row* prefix", src: "node A { _row_note: String }", at: "_row_note" },
  // Well-formed syntax used wrongly (issue 13: this used to be ERR_PARSE).
  { name: "key with a string argument", src: `node A { x: String @key("x") }`, at: `"x"` },
  { name: "reserved _tombstone", src: "node A { _tombstone: Bool }", at: "_tombstone" },
  { name: "implicit id", src: "node A { id: String }", at: "id" },
  { name: "implicit src on an edge", src: "node A {}\nedge E: A -> A { src: String }", at: "src" },
  { name: "implicit dst in an interface", src: "interface I { dst: String }", at: "dst" },
  { name: "edge property named from", src: "node A {}\nedge E: A -> A { from: String }", at: "from" },
  // types
  { name: "Vector(0)", src: "node A { v: Vector(0) }", at: "Vector" },
  { name: "nested list", src: "node A { l: [[String]] }", at: "[", nth: 1 },
  { name: "list of vectors", src: "node A { l: [Vector(3)] }", at: "Vector" },
  { name: "list of enums", src: "node A { l: [enum(a, b)] }", at: "enum" },
  { name: "list of Blob", src: "node A { l: [Blob] }", at: "Blob" },
  // interfaces
  { name: "unknown interface", src: "node A implements Missing {}", at: "Missing" },
  { name: "implements a node", src: "node B {}\nnode A implements B {}", at: "B", nth: 1 },
  { name: "implements twice", src: "interface I { x: I32 }\nnode A implements I, I {}", at: "I {", nth: 1 },
  { name: "redeclared interface property with another type", src: "interface I { x: I32 }\nnode A implements I { x: I64 }", at: "x", nth: 1 },
  { name: "redeclared interface property with other nullability", src: "interface I { x: I32 }\nnode A implements I { x: I32? }", at: "x", nth: 1 },
  { name: "two interfaces disagree on a property", src: "interface I { x: I32 }\ninterface J { x: String }\nnode A implements I, J {}", at: "J", nth: 1 },
  // edges
  { name: "unknown edge source", src: "node A {}\nedge E: Missing -> A", at: "Missing" },
  { name: "unknown edge destination", src: "node A {}\nedge E: A -> Missing", at: "Missing" },
  { name: "edge endpoint is an interface", src: "interface Iface { x: I32 }\nnode A {}\nedge E: A -> Iface", at: "Iface", nth: 1 },
  { name: "edge endpoint is an edge", src: "node A {}\nedge E: A -> A\nedge F: E -> A", at: "E", nth: 1 },
  { name: "@card min above max", src: "node A {}\nedge E: A -> A @card(3..1)", at: "@card" },
  { name: "@key in an edge body", src: "node A {}\nedge E: A -> A { x: String @key(x) }", at: "@key" },
  { name: "@key shorthand on an edge property", src: "node A {}\nedge E: A -> A { x: String @key }", at: "@key" },
  { name: "@range in an edge body", src: "node A {}\nedge E: A -> A { w: I32 @range(w, 0..1) }", at: "@range" },
  { name: "@check in an edge body", src: `node A {}\nedge E: A -> A { w: String @check(w, "x") }`, at: "@check" },
  { name: "@unique on an unknown edge property", src: "node A {}\nedge E: A -> A { @unique(src, nope) }", at: "nope" },
  { name: "@embed on an edge property", src: `node A {}\nedge E: A -> A { t: String  v: Vector(2) @embed("t") }`, at: "@embed" },
  // @key
  { name: "@key on a nullable property", src: "node A { x: String? @key }", at: "@key" },
  { name: "@key on a list", src: "node A { x: [String] @key }", at: "@key" },
  { name: "@key on a vector", src: "node A { x: Vector(2) @key }", at: "@key" },
  { name: "@key on a Blob", src: "node A { x: Blob @key }", at: "@key" },
  { name: "@key on an unknown property", src: "node A { x: String @key(nope) }", at: "nope" },
  { name: "two @key constraints", src: "node A { x: String @key  y: String @key }", at: "@key", nth: 1 },
  { name: "shorthand and body @key", src: "node A { x: String @key  @key(x) }", at: "@key(x)" },
  { name: "@key lists a property twice", src: "node A { x: String  @key(x, x) }", at: "x", nth: 2 },
  { name: "@key shorthand twice on a property", src: "node A { x: String @key @key }", at: "@key", nth: 1 },
  { name: "@key on a type", src: "node A @key { x: String }", at: "@key" },
  // @unique / @index
  { name: "@unique on a Blob", src: "node A { x: Blob @unique }", at: "@unique" },
  { name: "@unique on a list", src: "node A { x: [I32] @unique(x) }", at: "x", nth: 1 },
  { name: "@unique on a vector", src: "node A { x: Vector(2) @unique }", at: "@unique" },
  { name: "@unique names src on a node", src: "node A { x: I32 @unique(x, src) }", at: "src" },
  { name: "@index on a Blob", src: "node A { x: Blob @index }", at: "@index" },
  { name: "@index on a list", src: "node A { xs: [I32]  @index(xs) }", at: "xs", nth: 1 },
  { name: "@index on an unknown property", src: "node A { @index(nope) }", at: "nope" },
  { name: "@index on a type", src: "node A @index(x) { x: I32 }", at: "@index" },
  // @range / @check
  { name: "@range on an unknown property", src: "node A { @range(nope, 0..1) }", at: "nope" },
  { name: "@range on a String", src: "node A { s: String  @range(s, 0..1) }", at: "s", nth: 1 },
  { name: "@range on a list of numbers", src: "node A { s: [I32]  @range(s, 0..1) }", at: "s", nth: 1 },
  { name: "@range with min above max", src: "node A { n: I32  @range(n, 5..1) }", at: "@range" },
  { name: "two @range on one property", src: "node A { n: I32  @range(n, 0..5)  @range(n, 1..2) }", at: "@range", nth: 1 },
  { name: "@range bound beyond 2^53", src: "node A { n: I64  @range(n, 0..9223372036854775807) }", at: "9223372036854775807" },
  { name: "bare @range on a property", src: "node A { n: I32 @range }", at: "@range" },
  { name: "@check on an unknown property", src: `node A { @check(nope, "x") }`, at: "nope" },
  { name: "@check on a number", src: `node A { n: I32  @check(n, "x") }`, at: "n", nth: 2 },
  { name: "@check on an enum", src: `node A { kind: enum(a)  @check(kind, "a") }`, at: "kind", nth: 1 },
  { name: "@check with an invalid pattern", src: `node A { s: String  @check(s, "(") }`, at: `"("` },
  // annotations
  { name: "@embed on a non-vector", src: `node A { t: String  v: String @embed("t") }`, at: "@embed" },
  { name: "@embed with an unknown source", src: `node A { v: Vector(2) @embed("t") }`, at: "@embed" },
  { name: "@embed with a non-String source", src: `node A { t: I32  v: Vector(2) @embed("t") }`, at: "@embed" },
  { name: "@embed with a list source", src: `node A { t: [String]  v: Vector(2) @embed("t") }`, at: "@embed" },
  { name: "@embed without a source", src: "node A { v: Vector(2) @embed }", at: "@embed" },
  { name: "@embed with an unknown argument", src: `node A { t: String  v: Vector(2) @embed("t", dims=3) }`, at: "dims" },
  { name: "@embed model not a string", src: `node A { t: String  v: Vector(2) @embed("t", model=3) }`, at: "3" },
  { name: "@embed on a type", src: `node A @embed("t") { t: String }`, at: "@embed" },
  { name: "@embed in an interface with an unknown source", src: `interface I { v: Vector(2) @embed("t") }`, at: "@embed" },
  { name: "@description without a string", src: "node A @description(x) {}", at: "x" },
  { name: "@description empty", src: `node A @description("  ") {}`, at: `"  "` },
  { name: "@description twice", src: `node A @description("a") @description("b") {}`, at: "@description", nth: 1 },
  { name: "@description with named arguments", src: `node A { x: I32 @description("a", lang="en") }`, at: "lang" },
  { name: "@instruction on a property", src: `node A { x: I32 @instruction("x") }`, at: "@instruction" },
  { name: "@rename_from with a bad type name", src: `node A @rename_from("old") {}`, at: "@rename_from" },
  { name: "@rename_from with a bad property name", src: `node A { x: I32 @rename_from("Old") }`, at: "@rename_from" },
  { name: "@card on a node", src: "node A @card {}", at: "@card" },
  { name: "@card on a property", src: "node A { x: I32 @card }", at: "@card" },
];

for (const c of invalid) {
  test(`ERR_SCHEMA_INVALID: ${c.name}`, (t) => {
    const err = throwsEngine(t, () => compileSchema(c.src), "ERR_SCHEMA_INVALID", locOf(c.src, c.at, c.nth ?? 0));
    t.truthy(err?.excerpt);
  });
}

test("ERR_SCHEMA_INVALID for an error on a later line points at that line", (t) => {
  const src = "node A {\n  x: I32\n}\n\nnode B {\n  y: String? @key\n}";
  throwsEngine(t, () => compileSchema(src), "ERR_SCHEMA_INVALID", { line: 6, column: 14 });
});

test("an interface's shorthand applies where it is injected and is checked there", (t) => {
  const src = "interface I { x: String? @key }\nnode A implements I {}";
  throwsEngine(t, () => compileSchema(src), "ERR_SCHEMA_INVALID", locOf(src, "@key"));
});
