// Child process of the fault soak (test/store/faults-quick.test.ts, test/faults/soak.test.ts):
// a client that commits rows `w<i>-<n>` (one row in A<i> and in B<i>, atomically), each
// with idempotency key = row id, and retries every retryable failure with the same
// key (reopening the graph when its lease was lost). Before a request it appends
// "intent <key>" to its log, after the acknowledgement "ack <key> <commit>", each
// fsync'd, so the parent knows what was acknowledged even across kill -9. A restarted
// writer first re-sends its last unacknowledged intent.
//
// Usage: soak-writer.ts <store url> <graph id> <writer index> <commits> <log path>
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from "node:fs";
import { RetryingStore } from "../../drivers/retry.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import { add } from "../store/rows.ts";

const [url, graphId, indexText, nText, logPath] = process.argv.slice(2) as [string, string, string, string, string];
const i = Number(indexText);
const total = Number(nText);

function logLine(line: string): void {
  const fd = openSync(logPath, "a");
  appendFileSync(fd, `${line}\n`);
  fsyncSync(fd);
  closeSync(fd);
}

const lines = existsSync(logPath) ? readFileSync(logPath, "utf8").split("\n").filter(Boolean) : [];
const acked = new Set(lines.filter((l) => l.startsWith("ack ")).map((l) => l.split(" ")[1]!));
const intents = lines.filter((l) => l.startsWith("intent ")).map((l) => l.split(" ")[1]!);
const pending = intents.filter((k) => !acked.has(k));

const u = new URL(url);
let store;
if (u.protocol === "fs:") {
  const { FsStore } = await import("../../drivers/fs.ts");
  store = new RetryingStore(new FsStore(decodeURIComponent(u.pathname)));
} else {
  const { openStore } = await import("../../drivers/open.ts");
  store = openStore(url);
}
const loc = new GraphLocation(store, `graphs/${graphId}`, graphId, undefined);
const open = () => Graph.open(loc, { mode: "read-write", lease: { durationMs: 1500, waitMs: 600_000 } });
let g = await open();

const RETRY = new Set(["ERR_UNAVAILABLE", "ERR_TIMEOUT", "ERR_THROTTLED", "ERR_COMMIT_OUTCOME_UNKNOWN", "ERR_MANIFEST_CONFLICT", "ERR_READ_SET_CONFLICT", "ERR_LEASE_LOST"]);

async function send(key: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await g.commit({ branch: "main", kind: "commit", actor: `w${i}`, base: await g.snapshot(), writes: { [`node:A${i}`]: [add([key, attempt])], [`node:B${i}`]: [add([key, attempt])] }, reads: [`node:A${i}`, `node:B${i}`], idempotencyKey: key });
      logLine(`ack ${key} ${r.entry!.commitId}`);
      return;
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      if (!RETRY.has(code) || attempt > 200) throw e;
      if (code === "ERR_LEASE_LOST") {
        await g.close();
        g = await open();
      }
    }
  }
}

for (const key of pending) await send(key);
let n = intents.length;
while (acked.size + pending.length < total && n < total) {
  const key = `w${i}-${n++}`;
  logLine(`intent ${key}`);
  await send(key);
  acked.add(key);
}
await g.close();
process.stdout.write("done\n");
