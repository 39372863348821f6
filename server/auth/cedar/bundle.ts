import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PolicyInvalid } from "../errors.ts";
import { TENANT_ID_PATTERN } from "../tenancy.ts";
import { compilePolicyFile, parsePolicyFile, parsePolicyTestsFile, type PolicyFile, type PolicyTestsFile } from "./policy-yaml.ts";
import { OMNIGRAPH_CEDAR_SCHEMA } from "./schema.ts";

/**
 * A policy bundle, compiled and validated, ready to pre-parse. Bundles are static
 * files (`policies/<name>/`):
 *
 * - `policy.yaml` (OmniGraph's format, compiled to Cedar) **or** one or more
 *   `*.cedar` files (policy ids from `@id("…")`, else `<file>#<n>`), with an
 *   optional `schema.cedarschema` (default: OmniGraph's schema) and an optional
 *   `bundle.yaml` `{version: 1, protected_branches: [...]}` for raw Cedar bundles;
 * - an optional `policy.tests.yaml`;
 * - an optional `tenants/<tenant>/` directory per tenant, each a bundle of the same
 *   form that replaces the deployment bundle for that tenant.
 */
export interface CompiledBundle {
  /** `deployment` or `tenant:<id>`. */
  scope: string;
  /** The directory (or policy.yaml) it was loaded from. */
  source: string;
  kind: "policy_yaml" | "cedar";
  /** Policy id → Cedar text. */
  policies: Record<string, string>;
  schemaText: string;
  protectedBranches: string[];
  /** The policy.yaml (for group membership); null for raw Cedar. */
  policyFile: PolicyFile | null;
  tests: PolicyTestsFile | null;
  /** SHA-256 over every input file, for logs and the kit's pod-roll annotation. */
  digest: string;
}

/** The deployment bundle and the per-tenant bundles of one policy root. */
export interface BundleSet {
  deployment: CompiledBundle | null;
  tenants: Map<string, CompiledBundle>;
  digest: string;
}

const BundleManifestSchema = z.strictObject({ version: z.literal(1), protected_branches: z.array(z.string().min(1)).default(["main"]) });

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new PolicyInvalid(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, { file: path });
  }
}

function firstError(errors: readonly { message: string; help?: string | null }[]): string {
  const e = errors[0];
  return e ? `${e.message}${e.help ? ` (${e.help})` : ""}` : "unknown error";
}

/** Splits Cedar text into policies keyed by `@id("…")` or `<file>#<n>`. */
function cedarPolicies(text: string, file: string, into: Record<string, string>): void {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === "failure") throw new PolicyInvalid(`${file}: ${firstError(parts.errors)}`, { file });
  if (parts.policy_templates.length) throw new PolicyInvalid(`${file}: policy templates are not supported; write static policies`, { file });
  parts.policies.forEach((p, i) => {
    const id = /@id\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(p)?.[1] ?? `${basename(file)}#${i}`;
    if (id in into) throw new PolicyInvalid(`${file}: policy id '${id}' appears twice in the bundle`, { file, policy: id });
    into[id] = p;
  });
}

function digestOf(parts: readonly string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\u0000");
  return h.digest("hex");
}

/** Validates the policies against the schema (Cedar strict mode); throws ERR_POLICY_INVALID naming the policy. */
export function validateBundle(b: Pick<CompiledBundle, "policies" | "schemaText" | "source">): void {
  const schema = cedar.checkParseSchema(b.schemaText);
  if (schema.type === "failure") throw new PolicyInvalid(`${b.source}: the Cedar schema does not parse: ${firstError(schema.errors)}`, { file: b.source });
  const v = cedar.validate({ schema: b.schemaText, policies: { staticPolicies: b.policies }, validationSettings: { mode: "strict" } });
  if (v.type === "failure") throw new PolicyInvalid(`${b.source}: ${firstError(v.errors)}`, { file: b.source });
  const bad = v.validationErrors[0];
  if (bad) throw new PolicyInvalid(`${b.source}: policy '${bad.policyId}' does not validate against the schema: ${firstError([bad.error])}`, { file: b.source, policy: bad.policyId });
}

