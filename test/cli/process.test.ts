/**
 * The real `omnigraph` bin as a process: exit codes reach the shell (0, 2, 4), usage
 * errors of the entry point, and a lost `--if-commit` race exits 4 with the JSON
 * precondition body on stdout.
 */
import test from "ava";
import { join } from "node:path";
import { errorCodeOf, example, jsonOf, omnigraph, tempDir } from "./harness.ts";

test("the entry point: no command and an unknown command exit 2, --help exits 0", async (t) => {
  const home = await tempDir(t, "og-home-");
  const [none, unknown, help] = await Promise.all([omnigraph([], { home }), omnigraph(["frobnicate"], { home }), omnigraph(["--help"], { home })]);
  t.is(none.code, 2);
  t.is(unknown.code, 2);
  t.is(help.code, 0);
  for (const verb of ["init", "load", "query", "mutate", "snapshot", "export", "branch", "commit", "schema", "lint", "graphs", "optimize", "cleanup", "version", "doctor", "serve"]) {
    t.regex(help.stdout, new RegExp(`\\n  ${verb} `), verb);
  }
});

test("exit codes reach the shell: init 0, a refused query 2, a lost --if-commit race 4", async (t) => {
  const dir = await tempDir(t, "og-proc-");
  const home = join(dir, "home");
  const g = ["--store", join(dir, "store"), "--graph", "social"];
  const init = await omnigraph(["init", "--schema", example("schema.pg"), ...g], { home });
  t.is(init.code, 0, init.stderr);
  const stale = jsonOf<{ rows: unknown[]; graph_commit_id: string }>(await omnigraph(["query", "people", "--query", example("queries.gq"), ...g, "--json"], { home }));
  const load = await omnigraph(["load", "--data", example("data.ndjson"), "--mode", "merge", ...g, "--quiet"], { home });
  t.is(load.code, 0, load.stderr);
  const [refused, lost] = await Promise.all([
    omnigraph(["query", "people", "--query", example("queries.gq"), "--params", "{", ...g], { home }),
    omnigraph(["mutate", "move_to", "--query", example("queries.gq"), "--params", '{"name":"Bob","city":"Rome"}', "--if-commit", stale.graph_commit_id, ...g, "--json"], { home }),
  ]);
  t.is(refused.code, 2);
  t.is(errorCodeOf(refused), "ERR_USAGE");
  t.is(lost.code, 4, lost.stderr);
  t.is(errorCodeOf(lost), "ERR_GRAPH_COMMIT_PRECONDITION");
});

test("SIGINT cancels a command in flight: exit 6, ERR_CANCELLED", async (t) => {
  const home = await tempDir(t, "og-home-");
  const { createServer } = await import("node:net");
  const { spawn } = await import("node:child_process");
  const { OMNIGRAPH_BIN } = await import("../support/cli.ts");
  const { cleanEnv } = await import("./harness.ts");
  let connected: () => void = () => undefined;
  const reached = new Promise<void>((r) => (connected = r));
  const silent = createServer(() => connected());
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t.teardown(() => silent.close());
  const port = (silent.address() as { port: number }).port;
  const child = spawn(process.execPath, [OMNIGRAPH_BIN, "branch", "list", "--server", `http://127.0.0.1:${port}`, "--graph", "g"], { env: cleanEnv(home), stdio: ["ignore", "pipe", "pipe"] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", r));
  await reached; // the request is in flight
  child.kill("SIGINT");
  t.is(await exited, 6, stderr);
  t.regex(stderr, /ERR_CANCELLED/);
});
