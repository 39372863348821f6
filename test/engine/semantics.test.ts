import test from "ava";
import { compileQuery } from "../../server/engine/query/typecheck.ts";
import { compileSchema } from "../../server/engine/schema/index.ts";
import { storeTargets } from "../store/support.ts";
import { codeOf, engineWith, fixture, rowsOf } from "./support.ts";

// Issue 13: where our engine disagreed with OmniGraph v0.10 (three bugs, five
// semantic gaps). Each test here failed before its fix.

const targets = storeTargets().filter((t) => t.name !== "rgw");

for (const target of targets) {
  const social = () => engineWith(target, fixture("test.pg"), fixture("test.jsonl"));
  const load = (e: Awaited<ReturnType<typeof social>>, ndjson: string, mode: "merge" | "append" | "overwrite" = "merge") =>
    e.load({ input: ndjson, mode, strict: true, actor: "t" });

  test(`${target.name}: a traversal binds each neighbour once, whatever the parallel or two-way edges`, async (t) => {
    const e = await social();
    await load(e, `{"edge":"Knows","from":"Diana","to":"Bob"}\n{"edge":"WorksAt","from":"Alice","to":"Acme"}`);
    const names = async (q: string) => (await rowsOf(e, q)).map((r) => r["f.name"]);
    for (const hop of ["<knows>", "<knows>{1,1}", "<knows>{1,2}"]) {
      // Bob's neighbours both ways: Alice (Alice→Bob) and Diana (Bob→Diana and Diana→Bob).
      const q = `query q() { match { $p: Person { name: "Bob" }  $p ${hop} $f  $f.name != "Bob" } return { $f.name } order { $f.name } }`;
      t.deepEqual(await names(q), hop.endsWith("{1,2}") ? ["Alice", "Charlie", "Diana"] : ["Alice", "Diana"], hop);
    }
    const employers = await rowsOf(e, `query q() { match { $p: Person { name: "Alice" }  $p worksAt $c } return { $c.name } }`);
    t.deepEqual(employers, [{ "c.name": "Acme" }]);
    const counted = await rowsOf(e, `query q() { match { $p: Person { name: "Bob" }  $p <knows> $f } return { count($f) as n } }`);
    t.deepEqual(counted, [{ n: 2 }]);
    // Both endpoints already bound: still one row.
    const bound = await rowsOf(e, `query q() { match { $p: Person { name: "Bob" }  $f: Person { name: "Diana" }  $p <knows> $f } return { $f.name } }`);
    t.deepEqual(bound, [{ "f.name": "Diana" }]);
    // An edge variable asks for one row per edge.
    const perEdge = await rowsOf(e, `query q() { match { $p: Person { name: "Alice" }  $p $w:worksAt $c } return { $c.name } }`);
    t.deepEqual(perEdge, [{ "c.name": "Acme" }, { "c.name": "Acme" }]);
  });

  test(`${target.name}: a float literal or F64 param compared with an integer column answers rows, never a Lance error`, async (t) => {
    const e = await engineWith(target, `node Metric { name: String @key  count: I32  big: I64? }`,
      `{"type":"Metric","data":{"name":"a","count":2,"big":5}}\n{"type":"Metric","data":{"name":"b","count":3}}`);
    const names = async (q: string, params: Record<string, unknown> = {}) => (await rowsOf(e, q, params)).map((r) => r["m.name"]);
    t.deepEqual(await names(`query q() { match { $m: Metric { count: 2.7 } } return { $m.name } }`), []);
    t.deepEqual(await names(`query q() { match { $m: Metric  $m.count < 2.7 } return { $m.name } order { $m.name } }`), ["a"]);
    t.deepEqual(await names(`query q() { match { $m: Metric  $m.count >= 2.5 } return { $m.name } order { $m.name } }`), ["b"]);
    t.deepEqual(await names(`query q($x: F64) { match { $m: Metric  $m.count > $x } return { $m.name } order { $m.name } }`, { x: 2.1 }), ["b"]);
    t.deepEqual(await names(`query q($x: F64) { match { $m: Metric  $m.big != $x } return { $m.name } }`, { x: 5.5 }), ["a"]);
    t.deepEqual(await names(`query q() { match { $m: Metric  $m.count = 2.0 } return { $m.name } }`), ["a"]);
    t.deepEqual(await names(`query q($x: F64) { match { $m: Metric  $m.count < $x } return { $m.name } order { $m.name } }`, { x: 3e10 }), ["a", "b"]);
  });

  test(`${target.name}: moving an edge checks the minimum cardinality of its old source`, async (t) => {
    const e = await engineWith(target, `node P { name: String @key }\nedge Owns: P -> P @card(1..)`,
      `{"type":"P","data":{"name":"a"}}\n{"type":"P","data":{"name":"b"}}\n{"type":"P","data":{"name":"c"}}\n` +
      `{"edge":"Owns","from":"a","to":"c","data":{"id":"e1"}}\n{"edge":"Owns","from":"b","to":"c","data":{"id":"e2"}}`);
    const head = (await e.snapshot()).commitId;
    t.is(await codeOf(load(e, `{"edge":"Owns","from":"b","to":"a","data":{"id":"e1"}}`)), "ERR_INTEGRITY");
    t.is((await e.snapshot()).commitId, head);
    // Giving `a` another edge in the same load makes the move legal.
    t.is(await codeOf(load(e, `{"edge":"Owns","from":"b","to":"a","data":{"id":"e1"}}\n{"edge":"Owns","from":"a","to":"b","data":{"id":"e3"}}`)), "ok");
  });

  test(`${target.name}: duplicate keys inside one load are rejected in merge and overwrite modes`, async (t) => {
    for (const mode of ["merge", "overwrite"] as const) {
      const e = await social();
      const head = (await e.snapshot()).commitId;
      t.is(await codeOf(load(e, `{"type":"Person","data":{"name":"Eve","age":1}}\n{"type":"Person","data":{"name":"Eve","age":2}}`, mode)), "ERR_INTEGRITY", mode);
      t.is(await codeOf(load(e, `{"type":"Company","data":{"id":"Initech","name":"Initech"}}\n{"type":"Company","data":{"name":"Initech"}}`, mode)), "ERR_INTEGRITY", mode);
      t.is((await e.snapshot()).commitId, head);
    }
    // A @key value twice is refused in append mode too; any other explicit id twice is a
    // key conflict in append and overwrite, and the last row wins in merge mode.
    const e = await social();
    t.is(await codeOf(load(e, `{"type":"Person","data":{"name":"Eve"}}\n{"type":"Person","data":{"name":"Eve"}}`, "append")), "ERR_INTEGRITY");
    const twice = `{"edge":"Knows","from":"Alice","to":"Diana","data":{"id":"k"}}\n{"edge":"Knows","from":"Bob","to":"Diana","data":{"id":"k"}}`;
    t.is(await codeOf(load(e, twice, "overwrite")), "ERR_KEY_CONFLICT");
    t.is(await codeOf(load(e, twice, "append")), "ERR_KEY_CONFLICT");
    await load(e, twice, "merge");
    t.deepEqual(await rowsOf(e, `query q() { match { $a: Person  $a $k:knows $b  $k.id = "k" } return { $a.name } }`), [{ "a.name": "Bob" }]);
  });

  test(`${target.name}: @card(min..) is checked only for the sources an edge write touches (nodes first, edges later)`, async (t) => {
    const e = await engineWith(target, `node P { name: String @key }\nnode C { name: String @key }\nedge At: P -> C @card(1..)`);
    t.is(await codeOf(load(e, `{"type":"P","data":{"name":"a"}}\n{"type":"C","data":{"name":"x"}}`)), "ok");
    t.is(await codeOf(e.mutate({ query: `query q() { insert P { name: "b" } }`, actor: "t" })), "ok");
    t.is(await codeOf(load(e, `{"edge":"At","from":"a","to":"x"}`)), "ok");
    // Taking a's only edge away is still refused.
    t.is(await codeOf(e.mutate({ query: `query q() { delete At where from = "a" }`, actor: "t" })), "ERR_INTEGRITY");
  });

  test(`${target.name}: schema drops are soft without allow_data_loss and hard with it`, async (t) => {
    const v1 = `node P { name: String @key  note: String? }\nnode Q { name: String @key }`;
    const e = await engineWith(target, v1, `{"type":"P","data":{"name":"a","note":"hello"}}\n{"type":"Q","data":{"name":"q"}}`);
    const before = (await e.snapshot()).commitId;
    const soft = await e.applySchema({ source: `node P { name: String @key }`, actor: "t" });
    t.true(soft.applied);
    t.deepEqual(soft.steps.map((s) => s.kind).sort(), ["drop_property", "drop_type"]);
    t.is(await codeOf(e.query({ query: `query q() { match { $p: P } return { $p.note } }` })), "ERR_TYPE");
    // The earlier snapshot still reads the dropped data.
    t.deepEqual(await rowsOf(e, `query q() { match { $p: P } return { $p.note } }`, {}, { snapshot: before } as { branch?: string }), [{ "p.note": "hello" }]);
    t.deepEqual((await e.query({ query: `query q() { match { $q: Q } return { $q.name } }`, snapshot: before })).rows, [{ "q.name": "q" }]);

    const e2 = await engineWith(target, v1, `{"type":"P","data":{"name":"a","note":"hello"}}\n{"type":"Q","data":{"name":"q"}}`);
    const before2 = (await e2.snapshot()).commitId;
    const hard = await e2.applySchema({ source: `node P { name: String @key }`, allowDataLoss: true, actor: "t" });
    t.true(hard.applied);
    t.deepEqual(await rowsOf(e2, `query q() { match { $p: P } return { $p.name } }`), [{ "p.name": "a" }]);
    // The earlier snapshot's data is gone, and saying so is a typed error, not Lance's text.
    t.is(await codeOf(e2.query({ query: `query q() { match { $p: P } return { $p.note } }`, snapshot: before2 })), "ERR_SNAPSHOT_EXPIRED");
    t.is(await codeOf(e2.query({ query: `query q() { match { $q: Q } return { $q.name } }`, snapshot: before2 })), "ERR_SNAPSHOT_EXPIRED");
  });
}

