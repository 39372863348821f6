import test from "ava";
import { catalogFromJson, catalogToJson } from "../../../server/engine/schema/json.ts";
import { planMigration, unsupportedError, type PlanOptions } from "../../../server/engine/schema/migrate.ts";
import { dataChangeFor, stepNeedsDataChange, type MigrationStep } from "../../../server/engine/schema/steps.ts";
import { compileSchema } from "../../../server/engine/schema/validate.ts";
import { findEdge, findNode, findProperty, type Catalog } from "../../../server/engine/schema/catalog.ts";
import { FIXTURES, fixture, throwsEngine } from "./support.ts";

const SAFE: PlanOptions = { allowDataLoss: false };
const LOSSY: PlanOptions = { allowDataLoss: true };
const EMPTY: PlanOptions = { allowDataLoss: false, rowCounts: () => 0 };
const POPULATED: PlanOptions = { allowDataLoss: false, rowCounts: () => 10 };

const BASE = `node Person { name: String @key  age: I32?  status: enum(active, gone) }
node Company { name: String @key }
edge WorksAt: Person -> Company`;

function plan(next: string, opts: PlanOptions = SAFE, from: string = BASE): { steps: MigrationStep[]; supported: boolean; catalog: Catalog; current: Catalog } {
  const current = compileSchema(from);
  return { ...planMigration(current, next, opts), current };
}

const kinds = (steps: MigrationStep[]): string[] => steps.map((s) => s.kind);

test("no current schema: every type is an add_type", (t) => {
  const p = planMigration(undefined, BASE, SAFE);
  t.true(p.supported);
  t.deepEqual(p.steps, [
    { kind: "add_type", entity: "node", typeId: "T1", typeName: "Person" },
    { kind: "add_type", entity: "node", typeId: "T5", typeName: "Company" },
    { kind: "add_type", entity: "edge", typeId: "T7", typeName: "WorksAt" },
  ]);
  t.deepEqual(p.catalog, compileSchema(BASE));
});

for (const name of FIXTURES) {
  test(`idempotence: planning ${name}.pg against itself gives no steps, also after a JSON round trip`, (t) => {
    const c = compileSchema(fixture(name));
    const again = planMigration(c, fixture(name), SAFE);
    t.deepEqual(again.steps, []);
    t.true(again.supported);
    t.deepEqual(again.catalog, c);
    const stored = catalogFromJson(catalogToJson(c));
    t.deepEqual(planMigration(stored, fixture(name), SAFE).steps, []);
  });
}

test("add_type for a new node type, which needs a dataset", (t) => {
  const p = plan(`${BASE}\nnode City { name: String @key }`);
  t.deepEqual(p.steps, [{ kind: "add_type", entity: "node", typeId: `T${p.current.nextId}`, typeName: "City" }]);
  t.deepEqual(dataChangeFor(p.steps[0]!), { kind: "create_dataset", typeId: `T${p.current.nextId}` });
});

test("rename_type keeps the type id, and edges follow the renamed node without an endpoint change", (t) => {
  const p = plan(`node Human @rename_from("Person") { name: String @key  age: I32?  status: enum(active, gone) }
node Company { name: String @key }
edge WorksAt: Human -> Company`);
  const id = findNode(p.current, "Person")!.id;
  t.deepEqual(p.steps, [{ kind: "rename_type", entity: "node", typeId: id, typeName: "Human", from: "Person", to: "Human" }]);
  t.is(findNode(p.catalog, "Human")?.id, id);
  t.false(stepNeedsDataChange(p.steps[0]!));
  t.true(p.supported);
});

test("renaming an edge type keeps its id", (t) => {
  const q = plan(BASE.replace("edge WorksAt: Person -> Company", `edge EmployedBy: Person -> Company @rename_from("WorksAt")`));
  t.deepEqual(kinds(q.steps), ["rename_type"]);
  t.is(findEdge(q.catalog, "EmployedBy")?.id, findEdge(q.current, "WorksAt")?.id);
});

