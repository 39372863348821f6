/**
 * Every verb in direct mode on a temp fs store: success paths and their typed errors
 * with exit codes. Runs `main` in-process (one process start per case would take
 * minutes on a loaded machine); process.test.ts and quickstart.test.ts run the real
 * bin. Serial: the in-process runner swaps the process streams.
 */
import test from "ava";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errorCodeOf, example, jsonOf, omnigraphInProcess as omnigraph, tempDir, type Run } from "./harness.ts";

interface Ctx {
  dir: string;
  home: string;
  og: (...args: string[]) => Promise<Run>;
}

async function setup(t: Parameters<typeof tempDir>[0], graph = "social"): Promise<Ctx> {
  const dir = await tempDir(t, "og-verbs-");
  const home = join(dir, "home");
  const store = join(dir, "store");
  const og = (...args: string[]) => omnigraph(args.map((a) => (a === "@G" ? "" : a)).flatMap((a, i, all) => (all[i] === "" ? ["--store", store, "--graph", graph] : [a])), { home });
  return { dir, home, og };
}

const Q = example("queries.gq");

test.serial("init → load → query (formats, params file) → snapshot → export; init again is ERR_GRAPH_EXISTS", async (t) => {
  const { dir, og } = await setup(t);
  const store = join(dir, "store");
  const init = await omnigraph(["init", "--schema", example("schema.pg"), "--graph", "social", store, "--json"], { home: join(dir, "home") });
  t.is(init.code, 0, init.stderr);
  t.like(jsonOf(init), { applied: true, supported: true });
  t.regex(init.stderr, /omnigraph init → fs:\/\/.*\/graphs\/social \(direct, local\)/);

  const again = await omnigraph(["init", "--schema", example("schema.pg"), "--graph", "social", store], { home: join(dir, "home") });
  t.is(again.code, 2);
  t.is(errorCodeOf(again), "ERR_GRAPH_EXISTS");

  const load = await og("load", "--data", example("data.ndjson"), "--mode", "merge", "@G", "--json");
  t.is(load.code, 0, load.stderr);
  const loaded = jsonOf<{ total_entities: number; commit: { graph_commit_id: string }; branch: string }>(load);
  t.is(loaded.total_entities, 12);
  t.is(loaded.branch, "main");
  t.truthy(loaded.commit.graph_commit_id);

  const q = await og("query", "friends_of", "--query", Q, "--params-file", example("alice.params.json"), "@G", "--json");
  t.is(q.code, 0, q.stderr);
  const read = jsonOf<{ rows: Record<string, unknown>[]; graph_commit_id: string; row_count: number }>(q);
  t.deepEqual(read.rows, [{ "f.name": "Bob", "f.city": "Berlin" }, { "f.name": "Chloe", "f.city": "Lisbon" }]);
  t.is(read.graph_commit_id, loaded.commit.graph_commit_id);

  const csv = await og("query", "friends_of", "--query", Q, "--params", '{"name":"Alice"}', "@G", "--format", "csv");
  t.is(csv.stdout, "f.name,f.city\nBob,Berlin\nChloe,Lisbon\n");
  const table = await og("query", "people", "--query", Q, "@G");
  t.regex(table.stdout.split("\n")[0]!, /^p\.name\s+p\.age\s+p\.city$/);
  t.is(table.stdout.trimEnd().split("\n").length, 2 + 4);
  // --params wins over --params-file per key
  const both = await og("query", "friends_of", "--query", Q, "--params-file", example("alice.params.json"), "--params", '{"name":"Bob"}', "@G", "--format", "jsonl");
  t.is(both.stdout.trimEnd().split("\n").length, 2);
  t.deepEqual(JSON.parse(both.stdout.trimEnd().split("\n")[1]!), { "f.name": "Dev", "f.city": "Pune" });

  // the deprecated names still work, with a warning on stderr
  const legacy = await og("read", "people", "--query", Q, "@G", "--json");
  t.is(legacy.code, 0, legacy.stderr);
  t.is(jsonOf<{ row_count: number }>(legacy).row_count, 4);
  t.regex(legacy.stderr, /deprecated/);

  const snap = await og("snapshot", "@G", "--json");
  t.is(snap.code, 0, snap.stderr);
  const datasets = jsonOf<{ datasets: { type_name: string; entity_count: number }[] }>(snap).datasets;
  t.deepEqual(Object.fromEntries(datasets.map((d) => [d.type_name, d.entity_count])), { Company: 2, Person: 4, Knows: 3, WorksAt: 3 });

  const exp = await og("export", "@G", "--type", "Company", "--type", "WorksAt");
  t.is(exp.code, 0, exp.stderr);
  const lines = exp.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { type?: string; edge?: string });
  t.is(lines.length, 5);
  t.deepEqual([...new Set(lines.map((l) => l.type ?? l.edge))], ["Company", "WorksAt"]);
  const bad = await og("export", "@G", "--type", "Nope");
  t.is(bad.code, 2);
  t.is(errorCodeOf(bad), "ERR_UNKNOWN_TYPE");
});