test("duplicate enum values are a schema error", (t) => {
  t.throws(() => compileSchema(`node T { s: enum(open, closed, open) }`), { code: "ERR_SCHEMA_INVALID" });
});

test("an unbounded traversal is refused at type check", (t) => {
  const catalog = compileSchema(fixture("test.pg"));
  t.throws(() => compileQuery(`query q() { match { $p: Person  $p knows{1,} $f } return { $f.name } }`, catalog), { code: "ERR_TYPE" });
});

// The storage boundary: a failure inside LanceDB while reading (here: a data file gone
// from under a committed version) reaches the caller as a typed store error whose
// message carries none of Lance's internal text.
const fsTarget = targets.find((x) => x.name === "fs")!;
test("fs: a Lance failure during a read is a typed ERR_LANCE without Lance's text", async (t) => {
  const { readdirSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const e = await engineWith(fsTarget, fixture("test.pg"), fixture("test.jsonl"));
  const root = join(new URL(fsTarget.child!.url).pathname, e.graph.loc.prefix);
  const removed: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (/\/data\/[^/]+\.lance$/.test(p) && p.includes(".lance/data/")) removed.push(p);
    }
  };
  walk(root);
  t.true(removed.length > 0);
  for (const p of removed) rmSync(p);
  const err = await e.query({ query: `query q() { match { $p: Person } return { $p.name } }` }).then(() => undefined, (x: unknown) => x as { code?: string; message: string });
  t.is(err?.code, "ERR_LANCE");
  t.notRegex(err!.message, /lance error|cargo|\.rs:\d+/i);
});

test("a value where @unique/@index expect property names is a schema rule error, not a parse error", (t) => {
  for (const ann of ["@unique", "@index"]) {
    t.throws(() => compileSchema(`node Person {\n  email: String ${ann}("x")\n}`), { code: "ERR_SCHEMA_INVALID" }, ann);
  }
});

test("count() over a Blob and alias order keys beside nearest are refused at type check", (t) => {
  const catalog = compileSchema(`node Doc { name: String  payload: Blob?  embedding: Vector(3)? }`);
  t.throws(() => compileQuery(`query q($b: Blob) { match { $d: Doc } return { count($b) } }`, catalog), { code: "ERR_TYPE" });
  t.throws(() => compileQuery(`query q() { match { $d: Doc } return { count($d.payload) } }`, catalog), { code: "ERR_TYPE" });
  t.throws(() => compileQuery(`query q($v: Vector(3)) { match { $d: Doc } return { $d.name as n } order { nearest($d.embedding, $v), n desc } limit 3 }`, catalog), { code: "ERR_TYPE" });
});
