import test from "ava";
import { tokenize } from "../../../server/engine/schema/lexer.ts";
import { parseSchema } from "../../../server/engine/schema/parser.ts";
import type { EdgeDeclAst, InterfaceDeclAst, NodeDeclAst } from "../../../server/engine/schema/ast.ts";
import { locOf, throwsEngine } from "./support.ts";

test("lexer skips // and /* */ comments and keeps 1-based positions", (t) => {
  const src = "// header\n/* block\n   over lines */ node  A {\n}";
  const tokens = tokenize(src);
  t.deepEqual(tokens.map((k) => k.kind), ["word", "word", "{", "}", "eof"]);
  t.deepEqual(tokens[0]?.loc, { line: 3, column: 18 });
  t.deepEqual(tokens[1]?.loc, { line: 3, column: 24 });
  t.deepEqual(tokens[3]?.loc, { line: 4, column: 1 });
});

test("lexer ignores a leading byte-order mark without shifting columns", (t) => {
  t.deepEqual(tokenize("\uFEFFnode")[0]?.loc, { line: 1, column: 1 });
});

test("lexer reads ranges, negative and fractional numbers, arrows and string escapes", (t) => {
  const tokens = tokenize(`1..5 -2.5.. ..7 -> "a\\"b\\\\c\\n\\t\\r"`);
  t.deepEqual(
    tokens.map((k) => [k.kind, k.text]),
    [["number", "1"], ["..", ".."], ["number", "5"], ["number", "-2.5"], ["..", ".."], ["..", ".."], ["number", "7"],
      ["->", "->"], ["string", `"a\\"b\\\\c\\n\\t\\r"`], ["eof", ""]],
  );
  t.is(tokens[8]?.value, 'a"b\\c\n\t\r');
});

test("parses an interface with annotated properties", (t) => {
  const src = `interface Titled {\n  title: String @description("The title") @key\n}`;
  const decl = parseSchema(src).declarations[0] as InterfaceDeclAst;
  t.is(decl.kind, "interface");
  t.deepEqual(decl.name, { name: "Titled", loc: { line: 1, column: 11 } });
  t.deepEqual(decl.loc, { line: 1, column: 1 });
  const p = decl.properties[0];
  t.is(p?.name, "title");
  t.deepEqual(p?.loc, { line: 2, column: 3 });
  t.deepEqual(p?.type, { core: { kind: "base", base: "String", loc: { line: 2, column: 10 } }, nullable: false, loc: { line: 2, column: 10 } });
  t.deepEqual(p?.annotations.map((a) => [a.name, a.arg?.value, a.loc]), [
    ["description", "The title", { line: 2, column: 17 }],
    ["key", undefined, { line: 2, column: 43 }],
  ]);
});

