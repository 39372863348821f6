import test from "ava";
import { catalogFromJson, catalogToJson } from "../../../server/engine/schema/json.ts";
import { compileSchema } from "../../../server/engine/schema/validate.ts";
import { FIXTURES, fixture, throwsEngine } from "./support.ts";

const RICH = `interface Named { name: String @key @description("n") }
node Paper @description("p") @tag(core, level=2, on=true) implements Named {
  year: I32? @index
  venue: enum(b, a)
  score: F64?
  text: String?
  v: Vector(3)? @embed("text", model="m")
  @range(year, 1900..)
  @range(score, -1.5..1.5)
  @check(text, "^x")
}
edge Cites: Paper -> Paper @card(0..3) { w: F32? @unique(src, dst) }`;

for (const name of [...FIXTURES, "rich"] as const) {
  test(`JSON round trip is exact: ${name}`, (t) => {
    const c = compileSchema(name === "rich" ? RICH : fixture(name));
    const json = catalogToJson(c);
    const back = catalogFromJson(json);
    t.deepEqual(back, c);
    t.is(catalogToJson(back), json);
  });
}

test("catalogToJson sorts keys at every level and omits undefined fields", (t) => {
  const c = compileSchema(RICH);
  const json = catalogToJson(c);
  const parsed = JSON.parse(json) as Record<string, unknown>;
  t.deepEqual(Object.keys(parsed), ["edges", "format", "interfaces", "nextId", "nodes", "source"]);
  const edge = (parsed["edges"] as Record<string, unknown>[])[0]!;
  t.deepEqual(Object.keys(edge), [...Object.keys(edge)].sort());
  const withUndefined = { ...c, edges: c.edges.map((e) => ({ ...e, instruction: undefined })) };
  t.is(catalogToJson(withUndefined), json);
});

const corruptions: [string, (c: Record<string, unknown>) => unknown][] = [
  ["a missing field", (c) => ({ ...c, nextId: undefined })],
  ["an unknown field", (c) => ({ ...c, extra: 1 })],
  ["a wrong format version", (c) => ({ ...c, format: 2 })],
  ["a bad property type", (c) => {
    const nodes = structuredClone(c["nodes"]) as { properties: { type: unknown }[] }[];
    nodes[0]!.properties[0]!.type = { kind: "scalar", base: "Int" };
    return { ...c, nodes };
  }],
  ["a malformed id", (c) => {
    const nodes = structuredClone(c["nodes"]) as { id: string }[];
    nodes[0]!.id = "X1";
    return { ...c, nodes };
  }],
  ["a duplicated id", (c) => {
    const nodes = structuredClone(c["nodes"]) as { id: string }[];
    nodes[1]!.id = nodes[0]!.id;
    return { ...c, nodes };
  }],
  ["an id at or above nextId", (c) => ({ ...c, nextId: 2 })],
  ["an edge to a missing node", (c) => {
    const edges = structuredClone(c["edges"]) as { to: string }[];
    edges[0]!.to = "Nowhere";
    return { ...c, edges };
  }],
  ["a key naming a missing property", (c) => {
    const nodes = structuredClone(c["nodes"]) as { key: string[] }[];
    nodes[0]!.key = ["nope"];
    return { ...c, nodes };
  }],
];

for (const [name, corrupt] of corruptions) {
  test(`catalogFromJson refuses ${name} with ERR_SCHEMA_INVALID`, (t) => {
    const good = JSON.parse(catalogToJson(compileSchema(fixture("test")))) as Record<string, unknown>;
    throwsEngine(t, () => catalogFromJson(JSON.stringify(corrupt(good))), "ERR_SCHEMA_INVALID");
  });
}

test("catalogFromJson refuses text that is not JSON", (t) => {
  throwsEngine(t, () => catalogFromJson("{not json"), "ERR_SCHEMA_INVALID");
});

test("catalogFromJson lists shape issues in detail", (t) => {
  const err = throwsEngine(t, () => catalogFromJson(JSON.stringify({ format: 1 })), "ERR_SCHEMA_INVALID");
  t.true(Array.isArray(err?.detail?.["issues"]));
});
