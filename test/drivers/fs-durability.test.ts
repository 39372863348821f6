// fs durability (issue 7): every acknowledged create-only write, compare-and-swap,
// replace and delete fsyncs the file and the directory entry it changed; lock files
// are never empty, and an empty or dead-owner lock is broken quickly and safely.
import test from "ava";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { FsStore, fsSyncObserver } from "../../drivers/fs.ts";

const lockName = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 40);

async function synced(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  fsSyncObserver.onSync = (p) => seen.push(p);
  try {
    await fn();
  } finally {
    fsSyncObserver.onSync = undefined;
  }
  return seen;
}

test.serial("create-only, compare-and-swap and delete fsync the key's directory (and the bytes before they are linked)", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "og-fsync-"));
  const s = new FsStore(root);
  const keyDir = join(root, "a", "b");
  const created = await synced(() => s.put("a/b/k", "one", { ifNoneMatch: "*" }));
  t.true(created.some((p) => p.includes(".og-tmp")), "the temp file's bytes are synced");
  t.true(created.includes(keyDir), "the directory holding the new name is synced");
  t.true(created.includes(root), "a newly created top directory's parent is synced");
  const { version } = await s.head("a/b/k");
  t.true((await synced(() => s.put("a/b/k", "two", { ifMatch: version }))).includes(keyDir), "compare-and-swap (rename) syncs the directory");
  t.true((await synced(() => s.put("a/b/k", "three"))).includes(keyDir), "replace syncs the directory");
  t.true((await synced(() => s.delete("a/b/k"))).includes(keyDir), "delete syncs the directory");
  t.is(dirname(keyDir), join(root, "a"));
});

test.serial("an empty lock file (a writer killed between create and write) is broken in well under the 30 s stale limit", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "og-lock-"));
  const s = new FsStore(root);
  await s.put("k", "v0");
  await mkdir(join(root, ".og-locks"), { recursive: true });
  await writeFile(join(root, ".og-locks", lockName("k")), "");
  const started = performance.now();
  await s.put("k", "v1");
  t.true(performance.now() - started < 3000, `took ${(performance.now() - started).toFixed(0)} ms`);
  t.is((await s.get("k")).body.toString(), "v1");
});

test.serial("locks appear with their owner inside and leave nothing behind", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "og-lock2-"));
  const s = new FsStore(root);
  await Promise.all(Array.from({ length: 20 }, (_, i) => s.put("k", `v${i}`)));
  t.deepEqual(await readdir(join(root, ".og-locks")), [], "no lock or staged file left");
});
