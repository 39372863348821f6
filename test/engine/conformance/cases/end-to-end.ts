import { fixture } from "../../support.ts";
import { col, count, entries, load, mutate, q, rows, type Entry, type Graph, type Step } from "../case.ts";
import { SOCIAL, SOCIAL_SCHEMA, TEST_GQ } from "./graphs.ts";

const { ported, internal, tierB } = entries("end_to_end");

const INSERT_PERSON = `query q($name: String, $age: I32) { insert Person { name: $name, age: $age } }`;
const ADD_FRIEND = `query q($from: String, $to: String) { insert Knows { from: $from, to: $to } }`;
const SET_AGE = `query q($name: String, $age: I32) { update Person set { age: $age } where name = $name }`;
const REMOVE_PERSON = `query q($name: String) { delete Person where name = $name }`;
const REMOVE_FRIENDSHIP = `query q($from: String) { delete Knows where from = $from }`;
const PERSON_AND_FRIEND = `query q($name: String, $age: I32, $friend: String) { insert Person { name: $name, age: $age }  insert Knows { from: $name, to: $friend } }`;
const get = (name: string, expect: Parameters<typeof q>[2]) => q(TEST_GQ, { name }, expect, { name: "get_person" });
const friendsOf = (name: string, expect: Parameters<typeof q>[2]) => q(TEST_GQ, { name }, expect, { name: "friends_of" });
const all = (type: string, v = "x") => `query q() { match { $${v}: ${type} } return { $${v}.id } }`;
const edges = (type: string) => `query q() { match { $a $e:${type} $b } return { $e.src, $e.dst } order { $e.src, $e.dst } }`;
const INTEGRITY = { error: "ERR_INTEGRITY" };
const g = (schema: string, data?: string): Graph => (data === undefined ? { schema } : { schema, data });
const BLOB = "node Document {\n    title: String @key\n    content: Blob?\n}\nedge Attachment: Document -> Document {\n    payload: Blob?\n}\n";
const RANGE = "node Person {\n    name: String @key\n    age: I32?\n    @range(age, 0..200)\n}\n";
const TEMP = (range: string) => `node Measurement {\n    name: String @key\n    temperature: F64?\n    @range(temperature, ${range})\n}\n`;
const ORDER = `node Order {\n    code: String @key\n    @check(code, "^[A-Z]{3}-[0-9]+$")\n}\n`;
const CARD = "node Person { name: String @key }\nnode Company { name: String @key }\nedge WorksAt: Person -> Company @card(0..1)\n";
const badLoad = (data: string): Step => load(data, { mode: "overwrite", error: "ERR_INTEGRITY" });

