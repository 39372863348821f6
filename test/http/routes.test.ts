/**
 * Every route against a real `omnigraph serve` process over real HTTP: success and the
 * documented errors, deprecated routes' headers, JSON error bodies for unknown routes,
 * wrong methods, malformed JSON, wrong content types and oversized bodies. Every
 * response is validated against OmniGraph's OpenAPI document (support.ts `conforms`).
 */
import anyTest, { type TestFn } from "ava";
import { call, codeOfReply, conforms, fixture, serve, writeConfig, type Reply, type Served } from "./support.ts";

const test = anyTest as TestFn<{ s: Served }>;
const ALICE = "tok-alice";
const BOB = "tok-bob";
const CAROL = "tok-carol";

const POLICY = `version: 1
groups: { admins: [alice], readers: [bob], nobody: [nobody-at-all] }
protected_branches: [main]
rules:
  - id: admins-all
    allow: { actors: { group: admins }, actions: [read, export, change, schema_apply, branch_create, branch_delete, branch_merge] }
  - id: admins-list
    allow: { actors: { group: admins }, actions: [graph_list] }
  - id: readers-read
    allow: { actors: { group: readers }, actions: [read, export] }
`;

test.before(async (t) => {
  t.timeout(180_000);
  const dir = writeConfig(
    `version: 1
graphs:
  social: { schema: ./test.pg }
  scratch: {}
limits: { json_body_bytes: 65536, load_body_bytes: 131072 }
policy: { bundle: ./policy.yaml }
`,
    { "test.pg": fixture("test.pg"), "policy.yaml": POLICY },
  );
  const { tmpDir } = await import("./support.ts");
  const s = await serve(undefined, ["--config", dir, "--store", `fs://${tmpDir()}`], { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: JSON.stringify({ alice: ALICE, bob: BOB, carol: CAROL }) });
  t.context.s = s;
  const r = await call(s.url, "POST", "/graphs/social/load", { token: ALICE, body: { data: fixture("test.jsonl"), mode: "merge" } });
  if (r.status !== 200) throw new Error(`seed load failed: ${r.text}`);
});

test.after.always(async (t) => {
  await t.context.s?.stop("SIGKILL");
});

const req = (t: { context: { s: Served } }, method: string, path: string, opts: Parameters<typeof call>[3] = {}) => call(t.context.s.url, method, path, { token: ALICE, ...opts });

function expectError(t: import("ava").ExecutionContext, op: string, r: Reply, status: number, code: string, label = "") {
  t.is(r.status, status, `${op}${label}: ${r.text.slice(0, 300)}`);
  t.is(codeOfReply(r), code, `${op}${label}`);
  conforms(t, op, r, label);
}

const PEOPLE = "query people() { match { $p: Person } return { $p.name, $p.age } order { $p.name asc } }";

test.serial("GET /healthz answers OmniGraph's HealthOutput without auth", async (t) => {
  const r = await call(t.context.s.url, "GET", "/healthz");
  t.is(r.status, 200);
  t.is((r.json as { status: string }).status, "ok");
  conforms(t, "health", r);
});

test.serial("GET /readyz and /metrics (ours): serving; request and store metrics exported", async (t) => {
  const ready = await call(t.context.s.url, "GET", "/readyz");
  t.is(ready.status, 200);
  t.like(ready.json as object, { ready: true, status: "serving", quarantined_graph_count: 0, shutdown_grace_seconds: 25, role: "all-in-one" });
  const m = await call(t.context.s.url, "GET", "/metrics");
  t.is(m.status, 200);
  for (const name of ["omnigraph_http_requests_total", "omnigraph_http_request_duration_seconds", "omnigraph_commits_total", "omnigraph_store_requests_total", "omnigraph_open_graph_handles", "omnigraph_quarantined_graphs"]) {
    t.true(m.text.includes(name), name);
  }
  t.regex(m.text, /omnigraph_commits_total\{kind="load"\} [1-9]/);
});

