/**
 * Runtime values of the query engine: parameters, literals, cells of result rows.
 *
 * | Type                         | Representation                                   |
 * |------------------------------|--------------------------------------------------|
 * | String, enum, Blob           | `string` (a Blob is its `base64:…` text or URI)  |
 * | Bool                         | `boolean`                                        |
 * | I32, U32, F32, F64           | `number` (F32 values are `Math.fround`ed)        |
 * | I64, U64                     | `bigint`                                         |
 * | Date                         | `string` `"YYYY-MM-DD"` (sorts as text)          |
 * | DateTime                     | `number`: integer epoch milliseconds, UTC        |
 * | `[T]`                        | `Value[]` of T's representation                  |
 * | `Vector(n)`                  | `Float32Array` of length n                       |
 * | null                         | `null`                                           |
 *
 * The representation is self-describing enough to order values without their type:
 * numbers and bigints compare numerically with each other, strings by Unicode code
 * point (the order of UTF-8 bytes, as Arrow and Lance sort), Date strings and
 * DateTime numbers in time order.
 */
import type { PropType, ScalarBase } from "../schema/catalog.ts";
import { dateToDateTime, formatDateTime } from "./temporal.ts";
import type { ExprType } from "./typed.ts";

export type Value = null | boolean | number | bigint | string | Float32Array | Value[];

/** What `formatOutputValue` produces: plain JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function kindRank(v: Exclude<Value, null>): number {
  if (typeof v === "boolean") return 0;
  if (typeof v === "number" || typeof v === "bigint") return 1;
  if (typeof v === "string") return 2;
  return 3;
}

/** Maps a UTF-16 code unit so that comparing mapped units orders by code point. */
function codePointOrderUnit(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  if (u >= 0xe000) return u - 0x800;
  return u;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderUnit(x) < codePointOrderUnit(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  const aNaN = typeof a === "number" && Number.isNaN(a);
  const bNaN = typeof b === "number" && Number.isNaN(b);
  if (aNaN || bNaN) return aNaN && bNaN ? 0 : aNaN ? 1 : -1; // NaN sorts after every number
  return a < b ? -1 : a > b ? 1 : 0; // exact across number/bigint
}

function compareSequences(a: ArrayLike<Value>, b: ArrayLike<Value>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Total order on values: null first, then by value (booleans false < true; numbers
 * and bigints numerically, NaN last, -0 = 0; strings by code point; lists and
 * vectors lexicographically). Returns a negative number, 0 or a positive number.
 * For descending order negate the result and put nulls last yourself.
 *
 * `type` is accepted for call-site clarity only: the representation already
 * carries what ordering needs.
 *
 * @example [3n, null, 1].sort((a, b) => compareValues(a, b)) // [null, 1, 3n]
 */
export function compareValues(a: Value, b: Value, _type?: ExprType): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1;
  const ra = kindRank(a);
  const rb = kindRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === "boolean") return Number(a) - Number(b as boolean);
  if (typeof a === "number" || typeof a === "bigint") return compareNumbers(a, b as number | bigint);
  if (typeof a === "string") return compareStrings(a, b as string);
  return compareSequences(a as ArrayLike<Value>, b as ArrayLike<Value>);
}

/** `compareValues(a, b) === 0` (so null equals null: use for grouping, not filters). */
export function valuesEqual(a: Value, b: Value): boolean {
  return compareValues(a, b) === 0;
}

/** Shortest decimal that reads back as the same float32 (`0.1`, not `0.10000000149011612`). */
export function float32ToNumber(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return f;
  for (let p = 1; p <= 9; p++) {
    const y = Number(f.toPrecision(p));
    if (Math.fround(y) === f) return y;
  }
  return f;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function formatScalar(v: Value, base: ScalarBase): JsonValue {
  if (v === null) return null;
  switch (base) {
    case "DateTime":
      return typeof v === "number" ? formatDateTime(v) : String(v);
    case "I64":
    case "U64":
    case "I32":
    case "U32":
      return typeof v === "bigint" ? Number(v) : (v as number);
    case "F32":
      return finiteOrNull(float32ToNumber(Number(v)));
    case "F64":
      return finiteOrNull(Number(v));
    default:
      return v as string | boolean;
  }
}

/**
 * Converts a value to the contract's JSON output: Date `YYYY-MM-DD`, DateTime
 * `YYYY-MM-DDTHH:MM:SS.sssZ`, integers (also I64/U64) as JSON numbers (beyond 2^53
 * they lose precision, as JSON numbers do in most clients), floats as numbers with
 * non-finite values as null, vectors and lists as arrays. Node/edge values are
 * assembled by the executor from their properties (format each property).
 *
 * @example formatOutputValue(0, { kind: "scalar", base: "DateTime" }) // "1970-01-01T00:00:00.000Z"
 */
export function formatOutputValue(v: Value, type: ExprType): JsonValue {
  if (v === null) return null;
  switch (type.kind) {
    case "scalar":
      return formatScalar(v, type.base);
    case "list":
      return (v as Value[]).map((x) => formatScalar(x, type.base));
    case "vector":
      return Array.from(v as ArrayLike<number>, (x) => finiteOrNull(float32ToNumber(x)));
    case "enum":
      return v as string;
    default:
      return v as JsonValue;
  }
}

function castScalar(v: Value, from: ScalarBase, to: ScalarBase): Value {
  if (v === null || from === to) return v;
  switch (to) {
    case "I64":
    case "U64":
      return typeof v === "bigint" ? v : BigInt(v as number);
    case "I32":
    case "U32":
    case "F64":
      return Number(v);
    case "F32":
      return Math.fround(Number(v));
    case "DateTime":
      return from === "Date" ? dateToDateTime(v as string) : v;
    default:
      return v;
  }
}

function baseOf(t: ExprType | PropType): ScalarBase | undefined {
  return t.kind === "scalar" || t.kind === "list" ? t.base : undefined;
}

/**
 * Evaluates a `cast` node: converts `v` of type `from` to `to` (numeric widening,
 * Date → DateTime at midnight UTC, element-wise for lists). Other pairs return `v`.
 */
export function castValue(v: Value, from: ExprType, to: ExprType): Value {
  if (v === null) return null;
  const fb = baseOf(from);
  const tb = baseOf(to);
  if (fb === undefined || tb === undefined) return v;
  if (to.kind === "list" && Array.isArray(v)) return v.map((x) => castScalar(x, fb, tb));
  return castScalar(v, fb, tb);
}