export const endToEnd: Entry[] = [
  internal(31, "init_creates_schema_file_and_manifest", "asserts OmniGraph's on-disk files (_schema.pg, __manifest) and catalog sizes; our layout is docs/design/manifest.md"),
  internal(44, "open_restores_full_state", "reopening a handle: asserts catalog sizes and manifest versions of OmniGraph's handle"),
  ported(61, "load_populates_all_types", "loading the fixture fills every type", SOCIAL, [
    q(all("Person"), undefined, count(4)), q(all("Company"), undefined, count(2)), q(edges("knows"), undefined, count(3)), q(edges("worksAt"), undefined, count(2)),
  ]),
  ported(87, "node_ids_are_key_values", "a keyed node's id is its key value", SOCIAL, [q(all("Person", "p"), undefined, col("p.id", "Alice", "Bob", "Charlie", "Diana"))]),
  ported(98, "node_properties_are_correct", "loaded properties read back", SOCIAL, [get("Alice", rows({ "p.name": "Alice", "p.age": 30 }))]),
  ported(123, "entity_at_returns_typed_json_values", "an entity reads back as typed JSON (Bool, integer)", g("node Flagged {\n    slug: String @key\n    active: Bool\n    rating: I32?\n}\n", `{"type":"Flagged","data":{"slug":"alpha","active":true,"rating":42}}`), [
    q(`query q() { match { $f: Flagged } return { $f } }`, undefined, rows({ f: { id: "alpha", slug: "alpha", active: true, rating: 42 } })),
  ]),
  ported(149, "nullable_vectors_round_trip_as_null", "a missing nullable vector reads back null", g("node Doc {\n    slug: String @key\n    embedding: Vector(2)?\n}\n", `{"type":"Doc","data":{"slug":"a"}}\n{"type":"Doc","data":{"slug":"b","embedding":[1.0,2.0]}}`), [
    q(`query q() { match { $d: Doc } return { $d.slug, $d.embedding } order { $d.slug } }`, undefined, rows({ "d.slug": "a", "d.embedding": null }, { "d.slug": "b", "d.embedding": [1, 2] })),
  ]),
  ported(180, "edge_src_dst_reference_node_ids", "edge endpoints are node ids", SOCIAL, [
    q(edges("knows"), undefined, rows({ "e.src": "Alice", "e.dst": "Bob" }, { "e.src": "Alice", "e.dst": "Charlie" }, { "e.src": "Bob", "e.dst": "Diana" })),
  ]),
  ported(212, "edge_ids_are_unique_strings", "generated edge ids are distinct, non-empty strings", SOCIAL, [
    q(`query q() { match { $a $e:knows $b } return { count($e) as n } }`, undefined, rows({ n: 3 })),
    q(`query q() { match { $a $e:knows $b  $e.id != "" } return { $e.id } }`, undefined, count(3)),
  ]),
  ported(238, "overwrite_replaces_data", "overwrite replaces each touched type", SOCIAL, [
    load(`{"type": "Person", "data": {"name": "Zara", "age": 40}}\n{"edge": "Knows", "from": "Zara", "to": "Zara"}\n{"edge": "WorksAt", "from": "Zara", "to": "Acme"}`, { mode: "overwrite" }),
    q(all("Person", "p"), undefined, col("p.id", "Zara")),
  ]),
  ported(272, "append_adds_rows", "append adds to what is there", SOCIAL_SCHEMA, [
    load(`{"type": "Person", "data": {"name": "Alice", "age": 30}}`, { mode: "overwrite" }),
    load(`{"type": "Person", "data": {"name": "Bob", "age": 25}}`, { mode: "append" }),
    q(all("Person"), undefined, count(2)),
  ]),
  ported(291, "load_from_file_works", "the fixture file loads", SOCIAL_SCHEMA, [load(fixture("test.jsonl"), { mode: "overwrite" }), q(all("Person"), undefined, count(4))]),
  ported(309, "signals_fixture_loads_correctly", "the signals fixture loads; ids are slug keys", g(fixture("signals.pg"), fixture("signals.jsonl")), [
    q(`query q() { match { $c: Company { slug: "aws" } } return { $c.id } }`, undefined, rows({ "c.id": "aws" })),
    q(`query q() { match { $c: Company { slug: "openai" } } return { $c.id } }`, undefined, rows({ "c.id": "openai" })),
  ]),
  ported(342, "query_get_person_by_name", "get_person", SOCIAL, [get("Alice", rows({ "p.name": "Alice", "p.age": 30 }))]),
  ported(373, "query_get_person_not_found", "no match, no rows", SOCIAL, [get("Nobody", count(0))]),
  ported(390, "query_adults_filtered_and_ordered", "adults", SOCIAL, [q(TEST_GQ, undefined, rows({ "p.name": "Charlie", "p.age": 35 }), { name: "adults" })]),
  ported(410, "query_top_by_age_with_limit", "top_by_age", SOCIAL, [q(TEST_GQ, undefined, rows({ "p.name": "Charlie", "p.age": 35 }, { "p.name": "Alice", "p.age": 30 }), { name: "top_by_age" })]),
  ported(441, "query_friends_of", "friends_of", SOCIAL, [friendsOf("Alice", col("f.name", "Bob", "Charlie"))]),
  ported(467, "query_employees_of", "employees_of (reverse traversal)", SOCIAL, [q(TEST_GQ, { company: "Acme" }, rows({ "p.name": "Alice" }), { name: "employees_of" })]),
  ported(492, "query_friends_of_friends", "friends_of_friends", SOCIAL, [q(TEST_GQ, { name: "Alice" }, col("fof.name", "Diana"), { name: "friends_of_friends" })]),
  ported(518, "query_unemployed", "unemployed (anti-join)", SOCIAL, [q(TEST_GQ, undefined, col("p.name", "Charlie", "Diana"), { name: "unemployed" })]),
  ported(539, "query_anti_join_all_have_edges", "an anti-join where everyone has the edge is empty", g("node Person { name: String @key }\nnode Company { name: String @key }\nedge WorksAt: Person -> Company\n", `{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Person", "data": {"name": "Bob"}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"edge": "WorksAt", "from": "Alice", "to": "Acme"}\n{"edge": "WorksAt", "from": "Bob", "to": "Acme"}`), [
    q(`query q() { match { $p: Person  not { $p worksAt $_ } } return { $p.name } }`, undefined, count(0)),
  ]),
  ported(576, "mutation_insert_node", "insert a node: 1 node, 0 edges", SOCIAL, [mutate(INSERT_PERSON, { name: "Eve", age: 22 }, { affected: [1, 0] }), get("Eve", rows({ "p.name": "Eve", "p.age": 22 }))]),
  ported(612, "mutation_insert_edge", "insert an edge: 0 nodes, 1 edge", SOCIAL, [
    mutate(INSERT_PERSON, { name: "Eve", age: 22 }), mutate(ADD_FRIEND, { from: "Eve", to: "Alice" }, { affected: [0, 1] }), friendsOf("Eve", rows({ "f.name": "Alice", "f.age": 30 })),
  ]),
  ported(659, "mutation_multi_insert_node_and_edge", "node and edge in one mutation", SOCIAL, [
    mutate(PERSON_AND_FRIEND, { name: "Eve", age: 22, friend: "Alice" }, { affected: [1, 1] }), friendsOf("Eve", rows({ "f.name": "Alice", "f.age": 30 })),
  ]),
  ported(696, "mutation_update_node", "update a node", SOCIAL, [mutate(SET_AGE, { name: "Alice", age: 31 }, { affected: [1, 0] }), get("Alice", rows({ "p.name": "Alice", "p.age": 31 }))]),
  ported(732, "mutation_delete_node_cascades_edges", "deleting a node deletes its edges (Alice: 2 knows + 1 worksAt)", SOCIAL, [
    mutate(REMOVE_PERSON, { name: "Alice" }, { affected: [1, 3] }),
    get("Alice", count(0)),
    q(`query q() { match { $a $e:knows $b  $e.src = "Alice" } return { $e.id } }`, undefined, count(0)),
    q(`query q() { match { $a $e:worksAt $b  $e.src = "Alice" } return { $e.id } }`, undefined, count(0)),
    q(edges("knows"), undefined, rows({ "e.src": "Bob", "e.dst": "Diana" })),
  ]),
  ported(808, "mutation_delete_edge", "deleting edges by source", SOCIAL, [mutate(REMOVE_FRIENDSHIP, { from: "Alice" }, { affected: [0, 2] }), get("Alice", count(1)), friendsOf("Alice", count(0))]),
  ported(849, "mutation_insert_duplicate_key_upserts", "inserting an existing key upserts", SOCIAL, [mutate(INSERT_PERSON, { name: "Alice", age: 99 }, { affected: [1, 0] }), get("Alice", rows({ "p.name": "Alice", "p.age": 99 }))]),
  ported(887, "mutation_update_key_property_rejected", "a @key property cannot be updated", SOCIAL, [
    mutate(`query q($old_name: String, $new_name: String) { update Person set { name: $new_name } where name = $old_name }`, { old_name: "Alice", new_name: "Bob" }, { error: "ERR_TYPE" }),
  ]),
  ported(952, "blob_schema_parses_and_init_succeeds", "a schema with Blob properties applies", g(BLOB), [q(`query q() { match { $d: Document } return { $d.title } }`, undefined, count(0))]),
  ported(966, "blob_load_base64_inline", "base64 blobs and missing blobs load", g(BLOB), [
    load(`{"type": "Document", "data": {"title": "readme", "content": "base64:SGVsbG8gV29ybGQ="}}\n{"type": "Document", "data": {"title": "empty"}}`, { mode: "overwrite" }),
    q(`query q() { match { $d: Document } return { $d.title } }`, undefined, count(2)),
  ]),
  ported(983, "blob_bearing_query_filters_without_projecting_blob", "inline and clause filters on a blob-bearing type; the blob is never projected", g(BLOB, `{"type": "Document", "data": {"title": "readme", "content": "base64:SGVsbG8gV29ybGQ="}}`), [
    q(`query q($title: String) { match { $d: Document { title: $title } } return { $d.title } }`, { title: "readme" }, rows({ "d.title": "readme" })),
    q(`query q($title: String) { match { $d: Document  $d.title = $title } return { $d.title } }`, { title: "readme" }, rows({ "d.title": "readme" })),
    q(`query q() { match { $d: Document } return { $d } }`, undefined, rows({ d: { id: "readme", title: "readme" } })),
  ]),
  ported(1017, "blob_null_does_not_break_non_blob_projection", "a null blob does not affect other columns", g(BLOB, `{"type": "Document", "data": {"title": "empty"}}`), [
    q(`query q($title: String) { match { $d: Document { title: $title } } return { $d.title } }`, { title: "empty" }, rows({ "d.title": "empty" })),
  ]),
  ported(1045, "blob_insert_mutation", "a blob param inserts; the row reads back without the blob", g(BLOB), [
    mutate(`query q($title: String, $content: Blob) { insert Document { title: $title, content: $content } }`, { title: "new-doc", content: "base64:AQID" }, { affected: [1, 0] }),
    q(`query q($title: String) { match { $d: Document { title: $title } } return { $d } }`, { title: "new-doc" }, rows({ d: { id: "new-doc", title: "new-doc" } })),
  ]),
  ported(1090, "blob_update_mutation", "a blob property updates (bytes are checked through the blob API)", g(BLOB), [
    mutate(`query q($title: String, $content: Blob) { insert Document { title: $title, content: $content } }`, { title: "updatable", content: "base64:AQID" }),
    mutate(`query q($title: String, $content: Blob) { update Document set { content: $content } where title = $title }`, { title: "updatable", content: "base64:BAUG" }, { affected: [1, 0] }),
  ]),
  tierB(1129, "blob_read_returns_bytes", "managed Blob byte reads (range reads, ETags): the /blob API, not the query engine"),
  internal(1368, "blob_read_on_upgraded_unmarked_v6_table_fails_closed_for_old_snapshots", "OmniGraph's v6 physical-schema upgrade path (field metadata, repair)"),
  tierB(1517, "blob_read_not_found_errors", "managed Blob byte reads: the /blob API"),
  tierB(1568, "blob_read_after_mutation_insert", "managed Blob byte reads: the /blob API"),
  internal(1599, "blob_scan_with_descriptions_on_nonempty_dataset", "asserts Lance's BlobsDescriptions scan of OmniGraph's dataset"),
  ported(1634, "range_constraint_rejects_out_of_bounds", "@range rejects an out-of-bounds integer on load", g(RANGE), [badLoad(`{"type": "Person", "data": {"name": "Old", "age": 300}}`)]),
  ported(1655, "range_constraint_allows_within_bounds", "@range admits an in-bounds value", g(RANGE), [load(`{"type": "Person", "data": {"name": "Alice", "age": 30}}`, { mode: "overwrite" }), q(all("Person"), undefined, count(1))]),
  ported(1676, "range_constraint_float_rejects_out_of_bounds", "@range on F64", g(TEMP("0.0..100.0")), [badLoad(`{"type": "Measurement", "data": {"name": "hot", "temperature": 150.5}}`)]),
  ported(1696, "range_constraint_float_allows_within_bounds", "@range on F64 admits in-bounds", g(TEMP("0.0..100.0")), [load(`{"type": "Measurement", "data": {"name": "warm", "temperature": 37.5}}`, { mode: "overwrite" }), q(all("Measurement"), undefined, count(1))]),
  ported(1717, "range_constraint_negative_float_bounds", "negative @range bounds", g(TEMP("-40.0..60.0")), [
    load(`{"type": "Measurement", "data": {"name": "cold", "temperature": -20.0}}`, { mode: "overwrite" }),
    badLoad(`{"type": "Measurement", "data": {"name": "arctic", "temperature": -50.0}}`),
  ]),
  ported(1742, "check_constraint_rejects_bad_pattern", "@check rejects a non-matching value", g(ORDER), [badLoad(`{"type": "Order", "data": {"code": "invalid"}}`)]),
  ported(1761, "check_constraint_allows_matching_pattern", "@check admits a match", g(ORDER), [load(`{"type": "Order", "data": {"code": "ABC-123"}}`, { mode: "overwrite" }), q(all("Order"), undefined, count(1))]),
  ported(1781, "mutation_insert_rejects_range_violation", "@range on insert", g(RANGE), [mutate(INSERT_PERSON, { name: "Old", age: 300 }, INTEGRITY)]),
  ported(1817, "mutation_update_rejects_range_violation", "@range on update", g(RANGE, `{"type": "Person", "data": {"name": "Alice", "age": 30}}`), [mutate(SET_AGE, { name: "Alice", age: 300 }, INTEGRITY)]),
  ported(1860, "mutation_insert_rejects_check_violation", "@check on insert", g(ORDER), [mutate(`query q($code: String) { insert Order { code: $code } }`, { code: "invalid" }, INTEGRITY)]),
  ported(1891, "mutation_update_rejects_check_violation", "@check on update", g(`node Order {\n    code: String @key\n    label: String?\n    @check(label, "^[A-Z]+$")\n}\n`, `{"type": "Order", "data": {"code": "ABC-123", "label": "VALID"}}`), [
    mutate(`query q($code: String, $label: String) { update Order set { label: $label } where code = $code }`, { code: "ABC-123", label: "invalid" }, INTEGRITY),
  ]),
  ported(1934, "edge_cardinality_max_enforced", "@card max on load", g(CARD), [
    badLoad(`{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"type": "Company", "data": {"name": "Globex"}}\n{"edge": "WorksAt", "from": "Alice", "to": "Acme"}\n{"edge": "WorksAt", "from": "Alice", "to": "Globex"}`),
  ]),
  ported(1958, "edge_cardinality_allows_within_bounds", "@card within bounds loads", g(CARD), [
    load(`{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"edge": "WorksAt", "from": "Alice", "to": "Acme"}`, { mode: "overwrite" }),
    q(edges("worksAt"), undefined, count(1)),
  ]),
  ported(1982, "update_with_blob_mid_schema_does_not_panic", "updating a type whose blob sits mid-schema", g("node Article {\n    slug: String @key\n    attachment: Blob?\n    summary: String?\n    rating: I32?\n}\n"), [
    mutate(`query q($slug: String, $attachment: Blob, $summary: String, $rating: I32) { insert Article { slug: $slug, attachment: $attachment, summary: $summary, rating: $rating } }`, { slug: "a1", attachment: "base64:", summary: "hello", rating: 42 }),
    mutate(`query q($slug: String, $summary: String) { update Article set { summary: $summary } where slug = $slug }`, { slug: "a1", summary: "updated" }, { affected: [1, 0] }),
    q(`query q($slug: String) { match { $a: Article { slug: $slug } } return { $a.slug, $a.summary, $a.rating } }`, { slug: "a1" }, rows({ "a.slug": "a1", "a.summary": "updated", "a.rating": 42 })),
  ]),
  ported(2060, "blob_update_null_to_non_null", "a null blob updates to a value", g(BLOB, `{"type": "Document", "data": {"title": "kid-a"}}`), [
    mutate(`query q($title: String, $content: Blob) { update Document set { content: $content } where title = $title }`, { title: "kid-a", content: "base64:AQID" }, { affected: [1, 0] }),
  ]),
  tierB(2097, "blob_load_external_file_uri", "external Blob URIs under an embedded-only policy and byte reads: the /blob API and blob policy"),
  ported(2309, "update_edge_type_returns_error_not_panic", "`update` on an edge type is an error", SOCIAL, [
    mutate(`query q($from: String) { update Knows set { since: "2025-01-01" } where from = $from }`, { from: "Alice" }, { error: "ERR_TYPE" }),
  ]),
  ported(2333, "date_literal_with_quote_is_escaped", "a quote in a parameter is data, not SQL", SOCIAL, [
    q(`query q($d: String) { match { $p: Person { name: $d } } return { $p.name } }`, { d: "2025-01-01' OR '1'='1" }, count(0)),
  ]),
  ported(2360, "append_mode_manifest_row_count_is_total", "after an append the type holds all rows", SOCIAL, [
    load(`{"type": "Person", "data": {"name": "Eve", "age": 22}}`, { mode: "append" }),
    q(`query q() { match { $p: Person } return { count($p) as n } }`, undefined, rows({ n: 5 })),
  ]),
  ported(2383, "cardinality_violation_does_not_commit_manifest", "a refused load leaves the graph unchanged", g(CARD), [
    { op: "mark", label: "before" },
    badLoad(`{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"type": "Company", "data": {"name": "Beta"}}\n{"edge": "WorksAt", "from": "Alice", "to": "Acme"}\n{"edge": "WorksAt", "from": "Alice", "to": "Beta"}`),
    q(all("Person"), undefined, count(0)),
  ]),
  ported(2417, "dangling_edge_dst_rejected_on_load", "an edge to a missing destination is refused", SOCIAL_SCHEMA, [
    badLoad(`{"type": "Person", "data": {"name": "Alice", "age": 30}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"edge": "Knows", "from": "Alice", "to": "NonExistent"}`),
  ]),
  ported(2438, "dangling_edge_src_rejected_on_load", "an edge from a missing source is refused", SOCIAL_SCHEMA, [
    badLoad(`{"type": "Person", "data": {"name": "Alice", "age": 30}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"edge": "WorksAt", "from": "Ghost", "to": "Acme"}`),
  ]),
  internal(2461, "ensure_indices_does_not_error_on_repeated_call", "OmniGraph's ensure_indices maintenance call and manifest versions; our index builds are store maintenance (test/store)"),
  ported(2496, "ir_filter_with_list_contains_pushes_down", "`$d.tags contains $tag` on a list property", g("node Doc {\n    slug: String @key\n    tags: [String]\n}\n", `{"type":"Doc","data":{"slug":"alpha","tags":["red","blue"]}}\n{"type":"Doc","data":{"slug":"bravo","tags":["green"]}}\n{"type":"Doc","data":{"slug":"charlie","tags":["red","green"]}}\n{"type":"Doc","data":{"slug":"delta","tags":[]}}`), [
    q(`query q($tag: String) { match { $d: Doc  $d.tags contains $tag } return { $d.slug } }`, { tag: "red" }, col("d.slug", "alpha", "charlie")),
  ]),
  internal(2558, "full_flow_optimize_then_query_update_and_reopen", "OmniGraph's optimize() (compaction) and handle reopen; compaction is store maintenance, covered by test/store"),
];
