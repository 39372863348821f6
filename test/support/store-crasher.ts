// Child process for the crash suite (test/store/crash.test.ts): opens a graph the
// parent prepared and runs one operation with OMNIGRAPH_FAILPOINTS=<name>=crash set, so
// the store SIGKILLs this process at that phase boundary. Operation `recovery` is a
// read-write open, which runs the recovery sweep. Exits 0 (and says so on stdout) if
// the operation finished without the failpoint firing, which the parent reports.
//
// Usage: store-crasher.ts <store url> <graph id> <commit|schema|merge|branch_create|branch_delete|recovery|fork_commit>
import type { ObjectStore } from "../../drivers/contract.ts";
import { RetryingStore } from "../../drivers/retry.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import { runForkCommit, runOperation, type ChildOp } from "../store/crash-ops.ts";

const [url, graphId, op] = process.argv.slice(2) as [string, string, ChildOp];
const loc = new GraphLocation(await openChildStore(url), `graphs/${graphId}`, graphId, undefined);
// A short lease: the parent's next read-write open takes it over from this dead
// process after one lease period (it waits for the period the lease object records).
const lease = { durationMs: 1500 };
if (op === "recovery") {
  await Graph.open(loc, { mode: "read-write", lease });
} else {
  const g = await Graph.open(loc, { mode: "read-write", recover: false, lease });
  if (op === "fork_commit") await runForkCommit(g);
  else await runOperation(g, op);
}
process.stdout.write(`finished ${op} without crashing\n`);

/**
 * Opens only the driver the URL needs (fs:// or s3://), like `openStore` would. The
 * suite spawns dozens of these children: importing every SDK through drivers/open.ts
 * costs over a second of CPU per child on this machine.
 */
async function openChildStore(storeUrl: string): Promise<ObjectStore> {
  const u = new URL(storeUrl);
  if (u.protocol === "fs:") {
    const { FsStore } = await import("../../drivers/fs.ts");
    return new RetryingStore(new FsStore(decodeURIComponent(u.pathname)));
  }
  if (u.protocol === "s3:") {
    const { S3Store } = await import("../../drivers/s3.ts");
    return new RetryingStore(new S3Store({
      bucket: u.hostname, prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ""),
      endpoint: u.searchParams.get("endpoint") ?? undefined, region: u.searchParams.get("region") ?? undefined,
    }));
  }
  const { openStore } = await import("../../drivers/open.ts");
  return openStore(storeUrl);
}
