import { createHash } from "node:crypto";
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { Logger } from "pino";
import {
  ActorNotAllowed,
  AuthConfigInvalid,
  AuthError,
  TokenAlgorithmRejected,
  TokenClaimInvalid,
  TokenExpired,
  TokenInvalid,
  TokenNotYetValid,
} from "./errors.ts";
import type { Identity } from "./identity.ts";
import { JwksCache, type JwksSources } from "./jwks.ts";
import { BoundedCache } from "./lru.ts";
import { authMetrics, silentLogger, type AuthMetrics } from "./metrics.ts";
import { TENANT_ID_PATTERN } from "./tenancy.ts";

/** Asymmetric JWS algorithms only: `none` and HMAC (`HS*`) can never be configured. */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The largest `clock_skew` accepted: more than this turns `exp` into a suggestion. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** `auth.oidc` after the config loader parsed durations (RFC 0001 / RFC-014 keys). */
export interface OidcOptions {
  /** `issuer` or `issuers`: the token's `iss` must be one of these. */
  issuers: string[];
  /** `audience`: the token's `aud` must contain one of these (null: not checked — discouraged). */
  audience?: string | string[] | null | undefined;
  /** Pinned algorithms; default `["RS256"]` (RFC-014). */
  algorithms?: AsymmetricAlgorithm[] | undefined;
  /** `actor_claim`, default `sub`. */
  actorClaim?: string | undefined;
  /** `tenant_claim`: the claim naming the tenant (e.g. `org_id`); absent → {@link defaultTenant}. */
  tenantClaim?: string | null | undefined;
  /** `expected_org`: the org claim (`tenant_claim`, else `org_id`) must equal this. */
  expectedOrg?: string | null | undefined;
  defaultTenant?: string | null | undefined;
  /** `clock_skew` (s), default 60, at most {@link MAX_CLOCK_SKEW_SECONDS}. */
  clockSkewSeconds?: number | undefined;
  /** `groups.from` claims and the optional `groups.map` (value → group; unmapped values dropped when a map is set). */
  groups?: { from: string[]; map?: Record<string, string> | null | undefined } | undefined;
  /** `allowed_actors_path`: a JSON array or one actor per line; reloaded on change. */
  allowedActorsPath?: string | null | undefined;
  jwks: JwksSources;
  /** `jwks_cache_ttl` (ms), default 1 h. */
  jwksCacheTtlMs?: number | undefined;
  /** `jwks_stale_max` (ms), default 24 h. */
  jwksStaleMaxMs?: number | undefined;
  /** Minimum spacing of unknown-`kid` refreshes (ms), default 30 s. */
  jwksUnknownKidMinIntervalMs?: number | undefined;
  jwksFetchTimeoutMs?: number | undefined;
  /** Verified tokens remembered (by SHA-256, never plaintext) until they expire; 0 disables. Default 10 000. */
  verifiedCacheSize?: number | undefined;
  logger?: Logger | undefined;
  metrics?: AuthMetrics | undefined;
  now?: (() => number) | undefined;
}

/** A verified token: the identity and the audiences it carried (for tenant binding). */
export interface VerifiedToken {
  identity: Identity;
  audiences: string[];
}

/** Compact JWS shape: three base64url segments, the first decoding to a JSON object with `alg`. */
export function looksLikeJwt(token: string): boolean {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8"));
    return typeof header === "object" && header !== null && typeof (header as { alg?: unknown }).alg === "string";
  } catch {
    return false;
  }
}

function claimValues(v: unknown): string[] {
  if (typeof v === "string") return v.split(/\s+/).filter(Boolean); // `scope` is space-separated
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

/** Maps jose's failures onto our codes; ours pass through. */
function translate(e: unknown): AuthError {
  if (e instanceof AuthError) return e;
  if (e instanceof joseErrors.JWTExpired) return new TokenExpired();
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === "nbf" || e.claim === "iat") return new TokenNotYetValid();
    return new TokenClaimInvalid(e.claim, `claim '${e.claim}' is not accepted`);
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new TokenAlgorithmRejected(undefined, []);
  return new TokenInvalid("invalid bearer token", e);
}

