/**
 * Idempotency-Key over real HTTP against a real `omnigraph serve` process: a repeated
 * request with the same key answers the original response; the same key with a
 * different request is 422 ERR_IDEMPOTENCY_KEY_REUSED and commits nothing — for
 * mutations (also several keyed requests inside one group-commit batch), loads,
 * schema applies and branch creates.
 */
import anyTest, { type TestFn } from "ava";
import { call, codeOfReply, conforms, serve, tmpDir, writeConfig, type Served } from "./support.ts";

const test = anyTest as TestFn<{ s: Served }>;
const TOKEN = "tok-alice";
const SCHEMA = "node Person { name: String @key  age: I32? }\n";
const INSERT = "query add($n: String, $a: I32) { insert Person { name: $n, age: $a } }";
const POLICY = `version: 1
groups: { admins: [alice] }
rules:
  - id: admins-all
    allow: { actors: { group: admins }, actions: [read, export, change, schema_apply, branch_create, branch_delete, branch_merge] }
`;
const PEOPLE = "query people() { match { $p: Person } return { $p.name, $p.age } order { $p.name asc } }";

test.before(async (t) => {
  t.timeout(180_000);
  // A wide group-commit window so concurrent requests share one batch entry. No
  // after-commit maintenance: its commits move the head these tests compare to prove that
  // a refused request committed nothing.
  const dir = writeConfig("version: 1\ngraphs:\n  g: { schema: ./s.pg }\ngroup_commit: { window_ms: 50 }\nmaintenance: { after_commit: { enabled: false } }\npolicy: { bundle: ./policy.yaml }\n", { "s.pg": SCHEMA, "policy.yaml": POLICY });
  t.context.s = await serve(undefined, ["--config", dir, "--store", `fs://${tmpDir()}`], { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: JSON.stringify({ alice: TOKEN }) });
});

test.after.always(async (t) => {
  await t.context.s?.stop("SIGKILL");
});

const post = (t: { context: { s: Served } }, path: string, body: unknown, key?: string) =>
  call(t.context.s.url, "POST", path, { token: TOKEN, body, ...(key ? { headers: { "idempotency-key": key } } : {}) });

async function headCommit(t: { context: { s: Served } }): Promise<string> {
  return ((await post(t, "/graphs/g/query", { query: PEOPLE })).json as { graph_commit_id: string }).graph_commit_id;
}

test.serial("mutate: same key + same body → the original response; same key + another body → 422 ERR_IDEMPOTENCY_KEY_REUSED, nothing committed", async (t) => {
  const body = { query: INSERT, params: { n: "ann", a: 1 } };
  const first = await post(t, "/graphs/g/mutate", body, "m-1");
  t.is(first.status, 200, first.text);
  const again = await post(t, "/graphs/g/mutate", body, "m-1");
  t.deepEqual(again.json, first.json, "a retry answers the original response");
  const head = await headCommit(t);
  const reused = await post(t, "/graphs/g/mutate", { query: INSERT, params: { n: "bob", a: 2 } }, "m-1");
  t.is(reused.status, 422, reused.text);
  t.is(codeOfReply(reused), "ERR_IDEMPOTENCY_KEY_REUSED");
  conforms(t, "cluster_mutate", reused, " (reused key)");
  t.is(await headCommit(t), head, "the refused request committed nothing");
  const rows = (await post(t, "/graphs/g/query", { query: PEOPLE })).json as { rows: { "p.name": string }[] };
  t.deepEqual(rows.rows.map((r) => r["p.name"]), ["ann"]);
});

