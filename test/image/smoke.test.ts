/**
 * Smoke test of the built image, run from its unpacked root filesystem with the
 * image's own Node (test/support/oci-image.ts explains the runner: no container
 * engine runs here, so unshare + chroot play the runtime, with a read-only root,
 * the declared volumes, the image's user/env/workdir and tini as PID 1).
 */
import anyTest, { type TestFn } from "ava";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, containerInitPid, execInImage, missingImageTools, readImageBuild, runInImage, type UnpackedImage, unpackImage } from "../support/oci-image.ts";

const test = anyTest as TestFn<{ img: UnpackedImage; work: string }>;

test.before(async (t) => {
  const missing = await missingImageTools();
  if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}: run image/tools.sh install (npm run test:image does)`);
  if (process.getuid?.() !== 0) throw new Error("the image smoke test needs root (umoci unpack, unshare, chroot)");
  const work = await mkdtemp(join(tmpdir(), "og-image-smoke-"));
  t.context = { work, img: await unpackImage(readImageBuild(), work) };
});

test.after.always(async (t) => {
  if (t.context.work) await rm(t.context.work, { recursive: true, force: true });
});

/** A fresh data volume owned by the image's user, as a volume with fsGroup would be. */
async function dataVolume(t: { context: { work: string } }): Promise<string> {
  const dir = await mkdtemp(join(t.context.work, "data-"));
  await chown(dir, 10001, 10001);
  return dir;
}

test("the image runs its own Node 20 as the non-root omnigraph user", async (t) => {
  const build = readImageBuild();
  const r = await execInImage(t.context.img, {
    dataDir: await dataVolume(t),
    entrypoint: ["node", "-p", "JSON.stringify({v: process.version, uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), user: require('os').userInfo().username})"],
  });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { v: build.node_version, uid: 10001, gid: 10001, cwd: "/var/lib/omnigraph", user: "omnigraph" });
});

test("no TypeScript compiler or test tool is inside; tsx, the sources and the policy bundle are", (t) => {
  const app = join(t.context.img.rootfs, "opt/omnigraph");
  for (const absent of ["node_modules/typescript", "node_modules/ava", "node_modules/fast-check", "node_modules/autocannon", "node_modules/s3rver", "node_modules/@types/koa", "node_modules/onnxruntime-node", "node_modules/@huggingface/transformers", "tsconfig.json", "test"]) {
    t.false(existsSync(join(app, absent)), `${absent} should not be in the image`);
  }
  for (const present of ["node_modules/tsx", "node_modules/@lancedb/lancedb", "bin/omnigraph.js", "server/cli/main.ts", "policies", "image/healthcheck.mjs"]) {
    t.true(existsSync(join(app, present)), `${present} should be in the image`);
  }
  t.false(existsSync(join(t.context.img.rootfs, "usr/local/lib/node_modules/npm")), "npm is a build-stage tool");
});

test("the root filesystem can be read-only: only the declared volumes are written", async (t) => {
  const script = `
    const fs = require("fs");
    const tryWrite = (p) => { try { fs.writeFileSync(p, "x"); return "ok"; } catch (e) { return e.code; } };
    console.log(JSON.stringify({ app: tryWrite("/opt/omnigraph/x"), etc: tryWrite("/etc/x"), data: tryWrite("/var/lib/omnigraph/x"), tmp: tryWrite("/tmp/x") }));`;
  const r = await execInImage(t.context.img, { dataDir: await dataVolume(t), entrypoint: ["node", "-e", script] });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { app: "EROFS", etc: "EROFS", data: "ok", tmp: "ok" });
});

test("omnigraph doctor passes on the fs driver in the data volume (the CLI through tsx, read-only root)", async (t) => {
  const r = await execInImage(t.context.img, { dataDir: await dataVolume(t), cmd: ["doctor", "--store", "fs:///var/lib/omnigraph/data", "--json"] });
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; missing: string[] };
  t.true(report.ok);
  t.deepEqual(report.missing, []);
});

test("an unknown command exits 2 through tini (exit codes pass through PID 1)", async (t) => {
  const r = await execInImage(t.context.img, { dataDir: await dataVolume(t), cmd: ["no-such-command"] });
  t.is(r.code, 2, r.stderr);
});

test("tini is PID 1 and forwards SIGTERM, so the process drains and its exit code comes out", async (t) => {
  // A stand-in for a draining server: it reports its place in the PID namespace,
  // then on SIGTERM finishes "in-flight work" for 300 ms and exits 0.
  const script = `
    const fs = require("fs");
    process.on("SIGTERM", () => { console.log("draining"); setTimeout(() => { console.log("drained"); process.exit(0); }, 300); });
    console.log(JSON.stringify({ pid: process.pid, ppid: process.ppid, init: fs.readFileSync("/proc/1/comm", "utf8").trim() }));
    setInterval(() => {}, 1000);`;
  const child = runInImage(t.context.img, { dataDir: await dataVolume(t), entrypoint: ["/usr/bin/tini", "--", "node", "-e", script] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const firstLine = new Promise<string>((resolve) => {
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("\n")) resolve(stdout.split("\n")[0] ?? "");
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const info = JSON.parse(await firstLine) as { pid: number; ppid: number; init: string };
  // The process is tini's child in a fresh PID namespace; tini is PID 1.
  t.deepEqual({ ppid: info.ppid, init: info.init }, { ppid: 1, init: "tini" });
  t.not(info.pid, 1);
  process.kill(await containerInitPid(child), "SIGTERM");
  t.is(await exited, 0, stderr);
  t.regex(stdout, /draining\ndrained\n/);
});

interface ServedInImage {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the image's ENTRYPOINT with `cmd` and waits for OMNIGRAPH_LISTEN_ADDR on stdout. */
async function serveInImage(t: { context: { img: UnpackedImage }; teardown: (fn: () => void) => void }, dataDir: string, cmd: string[]): Promise<ServedInImage> {
  const child = runInImage(t.context.img, { dataDir, cmd });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const addr = await new Promise<string>((resolve, reject) => {
    // Generous: tsx transpiles the whole server on a cold /tmp, on a shared machine.
    const timer = setTimeout(() => reject(new Error(`no OMNIGRAPH_LISTEN_ADDR in 150 s\n${err}`)), 150_000);
    child.stdout?.on("data", () => {
      const m = /OMNIGRAPH_LISTEN_ADDR=(\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}\n${err}`));
    });
  });
  return { url: `http://${addr}`, child, stdout: () => out, stderr: () => err, exited };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

