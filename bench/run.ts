// Runs the benchmarks and rewrites bench/RESULTS.md.
//
//   npm run bench                      every benchmark, full size (fs and RGW)
//   npm run bench -- engine-filter     one benchmark (or a group: engine, store, drivers)
//   npm run bench -- --quick           smaller sizes and fewer runs
//   npm run bench -- --target fs       one target (fs | rgw)
//
// RGW runs when the RGW_* variables are set (`source` the env file that
// `test/support/rgw.sh start` prints); otherwise the RGW rows are skipped and say so.
// Results of benchmarks not run this time are kept in RESULTS.md (marked with their own
// date) from bench/results/bench.json.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, type as osType, release, arch } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { driverBenchmarks } from "./drivers.ts";
import { engineBenchmarks } from "./engine.ts";
import { storeBenchmarks } from "./store.ts";
import { fmtNum, fmtRatio } from "./lib/stats.ts";
import { fsTarget, rgwTarget, type Target } from "./lib/targets.ts";
import type { BenchContext, BenchOutput, Benchmark, Row } from "./lib/types.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS_MD = `${HERE}/RESULTS.md`;
const RESULTS_JSON = `${HERE}/results/bench.json`;
const STORE_REQUESTS = `${HERE}/results/store-requests.json`;

const ALL: Benchmark[] = [...engineBenchmarks, ...storeBenchmarks, ...driverBenchmarks];

interface Stored {
  name: string;
  at: string;
  quick: boolean;
  command: string;
  seconds: number;
  output?: BenchOutput | undefined;
  error?: string | undefined;
}

function parseArgs(argv: string[]): { names: string[]; quick: boolean; target: string | undefined } {
  const names: string[] = [];
  let quick = false;
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") quick = true;
    else if (a === "--target") target = argv[++i];
    else if (a.startsWith("--target=")) target = a.slice("--target=".length);
    else if (a === "--help" || a === "-h") {
      console.log(`usage: npm run bench -- [--quick] [--target fs|rgw] [name…]\nbenchmarks: ${ALL.map((b) => b.name).join(", ")}\ngroups: engine, store, drivers`);
      process.exit(0);
    } else names.push(a);
  }
  return { names, quick, target };
}

