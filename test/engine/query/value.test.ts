import test from "ava";
import fc from "fast-check";
import type { PropType } from "../../../server/engine/schema/catalog.ts";
import { dateToDateTime, formatDateTime, parseDate, parseDateTime } from "../../../server/engine/query/temporal.ts";
import { castValue, compareValues, float32ToNumber, formatOutputValue, valuesEqual, type Value } from "../../../server/engine/query/value.ts";

const scalar = (base: string) => ({ kind: "scalar", base }) as PropType;

test("compareValues puts nulls first and orders booleans, numbers, bigints and strings", (t) => {
  const sorted = ([3n, null, "b", 1.5, false, "a", -2, true, 2n] as Value[]).sort((a, b) => compareValues(a, b));
  t.deepEqual(sorted, [null, false, true, -2, 1.5, 2n, 3n, "a", "b"]);
});

test("compareValues compares numbers and bigints exactly, -0 equals 0, NaN sorts last", (t) => {
  t.is(compareValues(2n ** 63n, 2 ** 63), 0);
  t.true(compareValues(2n ** 53n + 1n, 2 ** 53) > 0);
  t.is(compareValues(-0, 0), 0);
  t.true(compareValues(Number.NaN, Number.POSITIVE_INFINITY) > 0);
  t.true(compareValues(5n, Number.NaN) < 0);
  t.is(compareValues(Number.NaN, Number.NaN), 0);
});

test("compareValues orders strings by code point (UTF-8 byte order), not UTF-16 units", (t) => {
  t.true("\u{1F600}" < "\uFF61"); // JavaScript's UTF-16 order
  t.true(compareValues("\uFF61", "\u{1F600}") < 0); // code point order
  t.true(compareValues("a", "ab") < 0);
  t.is(compareValues("é", "é"), 0);
  t.true(compareValues("2024-01-02", "2024-10-01") < 0); // Dates sort as text
});

test("compareValues orders lists and vectors lexicographically", (t) => {
  t.true(compareValues([1, 2], [1, 3]) < 0);
  t.true(compareValues([1, 2], [1, 2, 0]) < 0);
  t.is(compareValues(new Float32Array([1, 2]), new Float32Array([1, 2])), 0);
  t.true(compareValues([null], [0]) < 0);
});

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.bigInt(),
  fc.string({ unit: "binary" }),
  fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 3 }),
);

test("compareValues is a total order (antisymmetric and transitive)", (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(valueArb, valueArb, valueArb, (a, b, c) => {
        const ab = Math.sign(compareValues(a, b));
        if (ab !== -Math.sign(compareValues(b, a)) && !(ab === 0 && compareValues(b, a) === 0)) return false;
        if (compareValues(a, a) !== 0) return false;
        if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0 && compareValues(a, c) > 0) return false;
        return true;
      }),
      { numRuns: 2000 },
    ),
  );
});

test("valuesEqual treats null as equal to null (grouping semantics)", (t) => {
  t.true(valuesEqual(null, null));
  t.true(valuesEqual(3, 3n));
  t.false(valuesEqual("a", "b"));
});

test("formatOutputValue produces the contract's JSON", (t) => {
  t.is(formatOutputValue("2024-01-02", scalar("Date")), "2024-01-02");
  t.is(formatOutputValue(Date.UTC(2024, 0, 2, 3, 4, 5, 6), scalar("DateTime")), "2024-01-02T03:04:05.006Z");
  t.is(formatOutputValue(9007199254740991n, scalar("I64")), 9007199254740991);
  t.is(formatOutputValue(7n, scalar("U64")), 7);
  t.is(formatOutputValue(3, scalar("I32")), 3);
  t.is(formatOutputValue(Math.fround(0.1), scalar("F32")), 0.1);
  t.is(formatOutputValue(0.1, scalar("F64")), 0.1);
  t.is(formatOutputValue(Number.NaN, scalar("F64")), null);
  t.is(formatOutputValue(null, scalar("String")), null);
  t.is(formatOutputValue("x", { kind: "enum", values: ["x"] }), "x");
  t.is(formatOutputValue(true, scalar("Bool")), true);
  t.deepEqual(formatOutputValue(new Float32Array([0.1, 1, 0.25]), { kind: "vector", dim: 3 }), [0.1, 1, 0.25]);
  t.deepEqual(formatOutputValue([0, Date.UTC(2000, 1, 29)], { kind: "list", base: "DateTime" }), ["1970-01-01T00:00:00.000Z", "2000-02-29T00:00:00.000Z"]);
  t.deepEqual(formatOutputValue([1n, 2n], { kind: "list", base: "I64" }), [1, 2]);
  t.is(JSON.stringify(formatOutputValue(5n, scalar("I64"))), "5");
});

