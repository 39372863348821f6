import { col, count, entries, load, mutate, q, rows, type Entry, type Step } from "../case.ts";
import { SOCIAL, TEST_GQ } from "./graphs.ts";

const { ported, internal, tierB } = entries("branching");

const INSERT_PERSON = `query q($name: String, $age: I32) { insert Person { name: $name, age: $age } }`;
const ADD_FRIEND = `query q($from: String, $to: String) { insert Knows { from: $from, to: $to } }`;
const SET_AGE = `query q($name: String, $age: I32) { update Person set { age: $age } where name = $name }`;
const onBranch = (branch: string) => ({ branch });
const get = (name: string, n: number, branch?: string) => q(TEST_GQ, { name }, count(n), { name: "get_person", ...(branch ? { branch } : {}) });
const age = (name: string, value: number, branch?: string) => q(`query q($name: String) { match { $p: Person { name: $name } } return { $p.age } }`, { name }, rows({ "p.age": value }), branch ? { branch } : {});
const friends = (n: number, branch?: string) => q(TEST_GQ, { name: "Alice" }, count(n), { name: "friends_of", ...(branch ? { branch } : {}) });
const branch = (create: string, from?: string, error?: string): Step => ({ op: "branch", create, ...(from ? { from } : {}), ...(error ? { error } : {}) });
const merge = (source: string, target: string, outcome?: "already_up_to_date" | "fast_forward" | "merged"): Step => ({ op: "merge", source, target, ...(outcome ? { outcome } : {}) });
const conflict = (source: string, target: string, kinds: string[]): Step => ({ op: "merge", source, target, error: "ERR_MERGE_CONFLICT", conflicts: kinds });
const UNIQUE = { schema: "node User {\n    name: String @key\n    email: String?\n    @unique(email)\n}\n", data: `{"type":"User","data":{"name":"Alice","email":"alice@example.com"}}` };
const INSERT_USER = `query q($name: String, $email: String) { insert User { name: $name, email: $email } }`;
const EDGE_UNIQUE = { schema: "node Person {\n    name: String @key\n}\nedge Knows: Person -> Person {\n    @unique(src, dst)\n}\n", data: `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Person","data":{"name":"Bob"}}\n{"type":"Person","data":{"name":"Carol"}}` };
const CARD = { schema: "node Person {\n    name: String @key\n}\nnode Company {\n    name: String @key\n}\nedge WorksAt: Person -> Company @card(0..1)\n", data: `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Company","data":{"name":"Acme"}}\n{"type":"Company","data":{"name":"Beta"}}` };
const EMPLOY = `query q($person: String, $company: String) { insert WorksAt { from: $person, to: $company } }`;

