// The randomized protocol-write fault suite (npm run test:faults): random faults (a lost
// response, the store down until retries are exhausted, both) at random protocol writes
// (sidecar create / CAS / delete, entry, hint, lease take / renew) while a client
// commits and creates branches with idempotency keys, on fs and RGW. Checks as in
// test/store/faults-writes.test.ts. Each failure prints its seed and steps; rerun one
// with OMNIGRAPH_FAULT_SEED=<seed>. About 1–2 min on fs + RGW.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRandomWriteFaults } from "../support/protocol-faults.ts";
import { freshPrefix, rgwEnv, rgwRequired } from "../support/rgw.ts";
import { newGraphId } from "../store/support.ts";

const base = Number(process.env.OMNIGRAPH_FAULT_SEED ?? Date.now() % 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "og-wfaults-"));
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));

const sites: { name: string; url: string; credentials?: { accessKeyId: string; secretAccessKey: string } }[] = [{ name: "fs", url: `fs://${dir}` }];
const env = rgwEnv();
if (env) {
  const prefix = freshPrefix("wfaults").replace(/\/$/, "");
  sites.push({ name: "rgw", url: `s3://${env.bucket}/${prefix}?endpoint=${env.endpoint}&region=${env.region}`, credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } });
} else if (rgwRequired) {
  throw new Error("RGW is required under CI=true");
}

for (const site of sites) {
  for (let round = 0; round < 8; round++) {
    const seed = base + round;
    test.serial(`${site.name}: random protocol-write faults, round ${round} (seed ${seed}): acknowledged once, unknown resolved by key, nothing torn`, async (t) => {
      t.timeout(120_000);
      const r = await runRandomWriteFaults(site.url, newGraphId(), seed, { requests: 12, p: 0.6, ...(site.credentials ? { credentials: site.credentials } : {}) });
      t.log(`fired: ${r.fired.join(", ")}`);
      t.true(r.fired.length > 0, `seed ${seed}: some fault fired`);
      t.deepEqual(r.problems, [], `seed ${seed}; steps:\n${r.steps.join("\n")}`);
    });
  }
}
