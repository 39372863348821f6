import test from "ava";
import fc from "fast-check";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify as toYaml } from "yaml";
import { Registry } from "prom-client";
import { PolicylessAuthorizer } from "../../server/auth/authorizer.ts";
import { CedarAuthorizer } from "../../server/auth/cedar/authorizer.ts";
import { loadBundle } from "../../server/auth/cedar/bundle.ts";
import { runPolicyTests } from "../../server/auth/cedar/policy-tests.ts";
import { compilePolicyFile, parsePolicyFile, type PolicyFile } from "../../server/auth/cedar/policy-yaml.ts";
import { isProtectedBranch } from "../../server/auth/cedar/schema.ts";
import { ACTIONS, type Action, type AuthzRequest, type Identity } from "../../server/auth/identity.ts";
import { authMetrics } from "../../server/auth/metrics.ts";
import { capturingLogger, eventually } from "./support.ts";

const POLICIES = fileURLToPath(new URL("../../policies/", import.meta.url));

function codeOfSync(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") throw e;
    return code;
  }
}

const id = (actor: string, groups: string[] = [], tenant: string | null = null): Identity => ({ actor, tenant, groups, via: "static" });
const req = (identity: Identity, action: Action, branch: string | null = null, targetBranch: string | null = null, graphId: string | null = "g1"): AuthzRequest => ({
  identity, action, graphId: action === "graph_list" ? null : graphId, branch, targetBranch,
});

function bundleDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "og-policy-"));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** Every directory under policies/ that holds a policy.tests.yaml and is a bundle root (not a tenants/<id>/). */
function exampleBundles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (existsSync(join(d, "policy.tests.yaml")) && !/\/tenants\/[^/]+\/?$/.test(d)) out.push(d);
    for (const f of readdirSync(d)) if (statSync(join(d, f)).isDirectory()) walk(join(d, f));
  };
  walk(POLICIES);
  return out.sort();
}

test("policy.yaml compiles to one permit per (rule, action) with ids <rule_id>:<action> and the scope conditions of §6.4", (t) => {
  const p = parsePolicyFile(`
version: 1
groups: { editors: [alice], viewers: [bob] }
protected_branches: [main]
rules:
  - id: viewers-read
    allow: { actors: { group: viewers }, actions: [read] }
  - id: editors-feature-writes
    allow: { actors: { group: editors }, actions: [read, change], branch_scope: unprotected }
  - id: editors-protected
    allow: { actors: { group: editors }, actions: [branch_merge], target_branch_scope: protected }
  - id: editors-any
    allow: { actors: { group: editors }, actions: [branch_create], target_branch_scope: any }
`);
  const c = compilePolicyFile(p, { graphs: ["social"] });
  t.deepEqual(Object.keys(c).sort(), ["editors-any:branch_create", "editors-feature-writes:change", "editors-feature-writes:read", "editors-protected:branch_merge", "viewers-read:read"]);
  t.is(c["editors-feature-writes:change"], `permit(principal in Omnigraph::Group::"editors", action == Omnigraph::Action::"change", resource == Omnigraph::Graph::"social")\n  when { context.has_branch && context.branch_is_protected == false };`);
  t.is(c["editors-protected:branch_merge"], `permit(principal in Omnigraph::Group::"editors", action == Omnigraph::Action::"branch_merge", resource == Omnigraph::Graph::"social")\n  when { context.has_target_branch && context.target_branch_is_protected };`);
  t.is(c["viewers-read:read"], `permit(principal in Omnigraph::Group::"viewers", action == Omnigraph::Action::"read", resource == Omnigraph::Graph::"social");`);
  t.is(c["editors-any:branch_create"], `permit(principal in Omnigraph::Group::"editors", action == Omnigraph::Action::"branch_create", resource == Omnigraph::Graph::"social");`);
});