test.serial("query and load refusals are typed and exit 2", async (t) => {
  const { dir, og } = await setup(t);
  const missing = await og("query", "people", "--query", Q, "@G");
  t.is(missing.code, 2);
  t.is(errorCodeOf(missing), "ERR_GRAPH_NOT_FOUND");
  await omnigraph(["init", "--schema", example("schema.pg"), "--graph", "social", join(dir, "store"), "--quiet"], { home: join(dir, "home") });

  const cases: [string[], string][] = [
    [["query", "--query", Q, "@G"], "ERR_QUERY_NAME_REQUIRED"],
    [["query", "people", "@G"], "ERR_USAGE"],
    [["query", "nope", "--query", Q, "@G"], "ERR_QUERY_NOT_FOUND"],
    [["query", "add_friend", "--query", Q, "@G", "--params", '{"name":"x","age":1,"friend_of":"y"}'], "ERR_MUTATION_IN_READ"],
    [["query", "-e", "query q( { }", "@G"], "ERR_PARSE"],
    [["query", "friends_of", "--query", Q, "@G", "--params", "{not json"], "ERR_USAGE"],
    [["query", "friends_of", "--query", Q, "@G", "--params", "[1]"], "ERR_USAGE"],
    [["query", "friends_of", "--query", Q, "@G", "--params-file", join(dir, "none.json")], "ERR_INPUT_FILE"],
    [["query", "friends_of", "--query", Q, "@G", "--params", '{"name": 7}'], "ERR_PARAM"],
    [["query", "people", "--query", Q, "@G", "--branch", "main", "--snapshot", "01ABC"], "ERR_USAGE"],
    [["query", "people", "--query", Q, "@G", "--json", "--format", "csv"], "ERR_USAGE"],
    [["query", "people", "--query", Q, "http://127.0.0.1:8080"], "ERR_USAGE"],
    [["load", "http://127.0.0.1:8080", "--data", example("data.ndjson"), "--mode", "merge"], "ERR_TARGET"],
    [["load", "--data", example("data.ndjson"), "--mode", "merge", "@G", "--branch", "nope"], "ERR_BRANCH_NOT_FOUND"],
    [["load", "--data", join(dir, "none.ndjson"), "--mode", "merge", "@G"], "ERR_INPUT_FILE"],
    [["mutate", "people", "--query", Q, "@G"], "ERR_READ_IN_MUTATION"],
  ];
  for (const [args, code] of cases) {
    const r = await og(...args);
    t.is(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    t.is(errorCodeOf(r), code, `${args.join(" ")}: ${r.stderr}`);
  }
  // commander refusals: a missing required flag, a bad choice
  t.is((await og("load", "--data", example("data.ndjson"), "@G")).code, 2);
  t.is((await og("load", "--data", example("data.ndjson"), "--mode", "upsert", "@G")).code, 2);

  await writeFile(join(dir, "bad.ndjson"), '{"type":"Person","data":{"name":"A"}}\n{"type":"Robot","data":{}}\n');
  const ndjson = await og("load", "--data", join(dir, "bad.ndjson"), "--mode", "merge", "@G", "--json");
  t.is(ndjson.code, 2);
  t.is(errorCodeOf(ndjson), "ERR_NDJSON");
  t.like(jsonOf<{ error: { location: unknown } }>(ndjson).error.location, { line: 2 });
  // nothing was committed by the failed batch
  const snap = jsonOf<{ datasets: unknown[] }>(await og("snapshot", "@G", "--json"));
  t.deepEqual(snap.datasets, []);
});

test.serial("branch create → mutate on it → merge; --if-commit lost race exits 4; branch and commit errors", async (t) => {
  const { dir, og } = await setup(t);
  await omnigraph(["init", "--schema", example("schema.pg"), "--graph", "social", join(dir, "store"), "--quiet"], { home: join(dir, "home") });
  const load = jsonOf<{ commit: { graph_commit_id: string } }>(await og("load", "--data", example("data.ndjson"), "--mode", "merge", "@G", "--json", "--quiet"));
  const base = load.commit.graph_commit_id;

  const create = await og("branch", "create", "add-eve", "@G", "--json");
  t.is(create.code, 0, create.stderr);
  t.like(jsonOf(create), { name: "add-eve", from: "main" });
  t.is(errorCodeOf(await og("branch", "create", "add-eve", "@G")), "ERR_BRANCH_EXISTS");
  t.is(errorCodeOf(await og("branch", "create", "main", "@G")), "ERR_BRANCH_INVALID");

  const mutate = await og("mutate", "add_friend", "--query", Q, "--params-file", example("eve.params.json"), "--branch", "add-eve", "@G", "--as", "alice", "--json");
  t.is(mutate.code, 0, mutate.stderr);
  t.like(jsonOf(mutate), { branch: "add-eve", affected_nodes: 1, affected_edges: 1, actor_id: "alice" });
  t.false(mutate.stderr.includes("→"), "mutate does not echo its target");

  // --if-commit: main's head is still `base` → the write lands; a second one with the same id loses.
  const ok = await og("mutate", "move_to", "--query", Q, "--params", '{"name":"Bob","city":"Paris"}', "--if-commit", base, "@G", "--json");
  t.is(ok.code, 0, ok.stderr);
  const lost = await og("mutate", "move_to", "--query", Q, "--params", '{"name":"Bob","city":"Rome"}', "--if-commit", base, "@G", "--json");
  t.is(lost.code, 4, lost.stderr);
  t.is(errorCodeOf(lost), "ERR_GRAPH_COMMIT_PRECONDITION");
  t.like(jsonOf<{ error: { detail: unknown } }>(lost).error.detail, { expected: base });

  const list = jsonOf<{ branches: string[] }>(await og("branch", "list", "@G", "--json"));
  t.deepEqual(list.branches, ["add-eve", "main"]);

  const merge = await og("branch", "merge", "add-eve", "--into", "main", "--delete-branch", "@G", "--json");
  t.is(merge.code, 0, merge.stderr);
  t.like(jsonOf(merge), { source: "add-eve", target: "main", outcome: "merged", branch_deleted: true });
  t.regex(merge.stderr, /omnigraph branch merge → /);
  const after = jsonOf<{ rows: unknown[] }>(await og("query", "friends_of", "--query", Q, "--params-file", example("alice.params.json"), "@G", "--json"));
  t.is(after.rows.length, 3);

  const commits = jsonOf<{ commits: { graph_commit_id: string; merged_parent_commit_id: string | null }[] }>(await og("commit", "list", "@G", "--json"));
  t.truthy(commits.commits[0]!.merged_parent_commit_id, "newest first: the merge commit");
  const show = await og("commit", "show", commits.commits[0]!.graph_commit_id, "@G", "--json");
  t.is(show.code, 0, show.stderr);
  t.is(jsonOf<{ graph_commit_id: string }>(show).graph_commit_id, commits.commits[0]!.graph_commit_id);
  t.is(errorCodeOf(await og("commit", "show", "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "@G")), "ERR_COMMIT_NOT_FOUND");

  // a conflicting merge fails (1) and leaves the target unchanged
  await og("branch", "create", "a", "@G", "--quiet");
  await og("branch", "create", "b", "@G", "--quiet");
  await og("mutate", "move_to", "--query", Q, "--params", '{"name":"Dev","city":"Oslo"}', "--branch", "a", "@G");
  await og("mutate", "move_to", "--query", Q, "--params", '{"name":"Dev","city":"Kyiv"}', "--branch", "b", "@G");
  t.is((await og("branch", "merge", "a", "@G", "--quiet")).code, 0);
  const conflict = await og("branch", "merge", "b", "@G", "--json", "--quiet");
  t.is(conflict.code, 1, conflict.stderr);
  t.is(errorCodeOf(conflict), "ERR_MERGE_CONFLICT");

  // merged, but the source cannot be deleted (a branch was forked from it): partial, exit 3
  await og("branch", "create", "c", "@G", "--quiet");
  await og("branch", "create", "c-child", "--from", "c", "@G", "--quiet");
  await og("mutate", "move_to", "--query", Q, "--params", '{"name":"Alice","city":"Porto"}', "--branch", "c", "@G");
  const partial = await og("branch", "merge", "c", "--delete-branch", "@G", "--json", "--quiet");
  t.is(partial.code, 3, partial.stderr);
  t.like(jsonOf(partial), { source: "c", branch_deleted: false });

  const del = await og("branch", "delete", "b", "@G", "--json");
  t.is(del.code, 0, del.stderr);
  t.is(errorCodeOf(await og("branch", "delete", "b", "@G")), "ERR_BRANCH_NOT_FOUND");
  t.is(errorCodeOf(await og("branch", "delete", "main", "@G")), "ERR_BRANCH_INVALID");
  t.is((await og("branch", "@G")).code, 2, "a missing sub-verb is a usage error");
});

test.serial("schema show/plan/apply, lint, optimize, cleanup, version, graphs list refusals", async (t) => {
  const { dir, og } = await setup(t);
  await omnigraph(["init", "--schema", example("schema.pg"), "--graph", "social", join(dir, "store"), "--quiet"], { home: join(dir, "home") });
  await og("load", "--data", example("data.ndjson"), "--mode", "merge", "@G", "--quiet");

  const show = jsonOf<{ schema_source: string }>(await og("schema", "show", "@G", "--json"));
  t.regex(show.schema_source, /node Person/);
  const next = join(dir, "next.pg");
  await writeFile(next, `${show.schema_source}\nnode Team { name: String @key }\n`);
  const plan = await og("schema", "plan", "--schema", next, "@G", "--json");
  t.is(plan.code, 0, plan.stderr);
  t.like(jsonOf(plan), { supported: true, step_count: 1 });
  t.is(errorCodeOf(await og("schema", "plan", "--schema", next, "--server", "http://127.0.0.1:9", "--graph", "social")), "ERR_TARGET");
  const apply = await og("schema", "apply", "--schema", next, "@G", "--json");
  t.is(apply.code, 0, apply.stderr);
  t.like(jsonOf(apply), { applied: true, step_count: 1 });
  await writeFile(join(dir, "broken.pg"), "node Person { name: Strin @key }\n");
  t.is((await og("schema", "apply", "--schema", join(dir, "broken.pg"), "@G")).code, 2);

  const lint = await og("lint", example("schema.pg"), Q, "--json");
  t.is(lint.code, 0, lint.stderr);
  t.is(jsonOf<{ files: unknown[] }>(lint).files.length, 2);
  await writeFile(join(dir, "bad.gq"), "query q() { match { $p: Robot } return { $p.name } }\n");
  const badLint = await og("check", "--schema", example("schema.pg"), "--query", join(dir, "bad.gq"));
  t.is(badLint.code, 2);
  t.regex(badLint.stdout, /bad\.gq:1:\d+: ERR_TYPE/);
  const graphBacked = await og("lint", "--query", Q, "@G", "--json");
  t.is(graphBacked.code, 0, graphBacked.stderr);

  const optimize = await og("optimize", "@G", "--json");
  t.is(optimize.code, 0, optimize.stderr);
  t.is(jsonOf<{ datasets: unknown[] }>(optimize).datasets.length, 4);

  const preview = await og("cleanup", "@G", "--older-than", "7d", "--json");
  t.is(preview.code, 0, preview.stderr);
  t.like(jsonOf(preview), { confirmed: false, older_than_seconds: 604800 });
  const clean = await og("cleanup", "@G", "--older-than", "0s", "--keep", "2", "--confirm", "--json");
  t.is(clean.code, 0, clean.stderr);
  t.like(jsonOf(clean), { confirmed: true });
  t.is(errorCodeOf(await og("cleanup", "@G", "--older-than", "a week")), "ERR_USAGE");
  // the graph still reads after cleanup
  t.is(jsonOf<{ row_count: number }>(await og("query", "people", "--query", Q, "@G", "--json")).row_count, 4);

  const version = await og("version", "--json");
  t.is(version.code, 0);
  t.like(jsonOf(version), { internal_schema_version: 1 });
  t.is(errorCodeOf(await og("graphs", "list", "@G")), "ERR_USAGE");
});

test.serial("destructive writes on a non-local target need --yes; unreachable and silent servers exit 1 and 5", async (t) => {
  const { og } = await setup(t);
  const del = await og("branch", "delete", "x", "--server", "http://127.0.0.1:9", "--graph", "g");
  t.is(del.code, 2);
  t.is(errorCodeOf(del), "ERR_CONFIRMATION_REQUIRED");
  const overwrite = await og("load", "--data", example("data.ndjson"), "--mode", "overwrite", "--server", "http://127.0.0.1:9", "--graph", "g");
  t.is(errorCodeOf(overwrite), "ERR_CONFIRMATION_REQUIRED");
  const cleanup = await og("cleanup", "--store", "s3://bucket/prefix?region=us-east-1", "--confirm");
  t.is(errorCodeOf(cleanup), "ERR_CONFIRMATION_REQUIRED");

  const unreachable = await og("branch", "delete", "x", "--server", "http://127.0.0.1:9", "--graph", "g", "--yes");
  t.is(unreachable.code, 1, unreachable.stderr);
  t.is(errorCodeOf(unreachable), "ERR_SERVER_UNREACHABLE");

  // A socket that accepts and never answers: the request deadline fires.
  const { createServer } = await import("node:net");
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t.teardown(() => silent.close());
  const port = (silent.address() as { port: number }).port;
  const timeout = await og("branch", "list", "--server", `http://127.0.0.1:${port}`, "--graph", "g", "--timeout", "1s");
  t.is(timeout.code, 5, timeout.stderr);
  t.is(errorCodeOf(timeout), "ERR_TIMEOUT");
});
