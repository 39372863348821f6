import { col, count, entries, err, load, mutate, q, rows, type Entry } from "../case.ts";
import { CHAIN, SOCIAL, SOCIAL_SCHEMA, TEST_GQ, social } from "./graphs.ts";

const { ported } = entries("traversal");
const both = `query q($name: String) { match { $p: Person { name: $name }  $p <knows> $f } return { $f.name } }`;
const out = `query q($name: String) { match { $p: Person { name: $name }  $p knows $f } return { $f.name } }`;
const people = (body: string) => `query q() { match { $p: Person ${body} } return { $p.name } }`;
const fromA = (bounds: string) => `query q($name: String) { match { $p: Person { name: $name }  $p knows${bounds} $f } return { $f.name } }`;

export const traversal: Entry[] = [
  ported(19, "undirected_one_hop_unions_out_and_in_neighbors", "`<knows>` unions out- and in-neighbours; a pair connected both ways appears once", SOCIAL, [
    q(out, { name: "Bob" }, col("f.name", "Diana")),
    q(both, { name: "Bob" }, col("f.name", "Alice", "Diana")),
    load(`{"edge":"Knows","from":"Diana","to":"Bob"}`),
    q(both, { name: "Bob" }, col("f.name", "Alice", "Diana")),
  ]),
  ported(84, "undirected_variable_hops", "`<knows>{1,2}` from a node with only incoming edges reaches both hops, never the source", SOCIAL, [
    q(`query q($name: String) { match { $p: Person { name: $name }  $p <knows>{1,2} $f } return { $f.name } }`, { name: "Charlie" }, col("f.name", "Alice", "Bob")),
  ]),
  ported(116, "undirected_anti_join_excludes_both_directions", "`not { $p <knows> $x }` excludes edges in either direction", SOCIAL, [
    q(people(`not { $p knows $x }`), undefined, col("p.name", "Charlie", "Diana")),
    q(people(`not { $p <knows> $x }`), undefined, count(0)),
  ]),
  ported(154, "anti_join_predicated_negation", "a negation with a traversal and a filter", SOCIAL, [
    q(people(`not { $p worksAt $c  $c.name = "Acme" }`), undefined, col("p.name", "Bob", "Charlie", "Diana")),
  ]),
  ported(195, "nested_anti_join_double_negation", "`not { … not { … } }` nests", SOCIAL, [
    q(people(`not { $p worksAt $c  not { $c.name = "Acme" } }`), undefined, col("p.name", "Alice", "Charlie", "Diana")),
  ]),
  ported(234, "anti_join_fast_and_slow_paths_agree", "`not { $p worksAt $_ }` equals the same negation with an always-true filter", SOCIAL, [
    q(people(`not { $p worksAt $_ }`), undefined, col("p.name", "Charlie", "Diana")),
    q(people(`not { $p worksAt $c  $c.name != "" }`), undefined, col("p.name", "Charlie", "Diana")),
  ]),
  ported(293, "nested_anti_join_with_fanout_correlates_correctly", "nested negation correlates per outer row under fan-out", { schema: SOCIAL_SCHEMA.schema, data: social("P:p1", "P:p2", "P:p3", "P:p4", "C:Acme", "C:Globex", "W:p1>Acme", "W:p1>Globex", "W:p2>Globex", "W:p3>Acme") }, [
    q(people(`not { $p worksAt $c  not { $c.name = "Acme" } }`), undefined, col("p.name", "p3", "p4")),
  ]),
  ported(346, "anti_join_respects_multi_hop_bounds", "`not { $p knows{2,2} $x }` removes only nodes with a 2-hop path", { schema: SOCIAL_SCHEMA.schema, data: social("P:a", "P:b", "P:c", "P:d", "P:e", "K:a>b", "K:c>d", "K:d>e") }, [
    q(people(`not { $p knows{2,2} $x }`), undefined, col("p.name", "a", "b", "d", "e")),
  ]),
  ported(411, "variable_hops_1_to_3", "`knows{1,3}` reaches 1, 2 and 3 hops", CHAIN, [q(fromA("{1,3}"), { name: "A" }, col("f.name", "B", "C", "D"))]),
  ported(441, "variable_hops_2_to_3", "`knows{2,3}` skips the first hop", CHAIN, [q(fromA("{2,3}"), { name: "A" }, col("f.name", "C", "D"))]),
  ported(476, "variable_hops_exact_2", "`knows{2,2}` is exactly two hops", CHAIN, [q(fromA("{2,2}"), { name: "A" }, col("f.name", "C"))]),
  ported(508, "ordering_ascending", "order by age ascending", SOCIAL, [
    q(`query q() { match { $p: Person } return { $p.name, $p.age } order { $p.age asc } }`, undefined, rows(
      { "p.name": "Bob", "p.age": 25 }, { "p.name": "Diana", "p.age": 28 }, { "p.name": "Alice", "p.age": 30 }, { "p.name": "Charlie", "p.age": 35 },
    )),
  ]),
  ported(549, "traversal_no_edges_returns_empty", "a traversal over a graph without edges is empty; the anti-join keeps everyone", { schema: SOCIAL_SCHEMA.schema, data: social("P:Alice:30", "P:Bob:25", "C:Acme") }, [
    q(TEST_GQ, { name: "Alice" }, count(0), { name: "friends_of" }),
    q(TEST_GQ, undefined, col("p.name", "Alice", "Bob"), { name: "unemployed" }),
  ]),
  ported(587, "filter_less_than", "`$p.age < $age`", SOCIAL, [
    q(`query q($age: I32) { match { $p: Person  $p.age < $age } return { $p.name, $p.age } order { $p.age asc } }`, { age: 28 }, rows({ "p.name": "Bob", "p.age": 25 })),
  ]),
  ported(617, "filter_greater_equal", "`$p.age >= 30`", SOCIAL, [
    q(`query q() { match { $p: Person  $p.age >= 30 } return { $p.name } order { $p.age asc } }`, undefined, rows({ "p.name": "Alice" }, { "p.name": "Charlie" })),
  ]),
  ported(648, "filter_less_equal", "`$p.age <= 28`", SOCIAL, [
    q(`query q() { match { $p: Person  $p.age <= 28 } return { $p.name } order { $p.age asc } }`, undefined, rows({ "p.name": "Bob" }, { "p.name": "Diana" })),
  ]),
  ported(679, "filter_not_equal", "`$p.name != \"Alice\"`", SOCIAL, [
    q(`query q() { match { $p: Person  $p.name != "Alice" } return { $p.name } order { $p.name asc } }`, undefined, rows({ "p.name": "Bob" }, { "p.name": "Charlie" }, { "p.name": "Diana" })),
  ]),
  ported(713, "insert_missing_required_property_fails", "an insert without the @key property fails", SOCIAL, [
    mutate(`query q($age: I32) { insert Person { age: $age } }`, { age: 25 }, { error: "ERR_TYPE" }),
  ]),
  ported(740, "traversal_destination_binding_constrains_source", "a binding on the destination constrains the source", SOCIAL, [
    q(`query q() { match { $p: Person  $p worksAt $c  $c: Company { name: "Acme" } } return { $p.name } }`, undefined, rows({ "p.name": "Alice" })),
  ]),
  ported(773, "traversal_multi_variable_projection_aligned", "projections of source and destination stay row-aligned", SOCIAL, [
    q(`query q() { match { $p: Person  $p worksAt $c  $c: Company } return { $p.name, $c.name } order { $p.name } }`, undefined, rows({ "p.name": "Alice", "c.name": "Acme" }, { "p.name": "Bob", "c.name": "Globex" })),
  ]),
  ported(814, "multi_hop_projection_aligned", "a two-traversal chain projects aligned rows", SOCIAL, [
    q(`query q($name: String) { match { $p: Person { name: $name }  $p knows $mid  $mid knows $fof } return { $p.name, $mid.name, $fof.name } }`, { name: "Alice" }, rows({ "p.name": "Alice", "mid.name": "Bob", "fof.name": "Diana" })),
  ]),
  ported(863, "multi_hop_with_intermediate_binding_filters", "a binding on the middle variable filters the chain", SOCIAL, [
    q(`query q($name: String, $mid_name: String) { match { $p: Person { name: $name }  $p knows $mid  $mid: Person { name: $mid_name }  $mid knows $fof } return { $fof.name } }`, { name: "Alice", mid_name: "Bob" }, rows({ "fof.name": "Diana" })),
  ]),
  ported(903, "traversal_destination_filter_with_multi_return", "destination binding with both variables returned", SOCIAL, [
    q(`query q() { match { $p: Person  $p worksAt $c  $c: Company { name: "Acme" } } return { $p.name, $c.name } }`, undefined, rows({ "p.name": "Alice", "c.name": "Acme" })),
  ]),
  ported(940, "traversal_destination_filter_pushdown_with_param", "a parameterised destination binding", SOCIAL, [
    q(`query q($company: String) { match { $p: Person  $p worksAt $c  $c: Company { name: $company } } return { $p.name, $c.name } }`, { company: "Globex" }, rows({ "p.name": "Bob", "c.name": "Globex" })),
  ]),
  ported(982, "fan_out_two_destinations", "two traversals from one source cross per source row", SOCIAL, [
    q(`query q($name: String) { match { $p: Person { name: $name }  $p knows $f  $p worksAt $c } return { $f.name, $c.name } order { $f.name } }`, { name: "Alice" }, rows({ "f.name": "Bob", "c.name": "Acme" }, { "f.name": "Charlie", "c.name": "Acme" })),
  ]),
  ported(1024, "traversal_destination_filter_no_match", "a destination binding that matches nothing gives no rows", SOCIAL, [
    q(`query q() { match { $p: Person  $p worksAt $c  $c: Company { name: "NonExistent" } } return { $p.name } }`, undefined, count(0)),
  ]),
  ported(1048, "negation_with_inner_destination_binding", "a binding inside a negation", SOCIAL, [
    q(people(`not { $p worksAt $c  $c: Company { name: "Acme" } }`), undefined, col("p.name", "Bob", "Charlie", "Diana")),
  ]),
  ported(1087, "edge_binding_filters_and_projects_edge_properties", "an edge variable filters and projects edge properties, one row per edge; count skips nulls", SOCIAL, [
    load(`{"edge":"Knows","from":"Alice","to":"Bob","data":{"since":"2020-05-01"}}\n{"edge":"Knows","from":"Alice","to":"Diana","data":{"since":"2024-11-30"}}`),
    q(`query q($name: String) { match { $p: Person { name: $name }  $p $w:knows $f  $w.since >= date("2023-01-01") } return { $f.name, $w.since } }`, { name: "Alice" }, rows({ "f.name": "Diana", "w.since": "2024-11-30" })),
    q(`query q($name: String) { match { $p: Person { name: $name }  $p $w:knows $f } return { $f.name, $w.since } }`, { name: "Alice" }, col("f.name", "Bob", "Bob", "Charlie", "Diana")),
    q(`query q($name: String) { match { $p: Person { name: $name }  $p $w:knows $f } return { $w.since } }`, { name: "Alice" }, col("w.since", null, null, "2020-05-01", "2024-11-30")),
    q(`query q($name: String) { match { $p: Person { name: $name }  $p $w:knows $f } return { $w.since } }`, { name: "Nobody" }, count(0)),
    q(`query q($name: String) { match { $p: Person { name: $name }  $p $w:knows $f  $w.since >= date("2023-01-01") } return { $w.since } }`, { name: "Diana" }, count(0)),
    q(people(`not { $p $w:knows $f  $w.since >= date("2030-01-01") }`), undefined, col("p.name", "Alice", "Bob", "Charlie", "Diana")),
    q(`query q($name: String) { match { $p: Person { name: $name }  $p $w:knows $f } return { $f.name, count($w.since) as n } order { $f.name } }`, { name: "Alice" }, rows({ "f.name": "Bob", n: 1 }, { "f.name": "Charlie", n: 0 }, { "f.name": "Diana", n: 1 })),
  ]),
];