test.serial("GET /graphs: sorted list with quarantined; 401 without a token; 403 without a graph_list grant", async (t) => {
  const r = await req(t, "GET", "/graphs");
  t.is(r.status, 200, r.text);
  t.deepEqual((r.json as { graphs: { graph_id: string }[] }).graphs.map((g) => g.graph_id), ["scratch", "social"]);
  t.deepEqual((r.json as { quarantined: unknown[] }).quarantined, []);
  conforms(t, "listGraphs", r);
  expectError(t, "listGraphs", await req(t, "GET", "/graphs", { token: "" }), 401, "ERR_UNAUTHENTICATED");
  expectError(t, "listGraphs", await req(t, "GET", "/graphs", { token: "wrong" }), 401, "ERR_UNAUTHENTICATED", " (bad token)");
  expectError(t, "listGraphs", await req(t, "GET", "/graphs", { token: BOB }), 403, "ERR_FORBIDDEN");
});

test.serial("GET /graphs/{id}/snapshot: datasets; unknown graph 404, malformed id 400, unknown branch 404", async (t) => {
  const r = await req(t, "GET", "/graphs/social/snapshot");
  t.is(r.status, 200, r.text);
  const snap = r.json as { graph_branch: string; datasets: { type_name: string; entity_count: number }[] };
  t.is(snap.graph_branch, "main");
  t.deepEqual(snap.datasets.map((d) => [d.type_name, d.entity_count]), [["Company", 2], ["Person", 4], ["Knows", 3], ["WorksAt", 2]]);
  conforms(t, "cluster_getSnapshot", r);
  expectError(t, "cluster_getSnapshot", await req(t, "GET", "/graphs/nope/snapshot"), 404, "ERR_GRAPH_NOT_FOUND");
  expectError(t, "cluster_getSnapshot", await req(t, "GET", "/graphs/bad_id!/snapshot"), 400, "ERR_GRAPH_ID_INVALID");
  expectError(t, "cluster_getSnapshot", await req(t, "GET", "/graphs/healthz/snapshot"), 400, "ERR_GRAPH_ID_INVALID", " (reserved)");
  expectError(t, "cluster_getSnapshot", await req(t, "GET", "/graphs/social/snapshot?branch=ghost"), 404, "ERR_BRANCH_NOT_FOUND");
  expectError(t, "cluster_getSnapshot", await req(t, "GET", "/graphs/social/snapshot", { token: CAROL }), 403, "ERR_FORBIDDEN");
});

