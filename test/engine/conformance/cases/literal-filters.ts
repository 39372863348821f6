import { col, count, entries, q, type Entry, type Graph } from "../case.ts";

const { ported, internal, tierB } = entries("literal_filters");

const METRICS: Graph = {
  schema: `node Metric {
    name: String @key
    label: String? @index
    score: F64?
    ratio: F32?
    count: I32?
    active: Bool?
    born: Date?
    seen: DateTime?
}
node Tag {
    tname: String @key
}
edge Tagged: Metric -> Tag
`,
  data: [
    `{"type":"Metric","data":{"name":"m1","label":"alpha one","score":2.5,"ratio":0.5,"count":1,"active":true,"born":"2024-06-01","seen":"2024-06-01T12:00:00Z"}}`,
    `{"type":"Metric","data":{"name":"m2","label":"alps","score":1.0,"ratio":0.25,"count":2,"active":false,"born":"2023-01-01","seen":"2023-01-01T00:00:00Z"}}`,
    `{"type":"Metric","data":{"name":"m3","label":"beta ray","score":3.0,"ratio":0.75,"count":3,"active":true,"born":"2025-01-01","seen":"2025-01-01T00:00:00Z"}}`,
    `{"type":"Metric","data":{"name":"m4","score":0.5,"ratio":0.1,"count":4,"active":false,"born":"2022-12-31","seen":"2022-01-01T00:00:00Z"}}`,
    `{"type":"Tag","data":{"tname":"alpine"}}`,
    `{"type":"Tag","data":{"tname":"basalt"}}`,
    `{"edge":"Tagged","from":"m1","to":"alpine"}`,
    `{"edge":"Tagged","from":"m1","to":"basalt"}`,
    `{"edge":"Tagged","from":"m3","to":"basalt"}`,
  ].join("\n"),
};
const m = (body: string) => `query q($q: String?) { match { $m: Metric ${body} } return { $m.name } }`;
const names = (...n: string[]) => col("m.name", ...n);

export const literalFilters: Entry[] = [
  ported(68, "float_literal_filters_execute", "F64 and F32 literal comparisons, standalone and inline", METRICS, [
    q(m(`$m.score > 1.5`), undefined, names("m1", "m3")),
    q(m(`$m.ratio <= 0.25`), undefined, names("m2", "m4")),
    q(`query q() { match { $m: Metric { score: 3.0 } } return { $m.name } }`, undefined, names("m3")),
  ]),
  ported(96, "int_and_f32_literal_pushdown_coercion", "inline equality on I32 and F32 columns selects the right rows", METRICS, [
    q(`query q() { match { $m: Metric { count: 2 } } return { $m.name } }`, undefined, names("m2")),
    q(`query q() { match { $m: Metric { ratio: 0.25 } } return { $m.name } }`, undefined, names("m2")),
    q(m(`$m.count >= 3`), undefined, names("m3", "m4")),
  ]),
  ported(126, "fractional_float_equality_on_int_column_returns_no_rows", "`count = 2.7` on an I32 column matches nothing (no truncation)", METRICS, [
    q(`query q() { match { $m: Metric { count: 2.7 } } return { $m.name } }`, undefined, count(0)),
  ]),
  ported(141, "bool_literal_filters_execute", "Bool literals standalone, inline and negated", METRICS, [
    q(m(`$m.active = true`), undefined, names("m1", "m3")),
    q(`query q() { match { $m: Metric { active: true } } return { $m.name } }`, undefined, names("m1", "m3")),
    q(m(`$m.active != true`), undefined, names("m2", "m4")),
  ]),
  ported(164, "date_and_datetime_literal_filters_execute", "date() and datetime() literals, standalone and inline", METRICS, [
    q(m(`$m.born >= date("2024-01-01")`), undefined, names("m1", "m3")),
    q(m(`$m.seen < datetime("2024-01-01T00:00:00Z")`), undefined, names("m2", "m4")),
    q(`query q() { match { $m: Metric { born: date("2024-06-01") } } return { $m.name } }`, undefined, names("m1")),
    q(`query q() { match { $m: Metric { seen: datetime("2024-06-01T12:00:00Z") } } return { $m.name } }`, undefined, names("m1")),
  ]),
  ported(196, "string_predicate_filters_execute_on_scanned_variable", "exact starts_with / contains on a scanned variable; null never matches", METRICS, [
    q(m(`$m.label starts_with "alp"`), undefined, names("m1", "m2")),
    q(m(`$m.label contains "ta r"`), undefined, names("m3")),
    q(m(`$m.label contains "a"`), undefined, names("m1", "m2", "m3")),
    q(m(`$m.name starts_with "m"`), undefined, names("m1", "m2", "m3", "m4")),
    q(m(`$m.label starts_with $q`), { q: "alph" }, names("m1")),
  ]),
  ported(237, "cross_variable_string_predicate_is_not_hoisted", "a two-variable starts_with evaluates per pair", METRICS, [
    q(`query q() { match { $a: Metric  $b: Metric  $b.label starts_with $a.label } return { $a.name, $b.name } }`, undefined, count(3)),
  ]),
  ported(268, "string_contains_resolves_inside_negation", "string contains on a variable bound only inside a negation", METRICS, [
    q(m(`not { $m tagged $t  $t.tname contains "sal" }`), undefined, names("m2", "m4")),
  ]),
  ported(296, "reversed_and_same_variable_string_predicates_execute", "literal-contains-property, and a same-row two-property predicate", METRICS, [
    q(m(`"the alps are tall" contains $m.label`), undefined, names("m2")),
    q(m(`$m.label starts_with $m.name`), undefined, count(0)),
  ]),
  internal(336, "standalone_string_predicate_is_hoisted_into_scan", "asserts OmniGraph's pushdown probes (where the filter runs), not rows; our reader re-checks every pushed row, so pushdown is not observable"),
  tierB(372, "string_predicates_compose_with_search_and_negation", "composes with `search()` (full-text search); the negation half is covered by literal_filters.rs:268 and :406"),
  ported(406, "string_predicate_filters_execute_on_expanded_variable", "string predicates on a traversal-bound variable", METRICS, [
    q(m(`$m tagged $t  $t.tname starts_with "alp"`), undefined, names("m1")),
    q(m(`$m tagged $t  $t.tname contains "sal"`), undefined, names("m1", "m3")),
  ]),
  ported(440, "camelcase_property_filter_executes", "an inline match on a camelCase @index property", {
    schema: "node Doc {\n    slug: String @key\n    repoName: String @index\n}\n",
    data: `{"type":"Doc","data":{"slug":"d1","repoName":"acme"}}\n{"type":"Doc","data":{"slug":"d2","repoName":"globex"}}`,
  }, [q(`query q($r: String) { match { $d: Doc { repoName: $r } } return { $d.slug } }`, { r: "acme" }, col("d.slug", "d1"))]),
];