test("add_property for a nullable property on an existing type: a null-filled column", (t) => {
  const p = plan(BASE.replace("age: I32?", "age: I32?  nickname: String?"));
  const propertyId = `P${p.current.nextId}`;
  t.deepEqual(p.steps, [{
    kind: "add_property", entity: "node", typeId: findNode(p.current, "Person")!.id, typeName: "Person",
    propertyId, propertyName: "nickname", propertyType: { kind: "scalar", base: "String" }, nullable: true,
  }]);
  t.deepEqual(dataChangeFor(p.steps[0]!), {
    kind: "add_column", typeId: findNode(p.current, "Person")!.id, columnId: propertyId, propertyType: { kind: "scalar", base: "String" },
  });
});

test("a required new property is unsupported unless rowCounts says the type is empty", (t) => {
  const next = BASE.replace("age: I32?", "age: I32?  email: String");
  for (const opts of [SAFE, POPULATED]) {
    const p = plan(next, opts);
    t.false(p.supported);
    t.like(p.steps[0], { kind: "unsupported_change", change: "required_property_added", typeName: "Person", propertyName: "email" });
  }
  const ok = plan(next, EMPTY);
  t.true(ok.supported);
  t.like(ok.steps[0], { kind: "add_property", propertyName: "email", nullable: false });
});

test("rename_property keeps the property id", (t) => {
  const p = plan(BASE.replace("age: I32?", `years: I32? @rename_from("age")`));
  const person = findNode(p.current, "Person")!;
  const id = findProperty(person, "age")!.id;
  t.deepEqual(p.steps, [{ kind: "rename_property", entity: "node", typeId: person.id, typeName: "Person", propertyId: id, from: "age", to: "years" }]);
  t.is(findProperty(findNode(p.catalog, "Person")!, "years")?.id, id);
});

test("renaming a type and its key property together keeps both ids and the key", (t) => {
  const p = plan(`node Human @rename_from("Person") { full_name: String @key @rename_from("name")  age: I32?  status: enum(active, gone) }
node Company { name: String @key }
edge WorksAt: Human -> Company`);
  t.deepEqual(kinds(p.steps), ["rename_type", "rename_property"]);
  t.true(p.supported);
  t.deepEqual(findNode(p.catalog, "Human")?.key, ["full_name"]);
});

test("add_constraint for a new @index builds an index over the property id", (t) => {
  const p = plan(BASE.replace("age: I32?", "age: I32? @index"));
  const person = findNode(p.current, "Person")!;
  const ageId = findProperty(person, "age")!.id;
  t.deepEqual(p.steps, [{ kind: "add_constraint", entity: "node", typeId: person.id, typeName: "Person", constraint: { kind: "index", properties: ["age"] }, columns: [ageId] }]);
  t.deepEqual(dataChangeFor(p.steps[0]!), { kind: "build_index", typeId: person.id, columns: [ageId] });
});

test("@index on edge endpoints uses the src/dst columns", (t) => {
  const p = plan(BASE.replace("edge WorksAt: Person -> Company", "edge WorksAt: Person -> Company { @index(dst) }"));
  t.like(p.steps[0], { kind: "add_constraint", entity: "edge", constraint: { kind: "index", properties: ["dst"] }, columns: ["dst"] });
});

test("constraints existing rows may violate need an empty type: @unique, @range, @check, tighter @card", (t) => {
  const cases = [
    [BASE.replace("age: I32?", "age: I32? @unique"), "unique"],
    [BASE.replace("age: I32?", "age: I32?  @range(age, 0..150)"), "range"],
    [BASE.replace("age: I32?", `age: I32?  @check(name, "^[A-Z]")`), "check"],
    [BASE.replace("Person -> Company", "Person -> Company @card(0..1)"), "card"],
  ] as const;
  for (const [next, kind] of cases) {
    const refused = plan(next, POPULATED);
    t.false(refused.supported, kind);
    t.like(refused.steps[0], { kind: "unsupported_change", change: "constraint_needs_empty_type" }, kind);
    const unknown = plan(next, SAFE);
    t.false(unknown.supported, kind);
    const ok = plan(next, EMPTY);
    t.true(ok.supported, kind);
    t.like(ok.steps[0], { kind: "add_constraint", constraint: { kind } }, kind);
    t.false(stepNeedsDataChange(ok.steps[0]!), kind);
  }
});

