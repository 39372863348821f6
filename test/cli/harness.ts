/**
 * Runs the real `omnigraph` bin in a child process for CLI tests: a private
 * OMNIGRAPH_HOME (so the developer's own config and credentials never leak in), a
 * chosen cwd, and the parsed `--json` answer when there is one.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { collectOutput, OMNIGRAPH_BIN } from "../support/cli.ts";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Env variables the CLI reads, cleared so the host's values never change a test. */
const CLI_VARS = ["OMNIGRAPH_HOME", "OMNIGRAPH_CONFIG", "OMNIGRAPH_PROFILE", "OMNIGRAPH_BEARER_TOKEN"];

export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (CLI_VARS.includes(k) || k.startsWith("OMNIGRAPH_TOKEN_")) delete env[k];
  return { ...env, OMNIGRAPH_HOME: home, ...extra };
}

export function omnigraph(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; home: string }): Promise<Run> {
  return collectOutput(spawn(process.execPath, [OMNIGRAPH_BIN, ...args], { cwd: o.cwd, env: cleanEnv(o.home, o.env), stdio: ["ignore", "pipe", "pipe"] }));
}

/** The JSON a `--json` run printed on stdout. */
export function jsonOf<T = Record<string, unknown>>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}

/** The typed code of a failed run: from the `--json` error body, else the stderr line. */
export function errorCodeOf(r: Run): string | undefined {
  try {
    const body = JSON.parse(r.stdout) as { error?: { code?: string } };
    if (body.error?.code) return body.error.code;
  } catch {
    // not JSON: read stderr
  }
  return /: (ERR_[A-Z0-9_]+):/.exec(r.stderr)?.[1];
}

/** A temp directory removed at teardown. */
export async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const EXAMPLES = new URL("../../examples/social/", import.meta.url).pathname;
export const example = (name: string): string => join(EXAMPLES, name);

let inProcessBusy = false;

/**
 * Runs `omnigraph <args>` inside this test process (the same `main` the bin calls),
 * capturing stdout/stderr: the per-verb error matrix would cost a process start per
 * case otherwise. Tests using it must be serial (it swaps the process streams and env).
 */
export async function omnigraphInProcess(args: string[], o: { home: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  if (inProcessBusy) throw new Error("omnigraphInProcess is not reentrant: use test.serial");
  inProcessBusy = true;
  const { main } = await import("../../server/cli/main.ts");
  // Mutate the real environment (native code such as LanceDB reads the C environ,
  // which a replaced process.env object would not reach), then restore it.
  const savedEnv = { ...process.env };
  const nextEnv = cleanEnv(o.home, o.env);
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stdout = "";
  let stderr = "";
  for (const k of Object.keys(process.env)) if (!(k in nextEnv)) delete process.env[k];
  Object.assign(process.env, nextEnv);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    inProcessBusy = false;
  }
}

/** Starts `omnigraph serve --bind 127.0.0.1:0` in `cwd` (the `npm start` setup: ./.data, dev token); resolves its address. */
export async function startServe(onCleanup: (stop: () => void) => void, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [OMNIGRAPH_BIN, "serve", "--bind", "127.0.0.1:0"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  onCleanup(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no OMNIGRAPH_LISTEN_ADDR within 60s:\n${out}\n${err}`)), 60_000);
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /OMNIGRAPH_LISTEN_ADDR=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}:\n${out}\n${err}`));
    });
  });
}

