import test from "ava";
import { parseQueries } from "../../../server/engine/query/parser.ts";
import { printQueries } from "../../../server/engine/query/print.ts";
import { compileQuery } from "../../../server/engine/query/typecheck.ts";
import type { TypedRead } from "../../../server/engine/query/typed.ts";
import { fixture, fixtureCatalog } from "./catalogs.ts";
import { stripLocs, throwsCode } from "./helpers.ts";

const testGq = fixture("test.gq");
const searchGq = fixture("search.gq");
const people = fixtureCatalog("test");
const docs = fixtureCatalog("search");

test("test.gq and search.gq parse into their declarations", (t) => {
  t.deepEqual(parseQueries(testGq).map((q) => q.name), [
    "get_person", "adults", "friends_of", "employees_of", "friends_of_friends", "unemployed",
    "friend_counts", "top_by_age", "total_people", "age_stats", "top_connected",
  ]);
  t.deepEqual(parseQueries(searchGq).map((q) => q.name), [
    "text_search", "fuzzy_search", "phrase_search", "vector_search", "bm25_search", "hybrid_search", "rrf_two_fts", "rrf_two_vectors",
  ]);
});

test("printing the fixtures and parsing them again gives the same syntax trees", (t) => {
  for (const src of [testGq, searchGq]) {
    const asts = parseQueries(src);
    t.deepEqual(stripLocs(parseQueries(printQueries(asts))), stripLocs(asts));
  }
});

/** name → [columns, aggregate, groupBy, order (column or expression kind + direction), limit, traversals, negations] */
const expected: Record<string, [string[], boolean, number[], string[], number | undefined, string[], number]> = {
  get_person: [["p.name", "p.age"], false, [], [], undefined, [], 0],
  adults: [["p.name", "p.age"], false, [], ["p.age desc"], undefined, [], 0],
  friends_of: [["f.name", "f.age"], false, [], [], undefined, ["p -Knows-> f"], 0],
  employees_of: [["p.name"], false, [], [], undefined, ["p -WorksAt-> c"], 0],
  friends_of_friends: [["fof.name"], false, [], [], undefined, ["p -Knows-> mid", "mid -Knows-> fof"], 0],
  unemployed: [["p.name"], false, [], [], undefined, [], 1],
  friend_counts: [["p.name", "friends"], true, [0], ["#1 desc"], 20, ["p -Knows-> f"], 0],
  top_by_age: [["p.name", "p.age"], false, [], ["p.age desc"], 2, [], 0],
  total_people: [["total"], true, [], [], undefined, [], 0],
  age_stats: [["c.name", "total_age", "avg_age", "youngest", "oldest", "headcount"], true, [0], [], undefined, ["p -WorksAt-> c"], 0],
  top_connected: [["p.name", "friends"], true, [0], ["#1 desc"], 1, ["p -Knows-> f"], 0],
};

for (const [name, [columns, aggregate, groupBy, order, limit, traversals, negations]] of Object.entries(expected)) {
  test(`test.gq ${name} type-checks into the expected read`, (t) => {
    const q = compileQuery(testGq, people, name) as TypedRead;
    t.is(q.kind, "read");
    t.deepEqual(q.projections.map((p) => p.column), columns);
    t.is(q.aggregate, aggregate);
    t.deepEqual(q.groupBy, groupBy);
    t.deepEqual(q.order.map((o) => `${o.expr.kind === "alias" ? `#${o.expr.index}` : o.expr.kind === "property" ? `${o.expr.var}.${typeof o.expr.property === "string" ? o.expr.property : o.expr.property.name}` : o.expr.kind} ${o.direction}`), order);
    t.is(q.limit, limit);
    t.deepEqual(q.match.traversals.map((x) => `${x.src} -${x.edge.name}-> ${x.dst}`), traversals);
    t.is(q.match.negations.length, negations);
    // every variable of the top-level match has a node type
    for (const b of q.match.bindings) t.truthy(people.nodes.includes(b.type));
  });
}

test("search.gq vector_search type-checks with nearest ordering and limit 3", (t) => {
  const q = compileQuery(searchGq, docs, "vector_search") as TypedRead;
  t.is(q.kind, "read");
  t.deepEqual(q.projections.map((p) => p.column), ["d.slug", "d.title"]);
  t.is(q.order[0]?.expr.kind, "nearest");
  t.is(q.limit, 3);
  t.deepEqual(q.params.map((p) => [p.name, p.type]), [["q", { kind: "vector", dim: 4 }]]);
});

/** The text-search queries fail ERR_NOT_SUPPORTED at the unsupported function (tier B). */
const tierB: [string, [number, number]][] = [
  ["text_search", [4, 9]],
  ["fuzzy_search", [12, 9]],
  ["phrase_search", [20, 9]],
  ["bm25_search", [35, 13]],
  ["hybrid_search", [42, 13]],
  ["rrf_two_fts", [49, 13]],
  ["rrf_two_vectors", [56, 13]],
];
for (const [name, loc] of tierB) {
  test(`search.gq ${name} is refused with ERR_NOT_SUPPORTED (text search is tier B)`, (t) => {
    const err = throwsCode(t, () => compileQuery(searchGq, docs, name), "ERR_NOT_SUPPORTED", loc);
    t.true(err?.message.includes("not supported by this server"));
  });
}

test("queries over the context and signals fixture schemas type-check", (t) => {
  const context = fixtureCatalog("context");
  const src = `
    query decision_trail($slug: String) {
      match {
        $d: Decision { slug: $slug }
        $t supports $d
        $t recordedBy $a
        $s triggered $d
        $s <correlates> $s2
        not { $n supersedes $d }
        $d.status != "rejected"
        $t.recorded_at >= date("2024-01-01")
      }
      return { $d.title, $t.title, $a.name, count($s2) as related }
      order { related desc }
      limit 10
    }
    query lineage($slug: String) {
      match { $d: Decision { slug: $slug } $d supersedes{1,} $old }
      return { $old.slug, $old.decided_at }
      order { $old.decided_at desc }
    }
    query decide($slug: String, $when: Date) {
      update Decision set { status: "accepted", decided_at: $when } where slug = $slug
    }`;
  for (const name of ["decision_trail", "lineage", "decide"]) t.truthy(compileQuery(src, context, name));
  const signals = fixtureCatalog("signals");
  const q = compileQuery(`query funded($min: String) {
      match { $c: Company $c $f:fundedBy $i  $f.amount >= $min  $c.sector = "startup" }
      return { $c.name, $i.name, $f.amount }
    }`, signals) as TypedRead;
  t.deepEqual(q.projections.map((p) => p.column), ["c.name", "i.name", "f.amount"]);
  throwsCode(t, () => compileQuery('query x() { match { $c: Company { sector: "bank" } } return { $c.name } }', signals), "ERR_TYPE", [1, 43]);
});
