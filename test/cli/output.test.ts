import test from "ava";
import { render, renderCsv, renderKv, renderTable } from "../../server/cli/output.ts";

const read = {
  query_name: "people",
  target: { branch: "main", snapshot: null },
  row_count: 2,
  columns: ["p.name", "p.note"],
  rows: [{ "p.name": "Alice", "p.note": 'says "hi", then\nleaves' }, { "p.name": "Bob", "p.note": null }],
  graph_commit_id: "01ABC",
};
const printable = { json: read, rows: read.rows, columns: read.columns };

test("json prints the contract object unchanged", (t) => {
  t.deepEqual(JSON.parse(render(printable, "json")), read);
});

test("jsonl prints the metadata line (without rows) then one line per row", (t) => {
  const lines = render(printable, "jsonl").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  t.is(lines.length, 3);
  t.false("rows" in lines[0]!);
  t.is(lines[0]!.row_count, 2);
  t.deepEqual(lines.slice(1), read.rows);
});

test("csv quotes fields with commas, quotes and newlines (RFC 4180) and leaves nulls empty", (t) => {
  t.is(renderCsv(read.rows, read.columns), 'p.name,p.note\nAlice,"says ""hi"", then\nleaves"\nBob,\n');
});

test("table aligns columns, flattens newlines and cuts long cells", (t) => {
  const out = renderTable([{ a: "x".repeat(100), b: 1 }, { a: "y", b: 22 }], ["a", "b"]).split("\n");
  t.is(out[0]!.indexOf("b"), out[2]!.indexOf("1"));
  t.true(out[2]!.includes("…"));
  t.true(out[2]!.length < 100);
  t.regex(renderTable([], ["a"]), /\(0 rows\)/);
});

test("kv prints one block per row", (t) => {
  t.is(renderKv([{ name: "Alice", age: 3 }, { name: "Bob" }], ["name", "age"]), "name  Alice\nage   3\n\nname  Bob\n");
});

test("an object without rows renders as one row; nested values as JSON", (t) => {
  const out = render({ json: { branch: "main", commit: { graph_commit_id: "X" } } }, "csv");
  t.is(out, 'branch,commit\nmain,"{""graph_commit_id"":""X""}"\n');
  t.is(render({ json: { a: 1 }, human: "hello" }, undefined), "hello\n");
});
