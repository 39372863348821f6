import test from "ava";
import { parseQueries } from "../../server/engine/query/parser.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf, engineWith, fixture, rowsOf } from "./support.ts";

// OmniGraph's own fixtures (test/contract/fixtures, vendored): every schema is accepted, every
// data file loads, every tier-A query runs with results checked by hand below.
const TEST_GQ = fixture("test.gq");
const EXPECTED: Record<string, { params?: Record<string, unknown>; rows: Record<string, unknown>[] }> = {
  get_person: { params: { name: "Alice" }, rows: [{ "p.name": "Alice", "p.age": 30 }] },
  adults: { rows: [{ "p.name": "Charlie", "p.age": 35 }] },
  friends_of: { params: { name: "Alice" }, rows: [{ "f.name": "Bob", "f.age": 25 }, { "f.name": "Charlie", "f.age": 35 }] },
  employees_of: { params: { company: "Acme" }, rows: [{ "p.name": "Alice" }] },
  friends_of_friends: { params: { name: "Alice" }, rows: [{ "fof.name": "Diana" }] },
  unemployed: { rows: [{ "p.name": "Charlie" }, { "p.name": "Diana" }] },
  friend_counts: { rows: [{ "p.name": "Alice", friends: 2 }, { "p.name": "Bob", friends: 1 }] },
  top_by_age: { rows: [{ "p.name": "Charlie", "p.age": 35 }, { "p.name": "Alice", "p.age": 30 }] },
  total_people: { rows: [{ total: 4 }] },
  age_stats: {
    rows: [
      { "c.name": "Acme", total_age: 30, avg_age: 30, youngest: 30, oldest: 30, headcount: 1 },
      { "c.name": "Globex", total_age: 25, avg_age: 25, youngest: 25, oldest: 25, headcount: 1 },
    ],
  },
  top_connected: { rows: [{ "p.name": "Alice", friends: 2 }] },
};

for (const target of storeTargets()) {
  test(`${target.name}: test.gq — every query returns the hand-checked rows`, async (t) => {
    const e = await engineWith(target, fixture("test.pg"), fixture("test.jsonl"));
    const names = parseQueries(TEST_GQ).map((q) => q.name);
    t.deepEqual(names.sort(), Object.keys(EXPECTED).sort());
    for (const [name, want] of Object.entries(EXPECTED)) {
      const out = await e.query({ query: TEST_GQ, name, params: want.params ?? {} });
      t.deepEqual(out.rows, want.rows, name);
      t.is(out.rowCount, want.rows.length);
      t.is(out.queryName, name);
      t.deepEqual(out.target, { branch: "main", snapshot: null });
    }
  });

  test(`${target.name}: context and signals fixtures load with their constraints`, async (t) => {
    const ctx = await engineWith(target, fixture("context.pg"), fixture("context.jsonl"));
    t.deepEqual(await rowsOf(ctx, `query q() { match { $d: Decision  $d ownedBy $a } return { $d.slug, $a.slug, $d.status, $d.decided_at } }`), [
      { "d.slug": "launch-private-ai-offering", "a.slug": "owner", "d.status": "proposed", "d.decided_at": "2026-03-27" },
    ]);
    t.deepEqual(await rowsOf(ctx, `query q() { match { $t: Trace  $t supports $d } return { $t.slug, $t.kind, $t.recorded_at } }`), [
      { "t.slug": "competitor-signal-note", "t.kind": "note", "t.recorded_at": "2026-03-27" },
    ]);
    t.is((await rowsOf(ctx, `query q() { match { $a: Actor } return { count($a) as n } }`))[0]!.n, 6);
    const sig = await engineWith(target, fixture("signals.pg"), fixture("signals.jsonl"));
    // Hand count from signals.jsonl: the Involves edges of pattern 'alt-chip-breakout'.
    t.deepEqual(await rowsOf(sig, `query q() { match { $p: Pattern { slug: "alt-chip-breakout" }  $p involves $t } return { $t.slug } order { $t.slug } }`), [
      { "t.slug": "cs3" }, { "t.slug": "trainium" },
    ]);
  });

  test(`${target.name}: search.gq — nearest ranks by distance; text search is refused (tier B)`, async (t) => {
    const e = await engineWith(target, fixture("search.pg"), fixture("search.jsonl"));
    const src = fixture("search.gq");
    // Squared L2 from [0.5,0.6,0.7,0.8]: dl-basics 0, then the nearest of the rest by hand.
    const out = await e.query({ query: src, name: "vector_search", params: { q: [0.5, 0.6, 0.7, 0.8] } });
    t.deepEqual(out.rows.map((r) => r["d.slug"]), ["dl-basics", ...(await handRanked(e))].slice(0, 3));
    for (const name of ["text_search", "fuzzy_search", "phrase_search", "bm25_search", "hybrid_search", "rrf_two_fts", "rrf_two_vectors"]) {
      t.is(await codeOf(e.query({ query: src, name, params: {} })), "ERR_NOT_SUPPORTED", name);
    }
  });
}

/** The other docs ranked by squared L2 to [0.5,0.6,0.7,0.8], computed here from the data. */
async function handRanked(e: Awaited<ReturnType<typeof engineWith>>): Promise<string[]> {
  const docs = await rowsOf(e, `query q() { match { $d: Doc } return { $d.slug, $d.embedding } }`);
  const q = [0.5, 0.6, 0.7, 0.8];
  return docs
    .map((d) => ({ slug: d["d.slug"] as string, dist: (d["d.embedding"] as number[]).reduce((a, x, i) => a + (Math.fround(x) - Math.fround(q[i]!)) ** 2, 0) }))
    .filter((d) => d.slug !== "dl-basics")
    .sort((a, b) => a.dist - b.dist || (a.slug < b.slug ? -1 : 1))
    .map((d) => d.slug);
}
