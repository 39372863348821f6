// Q2: concurrent writers. Run: node --import=tsx bench/lance-facts/q2-concurrency.ts [fs|rgw]
// Part A: two handles from two separate connections, both opened at version v.
//   "stale" = A writes and finishes, then B (still at v, never refreshed) writes: deterministic.
//   "race"  = Promise.all([A, B]).
// Part B: two OS processes (q2-worker.ts), both open at v, released together.
// Part C (rgw only): does RGW honour PUT If-None-Match:* (Lance's commit primitive on S3)?
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { backendsFromArgv, errInfo, fmt, header, makeCtx, rows, simpleSchema, type Ctx } from "./lib.ts";
import type { Connection, Table } from "@lancedb/lancedb";

type Op = (t: Table) => Promise<unknown>;
const OPS: Record<string, Op> = {
  add: (t) => t.add([{ id: `add-${Math.random().toString(36).slice(2, 6)}`, x: 1000 }]),
  "delete x<2": (t) => t.delete("x < 2"),
  "delete x>=8": (t) => t.delete("x >= 8"),
  "update x=3": (t) => t.update({ where: "x = 3", valuesSql: { x: "x + 100" } }),
  "update x=4": (t) => t.update({ where: "x = 4", valuesSql: { x: "x + 100" } }),
  "merge r5": (t) => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r5", x: 555 + Math.floor(Math.random() * 100) }]),
  "merge r6": (t) => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "r6", x: 666 }]),
  "merge new k1": (t) => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "k1", x: 777 + Math.floor(Math.random() * 100) }]),
  overwrite: (t) => t.add(rows(0, 2, "ow"), { mode: "overwrite" }),
  "addColumns y": (t) => t.addColumns([{ name: "y", valueSql: "x * 2" }]),
  "addColumns w": (t) => t.addColumns([{ name: "w", valueSql: "x * 3" }]),
  "dropColumns x": (t) => t.dropColumns(["x"]),
  "optimize(compact)": (t) => t.optimize(),
};

const PAIRS: [string, string][] = [
  ["add", "add"],
  ["delete x<2", "add"],
  ["add", "delete x<2"],
  ["delete x<2", "delete x>=8"],
  ["delete x<2", "delete x<2"],
  ["update x=3", "update x=4"],
  ["update x=3", "update x=3"],
  ["update x=3", "delete x<2"],
  ["delete x<2", "update x=3"],
  ["update x=3", "add"],
  ["merge r5", "merge r5"],
  ["merge r5", "merge r6"],
  ["merge new k1", "merge new k1"],
  ["merge r5", "add"],
  ["add", "merge r5"],
  ["merge r5", "update x=5"],
  ["overwrite", "add"],
  ["add", "overwrite"],
  ["overwrite", "overwrite"],
  ["addColumns y", "add"],
  ["add", "addColumns y"],
  ["addColumns y", "addColumns w"],
  ["dropColumns x", "update x=3"],
  ["optimize(compact)", "delete x<2"],
  ["delete x<2", "optimize(compact)"],
  ["optimize(compact)", "add"],
];
OPS["update x=5"] = (t) => t.update({ where: "x = 5", valuesSql: { x: "x + 100" } });

function brief(r: unknown): string {
  if (r instanceof Error) return `ERR ${errInfo(r)}`;
  return fmt(r);
}

async function content(t: Table): Promise<string> {
  const r = await t.query().toArray();
  return r.map((o: Record<string, unknown>) => `${o.id}${o.x !== undefined ? "=" + String(o.x) : ""}`).sort().join(",");
}

async function setup(db: Connection, name: string): Promise<number> {
  const t = await db.createEmptyTable(name, simpleSchema);
  await t.add(rows(0, 5));
  await t.add(rows(5, 5)); // two fragments so compaction has work
  return t.version();
}

async function runPair(ctx: Ctx, mode: "stale" | "race", a: string, b: string, i: number): Promise<void> {
  const admin = await ctx.connect();
  const name = `t${i}_${mode}`;
  const v = await setup(admin, name);
  const dbA = await ctx.connect();
  const dbB = await ctx.connect();
  const tA = await dbA.openTable(name);
  const tB = await dbB.openTable(name);
  let rA: unknown, rB: unknown;
  const wrap = (p: Promise<unknown>) => p.then((x) => x, (e) => e);
  if (mode === "stale") {
    rA = await wrap(OPS[a]!(tA));
    rB = await wrap(OPS[b]!(tB));
  } else {
    [rA, rB] = await Promise.all([wrap(OPS[a]!(tA)), wrap(OPS[b]!(tB))]);
  }
  const fresh = await (await ctx.connect()).openTable(name);
  console.log(`  [${mode}] v=${v}  A:${a.padEnd(18)} -> ${brief(rA)}`);
  console.log(`  [${mode}]       B:${b.padEnd(18)} -> ${brief(rB)}`);
  console.log(`  [${mode}]       final version=${await fresh.version()} handleA.version=${await tA.version()} handleB.version=${await tB.version()}  rows: ${await content(fresh)}`);
}