function select(names: string[]): Benchmark[] {
  if (names.length === 0) return ALL;
  const out = ALL.filter((b) => names.includes(b.name) || names.includes(b.group));
  const unknown = names.filter((n) => !ALL.some((b) => b.name === n || b.group === n));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${ALL.map((b) => b.name).join(", ")} (groups: engine, store, drivers)`);
    process.exit(2);
  }
  return out;
}

function rowCells(r: Row, stale: string | undefined): string[] {
  const unit = r.unit === "ms" ? " ms" : r.unit === "MB" ? " MB" : ` ${r.unit}`;
  return [
    `${r.bench}${stale ? ` (${stale})` : ""}`,
    r.what,
    r.target,
    `${fmtNum(r.median)}${unit}`,
    r.p90 === undefined ? "–" : `${fmtNum(r.p90)}${unit}`,
    String(r.n),
    r.baseline ? r.baseline.what : "–",
    r.baseline ? `${fmtNum(r.baseline.median)}${unit}` : "–",
    r.ratio === undefined ? "–" : `**${fmtRatio(r.ratio)}**`,
    r.requests ?? "–",
    r.baselineRequests ?? "–",
    r.note ?? "",
  ];
}

const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

function storeRequestsSection(): string | undefined {
  if (!existsSync(STORE_REQUESTS)) return undefined;
  try {
    const d = JSON.parse(readFileSync(STORE_REQUESTS, "utf8")) as {
      what?: string; note?: string; roundTrips?: string; measuredAt?: string;
      targets: Record<string, Record<string, { total: number; roundTrips: number; byKind: Record<string, number>; note?: string }>>;
    };
    const targets = Object.keys(d.targets);
    const ops: string[] = [];
    for (const t of targets) for (const op of Object.keys(d.targets[t]!)) if (!ops.includes(op)) ops.push(op);
    ops.sort();
    const kinds = (c: { byKind: Record<string, number> } | undefined) => (c ? Object.entries(c.byKind).map(([k, v]) => `${k} ${v}`).join(", ") : "");
    const rows = ops.map((op) => {
      const cells = targets.map((t) => d.targets[t]![op]);
      const ks = cells.map(kinds);
      const same = ks.every((k) => k === ks.find((x) => x));
      const note = cells.find((c) => c?.note)?.note ?? "";
      return [op, ...cells.map((c) => (c ? `${c.total} / ${c.roundTrips}` : "–")), same ? ks.find((x) => x) ?? "" : targets.map((t, i) => `${t}: ${ks[i]}`).join("; "), note];
    });
    return [
      `${d.what ?? ""} ${d.note ?? ""} Cells: requests / sequential round trips (${d.roundTrips ?? "parallel requests count once"}). Measured ${d.measuredAt ?? "?"}; written by test/store/budget.test.ts, copied here as is.`,
      "",
      mdTable(["Operation", ...targets.map((t) => `${t} req / RT`), "By kind", "Note"], rows),
    ].join("\n");
  } catch (e) {
    return `(could not read ${STORE_REQUESTS}: ${(e as Error).message})`;
  }
}

/** The commit measured, and whether code outside bench/ had uncommitted changes. */
function revision(): string {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: HERE, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", ".", ":!bench"], { cwd: `${HERE}/..`, encoding: "utf8" }).trim();
    return dirty ? `${rev} + uncommitted changes outside bench/` : rev;
  } catch {
    return "unknown (no git)";
  }
}

/** RESULTS.md sections written by other scripts, kept as they are when this one rewrites the file. */
const OWNED_SECTIONS = [
  /<!-- auth:begin -->[\s\S]*?<!-- auth:end -->/,
  /<!-- bench:http[\s\S]*?<!-- \/bench:http -->/,
  /<!-- writepath:begin -->[\s\S]*?<!-- writepath:end -->/,
];

function renderMarkdown(all: Stored[], run: { started: Date; command: string; seconds: number; loadStart: number[]; loadEnd: number[]; targets: string[]; skipped: string[]; revision: string }, includeWritepath: boolean): string {
  const cpu = cpus();
  const lines: string[] = [];
  lines.push("# Benchmark results", "");
  lines.push("Written by `bench/run.ts` — do not edit by hand; rerun `npm run bench`.", "");
  lines.push(`- **Date:** ${run.started.toISOString()}`);
  lines.push(`- **Command:** \`${run.command}\` at commit ${run.revision}`);
  lines.push(`- **Total runtime:** ${Math.floor(run.seconds / 60)} min ${Math.round(run.seconds % 60)} s`);
  lines.push(`- **Machine:** ${osType()} ${release()} ${arch()}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; load average (1 min) ${run.loadStart[0]!.toFixed(1)} at start, ${run.loadEnd[0]!.toFixed(1)} at end — shared and noisy: read medians and ratios, not absolute times.`);
  lines.push(`- **Targets:** ${run.targets.join(", ")}${run.skipped.length ? `; skipped: ${run.skipped.join("; ")}` : ""}. fs = a temp directory on local disk; rgw = Ceph RGW on loopback (real S3 server), through the s3 driver.`);
  lines.push("- **Ratio** = ours / baseline (median over median); > 1 means ours is slower (or bigger). Baselines are measured in the same run, interleaved with ours.");
  lines.push("- **Requests** are per operation (median over the counted runs). \"store\" = our object-store requests (CountingStore beneath the retry layer); on RGW the first figure is every HTTP request at the wire (ours and Lance's, via a counting proxy); on fs Lance reads local files and is not counted.");
  lines.push("");
  lines.push("## Results", "");
  const head = ["Benchmark", "What", "Target", "Ours median", "p90", "N", "Baseline", "Baseline median", "Ratio", "Requests / op (ours)", "Requests / op (baseline)", "Notes"];
  const rows: string[][] = [];
  const notes: string[] = [];
  const sections: { title: string; body: string }[] = [];
  for (const s of all) {
    const stale = s.at !== run.started.toISOString() ? `from ${s.at}${s.quick ? ", quick" : ""}` : s.quick ? "quick" : undefined;
    if (s.error) rows.push([`${s.name}${stale ? ` (${stale})` : ""}`, `FAILED: ${s.error.split("\n")[0]!.slice(0, 300)}`, "", "", "", "", "", "", "", "", "", ""]);
    for (const r of s.output?.rows ?? []) rows.push(rowCells(r, stale));
    for (const n of s.output?.notes ?? []) notes.push(`${s.name}: ${n}`);
    for (const sec of s.output?.sections ?? []) sections.push({ title: sec.title + (stale ? ` (${stale})` : ""), body: sec.body });
  }
  lines.push(mdTable(head, rows), "");
  for (const sec of sections) lines.push(`## ${sec.title}`, "", sec.body, "");
  const sr = storeRequestsSection();
  const wp = `${HERE}/results/writepath.md`;
  if (includeWritepath && existsSync(wp)) lines.push("## Write path (bench/results/writepath.md; refresh with `npm run bench:writepath`)", "", readFileSync(wp, "utf8"), "");
  if (sr) lines.push("## Store request budgets (bench/results/store-requests.json; refresh with `OMNIGRAPH_RECORD_BUDGETS=1 npx ava test/store/budget.test.ts`)", "", sr, "");
  if (notes.length) {
    lines.push("## Notes", "");
    for (const n of notes) lines.push(`- ${n}`);
    lines.push("");
  }
  return lines.join("\n");
}

