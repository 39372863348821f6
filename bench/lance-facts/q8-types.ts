// Q8: Arrow types round-trip, nulls, filter literal syntax, quoting. Run: node --import=tsx bench/lance-facts/q8-types.ts [fs|rgw]
import { arrow, backendsFromArgv, errInfo, fmt, header, makeCtx, tryOp } from "./lib.ts";
import type { Table } from "@lancedb/lancedb";

const DIM = 3;
const schema = new arrow.Schema([
  new arrow.Field("id", new arrow.Utf8(), false),
  new arrow.Field("s", new arrow.Utf8(), true),
  new arrow.Field("b", new arrow.Bool(), true),
  new arrow.Field("i32", new arrow.Int32(), true),
  new arrow.Field("i64", new arrow.Int64(), true),
  new arrow.Field("u32", new arrow.Uint32(), true),
  new arrow.Field("u64", new arrow.Uint64(), true),
  new arrow.Field("f32", new arrow.Float32(), true),
  new arrow.Field("f64", new arrow.Float64(), true),
  new arrow.Field("d", new arrow.DateDay(), true),
  new arrow.Field("ts", new arrow.TimestampMillisecond("UTC"), true),
  new arrow.Field("tags", new arrow.List(new arrow.Field("item", new arrow.Utf8(), true)), true),
  new arrow.Field("vec", new arrow.FixedSizeList(DIM, new arrow.Field("item", new arrow.Float32(), true)), true),
  new arrow.Field("blob", new arrow.Binary(), true),
  new arrow.Field("first name", new arrow.Utf8(), true),
  new arrow.Field("camelCase", new arrow.Int32(), true),
  new arrow.Field("select", new arrow.Int32(), true),
]);

const full = {
  id: "a", s: "O'Brien \"q\" \\ back", b: true, i32: -2147483648, i64: 9007199254740993n, u32: 4294967295, u64: 18446744073709551615n,
  f32: 1.5, f64: Math.PI, d: new Date("2024-03-15T00:00:00Z"), ts: new Date("2024-03-15T12:34:56.789Z"),
  tags: ["x", "y"], vec: [1, 0, 0], blob: Buffer.from([0, 1, 2, 255]), "first name": "Ann", camelCase: 7, select: 1,
};
const nulls = {
  id: "n", s: null, b: null, i32: null, i64: null, u32: null, u64: null, f32: null, f64: null, d: null, ts: null,
  tags: null, vec: null, blob: null, "first name": null, camelCase: null, select: null,
};
const other = {
  id: "c", s: "plain", b: false, i32: 5, i64: 6n, u32: 7, u64: 8n, f32: 0.1, f64: 10.25,
  d: new Date("2023-12-31T00:00:00Z"), ts: new Date("2023-12-31T23:59:59.999Z"),
  tags: [], vec: [0, 1, 0], blob: Buffer.from("hello"), "first name": "Bob", camelCase: 9, select: 2,
};

function show(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "bigint") return `${v}n(bigint)`;
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  if (v instanceof Uint8Array) return `${v.constructor.name}[${Array.from(v).join(",")}]`;
  if (typeof v === "object" && v !== null && "toArray" in v) {
    const a = (v as { toArray(): unknown }).toArray();
    return `${v.constructor.name}→${(a as object).constructor.name}${fmt(Array.from(a as ArrayLike<unknown>))}`;
  }
  return `${typeof v}:${fmt(v)}`;
}

async function filters(t: Table): Promise<void> {
  const fs = [
    "d > date '2024-01-01'",
    "d = date '2024-03-15'",
    "d > '2024-01-01'",
    "d > cast('2024-01-01' as date)",
    "ts >= timestamp '2024-03-15 12:34:56.789'",
    "ts >= timestamp '2024-03-15T12:34:56.789Z'",
    "ts = timestamp '2024-03-15T12:34:56.789Z'",
    "ts > '2024-01-01T00:00:00Z'",
    "ts > to_timestamp_millis(1704067200000)",
    "ts > arrow_cast(1704067200000, 'Timestamp(Millisecond, Some(\"UTC\"))')",
    "s = 'O''Brien \"q\" \\ back'",
    "s = 'O\\'Brien \"q\" \\ back'",
    "s LIKE 'O''B%'",
    "`first name` = 'Ann'",
    "\"first name\" = 'Ann'",
    "camelCase = 7",
    "`camelCase` = 7",
    "\"camelCase\" = 7",
    "camelcase = 7",
    "select = 1",
    "`select` = 1",
    "i64 = 9007199254740993",
    "u64 = 18446744073709551615",
    "u64 > 9",
    "u64 = CAST('18446744073709551615' AS BIGINT UNSIGNED)",
    "u64 = arrow_cast('18446744073709551615', 'UInt64')",
    "u64 > 9223372036854775807",
    "ts > timestamp '2024-01-01'",
    "ts > date '2024-01-01'",
    "d >= timestamp '2024-03-15 00:00:00'",
    "s = \"plain\"",
    "i32 IS NULL",
    "i32 > 0",
    "NOT (i32 > 0)",
    "b = true",
    "b IS NOT TRUE",
    "array_has(tags, 'x')",
    "array_contains(tags, 'x')",
    "array_length(tags) = 0",
    "id IN ('a', 'c')",
    "blob = X'000102ff'",
    "f32 = 1.5",
    "f64 > 3.14159",
  ];
  for (const f of fs) {
    try {
      const r = await t.query().where(f).select(["id"]).toArray();
      console.log(`  where ${f.padEnd(72)} -> ${fmt(r.map((o: { id: string }) => o.id).sort())}`);
    } catch (e) {
      console.log(`  where ${f.padEnd(72)} -> ERROR ${errInfo(e).slice(0, 180)}`);
    }
  }
}

