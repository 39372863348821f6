import test from "ava";
import { readFileSync } from "node:fs";
import { UPSTREAM_FILES, UPSTREAM_TEST_COUNTS, type UpstreamFile } from "./case.ts";
import { DOC_PATH, renderDoc } from "./doc.ts";
import { TABLE } from "./table.ts";

test("docs/conformance.md is what the case table renders (run `npm run conformance:doc`)", (t) => {
  t.is(readFileSync(DOC_PATH, "utf8"), renderDoc());
});

test("the table lists every upstream test function exactly once", (t) => {
  for (const [key, file] of Object.entries(UPSTREAM_FILES) as [UpstreamFile, string][]) {
    const list = TABLE.filter((e) => e.file === file);
    // A table-driven upstream test may appear as several entries, `name[cell]`, on one line.
    const functions = new Map(list.map((e) => [e.line, e.test.replace(/\[.*\]$/, "")]));
    t.is(new Set(list.map((e) => e.test)).size, list.length, `${file}: an entry appears twice`);
    t.is(new Set(functions.values()).size, functions.size, `${file}: two test functions on one line`);
    t.is(functions.size, UPSTREAM_TEST_COUNTS[key], `${file}: upstream has ${UPSTREAM_TEST_COUNTS[key]} test functions`);
  }
  for (const e of TABLE) {
    const ported = e.status.kind === "ported" || e.status.kind === "difference";
    t.is(ported, (e.steps?.length ?? 0) > 0, `${e.file}:${e.line} ${e.test}: ported entries have steps, others none`);
  }
});