test("parses a node with annotations, implements, every type form and body constraints", (t) => {
  const src = [
    `node Paper @description("A publication") @tag(core, level=2, on=true, w=-1.5) implements Titled, Dated {`,
    `  doi: String @key`,
    `  year: I32?`,
    `  tags: [String]?`,
    `  venue: enum(journal, conference, in-progress, 2x)`,
    `  embedding: Vector(384)? @embed("abstract", model="m")`,
    `  @key(doi, year)`,
    `  @unique(doi)`,
    `  @index(year, doi)`,
    `  @range(year, 1900..2100)`,
    `  @range(score, ..-0.5)`,
    `  @range(rank, 3..)`,
    `  @check(doi, "^10\\\\.")`,
    `}`,
  ].join("\n");
  const node = parseSchema(src).declarations[0] as NodeDeclAst;
  t.is(node.name.name, "Paper");
  t.deepEqual(node.implements.map((i) => i.name), ["Titled", "Dated"]);
  t.deepEqual(node.annotations[0]?.arg, { kind: "string", value: "A publication", loc: locOf(src, `"A publication"`) });
  const tag = node.annotations[1];
  t.deepEqual(tag?.arg, { kind: "ident", value: "core", loc: locOf(src, "core") });
  t.deepEqual(tag?.named.map((n) => [n.name, n.value.value]), [["level", 2], ["on", true], ["w", -1.5]]);
  const types = node.properties.map((p) => [p.type.core.kind, p.type.nullable]);
  t.deepEqual(types, [["base", false], ["base", true], ["list", true], ["enum", false], ["vector", true]]);
  const venue = node.properties[3]?.type.core;
  t.deepEqual(venue?.kind === "enum" && venue.values.map((v) => v.value), ["journal", "conference", "in-progress", "2x"]);
  const vec = node.properties[4]?.type.core;
  t.deepEqual(vec?.kind === "vector" && vec.dim, 384);
  const embed = node.properties[4]?.annotations[0];
  t.deepEqual([embed?.name, embed?.arg?.value, embed?.named[0]?.name, embed?.named[0]?.value.value], ["embed", "abstract", "model", "m"]);
  t.deepEqual(
    node.constraints.map((c) => c.kind),
    ["key", "unique", "index", "range", "range", "range", "check"],
  );
  const [key, , , r1, r2, r3, check] = node.constraints;
  t.deepEqual(key?.kind === "key" && key.properties.map((p) => p.name), ["doi", "year"]);
  t.deepEqual(key?.loc, locOf(src, "@key(doi"));
  t.deepEqual(r1?.kind === "range" && [r1.min?.value, r1.max?.value], [1900, 2100]);
  t.deepEqual(r2?.kind === "range" && [r2.min?.value, r2.max?.value], [undefined, -0.5]);
  t.deepEqual(r3?.kind === "range" && [r3.min?.value, r3.max?.value], [3, undefined]);
  t.deepEqual(check?.kind === "check" && check.pattern.value, "^10\\.");
});

test("parses edges: cardinality forms, annotations after @card, bodies and no body", (t) => {
  const src = [
    `edge Wrote: Author -> Paper @card(1..3) @description("authorship") { position: U32? @unique(src, dst) @index(src) }`,
    `edge Cites: Paper -> Paper`,
    `edge Likes: A -> B @card(0..) {}`,
  ].join("\n");
  const [wrote, cites, likes] = parseSchema(src).declarations as EdgeDeclAst[];
  t.deepEqual([wrote?.from.name, wrote?.to.name], ["Author", "Paper"]);
  t.deepEqual(wrote?.card, { min: 1, max: 3, loc: locOf(src, "@card(1..3)") });
  t.is(wrote?.annotations[0]?.name, "description");
  t.deepEqual(wrote?.properties.map((p) => p.name), ["position"]);
  t.deepEqual(wrote?.constraints.map((c) => c.kind), ["unique", "index"]);
  t.is(cites?.card, undefined);
  t.deepEqual(cites?.properties, []);
  t.deepEqual(likes?.card, { min: 0, max: undefined, loc: locOf(src, "@card(0..)") });
  t.deepEqual(likes?.loc, { line: 3, column: 1 });
});

test("keywords are contextual: properties may be called node, edge, enum or implements", (t) => {
  const node = parseSchema("node A { node: String edge: I32 enum: Bool implements: Date }").declarations[0] as NodeDeclAst;
  t.deepEqual(node.properties.map((p) => p.name), ["node", "edge", "enum", "implements"]);
});

test("a property annotation with parentheses named like a constraint starts a body constraint", (t) => {
  const node = parseSchema("node A { a: String @index\n @unique(a) b: I32 }").declarations[0] as NodeDeclAst;
  t.deepEqual(node.properties.map((p) => [p.name, p.annotations.map((a) => a.name)]), [["a", ["index"]], ["b", []]]);
  t.deepEqual(node.constraints.map((c) => c.kind), ["unique"]);
});

