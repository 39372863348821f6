/**
 * PolicyBundle planner: the Cedar bundle from `policies/` as a ConfigMap, validated with
 * Cedar at plan time (so an invalid bundle fails `pulumi preview` and `render`), and a
 * content hash the data plane's pod templates carry so pods roll when policy changes.
 * Air-gapped sites also get their IdP's JWKS pre-seeded as a ConfigMap (public keys only).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { z } from "zod";
import { PolicyBundleInvalid } from "../errors.ts";
import { type LabelContext, type Manifest, meta } from "../kubernetes/manifest.ts";
// The server's own bundle loader: one owner for OmniGraph's format — policy.yaml compiled
// to Cedar and validated against OmniGraph's Cedar schema, exactly as the server loads it.
import { loadBundle } from "../../server/auth/cedar/bundle.ts";

/** The files of a bundle, by name (flat directory). */
export type BundleFiles = Record<string, string>;

const BUNDLE_FILE = /^[A-Za-z0-9_.-]+\.(cedar|cedarschema|ya?ml|json)$/;

/** Reads a bundle directory: `*.cedar`, one `*.cedarschema`, and `policy.yaml`/tests files. */
export function readBundleDir(dir: string): BundleFiles {
  const files: BundleFiles = {};
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new PolicyBundleInvalid([`policy bundle directory ${dir} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}); set \`policy.bundleDir\` to a directory of .cedar files`]);
  }
  for (const n of names) {
    if (!BUNDLE_FILE.test(n) || !statSync(join(dir, n)).isFile()) continue;
    files[n] = readFileSync(join(dir, n), "utf8");
  }
  return files;
}

/** A JWK set holding public keys only: a private member (`d`, `p`, `q`, `k`…) in a ConfigMap would leak a signing key. */
export const PublicJwks = z.strictObject({
  keys: z.array(
    z.looseObject({ kty: z.enum(["RSA", "EC", "OKP"]), kid: z.string().min(1), use: z.literal("sig").optional(), alg: z.string().optional() })
      .refine((k) => !["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => m in k), "a pre-seeded JWKS must hold public keys only; remove the private members (d, p, q, dp, dq, qi, k)"),
  ).min(1),
});
export type PublicJwks = z.infer<typeof PublicJwks>;

export interface PolicyBundlePlan {
  /** `sha256:<hex>` over the bundle's file names and contents. */
  hash: string;
  configMapName: string;
  jwksConfigMapName?: string;
  /** Hash of the pre-seeded JWKS (pods roll when keys rotate). */
  jwksHash?: string;
  manifests: Manifest[];
}

/**
 * Validates the bundle with Cedar and plans its ConfigMap. Every .cedar file must parse;
 * with a schema, the whole policy set must validate against it. Throws
 * `ERR_POLICY_BUNDLE_INVALID` listing each problem with its file.
 */
export function planPolicyBundle(files: BundleFiles, ctx: { labels: LabelContext; jwks?: PublicJwks | undefined; sourceDir?: string | undefined }): PolicyBundlePlan {
  const hash = contentHash(files);
  const problems = VALIDATED.get(hash) ?? [...cedarProblems(files), ...policyYamlProblems(files, ctx.sourceDir)];
  VALIDATED.set(hash, problems);
  if (problems.length) throw new PolicyBundleInvalid(problems);

  const l = ctx.labels;
  const configMapName = `${l.instance}-policy`;
  const manifests: Manifest[] = [{
    apiVersion: "v1", kind: "ConfigMap",
    metadata: meta(l, configMapName, "policy-bundle", "infra", { "omnigraph.dev/content-hash": hash }),
    data: Object.fromEntries(Object.keys(files).sort().map((n) => [n, files[n]!])),
  }];
  const plan: PolicyBundlePlan = { hash, configMapName, manifests };
  if (ctx.jwks) {
    const jwksJson = `${JSON.stringify(ctx.jwks, null, 2)}\n`;
    plan.jwksConfigMapName = `${l.instance}-jwks`;
    plan.jwksHash = contentHash({ "jwks.json": jwksJson });
    manifests.push({
      apiVersion: "v1", kind: "ConfigMap",
      metadata: meta(l, plan.jwksConfigMapName, "jwks", "infra", { "omnigraph.dev/content-hash": plan.jwksHash }),
      data: { "jwks.json": jwksJson },
    });
  }
  return plan;
}

/** Cedar's verdict per bundle hash: validation is pure, and planning a stage validates the same bundle often. */
const VALIDATED = new Map<string, string[]>();

function cedarProblems(files: BundleFiles): string[] {
  const problems: string[] = [];
  const cedarFiles = Object.keys(files).filter((n) => n.endsWith(".cedar")).sort();
  const schemas = Object.keys(files).filter((n) => n.endsWith(".cedarschema"));
  const hasPolicyYaml = "policy.yaml" in files;
  if (cedarFiles.length === 0 && !hasPolicyYaml) problems.push("the policy bundle has no .cedar file and no policy.yaml; without one every request is denied — add policies or point `policy.bundleDir` at a bundle");
  if (schemas.length > 1) problems.push(`the policy bundle has ${schemas.length} schema files (${schemas.join(", ")}); keep exactly one`);
  for (const n of cedarFiles) {
    const r = cedar.checkParsePolicySet({ staticPolicies: files[n]! });
    if (r.type === "failure") problems.push(...r.errors.map((e) => `${n}: ${e.message}`));
  }
  const schemaName = schemas[0];
  if (schemaName) {
    const r = cedar.checkParseSchema(files[schemaName]!);
    if (r.type === "failure") problems.push(...r.errors.map((e) => `${schemaName}: ${e.message}`));
  }
  if (problems.length === 0 && schemaName && cedarFiles.length) {
    const all = cedarFiles.map((n) => files[n]!).join("\n");
    const v = cedar.validate({ schema: files[schemaName]!, policies: { staticPolicies: all } });
    if (v.type === "failure") problems.push(...v.errors.map((e) => `validation: ${e.message}`));
    else problems.push(...v.validationErrors.map((e) => `policy ${e.policyId}: ${e.error.message}`));
  }
  return problems;
}

function policyYamlProblems(files: BundleFiles, sourceDir: string | undefined): string[] {
  if (!("policy.yaml" in files)) return [];
  if (Object.keys(files).some((n) => n.endsWith(".cedar"))) return ["the policy bundle has both policy.yaml and .cedar files; a bundle is one or the other"];
  if (!sourceDir) return ["a policy.yaml bundle is validated from its directory: pass the bundle directory"];
  try {
    loadBundle(sourceDir);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/** `sha256:` over `name\0content\0` of every file in name order. */
export function contentHash(files: BundleFiles): string {
  const h = createHash("sha256");
  for (const n of Object.keys(files).sort()) h.update(n).update("\0").update(files[n]!).update("\0");
  return `sha256:${h.digest("hex")}`;
}
