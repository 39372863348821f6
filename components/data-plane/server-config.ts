/**
 * The server config file the kit renders into each role's ConfigMap (contract 3: the
 * server's `server/config/` schema is the authority; the data-plane tests parse every
 * rendered file with its `ServerConfigSchema`). Only keys that contract names appear.
 */
import { z } from "zod";
import { KitPlanInvalid } from "../errors.ts";
import { PublicJwks } from "../policy-bundle/plan.ts";
import { ServerConfigSchema, type ServerConfigInput as ServerFileInput } from "../../server/config/schema.ts";

export type ServerRole = "reader" | "writer" | "worker" | "all-in-one";

/** Where the pods find mounted files (the kubelet puts ConfigMaps/Secrets here). */
export const MOUNTS = {
  config: "/etc/omnigraph/config",
  policy: "/etc/omnigraph/policy",
  jwks: "/etc/omnigraph/jwks",
  tokens: "/etc/omnigraph/tokens",
  tmp: "/tmp",
  data: "/var/lib/omnigraph",
} as const;
export const CONFIG_FILE = `${MOUNTS.config}/config.yaml`;
export const TOKENS_FILE = `${MOUNTS.tokens}/tokens.json`;
export const JWKS_FILE = `${MOUNTS.jwks}/jwks.json`;

/** The auth block of the stack config (camelCase; rendered to the server's snake_case). */
export const AuthInput = z.strictObject({
  mode: z.enum(["static", "oidc", "hybrid"]),
  /** static/hybrid: an existing Secret with key `tokens.json` (the server's tokens file format). */
  tokensSecret: z.string().min(1).optional(),
  oidc: z.strictObject({
    issuer: z.url(),
    audience: z.string().min(1),
    /** Fetched in the background and cached; never on the request path. Empty: discovery. */
    jwksUri: z.url().optional(),
    /** Pre-seeded public keys (air-gapped): mounted and used offline. */
    jwks: PublicJwks.optional(),
    actorClaim: z.string().min(1).optional(),
  }).optional(),
}).superRefine((a, ctx) => {
  if ((a.mode === "static" || a.mode === "hybrid") && !a.tokensSecret) ctx.addIssue({ code: "custom", path: ["tokensSecret"], message: `\`auth.tokensSecret\` is required with auth.mode ${a.mode}: name the Secret holding tokens.json` });
  if ((a.mode === "oidc" || a.mode === "hybrid") && !a.oidc) ctx.addIssue({ code: "custom", path: ["oidc"], message: `\`auth.oidc\` (issuer, audience) is required with auth.mode ${a.mode}` });
});
export type AuthInput = z.infer<typeof AuthInput>;

/** The rendered file, as the server reads it (snake_case). */
export interface RenderedServerConfig {
  version: 1;
  role: ServerRole;
  bind: string;
  store: string;
  tenancy: { layout: "single" | "prefix-per-tenant" | "bucket-per-tenant"; bucket_template?: string };
  writer_url: string | null;
  shutdown_grace_seconds: number;
  log: { level: "debug" | "info" | "warn" | "error" };
  auth: {
    mode: AuthInput["mode"];
    unauthenticated: false;
    static?: { tokens_file: string };
    oidc?: { issuer: string; audience: string; jwks_uri?: string; jwks_offline_path?: string; actor_claim?: string };
  };
  policy: { bundle: string };
}

export interface ServerConfigInput {
  role: ServerRole;
  store: string;
  tenancy: RenderedServerConfig["tenancy"];
  writerUrl: string | null;
  shutdownGraceSeconds: number;
  logLevel: RenderedServerConfig["log"]["level"];
  auth: AuthInput;
}

/**
 * Renders one role's server config and checks it with the server's own schema, so a
 * file the server would refuse never reaches a ConfigMap (`ERR_KIT_PLAN_INVALID`).
 */
export function renderServerConfig(i: ServerConfigInput): RenderedServerConfig {
  const auth: RenderedServerConfig["auth"] = { mode: i.auth.mode, unauthenticated: false };
  if (i.auth.mode !== "oidc") auth.static = { tokens_file: TOKENS_FILE };
  if (i.auth.oidc && i.auth.mode !== "static") {
    const o: NonNullable<RenderedServerConfig["auth"]["oidc"]> = { issuer: i.auth.oidc.issuer, audience: i.auth.oidc.audience };
    if (i.auth.oidc.jwks) o.jwks_offline_path = JWKS_FILE;
    else if (i.auth.oidc.jwksUri) o.jwks_uri = i.auth.oidc.jwksUri;
    if (i.auth.oidc.actorClaim) o.actor_claim = i.auth.oidc.actorClaim;
    auth.oidc = o;
  }
  const rendered = {
    version: 1,
    role: i.role,
    bind: "0.0.0.0:8080",
    store: i.store,
    tenancy: i.tenancy,
    writer_url: i.writerUrl,
    shutdown_grace_seconds: i.shutdownGraceSeconds,
    log: { level: i.logLevel },
    auth,
    policy: { bundle: MOUNTS.policy },
  } satisfies RenderedServerConfig & ServerFileInput;
  const check = ServerConfigSchema.safeParse(rendered);
  if (!check.success) {
    throw new KitPlanInvalid(check.error.issues.map((x) => `the ${i.role} server config would be refused by the server: ${x.path.join(".") || "(top level)"}: ${x.message}`));
  }
  return rendered;
}
