import pino, { type Logger } from "pino";
import type { Registry } from "prom-client";
import { ConfigError } from "../config/errors.ts";
import type { LoadedConfig } from "../config/load.ts";
import { durationMs } from "../config/schema.ts";
import { AdmissionController } from "./admission.ts";
import { AuditLog } from "./audit.ts";
import { AuthError } from "./errors.ts";
import { protectedResourceMetadata, protectedResourceMetadataUrl, RequestAuthenticator, type ProtectedResourceMetadata } from "./authenticator.ts";
import { createAuthorizer } from "./authorizer.ts";
import type { Authorizer } from "./identity.ts";
import { authMetrics } from "./metrics.ts";
import type { AsymmetricAlgorithm } from "./oidc.ts";

/** Everything the HTTP pipeline needs from the auth layer, built once at boot. */
export interface AuthStack {
  authenticator: RequestAuthenticator;
  authorizer: Authorizer & { close?: () => void };
  admission: AdmissionController;
  audit: AuditLog;
  /** Per-query budget limits for the read executor. */
  queryBudget: { timeMs: number; maxRows: number; maxBytes: number };
  /** The RFC 9728 document, when `auth.resource_url` is set and OIDC is on. */
  protectedResource: ProtectedResourceMetadata | null;
  /** `resource_metadata` for 401 challenges. */
  resourceMetadataUrl: string | undefined;
  close(): void;
}

/**
 * Builds the authenticator, authorizer, admission controller and audit log from the
 * loaded config (the loader passes env secrets in; nothing here reads `process.env`).
 * Fails closed: bad tokens, an unusable OIDC setup or an invalid policy bundle throw.
 */
/** Boot-time auth errors are configuration mistakes: surface them as ERR_CONFIG_INVALID naming the key (serve exits 2). */
function asConfigError(e: unknown): unknown {
  if (!(e instanceof AuthError)) return e;
  const key = e.code === "ERR_POLICY_INVALID" ? "policy.bundle" : e.code === "ERR_TOKENS_INVALID" ? "auth.static" : e.code === "ERR_AUTH_CONFIG" ? "auth" : e.code === "ERR_JWKS_UNAVAILABLE" ? "auth.oidc" : undefined;
  return key ? new ConfigError(key, `${e.code}: ${e.message}`, e) : e;
}

export async function buildAuthStack(
  loaded: LoadedConfig,
  o: Parameters<typeof buildAuthStackUnwrapped>[1] = {},
): Promise<AuthStack> {
  try {
    return await buildAuthStackUnwrapped(loaded, o);
  } catch (e) {
    throw asConfigError(e);
  }
}

async function buildAuthStackUnwrapped(
  loaded: LoadedConfig,
  o: {
    logger?: Logger | undefined;
    registry?: Registry | undefined;
    /** Tokens given in code (the development token of `npm start`). */
    extraTokens?: { actor: string; token: string }[] | undefined;
    /** A bundle used when `policy.bundle` is unset (the development bundle of `npm start`). */
    defaultBundle?: string | undefined;
  } = {},
): Promise<AuthStack> {
  const c = loaded.config;
  const logger = o.logger ?? pino({ level: "silent" });
  const metrics = authMetrics(o.registry);
  const oidc = c.auth.oidc;
  const authenticator = await RequestAuthenticator.create({
    mode: c.auth.mode,
    unauthenticated: c.auth.unauthenticated,
    static: { bearerToken: loaded.secrets.bearerToken, tokensJson: loaded.secrets.bearerTokensJson, tokensFile: c.auth.static.tokens_file, extraEntries: o.extraTokens },
    ...(oidc
      ? {
          oidc: {
            issuers: oidc.issuers ?? (oidc.issuer ? [oidc.issuer] : []),
            audience: oidc.audience ?? null,
            algorithms: oidc.algorithms as AsymmetricAlgorithm[],
            actorClaim: oidc.actor_claim,
            tenantClaim: oidc.tenant_claim ?? null,
            expectedOrg: oidc.expected_org ?? null,
            clockSkewSeconds: durationMs(oidc.clock_skew) / 1000,
            groups: oidc.groups ? { from: oidc.groups.from, map: oidc.groups.map ?? null } : undefined,
            allowedActorsPath: oidc.allowed_actors_path ?? null,
            jwks: {
              uri: oidc.jwks_uri || null,
              discoveryIssuer: !oidc.jwks_uri && !oidc.jwks_offline_path && !oidc.jwks ? (oidc.issuer ?? oidc.issuers?.[0] ?? null) : null,
              offlinePath: oidc.jwks_offline_path ?? null,
              inline: (oidc.jwks as { keys: never[] } | undefined) ?? null,
              cachePath: oidc.jwks_cache_path ?? null,
            },
            jwksCacheTtlMs: durationMs(oidc.jwks_cache_ttl),
            jwksStaleMaxMs: durationMs(oidc.jwks_stale_max),
            jwksUnknownKidMinIntervalMs: durationMs(oidc.jwks_refresh_min_interval),
          },
        }
      : {}),
    tenants: c.auth.tenants,
    logger,
    metrics,
  });
  const audit = new AuditLog(c.auth.audit_path ? pino.destination({ dest: c.auth.audit_path, sync: false, mkdir: true }) : undefined);
  const authorizer = createAuthorizer({ bundle: c.policy.bundle ?? o.defaultBundle ?? null, unauthenticated: c.auth.unauthenticated, logger, metrics });
  const a = c.admission;
  const admission = new AdmissionController(
    { perActorInflightMax: a.per_actor_inflight_max, perActorBytesMax: a.per_actor_bytes_max, perTenantInflightMax: a.per_tenant_inflight_max, perTenantBytesMax: a.per_tenant_bytes_max, retryAfterSeconds: a.retry_after_seconds },
    metrics,
  );
  const resource = c.auth.resource_url;
  const issuers = oidc ? (oidc.issuers ?? (oidc.issuer ? [oidc.issuer] : [])) : [];
  const protectedResource = resource && issuers.length ? protectedResourceMetadata({ resource, authorizationServers: issuers }) : null;
  return {
    authenticator,
    authorizer,
    admission,
    audit,
    queryBudget: { timeMs: a.query_time_ms, maxRows: a.query_max_rows, maxBytes: a.query_max_bytes },
    protectedResource,
    resourceMetadataUrl: protectedResource && resource ? protectedResourceMetadataUrl(resource) : undefined,
    close() {
      authenticator.close();
      authorizer.close?.();
    },
  };
}