test("policy.yaml rules of §6.3 are enforced, each as ERR_POLICY_INVALID", (t) => {
  const bad: Record<string, string> = {
    "unknown key": `version: 1\ngroups: {a: [x]}\nrules: []\nextra: 1`,
    "version 2": `version: 2\ngroups: {a: [x]}\nrules: []`,
    "empty group": `version: 1\ngroups: {a: []}\nrules: []`,
    "blank member": `version: 1\ngroups: {a: [" "]}\nrules: []`,
    "duplicate rule id": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: [read]}}\n  - {id: r, allow: {actors: {group: a}, actions: [change]}}`,
    "unknown group": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: b}, actions: [read]}}`,
    "no action": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: []}}`,
    "unknown action": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: [run_publish]}}`,
    "both scopes": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: [read], branch_scope: any, target_branch_scope: any}}`,
    "branch_scope on branch_create": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: [branch_create], branch_scope: any}}`,
    "target scope on read": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: [read], target_branch_scope: any}}`,
    "scope on admin": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: [admin], branch_scope: any}}`,
    "graph_list with per-graph actions": `version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: a}, actions: [graph_list, read]}}`,
    "duplicate YAML key": `version: 1\nversion: 1\ngroups: {a: [x]}`,
  };
  for (const [name, text] of Object.entries(bad)) t.is(codeOfSync(() => parsePolicyFile(text)), "ERR_POLICY_INVALID", name);
});

test("raw .cedar bundles are validated against their schema: an unknown action or a syntax error is ERR_POLICY_INVALID", (t) => {
  t.is(codeOfSync(() => loadBundle(bundleDir({ "p.cedar": `permit(principal, action == Omnigraph::Action::"launch", resource);` }))), "ERR_POLICY_INVALID");
  t.is(codeOfSync(() => loadBundle(bundleDir({ "p.cedar": `permit(principal, action, resource` }))), "ERR_POLICY_INVALID");
  t.is(codeOfSync(() => loadBundle(bundleDir({ "p.cedar": `permit(principal, action, resource) when { context.nope };` }))), "ERR_POLICY_INVALID");
  t.is(codeOfSync(() => loadBundle(bundleDir({ "README.md": "nothing" }))), "ERR_POLICY_INVALID");
  const ok = loadBundle(bundleDir({ "p.cedar": `@id("all-read") permit(principal, action == Omnigraph::Action::"read", resource);` }));
  t.deepEqual(Object.keys(ok.policies), ["all-read"]);
});

for (const dir of exampleBundles()) {
  test(`example bundle ${relative(POLICIES, dir)}: every policy.tests.yaml case passes`, (t) => {
    const results = runPolicyTests(dir);
    t.true(results.length > 0);
    t.deepEqual(results.filter((r) => !r.pass), []);
  });
}

test("the example bundles exist: default (dev server), deploy-default (rendered by the kit), team, raw-cedar, multi-tenant", (t) => {
  t.deepEqual(exampleBundles().map((d) => relative(POLICIES, d)), ["default", "deploy-default", "examples/multi-tenant", "examples/raw-cedar", "examples/team"]);
});

test("decisions: an actor in no group is denied before Cedar; matching policy ids are returned; each decision is logged with actor, tenant, action, graph, branch, outcome, ids", (t) => {
  const { logger, lines } = capturingLogger();
  const a = new CedarAuthorizer(join(POLICIES, "examples/team"), { logger });
  t.deepEqual(a.authorize(req(id("eve"), "read", "main")), { allowed: false, policyIds: [], reason: "actor_in_no_group" });
  t.deepEqual(a.authorize(req(id("alice"), "change", "feature/a")), { allowed: true, policyIds: ["editors-feature-writes:change"] });
  t.deepEqual(a.authorize(req(id("alice"), "change", "main")), { allowed: false, policyIds: [], reason: "no_permit_matched" });
  const logged = lines().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  t.is(logged.length, 3);
  t.like(logged[1], { event: "authz.decision", actor: "alice", tenant: null, action: "change", graph: "g1", branch: "feature/a", outcome: "allow", policy_ids: ["editors-feature-writes:change"] });
});

test("per-tenant bundles replace the deployment bundle for their tenant; other tenants use the deployment bundle", (t) => {
  const a = new CedarAuthorizer(join(POLICIES, "examples/multi-tenant"));
  t.true(a.authorize(req(id("acme-ci", [], "acme"), "change", "feature/a")).allowed);
  t.false(a.authorize(req(id("acme-ci", [], "org_globex"), "change", "feature/a")).allowed);
  t.false(a.authorize(req(id("ops-bot", [], "acme"), "read", "main")).allowed, "acme's bundle has no operators");
  t.true(a.authorize(req(id("ops-bot", [], "org_initech"), "read", "main")).allowed, "a tenant without a bundle uses the deployment's");
  t.deepEqual(a.tenantIds().sort(), ["acme", "org_globex"]);
});

