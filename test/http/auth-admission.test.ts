import test from "ava";
import { call, serveWith } from "./auth-support.ts";

const SCHEMA = "node Person {\n  name: String @key\n  age: I32\n}\nedge Knows: Person -> Person\n";
const POLICY = `version: 1
groups: { writers: [ci] }
rules:
  - id: writers-data
    allow: { actors: { group: writers }, actions: [read, change], branch_scope: any }
`;
const TOKENS = JSON.stringify({ ci: "ci-token" });
const N = 3000;

function graphData(): string {
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(JSON.stringify({ type: "Person", data: { name: `p${i}`, age: i % 90 } }));
  for (let i = 0; i < N; i++) {
    lines.push(JSON.stringify({ edge: "Knows", from: `p${i}`, to: `p${(i * 7 + 1) % N}` }));
    lines.push(JSON.stringify({ edge: "Knows", from: `p${i}`, to: `p${(i * 13 + 5) % N}` }));
  }
  return lines.join("\n");
}

test("admission under a burst: 429 ERR_TOO_MANY_REQUESTS with Retry-After, and every admitted write completed exactly once", async (t) => {
  const server = await serveWith(t, {
    graphs: { social: { schema: "./social.pg" } },
    policy: { bundle: "./policy" },
    admission: { per_actor_inflight_max: 2, retry_after_seconds: 7 },
  }, { files: { "social.pg": SCHEMA, "policy/policy.yaml": POLICY }, env: { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: TOKENS } });
  const burst = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      call(server.url, "POST", "/graphs/social/mutate", { token: "ci-token", body: { query: `query m() { insert Person { name: "burst-${i}", age: ${i} } }` } }).then((r) => ({ i, r })),
    ),
  );
  const admitted = burst.filter((b) => b.r.status === 200);
  const refused = burst.filter((b) => b.r.status === 429);
  t.is(admitted.length + refused.length, burst.length, `only 200 or 429: ${JSON.stringify(burst.map((b) => b.r.status))}`);
  t.true(refused.length > 0, "the burst was throttled");
  t.true(admitted.length >= 2, "the budget admitted requests");
  for (const { r } of refused) {
    t.is(r.json.error_code, "ERR_TOO_MANY_REQUESTS");
    t.is(r.json.code, "too_many_requests");
    t.is(r.headers["retry-after"], "7");
  }
  const rows = await call(server.url, "POST", "/graphs/social/query", { token: "ci-token", body: { query: "query q() { match { $p: Person } return { $p.name } }" } });
  const names = new Set((rows.json.rows as { "p.name": string }[]).map((x) => x["p.name"]));
  t.deepEqual([...names].sort(), admitted.map((a) => `burst-${a.i}`).sort(), "exactly the admitted writes are in the graph");
  const audit = server.stdout().split("\n").filter((l) => l.includes('"log":"audit"')).map((l) => JSON.parse(l) as { outcome: string; commit_id: string | null; action: string });
  t.is(audit.filter((a) => a.outcome === "succeeded" && a.commit_id).length, admitted.length, "one audit line with a commit id per admitted write");
  t.is(audit.filter((a) => a.outcome === "rejected").length, refused.length, "one audit line per refused write");
});

test("query budgets over HTTP: a time budget answers 413 ERR_QUERY_TIME_BUDGET, a row budget 413 ERR_QUERY_ROWS_BUDGET, each naming its resource_limit", async (t) => {
  const files = { "social.pg": SCHEMA, "policy/policy.yaml": POLICY };
  const env = { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: TOKENS };
  const [timeServer, rowServer] = await Promise.all([
    serveWith(t, { graphs: { social: { schema: "./social.pg" } }, policy: { bundle: "./policy" }, admission: { query_time_ms: 40 } }, { files, env }),
    serveWith(t, { graphs: { social: { schema: "./social.pg" } }, policy: { bundle: "./policy" }, admission: { query_max_rows: 100 } }, { files, env }),
  ]);
  const data = graphData();
  for (const s of [timeServer, rowServer]) {
    const l = await call(s.url, "POST", "/graphs/social/load", { token: "ci-token", body: { data } });
    t.is(l.status, 200, JSON.stringify(l.json));
  }
  const deep = await call(timeServer.url, "POST", "/graphs/social/query", { token: "ci-token", body: { query: "query q() { match { $a: Person $a knows{1,6} $b } return { $a.name, $b.name } }" } });
  t.is(deep.status, 413);
  t.is(deep.json.error_code, "ERR_QUERY_TIME_BUDGET");
  t.like(deep.json.resource_limit, { resource: "query_time_ms", limit: 40 });
  const scan = await call(rowServer.url, "POST", "/graphs/social/query", { token: "ci-token", body: { query: "query q() { match { $p: Person } return { $p.name } }" } });
  t.is(scan.status, 413);
  t.is(scan.json.error_code, "ERR_QUERY_ROWS_BUDGET");
  t.like(scan.json.resource_limit, { resource: "query_rows", limit: 100 });
  const small = await call(rowServer.url, "POST", "/graphs/social/query", { token: "ci-token", body: { query: 'query q() { match { $p: Person { name: "p1" } } return { $p.name } }' } });
  t.is(small.status, 200, "a query within its budget still answers");
});
