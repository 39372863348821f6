import { fixture } from "../../support.ts";
import { col, count, entries, load, mutate, q, rows, type Entry, type Step } from "../case.ts";
import { SOCIAL, SOCIAL_SCHEMA } from "./graphs.ts";

const { ported, differs, internal, tierB } = entries("schema_apply");

const TEST_PG = fixture("test.pg");
const apply = (source: string, extra: Omit<Extract<Step, { op: "schema" }>, "op" | "source"> = {}): Step => ({ op: "schema", source, ...extra });
const NICKNAME = TEST_PG.replace("    age: I32?\n}", "    age: I32?\n    nickname: String?\n}");
const NO_COMPANY = "node Person {\n    name: String @key\n    age: I32?\n}\nedge Knows: Person -> Person {\n    since: Date?\n}\n";
const NO_WORKS_AT = "node Person {\n    name: String @key\n    age: I32?\n}\nnode Company {\n    name: String @key\n}\nedge Knows: Person -> Person {\n    since: Date?\n}\n";
const HUMAN = "node Human @rename_from(\"Person\") {\n    name: String @key\n    age: I32?\n}\nnode Company {\n    name: String @key\n}\nedge Knows: Human -> Human {\n    since: Date?\n}\nedge WorksAt: Human -> Company\n";
const DOCS = "node Document {\n    slug: String @key\n    title: String\n    note: String?\n}\n";
const DOCS_DATA = [1, 2, 3].map((i) => `{"type":"Document","data":{"slug":"d${i}","title":"t${i}","note":"drop me ${i}"}}`).join("\n");
const people = `query q() { match { $p: Person } return { $p.name } }`;
const TICKET = (values: string) => `node Ticket {\n    slug: String @key\n    status: enum(${values})\n}\n`;

