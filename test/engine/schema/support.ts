/** Shared helpers for the schema tests. */
import { readFileSync } from "node:fs";
import type { ExecutionContext } from "ava";
import { EngineError, type EngineErrorCode, type SourceLocation } from "../../../server/engine/errors.ts";

export const FIXTURES = ["context", "search", "signals", "test"] as const;

/** A contract fixture schema (test/contract/fixtures, vendored from OmniGraph). */
export function fixture(name: (typeof FIXTURES)[number]): string {
  return readFileSync(new URL(`../../contract/fixtures/${name}.pg`, import.meta.url), "utf8");
}

/** 1-based line:column of the `nth` (0-based) occurrence of `needle` in `source`. */
export function locOf(source: string, needle: string, nth = 0): SourceLocation {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = source.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`needle ${JSON.stringify(needle)} (#${nth}) not in source`);
  }
  const before = source.slice(0, index).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Asserts `fn` throws an EngineError with `code` (and `location`, when given). */
export function throwsEngine(
  t: ExecutionContext,
  fn: () => unknown,
  code: EngineErrorCode,
  location?: SourceLocation,
): EngineError | undefined {
  const err = t.throws(fn, { instanceOf: EngineError });
  if (!err) return undefined;
  t.is(err.code, code, err.message);
  if (location) t.deepEqual(err.location, location, err.message);
  return err;
}
