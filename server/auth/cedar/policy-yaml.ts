import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PolicyInvalid } from "../errors.ts";
import { ACTIONS, type Action } from "../identity.ts";

const Scope = z.enum(["any", "protected", "unprotected"]);
type Scope = z.infer<typeof Scope>;
const ActionSchema = z.enum(ACTIONS as [Action, ...Action[]]);

/** Rule ids and group names become Cedar string literals and policy ids: keep them plain. */
const NAME = /^[A-Za-z0-9_.@/-]{1,128}$/;

const RuleSchema = z.strictObject({
  id: z.string().regex(NAME, "rule ids use letters, digits and _ . @ / -"),
  allow: z.strictObject({
    actors: z.strictObject({ group: z.string() }),
    actions: z.array(ActionSchema).min(1, "a rule lists at least one action"),
    branch_scope: Scope.optional(),
    target_branch_scope: Scope.optional(),
  }),
});

/** `policy.yaml` (omnigraph-api.md §6.3): strict, `version: 1`. */
export const PolicyFileSchema = z.strictObject({
  version: z.literal(1),
  groups: z.record(z.string().regex(NAME, "group names use letters, digits and _ . @ / -"), z.array(z.string())).default({}),
  protected_branches: z.array(z.string().min(1)).default([]),
  rules: z.array(RuleSchema).default([]),
});
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** `policy.tests.yaml`: OmniGraph's fields plus our optional `graph`, `tenant` and `groups` (claims-derived groups). */
export const PolicyTestsFileSchema = z.strictObject({
  version: z.literal(1),
  cases: z.array(
    z.strictObject({
      id: z.string().min(1),
      actor: z.string(),
      action: ActionSchema,
      branch: z.string().nullable().optional(),
      target_branch: z.string().nullable().optional(),
      expect: z.enum(["allow", "deny"]),
      graph: z.string().optional(),
      tenant: z.string().nullable().optional(),
      groups: z.array(z.string()).optional(),
    }),
  ),
});
export type PolicyTestsFile = z.infer<typeof PolicyTestsFileSchema>;
export type PolicyTestCase = PolicyTestsFile["cases"][number];

const BRANCH_SCOPED: ReadonlySet<Action> = new Set(["read", "export", "change"]);
const TARGET_SCOPED: ReadonlySet<Action> = new Set(["branch_create", "branch_delete", "branch_merge", "schema_apply"]);

function zodMessage(e: z.ZodError, file: string): string {
  const i = e.issues[0]!;
  const where = i.path.length ? ` at '${i.path.join(".")}'` : "";
  return `${file}${where}: ${i.message}`;
}