function printTable(outputs: Stored[]): void {
  for (const s of outputs) {
    if (s.error) console.log(`\n${s.name}: FAILED ${s.error}`);
    for (const r of s.output?.rows ?? []) {
      const unit = r.unit;
      console.log(
        `${r.bench.padEnd(14)} ${r.target.padEnd(10)} ${r.what.slice(0, 70).padEnd(70)} ` +
        `median ${fmtNum(r.median).padStart(7)} ${unit.padEnd(6)} p90 ${fmtNum(r.p90).padStart(7)} n=${String(r.n).padEnd(3)} ` +
        `base ${fmtNum(r.baseline?.median).padStart(7)} ratio ${fmtRatio(r.ratio).padStart(7)}  req ${r.requests ?? "–"}  base-req ${r.baselineRequests ?? "–"}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const benches = select(args.names);
  const started = new Date();
  const loadStart = loadavg();
  const rev = revision();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const targets: Target[] = [];
  const skipped: string[] = [];
  if (!args.target || args.target === "fs") targets.push(fsTarget());
  if (!args.target || args.target === "rgw") {
    const rgw = rgwTarget();
    if (rgw) targets.push(rgw);
    else skipped.push("rgw (RGW_* not set: eval \"$(bash test/support/rgw.sh start)\")");
  }
  const memo = new Map<string, Promise<unknown>>();
  const ctx: BenchContext = {
    quick: args.quick,
    targets,
    log: (m) => console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${m}`),
    memo: <T>(key: string, build: () => Promise<T>) => {
      if (!memo.has(key)) memo.set(key, build());
      return memo.get(key) as Promise<T>;
    },
  };
  const outputs: Stored[] = [];
  let interrupted = false;
  const cleanup = async () => {
    for (const t of targets) await t.cleanup().catch((e) => console.error(`cleanup of ${t.name} failed: ${(e as Error).message}`));
  };
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("interrupted: cleaning up");
    void cleanup().finally(() => process.exit(130));
  });
  try {
    for (const b of benches) {
      if (interrupted) break;
      ctx.log(`${b.name}: ${b.description}`);
      const t0 = performance.now();
      try {
        const output = await b.run(ctx);
        outputs.push({ name: b.name, at: started.toISOString(), quick: args.quick, command, seconds: (performance.now() - t0) / 1000, output });
      } catch (e) {
        console.error(e);
        outputs.push({ name: b.name, at: started.toISOString(), quick: args.quick, command, seconds: (performance.now() - t0) / 1000, error: (e as Error).stack ?? String(e) });
      }
      ctx.log(`${b.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    ctx.log("cleaning up benchmark data");
    await cleanup();
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  printTable(outputs);

  // Merge with earlier results of benchmarks not run now, in registry order.
  let previous: Stored[] = [];
  if (existsSync(RESULTS_JSON)) {
    try {
      previous = (JSON.parse(readFileSync(RESULTS_JSON, "utf8")) as { benchmarks: Stored[] }).benchmarks ?? [];
    } catch {
      previous = [];
    }
  }
  const merged: Stored[] = [];
  for (const b of ALL) {
    const now = outputs.find((o) => o.name === b.name);
    const before = previous.find((o) => o.name === b.name);
    if (now) merged.push(now);
    else if (before) merged.push(before);
  }
  mkdirSync(dirname(RESULTS_JSON), { recursive: true });
  writeFileSync(RESULTS_JSON, `${JSON.stringify({ written: new Date().toISOString(), benchmarks: merged }, null, 2)}\n`);
  // Sections other scripts own (bench/auth.ts, bench/http.ts, the write-path summary of
  // bench:writepath's runs) are kept across rewrites, in their order.
  const previousMd = existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, "utf8") : "";
  const owned = OWNED_SECTIONS.map((re) => re.exec(previousMd)?.[0]).filter((x): x is string => x !== undefined);
  const hasWritepathSummary = owned.some((x) => x.startsWith("<!-- writepath:begin -->"));
  const rendered = renderMarkdown(merged, { started, command, seconds, loadStart, loadEnd: loadavg(), targets: targets.map((t) => t.name), skipped, revision: rev }, !hasWritepathSummary);
  writeFileSync(RESULTS_MD, [rendered.trimEnd(), ...owned].join("\n\n") + "\n");
  console.log(`\nwrote ${RESULTS_MD} (total ${seconds.toFixed(0)} s)`);
  process.exit(outputs.some((o) => o.error) ? 1 : 0);
}

await main();
