// Q5: tags + cleanup. Run: node --import=tsx bench/lance-facts/q5-tags-cleanup.ts [fs|rgw]
import { backendsFromArgv, fmt, fmtCounts, header, ids, makeCtx, rows, simpleSchema, tryOp } from "./lib.ts";
import type { Table } from "@lancedb/lancedb";

const vlist = async (t: Table) => fmt((await t.listVersions()).map((v) => v.version));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of backendsFromArgv()) {
  header(`Q5 tags + cleanup — ${backend}`);
  const ctx = await makeCtx(backend, "q5");
  const db = await ctx.connect();
  const t = await db.createEmptyTable("t", simpleSchema); // v1
  await sleep(600); await t.add(rows(0, 3)); // v2
  await sleep(600); await t.add(rows(3, 3)); // v3
  await sleep(600); await t.add(rows(6, 3)); // v4
  await sleep(600); await t.delete("x = 0"); // v5
  await sleep(600); await t.add(rows(9, 3)); // v6
  const want: Record<number, string> = {};
  for (const v of [2, 3, 4, 5, 6]) { await t.checkout(v); want[v] = fmt(await ids(t)); }
  await t.checkoutLatest();
  const tags = await t.tags();
  await tryOp("tags.create('keep3', 3)", () => tags.create("keep3", 3));
  await tryOp("tags.create('keep3', 4) duplicate", () => tags.create("keep3", 4));
  await tryOp("tags.create('nov', 99) nonexistent version", () => tags.create("nov", 99));
  await tryOp("tags.getVersion('keep3')", () => tags.getVersion("keep3"));
  await tryOp("tags.create('tmp', 2); tags.update('tmp', 5); getVersion", async () => { await tags.create("tmp", 2); await tags.update("tmp", 5); return tags.getVersion("tmp"); });
  await tryOp("tags.delete('tmp')", () => tags.delete("tmp"));
  const br = await (await t.branches()).create("b4", undefined, 4);
  console.log(`  branch 'b4' forked at 4; versions=${await vlist(t)} latest=${await t.version()}`);

  // 1) default optimize: 7-day retention -> nothing pruned
  const s0 = await t.optimize();
  console.log(`  optimize() default: compaction=${fmt(s0.compaction)} prune=${fmt(s0.prune)} versions=${await vlist(t)}`);
  await sleep(50);
  // 2) cleanupOlderThan now, deleteUnverified false
  await tryOp("optimize({cleanupOlderThan: now}) (deleteUnverified=false) with tag keep3@3", () => t.optimize({ cleanupOlderThan: new Date() }));
  console.log(`    versions after=${await vlist(t)} latest=${await t.version()}`);
  await t.add(rows(20, 1)); await t.add(rows(21, 1));
  await sleep(50);
  const m = ctx.proxy?.mark() ?? 0;
  await tryOp("optimize({cleanupOlderThan: now, deleteUnverified: true}) with tag keep3@3", () => t.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true }));
  console.log(`    versions after=${await vlist(t)} latest=${await t.version()}${ctx.proxy ? "  req: " + fmtCounts(ctx.proxy.since(m)) : ""}`);
  // tag newer than the cutoff: cleanup with a cutoff between v2 and v3
  const vs = await t.listVersions();
  const ts3 = vs.find((v) => v.version === 3)!.timestamp.getTime();
  for (const d of [+1]) {
    await tryOp(`optimize({cleanupOlderThan: ts(v3)${d >= 0 ? "+" : ""}${d}ms, deleteUnverified}) with tag keep3@3`, () => t.optimize({ cleanupOlderThan: new Date(ts3 + d), deleteUnverified: true }));
    console.log(`    versions after=${await vlist(t)} latest=${await t.version()}`);
  }
  await tryOp(`optimize({cleanupOlderThan: ts(v3)-300ms, deleteUnverified}) with tag keep3@3`, () => t.optimize({ cleanupOlderThan: new Date(ts3 - 300), deleteUnverified: true }));
  console.log(`    versions after=${await vlist(t)} latest=${await t.version()}`);
  await tryOp("tags.delete('keep3'); tags.create('keep5', 5); optimize(cleanupOlderThan = ts(v5)-300ms)", async () => {
    await tags.delete("keep3");
    await tags.create("keep5", 5);
    const c5 = new Date((await t.listVersions()).find((v) => v.version === 5)!.timestamp.getTime() - 300);
    return t.optimize({ cleanupOlderThan: c5, deleteUnverified: true });
  });
  console.log(`    versions after=${await vlist(t)} latest=${await t.version()}`);

  for (const v of [2, 3, 4, 5, 6]) {
    await tryOp(`checkout(${v}) + full read == pre-cleanup content`, async () => { await t.checkout(v); const got = fmt(await ids(t)); await t.checkoutLatest(); return got === want[v] ? "same" : `DIFFERENT ${got}`; });
  }
  await tryOp("checkout('keep5') (by tag)", async () => { await t.checkout("keep5"); const r = { v: await t.version(), same: fmt(await ids(t)) === want[5] }; await t.checkoutLatest(); return r; });
  await tryOp("cold open {version:5} on new connection + read", async () => fmt(await ids(await (await ctx.connect()).openTable("t", undefined, { version: 5 }))) === want[5]);
  await tryOp("branch b4 read (fork point 4)", async () => fmt(await ids(br)) === want[4]);

  // delete tag, cleanup again
  await tags.delete("keep5");
  await t.add(rows(30, 1));
  await sleep(50);
  const s3 = await t.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true });
  console.log(`  after tags.delete('keep5') + cleanup(now): prune=${fmt(s3.prune)} versions=${await vlist(t)}`);
  await tryOp("checkout(5) after tag deleted + cleanup", async () => { await t.checkout(5); return ids(t); });
  await t.checkoutLatest();
  // delete branch, cleanup again
  await (await t.branches()).delete("b4");
  await t.add(rows(31, 1));
  await sleep(50);
  const s4 = await t.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true });
  console.log(`  after branches.delete('b4') + cleanup: prune=${fmt(s4.prune)} versions=${await vlist(t)}`);

  // a tag on a version that compaction rewrote: are old data files kept?
  header(`Q5 tagged version whose fragments were compacted away — ${backend}`);
  const u = await db.createEmptyTable("u", simpleSchema);
  for (let i = 0; i < 5; i++) { await sleep(600); await u.add(rows(i * 10, 2)); }
  const tv = await u.version();
  const before = fmt(await ids(u));
  await (await u.tags()).create("snap", tv);
  await sleep(600); await u.delete("x = 0");
  await sleep(600); await u.add(rows(100, 1));
  const cutU = new Date((await u.listVersions()).find((v) => v.version === tv)!.timestamp.getTime() - 1);
  // NB: lancedb converts cleanupOlderThan to an age (Date.now() - cutoff) and the native side
  // applies it after compaction, so compaction time shifts the cutoff later. Show it:
  await tryOp(`optimize({cleanupOlderThan: ts(v${tv})-1ms}) while compaction work is pending`, () => u.optimize({ cleanupOlderThan: cutU, deleteUnverified: true }));
  console.log(`    versions after=${await vlist(u)}`);
  const cutU2 = new Date((await u.listVersions()).find((v) => v.version === tv)!.timestamp.getTime() - 300);
  const s5 = await u.optimize({ cleanupOlderThan: cutU2, deleteUnverified: true });
  console.log(`  tagged v${tv}; delete + add + (compaction done) optimize(cleanupOlderThan=ts(v${tv})-300ms): compaction=${fmt(s5.compaction)} prune=${fmt(s5.prune)} versions=${await vlist(u)}`);
  await tryOp(`fresh connection openTable({version:${tv}}) full read == tagged content`, async () => fmt(await ids(await (await ctx.connect()).openTable("u", undefined, { version: tv }))) === before);
  await ctx.cleanup();
}