test("extend_enum when values are only added", (t) => {
  const p = plan(BASE.replace("enum(active, gone)", "enum(paused, active, gone)"));
  const person = findNode(p.current, "Person")!;
  t.deepEqual(p.steps, [{
    kind: "extend_enum", entity: "node", typeId: person.id, typeName: "Person",
    propertyId: findProperty(person, "status")!.id, propertyName: "status", added: ["paused"], values: ["active", "gone", "paused"],
  }]);
  t.false(stepNeedsDataChange(p.steps[0]!));
});

test("removing enum values is unsupported", (t) => {
  const p = plan(BASE.replace("enum(active, gone)", "enum(active, paused)"));
  t.false(p.supported);
  t.like(p.steps[0], { kind: "unsupported_change", change: "enum_values_removed", propertyName: "status" });
});

test("update_type_metadata for description, instruction, annotations and implements", (t) => {
  const p = plan(`interface Aged { age: I32? }
node Person @description("a person") @instruction("use slugs") @audited implements Aged { name: String @key  age: I32?  status: enum(active, gone) }
node Company { name: String @key }
edge WorksAt: Person -> Company`);
  t.deepEqual(p.steps, [{
    kind: "update_type_metadata", entity: "node", typeId: findNode(p.current, "Person")!.id, typeName: "Person",
    fields: ["description", "instruction", "annotations", "implements"], removedConstraints: [], loosenedConstraints: [],
  }, { kind: "add_type", entity: "interface", typeId: "interface:Aged", typeName: "Aged" }]);
});

test("removing or loosening constraints is a metadata update", (t) => {
  const from = `node A { k: String @key  n: I32 @index  m: I32  s: String
  @unique(n) @range(m, 0..10) @check(s, "^a") }
node B {}
edge E: A -> B @card(1..2)`;
  const p = plan(`node A { k: String @key  n: I32  m: I32  s: String
  @range(m, -5..) }
node B {}
edge E: A -> B @card(0..)`, SAFE, from);
  t.true(p.supported);
  t.deepEqual(p.steps.map((s) => s.kind === "update_type_metadata" && [s.typeName, s.fields, s.removedConstraints, s.loosenedConstraints]), [
    ["A", ["constraints"], [
      { kind: "unique", properties: ["n"] },
      { kind: "index", properties: ["n"] },
      { kind: "check", property: "s", pattern: "^a" },
    ], [{ kind: "range", property: "m", min: -5 }]],
    ["E", ["card"], [], [{ kind: "card", min: 0 }]],
  ]);
});

test("update_property_metadata for description, embed, annotations and relaxed nullability", (t) => {
  const from = "node A { k: String @key  t: String  v: Vector(2)  n: I32 }";
  const p = plan(`node A { k: String @key  t: String @description("text") @pii  v: Vector(2) @embed("t")  n: I32? }`, SAFE, from);
  t.deepEqual(p.steps.map((s) => s.kind === "update_property_metadata" && [s.propertyName, s.fields]), [
    ["t", ["description", "annotations"]],
    ["v", ["embed"]],
    ["n", ["nullable"]],
  ]);
  t.false(p.steps.some(stepNeedsDataChange));
});

