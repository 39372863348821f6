import test, { type ExecutionContext } from "ava";
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, serveWith, type Reply } from "./auth-support.ts";

const SCHEMA = "node Person {\n  name: String @key\n}\n";
// Everyone may do everything: isolation must come from tenancy, not from Cedar.
const POLICY = `version: 1
groups: { everyone: [placeholder] }
rules:
  - id: all-data
    allow: { actors: { group: everyone }, actions: [read, export, change], branch_scope: any }
  - id: all-branches
    allow: { actors: { group: everyone }, actions: [branch_create, branch_delete, branch_merge, schema_apply], target_branch_scope: any }
  - id: all-list
    allow: { actors: { group: everyone }, actions: [graph_list] }
`;

const TENANTS = ["acme", "org_globex", "t-3"] as const;
type Tenant = (typeof TENANTS)[number];
const GRAPHS: Record<Tenant, { open: string; sentinel: string }> = {
  acme: { open: "a-one", sentinel: "a-sentinel" },
  org_globex: { open: "g-one", sentinel: "g-sentinel" },
  "t-3": { open: "c-one", sentinel: "c-sentinel" },
};
const ACTORS = ["alice", "bob"] as const;
const tokenOf = (tenant: Tenant, actor: string) => `tok-${tenant}-${actor}`;
const ownerOf = (graph: string): Tenant | undefined => TENANTS.find((t) => GRAPHS[t].open === graph || GRAPHS[t].sentinel === graph);

interface RouteCase {
  method: "GET" | "POST" | "DELETE";
  path: (g: string, branch: string) => string;
  body?: (branch: string) => unknown;
}

const ROUTES: RouteCase[] = [
  { method: "GET", path: (g) => `/graphs/${g}/branches` },
  { method: "GET", path: (g, b) => `/graphs/${g}/snapshot?branch=${encodeURIComponent(b)}` },
  { method: "GET", path: (g, b) => `/graphs/${g}/commits?branch=${encodeURIComponent(b)}` },
  { method: "GET", path: (g) => `/graphs/${g}/schema` },
  { method: "POST", path: (g) => `/graphs/${g}/query`, body: (b) => ({ query: "query q() { match { $p: Person } return { $p.name } }", branch: b }) },
  { method: "POST", path: (g) => `/graphs/${g}/mutate`, body: (b) => ({ query: 'query m() { insert Person { name: "x" } }', branch: b }) },
  { method: "POST", path: (g) => `/graphs/${g}/branches`, body: (b) => ({ name: `${b}-copy`, from: "main" }) },
  { method: "DELETE", path: (g, b) => `/graphs/${g}/branches/${b}` },
  { method: "POST", path: (g) => `/graphs/${g}/export`, body: (b) => ({ branch: b }) },
];

/** The body with request-specific parts removed, so two 404s can be compared byte for byte. */
function normalised(r: Reply, graph: string): string {
  const { request_id: _r, ...rest } = r.json;
  return JSON.stringify(rest).replaceAll(`'${graph}'`, "'<graph>'");
}

