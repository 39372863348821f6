import test from "ava";
import { GraphEngine } from "../../server/engine/engine.ts";
import { QueryBudget } from "../../server/engine/read/budget.ts";
import { engineWith } from "../engine/support.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf } from "../support/codes.ts";

const fs = storeTargets().find((x) => x.name === "fs")!;
const SCHEMA = `node Person {\n  name: String @key\n  age: I32\n}\nedge Knows: Person -> Person\n`;
const N = 3000;

function data(): string {
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(JSON.stringify({ type: "Person", data: { name: `p${i}`, age: i % 90 } }));
  for (let i = 0; i < N; i++) {
    lines.push(JSON.stringify({ edge: "Knows", from: `p${i}`, to: `p${(i * 7 + 1) % N}` }));
    lines.push(JSON.stringify({ edge: "Knows", from: `p${i}`, to: `p${(i * 13 + 5) % N}` }));
  }
  return lines.join("\n");
}

let engine: Promise<GraphEngine> | undefined;
const shared = () => (engine ??= engineWith(fs, SCHEMA, data()));

const SCAN = "query q() { match { $p: Person } return { $p.name } }";
const DEEP = "query q() { match { $a: Person $a knows{1,6} $b } return { $a.name, $b.name } }";

test("a row budget stops the scan early and fails with ERR_QUERY_ROWS_BUDGET naming the budget", async (t) => {
  const e = await shared();
  t.is((await e.query({ query: SCAN })).rows.length, N, "unbudgeted, the scan returns every row");
  const budget = new QueryBudget({ maxRows: 100 });
  let err: unknown;
  try {
    await e.query({ query: SCAN, budget });
  } catch (x) {
    err = x;
  }
  t.is((err as { code?: string }).code, "ERR_QUERY_ROWS_BUDGET");
  t.like((err as { detail: object }).detail, { resource: "query_rows", limit: 100 });
  t.true(budget.rows < N, `the scan stopped before materialising every row (${budget.rows} of ${N})`);
});

test("a byte budget fails with ERR_QUERY_BYTES_BUDGET", async (t) => {
  const e = await shared();
  t.is(await codeOf(e.query({ query: SCAN, budget: new QueryBudget({ maxBytes: 1024 }) })), "ERR_QUERY_BYTES_BUDGET");
  t.is(await codeOf(e.query({ query: SCAN, budget: new QueryBudget({ maxBytes: 64 * 1024 * 1024, maxRows: 10 * N }) })), "ok", "a generous budget lets it run");
});

test("a time budget cancels the query: ERR_QUERY_TIME_BUDGET soon after the deadline, and no Lance work continues afterwards", async (t) => {
  const e = await shared();
  const t0 = Date.now();
  const full = await e.query({ query: DEEP, budget: new QueryBudget({ maxRows: 10_000_000 }) });
  const fullMs = Date.now() - t0;
  t.true(full.rows.length > 0);
  const timeMs = Math.max(20, Math.floor(fullMs / 5));
  const budget = new QueryBudget({ timeMs });
  const t1 = Date.now();
  t.is(await codeOf(e.query({ query: DEEP, budget })), "ERR_QUERY_TIME_BUDGET");
  const tookMs = Date.now() - t1;
  t.true(tookMs < fullMs, `cancelled (${tookMs} ms) before the full run's ${fullMs} ms (budget ${timeMs} ms)`);
  const rowsAtError = budget.rows;
  await new Promise((r) => setTimeout(r, 400));
  t.is(budget.rows, rowsAtError, "nothing was materialised after the error");
});

test("a caller abort (client gone) cancels like a deadline", async (t) => {
  const e = await shared();
  const ac = new AbortController();
  ac.abort();
  t.is(await codeOf(e.query({ query: SCAN, budget: new QueryBudget({}, ac.signal) })), "ERR_QUERY_TIME_BUDGET");
});