test("a tenants-only root denies tenants without a bundle (default deny)", (t) => {
  const root = bundleDir({ "tenants/acme/policy.yaml": `version: 1\ngroups: {w: [ci]}\nrules:\n  - {id: r, allow: {actors: {group: w}, actions: [read]}}` });
  const a = new CedarAuthorizer(root);
  t.true(a.authorize(req(id("ci", [], "acme"), "read")).allowed);
  t.deepEqual(a.authorize(req(id("ci", [], "other"), "read")), { allowed: false, policyIds: [], reason: "no_policy_bundle" });
});

test("hot swap: a changed bundle is swapped in; a broken change keeps the last good bundle and counts omnigraph_policy_reload_failures_total", async (t) => {
  const v1 = `version: 1\ngroups: {w: [alice]}\nrules:\n  - {id: r1, allow: {actors: {group: w}, actions: [read]}}\n`;
  const root = bundleDir({ "policy.yaml": v1 });
  const registry = new Registry();
  const { logger, lines } = capturingLogger();
  const a = new CedarAuthorizer(root, { metrics: authMetrics(registry), logger, pollIntervalMs: 50 });
  a.watch();
  t.teardown(() => a.close());
  t.false(a.authorize(req(id("alice"), "change", "feature")).allowed);
  const d1 = a.digest;
  // Operators (and the kit's config sync) replace files atomically: write, then rename.
  const replace = (text: string) => {
    writeFileSync(join(root, ".policy.yaml.tmp"), text);
    renameSync(join(root, ".policy.yaml.tmp"), join(root, "policy.yaml"));
  };
  replace(`${v1}  - {id: r2, allow: {actors: {group: w}, actions: [change], branch_scope: any}}\n`);
  t.true(await eventually(() => a.digest !== d1, 20_000), "the new bundle is live");
  t.deepEqual(a.authorize(req(id("alice"), "change", "feature")), { allowed: true, policyIds: ["r2:change"] });
  const d2 = a.digest;
  replace(`version: 1\ngroups: {w: [alice]}\nrules:\n  - {id: r1, allow: {actors: {group: nobody}, actions: [read]}}\n`);
  t.true(await eventually(() => lines().includes("policy.reload_failed"), 20_000), "the rejected change was logged");
  t.is(a.digest, d2, "the last good bundle stays live");
  t.true(a.authorize(req(id("alice"), "change", "feature")).allowed);
  const failures = (await registry.getSingleMetric("omnigraph_policy_reload_failures_total")!.get()).values.reduce((n, v) => n + v.value, 0);
  t.is(failures, 1);
});

test("without a policy: default_deny allows only read; open allows everything but graph_list", (t) => {
  const dd = new PolicylessAuthorizer("default_deny");
  const open = new PolicylessAuthorizer("open");
  for (const action of ACTIONS) {
    t.is(dd.authorize(req(id("a"), action)).allowed, action === "read", `default_deny ${action}`);
    t.is(open.authorize(req(id("a"), action)).allowed, action !== "graph_list", `open ${action}`);
  }
});

test("protected branch patterns: exact names and trailing-* prefixes", (t) => {
  t.true(isProtectedBranch("main", ["main"]));
  t.false(isProtectedBranch("main2", ["main"]));
  t.true(isProtectedBranch("release/1.2", ["release/*"]));
  t.false(isProtectedBranch("feature/release", ["release/*"]));
});

// ── Property: a compiled policy.yaml allows exactly what some rule explicitly allows ──

const ACTORS = ["alice", "bob", "carol", "dave"];
const GROUPS = ["g1", "g2", "g3"];
const BRANCHES = ["main", "dev", "feature/a", "release/1"];
const BRANCH_SCOPED = new Set<Action>(["read", "export", "change"]);
const TARGET_SCOPED = new Set<Action>(["branch_create", "branch_delete", "branch_merge", "schema_apply"]);
const scopeArb = fc.constantFrom<"any" | "protected" | "unprotected" | undefined>("any", "protected", "unprotected", undefined);

