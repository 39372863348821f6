/**
 * Typed errors of the identity and policy layer. Every failure carries a stable
 * `code`; the server maps codes to HTTP status in its one table, and adds the
 * RFC 6750 `WWW-Authenticate` challenge for the 401s from {@link AuthError.bearerError}.
 *
 * Messages never contain a token, a token hash or a request body: they are safe
 * to log and to return to the caller.
 */
export type AuthErrorCode =
  /** No `Authorization: Bearer …` header (401, no `error` attribute per RFC 6750 §3.1). */
  | "ERR_UNAUTHENTICATED"
  /** A header that is not `Bearer <token>` (401 `invalid_request`). */
  | "ERR_AUTH_SCHEME"
  /** Unknown static token, bad signature, tampered payload, malformed JWT (401 `invalid_token`). */
  | "ERR_TOKEN_INVALID"
  /** The JWT's `alg` is not one of the pinned algorithms (`none`, HS256 …) (401 `invalid_token`). */
  | "ERR_TOKEN_ALGORITHM"
  /** `exp` is in the past beyond the clock skew (401 `invalid_token`). */
  | "ERR_TOKEN_EXPIRED"
  /** `nbf`/`iat` is in the future beyond the clock skew (401 `invalid_token`). */
  | "ERR_TOKEN_NOT_YET_VALID"
  /** Wrong `iss`, `aud`, `org_id`, or a missing actor/tenant claim (401 `invalid_token`). */
  | "ERR_TOKEN_CLAIM"
  /** No JWKS key matches the token's `kid`, even after one refresh (401 `invalid_token`). */
  | "ERR_JWKS_NO_MATCHING_KEY"
  /** The cached JWKS is older than `jwks_stale_max` and cannot be refreshed: fail closed (503, retryable). */
  | "ERR_JWKS_STALE"
  /** The JWKS could not be loaded at all (boot, or no keys ever fetched) (503, retryable). */
  | "ERR_JWKS_UNAVAILABLE"
  /** A valid token of one tenant presented at another tenant's host or audience (401 `invalid_token`). */
  | "ERR_TENANT_MISMATCH"
  /** The actor is not in `allowed_actors_path` (403). */
  | "ERR_ACTOR_NOT_ALLOWED"
  /** Cedar (or default deny) refused the action (403). */
  | "ERR_FORBIDDEN"
  /** Admission refused: an in-flight or byte budget of the actor or tenant is full (429 + Retry-After). */
  | "ERR_TOO_MANY_REQUESTS"
  /** A token table (env, JSON, file) breaks the validation rules (boot error; exit 2). */
  | "ERR_TOKENS_INVALID"
  /** An OIDC or tenancy setting is unusable (boot error). */
  | "ERR_AUTH_CONFIG"
  /** A policy bundle (policy.yaml, .cedar, schema, tests file) does not parse or validate (boot error / CLI exit 1). */
  | "ERR_POLICY_INVALID";

export interface AuthErrorDetails {
  /** Structured, non-secret facts for the error body and logs. */
  detail?: Record<string, unknown>;
  /** Seconds for `Retry-After` (429, 503). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** RFC 6750 §3.1 error attribute of a 401/403 challenge. */
export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";

const BEARER_ERROR: Partial<Record<AuthErrorCode, BearerErrorCode>> = {
  ERR_AUTH_SCHEME: "invalid_request",
  ERR_TOKEN_INVALID: "invalid_token",
  ERR_TOKEN_ALGORITHM: "invalid_token",
  ERR_TOKEN_EXPIRED: "invalid_token",
  ERR_TOKEN_NOT_YET_VALID: "invalid_token",
  ERR_TOKEN_CLAIM: "invalid_token",
  ERR_JWKS_NO_MATCHING_KEY: "invalid_token",
  ERR_TENANT_MISMATCH: "invalid_token",
};

const RETRYABLE: ReadonlySet<AuthErrorCode> = new Set(["ERR_JWKS_STALE", "ERR_JWKS_UNAVAILABLE", "ERR_TOO_MANY_REQUESTS"]);

/** Base class of every auth-layer error. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly retryable: boolean;
  readonly detail: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AuthErrorCode, message: string, details: AuthErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "AuthError";
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.detail = details.detail ?? {};
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** The RFC 6750 `error` attribute for the challenge, or undefined (missing token, non-401). */
  get bearerError(): BearerErrorCode | undefined {
    return BEARER_ERROR[this.code];
  }
}

export class Unauthenticated extends AuthError {
  static readonly code = "ERR_UNAUTHENTICATED";
  constructor(message = "missing bearer token") {
    super("ERR_UNAUTHENTICATED", message);
  }
}