test("drop_type and drop_property are soft by default and hard with allowDataLoss", (t) => {
  const next = `node Person { name: String @key  status: enum(active, gone) }`;
  const soft = plan(next, SAFE);
  t.true(soft.supported);
  t.deepEqual(soft.steps.map((s) => s.kind === "drop_type" || s.kind === "drop_property" ? s.mode : s.kind), ["soft", "soft", "soft"]);
  const p = plan(next, LOSSY);
  t.true(p.supported);
  const person = findNode(p.current, "Person")!;
  t.deepEqual(p.steps, [
    { kind: "drop_property", mode: "hard", entity: "node", typeId: person.id, typeName: "Person", propertyId: findProperty(person, "age")!.id, propertyName: "age" },
    { kind: "drop_type", mode: "hard", entity: "edge", typeId: findEdge(p.current, "WorksAt")!.id, typeName: "WorksAt" },
    { kind: "drop_type", mode: "hard", entity: "node", typeId: findNode(p.current, "Company")!.id, typeName: "Company" },
  ]);
  t.deepEqual(p.steps.map(dataChangeFor).map((d) => d?.kind), ["drop_column", "drop_dataset", "drop_dataset"]);
});

test("ids are never reused: a dropped property re-added later gets a new id", (t) => {
  const v1 = compileSchema(BASE);
  const v2 = planMigration(v1, BASE.replace("age: I32?", ""), LOSSY).catalog;
  const v3 = planMigration(v2, BASE, SAFE);
  const oldId = findProperty(findNode(v1, "Person")!, "age")!.id;
  const newId = findProperty(findNode(v3.catalog, "Person")!, "age")!.id;
  t.not(newId, oldId);
  t.like(v3.steps[0], { kind: "add_property", propertyId: newId });
});

const unsupported: [string, string, string][] = [
  ["changing a property's type", BASE.replace("age: I32?", "age: I64?"), "property_type_changed"],
  ["turning a scalar into a list", BASE.replace("age: I32?", "age: [I32]?"), "property_type_changed"],
  ["making a nullable property required", BASE.replace("age: I32?", "age: I32"), "property_made_required"],
  ["changing the @key", BASE.replace("Person { name: String @key", "Person { name: String").replace("gone) }", "gone) @key }"), "key_changed"],
  ["changing edge endpoints", BASE.replace("Person -> Company", "Company -> Person"), "edge_endpoints_changed"],
  ["@rename_from naming no current type", `${BASE}\nnode Firm @rename_from("Corp") { name: String @key }`, "rename_source_missing"],
  ["@rename_from naming no current property", BASE.replace("age: I32?", `years: I32? @rename_from("agee")`), "rename_source_missing"],
];

for (const [name, next, change] of unsupported) {
  test(`unsupported_change: ${name}`, (t) => {
    const p = plan(next, LOSSY);
    t.false(p.supported);
    const step = p.steps.find((s) => s.kind === "unsupported_change");
    t.like(step, { kind: "unsupported_change", change });
    t.is(p.steps.filter((s) => s.kind === "unsupported_change").length, 1);
    t.false(stepNeedsDataChange(step!));
    throwsEngine(t, () => { throw unsupportedError(p); }, "ERR_SCHEMA_UNSUPPORTED_CHANGE");
  });
}

test("making a property required is accepted on an empty type", (t) => {
  const p = plan(BASE.replace("age: I32?", "age: I32"), EMPTY);
  t.true(p.supported);
  t.like(p.steps[0], { kind: "add_constraint", constraint: { kind: "required", property: "age" } });
});

test("steps come out in a stable order: per type in schema order, drops last (edges before nodes)", (t) => {
  const p = plan(`node Company { name: String @key  city: String? }
node Person { name: String @key  age: I32? @index  status: enum(active, gone, new) }
node Place { name: String @key }`, LOSSY);
  t.deepEqual(p.steps.map((s) => `${s.kind}:${s.typeName}`), [
    "add_property:Company",
    "extend_enum:Person",
    "add_constraint:Person",
    "add_type:Place",
    "drop_type:WorksAt",
  ]);
});
