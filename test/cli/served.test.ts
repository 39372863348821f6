/**
 * Served mode against a real `omnigraph serve --bind 127.0.0.1:0` process (the
 * `npm start` setup in a temp directory: ./.data, development token and policy): each
 * verb over HTTP, the token chain reaching the server, and typed errors rebuilt from
 * the server's error bodies giving the same exit codes as direct mode. The CLI runs
 * in-process (serial) to keep the suite quick; the server is a real process.
 */
import test from "ava";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, errorCodeOf, example, jsonOf, omnigraphInProcess as og, startServe } from "./harness.ts";

interface Served {
  dir: string;
  home: string;
  url: string;
  token: string;
}

let served: Promise<Served> | undefined;
const cleanups: (() => unknown)[] = [];
test.after.always(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One server for the file, started by the first test that needs it, stopped after all. */
function server(_t: unknown): Promise<Served> {
  served ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "og-served-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const home = join(dir, "home");
    const url = await startServe((stop) => cleanups.push(stop), dir, cleanEnv(home));
    const token = (await readFile(join(dir, ".data", "dev-token"), "utf8")).trim();
    const init = await og(["init", "--schema", example("schema.pg"), "--graph", "social", join(dir, ".data"), "--quiet"], { home });
    if (init.code !== 0) throw new Error(init.stderr);
    return { dir, home, url, token };
  })();
  return served;
}

const Q = example("queries.gq");

test.serial("served verbs: load, query, snapshot, branch, mutate, merge, commits, schema, export, graphs list, version", async (t) => {
  t.timeout(180_000);
  const s = await server(t);
  const env = { OMNIGRAPH_BEARER_TOKEN: s.token };
  const G = ["--server", s.url, "--graph", "social"];
  const run = (...args: string[]) => og(args, { home: s.home, env });

  const load = await run("load", "--data", example("data.ndjson"), "--mode", "merge", ...G, "--json");
  t.is(load.code, 0, load.stderr);
  t.like(jsonOf(load), { total_entities: 12, branch: "main", actor_id: "dev" });
  t.regex(load.stderr, /omnigraph load → http:\/\/127\.0\.0\.1:\d+\/graphs\/social \(served\)/);

  const q = jsonOf<{ rows: unknown[]; graph_commit_id: string }>(await run("query", "friends_of", "--query", Q, "--params-file", example("alice.params.json"), ...G, "--json"));
  t.deepEqual(q.rows, [{ "f.name": "Bob", "f.city": "Berlin" }, { "f.name": "Chloe", "f.city": "Lisbon" }]);
  const snap = jsonOf<{ datasets: unknown[] }>(await run("snapshot", ...G, "--json"));
  t.is(snap.datasets.length, 4);

  t.is((await run("branch", "create", "feature", ...G)).code, 0);
  t.is(errorCodeOf(await run("branch", "create", "feature", ...G, "--json")), "ERR_BRANCH_EXISTS");
  t.deepEqual(jsonOf<{ branches: string[] }>(await run("branch", "list", ...G, "--json")).branches, ["feature", "main"]);
  const m = await run("mutate", "add_friend", "--query", Q, "--params-file", example("eve.params.json"), "--branch", "feature", ...G, "--json");
  t.is(m.code, 0, m.stderr);
  t.like(jsonOf(m), { branch: "feature", affected_nodes: 1, affected_edges: 1, actor_id: "dev" });

  // the lost --if-commit race exits 4, as in direct mode
  const ok = await run("mutate", "move_to", "--query", Q, "--params", '{"name":"Bob","city":"Paris"}', "--if-commit", q.graph_commit_id, ...G);
  t.is(ok.code, 0, ok.stderr);
  const lost = await run("mutate", "move_to", "--query", Q, "--params", '{"name":"Bob","city":"Rome"}', "--if-commit", q.graph_commit_id, ...G, "--json");
  t.is(lost.code, 4, lost.stderr);
  t.is(errorCodeOf(lost), "ERR_GRAPH_COMMIT_PRECONDITION");

  const merge = await run("branch", "merge", "feature", "--into", "main", "--delete-branch", ...G, "--json");
  t.is(merge.code, 0, merge.stderr);
  t.like(jsonOf(merge), { outcome: "merged", branch_deleted: true });

  const commits = jsonOf<{ commits: { graph_commit_id: string }[] }>(await run("commit", "list", ...G, "--json")).commits;
  t.true(commits.length >= 4);
  t.like(jsonOf(await run("commit", "show", commits[0]!.graph_commit_id, ...G, "--json")), { graph_commit_id: commits[0]!.graph_commit_id });
  t.is(errorCodeOf(await run("commit", "show", "01ZZZZZZZZZZZZZZZZZZZZZZZZ", ...G, "--json")), "ERR_COMMIT_NOT_FOUND");

  const schema = jsonOf<{ schema_source: string }>(await run("schema", "show", ...G, "--json"));
  await writeFile(join(s.dir, "next.pg"), `${schema.schema_source}\nnode Team { name: String @key }\n`);
  t.like(jsonOf(await run("schema", "apply", "--schema", join(s.dir, "next.pg"), ...G, "--json")), { applied: true, step_count: 1 });

  const exp = await run("export", "--type", "Person", ...G);
  t.is(exp.code, 0, exp.stderr);
  t.deepEqual(exp.stdout.trimEnd().split("\n").map((l) => (JSON.parse(l) as { data: { name: string } }).data.name), ["Alice", "Bob", "Chloe", "Dev", "Eve"]);
  t.is(errorCodeOf(await run("export", "--snapshot", commits[0]!.graph_commit_id, ...G)), "ERR_USAGE");

  const graphs = await run("graphs", "list", "--server", s.url, "--json");
  t.is(graphs.code, 0, graphs.stderr);
  t.deepEqual(jsonOf<{ graphs: { graph_id: string }[] }>(graphs).graphs.map((g) => g.graph_id), ["social"]);
  const version = await run("version", "--server", s.url, "--json");
  t.is(version.code, 0, version.stderr);
  t.like(jsonOf<{ server: unknown }>(version).server, { status: "ok" });
});