for (const backend of backendsFromArgv()) {
  header(`Q8 types — ${backend}`);
  const ctx = await makeCtx(backend, "q8");
  const db = await ctx.connect();
  const t = await db.createEmptyTable("t", schema);
  // one row per line to find failures, if the batch fails
  const r = await tryOp("add([full, nulls, other]) as JS objects", () => t.add([full, nulls, other]));
  if (!r) {
    for (const row of [full, nulls, other]) await tryOp(`add single row ${row.id}`, () => t.add([row]));
  }
  const sch = await t.schema();
  console.log(`  stored schema: ${sch.fields.map((f) => `${f.name}:${f.type}${f.nullable ? "?" : ""}`).join(", ")}`);
  const got = await t.query().toArray();
  for (const row of got.sort((x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : 1))) {
    console.log(`  row ${row.id}:`);
    for (const f of sch.fields) console.log(`     ${f.name.padEnd(10)} ${show(row[f.name])}`);
  }
  // toArrow keeps Arrow types
  const at = await t.query().where("id = 'a'").toArrow();
  console.log(`  toArrow(): d.get(0)=${show(at.getChild("d")!.get(0))} ts.get(0)=${show(at.getChild("ts")!.get(0))} i64.get(0)=${show(at.getChild("i64")!.get(0))}`);

  header(`Q8 nulls / missing fields / wrong types — ${backend}`);
  await tryOp("add row with id=null into non-nullable id", () => t.add([{ ...nulls, id: null }]));
  await tryOp("add row missing optional fields (only id)", () => t.add([{ id: "m" }]));
  await tryOp("read back row m", async () => (await t.query().where("id = 'm'").toArray()).map((o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, show(v)]))));
  await tryOp("add i64 as JS number (not bigint)", () => t.add([{ id: "num64", i64: 42, u64: 43 }]));
  await tryOp("add d as ISO string", () => t.add([{ id: "dstr", d: "2024-01-02" }]));
  await tryOp("add ts as epoch ms number", () => t.add([{ id: "tsnum", ts: 1704067200000 }]));
  await tryOp("add vec wrong length (2)", () => t.add([{ id: "badvec", vec: [1, 2] }]));
  await tryOp("add vec as Float32Array", () => t.add([{ id: "f32arr", vec: new Float32Array([0, 0, 1]) }]));
  await tryOp("add with extra unknown column", () => t.add([{ id: "extra", zzz: 1 }]));
  await tryOp("add blob as Uint8Array", () => t.add([{ id: "u8", blob: new Uint8Array([9, 9]) }]));
  await tryOp("add d as JS number (epoch ms)", () => t.add([{ id: "dnum", d: Date.UTC(2024, 0, 2) }]));
  await tryOp("add ts as ISO string", () => t.add([{ id: "tsstr", ts: "2024-01-02T03:04:05Z" }]));
  await tryOp("add i32 as string '5'", () => t.add([{ id: "i32str", i32: "5" }]));
  await tryOp("add Arrow table built with ESM apache-arrow (tableFromArrays)", () => t.add(arrow.tableFromArrays({ id: ["esm"], i32: Int32Array.from([3]) }) as never));
  await tryOp("read back num64/dstr/tsnum/u8/badvec/dnum/tsstr/i32str/esm", async () => (await t.query().where("id IN ('num64','dstr','tsnum','u8','f32arr','badvec','dnum','tsstr','i32str','esm')").select(["id", "i64", "u64", "d", "ts", "blob", "vec", "i32"]).toArray()).map((o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, show(v)]))));

  header(`Q8 filter syntax — ${backend}`);
  await t.delete("id NOT IN ('a', 'n', 'c')");
  await filters(t);
  header(`Q8 update values with JS types — ${backend}`);
  await tryOp("update({where:\"id = 'c'\", values:{d: new Date('2025-01-01'), ts: new Date('2025-01-01T01:02:03Z'), s: \"it's\"}})", () => t.update({ where: "id = 'c'", values: { d: new Date("2025-01-01T00:00:00Z"), ts: new Date("2025-01-01T01:02:03Z"), s: "it's" } }));
  await tryOp("read back c", async () => (await t.query().where("id = 'c'").select(["d", "ts", "s"]).toArray()).map((o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, show(v)]))));
  await tryOp("mergeInsert on id with full typed row", () => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ ...full, id: "a", s: "merged" }, { ...other, id: "z" }]));
  await ctx.cleanup();
}
