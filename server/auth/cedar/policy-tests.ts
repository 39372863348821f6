import { CedarAuthorizer } from "./authorizer.ts";
import type { CompiledBundle } from "./bundle.ts";
import type { PolicyTestCase } from "./policy-yaml.ts";

/** The outcome of one `policy.tests.yaml` case. */
export interface PolicyCaseResult {
  scope: string;
  id: string;
  expect: "allow" | "deny";
  got: "allow" | "deny";
  pass: boolean;
  policyIds: string[];
  reason?: string;
}

/** Graph id used by cases that name none (policy.yaml rules apply to every graph of their scope). */
export const DEFAULT_TEST_GRAPH = "graph";

function runCase(a: CedarAuthorizer, scope: string, tenant: string | null, c: PolicyTestCase): PolicyCaseResult {
  const d = a.explain({
    identity: { actor: c.actor.trim(), tenant: c.tenant !== undefined ? c.tenant : tenant, groups: c.groups ?? [], via: "static" },
    action: c.action,
    graphId: c.action === "graph_list" ? null : (c.graph ?? DEFAULT_TEST_GRAPH),
    branch: c.branch ?? null,
    targetBranch: c.target_branch ?? null,
  });
  const got = d.allowed ? "allow" : "deny";
  return { scope, id: c.id, expect: c.expect, got, pass: got === c.expect, policyIds: d.policyIds, ...(d.reason ? { reason: d.reason } : {}) };
}

/**
 * Runs every tests file of the bundle root: the deployment bundle's cases with no
 * tenant, each `tenants/<t>/` bundle's cases as tenant `t` (a case may override).
 */
export function runPolicyTests(root: string): PolicyCaseResult[] {
  const a = new CedarAuthorizer(root);
  const out: PolicyCaseResult[] = [];
  const d = a.bundleFor(null);
  const bundles: [string | null, CompiledBundle | null][] = [[null, d]];
  for (const t of a.tenantIds()) bundles.push([t, a.bundleFor(t)]);
  for (const [tenant, b] of bundles) {
    if (!b?.tests || (tenant !== null && b.scope !== `tenant:${tenant}`)) continue;
    for (const c of b.tests.cases) out.push(runCase(a, b.scope, tenant, c));
  }
  return out;
}