test.serial("served errors keep their typed codes and exit codes", async (t) => {
  t.timeout(120_000);
  const s = await server(t);
  const env = { OMNIGRAPH_BEARER_TOKEN: s.token };
  const G = ["--server", s.url, "--graph", "social"];
  const run = (...args: string[]) => og(args, { home: s.home, env });
  const cases: [string[], string, number][] = [
    [["query", "add_friend", "--query", Q, "--params-file", example("eve.params.json"), ...G], "ERR_MUTATION_IN_READ", 2],
    [["query", "-e", "query q( {", ...G], "ERR_PARSE", 2],
    [["query", "people", "--query", Q, "--server", s.url, "--graph", "nosuch"], "ERR_GRAPH_NOT_FOUND", 2],
    [["load", "--data", example("data.ndjson"), "--mode", "merge", "--branch", "nope", ...G], "ERR_BRANCH_NOT_FOUND", 2],
    [["branch", "delete", "nope", ...G, "--yes"], "ERR_BRANCH_NOT_FOUND", 2],
    [["branch", "merge", "nope", ...G], "ERR_BRANCH_NOT_FOUND", 2],
    // the server takes the actor from the token; --as is refused rather than ignored
    [["mutate", "move_to", "--query", Q, "--params", '{"name":"Bob","city":"Rome"}', "--as", "mallory", ...G], "ERR_USAGE", 2],
    [["optimize", ...G], "ERR_TARGET", 2],
  ];
  for (const [args, code, exit] of cases) {
    const r = await run(...args, "--json");
    t.is(errorCodeOf(r), code, `${args.join(" ")}: ${r.stderr}`);
    t.is(r.code, exit, args.join(" "));
  }
  const noToken = await og(["query", "people", "--query", Q, ...G, "--json"], { home: s.home });
  t.is(noToken.code, 2);
  t.is(errorCodeOf(noToken), "ERR_UNAUTHENTICATED");
});

test.serial("the token chain reaches the server: a keyed credentials-file token for a named server, never for another URL", async (t) => {
  t.timeout(120_000);
  const s = await server(t);
  const home = join(s.dir, "home-keyed");
  await mkdir(home, { recursive: true });
  await writeFile(join(home, "config.yaml"), `servers:\n  local: { url: "${s.url}" }\ndefaults: { server: local, default_graph: social }\n`);
  await writeFile(join(home, "credentials"), `[local]\ntoken = ${s.token}\n`);
  await chmod(join(home, "credentials"), 0o600);
  // no address flags at all: defaults.server + default_graph, token from the credentials file
  const viaDefaults = await og(["query", "people", "--query", Q, "--json"], { home, env: { OMNIGRAPH_BEARER_TOKEN: "wrong" } });
  t.is(viaDefaults.code, 0, viaDefaults.stderr);
  // OMNIGRAPH_TOKEN_LOCAL beats the file
  const envWins = await og(["query", "people", "--query", Q, "--server", "local", "--json"], { home, env: { OMNIGRAPH_TOKEN_LOCAL: "wrong" } });
  t.is(errorCodeOf(envWins), "ERR_TOKEN_INVALID");
  // a URL that matches no named server gets only OMNIGRAPH_BEARER_TOKEN (here: none),
  // even when the credentials file holds the right token for another server
  const elsewhere = join(s.dir, "home-elsewhere");
  await mkdir(elsewhere, { recursive: true });
  await writeFile(join(elsewhere, "config.yaml"), `servers:\n  other: { url: "http://127.0.0.1:1" }\n`);
  await writeFile(join(elsewhere, "credentials"), `[other]\ntoken = ${s.token}\n`);
  await chmod(join(elsewhere, "credentials"), 0o600);
  const unkeyed = await og(["query", "people", "--query", Q, "--server", s.url, "--graph", "social", "--json"], { home: elsewhere });
  t.is(errorCodeOf(unkeyed), "ERR_UNAUTHENTICATED");
  await chmod(join(home, "credentials"), 0o644);
  const insecure = await og(["query", "people", "--query", Q, "--json"], { home });
  t.is(errorCodeOf(insecure), "ERR_CREDENTIALS_INSECURE");
  t.is(insecure.code, 2);
});
