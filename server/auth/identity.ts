/**
 * The identity and authorization interfaces the HTTP pipeline takes by injection
 * (contract 4). Implementations: `static-tokens.ts`, `oidc.ts`, `hybrid.ts`
 * (authenticators) and `cedar/authorizer.ts` (authorizer).
 */

/** Who is calling: resolved only from the credential, never from headers or the body. */
export interface Identity {
  actor: string;
  /** The tenant the credential belongs to; `null` in a single-tenant deployment. */
  tenant: string | null;
  groups: string[];
  via: "static" | "oidc" | "unauthenticated";
}

/** Turns the `Authorization` header (and the request host, for tenant binding) into an identity. */
export interface Authenticator {
  /** Throws an {@link ./errors.ts AuthError} (ERR_UNAUTHENTICATED, ERR_TOKEN_* … → 401). */
  authenticate(input: { authorization: string | undefined; host: string | undefined }): Promise<Identity>;
}

/** The ten actions of OmniGraph's Cedar model (omnigraph-api.md §6.4). */
export type Action =
  | "read"
  | "export"
  | "change"
  | "schema_apply"
  | "branch_create"
  | "branch_delete"
  | "branch_merge"
  | "admin"
  | "invoke_query"
  | "graph_list";

export const ACTIONS: readonly Action[] = ["read", "export", "change", "schema_apply", "branch_create", "branch_delete", "branch_merge", "admin", "invoke_query", "graph_list"];

export interface AuthzRequest {
  identity: Identity;
  action: Action;
  /** `null` only for `graph_list` (resource `Server::"root"`). */
  graphId: string | null;
  branch: string | null;
  targetBranch: string | null;
}

export interface AuthzDecision {
  allowed: boolean;
  /** Ids of the policies that decided (sorted; the smallest first). */
  policyIds: string[];
  reason?: string;
}

/** Decides one request; synchronous so the hot path never awaits. */
export interface Authorizer {
  authorize(r: AuthzRequest): AuthzDecision;
}