async function staleRead(ctx: Ctx): Promise<void> {
  header(`Q2 stale-handle reads — ${ctx.backend}`);
  const admin = await ctx.connect();
  await setup(admin, "sr");
  const dbB = await ctx.connect();
  const tB = await dbB.openTable("sr");
  const dbC = await ctx.connect({ readConsistencyInterval: 0 });
  const tC = await dbC.openTable("sr");
  const tA = await (await ctx.connect()).openTable("sr");
  const r = await tA.add(rows(100, 1));
  console.log(`  A.add -> ${fmt(r)}`);
  console.log(`  B (default readConsistencyInterval) version()=${await tB.version()} countRows=${await tB.countRows()}`);
  console.log(`  C (readConsistencyInterval=0)        version()=${await tC.version()} countRows=${await tC.countRows()}`);
  const sameConn = await admin.openTable("sr");
  console.log(`  openTable again on admin conn       version()=${await sameConn.version()} countRows=${await sameConn.countRows()}`);
  const rb = await tB.add(rows(200, 1));
  console.log(`  B.add (stale) -> ${fmt(rb)}; B now version()=${await tB.version()} countRows=${await tB.countRows()} (sees A's row: ${(await tB.countRows("x = 100")) === 1})`);
  await tB.checkoutLatest();
  console.log(`  B.checkoutLatest -> version()=${await tB.version()}`);
}

// ---- Part B: separate OS processes ----
const here = dirname(fileURLToPath(import.meta.url));
function startWorker(ctx: Ctx, table: string, op: string): { ready: Promise<void>; go: () => void; done: Promise<string> } {
  const child = spawn(process.execPath, ["--import=tsx", join(here, "q2-worker.ts")], {
    env: { ...process.env, W_URI: ctx.uri, W_TABLE: table, W_OP: op, W_STORAGE: JSON.stringify(ctx.storageOptions ?? {}) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("READY")) readyResolve();
  });
  const done = new Promise<string>((r) => child.on("exit", () => r(out.replace(/READY\n?/, "").trim())));
  return { ready, go: () => child.stdin.end("GO\n"), done };
}

async function processes(ctx: Ctx): Promise<void> {
  header(`Q2 two OS processes — ${ctx.backend}`);
  const combos: [string, string][] = [["add", "add"], ["add", "add"], ["add", "add"], ["merge r5", "merge r5"], ["merge new k1", "merge new k1"], ["update x=3", "update x=3"], ["delete x<2", "add"], ["overwrite", "add"]];
  let i = 0;
  for (const [a, b] of combos) {
    const admin = await ctx.connect();
    const name = `p${i++}`;
    const v = await setup(admin, name);
    const wa = startWorker(ctx, name, a);
    const wb = startWorker(ctx, name, b);
    await Promise.all([wa.ready, wb.ready]);
    wa.go();
    wb.go();
    const [oa, ob] = await Promise.all([wa.done, wb.done]);
    const fresh = await (await ctx.connect()).openTable(name);
    console.log(`  v=${v} procA ${a}: ${oa}`);
    console.log(`        procB ${b}: ${ob}`);
    console.log(`        final version=${await fresh.version()} rows: ${await content(fresh)}`);
  }
}

async function rgwConditional(): Promise<void> {
  header("Q2 RGW conditional PUT (If-None-Match:*) honoured?");
  const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = new S3Client({
    endpoint: process.env.RGW_ENDPOINT, region: process.env.RGW_REGION ?? "us-east-1", forcePathStyle: true,
    credentials: { accessKeyId: process.env.RGW_ACCESS_KEY_ID!, secretAccessKey: process.env.RGW_SECRET_ACCESS_KEY! },
  });
  const Key = `lance-facts/cond-${Date.now()}`;
  for (const n of [1, 2]) {
    try {
      await s3.send(new PutObjectCommand({ Bucket: process.env.RGW_BUCKET, Key, Body: `v${n}`, IfNoneMatch: "*" }));
      console.log(`  put #${n} If-None-Match:* -> OK`);
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      console.log(`  put #${n} If-None-Match:* -> ${err.name} HTTP ${err.$metadata?.httpStatusCode}`);
    }
  }
}

for (const backend of backendsFromArgv()) {
  const ctx = await makeCtx(backend, "q2");
  if (backend === "rgw") await rgwConditional();
  await staleRead(ctx);
  header(`Q2 two handles (separate connections) — ${backend}`);
  let i = 0;
  for (const [a, b] of PAIRS) {
    await runPair(ctx, "stale", a, b, i);
    await runPair(ctx, "race", a, b, i);
    i++;
  }
  await processes(ctx);
  await ctx.cleanup();
}
