/**
 * Smoke test of the built image, run from its unpacked root filesystem with the
 * image's own Node (test/support/oci-image.ts explains the runner: no container
 * engine runs here, so unshare + chroot play the runtime, with a read-only root,
 * the declared volumes, the image's user/env/workdir and tini as PID 1).
 */
import anyTest, { type TestFn } from "ava";
import { existsSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerInitPid, execInImage, missingImageTools, readImageBuild, runInImage, type UnpackedImage, unpackImage } from "../support/oci-image.ts";

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
  for (const absent of ["node_modules/typescript", "node_modules/ava", "node_modules/fast-check", "node_modules/autocannon", "node_modules/s3rver", "node_modules/@types/koa", "tsconfig.json", "test"]) {
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
