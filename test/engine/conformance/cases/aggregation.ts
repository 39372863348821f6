import { count, entries, q, rows, type Entry } from "../case.ts";
import { SOCIAL, SOCIAL_SCHEMA, TEST_GQ, social } from "./graphs.ts";

const { ported } = entries("aggregation");

export const aggregation: Entry[] = [
  ported(14, "friend_counts_grouped_by_person", "count grouped by person, ordered by the count", SOCIAL, [
    q(TEST_GQ, undefined, rows({ "p.name": "Alice", friends: 2 }, { "p.name": "Bob", friends: 1 }), { name: "friend_counts" }),
  ]),
  ported(50, "total_people_global_count", "a global count is one row", SOCIAL, [q(TEST_GQ, undefined, rows({ total: 4 }), { name: "total_people" })]),
  ported(73, "age_stats_per_company", "sum, avg, min, max and count per company", SOCIAL, [
    q(TEST_GQ, undefined, rows(
      { "c.name": "Acme", total_age: 30, avg_age: 30, youngest: 30, oldest: 30, headcount: 1 },
      { "c.name": "Globex", total_age: 25, avg_age: 25, youngest: 25, oldest: 25, headcount: 1 },
    ), { name: "age_stats" }),
  ]),
  ported(140, "top_connected_person", "aggregate + order + limit", SOCIAL, [q(TEST_GQ, undefined, rows({ "p.name": "Alice", friends: 2 }), { name: "top_connected" })]),
  ported(172, "inline_count_with_no_friends", "people without outgoing edges have no group", SOCIAL, [
    q(`query q() { match { $p: Person  $p knows $f } return { $p.name, count($f) as friends } order { friends desc } }`, undefined, count(2)),
  ]),
  ported(197, "inline_global_count_empty", "a global count over a nodes-only graph", { schema: SOCIAL_SCHEMA.schema, data: social("P:Alice:30", "C:Acme") }, [
    q(`query q() { match { $p: Person } return { count($p) as total } }`, undefined, rows({ total: 1 })),
  ]),
  ported(229, "inline_min_max_string", "min and max over strings", SOCIAL, [
    q(`query q() { match { $p: Person } return { min($p.name) as first_name  max($p.name) as last_name } }`, undefined, rows({ first_name: "Alice", last_name: "Diana" })),
  ]),
  ported(265, "inline_multi_hop_aggregate", "count over a two-traversal chain", SOCIAL, [
    q(`query q($name: String) { match { $p: Person { name: $name }  $p knows $mid  $mid knows $fof } return { $p.name, count($fof) as fof_count } }`, { name: "Alice" }, rows({ "p.name": "Alice", fof_count: 1 })),
  ]),
];
