import { Command, CommanderError } from "commander";
import { isAuthError } from "../auth/errors.ts";
import { CedarAuthorizer } from "../auth/cedar/authorizer.ts";
import { loadBundleSet } from "../auth/cedar/bundle.ts";
import { DEFAULT_TEST_GRAPH, runPolicyTests } from "../auth/cedar/policy-tests.ts";
import { ACTIONS, type Action } from "../auth/identity.ts";

/**
 * `omnigraph policy validate|test|explain <bundle>`: checks a Cedar bundle
 * (policy.yaml or raw .cedar + schema, with `tenants/<id>/` bundles), runs its
 * `policy.tests.yaml` cases, or explains one decision.
 *
 * Exit codes: 0 valid / all cases pass / explained; 1 invalid bundle or a failing
 * case; 2 bad usage.
 */
export async function run(argv: string[]): Promise<number> {
  let code = 0;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  const program = new Command("omnigraph policy")
    .description("validate, test and explain Cedar policy bundles")
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  program
    .command("validate")
    .description("parse and validate a bundle (policy.yaml → Cedar, or .cedar against its schema)")
    .argument("<bundle>", "bundle directory or policy.yaml")
    .option("--json", "print the result as JSON")
    .action((bundle: string, opts: { json?: boolean }) => {
      const set = loadBundleSet(bundle);
      const scopes = [...(set.deployment ? [set.deployment] : []), ...set.tenants.values()].map((b) => ({
        scope: b.scope, kind: b.kind, policies: Object.keys(b.policies).length, tests: b.tests?.cases.length ?? 0,
      }));
      if (opts.json) out(JSON.stringify({ valid: true, digest: set.digest, scopes }));
      else {
        for (const s of scopes) out(`ok  ${s.scope}: ${s.kind}, ${s.policies} policies, ${s.tests} test cases`);
        out(`digest ${set.digest}`);
      }
    });

  program
    .command("test")
    .description("run the bundle's policy.tests.yaml cases (and those of each tenants/<id>/)")
    .argument("<bundle>", "bundle directory or policy.yaml")
    .option("--json", "print the results as JSON")
    .action((bundle: string, opts: { json?: boolean }) => {
      const results = runPolicyTests(bundle);
      const failed = results.filter((r) => !r.pass);
      if (opts.json) out(JSON.stringify({ passed: results.length - failed.length, failed: failed.length, results }));
      else {
        for (const r of results) out(`${r.pass ? "pass" : "FAIL"}  ${r.scope} ${r.id}: expected ${r.expect}, got ${r.got}${r.policyIds.length ? ` (${r.policyIds.join(", ")})` : r.reason ? ` (${r.reason})` : ""}`);
        out(`${results.length - failed.length} passed, ${failed.length} failed`);
      }
      if (results.length === 0) {
        err("no test cases found (add policy.tests.yaml beside the policy)");
        code = 1;
      } else if (failed.length) code = 1;
    });

  program
    .command("explain")
    .description("decide one request and show the groups, context and matching policy ids")
    .argument("<bundle>", "bundle directory or policy.yaml")
    .requiredOption("--actor <actor>", "the actor")
    .requiredOption("--action <action>", `one of ${ACTIONS.join(", ")}`)
    .option("--branch <branch>", "the branch (omitted: no branch)")
    .option("--target-branch <branch>", "the target branch")
    .option("--graph <id>", "the graph id", DEFAULT_TEST_GRAPH)
    .option("--tenant <tenant>", "the caller's tenant")
    .option("--group <group...>", "extra groups (as from OIDC claims)")
    .option("--json", "print the explanation as JSON")
    .action((bundle: string, opts: { actor: string; action: string; branch?: string; targetBranch?: string; graph: string; tenant?: string; group?: string[]; json?: boolean }) => {
      if (!(ACTIONS as readonly string[]).includes(opts.action)) {
        err(`omnigraph policy explain: --action must be one of ${ACTIONS.join(", ")}`);
        code = 2;
        return;
      }
      const a = new CedarAuthorizer(bundle);
      const action = opts.action as Action;
      const e = a.explain({
        identity: { actor: opts.actor, tenant: opts.tenant ?? null, groups: opts.group ?? [], via: "static" },
        action, graphId: action === "graph_list" ? null : opts.graph, branch: opts.branch ?? null, targetBranch: opts.targetBranch ?? null,
      });
      if (opts.json) out(JSON.stringify(e));
      else {
        out(`${e.allowed ? "ALLOW" : "DENY"}  ${opts.actor} ${action} on ${e.resource}`);
        out(`  bundle:   ${e.scope ?? "(none)"}`);
        out(`  groups:   ${e.principalGroups.join(", ") || "(none)"}`);
        out(`  context:  ${JSON.stringify(e.context)}`);
        out(`  policies: ${e.policyIds.join(", ") || "(none matched)"}${e.reason ? `  [${e.reason}]` : ""}`);
        for (const x of e.errors) out(`  error:    ${x}`);
      }
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isAuthError(e, "ERR_POLICY_INVALID")) {
      err(`invalid policy bundle: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  return code;
}
