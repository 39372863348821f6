/**
 * The one config loader: a YAML file, then the environment, then flags (flag > env >
 * file > default), validated once by {@link ServerConfigSchema}. This module is the only
 * server code that reads `process.env`.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { ServerConfigSchema, type ServerConfig } from "./schema.ts";

/** Flags of `omnigraph serve` that map onto config keys. */
export interface ConfigFlags {
  config?: string | undefined;
  store?: string | undefined;
  bind?: string | undefined;
  role?: string | undefined;
  unauthenticated?: boolean | undefined;
  shutdownGraceSeconds?: string | number | undefined;
  writerUrl?: string | undefined;
  logLevel?: string | undefined;
}

/** S3 settings from OmniGraph's `AWS_*` variables; the s3 driver applies them when the URL does not. */
export interface S3Environment {
  endpoint?: string | undefined;
  region?: string | undefined;
  forcePathStyle?: boolean | undefined;
  allowHttp?: boolean | undefined;
}

export interface LoadedConfig {
  config: ServerConfig;
  /** Absolute path of the config file read, or null. */
  file: string | null;
  storage: { s3: S3Environment };
  /** Token material from the environment (never logged). */
  secrets: { bearerToken: string | null; bearerTokensJson: string | null };
}

type Env = Record<string, string | undefined>;

/** `OMNIGRAPH_UNAUTHENTICATED` and friends: truthy unless empty, `0` or `false`. */
function truthy(v: string): boolean {
  const t = v.trim().toLowerCase();
  return !(t === "" || t === "0" || t === "false");
}

function strictBool(name: string, v: string): boolean {
  const t = v.trim().toLowerCase();
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  throw new ConfigError(name, `${name}=${JSON.stringify(v)} is not a boolean; set it to true or false`);
}

function num(name: string, v: string | number): number {
  const n = typeof v === "number" ? v : Number(v.trim());
  if (typeof v === "string" && v.trim() === "") throw new ConfigError(name, `${name} is empty; set a number or unset it`);
  if (!Number.isFinite(n)) throw new ConfigError(name, `${name}=${JSON.stringify(String(v))} is not a number; set a number such as 25`);
  return n;
}

function setPath(o: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = o;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== "object" || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError("--config", `cannot read the config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; check the path given to --config / OMNIGRAPH_CONFIG`, e);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError("--config", `the config file ${path} is not valid YAML: ${(e as Error).message.split("\n")[0]}`, e);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError("--config", `the config file ${path} must hold a mapping of keys (version: 1, role: …)`);
  return doc as Record<string, unknown>;
}

function describeIssue(issue: z.core.$ZodIssue, source: (key: string) => string): ConfigError {
  const key = issue.path.map(String).join(".") || "(top level)";
  if (issue.code === "unrecognized_keys") {
    const full = issue.keys.map((k) => (key === "(top level)" ? k : `${key}.${k}`));
    return new ConfigError(full[0]!, `unknown config key ${full.map((k) => `'${k}'`).join(", ")} in ${source(full[0]!)}; remove it or check its spelling (keys are snake_case)`);
  }
  return new ConfigError(key, `config key '${key}' (from ${source(key)}) is invalid: ${issue.message}`);
}

/**
 * Loads the server configuration. Relative paths in the file (graph schemas, token
 * files, policy bundles) are resolved against the file's directory.
 *
 * @example loadConfig({ flags: { store: "fs:///tmp/og", bind: "127.0.0.1:0" }, env: process.env })
 */