const ruleArb = fc.oneof(
  fc.record({ group: fc.constantFrom(...GROUPS), actions: fc.subarray([...BRANCH_SCOPED], { minLength: 1 }), scope: scopeArb, kind: fc.constant("branch" as const) }),
  fc.record({ group: fc.constantFrom(...GROUPS), actions: fc.subarray([...TARGET_SCOPED], { minLength: 1 }), scope: scopeArb, kind: fc.constant("target" as const) }),
  fc.record({ group: fc.constantFrom(...GROUPS), actions: fc.subarray<Action>(["admin", "invoke_query"], { minLength: 1 }), scope: fc.constant(undefined), kind: fc.constant("none" as const) }),
  fc.record({ group: fc.constantFrom(...GROUPS), actions: fc.constant<Action[]>(["graph_list"]), scope: fc.constant(undefined), kind: fc.constant("none" as const) }),
);

const policyArb = fc.record({
  members: fc.record(Object.fromEntries(GROUPS.map((g) => [g, fc.subarray(ACTORS, { minLength: 1 })])) as Record<string, fc.Arbitrary<string[]>>),
  protectedBranches: fc.subarray(BRANCHES),
  rules: fc.array(ruleArb, { maxLength: 5 }),
});

const requestArb = fc.record({
  actor: fc.constantFrom(...ACTORS, "eve"),
  extraGroups: fc.subarray([...GROUPS, "g-unknown"], { maxLength: 2 }),
  action: fc.constantFrom(...ACTIONS),
  branch: fc.option(fc.constantFrom(...BRANCHES), { nil: null }),
  target: fc.option(fc.constantFrom(...BRANCHES), { nil: null }),
});

type GenPolicy = { members: Record<string, string[]>; protectedBranches: string[]; rules: { group: string; actions: Action[]; scope: "any" | "protected" | "unprotected" | undefined; kind: "branch" | "target" | "none" }[] };

function toPolicyYaml(p: GenPolicy): string {
  const doc = {
    version: 1,
    groups: p.members,
    protected_branches: p.protectedBranches,
    rules: p.rules.map((r, i) => ({
      id: `r${i}`,
      allow: {
        actors: { group: r.group },
        actions: r.actions,
        ...(r.scope && r.kind === "branch" ? { branch_scope: r.scope } : {}),
        ...(r.scope && r.kind === "target" ? { target_branch_scope: r.scope } : {}),
      },
    })),
  };
  return toYaml(doc);
}

/** The reference model: allowed iff some rule's group holds the actor, lists the action, and its scope holds. */
function modelAllows(p: GenPolicy, r: { actor: string; extraGroups: string[]; action: Action; branch: string | null; target: string | null }): boolean {
  const groups = new Set([...r.extraGroups, ...Object.entries(p.members).filter(([, m]) => m.includes(r.actor)).map(([g]) => g)]);
  return p.rules.some((rule) => {
    if (!groups.has(rule.group) || !rule.actions.includes(r.action)) return false;
    const subject = rule.kind === "branch" ? r.branch : rule.kind === "target" ? r.target : null;
    if (rule.scope === "protected") return subject !== null && p.protectedBranches.includes(subject);
    if (rule.scope === "unprotected") return subject !== null && !p.protectedBranches.includes(subject);
    return true;
  });
}

test("property: a compiled policy.yaml denies everything it does not explicitly allow (and allows what it does)", (t) => {
  let cases = 0;
  fc.assert(
    fc.property(policyArb, fc.array(requestArb, { minLength: 1, maxLength: 12 }), (p, requests) => {
      const root = bundleDir({ "policy.yaml": toPolicyYaml(p) });
      const a = new CedarAuthorizer(root);
      return requests.every((r) => {
        cases++;
        const d = a.authorize(req(id(r.actor, r.extraGroups), r.action, r.branch, r.target));
        const want = modelAllows(p, r);
        // Allowed decisions name the rule:action ids that allowed them; denials name none.
        return d.allowed === want && (want ? d.policyIds.length > 0 && d.policyIds.every((x) => x.endsWith(`:${r.action}`)) : d.policyIds.length === 0);
      });
    }),
    { numRuns: 60 },
  );
  t.true(cases >= 60);
});

test("property: compile emits exactly one policy per (rule, action)", (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(policyArb, (p) => {
        const parsed: PolicyFile = parsePolicyFile(toPolicyYaml(p));
        return Object.keys(compilePolicyFile(parsed)).length === p.rules.reduce((n, r) => n + r.actions.length, 0);
      }),
      { numRuns: 50 },
    ),
  );
});
