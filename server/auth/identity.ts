/**
 * Auth interfaces of the data plane (contract 4). The HTTP pipeline takes these by
 * injection: `authenticate` middleware calls an {@link Authenticator}, `authorize`
 * middleware an {@link Authorizer}. The auth helper's static/OIDC/hybrid identities and
 * Cedar authorizer implement them; `static.ts` and `runtime-states.ts` are the interim ones.
 */

/** Who is calling. `actor` comes only from the credential, never from headers or body. */
export interface Identity {
  actor: string;
  tenant: string | null;
  groups: string[];
  via: "static" | "oidc" | "unauthenticated";
}

/** Throws a typed auth error (`ERR_UNAUTHENTICATED` → 401) when the credential is missing or wrong. */
export interface Authenticator {
  authenticate(input: { authorization: string | undefined; host: string | undefined }): Promise<Identity>;
}

/** OmniGraph v0.10's ten Cedar actions. */
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

export interface AuthzRequest {
  identity: Identity;
  action: Action;
  graphId: string | null;
  branch: string | null;
  targetBranch: string | null;
}

export interface Authorizer {
  authorize(r: AuthzRequest): { allowed: boolean; policyIds: string[]; reason?: string };
}
