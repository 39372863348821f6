/**
 * Concurrent writes to one graph through one server never fail with a conflict caused
 * by each other: the per-graph write queue runs them one at a time.
 */
import test from "ava";
import { call, conforms, fixture, serve, tmpDir, writeConfig } from "./support.ts";

test("16 concurrent mutations (the per-actor admission cap) to one graph all commit, once each", async (t) => {
  const cfg = writeConfig("graphs:\n  social: { schema: ./test.pg }\n", { "test.pg": fixture("test.pg") });
  const s = await serve(t, ["--config", cfg, "--store", `fs://${tmpDir()}`, "--unauthenticated"]);
  const replies = await Promise.all(
    Array.from({ length: 16 }, (_, i) => call(s.url, "POST", "/graphs/social/mutate", { body: { query: "query m($n: String) { insert Person { name: $n } }", params: { n: `c${i}` } } })),
  );
  for (const r of replies) {
    t.is(r.status, 200, r.text);
    conforms(t, "cluster_mutate", r);
  }
  const ids = new Set(replies.map((r) => (r.json as { commit: { graph_commit_id: string } }).commit.graph_commit_id));
  // Group commit (issue 12): concurrent requests may share a commit id; each row is stored once (counted below).
  t.true(ids.size >= 1 && ids.size <= 16);
  const n = await call(s.url, "POST", "/graphs/social/query", { body: { query: "query q() { match { $p: Person } return { count($p) as n } }" } });
  t.is((n.json as { rows: { n: number }[] }).rows[0]!.n, 16);
});

test("admission: past the per-actor in-flight cap a write gets 429 with Retry-After: 60; reads are never gated", async (t) => {
  const cfg = writeConfig("graphs:\n  social: { schema: ./test.pg }\n", { "test.pg": fixture("test.pg") });
  const s = await serve(t, ["--config", cfg, "--store", `fs://${tmpDir()}`, "--unauthenticated"], { OMNIGRAPH_PER_ACTOR_INFLIGHT_MAX: "1" });
  const replies = await Promise.all(
    Array.from({ length: 8 }, (_, i) => call(s.url, "POST", "/graphs/social/mutate", { body: { query: "query m($n: String) { insert Person { name: $n } }", params: { n: `a${i}` } } })),
  );
  const limited = replies.filter((r) => r.status === 429);
  t.true(limited.length >= 1);
  for (const r of limited) {
    t.is(r.headers.get("retry-after"), "60");
    t.is((r.json as { code: string }).code, "too_many_requests");
    conforms(t, "cluster_mutate", r);
  }
  t.true(replies.every((r) => r.status === 200 || r.status === 429));
  const reads = await Promise.all(Array.from({ length: 8 }, () => call(s.url, "GET", "/graphs/social/branches")));
  t.true(reads.every((r) => r.status === 200));
});
