// The fault soak shared by the quick suite (npm test) and the long one (npm run
// test:faults): several writer processes (test/support/soak-writer.ts) are killed with
// SIGKILL at seeded random times and restarted while a reader checks every snapshot
// for torn transactions; at the end every acknowledged request must be in the graph
// exactly once and nothing else visible (each writer finally re-sends, with the same
// idempotency key, the one request it had in flight when it died).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../../drivers/faulty.ts";
import { Graph } from "../../server/store/graph.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import { create, idsAt } from "../store/rows-ids.ts";

const WRITER = fileURLToPath(new URL("./soak-writer.ts", import.meta.url));

export interface SoakPlan {
  seed: number;
  writers: number;
  commitsPerWriter: number;
  kills: number;
  /** Kills are spread over this many ms. */
  spanMs: number;
}

export interface SoakResult {
  ok: boolean;
  /** Every step taken, for the failure message (with the seed). */
  steps: string[];
  problems: string[];
  snapshots: number;
  acked: number;
}

export async function runSoak(loc: GraphLocation, child: { url: string; env: NodeJS.ProcessEnv }, plan: SoakPlan): Promise<SoakResult> {
  const rand = seededRandom(plan.seed);
  const steps: string[] = [`seed=${plan.seed} writers=${plan.writers} commits=${plan.commitsPerWriter} kills=${plan.kills}`];
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "og-soak-"));
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  const writes: Record<string, typeof create[]> = {};
  for (let i = 0; i < plan.writers; i++) {
    writes[`node:A${i}`] = [create];
    writes[`node:B${i}`] = [create];
  }
  await g.commit({ branch: "main", kind: "schema", actor: "setup", base: await g.snapshot(), writes });
  await g.close();

  const logs = Array.from({ length: plan.writers }, (_, i) => join(dir, `w${i}.log`));
  const procs: (ChildProcess | undefined)[] = [];
  const exits: Promise<number | null>[] = [];
  const start = (i: number): void => {
    const p = spawn(process.execPath, ["--import=tsx", WRITER, child.url, loc.graphId, String(i), String(plan.commitsPerWriter), logs[i]!], {
      env: { ...process.env, ...child.env }, stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    procs[i] = p;
    exits[i] = new Promise((r) => p.on("close", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL") problems.push(`writer ${i} exited ${code} ${signal ?? ""}: ${err.slice(-500)}`);
      r(code);
    }));
  };
  for (let i = 0; i < plan.writers; i++) start(i);

  // A reader that checks every snapshot: A<i> and B<i> always hold the same rows.
  let stop = false;
  let snapshots = 0;
  const reading = (async () => {
    const reader = await Graph.open(loc, { mode: "read-only" });
    while (!stop) {
      const snap = await reader.snapshot();
      snapshots++;
      for (let i = 0; i < plan.writers; i++) {
        const [a, b] = await Promise.all([idsAt(snap, `node:A${i}`), idsAt(snap, `node:B${i}`)]);
        if (a.join() !== b.join()) problems.push(`torn at ${snap.commitId}: A${i}=${a.length} B${i}=${b.length}`);
      }
    }
  })();

  const killTimes = Array.from({ length: plan.kills }, () => Math.floor(rand() * plan.spanMs)).sort((a, b) => a - b);
  let last = 0;
  for (const at of killTimes) {
    await new Promise((r) => setTimeout(r, at - last));
    last = at;
    const i = Math.floor(rand() * plan.writers);
    const p = procs[i];
    if (!p || p.exitCode !== null) {
      steps.push(`t=${at}ms writer ${i} already done`);
      continue;
    }
    steps.push(`t=${at}ms kill -9 writer ${i}`);
    p.kill("SIGKILL");
    await exits[i];
    start(i);
  }
  // Writers finish (each re-sends the request it had in flight when it last died).
  for (let round = 0; round < 3; round++) await Promise.all(exits);
  stop = true;
  await reading;

  const final = await Graph.open(loc, { mode: "read-write" });
  const snap = await final.snapshot();
  let ackedCount = 0;
  for (let i = 0; i < plan.writers; i++) {
    const lines = existsSync(logs[i]!) ? readFileSync(logs[i]!, "utf8").split("\n").filter(Boolean) : [];
    const acked = [...new Set(lines.filter((l) => l.startsWith("ack ")).map((l) => l.split(" ")[1]!))].sort();
    ackedCount += acked.length;
    for (const table of [`node:A${i}`, `node:B${i}`]) {
      const ids = await idsAt(snap, table);
      const dupes = ids.filter((x, k) => ids.indexOf(x) !== k);
      if (dupes.length) problems.push(`${table}: stored more than once: ${[...new Set(dupes)].join(",")}`);
      const visible = [...new Set(ids)].sort();
      const missing = acked.filter((k) => !visible.includes(k));
      const extra = visible.filter((k) => !acked.includes(k));
      if (missing.length) problems.push(`${table}: acknowledged but missing: ${missing.join(",")}`);
      if (extra.length) problems.push(`${table}: visible but never acknowledged: ${extra.join(",")}`);
    }
    if (acked.length !== plan.commitsPerWriter) problems.push(`writer ${i} acknowledged ${acked.length} of ${plan.commitsPerWriter}`);
  }
  await final.close();
  return { ok: problems.length === 0, steps, problems, snapshots, acked: ackedCount };
}
