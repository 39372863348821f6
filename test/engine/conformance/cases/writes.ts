import { count, entries, load, mutate, q, rows, type Entry, type Graph, type Step } from "../case.ts";
import { SOCIAL, SOCIAL_SCHEMA, TEST_GQ } from "./graphs.ts";

const { ported, differs, internal, tierB } = entries("writes");

const INSERT_PERSON = `query q($name: String, $age: I32) { insert Person { name: $name, age: $age } }`;
const ADD_FRIEND = `query q($from: String, $to: String) { insert Knows { from: $from, to: $to } }`;
const SET_AGE = `query q($name: String, $age: I32) { update Person set { age: $age } where name = $name }`;
const PERSON_AND_FRIEND = `query q($name: String, $age: I32, $friend: String) { insert Person { name: $name, age: $age }  insert Knows { from: $name, to: $friend } }`;
const get = (name: string, n: number) => q(TEST_GQ, { name }, count(n), { name: "get_person" });
const friendsOf = (name: string, n: number) => q(TEST_GQ, { name }, count(n), { name: "friends_of" });
const all = (type: string) => `query q() { match { $x: ${type} } return { $x.id } }`;
const edgeCount = (type: string) => `query q() { match { $a $e:${type} $b } return { $e.id } }`;
const age = (name: string, value: number) => q(`query q($name: String) { match { $p: Person { name: $name } } return { $p.age } }`, { name }, rows({ "p.age": value }));
const INTEGRITY = { error: "ERR_INTEGRITY" };
const commits = (label: string): Step => ({ op: "countCommits", label });
const since = (label: string, n: number): Step => ({ op: "commitsSince", label, n });
const onlyMain: Step = { op: "branches", names: ["main"] };
const CC: Graph = {
  schema: "node Doc {\n    slug: String @key\n    repoName: String @index\n    status: String?\n}\n",
  data: `{"type":"Doc","data":{"slug":"d1","repoName":"acme","status":"open"}}\n{"type":"Doc","data":{"slug":"d2","repoName":"globex","status":"open"}}`,
};
const people = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `{"type":"Person","data":{"name":"p${from + i}","age":${from + i}}}`).join("\n");
const findPerson = (name: string, n: number) => q(`query q($name: String) { match { $p: Person { name: $name } } return { $p.name } }`, { name }, count(n));
const CARD = (card: string) => `node Person { name: String @key }\nnode Company { name: String @key }\nedge WorksAt: Person -> Company @card(${card})\n`;