export const branching: Entry[] = [
  ported(191, "branch_create_open_list_and_lazy_branching_work", "a new branch is listed, reads main's data, and its writes stay on it", SOCIAL, [
    branch("feature"), { op: "branches", names: ["main", "feature"] }, get("Alice", 1, "feature"),
    mutate(INSERT_PERSON, { name: "Eve", age: 22 }, onBranch("feature")), get("Eve", 1, "feature"), get("Eve", 0),
  ]),
  ported(273, "explicit_target_query_reads_multiple_branches_from_one_handle", "one handle reads two branches", SOCIAL, [
    branch("feature"), mutate(INSERT_PERSON, { name: "Eve", age: 22 }, onBranch("feature")), get("Eve", 0), get("Eve", 1, "feature"),
  ]),
  ported(311, "resolved_snapshot_stays_pinned_after_branch_advances", "a pinned snapshot does not move with its branch", SOCIAL, [
    { op: "mark", label: "pinned" }, mutate(INSERT_PERSON, { name: "Eve", age: 22 }),
    q(TEST_GQ, { name: "Eve" }, count(0), { name: "get_person", at: "pinned" }), get("Eve", 1),
  ]),
  ported(349, "explicit_target_load_writes_to_named_branch", "a load into a named branch", SOCIAL, [
    branch("feature"), load(`{"type":"Person","data":{"name":"Eve","age":22}}`, { mode: "append", branch: "feature" }), get("Eve", 0), get("Eve", 1, "feature"),
  ]),
  ported(386, "branch_merge_updates_main_traversal", "merging a branch's new edge fast-forwards main", SOCIAL, [
    branch("feature"), mutate(ADD_FRIEND, { from: "Alice", to: "Diana" }, onBranch("feature")), friends(3, "feature"), friends(2),
    merge("feature", "main", "fast_forward"), friends(3),
  ]),
  tierB(439, "branch_merge_with_blob_columns_preserves_blob_data", "checks merged Blob bytes through the /blob API"),
  tierB(719, "blob_named_branch_delete_recreate_never_retargets_cached_or_snapshot_reads", "Blob byte reads across branch recreation"),
  tierB(865, "blob_snapshot_inherited_from_main_refuses_named_branch_recreation_aba", "Blob byte reads across branch recreation"),
  tierB(1008, "branch_merge_with_external_blob_uri_materializes_payload", "external Blob URIs during merge"),
  tierB(1289, "branch_merge_pointer_only_external_blob_needs_no_source_io", "external Blob URIs during merge"),
  tierB(1398, "branch_merge_rejects_oversized_blob_payloads_pre_effect", "Blob payload limits during merge"),
  tierB(1571, "branch_merge_rejects_managed_blob_payloads_pre_effect", "Blob payload limits during merge"),
  tierB(1665, "branch_merge_rejects_external_blob_reference_cells_pre_effect", "external Blob references during merge"),
  ported(1816, "branch_merge_applies_node_insert_to_main", "a branch's insert reaches main by fast-forward", SOCIAL, [
    branch("feature"), mutate(INSERT_PERSON, { name: "Eve", age: 22 }, onBranch("feature")), merge("feature", "main", "fast_forward"), get("Eve", 1),
  ]),
  internal(1849, "branch_merge_records_single_latest_commit_with_two_parents", "reads OmniGraph's commit-graph table (parent ids, manifest versions)"),
  internal(1924, "same_branch_insert_after_external_commit_is_linear", "reads OmniGraph's commit-graph table to check linear parents"),
  internal(2004, "same_branch_update_after_external_commit_and_read_is_linear", "reads OmniGraph's commit-graph table to check linear parents"),
  internal(2093, "branch_merge_records_actor_on_latest_commit", "reads the actor from OmniGraph's commit-graph rows; ours is returned by merge and listed in history (test/engine/merge.test.ts)"),
  ported(2127, "already_up_to_date_branch_merge_returns_without_new_commit", "merging an unchanged branch is already_up_to_date and commits nothing", SOCIAL, [
    branch("feature"), { op: "countCommits", label: "before" }, merge("feature", "main", "already_up_to_date"), { op: "commitsSince", label: "before", n: 0 },
  ]),
  ported(2167, "branch_merge_returns_merged_for_non_fast_forward_auto_merge", "both sides changed different rows: merged", SOCIAL, [
    branch("feature"), mutate(SET_AGE, { name: "Bob", age: 26 }, onBranch("feature")), mutate(INSERT_PERSON, { name: "Eve", age: 22 }),
    merge("feature", "main", "merged"), age("Bob", 26), get("Eve", 1),
  ]),
  ported(2227, "branch_merge_detects_nested_list_value_change", "a list value change that prints like the old value still merges", { schema: "node Doc {\n    slug: String @key\n    tags: [String]\n}", data: `{"type":"Doc","data":{"slug":"x","tags":["a, b"]}}` }, [
    branch("feature"), load(`{"type":"Doc","data":{"slug":"x","tags":["a","b"]}}`, { branch: "feature" }), load(`{"type":"Doc","data":{"slug":"y","tags":["z"]}}`),
    merge("feature", "main", "merged"),
    q(`query q($tag: String) { match { $d: Doc  $d.tags contains $tag } return { $d.slug } }`, { tag: "b" }, col("d.slug", "x")),
  ]),
  ported(2296, "branch_merge_allows_identical_updates_on_both_sides", "the same update on both sides is no conflict", SOCIAL, [
    branch("feature"), mutate(SET_AGE, { name: "Alice", age: 31 }, onBranch("feature")), mutate(SET_AGE, { name: "Alice", age: 31 }),
    merge("feature", "main", "merged"), age("Alice", 31),
  ]),
  tierB(2345, "merged_rewritten_indexed_table_is_searchable_immediately", "full-text search after merge (and its index list)"),
  ported(2409, "explicit_target_reads_see_branch_local_writes_without_refresh", "a branch write is visible on the branch at once, never on main", SOCIAL, [
    branch("feature"), mutate(INSERT_PERSON, { name: "Eve", age: 22 }, onBranch("feature")), get("Eve", 1, "feature"), get("Eve", 0),
  ]),
  ported(2452, "branch_created_from_non_main_inherits_branch_state", "a branch of a branch inherits its parent's state", SOCIAL, [
    branch("feature"), mutate(INSERT_PERSON, { name: "Eve", age: 22 }, onBranch("feature")), branch("experiment", "feature"),
    { op: "branches", names: ["main", "feature", "experiment"] }, get("Eve", 1, "experiment"), get("Eve", 0),
  ]),
  internal(2515, "ensure_indices_on_child_branch_keeps_inherited_table_when_no_work_is_needed", "OmniGraph's ensure_indices and native dataset branch bookkeeping"),
  ported(2607, "branch_edge_only_write_only_branches_edge_table", "an edge-only write on a branch (storage forking is internal; the visible part is the rows)", SOCIAL, [
    branch("feature"), mutate(ADD_FRIEND, { from: "Alice", to: "Diana" }, onBranch("feature")), friends(3, "feature"), friends(2),
  ]),
  ported(2671, "branch_merge_into_non_main_target_works", "merging into a branch other than main", SOCIAL, [
    branch("feature"), mutate(INSERT_PERSON, { name: "Eve", age: 22 }, onBranch("feature")), branch("experiment", "feature"),
    mutate(SET_AGE, { name: "Bob", age: 26 }, onBranch("feature")), merge("feature", "experiment", "fast_forward"),
    age("Bob", 26, "experiment"), get("Eve", 1, "experiment"), age("Bob", 25),
  ]),
  ported(2762, "branch_merge_reports_unique_violation_conflict", "both sides take one @unique value: a unique_violation conflict", UNIQUE, [
    branch("feature"), mutate(INSERT_USER, { name: "Bob", email: "dup@example.com" }), mutate(INSERT_USER, { name: "Carol", email: "dup@example.com" }, onBranch("feature")),
    conflict("feature", "main", ["unique_violation"]),
  ]),
  ported(2806, "branch_merge_reports_composite_unique_violation_conflict", "both sides add the same (src, dst) under @unique(src, dst)", EDGE_UNIQUE, [
    branch("feature"), mutate(ADD_FRIEND, { from: "Alice", to: "Bob" }), mutate(ADD_FRIEND, { from: "Alice", to: "Bob" }, onBranch("feature")),
    conflict("feature", "main", ["unique_violation"]),
  ]),
  ported(2849, "branch_merge_allows_distinct_composite_unique_pairs", "distinct (src, dst) pairs merge", EDGE_UNIQUE, [
    branch("feature"), mutate(ADD_FRIEND, { from: "Alice", to: "Bob" }), mutate(ADD_FRIEND, { from: "Alice", to: "Carol" }, onBranch("feature")),
    merge("feature", "main", "merged"), q(`query q() { match { $a $k:knows $b } return { $k.id } }`, undefined, count(2)),
  ]),
  ported(2883, "branch_merge_reports_cardinality_violation_conflict", "both sides add an edge under @card(0..1): a cardinality_violation conflict", CARD, [
    branch("feature"), mutate(EMPLOY, { person: "Alice", company: "Acme" }), mutate(EMPLOY, { person: "Alice", company: "Beta" }, onBranch("feature")),
    conflict("feature", "main", ["cardinality_violation"]),
  ]),
  ported(2929, "merge_main_into_branch_validates_adopted_edge_against_branch_node_delete", "adopting main's edge into a branch that deleted its endpoint is an orphan_edge conflict", { schema: "node Person {\n    name: String @key\n}\nedge Knows: Person -> Person\n", data: `{"type":"Person","data":{"name":"Alice"}}\n{"type":"Person","data":{"name":"Bob"}}` }, [
    branch("feature"), mutate(ADD_FRIEND, { from: "Alice", to: "Bob" }), mutate(`query q($name: String) { delete Person where name = $name }`, { name: "Bob" }, onBranch("feature")),
    conflict("main", "feature", ["orphan_edge"]),
  ]),
  ported(2988, "branch_api_rejects_reserved_main_and_same_source_target_merge", "`main` cannot be created or deleted; bad names are refused", SOCIAL, [
    branch("main", undefined, "ERR_BRANCH_INVALID"), { op: "deleteBranch", name: "main", error: "ERR_BRANCH_INVALID" }, branch("bad branch", undefined, "ERR_BRANCH_INVALID"),
  ]),
  ported(3019, "branch_delete_removes_owned_table_branches_and_allows_recreate", "a deleted branch can be created again, from main's state", SOCIAL, [
    branch("feature"), mutate(INSERT_PERSON, { name: "Eve", age: 22 }, onBranch("feature")), { op: "deleteBranch", name: "feature" }, { op: "branches", names: ["main"] },
    branch("feature"), get("Eve", 0, "feature"), q(`query q() { match { $p: Person } return { $p.id } }`, undefined, count(4), { branch: "feature" }),
  ]),
  ported(3054, "branch_namespace_rejects_live_physical_path_prefix_collisions", "no two live branch names may be path prefixes of each other", SOCIAL, [
    branch("feature"), branch("feature/child", undefined, "ERR_BRANCH_EXISTS"), { op: "deleteBranch", name: "feature" },
    branch("feature/child"), branch("feature", undefined, "ERR_BRANCH_EXISTS"),
  ]),
  ported(3096, "branch_delete_refuses_legacy_physical_path_children", "a path-child of a live branch cannot be created, so the legacy parent-with-child state this test forges cannot arise", SOCIAL, [
    branch("feature"), branch("feature/child", "feature", "ERR_BRANCH_EXISTS"),
  ]),
  ported(3139, "branch_delete_rejects_branches_still_referenced_by_descendants", "a branch another branch depends on cannot be deleted", SOCIAL, [
    branch("feature"), branch("experiment", "feature"), { op: "deleteBranch", name: "feature", error: "ERR_BRANCH_HAS_DEPENDENTS" },
  ]),
  internal(3167, "merged_table_preserves_row_version_for_unchanged_rows", "Lance row-version columns of merged tables"),
  internal(3250, "edge_tables_have_id_btree_after_ensure_indices", "OmniGraph's index list after ensure_indices"),
  internal(3270, "merge_delta_only_bumps_changed_rows", "Lance row-version columns after merge"),
];
