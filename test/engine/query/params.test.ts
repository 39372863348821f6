import test from "ava";
import { bindParams } from "../../../server/engine/query/params.ts";
import { compileQuery } from "../../../server/engine/query/typecheck.ts";
import type { TypedQuery } from "../../../server/engine/query/typed.ts";
import { libCatalog } from "./catalogs.ts";
import { throwsCode } from "./helpers.ts";

const lib = libCatalog();
function query(params: string): TypedQuery {
  return compileQuery(`query q(${params}) { match { $p: Paper } return { $p.doi } }`, lib);
}
const one = (type: string, json: unknown) => bindParams(query(`$x: ${type}`), { x: json }).get("x");

test("scalar parameters convert to their runtime representation", (t) => {
  t.is(one("String", "héllo"), "héllo");
  t.is(one("Blob", "base64:AA=="), "base64:AA==");
  t.is(one("Bool", false), false);
  t.is(one("I32", -2147483648), -2147483648);
  t.is(one("U32", 4294967295), 4294967295);
  t.is(one("I64", 42), 42n);
  t.is(one("I64", "-9223372036854775808"), -9223372036854775808n);
  t.is(one("U64", "18446744073709551615"), 18446744073709551615n);
  t.is(one("U64", 7), 7n);
  t.is(one("F32", 0.1), Math.fround(0.1));
  t.is(one("F64", 0.1), 0.1);
  t.is(one("F64", 3), 3);
  t.is(one("Date", "2024-02-29"), "2024-02-29");
  t.is(one("DateTime", "2024-01-01T01:30:00+01:30"), Date.UTC(2024, 0, 1));
  t.is(one("DateTime", "2024-01-02"), Date.UTC(2024, 0, 2));
  t.is(one("DateTime", "2024-01-02T03:04:05.678912Z"), Date.UTC(2024, 0, 2, 3, 4, 5, 678));
});

test("vectors become Float32Arrays and lists convert element-wise", (t) => {
  const v = one("Vector(3)", [1, 0.5, -2]);
  t.true(v instanceof Float32Array);
  t.deepEqual(Array.from(v as Float32Array), [1, 0.5, -2]);
  t.deepEqual(one("[I64]", [1, "2"]), [1n, 2n]);
  t.deepEqual(one("[String]", []), []);
  t.deepEqual(one("[Date]", ["2024-01-01"]), ["2024-01-01"]);
});

test("omitted or null nullable parameters bind to null", (t) => {
  const q = query("$a: String?, $b: Vector(2)?, $c: [I32]?");
  const bound = bindParams(q, { b: null });
  t.deepEqual([...bound.entries()], [["a", null], ["b", null], ["c", null]]);
});

test("no params: undefined and null bodies bind nothing", (t) => {
  t.is(bindParams(query(""), undefined).size, 0);
  t.is(bindParams(query(""), null).size, 0);
  t.is(bindParams(query(""), {}).size, 0);
});

const refused: [string, string, unknown][] = [
  ["a missing non-nullable parameter", "$x: String", {}],
  ["null for a non-nullable parameter", "$x: String", { x: null }],
  ["an unknown parameter", "$x: String?", { y: "a" }],
  ["a number for a String", "$x: String", { x: 3 }],
  ["a string for a Bool", "$x: Bool", { x: "true" }],
  ["an I32 above its range", "$x: I32", { x: 2147483648 }],
  ["an I32 below its range", "$x: I32", { x: -2147483649 }],
  ["a fraction for an I32", "$x: I32", { x: 1.5 }],
  ["a string for an I32", "$x: I32", { x: "3" }],
  ["a negative U32", "$x: U32", { x: -1 }],
  ["an I64 number beyond 2^53", "$x: I64", { x: 2 ** 53 + 2 }],
  ["an I64 string beyond its range", "$x: I64", { x: "9223372036854775808" }],
  ["a non-integer I64 string", "$x: I64", { x: "1e3" }],
  ["a negative U64 string", "$x: U64", { x: "-1" }],
  ["a U64 beyond its range", "$x: U64", { x: "18446744073709551616" }],
  ["a string for an F64", "$x: F64", { x: "1.5" }],
  ["an impossible Date", "$x: Date", { x: "2023-02-29" }],
  ["a DateTime string for a Date", "$x: Date", { x: "2024-01-01T00:00:00Z" }],
  ["a garbage DateTime", "$x: DateTime", { x: "yesterday" }],
  ["an hour out of range", "$x: DateTime", { x: "2024-01-01T24:00:00Z" }],
  ["a number for a DateTime", "$x: DateTime", { x: 1700000000000 }],
  ["a vector of the wrong length", "$x: Vector(3)", { x: [1, 2] }],
  ["a vector with a string element", "$x: Vector(2)", { x: [1, "2"] }],
  ["an object for a vector", "$x: Vector(2)", { x: { 0: 1, 1: 2 } }],
  ["a scalar for a list", "$x: [String]", { x: "a" }],
  ["a list with a null element", "$x: [String]", { x: ["a", null] }],
  ["a list with a bad element", "$x: [I32]", { x: [1, "b"] }],
  ["params that are an array", "$x: String?", ["a"]],
  ["params that are a string", "$x: String?", "x=a"],
];
for (const [label, params, json] of refused) {
  test(`bindParams refuses ${label} with ERR_PARAM`, (t) => {
    const err = throwsCode(t, () => bindParams(query(params), json), "ERR_PARAM");
    if (json !== null && typeof json === "object" && !Array.isArray(json)) {
      t.is(err?.detail?.param, Object.keys(json)[0] ?? "x");
    }
  });
}
