/**
 * The load progress bar: drawn on stderr when stderr is a terminal (a pty from
 * util-linux `script`) and the file is large; absent when stderr is a pipe, and
 * never on stdout. Skips nothing: `script` ships with util-linux on every CI image
 * we use (the test fails loudly if it is missing).
 */
import test from "ava";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LOAD_PROGRESS_MIN_BYTES } from "../../server/cli/progress.ts";
import { OMNIGRAPH_BIN } from "../support/cli.ts";
import { cleanEnv, example, omnigraph, tempDir } from "./harness.ts";

function inPty(args: string[], env: NodeJS.ProcessEnv, stdoutFile: string): Promise<{ code: number | null; tty: string }> {
  const quoted = [process.execPath, OMNIGRAPH_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    // stdout goes to a file, stderr stays on the pty that `script` records.
    const child = spawn("script", ["-qec", `${quoted} > '${stdoutFile}'`, "/dev/null"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let tty = "";
    child.stdout.on("data", (d: Buffer) => (tty += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, tty }));
  });
}

test("load draws a progress bar on a terminal for a large file, and none on a pipe", async (t) => {
  const dir = await tempDir(t, "og-progress-");
  const home = join(dir, "home");
  const g = ["--store", join(dir, "store"), "--graph", "big"];
  t.is((await omnigraph(["init", "--schema", example("schema.pg"), ...g, "--quiet"], { home })).code, 0);
  const filler = "x".repeat(3000);
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < LOAD_PROGRESS_MIN_BYTES + 100_000; i++) {
    const line = JSON.stringify({ type: "Person", data: { name: `p${i}`, city: filler } });
    lines.push(line);
    bytes += line.length + 1;
  }
  // The last line is invalid: the whole file is read (the bar reaches 100%) and the
  // batch is refused before any write, which keeps the test quick.
  await writeFile(join(dir, "big.ndjson"), `${lines.join("\n")}\n{"type":"Robot","data":{}}\n`);

  const pty = await inPty(["load", "--data", join(dir, "big.ndjson"), "--mode", "merge", ...g, "--json"], cleanEnv(home), join(dir, "out.json"));
  t.is(pty.code, 2, pty.tty);
  t.regex(pty.tty, /load \[[=-]+\] 100% \| (\d+)\/\1 bytes/);

  const piped = await omnigraph(["load", "--data", join(dir, "big.ndjson"), "--mode", "merge", ...g, "--json"], { home });
  t.is(piped.code, 2, piped.stderr);
  t.notRegex(piped.stderr, /%/);
  t.notRegex(piped.stdout, /%/);
});