test.serial("POST /query: rows and graph_commit_id; pinned snapshot; typed 400s for mutations, parse, params, branch+snapshot", async (t) => {
  const r = await req(t, "POST", "/graphs/social/query", { body: { query: fixture("test.gq"), name: "get_person", params: { name: "Alice" } } });
  t.is(r.status, 200, r.text);
  const out = r.json as { rows: unknown[]; graph_commit_id: string; target: unknown; columns: string[] };
  t.deepEqual(out.rows, [{ "p.name": "Alice", "p.age": 30 }]);
  t.deepEqual(out.target, { branch: "main", snapshot: null });
  conforms(t, "cluster_query", r);
  const pinned = await req(t, "POST", "/graphs/social/query", { body: { query: PEOPLE, snapshot: out.graph_commit_id } });
  t.is(pinned.status, 200, pinned.text);
  t.deepEqual((pinned.json as { target: unknown }).target, { branch: null, snapshot: out.graph_commit_id });
  conforms(t, "cluster_query", pinned);
  const mutation = await req(t, "POST", "/graphs/social/query", { body: { query: 'query m() { insert Person { name: "Zed" } }' } });
  expectError(t, "cluster_query", mutation, 400, "ERR_MUTATION_IN_READ");
  t.regex((mutation.json as { error: string }).error, /\/graphs\/social\/mutate/);
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { body: { query: "query q( {" } }), 400, "ERR_PARSE");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { body: { query: fixture("test.gq"), name: "get_person", params: { name: 3 } } }), 400, "ERR_PARAM");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { body: { query: PEOPLE, branch: "main", snapshot: out.graph_commit_id } }), 400, "ERR_PARAM", " (branch+snapshot)");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { body: { query: PEOPLE, snapshot: "01ARZ3NDEKTSV4RRFFQ69G5FAV" } }), 404, "ERR_COMMIT_NOT_FOUND");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { body: { nope: 1 } }), 400, "ERR_REQUEST_INVALID");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { raw: "{not json", headers: { "content-type": "application/json" } }), 400, "ERR_MALFORMED_JSON");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { raw: "{}", headers: { "content-type": "text/plain" } }), 415, "ERR_UNSUPPORTED_MEDIA_TYPE");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { body: { query: PEOPLE, pad: "x".repeat(70_000) } }), 413, "ERR_BODY_TOO_LARGE");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { token: "", body: { query: PEOPLE } }), 401, "ERR_UNAUTHENTICATED");
  expectError(t, "cluster_query", await req(t, "POST", "/graphs/social/query", { token: CAROL, body: { query: PEOPLE } }), 403, "ERR_FORBIDDEN");
  // A float bound on an I32 column answers the right rows (or a typed 400), never LanceDB's text.
  const fl = await req(t, "POST", "/graphs/social/query", { body: { query: "query q() { match { $p: Person $p.age >= 29.5 } return { $p.name } order { $p.name asc } }" } });
  t.true(fl.status === 200 || fl.status === 400, fl.text);
  if (fl.status === 200) t.deepEqual((fl.json as { rows: unknown[] }).rows, [{ "p.name": "Alice" }, { "p.name": "Charlie" }]);
  t.false(/lance|\.rs:|\/home\/|\/build\//i.test(fl.text), fl.text);
  conforms(t, "cluster_query", fl);
});

test.serial("POST /read (deprecated): Deprecation + Link headers, LegacyReadOutput without graph_commit_id", async (t) => {
  const r = await req(t, "POST", "/graphs/social/read", { body: { query_source: PEOPLE } });
  t.is(r.status, 200, r.text);
  t.is(r.headers.get("deprecation"), "true");
  t.is(r.headers.get("link"), '</graphs/social/query>; rel="successor-version"');
  t.false("graph_commit_id" in (r.json as object));
  t.is((r.json as { row_count: number }).row_count, 4);
  conforms(t, "cluster_read", r);
  const m = await req(t, "POST", "/graphs/social/read", { body: { query_source: 'query m() { insert Person { name: "ViaRead" } }', branch: "main" } });
  t.is(m.status, 200, m.text);
  conforms(t, "cluster_read", m, " (mutation)");
  expectError(t, "cluster_read", await req(t, "POST", "/graphs/social/read", { body: { query: PEOPLE } }), 400, "ERR_REQUEST_INVALID");
});

