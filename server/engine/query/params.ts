/**
 * Binding of JSON request parameters to a query's declared parameters (contract
 * §3 "Params (JSON)"), producing runtime `Value`s (`value.ts`).
 *
 * | Declared      | Accepted JSON                                            | Value          |
 * |---------------|----------------------------------------------------------|----------------|
 * | String, Blob  | string                                                   | string         |
 * | Bool          | boolean                                                  | boolean        |
 * | I32, U32      | integer number within range                              | number         |
 * | I64, U64      | integer number (safe range) or decimal-integer string    | bigint         |
 * | F32, F64      | number (F32 is rounded to float32)                       | number         |
 * | Date          | `YYYY-MM-DD` string                                      | string         |
 * | DateTime      | ISO 8601 string (`temporal.ts`), e.g. `2024-01-31T12:00:00Z` | epoch ms   |
 * | Vector(n)     | array of exactly n finite numbers                        | Float32Array   |
 * | [T]           | array of T (no null elements)                            | Value[]        |
 *
 * A nullable parameter that is omitted or null binds to null. Anything else —
 * omitted/null non-nullable parameters, unknown names, wrong JSON types, out of
 * range integers, invalid dates — is `ERR_PARAM` with `detail.param`.
 */
import { EngineError } from "../errors.ts";
import type { ScalarBase } from "../schema/catalog.ts";
import { parseDate, parseDateTime } from "./temporal.ts";
import type { ParamDecl, TypedQuery } from "./typed.ts";
import type { Value } from "./value.ts";

const RANGES: Partial<Record<ScalarBase, [bigint, bigint]>> = {
  I32: [-(2n ** 31n), 2n ** 31n - 1n],
  U32: [0n, 2n ** 32n - 1n],
  I64: [-(2n ** 63n), 2n ** 63n - 1n],
  U64: [0n, 2n ** 64n - 1n],
};

/** A JSON value that does not fit its declared type; the message says why. */
export class ParamProblem extends Error {}

function describe(json: unknown): string {
  if (json === null) return "null";
  if (Array.isArray(json)) return "an array";
  return typeof json === "object" ? "an object" : `${typeof json} ${JSON.stringify(json)}`;
}

function integer(json: unknown, base: ScalarBase, range: [bigint, bigint]): Value {
  let n: bigint;
  const wide = base === "I64" || base === "U64";
  if (typeof json === "number") {
    if (!Number.isInteger(json)) throw new ParamProblem(`expected an integer (${base}), got ${json}`);
    if (!Number.isSafeInteger(json)) throw new ParamProblem(`integer ${json} is beyond 2^53 and lost precision in JSON${wide ? "; pass it as a string" : ""}`);
    n = BigInt(json);
  } else if (wide && typeof json === "string" && /^-?\d+$/.test(json.trim())) {
    n = BigInt(json.trim());
  } else {
    throw new ParamProblem(`expected ${wide ? "an integer number or a decimal string" : "an integer number"} (${base}), got ${describe(json)}`);
  }
  if (n < range[0] || n > range[1]) throw new ParamProblem(`${n} is out of range for ${base} (${range[0]}..${range[1]})`);
  return wide ? n : Number(n);
}

function scalar(json: unknown, base: ScalarBase): Value {
  const range = RANGES[base];
  if (range) return integer(json, base, range);
  switch (base) {
    case "String":
    case "Blob":
      if (typeof json !== "string") throw new ParamProblem(`expected a string (${base}), got ${describe(json)}`);
      return json;
    case "Bool":
      if (typeof json !== "boolean") throw new ParamProblem(`expected true or false, got ${describe(json)}`);
      return json;
    case "F32":
    case "F64":
      if (typeof json !== "number") throw new ParamProblem(`expected a number (${base}), got ${describe(json)}`);
      return base === "F32" ? Math.fround(json) : json;
    case "Date": {
      const d = typeof json === "string" ? parseDate(json) : undefined;
      if (d === undefined) throw new ParamProblem(`expected a Date string YYYY-MM-DD, got ${describe(json)}`);
      return d;
    }
    case "DateTime": {
      const t = typeof json === "string" ? parseDateTime(json) : undefined;
      if (t === undefined) throw new ParamProblem(`expected an ISO 8601 DateTime string, got ${describe(json)}`);
      return t;
    }
    default:
      throw new ParamProblem(`unsupported parameter type ${base}`);
  }
}

function convert(json: unknown, decl: ParamDecl): Value {
  return convertJson(json, decl.type);
}

/**
 * Converts one JSON value to the runtime value of `t` (the rules in the table above).
 * Shared by parameter binding and the NDJSON loader. Throws {@link ParamProblem}.
 */
export function convertJson(json: unknown, t: ParamDecl["type"]): Value {
  switch (t.kind) {
    case "scalar":
      return scalar(json, t.base);
    case "list":
      if (!Array.isArray(json)) throw new ParamProblem(`expected an array of ${t.base}, got ${describe(json)}`);
      return json.map((item, i) => {
        if (item === null) throw new ParamProblem(`element ${i} is null; list elements cannot be null`);
        try {
          return scalar(item, t.base);
        } catch (e) {
          throw e instanceof ParamProblem ? new ParamProblem(`element ${i}: ${e.message}`) : e;
        }
      });
    case "vector": {
      if (!Array.isArray(json)) throw new ParamProblem(`expected an array of ${t.dim} numbers (Vector(${t.dim})), got ${describe(json)}`);
      if (json.length !== t.dim) throw new ParamProblem(`expected exactly ${t.dim} numbers (Vector(${t.dim})), got ${json.length}`);
      const out = new Float32Array(t.dim);
      json.forEach((x, i) => {
        if (typeof x !== "number" || !Number.isFinite(x)) throw new ParamProblem(`element ${i} must be a finite number, got ${describe(x)}`);
        out[i] = x;
      });
      return out;
    }
  }
}

/**
 * Converts the request's JSON `params` object (or `undefined`/`null` for none) to
 * runtime values, one per declared parameter.
 *
 * @throws EngineError `ERR_PARAM` (with `detail.param`) for anything not accepted.
 * @example bindParams(q, { name: "Alice", since: "2024-01-01" }).get("since") // "2024-01-01"
 */
export function bindParams(q: TypedQuery, json: unknown): Map<string, Value> {
  if (json !== undefined && json !== null && (typeof json !== "object" || Array.isArray(json))) {
    throw new EngineError("ERR_PARAM", `params must be a JSON object, got ${describe(json)}`);
  }
  const given = (json ?? {}) as Record<string, unknown>;
  const declared = new Map(q.params.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!declared.has(name)) {
      const known = q.params.map((p) => `$${p.name}`).join(", ") || "none";
      throw new EngineError("ERR_PARAM", `unknown parameter \`${name}\` for query \`${q.name}\` (declared: ${known})`, { detail: { param: name } });
    }
  }
  const out = new Map<string, Value>();
  for (const decl of q.params) {
    const raw = Object.hasOwn(given, decl.name) ? given[decl.name] : undefined;
    if (raw === undefined || raw === null) {
      if (!decl.nullable) {
        throw new EngineError("ERR_PARAM", `parameter \`$${decl.name}\` is required (it is not nullable)`, { detail: { param: decl.name } });
      }
      out.set(decl.name, null);
      continue;
    }
    try {
      out.set(decl.name, convert(raw, decl));
    } catch (e) {
      if (!(e instanceof ParamProblem)) throw e;
      throw new EngineError("ERR_PARAM", `parameter \`$${decl.name}\`: ${e.message}`, { detail: { param: decl.name } });
    }
  }
  return out;
}
