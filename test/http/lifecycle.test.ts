/**
 * Process lifecycle on real processes: SIGTERM drains (readiness 503 `draining`, new
 * requests refused with JSON 503, an in-flight streamed export finishes, exit 0; past
 * the grace, exit non-zero); a graph whose open-time recovery fails is quarantined
 * (listed, 503 with a code); `npm start`'s development token; refusing to start open.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import test from "ava";
import { openStore } from "../../drivers/open.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import { OMNIGRAPH_BIN } from "../support/cli.ts";
import { call, codeOfReply, conforms, serve, tmpDir, writeConfig } from "./support.ts";

const PEOPLE_PG = "node Person {\n    name: String @key\n    age: I32?\n}\n";

function peopleNdjson(from: number, n: number): string {
  let s = "";
  // ~1 KiB rows: the export must outgrow the socket buffers to stay in flight while paused.
  for (let i = from; i < from + n; i++) s += `{"type":"Person","data":{"name":"person-${String(i).padStart(6, "0")}-${"x".repeat(1000)}","age":${i % 90}}}\n`;
  return s;
}

/** Starts an export and returns a handle that reads it only when told to. */
function pausedExport(url: string, graph: string): Promise<{ resume: () => Promise<string>; firstChunk: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${url}/graphs/${graph}/export`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.once("data", (d: Buffer) => {
        text += d.toString();
        res.pause();
        resolve({
          firstChunk: text,
          resume: () =>
            new Promise((done, fail) => {
              res.on("data", (x: Buffer) => (text += x.toString()));
              res.on("end", () => done(text));
              res.on("error", fail);
              res.resume();
            }),
        });
      });
    });
    req.on("error", reject);
    req.end("{}");
  });
}

async function seeded(t: import("ava").ExecutionContext, rows: number, extraArgs: string[] = []) {
  const cfg = writeConfig("graphs:\n  big: { schema: ./p.pg }\n", { "p.pg": PEOPLE_PG });
  const s = await serve(t, ["--config", cfg, "--store", `fs://${tmpDir()}`, "--unauthenticated", ...extraArgs]);
  for (let from = 0; from < rows; from += 6000) {
    const load = await call(s.url, "POST", "/graphs/big/load/ndjson", { raw: peopleNdjson(from, Math.min(6000, rows - from)), headers: { "content-type": "application/x-ndjson" } });
    t.is(load.status, 200, load.text);
  }
  return s;
}

test("SIGTERM: readiness 503 draining, new requests refused, the in-flight export completes, exit 0", async (t) => {
  const s = await seeded(t, 18000);
  const exp = await pausedExport(s.url, "big");
  t.true(exp.firstChunk.length > 0);
  s.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  const ready = await call(s.url, "GET", "/readyz");
  t.is(ready.status, 503);
  t.like(ready.json as object, { ready: false, status: "draining" });
  const refused = await call(s.url, "POST", "/graphs/big/query", { body: { query: "query q() { match { $p: Person } return { count($p) as n } }" } });
  t.is(refused.status, 503);
  t.is(codeOfReply(refused), "ERR_NOT_READY");
  conforms(t, "cluster_query", refused);
  t.is((await call(s.url, "GET", "/healthz")).status, 200, "liveness stays up while draining");
  const text = await exp.resume();
  t.is(text.trim().split("\n").length, 18000, "the in-flight export finished");
  t.is(await s.stop(), 0);
});

test("SIGTERM past the grace: exits non-zero", async (t) => {
  const s = await seeded(t, 18000, ["--shutdown-grace-seconds", "1"]);
  await pausedExport(s.url, "big"); // never resumed
  s.child.kill("SIGTERM");
  t.not(await s.stop(), 0);
});

