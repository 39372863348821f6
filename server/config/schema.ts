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
/** `maintenance.after_commit` defaults (server/runtime/maintenance.ts DEFAULT_MAINTENANCE mirrors them). */
const AFTER_COMMIT_DEFAULTS = { enabled: true, delay_ms: 100, max_table_rows: 100_000, unindexed_rows: 4, compact_min_fragments: 16, max_wait_ms: 2000 };

export const GraphDeclarationSchema = z.strictObject({
  /** `.pg` schema file applied when the graph is created (relative to the config file). */
  schema: z.string().min(1).nullable().default(null),
  tenant: z.string().min(1).nullable().default(null),
});

/** A duration: seconds as a number, or `500ms`, `60s`, `15m`, `1h`, `1d`. */
export const Duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, "expected a duration such as 60s, 15m, 1h or 24h")]);
export type Duration = z.infer<typeof Duration>;

/** Milliseconds of a {@link Duration}. */
export function durationMs(d: Duration): number {
  if (typeof d === "number") return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(d)!;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}

/** `auth.oidc` (RFC 0001 / RFC-014 keys, omnigraph-ops.md §5). */
const OidcSchema = z.strictObject({
  issuer: z.string().optional(),
  issuers: z.array(z.string()).optional(),
  audience: z.union([z.string(), z.array(z.string())]).optional(),
  /** Pinned JWS algorithms; asymmetric only (the auth layer refuses `none` and HS*). */
  algorithms: z.array(z.string()).default(["RS256"]),
  actor_claim: z.string().default("sub"),
  tenant_claim: z.string().optional(),
  expected_org: z.string().optional(),
  /** Blank with an issuer → OIDC discovery. */
  jwks_uri: z.string().optional(),
  jwks_offline_path: z.string().optional(),
  /** Inline JWKS `{keys: [...]}` for air-gapped sites. */
  jwks: z.looseObject({ keys: z.array(z.looseObject({ kty: z.string() })) }).optional(),
  /** Where fetched keys are cached so a restart boots with the issuer down. */
  jwks_cache_path: z.string().optional(),
  jwks_cache_ttl: Duration.default("1h"),
  jwks_stale_max: Duration.default("24h"),
  /** Minimum spacing of refreshes caused by an unknown `kid`. */
  jwks_refresh_min_interval: Duration.default("30s"),
  clock_skew: Duration.default("60s"),
  allowed_actors_path: z.string().optional(),
  groups: z.strictObject({ from: z.array(z.string()).default([]), map: z.record(z.string(), z.string()).optional() }).optional(),
}).refine((o) => Boolean(o.issuer) || Boolean(o.issuers?.length), { message: "auth.oidc needs `issuer` or `issuers`" });

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
    .strictObject({
      max_open: positiveInt.default(64),
      idle_seconds: z.number().positive().default(600),
      open_concurrency: positiveInt.default(4),
      /**
       * Row ids a writer's graph handle keeps in memory to tell a new key from an existing
       * one without reading every fragment (server/store/key-sets.ts); a table with more
       * rows is asked by query. 0 turns the key sets off.
       */
      key_set_max_ids: z.number().int().min(0).default(200_000),
    })
    .default({ max_open: 64, idle_seconds: 600, open_concurrency: 4, key_set_max_ids: 200_000 }),
  log: z.strictObject({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") }).default({ level: "info" }),
  auth: z
    .strictObject({
      mode: z.enum(["static", "oidc", "hybrid"]).default("static"),
      unauthenticated: z.boolean().default(false),
      static: z.strictObject({ tokens_file: z.string().nullable().default(null) }).default({ tokens_file: null }),
      oidc: OidcSchema.optional(),
      tenants: z.record(z.string().regex(/^(?!__proto__$)[a-zA-Z0-9_-]{1,64}$/, "tenant ids match ^[a-zA-Z0-9_-]{1,64}$"), z.strictObject({ hosts: z.array(z.string()).default([]), audiences: z.array(z.string()).default([]) })).default({}),
      /** Public URL of this resource: `resource` of /.well-known/oauth-protected-resource and `resource_metadata` of 401s. */
      resource_url: z.string().nullable().default(null),
      /** Where audit lines go (a file path); null → stdout, tagged `log: "audit"`. */
      audit_path: z.string().nullable().default(null),
    })
    .default({ mode: "static", unauthenticated: false, static: { tokens_file: null }, tenants: {}, resource_url: null, audit_path: null }),
  policy: z.strictObject({ bundle: z.string().nullable().default(null) }).default({ bundle: null }),
  admission: z
    .strictObject({
      per_actor_inflight_max: positiveInt.default(16),
      per_actor_bytes_max: positiveInt.default(4_294_967_296),
      per_tenant_inflight_max: positiveInt.default(64),
      per_tenant_bytes_max: positiveInt.default(17_179_869_184),
      retry_after_seconds: positiveInt.default(60),
      /** Per-query budgets: wall time, rows and Arrow bytes materialised from LanceDB. */
      query_time_ms: positiveInt.default(30_000),
      query_max_rows: positiveInt.default(1_000_000),
      query_max_bytes: positiveInt.default(536_870_912),
    })
    .default({
      per_actor_inflight_max: 16, per_actor_bytes_max: 4_294_967_296, per_tenant_inflight_max: 64, per_tenant_bytes_max: 17_179_869_184,
      retry_after_seconds: 60, query_time_ms: 30_000, query_max_rows: 1_000_000, query_max_bytes: 536_870_912,
    }),
  /** Per-graph group commit (server/runtime/group-commit.ts): batching window and caps of one manifest entry. */
  group_commit: z
    .strictObject({ window_ms: z.number().min(0).max(1000).default(2), max_requests: positiveInt.default(64), max_bytes: positiveInt.default(4_194_304) })
    .default({ window_ms: 2, max_requests: 64, max_bytes: 4_194_304 }),
  /** Automatic maintenance per open graph (server/runtime/maintenance.ts), all-in-one and writer roles. */
  maintenance: z
    .strictObject({
      enabled: z.boolean().default(true),
      interval_seconds: z.number().positive().default(30),
      compact_min_fragments: positiveInt.default(32),
      retention_seconds: z.number().min(0).default(7 * 24 * 3600),
      run_budget_seconds: z.number().positive().default(20),
      /**
       * After-commit passes: a commit schedules a look at the tables it wrote `delay_ms`
       * later (off the request path), so point reads do not scan fragments the indexes miss.
       */
      after_commit: z
        .strictObject({
          enabled: z.boolean().default(true),
          delay_ms: z.number().min(0).max(60_000).default(100),
          /** Larger tables wait for the timer (an index rebuild reads the indexed columns of every row). */
          max_table_rows: positiveInt.default(100_000),
          /** Rebuild a table's indexes once this many rows are outside them. */
          unindexed_rows: positiveInt.default(4),
          /** Compact instead once the table has this many fragments. */
          compact_min_fragments: positiveInt.default(16),
          /** While writes are queued or running, a due pass waits for a gap up to this long (its duties hold the write queue). */
          max_wait_ms: z.number().min(0).max(600_000).default(2000),
        })
        .default(AFTER_COMMIT_DEFAULTS),
    })
    .default({ enabled: true, interval_seconds: 30, compact_min_fragments: 32, retention_seconds: 7 * 24 * 3600, run_budget_seconds: 20, after_commit: AFTER_COMMIT_DEFAULTS }),
}).superRefine((c, ctx) => {
  for (const id of Object.keys(c.graphs)) {
    if ((RESERVED_GRAPH_IDS as readonly string[]).includes(id)) ctx.addIssue({ code: "custom", path: ["graphs", id], message: `'${id}' is a reserved graph id (${RESERVED_GRAPH_IDS.join(", ")})` });
  }
  if (c.tenancy.layout === "bucket-per-tenant" && !c.tenancy.bucket_template) {
    ctx.addIssue({ code: "custom", path: ["tenancy", "bucket_template"], message: 'bucket-per-tenant needs a bucket_template such as "s3://og-{tenant}/prefix"' });
  }
  if (c.tenancy.layout === "bucket-per-tenant" && c.auth.unauthenticated) {
    // Open mode has one tenantless identity, and this layout has no tenantless store:
    // such a server would boot and then fail every graph request.
    ctx.addIssue({ code: "custom", path: ["auth", "unauthenticated"], message: "bucket-per-tenant serves only requests that carry a tenant, and --unauthenticated has none: use tenancy layout single or prefix-per-tenant, or authenticate with tokens or OIDC that name tenants" });
  }
});

/** The validated server configuration (defaults filled in). */
export type ServerConfig = z.output<typeof ServerConfigSchema>;
/** What a config file may contain (every key optional). */
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;
