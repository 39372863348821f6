import test from "ava";
import { compileSchema } from "../../../server/engine/schema/validate.ts";
import { findEdge, findNode, findProperty, type NodeType } from "../../../server/engine/schema/catalog.ts";
import { FIXTURES, fixture } from "./support.ts";

const node = (src: string, name = "A"): NodeType => {
  const n = findNode(compileSchema(src), name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};

for (const name of FIXTURES) {
  test(`contract fixture ${name}.pg is accepted`, (t) => {
    const c = compileSchema(fixture(name));
    t.true(c.nodes.length > 0);
    t.is(c.source, fixture(name));
  });
}

test("context.pg: keys, @unique on nullable, @index, enums sorted, edges with @card and @unique(src, dst)", (t) => {
  const c = compileSchema(fixture("context"));
  const actor = findNode(c, "Actor");
  t.deepEqual(actor?.key, ["slug"]);
  t.deepEqual(actor?.uniques, [["email"]]);
  t.is(findProperty(actor!, "email")?.nullable, true);
  const decision = findNode(c, "Decision")!;
  t.deepEqual(decision.indexes, [["title"]]);
  t.deepEqual(findProperty(decision, "status")?.type, { kind: "enum", values: ["accepted", "proposed", "rejected", "superseded"] });
  t.deepEqual(findProperty(decision, "decided_at")?.type, { kind: "scalar", base: "Date" });
  t.deepEqual(findEdge(c, "OwnedBy")?.card, { min: 1, max: 1 });
  t.deepEqual(findEdge(c, "ParticipatedIn")?.card, { min: 0 });
  t.deepEqual(findEdge(c, "correlates")?.uniques, [["src", "dst"]]);
  t.deepEqual([findEdge(c, "Supersedes")?.from, findEdge(c, "Supersedes")?.to], ["Decision", "Decision"]);
});

test("the contract's example A and B compile to the documented catalog", (t) => {
  const c = compileSchema(`interface Titled { title: String }
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
edge Cites: Paper -> Paper`);
  const paper = findNode(c, "Paper")!;
  t.deepEqual(
    paper.properties.map((p) => [p.id, p.name]),
    [["P2", "doi"], ["P3", "year"], ["P4", "tags"], ["P5", "venue"], ["P6", "abstract"], ["P7", "embedding"], ["P8", "title"]],
  );
  t.is(paper.id, "T1");
  t.is(paper.description, "A publication");
  t.deepEqual(paper.implements, ["Titled"]);
  t.deepEqual(paper.key, ["doi"]);
  t.deepEqual(paper.indexes, [["year"]]);
  t.deepEqual(paper.ranges, [{ property: "year", min: 1900, max: 2100 }]);
  t.deepEqual(findProperty(paper, "tags"), { id: "P4", name: "tags", type: { kind: "list", base: "String" }, nullable: true, annotations: [] });
  t.deepEqual(findProperty(paper, "embedding")?.embed, { source: "abstract" });
  t.deepEqual(findProperty(paper, "embedding")?.type, { kind: "vector", dim: 384 });
  t.deepEqual(findNode(c, "Author")?.indexes, [["name"]]);
  const wrote = findEdge(c, "Wrote")!;
  t.deepEqual([wrote.id, wrote.from, wrote.to, wrote.card], ["T12", "Author", "Paper", { min: 0 }]);
  t.deepEqual(findEdge(c, "Cites")?.properties, []);
  t.is(c.nextId, 15);
  t.deepEqual(c.interfaces, [{ name: "Titled", properties: [{ name: "title", type: { kind: "scalar", base: "String" }, nullable: false, annotations: [] }] }]);
});

test("every base type, nullability, lists, enums and vectors", (t) => {
  const bases = ["String", "Blob", "Bool", "I32", "I64", "U32", "U64", "F32", "F64", "DateTime", "Date"];
  const src = `node A {\n${bases.map((b, i) => `  s${i}: ${b}\n  n${i}: ${b}?\n`).join("")}  l: [I64]\n  e: enum(b, a, in-progress, 2x)?\n  v: Vector(1)\n}`;
  const a = node(src);
  bases.forEach((b, i) => {
    t.deepEqual(findProperty(a, `s${i}`)?.type, { kind: "scalar", base: b } as never);
    t.is(findProperty(a, `s${i}`)?.nullable, false);
    t.is(findProperty(a, `n${i}`)?.nullable, true);
  });
  t.deepEqual(findProperty(a, "l")?.type, { kind: "list", base: "I64" });
  t.deepEqual(findProperty(a, "e")?.type, { kind: "enum", values: ["2x", "a", "b", "in-progress"] });
  t.is(findProperty(a, "e")?.nullable, true);
  t.deepEqual(findProperty(a, "v")?.type, { kind: "vector", dim: 1 });
});

test("comments anywhere are ignored", (t) => {
  const a = node(`// lead\nnode /* inline */ A { // trailing\n  /* before */ x: I32 /* after */ @key // end\n}`);
  t.deepEqual(a.key, ["x"]);
});

test("interfaces inject properties in implements order, with their shorthands; identical redeclaration is allowed", (t) => {
  const c = compileSchema(`
interface Named { name: String @key @description("display name") }
interface Dated { created: DateTime  name: String }
node A implements Named, Dated { extra: I32? }
node B implements Dated { created: DateTime @index }`);
  const a = findNode(c, "A")!;
  t.deepEqual(a.properties.map((p) => p.name), ["extra", "name", "created"]);
  t.deepEqual(a.key, ["name"]);
  t.is(findProperty(a, "name")?.description, "display name");
  t.deepEqual(findProperty(a, "name")?.annotations, []);
  const b = findNode(c, "B")!;
  t.deepEqual(b.properties.map((p) => p.name), ["created", "name"]);
  t.deepEqual(b.indexes, [["created"]]);
  // The interface keeps its shorthands as annotations: they apply where it is implemented.
  t.deepEqual(c.interfaces[0]?.properties[0]?.annotations, [{ name: "key", args: [], named: {} }]);
  t.not(findProperty(a, "name")?.id, findProperty(b, "name")?.id);
});

test("type annotations: description, instruction, rename_from and verbatim metadata", (t) => {
  const a = node(`node A @description("d") @instruction("use for X") @rename_from("Old") @deprecated @tag(core, level=2, ratio=0.5, on=false, label="x") { x: I32 }`);
  t.is(a.description, "d");
  t.is(a.instruction, "use for X");
  t.is(a.renameFrom, "Old");
  t.deepEqual(a.annotations, [
    { name: "deprecated", args: [], named: {} },
    { name: "tag", args: ["core"], named: { level: 2, ratio: 0.5, on: false, label: "x" } },
  ]);
});

test("property annotations: description, rename_from, embed with model, verbatim metadata", (t) => {
  const a = node(`node A {
  body: String? @description("text")
  v: Vector(3) @embed(body, model="text-embedding-3-small") @rename_from("vec") @sensitive("pii")
}`);
  const v = findProperty(a, "v")!;
  t.deepEqual(v.embed, { source: "body", model: "text-embedding-3-small" });
  t.is(v.renameFrom, "vec");
  t.deepEqual(v.annotations, [{ name: "sensitive", args: ["pii"], named: {} }]);
  t.is(findProperty(a, "body")?.description, "text");
});

test("constraints: composite key, shorthand and body @unique/@index, ranges with open and negative bounds, checks", (t) => {
  const a = node(`node A {
  org: String
  code: String @unique @index
  n: I64
  f: F64?
  u: U32
  tags: [String]?
  v: Vector(2)?
  @key(org, code)
  @unique(org, n)
  @unique(code)
  @index(v)
  @range(n, -10..10)
  @range(f, ..-0.5)
  @range(u, 3..)
  @check(code, "^[A-Z]{3}\\\\d+$")
}`);
  t.deepEqual(a.key, ["org", "code"]);
  t.deepEqual(a.uniques, [["code"], ["org", "n"]]);
  t.deepEqual(a.indexes, [["code"], ["v"]]);
  t.deepEqual(a.ranges, [{ property: "n", min: -10, max: 10 }, { property: "f", max: -0.5 }, { property: "u", min: 3 }]);
  t.deepEqual(a.checks, [{ property: "code", pattern: "^[A-Z]{3}\\d+$" }]);
});

test("enum properties may be keys; nullable properties may be unique", (t) => {
  const a = node("node A { kind: enum(x, y) @key  email: String? @unique }");
  t.deepEqual([a.key, a.uniques], [["kind"], [["email"]]]);
});

test("edges: @card forms, annotations, properties, @unique/@index on properties and src/dst", (t) => {
  const c = compileSchema(`node N { k: String @key }
edge E: N -> N @card(2..5) @description("e") @instruction("i") @weight(3) {
  since: Date? @index
  label: String @unique
  @unique(src, dst)
  @index(dst)
}
edge F: N -> N @card(1..)
edge G: N -> N {}`);
  const e = findEdge(c, "E")!;
  t.deepEqual(e.card, { min: 2, max: 5 });
  t.deepEqual([e.description, e.instruction], ["e", "i"]);
  t.deepEqual(e.annotations, [{ name: "weight", args: [3], named: {} }]);
  t.deepEqual(e.uniques, [["label"], ["src", "dst"]]);
  t.deepEqual(e.indexes, [["since"], ["dst"]]);
  t.deepEqual(findEdge(c, "F")?.card, { min: 1 });
  t.deepEqual(findEdge(c, "G")?.properties, []);
});

test("declarations may reference types declared later", (t) => {
  const c = compileSchema("edge E: A -> B\nnode A implements I {}\nnode B {}\ninterface I { x: I32? }");
  t.deepEqual(c.edges.map((e) => [e.from, e.to]), [["A", "B"]]);
  t.deepEqual(findNode(c, "A")?.properties.map((p) => p.name), ["x"]);
});

test("repeated identical @unique/@index lists are kept once", (t) => {
  const a = node("node A { x: String @unique @index  @unique(x) @index(x) }");
  t.deepEqual([a.uniques, a.indexes], [[["x"]], [["x"]]]);
});

test("fresh ids come from one counter in declaration order; the catalog keeps the source verbatim", (t) => {
  const src = "node A { x: I32 y: I32 }\nedge E: A -> A { w: F32? }\nnode B { z: Bool }";
  const c = compileSchema(src);
  t.deepEqual(
    [...c.nodes, ...c.edges].map((ty) => [ty.name, ty.id, ty.properties.map((p) => p.id)]),
    [["A", "T1", ["P2", "P3"]], ["B", "T6", ["P7"]], ["E", "T4", ["P5"]]],
  );
  t.is(c.nextId, 8);
  t.is(c.source, src);
  t.is(c.format, 1);
});

test("with a previous catalog, ids carry over by name and new ids continue from nextId", (t) => {
  const v1 = compileSchema("node A { x: I32 }\nnode B { y: I32 }");
  const v2 = compileSchema("node B { y: I32  w: I32? }\nnode A { x: I32 }\nnode C { z: I32 }", v1);
  t.deepEqual(findNode(v2, "A")?.id, findNode(v1, "A")?.id);
  t.deepEqual(findProperty(findNode(v2, "B")!, "y")?.id, findProperty(findNode(v1, "B")!, "y")?.id);
  t.is(findProperty(findNode(v2, "B")!, "w")?.id, `P${v1.nextId}`);
  t.is(findNode(v2, "C")?.id, `T${v1.nextId + 1}`);
  t.is(v2.nextId, v1.nextId + 3);
});

test("@rename_from carries the old id to the new name", (t) => {
  const v1 = compileSchema("node User { name: String @key }");
  const v2 = compileSchema(`node Account @rename_from("User") { full_name: String @key @rename_from("name") }`, v1);
  t.is(v2.nodes[0]?.id, v1.nodes[0]?.id);
  t.is(v2.nodes[0]?.properties[0]?.id, v1.nodes[0]?.properties[0]?.id);
  t.is(v2.nextId, v1.nextId);
});

test("a name match wins over another type's @rename_from; a kind change gets a fresh id", (t) => {
  const v1 = compileSchema("node A { x: I32 }\nnode K {}");
  const v2 = compileSchema(`node A { x: I32 }\nnode B @rename_from("A") { x: I32 }\nedge K: A -> A`, v1);
  t.is(findNode(v2, "A")?.id, findNode(v1, "A")?.id);
  t.is(findNode(v2, "B")?.id, `T${v1.nextId}`);
  t.not(findEdge(v2, "K")?.id, findNode(v1, "K")?.id);
});
