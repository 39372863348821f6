import test from "ava";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsStore } from "../../drivers/fs.ts";
import { conformance } from "./conformance.ts";
import { inProcessHarness } from "./harness.ts";

conformance(test, inProcessHarness("fs", async () => {
  const dir = await mkdtemp(join(tmpdir(), "og-fs-conf-"));
  return { raw: new FsStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}));
