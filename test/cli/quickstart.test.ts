/**
 * The README quickstart, run as written: the fenced blocks after
 * `<!-- quickstart:direct -->` and `<!-- quickstart:served -->` are extracted from
 * README.md (so the README cannot drift from what works), each `npx omnigraph …` line
 * runs through bash with `npx` resolving to this checkout's bin, and the two modes
 * must print the same stdout, command by command (commit ids, ULID edge ids and
 * timestamps normalised). The served block runs against a real
 * `omnigraph serve --bind 127.0.0.1:0` process on a fresh store.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { collectOutput, OMNIGRAPH_BIN } from "../support/cli.ts";
import { cleanEnv, EXAMPLES, startServe, tempDir, type Run } from "./harness.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The lines of the fenced block after `<!-- quickstart:<mode> -->`. */
export function quickstartBlock(readme: string, mode: "direct" | "served"): string[] {
  const m = new RegExp(`<!-- quickstart:${mode} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no quickstart:${mode} block`);
  return m[1]!.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

function bash(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  // `npx omnigraph` → this checkout's bin, whatever the cwd.
  const script = `npx() { if [ "$1" = omnigraph ]; then shift; "${process.execPath}" "${OMNIGRAPH_BIN}" "$@"; else command npx "$@"; fi; }\n${line}`;
  return collectOutput(spawn("bash", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] }));
}

/** A working directory where `examples/` resolves as it does at the repo root. */
async function workdir(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t, "og-quickstart-");
  await mkdir(join(dir, "examples"));
  await symlink(EXAMPLES, join(dir, "examples", "social"));
  return dir;
}

/** Values that differ between two runs of the same commands. */
function normalise(s: string): string {
  return s
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, "<ULID>")
    .replace(/"created_at":\s*\d+/g, '"created_at":<T>');
}

async function runDirect(t: Parameters<typeof tempDir>[0]): Promise<{ line: string; run: Run }[]> {
  const dir = await workdir(t);
  const env = cleanEnv(join(dir, "home"));
  const out: { line: string; run: Run }[] = [];
  for (const line of quickstartBlock(README, "direct")) out.push({ line, run: await bash(line, dir, env) });
  return out;
}

/** The direct run, shared by both tests (the served test compares against it while both run). */
let directRun: Promise<{ line: string; run: Run }[]> | undefined;
const direct = (t: Parameters<typeof tempDir>[0]) => (directRun ??= runDirect(t));

test("the README quickstart runs in direct mode", async (t) => {
  t.timeout(240_000);
  const steps = await direct(t);
  t.true(steps.length >= 8);
  for (const { line, run } of steps) t.is(run.code, 0, `${line}\n${run.stderr}`);
  const byVerb = (verb: string) => steps.filter((s) => s.line.startsWith(`npx omnigraph ${verb}`)).map((s) => s.run.stdout);
  const [before, onBranch] = byVerb("query friends_of");
  t.regex(before!, /Bob\s+Berlin\n.*Chloe\s+Lisbon/s);
  t.notRegex(before!, /Eve/);
  t.regex(onBranch!, /Eve/);
  t.regex(byVerb("query people")[0]!, /^p\.name,p\.age,p\.city\nChloe,41,Lisbon\nAlice,34,Lisbon\nEve,31,\n/);
  const exported = byVerb("export")[0]!.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; data: { name: string } });
  t.deepEqual(exported.map((e) => e.data.name), ["Alice", "Bob", "Chloe", "Dev", "Eve"]);
});

test("the README quickstart runs in served mode against `omnigraph serve` and prints what direct mode prints", async (t) => {
  t.timeout(240_000);
  const directSteps = direct(t);
  const dir = await workdir(t);
  const env = cleanEnv(join(dir, "home"));
  const served: { line: string; run: Run }[] = [];
  for (const raw of quickstartBlock(README, "served")) {
    if (/^npm start\b/.test(raw)) {
      const url = await startServe((stop) => t.teardown(stop), dir, env);
      env.QUICKSTART_URL = url;
      continue;
    }
    const line = raw.replaceAll("http://127.0.0.1:8080", env.QUICKSTART_URL ?? "http://127.0.0.1:8080");
    const exp = /^export ([A-Z_][A-Z0-9_]*)=/.exec(line);
    if (exp) {
      const r = await bash(`${line}\nprintf %s "$${exp[1]}"`, dir, env);
      t.is(r.code, 0, r.stderr);
      env[exp[1]!] = r.stdout;
      continue;
    }
    served.push({ line: raw, run: await bash(line, dir, env) });
  }
  for (const { line, run } of served) t.is(run.code, 0, `${line}\n${run.stderr}`);
  const directResults = await directSteps;
  const toDirect = (line: string) => line.replace("--server http://127.0.0.1:8080", "--store ./.demo");
  let compared = 0;
  for (const s of served.filter((x) => x.line.includes("--server"))) {
    const d = directResults.find((x) => x.line === toDirect(s.line));
    t.truthy(d, `the direct block has no counterpart of: ${s.line}`);
    t.is(normalise(s.run.stdout), normalise(d!.run.stdout), s.line);
    compared++;
  }
  t.true(compared >= 8);
});
