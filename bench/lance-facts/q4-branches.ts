// Q4: per-table branches. Run: node --import=tsx bench/lance-facts/q4-branches.ts [fs|rgw]
import { readdirSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { backendsFromArgv, fmt, fmtCounts, fmtPaths, header, ids, makeCtx, rows, simpleSchema, tryOp, type Ctx } from "./lib.ts";

async function cost<T>(ctx: Ctx, label: string, f: () => Promise<T>, showPaths = false): Promise<T> {
  const m = ctx.proxy?.mark() ?? 0;
  const r = await f();
  if (ctx.proxy) {
    console.log(`  cost ${label.padEnd(55)} ${fmtCounts(ctx.proxy.since(m))}`);
    if (showPaths) console.log(fmtPaths(ctx.proxy.since(m), ctx.strip));
  }
  return r;
}
function tree(dir: string): string {
  if (!existsSync(dir)) return "(missing)";
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), rel + e.name + "/");
      else out.push(rel + e.name);
    }
  };
  walk(dir, "");
  return out.filter((p) => !p.startsWith("data/") && !p.startsWith("_transactions/")).join("\n      ");
}

for (const backend of backendsFromArgv()) {
  header(`Q4 branches — ${backend}`);
  const ctx = await makeCtx(backend, "q4");
  const db = await ctx.connect();
  const main = await db.createEmptyTable("t", simpleSchema); // v1
  await main.add(rows(0, 5)); // v2
  await main.add(rows(5, 5)); // v3
  await main.delete("x < 2"); // v4
  const mainV3ids = await ids(await db.openTable("t", undefined, { version: 3 }));
  console.log(`  main at version ${await main.version()}; main@3 ids=${mainV3ids.length}`);

  const br = await (await main.branches()).create("b1", undefined, 3);
  console.log(`  create('b1', undefined, 3): handle.version()=${await br.version()} currentBranch=${br.currentBranch()} ids==main@3: ${fmt(await ids(br)) === fmt(mainV3ids)}`);
  console.log(`  branches.list() = ${listFmt(await (await main.branches()).list())}`);
  console.log(`  main.currentBranch()=${main.currentBranch()} main.version()=${await main.version()}`);
  for (let i = 0; i < 3; i++) {
    const r = await br.add(rows(100 + i, 1, "b"));
    console.log(`  b1.add #${i + 1} -> ${fmt(r)}  b1.version()=${await br.version()}`);
  }
  const rd = await br.delete("x = 3");
  console.log(`  b1.delete('x = 3') -> ${fmt(rd)}`);
  console.log(`  b1.listVersions() = ${fmt((await br.listVersions()).map((v) => v.version))}`);
  console.log(`  main.listVersions() = ${fmt((await main.listVersions()).map((v) => v.version))}  main.version()=${await main.version()} main rows=${await main.countRows()} (untouched: ${(await main.countRows("x >= 100")) === 0})`);
  const ma = await main.add(rows(50, 1, "m"));
  console.log(`  main.add -> ${fmt(ma)} (main sequence continues independently)`);

  for (const v of [3, 4, 5, 6, 7]) {
    await tryOp(`openTable('t', undefined, {branch:'b1', version:${v}}) -> version, ids`, async () => {
      const p = await db.openTable("t", undefined, { branch: "b1", version: v });
      return { version: await p.version(), branch: p.currentBranch(), ids: await ids(p) };
    });
  }
  await tryOp("openTable({branch:'b1'}) latest", async () => {
    const p = await db.openTable("t", undefined, { branch: "b1" });
    return { version: await p.version(), n: await p.countRows() };
  });
  await tryOp("branches.checkout('b1', 4) then add (pinned => read-only?)", async () => {
    const p = await (await main.branches()).checkout("b1", 4);
    return p.add(rows(900, 1));
  });
  await tryOp("b1 handle checkout(2) (version 2 — below fork point 3, inherited from main)", async () => {
    const p = await db.openTable("t", undefined, { branch: "b1" });
    await p.checkout(2);
    return { v: await p.version(), ids: await ids(p) };
  });
  await tryOp("create('b1') again (duplicate)", () => (await_(main)).then((b) => b.create("b1")));
  await tryOp("create('b2', 'b1', 5) (branch of branch)", async () => {
    const b2 = await (await main.branches()).create("b2", "b1", 5);
    const r = await b2.add(rows(200, 1, "c"));
    return { forkVersion: 5, afterAdd: r, ids: await ids(b2) };
  });
  await tryOp("create('b9', undefined, 99) (nonexistent version)", () => (await_(main)).then((b) => b.create("b9", undefined, 99)));
  await tryOp("create('bad name/x')", () => (await_(main)).then((b) => b.create("bad name/x")));
  console.log(`  branches.list() = ${listFmt(await (await main.branches()).list())}`);

  // concurrent: two handles on same branch
  const bA = await (await ctx.connect()).openTable("t", undefined, { branch: "b1" });
  const bB = await (await ctx.connect()).openTable("t", undefined, { branch: "b1" });
  const [ra, rb] = await Promise.all([bA.add(rows(300, 1, "ca")), bB.add(rows(301, 1, "cb"))]);
  console.log(`  concurrent adds on b1 from 2 handles -> ${fmt(ra)} ${fmt(rb)}; b1 latest has both: ${(await (await db.openTable("t", undefined, { branch: "b1" })).countRows("x >= 300 AND x <= 301")) === 2}`);

  // tags on a branch handle
  await tryOp("tags on b1 handle: create('bt', 5)", async () => { await (await bA.tags()).create("bt", 5); return (await bA.tags()).list().then(listFmt); });
  await tryOp("main.tags().list()", async () => listFmt(await (await main.tags()).list()));
  await tryOp("main handle checkout('bt') (tag made on b1 handle at 5)", async () => {
    const p = await db.openTable("t");
    await p.checkout("bt");
    return { v: await p.version(), branch: p.currentBranch(), hasB101: (await p.countRows("id = 'b101'")) === 1, ids: (await ids(p)).length };
  });
  if (backend === "fs") console.log(`  _refs/tags/bt.json = ${readFileSync(join(ctx.uri, "t.lance/_refs/tags/bt.json"), "utf8").replace(/\s+/g, "")}  _refs/branches/b2.json = ${readFileSync(join(ctx.uri, "t.lance/_refs/branches/b2.json"), "utf8").replace(/\s+/g, "")}`);

  if (backend === "fs") console.log(`  on-disk layout (no data/, _transactions/):\n      ${tree(join(ctx.uri, "t.lance"))}`);

  // delete a branch
  await tryOp("branches.delete('b1') (b2 was forked from it)", () => (await_(main)).then((b) => b.delete("b1")));
  await tryOp("branches.delete('b2')", () => (await_(main)).then((b) => b.delete("b2")));
  await tryOp("branches.delete('b1') retry", () => (await_(main)).then((b) => b.delete("b1")));
  await tryOp("openTable({branch:'b1'}) after delete", () => db.openTable("t", undefined, { branch: "b1" }).then((t) => t.version()));
  await tryOp("old b1 handle (bA) read after delete", () => bA.countRows());
  await tryOp("old b1 handle (bA) add after delete", () => bA.add(rows(400, 1)));
  await tryOp("branches.delete('nope')", () => (await_(main)).then((b) => b.delete("nope")));
  console.log(`  branches.list() = ${listFmt(await (await main.branches()).list())}`);
  if (backend === "fs") console.log(`  on-disk layout after delete:\n      ${tree(join(ctx.uri, "t.lance"))}`);

  // cleanup of main's old versions vs a branch forked from an old version
  header(`Q4 cleanup vs branches — ${backend}`);
  const db2 = await ctx.connect();
  const m2 = await db2.createEmptyTable("c", simpleSchema); // v1
  await m2.add(rows(0, 3)); // v2
  await m2.add(rows(3, 3)); // v3
  const fork = await (await m2.branches()).create("old", undefined, 2);
  const forkIds = await ids(fork);
  await m2.add(rows(6, 3)); // v4
  await m2.delete("x < 3"); // v5
  await m2.add(rows(9, 1)); // v6 -> 3 fragments, compaction rewrites fragment of v2
  await m2.optimize(); // compaction: rewrites fragments
  const st = await m2.optimize({ cleanupOlderThan: new Date(Date.now() + 1000), deleteUnverified: true });
  console.log(`  main cleanup: ${fmt(st.prune)}  main versions now=${fmt((await m2.listVersions()).map((v) => v.version))}`);
  await tryOp("branch 'old' (forked at main v2) read via held handle", async () => ({ ids: await ids(fork), same: fmt(await ids(fork)) === fmt(forkIds) }));
  await tryOp("branch 'old' cold open + read", async () => {
    const p = await (await ctx.connect()).openTable("c", undefined, { branch: "old" });
    return { v: await p.version(), ids: await ids(p) };
  });
  await tryOp("main checkout(2) after cleanup", async () => { await m2.checkout(2); return ids(m2); });
  await m2.checkoutLatest();
  await tryOp("write on branch 'old' after main cleanup", async () => {
    const p = await (await ctx.connect()).openTable("c", undefined, { branch: "old" });
    const r = await p.add(rows(500, 1));
    return { r, ids: await ids(p) };
  });
  // cleanup ON a branch handle
  await tryOp("optimize({cleanupOlderThan}) on a branch handle", async () => {
    const p = await (await ctx.connect()).openTable("c", undefined, { branch: "old" });
    await p.add(rows(600, 1));
    const s = await p.optimize({ cleanupOlderThan: new Date(Date.now() + 1000), deleteUnverified: true });
    return { s, versions: (await p.listVersions()).map((v) => v.version), ids: await ids(p) };
  });
  await tryOp("main still reads after branch cleanup", async () => ids(await (await ctx.connect()).openTable("c")));

  if (ctx.proxy) {
    header(`Q4 request costs — ${backend}`);
    const db3 = await ctx.connect();
    const t3 = await db3.createEmptyTable("r", simpleSchema);
    for (let i = 0; i < 10; i++) await t3.add(rows(i, 1));
    const brs = await cost(ctx, "table.branches()", () => t3.branches());
    const b = await cost(ctx, "branches.create('x', undefined, 5)", () => brs.create("x", undefined, 5), true);
    await cost(ctx, "first add(1 row) on branch", () => b.add(rows(100, 1)), true);
    await cost(ctx, "second add(1 row) on branch", () => b.add(rows(101, 1)), true);
    await cost(ctx, "branches.list()", () => brs.list(), true);
    const db4 = await ctx.connect();
    const pinned = await cost(ctx, "cold openTable(branch:'x', version:6) (new conn)", () => db4.openTable("r", undefined, { branch: "x", version: 6 }), true);
    await cost(ctx, "  + query where x > 5 limit 10", () => pinned.query().where("x > 5").limit(10).toArray());
    const db5 = await ctx.connect();
    await cost(ctx, "cold openTable(branch:'x') latest (new conn)", () => db5.openTable("r", undefined, { branch: "x" }), true);
    await cost(ctx, "branches.delete('x')", () => brs.delete("x"), true);
  }
  await ctx.cleanup();
}

function listFmt(o: Record<string, { parentBranch?: string; parentVersion?: number; version?: number; branch?: string; manifestSize: number }>): string {
  return fmt(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { parentBranch: v.parentBranch, parentVersion: v.parentVersion, version: v.version, manifestSize: v.manifestSize }])));
}
async function await_(t: import("@lancedb/lancedb").Table) {
  return t.branches();
}