test.serial("POST /mutate: one commit (CommitOutput); alias fields; read → 400; precondition header refused; 409 key conflict; 403", async (t) => {
  const r = await req(t, "POST", "/graphs/social/mutate", { body: { query: "query add($n: String) { insert Person { name: $n, age: 40 } }", params: { n: "Eve" } }, headers: { "idempotency-key": "k-eve-1" } });
  t.is(r.status, 200, r.text);
  const out = r.json as { affected_nodes: number; commit: { graph_commit_id: string; graph_branch: string; actor_id: string } };
  t.is(out.affected_nodes, 1);
  t.is(out.commit.graph_branch, "main");
  t.is(out.commit.actor_id, "alice");
  conforms(t, "cluster_mutate", r);
  const alias = await req(t, "POST", "/graphs/social/mutate", { body: { query_source: "query add($n: String) { insert Person { name: $n } }", query_name: "add", params: { n: "Fay" } } });
  t.is(alias.status, 200, alias.text);
  conforms(t, "cluster_mutate", alias, " (aliases)");
  expectError(t, "cluster_mutate", await req(t, "POST", "/graphs/social/mutate", { body: { query: PEOPLE } }), 400, "ERR_READ_IN_MUTATION");
  expectError(t, "cluster_mutate", await req(t, "POST", "/graphs/social/mutate", { body: { query: 'query m() { insert Person { name: "x1" } }' }, headers: { "omnigraph-if-graph-commit": out.commit.graph_commit_id } }), 400, "ERR_PRECONDITION_HEADER");
  expectError(t, "cluster_mutate", await req(t, "POST", "/graphs/social/mutate", { body: { query: 'query m() { insert Person { name: "x2" } }' }, headers: { "idempotency-key": "bad key with spaces" } }), 400, "ERR_PRECONDITION_HEADER", " (bad Idempotency-Key)");
  const dup = await req(t, "POST", "/graphs/social/mutate", { body: { query: "query m() { insert Knows { from: \"Alice\", to: \"Bob\", id: \"k-dup\" } insert Knows { from: \"Alice\", to: \"Bob\", id: \"k-dup\" } }" } });
  t.true(dup.status === 409 || dup.status === 400, dup.text);
  conforms(t, "cluster_mutate", dup, " (duplicate id)");
  expectError(t, "cluster_mutate", await req(t, "POST", "/graphs/social/mutate", { token: BOB, body: { query: 'query m() { insert Person { name: "Bobby" } }' } }), 403, "ERR_FORBIDDEN");
  expectError(t, "cluster_mutate", await req(t, "POST", "/graphs/social/mutate", { body: { query: 'query m() { insert Person { name: "x" } }', branch: "ghost" } }), 404, "ERR_BRANCH_NOT_FOUND");
});

test.serial("POST /mutate/if-graph-commit: header rules (§1.5); stale head → 412 precondition_failure; current head → 200", async (t) => {
  const head = ((await req(t, "POST", "/graphs/social/query", { body: { query: PEOPLE } })).json as { graph_commit_id: string }).graph_commit_id;
  const body = { query: "query add($n: String) { insert Person { name: $n } }", params: { n: "Gus" } };
  const path = "/graphs/social/mutate/if-graph-commit";
  expectError(t, "cluster_mutate_if_graph_commit", await req(t, "POST", path, { body }), 400, "ERR_PRECONDITION_HEADER", " (missing)");
  expectError(t, "cluster_mutate_if_graph_commit", await req(t, "POST", path, { body, headers: { "omnigraph-if-graph-commit": "*" } }), 400, "ERR_PRECONDITION_HEADER", " (*)");
  expectError(t, "cluster_mutate_if_graph_commit", await req(t, "POST", path, { body, headers: { "omnigraph-if-graph-commit": `W/"${head}"` } }), 400, "ERR_PRECONDITION_HEADER", " (W/)");
  expectError(t, "cluster_mutate_if_graph_commit", await req(t, "POST", path, { body, headers: { "omnigraph-if-graph-commit": `${head}, ${head}` } }), 400, "ERR_PRECONDITION_HEADER", " (list)");
  const ok = await req(t, "POST", path, { body, headers: { "omnigraph-if-graph-commit": head } });
  t.is(ok.status, 200, ok.text);
  conforms(t, "cluster_mutate_if_graph_commit", ok);
  const stale = await req(t, "POST", path, { body: { ...body, params: { n: "Hal" } }, headers: { "omnigraph-if-graph-commit": head } });
  expectError(t, "cluster_mutate_if_graph_commit", stale, 412, "ERR_GRAPH_COMMIT_PRECONDITION");
  t.is((stale.json as { precondition_failure: { expected: string } }).precondition_failure.expected, head);
});

test.serial("POST /change (deprecated): runs the mutation with Deprecation + Link", async (t) => {
  const r = await req(t, "POST", "/graphs/social/change", { body: { query: 'query m() { insert Person { name: "Ida" } }' } });
  t.is(r.status, 200, r.text);
  t.is(r.headers.get("deprecation"), "true");
  t.is(r.headers.get("link"), '</graphs/social/mutate>; rel="successor-version"');
  conforms(t, "cluster_change", r);
});

