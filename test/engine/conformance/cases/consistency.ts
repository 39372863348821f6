import { col, count, entries, load, mutate, q, rows, type Entry, type Graph } from "../case.ts";
import { SOCIAL, SOCIAL_SCHEMA, TEST_GQ } from "./graphs.ts";

const { ported, internal, tierB } = entries("consistency");

const INSERT_PERSON = `query q($name: String, $age: I32) { insert Person { name: $name, age: $age } }`;
const ADD_FRIEND = `query q($from: String, $to: String) { insert Knows { from: $from, to: $to } }`;
const SET_AGE = `query q($name: String, $age: I32) { update Person set { age: $age } where name = $name }`;
const persons = `query q() { match { $p: Person } return { $p.name } }`;
const THING = "node Thing {\n    key: String @key\n    required_val: String\n    optional_val: String?\n}\n";
const things = (ids: number[], updated: boolean) => ids.map((i) => `{"type":"Thing","data":{"key":"TEST-${i}","required_val":"required ${i}${updated ? " UPDATED" : ""}"${updated ? "" : `,"optional_val":"optional ${i}"`}}}`).join("\n");
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const DELTA = things([...range(1, 25), ...range(51, 55)], true);
const thingCount = q(`query q() { match { $t: Thing } return { count($t) as n } }`, undefined, rows({ n: 55 }));
const g = (schema: string, data?: string): Graph => (data === undefined ? { schema } : { schema, data });

