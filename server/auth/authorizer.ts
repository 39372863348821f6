import type { Logger } from "pino";
import { CedarAuthorizer } from "./cedar/authorizer.ts";
import type { Authorizer, AuthzDecision, AuthzRequest } from "./identity.ts";
import { authMetrics, silentLogger, type AuthMetrics } from "./metrics.ts";

/** OmniGraph's runtime states (omnigraph-api.md §6.2) for a server without a policy bundle. */
export type PolicylessState = "default_deny" | "open";

/**
 * Without a policy bundle: `default_deny` (tokens, no policy) allows `read` and
 * refuses everything else; `open` (`--unauthenticated`, no policy) allows
 * everything except `graph_list`, which always needs an explicit grant.
 */
export class PolicylessAuthorizer implements Authorizer {
  constructor(readonly state: PolicylessState, private readonly logger: Logger = silentLogger(), private readonly metrics: AuthMetrics = authMetrics()) {}

  authorize(r: AuthzRequest): AuthzDecision {
    const allowed = this.state === "open" ? r.action !== "graph_list" : r.action === "read";
    const d: AuthzDecision = { allowed, policyIds: [], reason: this.state };
    this.metrics.decisions.inc({ outcome: allowed ? "allow" : "deny" });
    this.logger.info(
      { event: "authz.decision", actor: r.identity.actor, tenant: r.identity.tenant, action: r.action, graph: r.graphId, branch: r.branch, target_branch: r.targetBranch, outcome: allowed ? "allow" : "deny", policy_ids: [], reason: this.state },
      "authorization decision",
    );
    return d;
  }
}

export interface AuthorizerOptions {
  /** `policy.bundle`: a bundle directory or a policy.yaml; null for the policyless states. */
  bundle: string | null;
  /** True when the server runs `--unauthenticated`. */
  unauthenticated: boolean;
  logger?: Logger | undefined;
  decisionLogger?: Logger | undefined;
  metrics?: AuthMetrics | undefined;
  pollIntervalMs?: number | undefined;
}

/** Picks the authorizer for the configuration; a bundle is loaded, validated and watched. */
export function createAuthorizer(o: AuthorizerOptions): Authorizer & { close?: () => void } {
  if (o.bundle) {
    const a = new CedarAuthorizer(o.bundle, { logger: o.logger, decisionLogger: o.decisionLogger, metrics: o.metrics, pollIntervalMs: o.pollIntervalMs });
    a.watch();
    return a;
  }
  return new PolicylessAuthorizer(o.unauthenticated ? "open" : "default_deny", o.decisionLogger ?? o.logger ?? silentLogger(), o.metrics ?? authMetrics());
}