export function loadConfig(input: { flags?: ConfigFlags; env?: Env; file?: string | undefined } = {}): LoadedConfig {
  const env: Env = input.env ?? process.env;
  const flags = input.flags ?? {};
  const filePath = input.file ?? flags.config ?? (env.OMNIGRAPH_CONFIG || undefined);
  const file = filePath ? resolve(filePath) : null;
  const raw: Record<string, unknown> = file ? readFile(file) : {};
  const sources = new Map<string, string>();
  const layer = (path: string, value: unknown, from: string) => {
    setPath(raw, path.split("."), value);
    sources.set(path, from);
  };

  // Environment (OmniGraph's names where it has them).
  const e = (name: string) => {
    const v = env[name];
    return v === undefined ? undefined : v;
  };
  if (e("OMNIGRAPH_BIND") !== undefined) layer("bind", e("OMNIGRAPH_BIND")!.trim(), "OMNIGRAPH_BIND");
  if (e("OMNIGRAPH_STORE") !== undefined) layer("store", e("OMNIGRAPH_STORE")!.trim(), "OMNIGRAPH_STORE");
  if (e("OMNIGRAPH_ROLE") !== undefined) layer("role", e("OMNIGRAPH_ROLE")!.trim(), "OMNIGRAPH_ROLE");
  if (e("OMNIGRAPH_WRITER_URL") !== undefined) layer("writer_url", e("OMNIGRAPH_WRITER_URL")!.trim() || null, "OMNIGRAPH_WRITER_URL");
  if (e("OMNIGRAPH_LOG_LEVEL") !== undefined) layer("log.level", e("OMNIGRAPH_LOG_LEVEL")!.trim(), "OMNIGRAPH_LOG_LEVEL");
  if (e("OMNIGRAPH_UNAUTHENTICATED") !== undefined) layer("auth.unauthenticated", truthy(e("OMNIGRAPH_UNAUTHENTICATED")!), "OMNIGRAPH_UNAUTHENTICATED");
  if (e("OMNIGRAPH_SHUTDOWN_GRACE_SECONDS") !== undefined) layer("shutdown_grace_seconds", num("OMNIGRAPH_SHUTDOWN_GRACE_SECONDS", e("OMNIGRAPH_SHUTDOWN_GRACE_SECONDS")!), "OMNIGRAPH_SHUTDOWN_GRACE_SECONDS");
  if (e("OMNIGRAPH_PER_ACTOR_INFLIGHT_MAX") !== undefined) layer("admission.per_actor_inflight_max", num("OMNIGRAPH_PER_ACTOR_INFLIGHT_MAX", e("OMNIGRAPH_PER_ACTOR_INFLIGHT_MAX")!), "OMNIGRAPH_PER_ACTOR_INFLIGHT_MAX");
  if (e("OMNIGRAPH_PER_ACTOR_BYTES_MAX") !== undefined) layer("admission.per_actor_bytes_max", num("OMNIGRAPH_PER_ACTOR_BYTES_MAX", e("OMNIGRAPH_PER_ACTOR_BYTES_MAX")!), "OMNIGRAPH_PER_ACTOR_BYTES_MAX");
  const tokensFile = e("OMNIGRAPH_SERVER_BEARER_TOKENS_FILE")?.trim();
  if (tokensFile) layer("auth.static.tokens_file", resolve(tokensFile), "OMNIGRAPH_SERVER_BEARER_TOKENS_FILE");

  // Flags.
  if (flags.bind !== undefined) layer("bind", flags.bind, "--bind");
  if (flags.store !== undefined) layer("store", flags.store, "--store");
  if (flags.role !== undefined) layer("role", flags.role, "--role");
  if (flags.writerUrl !== undefined) layer("writer_url", flags.writerUrl, "--writer-url");
  if (flags.logLevel !== undefined) layer("log.level", flags.logLevel, "--log-level");
  if (flags.unauthenticated) layer("auth.unauthenticated", true, "--unauthenticated");
  if (flags.shutdownGraceSeconds !== undefined) layer("shutdown_grace_seconds", num("--shutdown-grace-seconds", flags.shutdownGraceSeconds), "--shutdown-grace-seconds");

  const source = (key: string) => {
    for (let k = key; k; k = k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "") {
      const s = sources.get(k);
      if (s) return s;
    }
    return file ? `the config file ${file}` : "the defaults";
  };
  const parsed = ServerConfigSchema.safeParse(raw);
  if (!parsed.success) throw describeIssue(parsed.error.issues[0]!, source);
  const config = parsed.data;

  // Paths in the file are relative to the file.
  const base = file ? dirname(file) : process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  for (const g of Object.values(config.graphs)) if (g.schema) g.schema = abs(g.schema);
  if (config.auth.static.tokens_file) config.auth.static.tokens_file = abs(config.auth.static.tokens_file);
  if (config.policy.bundle) config.policy.bundle = abs(config.policy.bundle);
  if (sources.get("store") === undefined && file && !/^[a-z][a-z0-9+.-]*:\/\//i.test(config.store)) config.store = abs(config.store);

  // Storage environment (OmniGraph's AWS_* names), applied by the s3 driver.
  const endpoint = (e("AWS_ENDPOINT_URL_S3") ?? e("AWS_ENDPOINT_URL"))?.trim() || undefined;
  const allowHttp = e("AWS_ALLOW_HTTP") !== undefined ? strictBool("AWS_ALLOW_HTTP", e("AWS_ALLOW_HTTP")!) : undefined;
  const forcePathStyle = e("AWS_S3_FORCE_PATH_STYLE") !== undefined ? strictBool("AWS_S3_FORCE_PATH_STYLE", e("AWS_S3_FORCE_PATH_STYLE")!) : undefined;
  if (endpoint !== undefined) {
    const name = e("AWS_ENDPOINT_URL_S3") !== undefined ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
    if (!/^https?:\/\/[^/]+\/?$/.test(endpoint)) throw new ConfigError(name, `${name}=${JSON.stringify(endpoint)} must look like http(s)://host:port`);
    if (endpoint.startsWith("http://") && allowHttp !== true) {
      throw new ConfigError("AWS_ALLOW_HTTP", `${name} is a plain http:// endpoint; set AWS_ALLOW_HTTP=true to allow it (or use https://)`);
    }
  }
  const region = e("AWS_REGION")?.trim() || e("AWS_DEFAULT_REGION")?.trim() || undefined;

  return {
    config,
    file,
    storage: { s3: { endpoint: endpoint?.replace(/\/$/, ""), region, forcePathStyle, allowHttp } },
    secrets: {
      bearerToken: e("OMNIGRAPH_SERVER_BEARER_TOKEN")?.trim() || null,
      bearerTokensJson: e("OMNIGRAPH_SERVER_BEARER_TOKENS_JSON")?.trim() || null,
    },
  };
}