test("a graph whose open-time recovery fails is quarantined: listed, 503 with a code, counted by /readyz", async (t) => {
  const dir = tmpDir();
  const store = openStore(`fs://${dir}`);
  const good = await Graph.open(new GraphLocation(store, "graphs/good", "good", undefined), { mode: "read-write", create: true });
  good.close();
  const broken = await Graph.open(new GraphLocation(store, "graphs/broken", "broken", undefined), { mode: "read-write", create: true });
  broken.close();
  // A malformed recovery sidecar: the sweep cannot tell what the writer did.
  await store.put("graphs/broken/__recovery/01TX.json", "{}", { contentType: "application/json" });
  const cfg = writeConfig("policy: { bundle: ./policy.yaml }\n", {
    "policy.yaml": "version: 1\ngroups: { ops: [op] }\nrules:\n  - id: ops-list\n    allow: { actors: { group: ops }, actions: [graph_list] }\n  - id: ops-read\n    allow: { actors: { group: ops }, actions: [read] }\n",
  });
  const s2 = await serve(t, ["--config", cfg, "--store", `fs://${dir}`], { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"op":"op-token"}' });
  const list = await call(s2.url, "GET", "/graphs", { token: "op-token" });
  t.is(list.status, 200, list.text);
  const body = list.json as { graphs: { graph_id: string }[]; quarantined: { graph_id: string; code: string }[] };
  t.deepEqual(body.graphs.map((g) => g.graph_id), ["good"]);
  t.deepEqual(body.quarantined.map((q) => [q.graph_id, q.code]), [["broken", "ERR_MANIFEST_CORRUPT"]]);
  conforms(t, "listGraphs", list);
  const q = await call(s2.url, "GET", "/graphs/broken/snapshot", { token: "op-token" });
  t.is(q.status, 503);
  t.is(codeOfReply(q), "ERR_GRAPH_QUARANTINED");
  conforms(t, "cluster_getSnapshot", q);
  t.is((await call(s2.url, "GET", "/graphs/good/snapshot", { token: "op-token" })).status, 200);
  t.like((await call(s2.url, "GET", "/readyz")).json as object, { quarantined_graph_count: 1 });
  t.regex((await call(s2.url, "GET", "/metrics")).text, /omnigraph_quarantined_graphs 1/);
});

test("npm start's local defaults: a development token printed once, kept under ./.data, allowed every action", async (t) => {
  const cwd = tmpDir("og-npmstart-");
  const start = () => {
    const child = spawn(process.execPath, [OMNIGRAPH_BIN, "serve", "--bind", "127.0.0.1:0", "--log-level", "warn"], {
      cwd, env: { ...process.env, OMNIGRAPH_SERVER_BEARER_TOKEN: undefined, OMNIGRAPH_UNAUTHENTICATED: undefined, OMNIGRAPH_STORE: undefined }, stdio: ["ignore", "pipe", "pipe"],
    });
    t.teardown(() => child.kill("SIGKILL"));
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    return new Promise<{ url: string; err: () => string; child: typeof child }>((resolve, reject) => {
      child.stdout.on("data", () => {
        const m = /OMNIGRAPH_LISTEN_ADDR=(\S+)/.exec(out);
        if (m) resolve({ url: `http://${m[1]}`, err: () => err, child });
      });
      child.once("exit", (c) => reject(new Error(`exited ${c}: ${err}`)));
    });
  };
  const first = await start();
  const tokenFile = join(cwd, ".data", "dev-token");
  t.true(existsSync(tokenFile));
  t.is(statSync(tokenFile).mode & 0o777, 0o600);
  const token = readFileSync(tokenFile, "utf8").trim();
  t.true(first.err().includes(token), "printed when created");
  for (let i = 0; i < 100 && (await call(first.url, "GET", "/readyz")).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  t.is((await call(first.url, "GET", "/graphs")).status, 401);
  t.is((await call(first.url, "GET", "/graphs", { token })).status, 200);
  first.child.kill("SIGKILL");
  const second = await start();
  await new Promise((r) => setTimeout(r, 200));
  t.false(second.err().includes(token), "never printed again");
  t.is(readFileSync(tokenFile, "utf8").trim(), token, "restarts keep it");
});

test("without tokens and without --unauthenticated the server refuses to start (exit 2, ERR_CONFIG_INVALID)", async (t) => {
  const child = spawn(process.execPath, [OMNIGRAPH_BIN, "serve", "--bind", "127.0.0.1:0", "--store", `fs://${tmpDir()}`], {
    env: { ...process.env, OMNIGRAPH_SERVER_BEARER_TOKEN: undefined, OMNIGRAPH_UNAUTHENTICATED: undefined }, stdio: ["ignore", "pipe", "pipe"],
  });
  t.teardown(() => child.kill("SIGKILL"));
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  t.is(code, 2);
  t.regex(err, /ERR_CONFIG_INVALID/);
  t.regex(err, /--unauthenticated/);
});
