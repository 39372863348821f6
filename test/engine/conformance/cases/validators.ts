import { count, entries, load, mutate, q, type Entry, type Graph, type Step } from "../case.ts";

const { ported } = entries("validators");

const ENUM = "node Person {\n    name: String @key\n    role: enum(admin, guest, member)\n}\n";
const RANGE = "node Person {\n    name: String @key\n    age: I32?\n    @range(age, 0..120)\n}\n";
const UNIQUE = "node User {\n    name: String @key\n    email: String?\n    @unique(email)\n}\n";
const DATE_UNIQUE = "node Task {\n    name: String @key\n    due: Date @unique\n}\n";
const CARD = "node Person { name: String @key }\nnode Company { name: String @key }\nedge WorksAt: Person -> Company @card(0..1)\n";
const CARD_SEED = `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Company","data":{"name":"Acme"}}\n{"type":"Company","data":{"name":"Beta"}}`;
const CARD_MIN = "node Person { name: String @key }\nnode Company { name: String @key }\nedge WorksAt: Person -> Company @card(1..)\n";
const RI = "node Person { name: String @key }\nedge Knows: Person -> Person\n";
const VECTOR = "node Doc {\n    slug: String @key\n    embedding: Vector(3)\n}\n";

const g = (schema: string, data?: string): Graph => (data === undefined ? { schema } : { schema, data });
const insertPerson = `query q($name: String, $role: String) { insert Person { name: $name, role: $role } }`;
const setRole = `query q($name: String, $role: String) { update Person set { role: $role } where name = $name }`;
const insertAged = `query q($name: String, $age: I32) { insert Person { name: $name, age: $age } }`;
const setAge = `query q($name: String, $age: I32) { update Person set { age: $age } where name = $name }`;
const insertUser = `query q($name: String, $email: String) { insert User { name: $name, email: $email } }`;
const employ = `query q($person: String, $company: String) { insert WorksAt { from: $person, to: $company } }`;
const users = `query q() { match { $u: User } return { $u.name } }`;
const worksAt = `query q() { match { $p: Person  $p $w:worksAt $c } return { $w.id } }`;
const INTEGRITY = { error: "ERR_INTEGRITY" };
const bad = (data: string, mode?: "append" | "overwrite" | "merge", code = "ERR_INTEGRITY"): Step => load(data, { error: code, ...(mode ? { mode } : {}) });