const parseErrors: { name: string; src: string; at: string | [string, number] | { line: number; column: number } }[] = [
  { name: "unknown declaration keyword", src: "nod A {}", at: "nod" },
  { name: "missing ':' after property name", src: "node A { x String }", at: "String" },
  { name: "unknown type", src: "node A { x: Strin }", at: "Strin" },
  { name: "unclosed list type", src: "node A { x: [String }", at: "}" },
  { name: "nullable list element", src: "node A { x: [String?] }", at: "?" },
  { name: "end of file inside a body", src: "node A { x: String", at: { line: 1, column: 19 } },
  { name: "unterminated string", src: `node A @description("abc) {}`, at: `"abc` },
  { name: "unterminated block comment", src: "node A {}\n/* never closed", at: "/*" },
  { name: "unexpected character", src: "node A { x: String # }", at: "#" },
  { name: "unsupported string escape", src: `node A @description("a\\qb") {}`, at: "\\q" },
  { name: "edge without arrow", src: "edge E: A B", at: "B" },
  { name: "edge without colon", src: "edge E A -> B", at: ["A", 0] },
  { name: "@card after another annotation", src: `edge E: A -> A @description("d") @card(0..1)`, at: "@card" },
  { name: "@card twice", src: "edge E: A -> A @card(0..1) @card(0..2)", at: "@card(0..2)" },
  { name: "negative cardinality", src: "edge E: A -> A @card(-1..2)", at: "-1" },
  { name: "fractional cardinality", src: "edge E: A -> A @card(1.5..2)", at: "1.5" },
  { name: "cardinality without '..'", src: "edge E: A -> A @card(1)", at: ")" },
  { name: "unclosed cardinality", src: "edge E: A -> A @card(0..1", at: { line: 1, column: 26 } },
  { name: "range without bounds", src: "node A { x: I32 @range(x, ..) }", at: ")" },
  { name: "range without property", src: "node A { x: I32 @range(1..2) }", at: "1" },
  { name: "range with a single number", src: "node A { x: I32 @range(x, 5) }", at: ")" },
  { name: "check with an identifier pattern", src: "node A { x: String @check(x, abc) }", at: "abc" },
  { name: "empty constraint list", src: "node A { x: String @unique() }", at: ")" },
  { name: "named annotation argument first", src: "node A @tag(a=1) {}", at: "a=1" },
  { name: "named argument without a literal", src: "node A @tag(x, a=b) {}", at: "b)" },
  { name: "negative vector dimension", src: "node A { v: Vector(-1) }", at: "-1" },
  { name: "vector without dimension", src: "node A { v: Vector }", at: "}" },
  { name: "empty enum", src: "node A { e: enum() }", at: ")" },
  { name: "fractional enum value", src: "node A { e: enum(a, 1.5) }", at: "1.5" },
  { name: "constraint inside an interface", src: "interface I { x: String @key(x) }", at: "@key" },
  { name: "annotation on an interface", src: `interface I @description("x") { }`, at: "@" },
  { name: "bare '@' in a body", src: "node A { @ }", at: "@" },
  { name: "annotation in a body position", src: "node A { @deprecated }", at: "@" },
  { name: "missing body", src: "node A implements I", at: { line: 1, column: 20 } },
  { name: "implements without a name", src: "node A implements {}", at: "{" },
  { name: "annotation after implements", src: `node A implements I @description("d") {}`, at: "@" },
];

for (const c of parseErrors) {
  test(`ERR_PARSE: ${c.name}`, (t) => {
    const loc = Array.isArray(c.at) ? locOf(c.src, c.at[0], c.at[1]) : typeof c.at === "string" ? locOf(c.src, c.at) : c.at;
    const err = throwsEngine(t, () => parseSchema(c.src), "ERR_PARSE", loc);
    t.truthy(err?.excerpt);
  });
}

test("ERR_PARSE messages say what was expected and what was found", (t) => {
  const err = throwsEngine(t, () => parseSchema("node A { x String }"), "ERR_PARSE");
  t.regex(err?.message ?? "", /expected .* but found/);
});

test("errors on later lines report the right line and column", (t) => {
  const src = "node A {\n  x: String\n  y: Strng\n}";
  throwsEngine(t, () => parseSchema(src), "ERR_PARSE", { line: 3, column: 6 });
});
