import test from "ava";
import { randomBytes } from "node:crypto";
import { MemoryStore } from "../../drivers/memory.ts";
import { conformance } from "./conformance.ts";
import { inProcessHarness } from "./harness.ts";

conformance(test, inProcessHarness("memory", async () => {
  const name = `conf-${randomBytes(6).toString("hex")}`;
  return { raw: new MemoryStore(name), cleanup: async () => MemoryStore.reset(name) };
}));