export const validators: Entry[] = [
  ported(101, "non_numeric_vector_element_rejected_on_jsonl_load", "a vector with a null or string element, or the wrong length, is refused; a good one loads", g(VECTOR), [
    bad(`{"type":"Doc","data":{"slug":"d1","embedding":[0.1,null,0.3]}}`, "overwrite", "ERR_NDJSON"),
    bad(`{"type":"Doc","data":{"slug":"d2","embedding":[0.1,"0.2",0.3]}}`, "overwrite", "ERR_NDJSON"),
    bad(`{"type":"Doc","data":{"slug":"d3","embedding":[0.1,0.2]}}`, "overwrite", "ERR_NDJSON"),
    load(`{"type":"Doc","data":{"slug":"d4","embedding":[0.1,0.2,0.3]}}`, { mode: "overwrite" }),
  ]),
  ported(146, "enum_rejected_on_jsonl_load", "an enum value outside the set is refused on load", g(ENUM), [bad(`{"type":"Person","data":{"name":"Alice","role":"superadmin"}}`, "overwrite")]),
  ported(158, "enum_rejected_on_mutation_insert", "… and on insert", g(ENUM, `{"type":"Person","data":{"name":"Alice","role":"admin"}}`), [
    mutate(insertPerson, { name: "Bob", role: "superadmin" }, INTEGRITY),
  ]),
  ported(176, "enum_rejected_on_mutation_update", "… and on update", g(ENUM, `{"type":"Person","data":{"name":"Alice","role":"admin"}}`), [
    mutate(setRole, { name: "Alice", role: "superadmin" }, INTEGRITY),
  ]),
  ported(196, "range_rejected_on_jsonl_load", "@range is enforced on load", g(RANGE), [bad(`{"type":"Person","data":{"name":"Alice","age":250}}`, "overwrite")]),
  ported(204, "range_rejected_on_mutation_insert", "… on insert", g(RANGE, `{"type":"Person","data":{"name":"Alice","age":30}}`), [mutate(insertAged, { name: "Bob", age: 250 }, INTEGRITY)]),
  ported(222, "range_rejected_on_mutation_update", "… on update", g(RANGE, `{"type":"Person","data":{"name":"Alice","age":30}}`), [mutate(setAge, { name: "Alice", age: 250 }, INTEGRITY)]),
  ported(242, "intra_batch_unique_rejected_on_jsonl_load", "two rows of one load with the same @unique value are refused", g(UNIQUE), [
    bad(`{"type":"User","data":{"name":"Alice","email":"dup@example.com"}}\n{"type":"User","data":{"name":"Bob","email":"dup@example.com"}}`, "overwrite"),
  ]),
  ported(264, "cross_version_unique_rejected_on_mutation_insert", "a @unique value already stored is refused on insert", g(UNIQUE), [
    mutate(insertUser, { name: "Bob", email: "dup@example.com" }),
    mutate(insertUser, { name: "Carol", email: "dup@example.com" }, INTEGRITY),
  ]),
  ported(291, "reinsert_existing_key_is_upsert_not_unique_violation", "re-inserting a key with its own @unique value is an upsert", g(UNIQUE), [
    mutate(insertUser, { name: "Alice", email: "alice@example.com" }),
    mutate(insertUser, { name: "Alice", email: "alice@example.com" }),
  ]),
  ported(323, "cross_version_unique_rejected_on_append_load", "an append load colliding with a stored @unique value is refused whole", g(UNIQUE), [
    load(`{"type":"User","data":{"name":"Bob","email":"dup@example.com"}}`, { mode: "append" }),
    bad(`{"type":"User","data":{"name":"Carol","email":"dup@example.com"}}\n{"type":"User","data":{"name":"Dave","email":"dave@example.com"}}`, "append"),
    q(users, undefined, count(1)),
  ]),
  ported(356, "cross_version_unique_rejected_on_date_column", "@unique on a Date column compares typed values", g(DATE_UNIQUE), [
    load(`{"type":"Task","data":{"name":"T1","due":"2026-06-29"}}`, { mode: "append" }),
    bad(`{"type":"Task","data":{"name":"T2","due":"2026-06-29"}}`, "append"),
  ]),
  ported(380, "noncolliding_write_to_date_unique_column_succeeds", "a distinct Date value loads", g(DATE_UNIQUE), [
    load(`{"type":"Task","data":{"name":"T1","due":"2026-06-29"}}`, { mode: "append" }),
    load(`{"type":"Task","data":{"name":"T2","due":"2026-07-01"}}`, { mode: "append" }),
    q(`query q() { match { $t: Task } return { $t.name } }`, undefined, count(2)),
  ]),
  ported(402, "merge_load_edge_src_move_rechecks_vacated_src_cardinality", "moving an edge to a new source rechecks the old source's @card minimum", g(CARD_MIN, `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Person","data":{"name":"Bob"}}\n{"type":"Company","data":{"name":"Acme"}}\n{"edge":"WorksAt","from":"Alice","to":"Acme","data":{"id":"E1"}}`), [
    bad(`{"edge":"WorksAt","from":"Bob","to":"Acme","data":{"id":"E1"}}`, "merge"),
  ]),
  ported(426, "merge_load_duplicate_edge_id_counts_once_per_card", "one edge id twice in a merge load counts once (last row wins)", g(CARD, `${CARD_SEED}\n{"type":"Person","data":{"name":"Bob"}}\n{"edge":"WorksAt","from":"Alice","to":"Acme","data":{"id":"E0"}}`), [
    load(`{"edge":"WorksAt","from":"Alice","to":"Beta","data":{"id":"E1"}}\n{"edge":"WorksAt","from":"Bob","to":"Beta","data":{"id":"E1"}}`),
    q(worksAt, undefined, count(2)),
  ]),
  ported(451, "mutation_delete_edge_below_card_min_rejected", "deleting a source's only edge under @card(1..) is refused", g(CARD_MIN, `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Company","data":{"name":"Acme"}}\n{"edge":"WorksAt","from":"Alice","to":"Acme","data":{"id":"E1"}}`), [
    mutate(`query q($person: String) { delete WorksAt where from = $person }`, { person: "Alice" }, INTEGRITY),
    q(worksAt, undefined, count(1)),
  ]),
  ported(477, "merge_load_reupsert_existing_key_is_not_unique_violation", "a merge load re-upserting a key with its own @unique value succeeds", g(UNIQUE), [
    load(`{"type":"User","data":{"name":"Alice","email":"alice@example.com"}}`),
    load(`{"type":"User","data":{"name":"Alice","email":"alice@example.com"}}`),
  ]),
  ported(489, "overwrite_load_validates_ri_against_new_image", "overwrite checks edges against the new nodes", g(RI, `{"type":"Person","data":{"name":"Alice"}}`), [
    load(`{"type":"Person","data":{"name":"Carol"}}\n{"edge":"Knows","from":"Carol","to":"Carol"}`, { mode: "overwrite" }),
  ]),
  ported(500, "append_load_rejects_orphan_edge", "an edge to a missing node is refused", g(RI, `{"type":"Person","data":{"name":"Alice"}}`), [
    bad(`{"edge":"Knows","from":"Alice","to":"Ghost"}`, "append"),
  ]),
  ported(521, "overwrite_node_removal_rejects_retained_orphan_edge", "overwriting nodes may not strand a kept edge", g(RI, `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Person","data":{"name":"Bob"}}\n{"edge":"Knows","from":"Alice","to":"Bob"}`), [
    bad(`{"type":"Person","data":{"name":"Alice"}}`, "overwrite"),
  ]),
  ported(543, "chained_unique_update_then_reuse_freed_value_is_not_a_violation", "@unique is checked on the final image of one mutation", g(UNIQUE, `{"type":"User","data":{"name":"Alice","email":"orig"}}`), [
    mutate(`query q() { update User set { email: "temp" } where name = "Alice"  update User set { email: "final" } where name = "Alice"  insert User { name: "Carol", email: "temp" } }`),
    q(`query q() { match { $u: User } return { $u.name, $u.email } order { $u.name } }`, undefined, { rows: [{ "u.name": "Alice", "u.email": "final" }, { "u.name": "Carol", "u.email": "temp" }] }),
  ]),
  ported(566, "cardinality_rejected_on_mutation_insert_edge", "a second edge over @card(0..1) is refused", g(CARD, CARD_SEED), [
    mutate(employ, { person: "Alice", company: "Acme" }),
    mutate(employ, { person: "Alice", company: "Beta" }, INTEGRITY),
  ]),
  ported(606, "cardinality_rejected_for_stale_handle_after_concurrent_edge_commit", "@card is checked against the live head, not a stale handle's view", g(CARD, CARD_SEED), [
    { op: "openSecond" },
    mutate(employ, { person: "Alice", company: "Acme" }),
    mutate(employ, { person: "Alice", company: "Beta" }, { error: "ERR_INTEGRITY", viaSecond: true }),
  ]),
  ported(649, "cardinality_rejected_on_jsonl_load", "two edges from one source over @card(0..1) in one load are refused", g(CARD, CARD_SEED), [
    bad(`{"edge":"WorksAt","from":"Alice","to":"Acme"}\n{"edge":"WorksAt","from":"Alice","to":"Beta"}`, "append"),
  ]),
];
