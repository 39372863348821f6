import test from "ava";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isStorageError } from "../../drivers/errors.ts";
import { FsStore } from "../../drivers/fs.ts";
import { createHash } from "node:crypto";

const WORKER = fileURLToPath(new URL("../support/fs-cas-worker.ts", import.meta.url));

function runWorker(root: string, n: number, id: number): Promise<{ id: string; conflicts: number; created: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import=tsx", WORKER, root, String(n), String(id)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${id} exited ${code}`))));
  });
}

async function tempRoot(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "og-fs-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("CAS is atomic across processes: 6 processes x 20 increments lose none", async (t) => {
  const root = await tempRoot(t);
  await new FsStore(root).put("counter", "0", { ifNoneMatch: "*" });
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => runWorker(root, 20, i)));
  t.is((await new FsStore(root).get("counter")).body.toString(), "120");
  t.is(results.filter((r) => r.created).length, 1, "exactly one process wins the create-only race");
  t.log(`CAS conflicts retried across processes: ${results.reduce((a, r) => a + r.conflicts, 0)}`);
});

test("a lock left by a crashed process is broken by the next writer", async (t) => {
  const root = await tempRoot(t);
  const store = new FsStore(root);
  const { version } = await store.put("k", "v0");
  // A lock file owned by a pid that cannot be running.
  await mkdir(join(root, ".og-locks"), { recursive: true });
  const lockName = createHash("sha256").update("k").digest("hex").slice(0, 40);
  await writeFile(join(root, ".og-locks", lockName), `${hostname()} 999999999 deadbeef`);
  await store.put("k", "v1", { ifMatch: version });
  t.is((await store.get("k")).body.toString(), "v1");
});

test("keys cannot escape the root, by '..' or through a symlink planted in the store", async (t) => {
  const root = await tempRoot(t);
  const store = new FsStore(root);
  for (const key of ["../outside", "a/../../x", ".og-tmp/x", ".og-locks/x"]) {
    const err = await t.throwsAsync(store.put(key, "x"));
    t.true(isStorageError(err, "ERR_INVALID_KEY"), `${key}: ${String(err)}`);
  }
  const outside = await tempRoot(t);
  await symlink(outside, join(root, "link"));
  for (const op of [store.put("link/x", "x"), store.get("link/x"), store.put("link/deeper/x", "x", { ifNoneMatch: "*" })]) {
    const err = await t.throwsAsync(op);
    t.true(isStorageError(err, "ERR_INVALID_KEY"), String(err));
  }
  await store.put("inside", "ok");
  t.deepEqual(await readdir(outside), []);
});

test("a key that clashes with an existing object's path fails ERR_INVALID_KEY", async (t) => {
  const root = await tempRoot(t);
  const store = new FsStore(root);
  await store.put("a", "file");
  const err = await t.throwsAsync(store.put("a/b", "x"));
  t.true(isStorageError(err, "ERR_INVALID_KEY"));
});

test("bookkeeping folders never appear in listings and deletes prune empty folders", async (t) => {
  const root = await tempRoot(t);
  const store = new FsStore(root);
  await store.put("x/y/z", "1", { ifNoneMatch: "*" });
  const { version } = await store.put("x/y/w", "2");
  await store.put("x/y/w", "3", { ifMatch: version });
  const keys: string[] = [];
  for await (const o of store.list("")) keys.push(o.key);
  t.deepEqual(keys, ["x/y/w", "x/y/z"]);
  await store.delete("x/y/w");
  await store.delete("x/y/z");
  t.deepEqual((await readdir(root)).filter((n) => !n.startsWith(".og-")), []);
});
