import test from "ava";
import { storeTargets } from "../../store/support.ts";
import { compileOnly, runEntry } from "./run.ts";
import { TABLE } from "./table.ts";

// OmniGraph's own test assertions (tier A), restated as data in cases/, run on the
// memory and fs stores. A `difference` entry asserts our documented behaviour.
const targets = storeTargets().filter((t) => t.name !== "rgw");

for (const entry of TABLE) {
  if (entry.status.kind !== "ported" && entry.status.kind !== "difference") continue;
  const title = `${entry.file.split("/").pop()}:${entry.line} ${entry.test}`;
  if (compileOnly(entry)) {
    test(title, (t) => runEntry(t, entry, undefined));
    continue;
  }
  for (const target of targets) test(`${target.name}: ${title}`, (t) => runEntry(t, entry, target));
}