export class AuthSchemeInvalid extends AuthError {
  static readonly code = "ERR_AUTH_SCHEME";
  constructor(message = "the Authorization header must be `Bearer <token>`") {
    super("ERR_AUTH_SCHEME", message);
  }
}

export class TokenInvalid extends AuthError {
  static readonly code = "ERR_TOKEN_INVALID";
  constructor(message = "invalid bearer token", cause?: unknown) {
    super("ERR_TOKEN_INVALID", message, { cause });
  }
}

export class TokenAlgorithmRejected extends AuthError {
  static readonly code = "ERR_TOKEN_ALGORITHM";
  constructor(alg: string | undefined, allowed: readonly string[]) {
    super("ERR_TOKEN_ALGORITHM", `invalid bearer token: alg ${JSON.stringify(alg ?? null)} is not accepted (accepted: ${allowed.join(", ")})`, { detail: { alg: alg ?? null } });
  }
}

export class TokenExpired extends AuthError {
  static readonly code = "ERR_TOKEN_EXPIRED";
  constructor() {
    super("ERR_TOKEN_EXPIRED", "invalid bearer token: the token has expired");
  }
}

export class TokenNotYetValid extends AuthError {
  static readonly code = "ERR_TOKEN_NOT_YET_VALID";
  constructor() {
    super("ERR_TOKEN_NOT_YET_VALID", "invalid bearer token: the token is not valid yet (nbf/iat in the future)");
  }
}

export class TokenClaimInvalid extends AuthError {
  static readonly code = "ERR_TOKEN_CLAIM";
  constructor(claim: string, message: string) {
    super("ERR_TOKEN_CLAIM", `invalid bearer token: ${message}`, { detail: { claim } });
  }
}

export class JwksNoMatchingKey extends AuthError {
  static readonly code = "ERR_JWKS_NO_MATCHING_KEY";
  constructor(kid: string | undefined) {
    super("ERR_JWKS_NO_MATCHING_KEY", "invalid bearer token: no trusted key matches its kid", { detail: { kid: kid ?? null } });
  }
}

export class JwksStale extends AuthError {
  static readonly code = "ERR_JWKS_STALE";
  constructor(ageSeconds: number, staleMaxSeconds: number) {
    super("ERR_JWKS_STALE", `the cached JWKS is ${Math.round(ageSeconds)} s old (jwks_stale_max ${staleMaxSeconds} s) and the issuer cannot be reached; refusing tokens until it can`, {
      detail: { jwks_age_seconds: Math.round(ageSeconds), jwks_stale_max_seconds: staleMaxSeconds },
      retryAfterSeconds: 30,
    });
  }
}

export class JwksUnavailable extends AuthError {
  static readonly code = "ERR_JWKS_UNAVAILABLE";
  constructor(message: string, cause?: unknown) {
    super("ERR_JWKS_UNAVAILABLE", message, { cause, retryAfterSeconds: 30 });
  }
}

export class TenantMismatch extends AuthError {
  static readonly code = "ERR_TENANT_MISMATCH";
  constructor(message: string) {
    super("ERR_TENANT_MISMATCH", `invalid bearer token: ${message}`);
  }
}

export class ActorNotAllowed extends AuthError {
  static readonly code = "ERR_ACTOR_NOT_ALLOWED";
  constructor() {
    super("ERR_ACTOR_NOT_ALLOWED", "the token's actor is not in the allowed actors list");
  }
}

export class Forbidden extends AuthError {
  static readonly code = "ERR_FORBIDDEN";
  constructor(message: string, detail: Record<string, unknown> = {}) {
    super("ERR_FORBIDDEN", message, { detail });
  }
}

export class AdmissionRejected extends AuthError {
  static readonly code = "ERR_TOO_MANY_REQUESTS";
  constructor(message: string, detail: Record<string, unknown>, retryAfterSeconds: number) {
    super("ERR_TOO_MANY_REQUESTS", message, { detail, retryAfterSeconds });
  }
}

export class TokensInvalid extends AuthError {
  static readonly code = "ERR_TOKENS_INVALID";
  constructor(message: string, detail: Record<string, unknown> = {}) {
    super("ERR_TOKENS_INVALID", message, { detail });
  }
}

export class AuthConfigInvalid extends AuthError {
  static readonly code = "ERR_AUTH_CONFIG";
  constructor(message: string, cause?: unknown) {
    super("ERR_AUTH_CONFIG", message, { cause });
  }
}

export class PolicyInvalid extends AuthError {
  static readonly code = "ERR_POLICY_INVALID";
  constructor(message: string, detail: Record<string, unknown> = {}) {
    super("ERR_POLICY_INVALID", message, { detail });
  }
}

export function isAuthError(e: unknown, code?: AuthErrorCode): e is AuthError {
  return e instanceof AuthError && (code === undefined || e.code === code);
}
