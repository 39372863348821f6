import type { Logger } from "pino";
import { AuthConfigInvalid, AuthError, TokenInvalid } from "./errors.ts";
import type { Authenticator, Identity } from "./identity.ts";
import { authMetrics, silentLogger, type AuthMetrics } from "./metrics.ts";
import { looksLikeJwt, OidcVerifier, type OidcOptions } from "./oidc.ts";
import { bearerToken, hasStaticTokens, StaticTokens, type StaticTokenSources } from "./static-tokens.ts";
import { TenantBinding, type TenantBindingConfig } from "./tenancy.ts";

export type AuthMode = "static" | "oidc" | "hybrid";

/** The fixed identity of `--unauthenticated` (OmniGraph counts such callers as `anonymous`). */
export const UNAUTHENTICATED_ACTOR = "anonymous";

export interface AuthenticatorOptions {
  mode: AuthMode;
  /** `--unauthenticated` / `OMNIGRAPH_UNAUTHENTICATED`: every request is {@link UNAUTHENTICATED_ACTOR}. */
  unauthenticated?: boolean | undefined;
  /** Tenant of the unauthenticated identity (single-tenant: null). */
  unauthenticatedTenant?: string | null | undefined;
  static?: StaticTokenSources | undefined;
  oidc?: Omit<OidcOptions, "logger" | "metrics"> | undefined;
  tenants?: Record<string, TenantBindingConfig> | undefined;
  logger?: Logger | undefined;
  metrics?: AuthMetrics | undefined;
  /** Stat-poll period of the token file (ms). */
  tokenFilePollMs?: number | undefined;
}

/**
 * The request authenticator: extracts the bearer token from the `Authorization`
 * header only (never the query string), dispatches by `auth.mode`, then checks
 * the tenant binding of the resulting identity against the request host.
 *
 * `hybrid`: a JWT-shaped token goes to OIDC and **never** falls back to the static
 * table (a leaked static token that happens to look like a JWT stays useless);
 * anything else goes to the static table.
 */
export class RequestAuthenticator implements Authenticator {
  private constructor(
    readonly mode: AuthMode | "unauthenticated",
    readonly staticTokens: StaticTokens | undefined,
    readonly oidc: OidcVerifier | undefined,
    private readonly binding: TenantBinding,
    private readonly fixed: Identity | undefined,
  ) {}

  /** Validates the options, loads tokens and keys (boot fails closed), starts the watchers. */
  static async create(o: AuthenticatorOptions): Promise<RequestAuthenticator> {
    const logger = o.logger ?? silentLogger();
    const metrics = o.metrics ?? authMetrics();
    const binding = new TenantBinding(o.tenants ?? {});
    if (o.unauthenticated) {
      const fixed: Identity = { actor: UNAUTHENTICATED_ACTOR, tenant: o.unauthenticatedTenant ?? null, groups: [], via: "unauthenticated" };
      logger.warn({ event: "auth.unauthenticated" }, "authentication is OFF (--unauthenticated): every request acts as 'anonymous'");
      return new RequestAuthenticator("unauthenticated", undefined, undefined, binding, fixed);
    }
    let staticTokens: StaticTokens | undefined;
    let oidc: OidcVerifier | undefined;
    if (o.mode === "static" || o.mode === "hybrid") {
      const src = o.static ?? {};
      if (!hasStaticTokens(src)) {
        if (o.mode === "static") {
          throw new AuthConfigInvalid("auth.mode is static but no token is configured: set OMNIGRAPH_SERVER_BEARER_TOKEN(S_FILE|S_JSON) or auth.static.tokens_file, or start with --unauthenticated");
        }
      } else {
        staticTokens = StaticTokens.load(src, { logger, metrics, pollIntervalMs: o.tokenFilePollMs });
        staticTokens.watch();
      }
    }
    if (o.mode === "oidc" || o.mode === "hybrid") {
      if (!o.oidc) throw new AuthConfigInvalid(`auth.mode is ${o.mode} but auth.oidc is not configured`);
      oidc = new OidcVerifier({ ...o.oidc, logger, metrics });
      await oidc.start();
    }
    return new RequestAuthenticator(o.mode, staticTokens, oidc, binding, undefined);
  }

  async authenticate(input: { authorization: string | undefined; host: string | undefined }): Promise<Identity> {
    if (this.fixed) return { ...this.fixed, groups: [] };
    const token = bearerToken(input.authorization);
    let identity: Identity;
    let audiences: string[] | undefined;
    if (this.oidc && (this.mode === "oidc" || looksLikeJwt(token))) {
      ({ identity, audiences } = await this.oidc.verify(token));
    } else {
      const found = this.staticTokens?.lookup(token);
      if (!found) throw new TokenInvalid();
      identity = found;
    }
    this.binding.check(identity, input.host, audiences);
    return identity;
  }

  /** Stops token-file, JWKS and allowlist watchers. */
  close(): void {
    this.staticTokens?.close();
    this.oidc?.close();
  }
}

function quoted(s: string): string {
  // RFC 7230 quoted-string: escape backslash and quote; drop control characters.
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, "")}"`;
}

/**
 * The RFC 6750 §3 challenge for a 401: `Bearer realm="…"`, plus `error` and
 * `error_description` when a token was presented, plus RFC 9728 `resource_metadata`.
 */
export function wwwAuthenticate(err: AuthError | undefined, opts: { realm?: string | undefined; resourceMetadataUrl?: string | undefined } = {}): string {
  const params: string[] = [`realm=${quoted(opts.realm ?? "omnigraph")}`];
  const code = err?.bearerError;
  if (err && code) {
    params.push(`error=${quoted(code)}`);
    params.push(`error_description=${quoted(err.message)}`);
  }
  if (opts.resourceMetadataUrl) params.push(`resource_metadata=${quoted(opts.resourceMetadataUrl)}`);
  return `Bearer ${params.join(", ")}`;
}

/** RFC 9728 protected resource metadata (`GET /.well-known/oauth-protected-resource`). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: ["header"];
  resource_name?: string;
  scopes_supported?: string[];
}

/** Builds the `/.well-known/oauth-protected-resource` document the server mounts (unauthenticated route). */
export function protectedResourceMetadata(o: { resource: string; authorizationServers: string[]; resourceName?: string; scopesSupported?: string[] }): ProtectedResourceMetadata {
  return {
    resource: o.resource,
    authorization_servers: [...o.authorizationServers],
    bearer_methods_supported: ["header"],
    ...(o.resourceName ? { resource_name: o.resourceName } : {}),
    ...(o.scopesSupported ? { scopes_supported: [...o.scopesSupported] } : {}),
  };
}

/** The well-known path of the metadata document for a resource URL (RFC 9728 §3.1). */
export function protectedResourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === "/" ? "" : u.pathname;
  return `${u.origin}/.well-known/oauth-protected-resource${path}`;
}
