/** Shared assertions for the query tests. */
import type { ExecutionContext } from "ava";
import { EngineError, type EngineErrorCode } from "../../../server/engine/errors.ts";

/** Deep copy without source locations (`loc` / `location` keys), for shape comparisons. */
export function stripLocs<T>(value: T): unknown {
  if (Array.isArray(value)) return value.map(stripLocs);
  if (value instanceof Float32Array) return value;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "loc" || k === "location" || v === undefined) continue;
      out[k] = stripLocs(v);
    }
    return out;
  }
  return value;
}

/** Asserts that `fn` throws an `EngineError` with `code` (and `line:column` when given). */
export function throwsCode(
  t: ExecutionContext,
  fn: () => unknown,
  code: EngineErrorCode,
  loc?: [number, number],
  label = "",
): EngineError | undefined {
  const err = t.throws(fn, { instanceOf: EngineError }, label);
  if (!err) return undefined;
  t.is(err.code, code, `${label} code (message: ${err.message})`);
  if (loc) t.deepEqual(err.location, { line: loc[0], column: loc[1] }, `${label} location (message: ${err.message})`);
  return err;
}

/**
 * Removes the marker `‸` from `marked` and returns the source and the 1-based
 * line:column where the marker stood (the expected error location).
 */
export function marked(marked: string): { source: string; loc: [number, number] } {
  const i = marked.indexOf("‸");
  if (i < 0) throw new Error(`no ‸ marker in ${marked}`);
  const before = marked.slice(0, i);
  const lines = before.split("\n");
  const line = lines.length;
  const column = (lines[lines.length - 1] ?? "").length + 1;
  return { source: before + marked.slice(i + 1), loc: [line, column] };
}
