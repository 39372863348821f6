/**
 * OmniGraph v0.10's runtime states (omnigraph-api.md §6.2) as an interim
 * {@link Authorizer}:
 * - **Open** (no tokens, `--unauthenticated`): everything except `graph_list`;
 * - **DefaultDeny** (tokens, no policy): `read` only;
 * - **PolicyEnabled** (tokens + a `policy.yaml`): the file's rules decide. This is a
 *   small direct evaluator of OmniGraph's policy.yaml semantics; the auth helper's
 *   Cedar authorizer replaces it.
 * No tokens without `--unauthenticated`, or a policy without tokens, refuse to start.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError } from "../config/errors.ts";
import type { Action, Authorizer, AuthzRequest } from "./identity.ts";

export type RuntimeState = "open" | "default_deny" | "policy_enabled";

const ACTIONS = ["read", "export", "change", "schema_apply", "branch_create", "branch_delete", "branch_merge", "admin", "invoke_query", "graph_list"] as const;
const Scope = z.enum(["any", "protected", "unprotected"]);

const PolicyFileSchema = z.strictObject({
  version: z.literal(1),
  groups: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  protected_branches: z.array(z.string()).default([]),
  rules: z.array(
    z.strictObject({
      id: z.string().min(1),
      allow: z.strictObject({
        actors: z.strictObject({ group: z.string() }),
        actions: z.array(z.enum(ACTIONS)).min(1),
        branch_scope: Scope.optional(),
        target_branch_scope: Scope.optional(),
      }),
    }),
  ),
});
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** Reads `policy.yaml` (a file, or a directory holding one). */
export function loadPolicyFile(path: string): PolicyFile {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, "policy.yaml");
  } catch (e) {
    throw new ConfigError("policy.bundle", `cannot read the policy bundle ${path}; check policy.bundle`, e);
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError("policy.bundle", `cannot read ${file} as YAML: ${(e as Error).message.split("\n")[0]}`, e);
  }
  const parsed = PolicyFileSchema.safeParse(doc);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ConfigError("policy.bundle", `${file}: '${i.path.join(".") || "(top level)"}' is invalid: ${i.message}`);
  }
  const ids = new Set<string>();
  for (const r of parsed.data.rules) {
    if (ids.has(r.id)) throw new ConfigError("policy.bundle", `${file}: rule id '${r.id}' is used twice; rule ids are unique`);
    ids.add(r.id);
    if (!parsed.data.groups[r.allow.actors.group]) throw new ConfigError("policy.bundle", `${file}: rule '${r.id}' names unknown group '${r.allow.actors.group}'`);
    if (r.allow.branch_scope && r.allow.target_branch_scope) throw new ConfigError("policy.bundle", `${file}: rule '${r.id}' takes at most one of branch_scope and target_branch_scope`);
  }
  return parsed.data;
}

/** Decides the runtime state from what is configured, or refuses to start. */
export function runtimeState(input: { tokens: number; policy: boolean; unauthenticated: boolean }): RuntimeState {
  if (input.tokens === 0 && input.policy) {
    throw new ConfigError("policy.bundle", "a policy is configured but no bearer tokens: set OMNIGRAPH_SERVER_BEARER_TOKEN(S_FILE|S_JSON) or auth.static.tokens_file");
  }
  if (input.tokens === 0) {
    if (!input.unauthenticated) {
      throw new ConfigError("auth.unauthenticated", "no bearer tokens are configured: set OMNIGRAPH_SERVER_BEARER_TOKEN(S_FILE|S_JSON), or pass --unauthenticated (OMNIGRAPH_UNAUTHENTICATED=1) to serve without auth");
    }
    return "open";
  }
  return input.policy ? "policy_enabled" : "default_deny";
}

function scopeHolds(scope: z.infer<typeof Scope> | undefined, branch: string | null, protectedBranches: string[]): boolean {
  if (scope === undefined || scope === "any") return true;
  if (branch === null) return false;
  const isProtected = protectedBranches.includes(branch);
  return scope === "protected" ? isProtected : !isProtected;
}

export class RuntimeStateAuthorizer implements Authorizer {
  constructor(readonly state: RuntimeState, private readonly policy?: PolicyFile) {}

  authorize(r: AuthzRequest): { allowed: boolean; policyIds: string[]; reason?: string } {
    if (this.state === "open") {
      return r.action === "graph_list"
        ? { allowed: false, policyIds: [], reason: "graph_list needs a cluster-scoped policy (denied in open mode)" }
        : { allowed: true, policyIds: [] };
    }
    if (this.state === "default_deny" || !this.policy) {
      return r.action === "read" ? { allowed: true, policyIds: [] } : { allowed: false, policyIds: [], reason: `no policy is configured, so only read is allowed (default deny); '${r.action}' needs a policy` };
    }
    const p = this.policy;
    const inGroup = (g: string) => (p.groups[g] ?? []).includes(r.identity.actor) || r.identity.groups.includes(g);
    const matched: string[] = [];
    for (const rule of p.rules) {
      if (!rule.allow.actions.includes(r.action as Action) || !inGroup(rule.allow.actors.group)) continue;
      if (!scopeHolds(rule.allow.branch_scope, r.branch, p.protected_branches)) continue;
      if (!scopeHolds(rule.allow.target_branch_scope, r.targetBranch, p.protected_branches)) continue;
      matched.push(`${rule.id}:${r.action}`);
    }
    return matched.length
      ? { allowed: true, policyIds: matched.sort() }
      : { allowed: false, policyIds: [], reason: `no policy rule allows '${r.action}' for actor '${r.identity.actor}'` };
  }
}