async function isolation(t: ExecutionContext, tenancy: Record<string, unknown>) {
  const graphs: Record<string, { schema: string; tenant: string }> = {};
  for (const tenant of TENANTS) for (const g of Object.values(GRAPHS[tenant])) graphs[g] = { schema: "./social.pg", tenant };
  const tokens = TENANTS.flatMap((tenant) => ACTORS.map((actor) => ({ actor, token: tokenOf(tenant, actor), tenant, groups: ["everyone"] })));
  const server = await serveWith(t, { tenancy, graphs, policy: { bundle: "./policy" } }, {
    files: { "social.pg": SCHEMA, "policy/policy.yaml": POLICY },
    env: { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: JSON.stringify(tokens) },
  });
  const sentinelCommits = async () =>
    Promise.all(TENANTS.map(async (tenant) => JSON.stringify((await call(server.url, "GET", `/graphs/${GRAPHS[tenant].sentinel}/commits`, { token: tokenOf(tenant, "alice") })).json)));
  const before = await sentinelCommits();
  t.true(before.every((c) => c.includes("commits")), "each owner sees its sentinel graph");

  // GET /graphs lists exactly the caller's own graphs.
  for (const tenant of TENANTS) {
    const l = await call(server.url, "GET", "/graphs", { token: tokenOf(tenant, "bob") });
    t.is(l.status, 200);
    t.deepEqual((l.json.graphs as { graph_id: string }[]).map((g) => g.graph_id).sort(), Object.values(GRAPHS[tenant]).sort(), tenant);
  }

  const allGraphs = TENANTS.flatMap((x) => Object.values(GRAPHS[x]));
  const graphArb = fc.oneof(fc.constantFrom(...allGraphs), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/));
  let foreign = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...TENANTS), fc.constantFrom(...ACTORS), graphArb, fc.constantFrom("main", "feature", "dev/x"), fc.nat({ max: ROUTES.length - 1 }),
      async (tenant, actor, graph, branch, ri) => {
        const owner = ownerOf(graph);
        fc.pre(!(owner === tenant && graph === GRAPHS[tenant].sentinel)); // sentinels only see foreign requests
        const r = ROUTES[ri]!;
        const token = tokenOf(tenant, actor);
        const res = await call(server.url, r.method, r.path(graph, branch), { token, ...(r.body ? { body: r.body(branch) } : {}) });
        if (owner === tenant) return res.json.error_code !== "ERR_GRAPH_NOT_FOUND";
        foreign++;
        // Another tenant's graph answers exactly like a graph that does not exist.
        const ghost = `ghost-${graph.length}x`;
        const missing = await call(server.url, r.method, r.path(ghost, branch), { token, ...(r.body ? { body: r.body(branch) } : {}) });
        return res.status === 404 && res.json.error_code === "ERR_GRAPH_NOT_FOUND" && normalised(res, graph) === normalised(missing, ghost) && missing.status === 404;
      },
    ),
    { numRuns: 120 },
  );
  t.true(foreign > 20, `foreign requests exercised (${foreign})`);
  t.deepEqual(await sentinelCommits(), before, "no foreign request wrote to a sentinel graph");
}

test("tenant isolation (prefix-per-tenant): no request reads, writes, lists or learns of another tenant's graph", async (t) => {
  await isolation(t, { layout: "prefix-per-tenant" });
});

test("tenant isolation (bucket-per-tenant): no request reads, writes, lists or learns of another tenant's graph", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "og-buckets-"));
  await isolation(t, { layout: "bucket-per-tenant", bucket_template: `fs://${root}/{tenant}` });
});

test("bucket-per-tenant: a token that names no tenant gets 403 ERR_TENANT_REQUIRED on every graph route, and no tenant's data changes", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "og-buckets-"));
  const tokens = [
    { actor: "alice", token: "tok-acme", tenant: "acme", groups: ["everyone"] },
    { actor: "nobody", token: "tok-none", groups: ["everyone"] },
  ];
  const server = await serveWith(t, {
    tenancy: { layout: "bucket-per-tenant", bucket_template: `fs://${root}/{tenant}` },
    graphs: { "a-one": { schema: "./social.pg", tenant: "acme" } },
    policy: { bundle: "./policy" },
  }, { files: { "social.pg": SCHEMA, "policy/policy.yaml": POLICY }, env: { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: JSON.stringify(tokens) } });
  const before = JSON.stringify((await call(server.url, "GET", "/graphs/a-one/commits", { token: "tok-acme" })).json);
  for (const r of ROUTES) {
    const res = await call(server.url, r.method, r.path("a-one", "main"), { token: "tok-none", ...(r.body ? { body: r.body("main") } : {}) });
    t.is(res.status, 403, `${r.method} ${r.path("a-one", "main")}`);
    t.is(res.json.error_code, "ERR_TENANT_REQUIRED");
  }
  t.is(JSON.stringify((await call(server.url, "GET", "/graphs/a-one/commits", { token: "tok-acme" })).json), before);
});