/** Loads one bundle from a directory or a policy.yaml path (not its `tenants/`). */
export function loadBundle(path: string, scope = "deployment"): CompiledBundle {
  const isFile = existsSync(path) && statSync(path).isFile();
  const dir = isFile ? dirname(path) : path;
  if (!existsSync(dir)) throw new PolicyInvalid(`policy bundle ${path} does not exist`, { file: path });
  const yamlPath = isFile ? path : join(dir, "policy.yaml");
  const testsPath = join(dir, "policy.tests.yaml");
  const inputs: string[] = [];
  const tests = existsSync(testsPath) ? parsePolicyTestsFile(read(testsPath), testsPath) : null;
  if (tests) inputs.push(read(testsPath));
  let bundle: CompiledBundle;
  if (existsSync(yamlPath)) {
    const text = read(yamlPath);
    inputs.push(text);
    const policyFile = parsePolicyFile(text, yamlPath);
    bundle = {
      scope, source: yamlPath, kind: "policy_yaml", policies: compilePolicyFile(policyFile), schemaText: OMNIGRAPH_CEDAR_SCHEMA,
      protectedBranches: policyFile.protected_branches, policyFile, tests, digest: "",
    };
  } else {
    const files = readdirSync(dir).filter((f) => f.endsWith(".cedar")).sort();
    if (files.length === 0) throw new PolicyInvalid(`policy bundle ${dir} has neither policy.yaml nor *.cedar files`, { file: dir });
    const policies: Record<string, string> = {};
    for (const f of files) {
      const text = read(join(dir, f));
      inputs.push(f, text);
      cedarPolicies(text, join(dir, f), policies);
    }
    const schemaPath = join(dir, "schema.cedarschema");
    const schemaText = existsSync(schemaPath) ? read(schemaPath) : OMNIGRAPH_CEDAR_SCHEMA;
    inputs.push(schemaText);
    const manifestPath = join(dir, "bundle.yaml");
    let protectedBranches = ["main"];
    if (existsSync(manifestPath)) {
      const mtext = read(manifestPath);
      inputs.push(mtext);
      const m = BundleManifestSchema.safeParse(parseYaml(mtext));
      if (!m.success) throw new PolicyInvalid(`${manifestPath}: ${m.error.issues[0]?.message ?? "invalid"}`, { file: manifestPath });
      protectedBranches = m.data.protected_branches;
    }
    bundle = { scope, source: dir, kind: "cedar", policies, schemaText, protectedBranches, policyFile: null, tests, digest: "" };
  }
  validateBundle(bundle);
  bundle.digest = digestOf(inputs);
  return bundle;
}

/** Loads a policy root: the deployment bundle (if the root holds one) and every `tenants/<id>/`. */
export function loadBundleSet(root: string): BundleSet {
  const isFile = existsSync(root) && statSync(root).isFile();
  const tenants = new Map<string, CompiledBundle>();
  const tenantsDir = join(isFile ? dirname(root) : root, "tenants");
  if (existsSync(tenantsDir) && statSync(tenantsDir).isDirectory()) {
    for (const t of readdirSync(tenantsDir).sort()) {
      if (!statSync(join(tenantsDir, t)).isDirectory()) continue;
      if (!TENANT_ID_PATTERN.test(t)) throw new PolicyInvalid(`${tenantsDir}/${t}: '${t}' is not a tenant id (${TENANT_ID_PATTERN})`, { file: join(tenantsDir, t) });
      tenants.set(t, loadBundle(join(tenantsDir, t), `tenant:${t}`));
    }
  }
  const hasOwn = isFile || existsSync(join(root, "policy.yaml")) || (existsSync(root) && readdirSync(root).some((f) => f.endsWith(".cedar")));
  const deployment = hasOwn ? loadBundle(root) : null;
  if (!deployment && tenants.size === 0) throw new PolicyInvalid(`policy bundle ${root} has no policy.yaml, *.cedar files or tenants/ bundles`, { file: root });
  const digest = digestOf([deployment?.digest ?? "", ...[...tenants].map(([t, b]) => `${t}=${b.digest}`)]);
  return { deployment, tenants, digest };
}

/** A cheap fingerprint of every file under `root` (names, sizes, mtimes): changes trigger a reload. */
export function bundleFingerprint(root: string): string {
  const parts: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      parts.push(`${p}:missing`);
      return;
    }
    if (st.isDirectory()) for (const f of readdirSync(p).sort()) walk(join(p, f));
    else parts.push(`${p}:${st.size}:${st.mtimeMs}`);
  };
  walk(root);
  return parts.join("|");
}
