import test from "ava";
import fc from "fast-check";
import { gcsPrefixCondition, planTenantStore, s3AccessPolicy, TenantId, TenancyInput } from "../../components/tenant-store/plan.ts";
import { planObjectStore, StorageInput } from "../../components/object-store/plan.ts";
import { PROFILES } from "../../components/knobs/profiles.ts";
import { KnobsInput } from "../../components/knobs/plan.ts";
import type { IamPolicyDocument } from "../../components/object-store/cloud.ts";
import { failure } from "./support.ts";

const tenantId = fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/).filter((id) => id !== "__proto__");

test("`__proto__` is not a tenant id: tenant-keyed maps would set their prototype instead of a key (found by the IAM property)", (t) => {
  t.false(TenantId.safeParse("__proto__").success);
  t.true(TenantId.safeParse("org_acme").success);
});
const prefixPart = fc.stringMatching(/^[a-z0-9_.-]{1,12}$/).filter((p) => p !== "." && p !== "..");
const labels = { instance: "og", namespace: "og", stage: "managed" };
const ctx = { labels, clusterDomain: "cluster.local", profile: PROFILES.small, knobs: KnobsInput.parse({}), serviceAccountName: (r: string) => `og-${r}` };
const aws = { kind: "aws" as const, accountId: "123456789012", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X" };

/** True when every Allow statement of `doc` is confined to `bucket`/`prefix`. */
function confinedTo(doc: IamPolicyDocument, bucket: string, prefix: string): boolean {
  return doc.Statement.filter((s) => s.Effect === "Allow").every((s) => {
    const resources = [s.Resource].flat().filter((r): r is string => typeof r === "string");
    if (resources.some((r) => r.startsWith("arn:aws:kms:"))) return true;
    return resources.every((r) => {
      if (r === `arn:aws:s3:::${bucket}`) {
        const prefixes = [s.Condition?.StringLike?.["s3:prefix"]].flat();
        return prefixes.length > 0 && prefixes.every((p) => typeof p === "string" && p.startsWith(prefix) && !p.slice(0, -1).includes("*"));
      }
      return r.startsWith(`arn:aws:s3:::${bucket}/${prefix}`) && r.endsWith("*") && !r.slice(0, -1).includes("*");
    });
  });
}

test("a tenant's IAM policy never grants outside its prefix (property, S3, prefix-per-tenant)", (t) => {
  const ran = fc.check(fc.property(fc.uniqueArray(tenantId, { minLength: 1, maxLength: 5 }), fc.array(prefixPart, { maxLength: 3 }), (tenants, parts) => {
    const storage = StorageInput.parse({ provider: "s3", bucket: "og-bucket", prefix: parts.join("/"), region: "eu-west-1" });
    const store = planObjectStore(storage, ctx);
    const plan = planTenantStore({ roles: ["reader", "writer"], tenancy: TenancyInput.parse({ layout: "prefix-per-tenant", tenants }), identity: aws, storage, store }, ctx);
    // Distinct tenants never share an identity (`org_a` vs `org-a`, `Acme` vs `acme`).
    if (new Set(Object.values(plan.tenantIdentities)).size !== tenants.length) return false;
    return tenants.every((tenant) => {
      const scope = plan.tenantScopes[tenant]!;
      const roleName = plan.tenantIdentities[tenant];
      const rp = plan.cloud.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.args.role === roleName);
      if (!rp || rp.type !== "aws:iam/rolePolicy:RolePolicy") return false;
      const doc = JSON.parse(rp.args.policy) as IamPolicyDocument;
      // The scope ends with "/": tenant "acme" can never reach "acme2/".
      return scope.prefix.endsWith(`tenants/${tenant}/`) && confinedTo(doc, scope.bucket, scope.prefix);
    });
  }), { numRuns: 150 });
  t.false(ran.failed, fc.defaultReportMessage(ran) ?? "");
});

test("s3AccessPolicy: read access has no write action; write access stays under the prefix (property)", (t) => {
  const ran = fc.check(fc.property(fc.array(prefixPart, { minLength: 1, maxLength: 3 }), fc.constantFrom("read" as const, "write" as const), (parts, access) => {
    const prefix = `${parts.join("/")}/`;
    const doc = s3AccessPolicy([{ bucket: "b", prefix }], access);
    const actions = doc.Statement.flatMap((s) => [s.Action].flat());
    const writes = actions.some((a) => /Put|Delete|Abort/.test(a));
    return confinedTo(doc, "b", prefix) && (access === "read" ? !writes : writes);
  }), { numRuns: 200 });
  t.false(ran.failed, fc.defaultReportMessage(ran) ?? "");
});

test("a tenant's GCS grant carries a condition naming only its own prefix (property)", (t) => {
  const ran = fc.check(fc.property(fc.uniqueArray(tenantId, { minLength: 1, maxLength: 4 }), (tenants) => {
    const storage = StorageInput.parse({ provider: "gcs", bucket: "og-gcs", location: "EU", project: "acme-prod-1" });
    const store = planObjectStore(storage, ctx);
    const plan = planTenantStore({ roles: ["reader"], tenancy: TenancyInput.parse({ layout: "prefix-per-tenant", tenants }), identity: { kind: "gcp", project: "acme-prod-1" }, storage, store }, ctx);
    const members = plan.cloud.filter((r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember");
    if (new Set(Object.values(plan.tenantIdentities)).size !== tenants.length) return false;
    return tenants.every((tenant) => {
      const scope = plan.tenantScopes[tenant]!;
      const expr = gcsPrefixCondition(scope.bucket, scope.prefix);
      const own = members.filter((m) => m.type === "gcp:storage/bucketIAMMember:BucketIAMMember" && m.args.condition?.expression === expr);
      const quoted = [...expr.matchAll(/"([^"]*)"/g)].map((m) => m[1]!).filter((q) => q.includes("/") && !q.startsWith("storage.googleapis.com"));
      return own.length === 1 && quoted.every((q) => q === `projects/_/buckets/og-gcs/objects/${scope.prefix}` || q === "projects/_/buckets/og-gcs" || q === scope.prefix);
    });
  }), { numRuns: 100 });
  t.false(ran.failed, fc.defaultReportMessage(ran) ?? "");
});

test("tenant ids with IAM or glob wildcards are refused", (t) => {
  for (const bad of ["acme*", "a?b", "a/b", "", "x".repeat(65)]) t.false(TenantId.safeParse(bad).success, bad);
  t.true(TenantId.safeParse("org_2abc").success);
});

test("no static keys in AWS or GCP: s3 storage without IRSA identity is refused (ERR_KIT_CONFIG_INVALID)", (t) => {
  const storage = StorageInput.parse({ provider: "s3", bucket: "og-bucket", region: "eu-west-1" });
  const store = planObjectStore(storage, ctx);
  t.is(failure(() => planTenantStore({ roles: ["reader"], tenancy: TenancyInput.parse({}), identity: { kind: "none" }, storage, store }, ctx)).code, "ERR_KIT_CONFIG_INVALID");
});
