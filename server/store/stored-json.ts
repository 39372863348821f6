import type { z } from "zod";
import { StoreError } from "./errors.ts";

/**
 * Parses one of the store's own JSON objects (manifest entry, branch index base,
 * recovery sidecar, lease): invalid JSON or a shape the schema refuses is
 * `ERR_MANIFEST_CORRUPT` naming the object — the one place that says so.
 */
export function parseStoredJson<S extends z.ZodType>(body: Buffer, key: string, schema: S, what: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new StoreError("ERR_MANIFEST_CORRUPT", `${what} ${key} is not valid JSON`, { key }, e);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new StoreError("ERR_MANIFEST_CORRUPT", `${what} ${key} is malformed: ${parsed.error.issues[0]?.message ?? "invalid"}`, { key });
  }
  return parsed.data;
}
