import test from "ava";
import { Readable } from "node:stream";
import { EngineError } from "../../server/engine/errors.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf, engineWith, fixture, rowsOf } from "./support.ts";

const SCHEMA = `
node Person { name: String @key  age: I32?  born: Date?  seen: DateTime?  score: F64?  big: I64?  vec: Vector(3)? }
node Tag { label: String }
edge Knows: Person -> Person { since: Date? }
`;
const nd = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join("\n");
const persons = `query q() { match { $p: Person } return { $p.name, $p.age } order { $p.name } }`;

async function exportAll(e: Awaited<ReturnType<typeof engineWith>>): Promise<string> {
  const snap = await e.snapshot();
  let out = "";
  for await (const chunk of e.export(snap, await e.catalogOf(snap))) out += chunk;
  return out;
}

for (const target of storeTargets()) {
  const it = (title: string, fn: (t: import("ava").ExecutionContext, e: Awaited<ReturnType<typeof engineWith>>) => Promise<void>) =>
    test(`${target.name}: load ${title}`, async (t) => fn(t, await engineWith(target, SCHEMA)));

  it("every contract fixture loads with per-type counts, as one commit", async (t) => {
    for (const name of ["test", "context", "signals", "search"]) {
      const e = await engineWith(target, fixture(`${name}.pg`));
      const before = (await e.graph.history("main")).length;
      const out = await e.load({ input: fixture(`${name}.jsonl`), strict: true, actor: "t" });
      const lines = fixture(`${name}.jsonl`).split("\n").filter((l) => l.trim()).length;
      t.is(out.totalEntities, lines, name);
      t.is([...out.nodes, ...out.edges].reduce((a, x) => a + x.entitiesLoaded, 0), lines);
      t.is((await e.graph.history("main")).length, before + 1, `${name}: one commit`);
    }
  });

  it("values of every scalar type round-trip through load and export, rows sorted by id", async (t, e) => {
    const input = nd(
      { type: "Person", data: { name: "zed", age: 7, born: "2001-02-03", seen: "2024-05-06T07:08:09.123Z", score: 1.5, big: "9007199254740993", vec: [1, 2, 3] } },
      { type: "Person", data: { name: "amy" } },
      { edge: "Knows", from: "zed", to: "amy", data: { id: "k1", since: "2020-01-01" } },
    );
    await e.load({ input, strict: true, actor: "t" });
    const lines = (await exportAll(e)).trim().split("\n").map((l) => JSON.parse(l));
    t.deepEqual(lines, [
      { type: "Person", data: { id: "amy", name: "amy" } },
      { type: "Person", data: { id: "zed", name: "zed", age: 7, born: "2001-02-03", seen: "2024-05-06T07:08:09.123Z", score: 1.5, big: 9007199254740993, vec: [1, 2, 3] } },
      { edge: "Knows", from: "zed", to: "amy", data: { id: "k1", since: "2020-01-01" } },
    ]);
  });

  it("export then load into a fresh graph reproduces the data", async (t) => {
    const src = await engineWith(target, fixture("test.pg"), fixture("test.jsonl"));
    const snap = await src.snapshot();
    let dump = "";
    for await (const c of src.export(snap, await src.catalogOf(snap))) dump += c;
    const copy = await engineWith(target, fixture("test.pg"), dump);
    const all = `query q() { match { $a: Person  $a knows $b } return { $a.name, $b.name } order { $a.name, $b.name } }`;
    t.deepEqual(await rowsOf(copy, all), await rowsOf(src, all));
    let again = "";
    for await (const c of copy.export(await copy.snapshot(), await copy.catalogOf(await copy.snapshot()))) again += c;
    t.is(again, dump);
  });

  it("modes: append refuses existing ids, merge upserts, overwrite replaces touched types", async (t, e) => {
    await e.load({ input: nd({ type: "Person", data: { name: "a", age: 1 } }, { type: "Person", data: { name: "b", age: 2 } }), strict: true, actor: "t" });
    t.is(await codeOf(e.load({ input: nd({ type: "Person", data: { name: "a", age: 9 } }), strict: true, mode: "append", actor: "t" })), "ERR_KEY_CONFLICT");
    await e.load({ input: nd({ type: "Person", data: { name: "a", age: 10 } }), strict: true, mode: "merge", actor: "t" });
    t.deepEqual(await rowsOf(e, persons), [{ "p.name": "a", "p.age": 10 }, { "p.name": "b", "p.age": 2 }]);
    await e.load({ input: nd({ type: "Person", data: { name: "c", age: 3 } }), strict: true, mode: "overwrite", actor: "t" });
    t.deepEqual(await rowsOf(e, persons), [{ "p.name": "c", "p.age": 3 }]);
  });

  it("a malformed batch has no effect; errors say the line", async (t, e) => {
    await e.load({ input: nd({ type: "Person", data: { name: "keep" } }), strict: true, actor: "t" });
    const head = (await e.snapshot()).commitId;
    const bad: [string, string, number][] = [
      [`${nd({ type: "Person", data: { name: "x" } })}\n{"type": "Person", "data": {"name": "y", "name": "z"}}`, "ERR_NDJSON", 2],
      [`${nd({ type: "Person", data: { name: "x" } }, { type: "Persn", data: {} })}`, "ERR_NDJSON", 2],
      [nd({ type: "Person", data: { name: "x", shoe: 42 } }), "ERR_NDJSON", 1],
      [nd({ type: "Person", data: { name: "x", _rowid: 1 } }), "ERR_NDJSON", 1],
      [nd({ type: "Person", data: { name: "x" }, extra: true }), "ERR_NDJSON", 1],
      [nd({ type: "Person", data: { name: "x", age: "old" } }), "ERR_NDJSON", 1],
      [nd({ type: "Person", data: { name: "x", born: "2024-13-45" } }), "ERR_NDJSON", 1],
      [`${nd({ type: "Person", data: { name: "x" } })}\n{not json`, "ERR_NDJSON", 2],
      [nd({ edge: "Knows", from: "x", to: "ghost" }), "ERR_INTEGRITY", 0],
      [nd({ type: "Person", data: { name: "x", vec: [1, 2] } }), "ERR_NDJSON", 1],
    ];
    for (const [input, code, line] of bad) {
      const err = await e.load({ input, strict: true, actor: "t" }).then(() => undefined, (x: unknown) => x);
      t.is((err as { code?: string })?.code, code, input);
      if (line > 0) t.is((err as EngineError).location?.line, line, input);
    }
    t.is((await e.snapshot()).commitId, head);
  });

  it("the lenient parser reads pretty-printed JSON values", async (t, e) => {
    const pretty = `{\n  "type": "Person",\n  "data": { "name": "p", "age": 5 }\n}\n\n{ "type": "Person", "data": { "name": "q" } }`;
    const out = await e.load({ input: pretty, strict: false, actor: "t" });
    t.is(out.totalEntities, 2);
  });

  it("reads its input as a stream, chunk by chunk", async (t, e) => {
    const text = nd(...Array.from({ length: 300 }, (_, i) => ({ type: "Person", data: { name: `p${i}`, age: i % 100 } })));
    const chunks = text.match(/[\s\S]{1,97}/g)!.map((s) => Buffer.from(s));
    const out = await e.load({ input: Readable.from(chunks), strict: true, actor: "t" });
    t.is(out.totalEntities, 300);
    t.is((await rowsOf(e, `query q() { match { $p: Person } return { count($p) as n } }`))[0]!.n, 300);
  });

  it("batch limits are enforced per dataset before anything is written", async (t, e) => {
    const many = nd(...Array.from({ length: 6 }, (_, i) => ({ type: "Person", data: { name: `p${i}` } })));
    const err = await e.load({ input: many, strict: true, actor: "t", limits: { maxKeyedEntitiesPerDataset: 5, maxBytesPerDataset: 1 << 20 } }).then(() => undefined, (x: unknown) => x);
    t.is((err as { code?: string }).code, "ERR_RESOURCE_LIMIT");
    t.deepEqual((err as EngineError).detail?.resource, "keyed_entities_per_dataset");
    t.is(await codeOf(e.load({ input: many, strict: true, actor: "t", limits: { maxKeyedEntitiesPerDataset: 100, maxBytesPerDataset: 100 } })), "ERR_RESOURCE_LIMIT");
  });

  it("loading into a missing branch needs 'from', which creates it", async (t, e) => {
    t.is(await codeOf(e.load({ input: nd({ type: "Person", data: { name: "x" } }), branch: "feature", strict: true, actor: "t" })), "ERR_BRANCH_NOT_FOUND");
    const out = await e.load({ input: nd({ type: "Person", data: { name: "x" } }), branch: "feature", from: "main", strict: true, actor: "t" });
    t.true(out.branchCreated);
    t.deepEqual(await rowsOf(e, persons), []);
    t.is((await rowsOf(e, persons, {}, { branch: "feature" })).length, 1);
  });
}
