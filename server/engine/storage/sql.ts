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
        case "I32":
        case "I64":
        case "U32":
        case "U64":
          // An integer column only takes integer literals (LanceDB refuses `int >= 29.5`);
          // a fractional bound stays in the engine, which compares exactly.
          if (typeof v === "bigint") return v.toString();
          if (typeof v === "number" && Number.isInteger(v)) return numberLiteral(v);
          return undefined;
        default:
          if (typeof v === "bigint") return v.toString();
          if (typeof v === "number" && Number.isFinite(v)) return numberLiteral(v);
          return undefined;
      }
    default:
      return undefined;
  }
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
