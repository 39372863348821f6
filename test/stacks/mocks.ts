/**
 * Runs the real Pulumi entry program (stacks/index.ts) under Pulumi mocks with a stack
 * file's config, and records every resource it registers. One stage per process: mocks
 * and the imported program are process-global.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Recorded {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
}

/** Config map of a Pulumi.<stage>.yaml, as the Pulumi CLI hands it to the program (objects as JSON). */
export function stackConfig(stage: string, overrides: Record<string, unknown> = {}): Record<string, string> {
  const file = parse(readFileSync(`${ROOT}Pulumi.${stage}.yaml`, "utf8")) as { config: Record<string, unknown> };
  const all = { ...file.config, ...overrides };
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

export async function runStack(stage: string, overrides: Record<string, unknown> = {}): Promise<{ resources: Recorded[]; exports: Record<string, unknown> }> {
  const resources: Recorded[] = [];
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      const urn = `urn:pulumi:${stage}::omnigraph-cloud::${args.type}::${args.name}`;
      resources.push({ type: args.type, name: args.name, urn, inputs: args.inputs as Record<string, unknown> });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  }, "omnigraph-cloud", stage, false);
  pulumi.runtime.setAllConfig(stackConfig(stage, overrides));
  process.chdir(ROOT);
  const mod = (await import("../../stacks/index.ts")) as Record<string, unknown>;
  const exports: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) {
    exports[k] = pulumi.Output.isInstance(v) ? await new Promise((r) => (v as pulumi.Output<unknown>).apply(r)) : v;
  }
  // Registrations are asynchronous: wait until the count has not moved for 4 ticks.
  let stable = 0;
  for (let i = 0, last = -1; i < 400 && stable < 4; i++) {
    stable = resources.length === last && last > 0 ? stable + 1 : 0;
    last = resources.length;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { resources, exports };
}

export const ofType = (rs: Recorded[], type: string) => rs.filter((r) => r.type === type);
export const k8sOfKind = (rs: Recorded[], kind: string) => rs.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind);