test("omnigraph serve in the image: fs store in the data volume, /healthz, a graph loaded and queried, SIGTERM drains to exit 0", async (t) => {
  const data = await dataVolume(t);
  // The server config and schema arrive in the data volume, as a mounted ConfigMap would.
  await writeFile(join(data, "server.yaml"), "version: 1\ngraphs:\n  social: { schema: ./social.pg }\n");
  await writeFile(join(data, "social.pg"), readFileSync(join(REPO_ROOT, "test/contract/fixtures/test.pg")));
  const s = await serveInImage(t, data, ["serve", "--bind", "127.0.0.1:0", "--config", "/var/lib/omnigraph/server.yaml", "--unauthenticated"]);

  const health = await fetch(`${s.url}/healthz`);
  t.is(health.status, 200);
  t.is(((await health.json()) as { status: string }).status, "ok");
  let ready = 0;
  for (let i = 0; i < 300 && ready !== 200; i++) {
    ready = (await fetch(`${s.url}/readyz`)).status;
    if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  t.is(ready, 200);

  const load = await postJson(`${s.url}/graphs/social/load`, { data: readFileSync(join(REPO_ROOT, "test/contract/fixtures/test.jsonl"), "utf8"), mode: "merge" });
  t.is(load.status, 200, JSON.stringify(load.json));
  const q = await postJson(`${s.url}/graphs/social/query`, { query: "query q() { match { $p: Person } return { $p.name } order { $p.name asc } }" });
  t.is(q.status, 200, JSON.stringify(q.json));
  const out = q.json as { row_count: number; rows: Record<string, string>[] };
  t.is(out.row_count, 4);
  t.deepEqual(out.rows.map((r) => r["p.name"]), ["Alice", "Bob", "Charlie", "Diana"]);
  // The graph lives in the volume (the image's default store), not in the read-only root.
  t.true(existsSync(join(data, "data", "graphs", "social")));

  process.kill(await containerInitPid(s.child), "SIGTERM");
  t.is(await s.exited, 0, s.stderr());
  t.regex(s.stderr(), /"msg":"draining"/);
});

test("the image's default command with no auth configured refuses to boot (exit 2, ERR_CONFIG_INVALID); never the development token", async (t) => {
  // OmniGraph's image exits 64 when it has no boot source; ours exits 2 (bad config)
  // and names the fix. Without the image's OMNIGRAPH_STORE it would serve an
  // allow-all development token on 0.0.0.0 (the `npm start` path).
  const r = await execInImage(t.context.img, { dataDir: await dataVolume(t) });
  t.is(r.code, 2, r.stderr);
  t.true(r.stderr.includes("ERR_CONFIG_INVALID"), r.stderr);
  t.false(r.stderr.includes("development token"), r.stderr);
  t.is(r.stdout, "");
});

test("the HEALTHCHECK probe script answers 0 against a serving image and 1 when nothing listens", async (t) => {
  const data = await dataVolume(t);
  const s = await serveInImage(t, data, ["serve", "--bind", "127.0.0.1:0", "--unauthenticated"]);
  const port = new URL(s.url).port;
  const probe = (bind: string) => execInImage(t.context.img, { dataDir: data, entrypoint: ["node", "/opt/omnigraph/image/healthcheck.mjs"], env: { OMNIGRAPH_BIND: bind } });
  t.is((await probe(`0.0.0.0:${port}`)).code, 0);
  process.kill(await containerInitPid(s.child), "SIGTERM");
  t.is(await s.exited, 0, s.stderr());
  t.is((await probe(`0.0.0.0:${port}`)).code, 1);
});
