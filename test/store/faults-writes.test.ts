// Quick protocol-write fault suite (part of npm test): a lost response, and the store
// down until retries are exhausted (with and without the write having landed), at every
// write of a commit (sidecar create, sidecar CAS, entry, hint, sidecar delete), of a
// branch create (entry, hint) and of the writer lease (take, renew), with a client that
// retries using its idempotency key. Each case checks: every acknowledged request in
// the log exactly once, nothing unacknowledged visible unless the client was told the
// outcome is unknown and the lookup by key agrees, no torn snapshot, no sidecar left.
// The randomized version is test/faults/protocol-writes.test.ts (npm run test:faults).
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BRANCH_WRITES, COMMIT_WRITES, LEASE_WRITES, runWriteFault, WRITE_FAULTS, type ProtocolWrite } from "../support/protocol-faults.ts";
import { newGraphId } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "og-wfaults-"));
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));

const groups: [string, ProtocolWrite[], number][] = [
  ["a commit", COMMIT_WRITES, 0],
  ["a branch create", BRANCH_WRITES, 1],
  ["the writer lease", LEASE_WRITES, 0],
];

for (const [what, writes, at] of groups) {
  test(`fs: a lost response or exhausted retries at every write of ${what} (${writes.join(", ")}): acknowledged once, unknown resolved by key, nothing torn`, async (t) => {
    t.timeout(60_000);
    for (const write of writes) {
      for (const fault of WRITE_FAULTS) {
        const r = await runWriteFault(`fs://${dir}`, newGraphId(), write, fault, at);
        t.deepEqual(r.fired, [`${write}:${fault}`], `${write}:${fault} fired`);
        t.deepEqual(r.problems, [], `${write}:${fault}; steps:\n${r.steps.join("\n")}`);
      }
    }
  });
}