test.serial("POST /load, /ingest, /load/ndjson: outputs; missing branch 404 without from; from creates it; 400/413/415", async (t) => {
  const data = '{"type":"Company","data":{"name":"Initech"}}\n';
  const r = await req(t, "POST", "/graphs/social/load", { body: { data } });
  t.is(r.status, 200, r.text);
  t.like(r.json as object, { branch: "main", branch_created: false, mode: "merge", total_entities: 1 });
  conforms(t, "cluster_load", r);
  expectError(t, "cluster_load", await req(t, "POST", "/graphs/social/load", { body: { data, branch: "feature/load" } }), 404, "ERR_BRANCH_NOT_FOUND");
  const forked = await req(t, "POST", "/graphs/social/load", { body: { data, branch: "feature/load", from: "main" } });
  t.is(forked.status, 200, forked.text);
  t.like(forked.json as object, { branch: "feature/load", base_branch: "main", branch_created: true });
  conforms(t, "cluster_load", forked, " (fork)");
  expectError(t, "cluster_load", await req(t, "POST", "/graphs/social/load", { body: { data: '{"type":"Nope","data":{}}\n' } }), 400, "ERR_NDJSON", " (unknown type)");
  expectError(t, "cluster_load", await req(t, "POST", "/graphs/social/load", { body: { data: "x".repeat(140_000) } }), 413, "ERR_BODY_TOO_LARGE");
  const ing = await req(t, "POST", "/graphs/social/ingest", { body: { data } });
  t.is(ing.status, 200, ing.text);
  t.is(ing.headers.get("deprecation"), "true");
  t.is(ing.headers.get("link"), '</graphs/social/load>; rel="successor-version"');
  conforms(t, "cluster_ingest", ing);
  const nd = await req(t, "POST", "/graphs/social/load/ndjson?mode=merge", { raw: '{"type":"Person","data":{"name":"Jon","age":20}}\n', headers: { "content-type": "application/x-ndjson" } });
  t.is(nd.status, 200, nd.text);
  t.false("uri" in (nd.json as object));
  t.is((nd.json as { total_entities: number }).total_entities, 1);
  conforms(t, "cluster_loadNdjson", nd);
  expectError(t, "cluster_loadNdjson", await req(t, "POST", "/graphs/social/load/ndjson", { raw: "{}", headers: { "content-type": "application/json" } }), 415, "ERR_UNSUPPORTED_MEDIA_TYPE");
  const big = await req(t, "POST", "/graphs/social/load/ndjson", { raw: `${'{"type":"Person","data":{"name":"p"}}\n'.repeat(4000)}`, headers: { "content-type": "application/x-ndjson" } });
  expectError(t, "cluster_loadNdjson", big, 413, "ERR_BODY_TOO_LARGE");
  t.is((big.json as { resource_limit: { resource: string } }).resource_limit.resource, "graph_batch_request_bytes");
  expectError(t, "cluster_loadNdjson", await req(t, "POST", "/graphs/social/load/ndjson?mode=sideways", { raw: "", headers: { "content-type": "application/x-ndjson" } }), 400, "ERR_REQUEST_INVALID");
  expectError(t, "cluster_loadNdjson", await req(t, "POST", "/graphs/social/load/ndjson?branch=ghost", { raw: "", headers: { "content-type": "application/x-ndjson" } }), 404, "ERR_BRANCH_NOT_FOUND");
  expectError(t, "cluster_loadNdjson", await req(t, "POST", "/graphs/social/load/ndjson", { raw: "{oops\n", headers: { "content-type": "application/x-ndjson" } }), 400, "ERR_NDJSON");
});

