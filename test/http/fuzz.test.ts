/**
 * Fuzzed bodies, query parameters, headers and paths for every route (fast-check)
 * against one real server: never an undocumented 5xx (every 5xx here would be a bug:
 * the graph is healthy and the server is serving), every error is a typed JSON body,
 * the process stays up, and its memory stays bounded.
 */
import anyTest, { type TestFn } from "ava";
import fc from "fast-check";
import { allRoutes } from "../../server/http/app.ts";
import { call, fixture, serve, tmpDir, writeConfig, type Served } from "./support.ts";

const test = anyTest as TestFn<{ s: Served }>;

test.before(async (t) => {
  t.timeout(180_000);
  const cfg = writeConfig("graphs:\n  social: { schema: ./test.pg }\nlimits: { json_body_bytes: 32768, load_body_bytes: 65536 }\n", { "test.pg": fixture("test.pg") });
  t.context.s = await serve(undefined, ["--config", cfg, "--store", `fs://${tmpDir()}`, "--unauthenticated"]);
  await call(t.context.s.url, "POST", "/graphs/social/load", { body: { data: fixture("test.jsonl") } });
});
test.after.always(async (t) => {
  await t.context.s?.stop("SIGKILL");
});

const FIELDS = ["query", "name", "params", "branch", "snapshot", "query_source", "query_name", "data", "from", "mode", "schema_source", "allow_data_loss", "source", "target", "delete_branch", "type_names"];
const GQ = [
  "query q() { match { $p: Person } return { $p.name } }",
  'query m() { insert Person { name: "fz" } }',
  "query q($n: String) { match { $p: Person { name: $n } } return { $p.age } }",
  "query q( {",
  "",
];
const value = fc.oneof(
  fc.constantFrom(...GQ, "main", "feature/x", "merge", "append", "overwrite", "Person", "01ARZ3NDEKTSV4RRFFQ69G5FAV", '{"type":"Person","data":{"name":"z"}}\n'),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const body = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constant("x".repeat(70_000)) },
);
const headerValue = fc.oneof(fc.constantFrom("*", 'W/"x"', "01ARZ3NDEKTSV4RRFFQ69G5FAV", "a, b", "", "Bearer x"), fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)));
const headers = fc.record(
  {
    "content-type": fc.constantFrom("application/json", "application/x-ndjson", "text/plain", "application/json; charset=utf-8", ""),
    "omnigraph-if-graph-commit": headerValue,
    "idempotency-key": headerValue,
    "x-request-id": headerValue,
    authorization: headerValue,
  },
  { requiredKeys: [] },
);
const graphId = fc.oneof({ weight: 5, arbitrary: fc.constant("social") }, { weight: 1, arbitrary: fc.constantFrom("nope", "bad_id", "healthz", "a".repeat(65), "%2e%2e", "x y") });
const query = fc.dictionary(fc.constantFrom("branch", "from", "mode", "x"), fc.oneof(fc.constantFrom("main", "ghost", "merge", "append"), fc.string({ maxLength: 10 })), { maxKeys: 3 });

const ROUTES = allRoutes();

for (const route of ROUTES) {
  test.serial(`${route.method} ${route.path}: fuzzed input never yields an undocumented 5xx`, async (t) => {
    const base = t.context.s.url;
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(body, headers, graphId, query, fc.string({ maxLength: 12 }), async (b, h, g, q, seg) => {
        const path = route.path.replace("{graph_id}", encodeURIComponent(g)).replace("{branch}", seg || "b").replace("{commit_id}", seg || "c");
        const qs = new URLSearchParams(q).toString();
        const hdrs = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== ""));
        const r = await call(base, route.method, `${path}${qs ? `?${qs}` : ""}`, { headers: hdrs, ...(route.method === "GET" || route.method === "DELETE" ? {} : { raw: b }) });
        ran++;
        if (r.status >= 500) return false;
        if (r.status >= 400) {
          const j = r.json as { error?: unknown; error_code?: unknown } | undefined;
          return typeof j?.error === "string" && typeof j.error_code === "string";
        }
        return true;
      }),
      { numRuns: 50, endOnFailure: true },
    );
    t.is(ran, 50);
  });
}

test.serial("after the fuzzing the process is up and its memory is bounded", async (t) => {
  const h = await call(t.context.s.url, "GET", "/healthz");
  t.is(h.status, 200);
  const m = await call(t.context.s.url, "GET", "/metrics");
  const rss = Number(/process_resident_memory_bytes (\d+)/.exec(m.text)?.[1]);
  t.true(rss > 0 && rss < 1.5 * 1024 ** 3, `rss ${rss}`);
  t.is(t.context.s.child.exitCode, null);
});