export const consistency: Entry[] = [
  ported(23, "snapshot_returns_stale_data_after_write", "a snapshot taken before a write keeps reading the old data", SOCIAL, [
    { op: "mark", label: "before" }, mutate(INSERT_PERSON, { name: "Eve", age: 22 }),
    q(persons, undefined, col("p.name", "Alice", "Bob", "Charlie", "Diana"), { at: "before" }),
    q(persons, undefined, col("p.name", "Alice", "Bob", "Charlie", "Diana", "Eve")),
  ]),
  ported(82, "load_append_rejects_existing_id_without_update", "append of an existing key is a key conflict and changes nothing", SOCIAL_SCHEMA, [
    load(`{"type":"Person","data":{"name":"Alice","age":30}}`, { mode: "overwrite" }), { op: "countCommits", label: "before" },
    load(`{"type":"Person","data":{"name":"Alice","age":99}}`, { mode: "append", error: "ERR_KEY_CONFLICT" }),
    { op: "commitsSince", label: "before", n: 0 }, q(`query q() { match { $p: Person } return { $p.name, $p.age } }`, undefined, rows({ "p.name": "Alice", "p.age": 30 })),
  ]),
  internal(162, "load_keyed_write_row_cap_excludes_strict_overwrite", "needs 8,193 rows; the same contract limit (8,192 keyed entities, overwrite exempt) is tested with a small configured limit in test/engine/load.test.ts"),
  internal(244, "load_keyed_write_byte_cap_rejects_wide_row_pre_effect", "32 MiB byte cap: tested with a small configured limit in test/engine/load.test.ts"),
  tierB(366, "external_blob_ingress_caps_are_operation_wide_and_pre_effect", "external Blob URI ingress caps and blob policy"),
  internal(808, "n_concurrent_strict_loads_have_one_same_id_winner_and_keep_disjoint_ids", "N concurrent writers racing: exactly-once commits are the store's concern (test/store concurrency suites)"),
  ported(910, "load_merge_upserts_existing_and_inserts_new", "merge updates existing keys and inserts new ones", SOCIAL_SCHEMA, [
    load(`{"type": "Person", "data": {"name": "Alice", "age": 30}}\n{"type": "Person", "data": {"name": "Bob", "age": 25}}`, { mode: "overwrite" }),
    load(`{"type": "Person", "data": {"name": "Alice", "age": 31}}\n{"type": "Person", "data": {"name": "Charlie", "age": 35}}`),
    q(`query q() { match { $p: Person } return { $p.name, $p.age } order { $p.name } }`, undefined, rows({ "p.name": "Alice", "p.age": 31 }, { "p.name": "Bob", "p.age": 25 }, { "p.name": "Charlie", "p.age": 35 })),
  ]),
  ported(971, "load_merge_repeated_against_overlapping_keys_succeeds", "the same partial merge twice over overlapping keys", g(THING, things(range(1, 50), false)), [load(DELTA), thingCount, load(DELTA), thingCount]),
  ported(1034, "loader_rejects_intra_batch_duplicate_keys", "a @key value twice in one load is a @unique violation in every mode; nothing is kept", g("node Thing {\n    key: String @key\n    value: String\n}\n"), [
    ...(["overwrite", "append", "merge"] as const).map((mode) => load(`{"type":"Thing","data":{"key":"DUP","value":"first"}}\n{"type":"Thing","data":{"key":"DUP","value":"second"}}`, { mode, error: "ERR_INTEGRITY" })),
    q(`query q() { match { $t: Thing } return { $t.key } }`, undefined, count(0)),
  ]),
  ported(1070, "lazy_load_rejects_duplicate_physical_ids_before_arm_for_append_and_overwrite", "an explicit id twice in one append or overwrite load is a key conflict (on a fresh branch too)", g("node Thing {\n    value: String\n}\n"), [
    { op: "branch", create: "feature" },
    ...(["append", "overwrite"] as const).map((mode) => load(`{"type":"Thing","data":{"id":"DUP","value":"first"}}\n{"type":"Thing","data":{"id":"DUP","value":"second"}}`, { mode, branch: "feature", error: "ERR_KEY_CONFLICT" })),
    q(`query q() { match { $t: Thing } return { $t.id } }`, undefined, count(0), { branch: "feature" }),
  ]),
  ported(1170, "loader_enforces_composite_unique_as_composite_key", "a composite @unique compares the tuple", g("node ExternalID {\n    slug: String @key\n    source: String @index\n    external_id: String @index\n    @unique(source, external_id)\n}\n"), [
    load(`{"type":"ExternalID","data":{"slug":"a","source":"whatsapp","external_id":"+E.164"}}\n{"type":"ExternalID","data":{"slug":"b","source":"whatsapp","external_id":"pn:12345"}}`, { mode: "overwrite" }),
    q(`query q() { match { $x: ExternalID } return { $x.slug } }`, undefined, count(2)),
    load(`{"type":"ExternalID","data":{"slug":"c","source":"whatsapp","external_id":"dup"}}\n{"type":"ExternalID","data":{"slug":"d","source":"whatsapp","external_id":"dup"}}`, { mode: "overwrite", error: "ERR_INTEGRITY" }),
  ]),
  ported(1220, "composite_unique_key_is_consistent_across_intake_and_merge", "tuples that concatenate alike are still distinct", g("node Item {\n    slug: String @key\n    a: String @index\n    b: String @index\n    @unique(a, b)\n}\n"), [
    mutate(`query q($slug: String, $a: String, $b: String) { insert Item { slug: $slug, a: $a, b: $b } }`, { slug: "r1", a: "x|y", b: "z" }),
    mutate(`query q($slug: String, $a: String, $b: String) { insert Item { slug: $slug, a: $a, b: $b } }`, { slug: "r2", a: "x", b: "y|z" }),
    q(`query q() { match { $i: Item } return { $i.slug } }`, undefined, count(2)),
  ]),
  ported(1294, "load_merge_window_2_documents_upstream_lance_gap", "repeated partial merges after index builds", g(THING, things(range(1, 50), false)), [load(DELTA), load(DELTA), thingCount]),
  ported(1346, "cross_type_traversal_deduplicates_duplicate_edges", "two parallel edges to one company give one row", g("node Person { name: String @key }\nnode Company { name: String @key }\nedge WorksAt: Person -> Company\n", `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Company","data":{"name":"Acme"}}\n{"edge":"WorksAt","from":"Alice","to":"Acme"}\n{"edge":"WorksAt","from":"Alice","to":"Acme"}`), [
    q(`query q($name: String) { match { $p: Person { name: $name }  $p worksAt $c } return { $c.name } }`, { name: "Alice" }, rows({ "c.name": "Acme" })),
  ]),
  ported(1380, "explicit_target_query_sees_other_writer_commits_without_refresh", "a read sees another handle's commit at once", SOCIAL, [
    { op: "openSecond" }, mutate(INSERT_PERSON, { name: "Eve", age: 22 }, { viaSecond: true }), q(TEST_GQ, { name: "Eve" }, count(1), { name: "get_person" }),
  ]),
  ported(1414, "explicit_target_query_rebuilds_graph_index_after_external_edge_write", "a read sees another handle's new edge", SOCIAL, [
    q(TEST_GQ, { name: "Alice" }, count(2), { name: "friends_of" }), { op: "openSecond" },
    mutate(ADD_FRIEND, { from: "Alice", to: "Diana" }, { viaSecond: true }),
    q(TEST_GQ, { name: "Alice" }, col("f.name", "Bob", "Charlie", "Diana"), { name: "friends_of" }),
  ]),
  ported(1470, "null_values_in_filter_and_projection", "a null never passes a filter and projects as null", g(SOCIAL_SCHEMA.schema, `{"type": "Person", "data": {"name": "Alice", "age": 30}}\n{"type": "Person", "data": {"name": "Bob"}}\n{"type": "Person", "data": {"name": "Charlie", "age": 35}}`), [
    q(`query q() { match { $p: Person  $p.age > 30 } return { $p.name, $p.age } }`, undefined, rows({ "p.name": "Charlie", "p.age": 35 })),
    q(`query q() { match { $p: Person } return { $p.name, $p.age } order { $p.name } }`, undefined, rows({ "p.name": "Alice", "p.age": 30 }, { "p.name": "Bob", "p.age": null }, { "p.name": "Charlie", "p.age": 35 })),
  ]),
  ported(1537, "traversal_works_after_node_then_edge_insert", "a node then an edge inserted in separate mutations traverse", SOCIAL, [
    mutate(INSERT_PERSON, { name: "Frank", age: 40 }), mutate(ADD_FRIEND, { from: "Frank", to: "Alice" }),
    q(TEST_GQ, { name: "Frank" }, rows({ "f.name": "Alice", "f.age": 30 }), { name: "friends_of" }),
  ]),
  ported(1593, "insert_edge_with_property", "an edge insert with a Date property", SOCIAL, [
    mutate(`query q($from: String, $to: String, $since: Date) { insert Knows { from: $from, to: $to, since: $since } }`, { from: "Diana", to: "Bob", since: "2024-03-15" }, { affected: [0, 1] }),
    q(`query q() { match { $a: Person { name: "Diana" }  $a $k:knows $b } return { $b.name, $k.since } }`, undefined, rows({ "b.name": "Bob", "k.since": "2024-03-15" })),
  ]),
  ported(1646, "update_nonexistent_returns_zero_affected", "an update matching nothing affects 0", SOCIAL, [mutate(SET_AGE, { name: "Nobody", age: 99 }, { affected: [0, 0] })]),
  ported(1663, "delete_nonexistent_returns_zero_affected", "a delete matching nothing affects 0", SOCIAL, [mutate(`query q($name: String) { delete Person where name = $name }`, { name: "Nobody" }, { affected: [0, 0] }), q(persons, undefined, count(4))]),
  ported(1686, "large_batch_load_and_query", "500 rows load; a filter + order returns the top 9", g("node Item {\n    name: String @key\n    value: I32\n}\n", Array.from({ length: 500 }, (_, i) => `{"type": "Item", "data": {"name": "item_${String(i).padStart(4, "0")}", "value": ${i}}}`).join("\n")), [
    q(`query q() { match { $i: Item } return { count($i) as n } }`, undefined, rows({ n: 500 })),
    q(`query q() { match { $i: Item  $i.value > 490 } return { $i.value } order { $i.value asc } }`, undefined, rows(...Array.from({ length: 9 }, (_, i) => ({ "i.value": 491 + i })))),
  ]),
  ported(1741, "long_lived_handle_prepares_strict_mutation_from_current_head", "a handle opened before another commit updates from the current head; both writes survive", SOCIAL, [
    { op: "openSecond" }, mutate(INSERT_PERSON, { name: "Eve", age: 22 }), mutate(SET_AGE, { name: "Alice", age: 99 }, { viaSecond: true }),
    q(TEST_GQ, { name: "Alice" }, rows({ "p.name": "Alice", "p.age": 99 }), { name: "get_person" }), q(TEST_GQ, { name: "Eve" }, count(1), { name: "get_person" }),
  ]),
];