test.serial("GET /schema and POST /schema/apply: applied once, then a no-op; invalid schema 400; 403 for readers", async (t) => {
  const src = "node Doc {\n    slug: String @key\n}\n";
  const r = await req(t, "POST", "/graphs/scratch/schema/apply", { body: { schema_source: src } });
  t.is(r.status, 200, r.text);
  t.like(r.json as object, { supported: true, applied: true, step_count: 1 });
  t.is(((r.json as { steps: { kind: string; type_name: string }[] }).steps[0]!).kind, "add_type");
  conforms(t, "cluster_applySchema", r);
  const again = await req(t, "POST", "/graphs/scratch/schema/apply", { body: { schema_source: src } });
  t.like(again.json as object, { applied: false, step_count: 0 });
  conforms(t, "cluster_applySchema", again);
  const got = await req(t, "GET", "/graphs/scratch/schema");
  t.is(got.status, 200);
  t.is((got.json as { schema_source: string }).schema_source, src);
  conforms(t, "cluster_getSchema", got);
  expectError(t, "cluster_applySchema", await req(t, "POST", "/graphs/scratch/schema/apply", { body: { schema_source: "node {" } }), 400, "ERR_PARSE");
  expectError(t, "cluster_applySchema", await req(t, "POST", "/graphs/scratch/schema/apply", { token: BOB, body: { schema_source: src } }), 403, "ERR_FORBIDDEN");
});

test.serial("branches: list sorted, create (400 main, 409 exists), delete names with '/', 404 unknown", async (t) => {
  const c = await req(t, "POST", "/graphs/social/branches", { body: { name: "team/alpha", from: "main" } });
  t.is(c.status, 200, c.text);
  t.like(c.json as object, { name: "team/alpha", from: "main", actor_id: "alice" });
  conforms(t, "cluster_createBranch", c);
  expectError(t, "cluster_createBranch", await req(t, "POST", "/graphs/social/branches", { body: { name: "team/alpha" } }), 409, "ERR_BRANCH_EXISTS");
  expectError(t, "cluster_createBranch", await req(t, "POST", "/graphs/social/branches", { body: { name: "main" } }), 400, "ERR_BRANCH_INVALID");
  expectError(t, "cluster_createBranch", await req(t, "POST", "/graphs/social/branches", { body: { name: "x", from: "ghost" } }), 404, "ERR_BRANCH_NOT_FOUND");
  const l = await req(t, "GET", "/graphs/social/branches");
  const names = (l.json as { branches: string[] }).branches;
  t.deepEqual(names, [...names].sort());
  t.true(names.includes("team/alpha") && names.includes("main"));
  conforms(t, "cluster_listBranches", l);
  const d = await req(t, "DELETE", "/graphs/social/branches/team/alpha");
  t.is(d.status, 200, d.text);
  t.like(d.json as object, { name: "team/alpha" });
  conforms(t, "cluster_deleteBranch", d);
  expectError(t, "cluster_deleteBranch", await req(t, "DELETE", "/graphs/social/branches/team/alpha"), 404, "ERR_BRANCH_NOT_FOUND");
  expectError(t, "cluster_deleteBranch", await req(t, "DELETE", "/graphs/social/branches/main"), 400, "ERR_BRANCH_INVALID");
  expectError(t, "cluster_deleteBranch", await req(t, "DELETE", "/graphs/social/branches/x", { token: BOB }), 403, "ERR_FORBIDDEN");
});

test.serial("POST /branches/merge: fast-forward with delete_branch; divergent change → 409 merge_conflicts", async (t) => {
  await req(t, "POST", "/graphs/social/branches", { body: { name: "ff" } });
  await req(t, "POST", "/graphs/social/mutate", { body: { query: 'query m() { update Person set { age: 31 } where name = "Alice" }', branch: "ff" } });
  const m = await req(t, "POST", "/graphs/social/branches/merge", { body: { source: "ff", delete_branch: true } });
  t.is(m.status, 200, m.text);
  t.like(m.json as object, { source: "ff", target: "main", outcome: "fast_forward", branch_deleted: true });
  conforms(t, "cluster_mergeBranches", m);
  await req(t, "POST", "/graphs/social/branches", { body: { name: "div" } });
  await req(t, "POST", "/graphs/social/mutate", { body: { query: 'query m() { update Person set { age: 50 } where name = "Bob" }', branch: "div" } });
  await req(t, "POST", "/graphs/social/mutate", { body: { query: 'query m() { update Person set { age: 60 } where name = "Bob" }' } });
  const c = await req(t, "POST", "/graphs/social/branches/merge", { body: { source: "div", target: "main" } });
  expectError(t, "cluster_mergeBranches", c, 409, "ERR_MERGE_CONFLICT");
  t.like((c.json as { merge_conflicts: object[] }).merge_conflicts[0], { entity_kind: "node", type_name: "Person", entity_id: "Bob", kind: "divergent_update" });
  expectError(t, "cluster_mergeBranches", await req(t, "POST", "/graphs/social/branches/merge", { body: { source: "ghost" } }), 404, "ERR_BRANCH_NOT_FOUND");
  expectError(t, "cluster_mergeBranches", await req(t, "POST", "/graphs/social/branches/merge", { body: { source: "main" } }), 400, "ERR_PARAM");
});

