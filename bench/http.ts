/**
 * Point-query requests/s through the full HTTP data plane vs a bare Koa handler that
 * calls the engine directly, in the same process and the same run (autocannon, the
 * same query and graph). Writes the "HTTP data plane" section of bench/RESULTS.md.
 *
 * Run: npm run bench:http  (BENCH_HTTP_SECONDS, BENCH_HTTP_CONNECTIONS to change the load)
 */
import { execSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import autocannon from "autocannon";
import Koa from "koa";
import { loadConfig } from "../server/config/load.ts";
import { startServer } from "../server/http/server.ts";
import { createLogger } from "../server/observability/logger.ts";

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 8);
const ROUNDS = 3;
const PEOPLE = 5000;
const QUERY = { query: "query get($n: String) { match { $p: Person { name: $n } } return { $p.name, $p.age } }", params: { n: "p002500" } };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "og-bench-http-"));
  writeFileSync(join(dir, "p.pg"), "node Person {\n    name: String @key\n    age: I32?\n}\n");
  writeFileSync(join(dir, "server.yaml"), "graphs:\n  bench: { schema: ./p.pg }\n");
  const loaded = loadConfig({ flags: { config: join(dir, "server.yaml"), store: `fs://${join(dir, "data")}`, bind: "127.0.0.1:0", unauthenticated: true }, env: {} });
  const server = await startServer(loaded, { log: createLogger({ level: "error" }) });
  await server.booted;
  let nd = "";
  for (let i = 0; i < PEOPLE; i++) nd += `{"type":"Person","data":{"name":"p${String(i).padStart(6, "0")}","age":${i % 90}}}\n`;
  const load = await fetch(`${server.url}/graphs/bench/load/ndjson`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: nd });
  if (load.status !== 200) throw new Error(`load failed: ${await load.text()}`);

  // The baseline: Koa, JSON in, the engine's query, JSON out — no pipeline, no mapping.
  const lease = await server.deps.handles.acquire(null, "bench");
  const engine = lease.handle.engine;
  const bare = new Koa();
  bare.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    const b = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof QUERY;
    ctx.body = await engine.query({ query: b.query, params: b.params });
  });
  const bareServer = createServer(bare.callback());
  await new Promise<void>((r) => bareServer.listen(0, "127.0.0.1", r));
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

  const run = async (url: string) => {
    const r = await autocannon({ url, method: "POST", connections: CONNECTIONS, duration: SECONDS, headers: { "content-type": "application/json" }, body: JSON.stringify(QUERY) });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
  };
  const load0 = loadavg()[0]!;
  const full: Awaited<ReturnType<typeof run>>[] = [];
  const base: Awaited<ReturnType<typeof run>>[] = [];
  await run(`${server.url}/graphs/bench/query`); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    // Interleaved, so drift in the shared machine's load hits both sides.
    full.push(await run(`${server.url}/graphs/bench/query`));
    base.push(await run(bareUrl));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = median(full.map((x) => x.rps));
  const b = median(base.map((x) => x.rps));
  const ratio = f / b;
  lease.release();
  bareServer.close();
  await server.drain(5_000);

  let commit = "unknown";
  try {
    commit = execSync("git rev-parse --short HEAD", { encoding: "utf8" }).trim();
  } catch {
    // not a git checkout
  }
  const section = [
    "<!-- bench:http (written by bench/http.ts; rerun `npm run bench:http`) -->",
    "## HTTP data plane: point query through the full pipeline vs a bare Koa handler",
    "",
    `- **Date:** ${new Date().toISOString()}; commit ${commit}; ${cpus().length} cores, load average ${load0.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end (shared machine: read the ratio).`,
    `- **Load:** autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} interleaved rounds per side (medians); one keyed lookup on a ${PEOPLE}-node graph (fs store), same process, same graph handle.`,
    "- **Full** = `omnigraph serve`'s app: request id, access log (pino), metrics, error mapping, lifecycle, body limits, auth (open mode), graph lookup, zod validation, authorization, contract mapping. **Bare** = Koa + JSON.parse + `engine.query` + JSON.",
    "",
    "| Path | req/s (median) | p50 ms | p99 ms |",
    "|---|---|---|---|",
    `| full data plane | ${f.toFixed(0)} | ${median(full.map((x) => x.p50))} | ${median(full.map((x) => x.p99))} |`,
    `| bare Koa → engine | ${b.toFixed(0)} | ${median(base.map((x) => x.p50))} | ${median(base.map((x) => x.p99))} |`,
    "",
    `**Ratio full / bare = ${ratio.toFixed(2)}** (goal ≥ 0.5): ${ratio >= 0.5 ? "met" : "NOT met"}.`,
    "<!-- /bench:http -->",
  ].join("\n");
  const path = new URL("./RESULTS.md", import.meta.url);
  const current = readFileSync(path, "utf8");
  const re = /<!-- bench:http[\s\S]*?<!-- \/bench:http -->/;
  writeFileSync(path, re.test(current) ? current.replace(re, section) : `${current.trimEnd()}\n\n${section}\n`);
  process.stdout.write(`${section}\n`);
  setTimeout(() => process.exit(0), 200).unref();
}

await main();
