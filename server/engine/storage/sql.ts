import { formatDateTime } from "../query/temporal.ts";
import type { Value } from "../query/value.ts";
import type { PropType } from "../schema/catalog.ts";

/**
 * Rendering of predicates for LanceDB's filter language (DataFusion SQL). Column
 * names are quoted with backticks (double quotes would make a string literal);
 * strings double their single quotes. Only exact, type-preserving renderings are
 * produced: anything else stays in the engine, which re-checks every row anyway.
 */
export function column(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

export function stringLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** SQL for a value of type `t`, or undefined when no exact rendering exists. */
export function literal(v: Value, t: PropType | "string"): string | undefined {
  if (v === null) return undefined;
  if (t === "string") return typeof v === "string" ? stringLiteral(v) : undefined;
  switch (t.kind) {
    case "enum":
      return typeof v === "string" ? stringLiteral(v) : undefined;
    case "scalar":
      switch (t.base) {
        case "String":
        case "Blob":
          return typeof v === "string" ? stringLiteral(v) : undefined;
        case "Bool":
          return typeof v === "boolean" ? String(v) : undefined;
        case "Date":
          return typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? `date ${stringLiteral(v)}` : undefined;
        case "DateTime":
          return typeof v === "number" && Number.isFinite(v) ? `timestamp ${stringLiteral(formatDateTime(v).replace("T", " ").replace("Z", ""))}` : undefined;
        default:
          return numericLiteral(v, t.base);
      }
    default:
      return undefined;
  }
}

/** Integer column ranges: DataFusion cannot cast a literal outside them (or a fraction) to the column type. */
const INTEGER_RANGE: Partial<Record<string, readonly [bigint, bigint]>> = {
  I32: [-(2n ** 31n), 2n ** 31n - 1n],
  U32: [0n, 2n ** 32n - 1n],
  I64: [-(2n ** 63n), 2n ** 63n - 1n],
  U64: [0n, 2n ** 64n - 1n],
};

/**
 * A number literal for a numeric column, or undefined when the value has no exact
 * literal of the column's type (a fraction or an out-of-range value against an integer
 * column): then the engine compares the rows itself, numerically.
 */
function numericLiteral(v: Value, base: string): string | undefined {
  const range = INTEGER_RANGE[base];
  if (range) {
    let n: bigint;
    if (typeof v === "bigint") n = v;
    else if (typeof v === "number" && Number.isInteger(v)) n = BigInt(v);
    else return undefined;
    return n >= range[0] && n <= range[1] ? n.toString() : undefined;
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Number.isFinite(v)) return base === "F32" && Math.abs(v) > 3.4028234663852886e38 ? undefined : numberLiteral(v);
  return undefined;
}

function numberLiteral(n: number): string {
  // Exact decimal rendering (a float32 value keeps all its digits as a float64 literal).
  const s = String(n);
  return /e/i.test(s) ? n.toExponential(20) : s;
}

/** `col op value` for the comparison operators, or undefined. */
export function comparison(col: string, op: string, v: Value, t: PropType | "string"): string | undefined {
  const lit = literal(v, t);
  if (lit === undefined) return undefined;
  switch (op) {
    case "=":
    case "<":
    case "<=":
    case ">":
    case ">=":
      return `${column(col)} ${op} ${lit}`;
    case "!=":
      return `${column(col)} <> ${lit}`;
    case "string_contains":
      return typeof v === "string" ? `strpos(${column(col)}, ${lit}) > 0` : undefined;
    case "starts_with":
      return typeof v === "string" ? `starts_with(${column(col)}, ${lit})` : undefined;
    default:
      return undefined;
  }
}

/** `id IN (...)`-style membership for string columns. */
export function inList(col: string, values: string[]): string {
  return `${column(col)} IN (${values.map(stringLiteral).join(", ")})`;
}
