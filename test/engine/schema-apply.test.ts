import test from "ava";
import { storeTargets } from "../store/support.ts";
import { codeOf, engineWith, freshEngine, rowsOf } from "./support.ts";

const V1 = `node Person { name: String @key  age: I32? }\nedge Knows: Person -> Person`;

for (const target of storeTargets()) {
  test(`${target.name}: schema apply — add, rename and drop with identity kept, as one commit each`, async (t) => {
    const e = await engineWith(target, V1, `{"type":"Person","data":{"name":"a","age":1}}\n{"edge":"Knows","from":"a","to":"a"}`);
    const v2 = `node Person { name: String @key  years: I32? @rename_from("age")  email: String? }\nedge Knows: Person -> Person\nnode City { name: String @key }`;
    const out = await e.applySchema({ source: v2, actor: "t" });
    t.true(out.applied);
    t.deepEqual(out.steps.map((s) => s.kind).sort(), ["add_property", "add_type", "rename_property"]);
    t.deepEqual(await rowsOf(e, `query q() { match { $p: Person } return { $p.name, $p.years, $p.email } }`), [{ "p.name": "a", "p.years": 1, "p.email": null }]);
    t.is(await e.schemaSource(), v2);
    const again = await e.applySchema({ source: v2, actor: "t" });
    t.false(again.applied);
    t.is(again.stepCount, 0);
    const v3 = `node Person { name: String @key  years: I32? }\nnode City { name: String @key }`;
    t.is(await codeOf(e.applySchema({ source: v3, actor: "t" })), "ERR_SCHEMA_DATA_LOSS");
    const dropped = await e.applySchema({ source: v3, allowDataLoss: true, actor: "t" });
    t.deepEqual(dropped.steps.map((s) => s.kind).sort(), ["drop_property", "drop_type"]);
    t.deepEqual(await rowsOf(e, `query q() { match { $p: Person } return { $p.name, $p.years } }`), [{ "p.name": "a", "p.years": 1 }]);
    t.is(await codeOf(e.query({ query: `query q() { match { $a: Person  $a knows $b } return { $a.name } }` })), "ERR_TYPE");
  });

  test(`${target.name}: schema apply refuses unsupported changes and bad sources before any write`, async (t) => {
    const e = await engineWith(target, V1, `{"type":"Person","data":{"name":"a","age":1}}`);
    const head = (await e.snapshot()).commitId;
    t.is(await codeOf(e.applySchema({ source: V1.replace("age: I32?", "age: String?"), actor: "t" })), "ERR_SCHEMA_UNSUPPORTED_CHANGE");
    t.is(await codeOf(e.applySchema({ source: V1.replace("age: I32?", "age: I32"), actor: "t" })), "ERR_SCHEMA_UNSUPPORTED_CHANGE");
    t.is(await codeOf(e.applySchema({ source: "node person { }", actor: "t" })), "ERR_SCHEMA_INVALID");
    t.is(await codeOf(e.applySchema({ source: "node Person {", actor: "t" })), "ERR_PARSE");
    t.is((await e.snapshot()).commitId, head);
  });

  test(`${target.name}: a graph without a schema answers queries with a type error`, async (t) => {
    const e = await freshEngine(target);
    t.is(await codeOf(e.query({ query: `query q() { match { $p: Person } return { $p.id } }` })), "ERR_TYPE");
  });
}