test.serial("GET /commits and /commits/{id}: newest first; 404 unknown", async (t) => {
  const l = await req(t, "GET", "/graphs/social/commits");
  t.is(l.status, 200);
  const commits = (l.json as { commits: { graph_commit_id: string; graph_manifest_version: number }[] }).commits;
  t.true(commits.length >= 3);
  t.true(commits[0]!.graph_manifest_version > commits[1]!.graph_manifest_version);
  conforms(t, "cluster_listCommits", l);
  const one = await req(t, "GET", `/graphs/social/commits/${commits[0]!.graph_commit_id}`);
  t.is(one.status, 200);
  t.is((one.json as { graph_commit_id: string }).graph_commit_id, commits[0]!.graph_commit_id);
  conforms(t, "cluster_getCommit", one);
  expectError(t, "cluster_getCommit", await req(t, "GET", "/graphs/social/commits/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "ERR_COMMIT_NOT_FOUND");
  expectError(t, "cluster_listCommits", await req(t, "GET", "/graphs/social/commits?branch=ghost"), 404, "ERR_BRANCH_NOT_FOUND");
});

test.serial("POST /export: NDJSON in the load envelope; unknown fields 400; unknown type 400; 415; unknown branch 404", async (t) => {
  const r = await req(t, "POST", "/graphs/social/export", { body: { type_names: ["Company"] } });
  t.is(r.status, 200, r.text);
  t.regex(r.headers.get("content-type") ?? "", /^application\/x-ndjson/);
  const lines = r.text.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
  t.true(lines.length >= 2 && lines.every((l) => l.type === "Company"));
  conforms(t, "cluster_export", r);
  expectError(t, "cluster_export", await req(t, "POST", "/graphs/social/export", { body: { table_keys: [] } }), 400, "ERR_REQUEST_INVALID");
  expectError(t, "cluster_export", await req(t, "POST", "/graphs/social/export", { body: { type_names: ["Nope"] } }), 400, "ERR_UNKNOWN_TYPE");
  expectError(t, "cluster_export", await req(t, "POST", "/graphs/social/export", { raw: "{}", headers: { "content-type": "text/csv" } }), 415, "ERR_UNSUPPORTED_MEDIA_TYPE");
  expectError(t, "cluster_export", await req(t, "POST", "/graphs/social/export", { body: { branch: "ghost" } }), 404, "ERR_BRANCH_NOT_FOUND");
});

test.serial("unknown routes and wrong methods answer JSON 404/405 (OmniGraph answers bare ones)", async (t) => {
  const nf = await req(t, "GET", "/read");
  t.is(nf.status, 404);
  t.is(codeOfReply(nf), "ERR_ROUTE_NOT_FOUND");
  t.is((nf.json as { code: string }).code, "not_found");
  const wm = await req(t, "GET", "/graphs/social/query");
  t.is(wm.status, 405);
  t.is(codeOfReply(wm), "ERR_METHOD_NOT_ALLOWED");
  t.is(wm.headers.get("allow"), "POST");
  const del = await req(t, "PUT", "/graphs");
  t.is(del.status, 405);
  conforms(t, "listGraphs", del);
  t.is(nf.headers.get("x-request-id")?.length ? true : false, true);
  const rid = await call(t.context.s.url, "GET", "/healthz", { headers: { "x-request-id": "trace-123" } });
  t.is(rid.headers.get("x-request-id"), "trace-123");
});