export const writes: Entry[] = [
  ported(34, "load_does_not_create_run_branch", "a load creates no branch", SOCIAL_SCHEMA, [load(SOCIAL.data!, { mode: "overwrite" }), onlyMain, get("Alice", 1)]),
  ported(64, "mutation_does_not_create_run_branch", "a mutation creates no branch", SOCIAL, [mutate(INSERT_PERSON, { name: "Eve", age: 22 }, { affected: [1, 0] }), onlyMain]),
  ported(90, "failed_mutation_leaves_target_unchanged", "an edge to a missing node fails and changes nothing", SOCIAL, [
    mutate(ADD_FRIEND, { from: "Alice", to: "Missing" }, INTEGRITY), friendsOf("Alice", 2), onlyMain,
  ]),
  ported(127, "multi_statement_mutation_is_atomic_with_read_your_writes", "an edge may reference a node inserted earlier in the same mutation", SOCIAL, [
    mutate(PERSON_AND_FRIEND, { name: "Eve", age: 22, friend: "Alice" }, { affected: [1, 1] }), get("Eve", 1), friendsOf("Eve", 1),
  ]),
  ported(181, "partial_failure_leaves_target_queryable_and_unblocks_next_mutation", "a mutation failing on its second statement publishes nothing; the next one works", SOCIAL, [
    mutate(PERSON_AND_FRIEND, { name: "Eve", age: 22, friend: "Missing" }, INTEGRITY), get("Eve", 0),
    mutate(INSERT_PERSON, { name: "Frank", age: 33 }, { affected: [1, 0] }), get("Frank", 1),
  ]),
  ported(255, "stale_non_strict_insert_reprepares_from_live_branch_state", "a second handle opened before another writer's commit still inserts on top of it", SOCIAL, [
    { op: "openSecond" }, mutate(INSERT_PERSON, { name: "WriterA", age: 41 }), mutate(INSERT_PERSON, { name: "WriterB", age: 42 }, { viaSecond: true }), get("WriterA", 1), get("WriterB", 1),
  ]),
  internal(326, "cancelled_mutation_future_leaves_no_state", "aborts a Rust future mid-flight; our at-most-once publish under cancellation is the store's (test/store)"),
  internal(388, "mutation_actor_id_lands_in_commit_graph", "reads OmniGraph's commit-graph rows; our commits carry the actor (test/store, test/engine/mutations)"),
  ported(417, "repeated_loads_do_not_accumulate_branches", "loads never add branches", SOCIAL, [load(`{"type":"Person","data":{"name":"Eve"}}`), load(`{"type":"Person","data":{"name":"Fay"}}`), onlyMain]),
  internal(438, "public_branch_apis_reject_internal_system_refs", "OmniGraph's internal `__run__`/system ref names; our branch-name rules are tested in test/store"),
  internal(547, "mutation_keyed_write_row_cap_accepts_limit_and_rejects_one_over_pre_effect", "OmniGraph's per-mutation row cap (its internal constant); our limits are the contract's per-load limits (test/engine/load)"),
  internal(628, "mutation_update_row_cap_accepts_limit_and_rejects_one_over_pre_effect", "OmniGraph's per-mutation update row cap"),
  tierB(711, "mutation_update_rejects_oversized_blob_before_payload_read_pre_effect", "Blob payload size limits and payload-read probes"),
  ported(820, "mutation_rejects_mixed_insert_and_delete_at_parse_time", "a mutation mixing inserts and deletes is refused before any write", SOCIAL, [
    commits("before"),
    mutate(`query q($name: String, $age: I32, $victim: String) { insert Person { name: $name, age: $age }  delete Person where name = $victim }`, { name: "Eve", age: 22, victim: "Alice" }, { error: "ERR_D2_MIXED_MUTATION" }),
    q(all("Person"), undefined, count(4)), since("before", 0), onlyMain,
  ]),
  ported(875, "overlapping_delete_predicates_do_not_double_count_affected", "overlapping deletes count distinct rows (2 nodes, 3 edges)", SOCIAL, [
    mutate(`query q($name: String, $threshold: I32) { delete Person where name = $name  delete Person where age > $threshold }`, { name: "Alice", threshold: 29 }, { affected: [2, 3] }),
    q(all("Person"), undefined, count(2)), q(edgeCount("knows"), undefined, count(1)), q(edgeCount("worksAt"), undefined, count(1)),
  ]),
  ported(928, "delete_dedup_filter_does_not_drop_null_column_rows", "a later delete still removes a row a prior predicate saw as NULL", {
    schema: "node Person {\n    name: String @key\n    age: I32?\n}\nedge Knows: Person -> Person\n",
    data: `{"type":"Person","data":{"name":"Charlie","age":35}}\n{"type":"Person","data":{"name":"Zoe"}}\n{"edge":"Knows","from":"Zoe","to":"Charlie"}`,
  }, [
    mutate(`query q($threshold: I32, $name: String) { delete Person where age > $threshold  delete Person where name = $name }`, { name: "Zoe", threshold: 30 }, { affected: [2, 1] }),
    q(all("Person"), undefined, count(0)), q(edgeCount("knows"), undefined, count(0)),
  ]),
  differs(980, "mixed_insert_and_update_on_same_person_coalesces_to_one_merge", "insert then update of one node: the update's value wins, one commit", "affected-nodes-distinct", "OmniGraph reports affected_nodes 2 (one per statement); we report 1 (one distinct row)", SOCIAL, [
    commits("before"),
    mutate(`query q($name: String, $insert_age: I32, $update_age: I32) { insert Person { name: $name, age: $insert_age }  update Person set { age: $update_age } where name = $name }`, { name: "Yves", insert_age: 10, update_age: 99 }, { affected: [1, 0] }),
    age("Yves", 99), since("before", 1),
  ]),
  ported(1050, "multiple_edge_inserts_coalesce_to_one_fenced_write", "two edge inserts: two edges, one commit", SOCIAL, [
    mutate(INSERT_PERSON, { name: "Eve", age: 22 }), commits("before"),
    mutate(`query q($from: String, $a: String, $b: String) { insert Knows { from: $from, to: $a }  insert Knows { from: $from, to: $b } }`, { from: "Alice", a: "Bob", b: "Eve" }, { affected: [0, 2] }),
    q(edgeCount("knows"), undefined, count(5)), since("before", 1),
  ]),
  ported(1097, "multi_statement_inserts_publish_exactly_once", "two inserts publish one commit", SOCIAL, [
    commits("before"),
    mutate(`query q($a_name: String, $a_age: I32, $b_name: String, $b_age: I32) { insert Person { name: $a_name, age: $a_age }  insert Person { name: $b_name, age: $b_age } }`, { a_name: "Owen", a_age: 50, b_name: "Pat", b_age: 51 }),
    since("before", 1), get("Owen", 1), get("Pat", 1),
  ]),
  ported(1152, "load_with_bad_edge_reference_unblocks_next_load", "a refused append load leaves no trace; the next load works", SOCIAL, [
    load(`{"type": "Person", "data": {"name": "Mallory", "age": 5}}\n{"edge": "Knows", "from": "Mallory", "to": "Ghost"}`, { mode: "append", error: "ERR_INTEGRITY" }),
    q(all("Person"), undefined, count(4)), q(edgeCount("knows"), undefined, count(3)),
    load(`{"type": "Person", "data": {"name": "Pat", "age": 55}}`, { mode: "append" }), q(all("Person"), undefined, count(5)),
  ]),
  ported(1206, "load_overwrite_with_bad_edge_reference_unblocks_next_load", "the same for overwrite", SOCIAL, [
    load(`{"type": "Person", "data": {"name": "Mallory", "age": 5}}\n{"edge": "Knows", "from": "Mallory", "to": "Ghost"}`, { mode: "overwrite", error: "ERR_INTEGRITY" }),
    q(all("Person"), undefined, count(4)), q(edgeCount("knows"), undefined, count(3)),
    load(`{"type": "Person", "data": {"name": "Pat", "age": 55}}\n{"type": "Person", "data": {"name": "Quinn", "age": 56}}\n{"edge": "Knows", "from": "Pat", "to": "Quinn"}\n{"edge": "WorksAt", "from": "Pat", "to": "Acme"}`, { mode: "overwrite" }),
    q(all("Person"), undefined, count(2)), q(edgeCount("knows"), undefined, count(1)),
  ]),
  ported(1254, "load_with_cardinality_violation_unblocks_next_load", "a refused @card load leaves no trace (append)", { schema: CARD("0..1"), data: `{"type": "Person", "data": {"name": "Alice", "age": 30}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"type": "Company", "data": {"name": "Bigco"}}`.replace(', "age": 30', "") }, [
    load(`{"edge": "WorksAt", "from": "Alice", "to": "Acme"}\n{"edge": "WorksAt", "from": "Alice", "to": "Bigco"}`, { mode: "append", error: "ERR_INTEGRITY" }),
    q(edgeCount("worksAt"), undefined, count(0)),
    load(`{"edge": "WorksAt", "from": "Alice", "to": "Acme"}`, { mode: "append" }), q(edgeCount("worksAt"), undefined, count(1)),
  ]),
  ported(1312, "load_overwrite_with_cardinality_violation_unblocks_next_load", "… (overwrite)", { schema: CARD("0..1"), data: `{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"type": "Company", "data": {"name": "Bigco"}}` }, [
    load(`{"edge": "WorksAt", "from": "Alice", "to": "Acme"}\n{"edge": "WorksAt", "from": "Alice", "to": "Bigco"}`, { mode: "overwrite", error: "ERR_INTEGRITY" }),
    q(edgeCount("worksAt"), undefined, count(0)),
    load(`{"edge": "WorksAt", "from": "Alice", "to": "Acme"}`, { mode: "overwrite" }), q(edgeCount("worksAt"), undefined, count(1)),
  ]),
  ported(1378, "chained_updates_with_overlapping_predicate_respects_intermediate_value", "a second update sees the first update's value; one commit", SOCIAL, [
    commits("before"),
    mutate(`query q($first_name: String, $first_new_age: I32, $second_threshold: I32, $second_new_age: I32) { update Person set { age: $first_new_age } where name = $first_name  update Person set { age: $second_new_age } where age > $second_threshold }`, { first_name: "Alice", first_new_age: 99, second_threshold: 50, second_new_age: 10 }),
    age("Alice", 10), since("before", 1),
  ]),
  ported(1448, "multi_statement_delete_on_same_node_table", "two deletes on one type: one commit, both gone", SOCIAL, [
    commits("before"),
    mutate(`query q($first: String, $second: String) { delete Person where name = $first  delete Person where name = $second }`, { first: "Alice", second: "Bob" }, { affected: [2, 5] }),
    since("before", 1), get("Alice", 0), get("Bob", 0),
  ]),
  ported(1500, "cascade_delete_node_then_explicit_delete_edge_on_same_table", "a cascade and an explicit edge delete on one edge table both apply", SOCIAL, [
    mutate(`query q($name: String, $other: String) { delete Person where name = $name  delete Knows where from = $other }`, { name: "Alice", other: "Bob" }),
    q(edgeCount("knows"), undefined, count(0)),
  ]),
  ported(1552, "mutation_insert_edge_enforces_min_cardinality", "an edge insert leaving its source under @card(2..) is refused", { schema: "node Person {\n    name: String @key\n}\nedge Knows: Person -> Person @card(2..)\n", data: `{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Person", "data": {"name": "Bob"}}` }, [
    mutate(ADD_FRIEND, { from: "Alice", to: "Bob" }, INTEGRITY),
  ]),
  ported(1603, "load_merge_mode_dedupes_edge_for_cardinality_count", "a merge load replacing an edge by id counts it once for @card", { schema: CARD("0..1"), data: `{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"type": "Company", "data": {"name": "Bigco"}}\n{"edge": "WorksAt", "from": "Alice", "to": "Acme", "data": {"id": "w1"}}` }, [
    load(`{"edge": "WorksAt", "from": "Alice", "to": "Bigco", "data": {"id": "w1"}}`), q(edgeCount("worksAt"), undefined, count(1)),
  ]),
  ported(1653, "load_merge_mode_dedupes_within_pending_for_cardinality_count", "one edge id twice in a merge load counts once", { schema: CARD("0..1"), data: `{"type": "Person", "data": {"name": "Alice"}}\n{"type": "Company", "data": {"name": "Acme"}}\n{"type": "Company", "data": {"name": "Bigco"}}` }, [
    load(`{"edge": "WorksAt", "from": "Alice", "to": "Acme", "data": {"id": "w1"}}\n{"edge": "WorksAt", "from": "Alice", "to": "Bigco", "data": {"id": "w1"}}`), q(edgeCount("worksAt"), undefined, count(1)),
  ]),
  differs(1698, "blob_table_insert_then_non_blob_update_preserves_full_schema", "insert with a blob, then update another property, in one mutation", "affected-nodes-distinct", "OmniGraph reports 2 for the insert plus update of one node; we report 1. The blob bytes half is the tier-B /blob API", {
    schema: "node Document {\n    title: String @key\n    content: Blob?\n    note: String?\n}\n", data: `{"type":"Document","data":{"title":"seed","content":"base64:AQID"}}`,
  }, [
    mutate(`query q($title: String, $blob: Blob, $note: String) { insert Document { title: $title, content: $blob }  update Document set { note: $note } where title = $title }`, { title: "letter", blob: "base64:BAUG", note: "draft 1" }, { affected: [1, 0] }),
    q(`query q($title: String) { match { $d: Document { title: $title } } return { $d.title, $d.note } }`, { title: "letter" }, rows({ "d.title": "letter", "d.note": "draft 1" })),
  ]),
  ported(1852, "second_sequential_update_on_same_row_succeeds", "two sequential updates of one row", SOCIAL, [mutate(SET_AGE, { name: "Alice", age: 99 }), get("Alice", 1), mutate(SET_AGE, { name: "Alice", age: 42 }), age("Alice", 42)]),
  internal(1936, "first_write_self_heals_manifest_unreferenced_fork_on_live_branch", "forges an orphan Lance fork in OmniGraph's storage; our repair is the store's (test/store)"),
  internal(1994, "branch_cascade_delete_forks_node_and_edges_under_held_queues", "OmniGraph's per-table write queues during a branch fork"),
  ported(2048, "camelcase_mutation_predicate_updates_and_deletes", "update and delete with a camelCase predicate", CC, [
    mutate(`query q($repo: String, $st: String) { update Doc set { status: $st } where repoName = $repo }`, { repo: "acme", st: "closed" }, { affected: [1, 0] }),
    mutate(`query q($repo: String) { delete Doc where repoName = $repo }`, { repo: "globex" }, { affected: [1, 0] }),
    q(`query q() { match { $d: Doc } return { $d.slug, $d.status } }`, undefined, rows({ "d.slug": "d1", "d.status": "closed" })),
  ]),
  ported(2091, "camelcase_chained_mutation_reads_pending_by_camelcase", "chained updates by a camelCase predicate", CC, [
    mutate(`query q($repo: String) { update Doc set { status: "stage1" } where repoName = $repo  update Doc set { status: "stage2" } where repoName = $repo }`, { repo: "acme" }),
    q(`query q() { match { $d: Doc { slug: "d1" } } return { $d.status } }`, undefined, rows({ "d.status": "stage2" })),
  ]),
  internal(2133, "node_delete_with_no_incident_edges_leaves_no_edge_table_drift", "asserts Lance HEAD versions of OmniGraph's edge tables"),
  internal(2185, "post_publish_fold_matches_fresh_reopen", "compares OmniGraph's in-memory coordinator with a fresh reopen"),
  ported(2247, "filtered_read_after_merge_update_and_delete_keeps_row_ids_consistent", "filtered reads after merge updates and a delete", SOCIAL_SCHEMA, [
    load(people(1, 40)), load(people(1, 15).replace(/"age":(\d+)/g, (_, n: string) => `"age":${Number(n) + 100}`)),
    mutate(`query q($name: String) { delete Person where name = $name }`, { name: "p20" }),
    findPerson("p3", 1), findPerson("p30", 1), findPerson("p20", 0),
  ]),
  ported(2303, "filtered_read_after_append_and_delete_is_consistent", "filtered reads after an append and a delete", SOCIAL_SCHEMA, [
    load(people(1, 40)), load(people(41, 55)), mutate(`query q($name: String) { delete Person where name = $name }`, { name: "p20" }),
    findPerson("p3", 1), findPerson("p50", 1), findPerson("p20", 0),
  ]),
  ported(2358, "mutate_expected_head_precondition_issue_365", "a mutation conditioned on a stale head is refused; on the current head it commits; a no-op commits nothing", SOCIAL, [
    { op: "mark", label: "stale" }, mutate(SET_AGE, { name: "Alice", age: 31 }),
    mutate(SET_AGE, { name: "Alice", age: 52 }, { expectAt: "stale", error: "ERR_GRAPH_COMMIT_PRECONDITION" }), age("Alice", 31),
    { op: "mark", label: "current" }, mutate(SET_AGE, { name: "Alice", age: 33 }, { expectAt: "current" }), age("Alice", 33),
    { op: "mark", label: "now" }, commits("noop"), mutate(SET_AGE, { name: "Missing", age: 99 }, { expectAt: "now", affected: [0, 0] }), since("noop", 0),
  ]),
  internal(2491, "refreshed_warm_read_token_is_accepted_by_next_conditional_write", "OmniGraph's warm-read token cache of a handle"),
  ported(2556, "insert_only_mutation_stale_expected_head_is_terminal_issue_365", "an insert conditioned on a stale head is refused, not retried", SOCIAL, [
    { op: "mark", label: "stale" }, mutate(INSERT_PERSON, { name: "Eve", age: 22 }),
    mutate(INSERT_PERSON, { name: "Fay", age: 23 }, { expectAt: "stale", error: "ERR_GRAPH_COMMIT_PRECONDITION" }), get("Fay", 0),
  ]),
];