export const schemaApply: Entry[] = [
  ported(33, "plan_schema_reports_supported_additive_change", "adding a nullable property is a supported add_property", SOCIAL_SCHEMA, [apply(NICKNAME, { applied: true, steps: ["add_property"] })]),
  ported(64, "apply_schema_interface_evolution_is_identity_only_and_durable", "adding an interface, then a property to it, applies and keeps data", SOCIAL, [
    apply(`interface Named {\n    name: String\n}\n\n${TEST_PG}`, { applied: true, steps: ["add_type"] }),
    apply(`interface Named {\n    name: String\n    alias: String?\n}\n\n${TEST_PG}`, { applied: true, steps: ["add_property"] }),
    q(people, undefined, count(4)),
  ]),
  internal(144, "long_lived_handle_uses_the_schema_catalog_bound_to_its_write_token", "OmniGraph's per-handle schema catalog and write tokens"),
  internal(273, "stale_handle_branch_delete_gates_tables_added_by_schema_apply", "OmniGraph's schema gate across handles (and schema apply with branches, see the difference below)"),
  internal(326, "mutation_waits_for_mid_apply_schema_gate_then_reprepares", "OmniGraph's schema gate, driven by failpoints"),
  internal(395, "read_only_open_holds_schema_gate_through_catalog_capture", "OmniGraph's schema gate on read-only open"),
  internal(452, "refresh_holds_schema_gate_through_catalog_publication", "OmniGraph's schema gate on refresh"),
  internal(500, "plan_schema_rejects_when_schema_contract_has_drifted", "edits OmniGraph's `_schema.pg` file behind its back; our catalog is content-addressed in the manifest"),
  ported(517, "apply_schema_noop_returns_not_applied", "the same schema again applies nothing", SOCIAL_SCHEMA, [apply(TEST_PG, { applied: false, steps: [] })]),
  differs(530, "apply_schema_rejects_when_non_main_branch_exists", "schema apply while another branch exists", "schema-apply-with-branches", "OmniGraph refuses; we apply to main and the branch keeps its schema", SOCIAL_SCHEMA, [
    { op: "branch", create: "feature" }, apply(NICKNAME, { applied: true, steps: ["add_property"] }),
    q(`query q() { match { $p: Person } return { $p.nickname } }`, undefined, count(0)),
    q(`query q() { match { $p: Person } return { $p.nickname } }`, undefined, { error: "ERR_TYPE" }, { branch: "feature" }),
    // Merging the old-schema branch afterwards works.
    mutate(`query q() { insert Person { name: "Eve", age: 22 } }`, undefined, { branch: "feature" }),
    { op: "merge", source: "feature", target: "main", outcome: "merged" },
    q(`query q() { match { $p: Person { name: "Eve" } } return { $p.age, $p.nickname } }`, undefined, rows({ "p.age": 22, "p.nickname": null })),
  ]),
  ported(549, "apply_schema_unsupported_plan_does_not_advance_manifest", "changing a property type is refused and commits nothing", SOCIAL_SCHEMA, [
    { op: "countCommits", label: "before" }, apply(TEST_PG.replace("age: I32?", "age: I64?"), { error: "ERR_SCHEMA_UNSUPPORTED_CHANGE" }), { op: "commitsSince", label: "before", n: 0 },
  ]),
  ported(588, "apply_schema_drops_a_nullable_property_softly_preserves_prior_version", "dropping a property without allow_data_loss is soft: applied, and earlier snapshots still read it (the external-Blob half is tier B)", { schema: DOCS, data: DOCS_DATA }, [
    { op: "mark", label: "before" }, apply(DOCS.replace("    note: String?\n", ""), { applied: true, steps: ["drop_property"] }),
    q(`query q() { match { $d: Document } return { $d.note } }`, undefined, { error: "ERR_TYPE" }),
    q(`query q() { match { $d: Document } return { $d.slug } }`, undefined, count(3)),
    q(`query q() { match { $d: Document } return { $d.note } }`, undefined, col("d.note", "drop me 1", "drop me 2", "drop me 3"), { at: "before" }),
  ]),
  tierB(834, "schema_apply_rejects_ranged_external_blob_before_arm_or_effects", "external Blob descriptors with byte ranges"),
  ported(960, "apply_schema_drops_node_and_referencing_edge_softly", "dropping a node type and the edge that references it is soft", SOCIAL, [
    { op: "mark", label: "before" }, apply(NO_COMPANY, { applied: true, steps: ["drop_type", "drop_type"] }),
    q(`query q() { match { $c: Company } return { $c.name } }`, undefined, { error: "ERR_TYPE" }),
    q(`query q() { match { $c: Company } return { $c.name } }`, undefined, col("c.name", "Acme", "Globex"), { at: "before" }),
    q(`query q() { match { $p: Person  $p worksAt $c } return { $p.name } }`, undefined, col("p.name", "Alice", "Bob"), { at: "before" }),
  ]),
  ported(1077, "apply_schema_drops_an_edge_type_softly", "dropping an edge type is soft; the other types stay", SOCIAL, [
    { op: "mark", label: "before" }, apply(NO_WORKS_AT, { applied: true, steps: ["drop_type"] }),
    q(people, undefined, count(4)), q(`query q() { match { $c: Company } return { $c.name } }`, undefined, count(2)),
    q(`query q() { match { $p: Person  $p worksAt $c } return { $p.name } }`, undefined, count(2), { at: "before" }),
  ]),
  ported(1138, "apply_schema_rejects_adding_a_required_property_without_backfill", "adding a required property to a populated type is refused", SOCIAL, [
    apply(TEST_PG.replace("    age: I32?\n}", "    age: I32?\n    email: String\n}"), { error: "ERR_SCHEMA_UNSUPPORTED_CHANGE" }),
  ]),
  ported(1167, "plan_schema_for_property_type_narrowing_is_not_supported", "narrowing I64 to I32 is unsupported", { schema: TEST_PG.replace("age: I32?", "age: I64?"), data: SOCIAL.data! }, [apply(TEST_PG, { error: "ERR_SCHEMA_UNSUPPORTED_CHANGE" })]),
  ported(1195, "apply_schema_pure_type_rename_preserves_identity_path_and_version", "@rename_from renames a type in place; rows keep, the old name is gone (the Blob ETag half is tier B)", SOCIAL, [
    apply(HUMAN, { applied: true, steps: ["rename_type"] }),
    q(`query q() { match { $h: Human } return { $h.name } }`, undefined, count(4)),
    q(people, undefined, { error: "ERR_TYPE" }),
    q(`query q() { match { $h: Human { name: "Alice" }  $h knows $f } return { $f.name } }`, undefined, col("f.name", "Bob", "Charlie")),
  ]),
  ported(1351, "apply_schema_rename_and_hard_property_drop_cleans_source_incarnation", "a rename plus a hard property drop: the earlier snapshot can no longer read the table", SOCIAL, [
    { op: "mark", label: "before" }, apply(HUMAN.replace("    age: I32?\n", ""), { allowDataLoss: true, applied: true, steps: ["rename_type", "drop_property"] }),
    q(`query q() { match { $h: Human } return { $h.name } }`, undefined, count(4)),
    q(people, undefined, { error: "ERR_SNAPSHOT_EXPIRED" }, { at: "before" }),
  ]),
  ported(1410, "apply_schema_renames_node_type_via_rename_from_and_preserves_rows", "type and property renames together keep every row and value", SOCIAL, [
    apply(HUMAN.replace("    name: String @key\n    age", "    full_name: String @key @rename_from(\"name\")\n    age"), { applied: true, steps: ["rename_type", "rename_property"] }),
    q(`query q() { match { $h: Human { full_name: "Alice" } } return { $h.full_name, $h.age } }`, undefined, rows({ "h.full_name": "Alice", "h.age": 30 })),
  ]),
  differs(1566, "composite_key_identity_survives_lexically_crossing_property_renames", "renames that reorder a composite key's properties", "composite-key-order", "OmniGraph keeps each row's id; we refuse the reorder (key_changed) and keep the data; the same renames in the old key order apply and upsert onto the row", { schema: "node Pair {\n    alpha: String\n    zeta: String\n    label: String\n    @key(alpha, zeta)\n}\n", data: `{"type":"Pair","data":{"alpha":"A","zeta":"Z","label":"before"}}` }, [
    apply("node Pair {\n    aaaa: String @rename_from(\"zeta\")\n    zzzz: String @rename_from(\"alpha\")\n    label: String\n    @key(aaaa, zzzz)\n}\n", { error: "ERR_SCHEMA_UNSUPPORTED_CHANGE" }),
    apply("node Pair {\n    aaaa: String @rename_from(\"zeta\")\n    zzzz: String @rename_from(\"alpha\")\n    label: String\n    @key(zzzz, aaaa)\n}\n", { applied: true }),
    mutate(`query q($aaaa: String, $zzzz: String, $label: String) { insert Pair { aaaa: $aaaa, zzzz: $zzzz, label: $label } }`, { aaaa: "Z", zzzz: "A", label: "after" }),
    q(`query q() { match { $p: Pair } return { $p.id, $p.label } }`, undefined, rows({ "p.id": '["A","Z"]', "p.label": "after" })),
  ]),
  ported(1641, "apply_schema_drop_then_same_name_readd_mints_new_identity_and_path", "a type dropped and added again starts empty", { schema: "node Person { name: String @key }\nnode Anchor { name: String @key }\n", data: `{"type":"Person","data":{"name":"p"}}\n{"type":"Anchor","data":{"name":"a"}}` }, [
    apply("node Anchor { name: String @key }", { applied: true }), apply("node Person { name: String @key }\nnode Anchor { name: String @key }\n", { applied: true }),
    q(people, undefined, count(0)),
  ]),
  ported(1706, "apply_schema_with_allow_data_loss_promotes_drops_to_hard", "a drop is soft by default and hard with allow_data_loss", SOCIAL, [
    { op: "mark", label: "before" }, apply(TEST_PG.replace("    age: I32?\n", ""), { allowDataLoss: true, applied: true, steps: ["drop_property"] }),
    q(people, undefined, count(4)), q(`query q() { match { $p: Person } return { $p.age } }`, undefined, { error: "ERR_SNAPSHOT_EXPIRED" }, { at: "before" }),
  ]),
  ported(1773, "apply_schema_hard_drops_property_makes_prior_version_unreachable", "after a hard property drop the earlier version is unreachable", SOCIAL, [
    { op: "mark", label: "before" }, apply(TEST_PG.replace("    age: I32?\n", ""), { allowDataLoss: true, applied: true }),
    q(`query q() { match { $p: Person } return { $p.age } }`, undefined, { error: "ERR_SNAPSHOT_EXPIRED" }, { at: "before" }),
  ]),
  ported(1829, "apply_schema_hard_drops_node_and_edge_with_flag_succeeds", "a hard drop of a node type and its edge succeeds; their data is gone", SOCIAL, [
    { op: "mark", label: "before" }, apply(NO_COMPANY, { allowDataLoss: true, applied: true, steps: ["drop_type", "drop_type"] }),
    q(people, undefined, count(4)), q(`query q() { match { $c: Company } return { $c.name } }`, undefined, { error: "ERR_SNAPSHOT_EXPIRED" }, { at: "before" }),
  ]),
  internal(1921, "apply_schema_defers_vector_index_on_empty_table", "when OmniGraph builds a vector index (index bookkeeping)"),
  ported(1972, "index_only_constraint_apply_touches_no_table_data", "adding @index applies and keeps the rows (the table-version half is internal)", { schema: "node Doc {\n    slug: String @key\n    n: I64\n}\n", data: `{"type":"Doc","data":{"slug":"d1","n":1}}` }, [
    apply("node Doc {\n    slug: String @key\n    n: I64 @index\n}\n", { applied: true }), q(`query q() { match { $d: Doc } return { $d.slug, $d.n } }`, undefined, rows({ "d.slug": "d1", "d.n": 1 })),
  ]),
  ported(2027, "enum_widening_apply_is_metadata_only_and_accepts_new_variant", "widening an enum applies; the new value loads, an unknown one is still refused", { schema: TICKET("todo, doing, done"), data: `{"type":"Ticket","data":{"slug":"t1","status":"todo"}}` }, [
    apply(TICKET("todo, doing, done, blocked"), { applied: true }),
    load(`{"type":"Ticket","data":{"slug":"t2","status":"blocked"}}`), load(`{"type":"Ticket","data":{"slug":"t3","status":"done"}}`),
    load(`{"type":"Ticket","data":{"slug":"t4","status":"bogus"}}`, { error: "ERR_INTEGRITY" }),
  ]),
  ported(2102, "enum_narrowing_apply_is_refused", "narrowing an enum is refused", { schema: TICKET("todo, doing, done"), data: `{"type":"Ticket","data":{"slug":"t1","status":"doing"}}` }, [
    apply(TICKET("todo, done"), { error: "ERR_SCHEMA_UNSUPPORTED_CHANGE" }),
  ]),
];
