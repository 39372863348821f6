/**
 * The one server configuration schema (contract 3): snake_case keys, strict (an
 * unknown key is an error naming it). The Pulumi kit renders files this accepts.
 */
import { z } from "zod";

/** OmniGraph's graph id rule. */
export const GRAPH_ID = /^[a-zA-Z0-9-]{1,64}$/;
export const RESERVED_GRAPH_IDS = ["policies", "healthz", "openapi", "graphs"] as const;

export const ROLES = ["all-in-one", "reader", "writer", "worker"] as const;
export type Role = (typeof ROLES)[number];

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "expected host:port, e.g. 127.0.0.1:8080 (port 0 picks a free port)")
  .refine((s) => Number(s.slice(s.lastIndexOf(":") + 1)) <= 65535, "the port must be 0–65535");

const positiveInt = z.number().int().positive();

export const GraphDeclarationSchema = z.strictObject({
  /** `.pg` schema file applied when the graph is created (relative to the config file). */
  schema: z.string().min(1).nullable().default(null),
  tenant: z.string().min(1).nullable().default(null),
});

const OidcSchema = z.strictObject({
  issuer: z.string().optional(),
  issuers: z.array(z.string()).optional(),
  audience: z.union([z.string(), z.array(z.string())]).optional(),
  actor_claim: z.string().default("sub"),
  tenant_claim: z.string().optional(),
  jwks_uri: z.string().optional(),
  jwks_offline_path: z.string().optional(),
  jwks: z.unknown().optional(),
  jwks_cache_ttl: z.string().optional(),
  jwks_stale_max: z.string().optional(),
  clock_skew: z.string().optional(),
  allowed_actors_path: z.string().optional(),
  groups: z.strictObject({ from: z.array(z.string()).default([]), map: z.record(z.string(), z.string()).default({}) }).optional(),
});

export const ServerConfigSchema = z.strictObject({
  version: z.literal(1).default(1),
  role: z.enum(ROLES).default("all-in-one"),
  bind: hostPort.default("127.0.0.1:8080"),
  /** Storage URL (drivers/open.ts): fs://…, s3://…, gs://…, minio://…, memory://…, or a plain path. */
  store: z.string().min(1).default("./.data"),
  tenancy: z
    .strictObject({
      layout: z.enum(["single", "prefix-per-tenant", "bucket-per-tenant"]).default("single"),
      bucket_template: z.string().optional(),
    })
    .default({ layout: "single" }),
  graphs: z.record(z.string().regex(GRAPH_ID, "graph ids match ^[a-zA-Z0-9-]{1,64}$"), GraphDeclarationSchema).default({}),
  writer_url: z.string().nullable().default(null),
  shutdown_grace_seconds: z.number().min(0).default(25),
  limits: z
    .strictObject({ json_body_bytes: positiveInt.default(1_048_576), load_body_bytes: positiveInt.default(33_554_432) })
    .default({ json_body_bytes: 1_048_576, load_body_bytes: 33_554_432 }),
  handles: z
    .strictObject({ max_open: positiveInt.default(64), idle_seconds: z.number().positive().default(600), open_concurrency: positiveInt.default(4) })
    .default({ max_open: 64, idle_seconds: 600, open_concurrency: 4 }),
  log: z.strictObject({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") }).default({ level: "info" }),
  auth: z
    .strictObject({
      mode: z.enum(["static", "oidc", "hybrid"]).default("static"),
      unauthenticated: z.boolean().default(false),
      static: z.strictObject({ tokens_file: z.string().nullable().default(null) }).default({ tokens_file: null }),
      oidc: OidcSchema.optional(),
      tenants: z.record(z.string(), z.strictObject({ hosts: z.array(z.string()).default([]), audiences: z.array(z.string()).default([]) })).default({}),
    })
    .default({ mode: "static", unauthenticated: false, static: { tokens_file: null }, tenants: {} }),
  policy: z.strictObject({ bundle: z.string().nullable().default(null) }).default({ bundle: null }),
  admission: z
    .strictObject({ per_actor_inflight_max: positiveInt.default(16), per_actor_bytes_max: positiveInt.default(4_294_967_296) })
    .default({ per_actor_inflight_max: 16, per_actor_bytes_max: 4_294_967_296 }),
}).superRefine((c, ctx) => {
  for (const id of Object.keys(c.graphs)) {
    if ((RESERVED_GRAPH_IDS as readonly string[]).includes(id)) ctx.addIssue({ code: "custom", path: ["graphs", id], message: `'${id}' is a reserved graph id (${RESERVED_GRAPH_IDS.join(", ")})` });
  }
  if (c.tenancy.layout === "bucket-per-tenant" && !c.tenancy.bucket_template) {
    ctx.addIssue({ code: "custom", path: ["tenancy", "bucket_template"], message: 'bucket-per-tenant needs a bucket_template such as "s3://og-{tenant}/prefix"' });
  }
});

/** The validated server configuration (defaults filled in). */
export type ServerConfig = z.output<typeof ServerConfigSchema>;
/** What a config file may contain (every key optional). */
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;
