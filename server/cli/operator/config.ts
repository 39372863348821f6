/**
 * The operator's own config, `~/.omnigraph/config.yaml` (OmniGraph's names): who I
 * am, which servers I know, my defaults and named scopes. An absent file is an empty
 * layer. Unknown keys load with a warning, so a file written for a newer CLI still
 * works; a malformed file is `ERR_OPERATOR_CONFIG` naming the key.
 *
 * @example
 * ```yaml
 * operator: { actor: alice }
 * servers: { local: { url: http://127.0.0.1:8080 } }
 * defaults: { output: table, server: local, default_graph: social }
 * profiles: { scratch: { store: fs:///tmp/og, default_graph: scratch } }
 * ```
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { CliError } from "../errors.ts";

export const OUTPUT_FORMATS = ["json", "jsonl", "csv", "table", "kv"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const Scope = z.looseObject({
  server: z.string().min(1).optional(),
  store: z.string().min(1).optional(),
  default_graph: z.string().min(1).optional(),
});

const OperatorConfigSchema = z.looseObject({
  operator: z.looseObject({ actor: z.string().min(1).optional() }).optional(),
  servers: z.record(z.string(), z.looseObject({ url: z.url({ protocol: /^https?$/ }) })).optional(),
  defaults: z.looseObject({
    output: z.enum(OUTPUT_FORMATS).optional(),
    server: z.string().min(1).optional(),
    store: z.string().min(1).optional(),
    default_graph: z.string().min(1).optional(),
  }).optional(),
  profiles: z.record(z.string(), Scope).optional(),
  aliases: z.unknown().optional(),
  clusters: z.unknown().optional(),
});

export type OperatorConfig = z.infer<typeof OperatorConfigSchema>;
export type OperatorScope = z.infer<typeof Scope>;

const KNOWN_TOP_LEVEL = new Set(["operator", "servers", "defaults", "profiles", "aliases", "clusters"]);

/** Loads the operator config at `path`; `{}` when the file does not exist. */
export async function loadOperatorConfig(path: string, warn: (msg: string) => void): Promise<OperatorConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new CliError("ERR_OPERATOR_CONFIG", `cannot read the operator config ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e) {
    throw new CliError("ERR_OPERATOR_CONFIG", `${path} is not valid YAML: ${(e as Error).message}`);
  }
  const parsed = OperatorConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError("ERR_OPERATOR_CONFIG", `${path}: key '${issue.path.join(".") || "(top level)"}': ${issue.message}; fix or remove it`);
  }
  for (const k of Object.keys(parsed.data)) if (!KNOWN_TOP_LEVEL.has(k)) warn(`${path}: unknown key '${k}' ignored`);
  const d = parsed.data.defaults;
  if (d?.server && d.store) throw new CliError("ERR_OPERATOR_CONFIG", `${path}: 'defaults.server' and 'defaults.store' are mutually exclusive; keep one`);
  for (const [name, p] of Object.entries(parsed.data.profiles ?? {})) {
    if (p.server && p.store) throw new CliError("ERR_OPERATOR_CONFIG", `${path}: profile '${name}' binds both 'server' and 'store'; keep one`);
    if (!p.server && !p.store) throw new CliError("ERR_OPERATOR_CONFIG", `${path}: profile '${name}' binds neither 'server' nor 'store'; add one`);
  }
  return parsed.data;
}
