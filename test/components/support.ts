import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { parseStackConfig, type StackConfig } from "../../stacks/config.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The raw `config:` map of an example stack file. */
export function rawStack(stage: string): Record<string, unknown> {
  return (parse(readFileSync(`${ROOT}Pulumi.${stage}.yaml`, "utf8")) as { config: Record<string, unknown> }).config;
}

/** An example stack's config with some keys replaced (`omnigraph-cloud:` prefix optional). */
export function stackWith(stage: string, overrides: Record<string, unknown> = {}): StackConfig {
  const raw = rawStack(stage);
  for (const [k, v] of Object.entries(overrides)) {
    const key = k.includes(":") ? k : `omnigraph-cloud:${k}`;
    if (v === undefined) delete raw[key];
    else raw[key] = v;
  }
  return parseStackConfig(raw);
}

/** The `code` and `paths` of what a function throws. */
export function failure(fn: () => unknown): { code: string; paths: string[] } {
  try {
    fn();
  } catch (e) {
    const err = e as { code?: unknown; paths?: unknown };
    if (typeof err.code !== "string") throw e;
    return { code: err.code, paths: Array.isArray(err.paths) ? (err.paths as string[]) : [] };
  }
  return { code: "ok", paths: [] };
}
