// The quick fault suite (part of npm test): writer processes killed with SIGKILL at
// seeded random times; every acknowledged commit exactly once, nothing else visible,
// no torn snapshot. The long variant is test/faults/soak.test.ts (npm run test:faults).
import test from "ava";
import { runSoak } from "../support/soak.ts";
import { newGraphId, storeTargets } from "./support.ts";

const fs = storeTargets().find((x) => x.name === "fs")!;
const seed = Number(process.env.OMNIGRAPH_FAULT_SEED ?? Date.now() % 1_000_000);

test(`fs: kill -9 of writer processes at random times (seed ${seed}): every acknowledged commit once, nothing else visible, no torn snapshot`, async (t) => {
  t.timeout(180_000);
  const r = await runSoak(fs.location(newGraphId()), fs.child!, { seed, writers: 2, commitsPerWriter: 6, kills: 3, spanMs: 6000 });
  t.log(`${r.acked} acknowledged commits, ${r.snapshots} reader snapshots; ${r.steps.join("; ")}`);
  t.deepEqual(r.problems, [], `seed ${seed}; steps:\n${r.steps.join("\n")}`);
});