/**
 * Verifies OIDC access tokens offline (`auth.mode: oidc`): jose `jwtVerify`
 * against {@link JwksCache}, pinned asymmetric algorithms, `iss`, `aud`,
 * `exp` (required) and `nbf` with bounded skew; claims → actor, tenant, groups.
 */
export class OidcVerifier {
  readonly jwks: JwksCache;
  private readonly algorithms: AsymmetricAlgorithm[];
  private readonly skew: number;
  private readonly logger: Logger;
  private allowed: Set<string> | undefined;
  private watchingAllowlist = false;
  private watchingOffline = false;
  /**
   * A signature check costs far more than the rest of a request; a token already
   * verified against the same key set is accepted again after re-checking time
   * bounds, JWKS freshness and the allowlist. Keyed by digest: no plaintext kept.
   */
  private readonly verified: BoundedCache<string, { result: VerifiedToken; exp: number; generation: number }>;

  constructor(private readonly options: OidcOptions) {
    if (options.issuers.length === 0) throw new AuthConfigInvalid("auth.oidc needs `issuer` or `issuers`");
    this.algorithms = options.algorithms ?? ["RS256"];
    for (const a of this.algorithms) {
      if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a)) {
        throw new AuthConfigInvalid(`auth.oidc.algorithms: '${a}' is not allowed; use asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(", ")})`);
      }
    }
    if (this.algorithms.length === 0) throw new AuthConfigInvalid("auth.oidc.algorithms must list at least one algorithm");
    this.skew = options.clockSkewSeconds ?? 60;
    if (!(this.skew >= 0 && this.skew <= MAX_CLOCK_SKEW_SECONDS)) throw new AuthConfigInvalid(`auth.oidc.clock_skew must be between 0 and ${MAX_CLOCK_SKEW_SECONDS} s`);
    if (options.tenantClaim === undefined && options.defaultTenant && !TENANT_ID_PATTERN.test(options.defaultTenant)) {
      throw new AuthConfigInvalid(`tenant '${options.defaultTenant}' must match ${TENANT_ID_PATTERN}`);
    }
    this.logger = options.logger ?? silentLogger();
    const metrics: AuthMetrics = options.metrics ?? authMetrics();
    this.jwks = new JwksCache({
      sources: options.jwks,
      cacheTtlMs: options.jwksCacheTtlMs ?? 3_600_000,
      staleMaxMs: options.jwksStaleMaxMs ?? 86_400_000,
      unknownKidMinIntervalMs: options.jwksUnknownKidMinIntervalMs,
      fetchTimeoutMs: options.jwksFetchTimeoutMs,
      logger: this.logger,
      metrics,
      issuerLabel: options.issuers[0],
      now: options.now,
    });
    if (options.allowedActorsPath) this.allowed = this.readAllowlist(options.allowedActorsPath);
    this.verified = new BoundedCache(options.verifiedCacheSize ?? 10_000);
  }

  private readAllowlist(path: string): Set<string> {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new AuthConfigInvalid(`cannot read allowed_actors_path ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
    const trimmed = text.trim();
    let actors: string[];
    if (trimmed.startsWith("[")) {
      const v: unknown = JSON.parse(trimmed);
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new AuthConfigInvalid(`${path} must be a JSON array of actor names`);
      actors = v;
    } else {
      actors = trimmed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    }
    return new Set(actors.map((a) => a.trim()).filter(Boolean));
  }

  /** Loads the key set (see {@link JwksCache.init}) and starts the refresh and allowlist watchers. */
  async start(): Promise<void> {
    await this.jwks.init();
    this.jwks.start();
    const offline = this.options.jwks.offlinePath;
    if (offline && !this.watchingOffline) {
      // Air-gapped sites rotate keys by replacing the file; a bad file keeps the last good keys.
      this.watchingOffline = true;
      watchFile(offline, { interval: 1000, persistent: false }, () => this.jwks.reloadOffline());
    }
    const p = this.options.allowedActorsPath;
    if (p && !this.watchingAllowlist) {
      this.watchingAllowlist = true;
      watchFile(p, { interval: 1000, persistent: false }, () => {
        try {
          this.allowed = this.readAllowlist(p);
        } catch (e) {
          this.logger.warn({ event: "auth.allowlist.reload_failed", path: p, err: (e as Error).message }, "keeping the last good actor allowlist");
        }
      });
    }
  }

  close(): void {
    this.jwks.close();
    if (this.watchingOffline && this.options.jwks.offlinePath) unwatchFile(this.options.jwks.offlinePath);
    this.watchingOffline = false;
    if (this.watchingAllowlist && this.options.allowedActorsPath) unwatchFile(this.options.allowedActorsPath);
    this.watchingAllowlist = false;
  }

  /** Verifies `token`; throws ERR_TOKEN_*, ERR_JWKS_* or ERR_ACTOR_NOT_ALLOWED. */
  async verify(token: string): Promise<VerifiedToken> {
    const digest = this.verified.capacity > 0 ? createHash("sha256").update(token).digest("base64url") : "";
    const hit = digest ? this.verified.get(digest) : undefined;
    if (hit) {
      this.jwks.assertFresh();
      const nowS = (this.options.now ?? Date.now)() / 1000;
      if (hit.generation === this.jwks.generation) {
        if (nowS > hit.exp + this.skew) {
          this.verified.delete(digest);
          throw new TokenExpired();
        }
        if (this.allowed && !this.allowed.has(hit.result.identity.actor)) throw new ActorNotAllowed();
        return { identity: { ...hit.result.identity, groups: [...hit.result.identity.groups] }, audiences: [...hit.result.audiences] };
      }
      this.verified.delete(digest); // the key set changed: verify against the new one
    }
    const generation = this.jwks.generation;
    const { result, exp } = await this.verifyUncached(token);
    if (digest) this.verified.set(digest, { result, exp, generation });
    return { identity: { ...result.identity, groups: [...result.identity.groups] }, audiences: [...result.audiences] };
  }

  private async verifyUncached(token: string): Promise<{ result: VerifiedToken; exp: number }> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (e) {
      throw new TokenInvalid("invalid bearer token: not a JWS", e);
    }
    // Checked before any key lookup, so `alg: none` or HS256 never cause a JWKS refresh.
    if (alg === undefined || !(this.algorithms as string[]).includes(alg)) throw new TokenAlgorithmRejected(alg, this.algorithms);
    let payload: JWTPayload;
    try {
      const now = this.options.now;
      ({ payload } = await jwtVerify(token, this.jwks.getKey, {
        algorithms: this.algorithms,
        issuer: this.options.issuers,
        ...(this.options.audience ? { audience: this.options.audience } : {}),
        clockTolerance: this.skew,
        requiredClaims: ["exp"],
        ...(now ? { currentDate: new Date(now()) } : {}),
      }));
    } catch (e) {
      throw translate(e);
    }
    return { result: { identity: this.identityOf(payload), audiences: claimValues(payload.aud) }, exp: payload.exp! /* required above */ };
  }

  private identityOf(payload: JWTPayload): Identity {
    const o = this.options;
    const actorClaim = o.actorClaim ?? "sub";
    const actor = payload[actorClaim];
    if (typeof actor !== "string" || actor.trim() === "") throw new TokenClaimInvalid(actorClaim, `the actor claim '${actorClaim}' is missing or blank`);
    if (o.expectedOrg) {
      const orgClaim = o.tenantClaim ?? "org_id";
      if (payload[orgClaim] !== o.expectedOrg) throw new TokenClaimInvalid(orgClaim, `claim '${orgClaim}' is not the expected organisation`);
    }
    let tenant: string | null = o.defaultTenant ?? null;
    if (o.tenantClaim) {
      const t = payload[o.tenantClaim];
      if (typeof t !== "string" || !TENANT_ID_PATTERN.test(t)) throw new TokenClaimInvalid(o.tenantClaim, `the tenant claim '${o.tenantClaim}' is missing or not a tenant id`);
      tenant = t;
    }
    const groups = new Set<string>();
    for (const claim of o.groups?.from ?? []) {
      for (const v of claimValues(payload[claim])) {
        const g = o.groups?.map ? o.groups.map[v] : v;
        if (g) groups.add(g);
      }
    }
    const name = actor.trim();
    if (this.allowed && !this.allowed.has(name)) throw new ActorNotAllowed();
    return { actor: name, tenant, groups: [...groups].sort(), via: "oidc" };
  }
}