function parseStrictYaml(text: string, file: string): unknown {
  try {
    return parseYaml(text, { uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    throw new PolicyInvalid(`${file} is not valid YAML: ${(e as Error).message.split("\n")[0]}`, { file });
  }
}

/**
 * Parses and checks a `policy.yaml` with OmniGraph's rules: non-empty groups with
 * non-blank members, unique rule ids, known groups, at most one of `branch_scope`
 * and `target_branch_scope`, each only with the actions it applies to, no scope
 * on `admin`/`invoke_query`/`graph_list`, and `graph_list` never beside per-graph actions.
 */
export function parsePolicyFile(text: string, file = "policy.yaml"): PolicyFile {
  const parsed = PolicyFileSchema.safeParse(parseStrictYaml(text, file));
  if (!parsed.success) throw new PolicyInvalid(zodMessage(parsed.error, file), { file });
  const p = parsed.data;
  for (const [g, members] of Object.entries(p.groups)) {
    if (members.length === 0) throw new PolicyInvalid(`${file}: group '${g}' is empty`, { file, group: g });
    if (members.some((m) => m.trim() === "")) throw new PolicyInvalid(`${file}: group '${g}' has a blank member`, { file, group: g });
  }
  const ids = new Set<string>();
  for (const r of p.rules) {
    if (ids.has(r.id)) throw new PolicyInvalid(`${file}: rule id '${r.id}' appears twice`, { file, rule: r.id });
    ids.add(r.id);
    const a = r.allow;
    if (!(a.actors.group in p.groups)) throw new PolicyInvalid(`${file}: rule '${r.id}' names unknown group '${a.actors.group}'`, { file, rule: r.id });
    if (a.branch_scope && a.target_branch_scope) throw new PolicyInvalid(`${file}: rule '${r.id}' sets both branch_scope and target_branch_scope; use one`, { file, rule: r.id });
    if (a.branch_scope) {
      const bad = a.actions.find((x) => !BRANCH_SCOPED.has(x));
      if (bad) throw new PolicyInvalid(`${file}: rule '${r.id}': branch_scope applies only to read, export and change, not '${bad}'`, { file, rule: r.id });
    }
    if (a.target_branch_scope) {
      const bad = a.actions.find((x) => !TARGET_SCOPED.has(x));
      if (bad) throw new PolicyInvalid(`${file}: rule '${r.id}': target_branch_scope applies only to branch_create, branch_delete, branch_merge and schema_apply, not '${bad}'`, { file, rule: r.id });
    }
    if (a.actions.includes("graph_list") && a.actions.some((x) => x !== "graph_list")) {
      throw new PolicyInvalid(`${file}: rule '${r.id}': graph_list is server-scoped and cannot share a rule with per-graph actions`, { file, rule: r.id });
    }
    if (new Set(a.actions).size !== a.actions.length) throw new PolicyInvalid(`${file}: rule '${r.id}' lists an action twice`, { file, rule: r.id });
  }
  return p;
}

/** Parses a `policy.tests.yaml`: unique ids, non-blank actors. */
export function parsePolicyTestsFile(text: string, file = "policy.tests.yaml"): PolicyTestsFile {
  const parsed = PolicyTestsFileSchema.safeParse(parseStrictYaml(text, file));
  if (!parsed.success) throw new PolicyInvalid(zodMessage(parsed.error, file), { file });
  const ids = new Set<string>();
  for (const c of parsed.data.cases) {
    if (ids.has(c.id)) throw new PolicyInvalid(`${file}: case id '${c.id}' appears twice`, { file, case: c.id });
    ids.add(c.id);
    if (c.actor.trim() === "") throw new PolicyInvalid(`${file}: case '${c.id}' has a blank actor`, { file, case: c.id });
  }
  return parsed.data;
}

/** A Cedar string literal: names are restricted to {@link NAME}, so escaping `\` and `"` suffices. */
export function cedarString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function condition(scope: Scope | undefined, which: "branch" | "target_branch"): string | undefined {
  switch (scope) {
    case "protected":
      return `context.has_${which} && context.${which}_is_protected`;
    case "unprotected":
      return `context.has_${which} && context.${which}_is_protected == false`;
    default:
      return undefined; // `any` or no scope: `true`
  }
}

export interface CompileOptions {
  /**
   * The graphs the file applies to (OmniGraph's `applies_to`): one id compiles to
   * `resource == Omnigraph::Graph::"<id>"`; several to a membership test; none
   * (the default) to every graph of the bundle's scope (`resource is Omnigraph::Graph`).
   */
  graphs?: readonly string[] | undefined;
}

/**
 * Compiles a checked `policy.yaml` to Cedar: one `permit` per (rule, action) pair,
 * policy id `<rule_id>:<action>`. Nothing else is permitted (Cedar's default deny).
 */
export function compilePolicyFile(p: PolicyFile, o: CompileOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const graphs = o.graphs ?? [];
  for (const r of p.rules) {
    const principal = `principal in Omnigraph::Group::${cedarString(r.allow.actors.group)}`;
    for (const action of r.allow.actions) {
      const conds: string[] = [];
      let resource: string;
      if (action === "graph_list") resource = `resource == Omnigraph::Server::"root"`;
      else if (graphs.length === 1) resource = `resource == Omnigraph::Graph::${cedarString(graphs[0]!)}`;
      else {
        resource = "resource is Omnigraph::Graph";
        if (graphs.length > 1) conds.push(`[${graphs.map((g) => `Omnigraph::Graph::${cedarString(g)}`).join(", ")}].contains(resource)`);
      }
      const scoped = r.allow.branch_scope ? condition(r.allow.branch_scope, "branch") : condition(r.allow.target_branch_scope, "target_branch");
      if (scoped) conds.push(scoped);
      const when = conds.length ? `\n  when { ${conds.join(" && ")} }` : "";
      out[`${r.id}:${action}`] = `permit(${principal}, action == Omnigraph::Action::${cedarString(action)}, ${resource})${when};`;
    }
  }
  return out;
}

/** The groups `actor` belongs to according to the file. */
export function groupsOf(p: PolicyFile, actor: string): string[] {
  return Object.entries(p.groups)
    .filter(([, members]) => members.some((m) => m.trim() === actor))
    .map(([g]) => g);
}