test("float32ToNumber gives the shortest decimal that reads back as the same float32", (t) => {
  fc.assert(fc.property(fc.float({ noNaN: true }), (f) => Math.fround(float32ToNumber(f)) === Math.fround(f)));
  t.is(float32ToNumber(Math.fround(1.1)), 1.1);
  t.is(float32ToNumber(Math.fround(16777217)), 16777216);
});

test("castValue widens integers to bigint, Date to DateTime, element-wise for lists", (t) => {
  t.is(castValue(3, scalar("I32"), scalar("I64")), 3n);
  t.is(castValue(4, scalar("U32"), scalar("F64")), 4);
  t.is(castValue(0.1, scalar("F64"), scalar("F32")), Math.fround(0.1));
  t.is(castValue("2024-01-02", scalar("Date"), scalar("DateTime")), Date.UTC(2024, 0, 2));
  t.deepEqual(castValue([1, 2], { kind: "list", base: "U32" }, { kind: "list", base: "U64" }), [1n, 2n]);
  t.is(castValue(null, scalar("I32"), scalar("I64")), null);
  t.is(castValue("x", scalar("String"), { kind: "enum", values: ["x"] }), "x");
});

test("parseDate accepts real calendar dates only", (t) => {
  t.is(parseDate("2000-02-29"), "2000-02-29");
  t.is(parseDate("0001-01-01"), "0001-01-01");
  for (const bad of ["1900-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "2024-1-1", "24-01-01", "2024-01-01T00:00:00Z", ""]) {
    t.is(parseDate(bad), undefined, bad);
  }
});

test("parseDateTime accepts ISO 8601 with optional time, fraction and zone", (t) => {
  const base = Date.UTC(2024, 0, 2, 3, 4, 5);
  t.is(parseDateTime("2024-01-02T03:04:05Z"), base);
  t.is(parseDateTime("2024-01-02t03:04:05z"), base);
  t.is(parseDateTime("2024-01-02 03:04:05"), base);
  t.is(parseDateTime("2024-01-02T03:04:05.1Z"), base + 100);
  t.is(parseDateTime("2024-01-02T03:04:05.123456789Z"), base + 123);
  t.is(parseDateTime("2024-01-02T05:04:05+02:00"), base);
  t.is(parseDateTime("2024-01-02T05:04:05+0200"), base);
  t.is(parseDateTime("2024-01-02T01:04:05-02"), base);
  t.is(parseDateTime("2024-01-02T03:04Z"), base - 5000);
  t.is(parseDateTime("2024-01-02"), Date.UTC(2024, 0, 2));
  for (const bad of ["2024-01-02T25:00:00Z", "2024-01-02T03:60:00Z", "2024-01-02T03:04:61Z", "2024-02-30T00:00:00Z", "2024-01-02T03:04:05+25:00", "now", "2024-01-02T03"]) {
    t.is(parseDateTime(bad), undefined, bad);
  }
});

test("formatDateTime and dateToDateTime round-trip through parseDateTime", (t) => {
  t.is(formatDateTime(0), "1970-01-01T00:00:00.000Z");
  t.is(dateToDateTime("0001-01-01"), -62135596800000);
  t.is(parseDateTime("0001-01-01T00:00:00Z"), -62135596800000);
  t.is(formatDateTime(dateToDateTime("0050-06-15")), "0050-06-15T00:00:00.000Z");
  fc.assert(
    // 0001-01-01T00:00:00.000Z ..= 9999-12-31T23:59:59.999Z
    fc.property(fc.integer({ min: -62135596800000, max: 253402300799999 }), (ms) => parseDateTime(formatDateTime(ms)) === ms),
  );
});