test.serial("mutate inside one group-commit batch: each keyed request answered with its own result; a reused key with another body refused, in flight and afterwards", async (t) => {
  const reqs = [
    post(t, "/graphs/g/mutate", { query: INSERT, params: { n: "c1", a: 1 } }, "b-1"),
    post(t, "/graphs/g/mutate", { query: INSERT, params: { n: "c2", a: 2 } }, "b-2"),
    post(t, "/graphs/g/mutate", { query: INSERT, params: { n: "c3", a: 3 } }, "b-3"),
    post(t, "/graphs/g/mutate", { query: INSERT, params: { n: "cX", a: 9 } }, "b-2"), // same key, another body, in flight
  ];
  const [r1, r2, r3, rx] = await Promise.all(reqs);
  for (const r of [r1, r2, r3]) t.is(r!.status, 200, r!.text);
  t.is(rx!.status, 422, rx!.text);
  t.is(codeOfReply(rx!), "ERR_IDEMPOTENCY_KEY_REUSED");
  const commits = new Set([r1, r2, r3].map((r) => (r!.json as { commit: { graph_commit_id: string } }).commit.graph_commit_id));
  t.is(commits.size, 1, "the three requests shared one batch entry");
  const head = await headCommit(t);
  for (const [r, key, n, a] of [[r1, "b-1", "c1", 1], [r3, "b-3", "c3", 3]] as const) {
    t.deepEqual((await post(t, "/graphs/g/mutate", { query: INSERT, params: { n, a } }, key)).json, r!.json, `${key}: the member's own recorded result`);
    const reused = await post(t, "/graphs/g/mutate", { query: INSERT, params: { n, a: a + 100 } }, key);
    t.is(codeOfReply(reused), "ERR_IDEMPOTENCY_KEY_REUSED", `${key}: another body after publishing`);
    t.is(reused.status, 422);
  }
  t.is(await headCommit(t), head);
  const rows = (await post(t, "/graphs/g/query", { query: PEOPLE })).json as { rows: { "p.name": string }[] };
  t.deepEqual(rows.rows.map((r) => r["p.name"]), ["ann", "c1", "c2", "c3"]);
});

test.serial("load, schema apply and branch create: a reused key with another request is 422 ERR_IDEMPOTENCY_KEY_REUSED", async (t) => {
  const data = '{"type":"Person","data":{"name":"lou","age":5}}\n';
  const l1 = await post(t, "/graphs/g/load", { data }, "l-1");
  t.is(l1.status, 200, l1.text);
  t.deepEqual((await post(t, "/graphs/g/load", { data }, "l-1")).json, l1.json);
  const lx = await post(t, "/graphs/g/load", { data: '{"type":"Person","data":{"name":"lou","age":6}}\n' }, "l-1");
  t.is(lx.status, 422, lx.text);
  t.is(codeOfReply(lx), "ERR_IDEMPOTENCY_KEY_REUSED");
  conforms(t, "cluster_load", lx, " (reused key)");
  const mx = await post(t, "/graphs/g/mutate", { query: INSERT, params: { n: "z", a: 1 } }, "l-1");
  t.is(codeOfReply(mx), "ERR_IDEMPOTENCY_KEY_REUSED", "a mutation with a load's key");

  const source = `${SCHEMA}node Tag { name: String }\n`;
  const s1 = await post(t, "/graphs/g/schema/apply", { schema_source: source }, "s-1");
  t.is(s1.status, 200, s1.text);
  const sx = await post(t, "/graphs/g/schema/apply", { schema_source: `${source}node Other { name: String }\n` }, "s-1");
  t.is(sx.status, 422, sx.text);
  t.is(codeOfReply(sx), "ERR_IDEMPOTENCY_KEY_REUSED");

  const b1 = await post(t, "/graphs/g/branches", { name: "dev", from: "main" }, "br-1");
  t.true(b1.status === 200 || b1.status === 201, b1.text);
  t.deepEqual((await post(t, "/graphs/g/branches", { name: "dev", from: "main" }, "br-1")).json, b1.json);
  const bx = await post(t, "/graphs/g/branches", { name: "dev2", from: "main" }, "br-1");
  t.is(bx.status, 422, bx.text);
  t.is(codeOfReply(bx), "ERR_IDEMPOTENCY_KEY_REUSED");
});
