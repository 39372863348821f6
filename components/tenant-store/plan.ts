/**
 * TenantStore planner: the tenancy layout (single, prefix-per-tenant, bucket-per-tenant)
 * and the cloud identities that reach storage — one per data-plane role, one per tenant —
 * each scoped to its prefix. AWS: IAM roles assumed through IRSA (no static keys); GCP:
 * service accounts bound by workload identity with IAM conditions on the prefix.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { IServiceAccount } from "kubernetes-models/v1";
import { KitConfigInvalid } from "../errors.ts";
import { type LabelContext, type Manifest, meta } from "../kubernetes/manifest.ts";
import { type BucketFacts, type CloudResource, type IamPolicyDocument, type IamStatement, stableJson } from "../object-store/cloud.ts";
import { planGcsBucket, planS3Bucket, type ObjectStoreContext, type ObjectStorePlan, type StorageInput } from "../object-store/plan.ts";

/** Tenant ids: OmniGraph's pattern plus `_` (IdP org ids); never an IAM or glob wildcard. */
export const TenantId = z.string().regex(/^(?!__proto__$)[a-zA-Z0-9_-]{1,64}$/, "a tenant id: 1-64 letters, digits, `_` or `-` (not `__proto__`)");

export const TenancyInput = z.strictObject({
  layout: z.enum(["single", "prefix-per-tenant", "bucket-per-tenant"]).default("single"),
  /** Tenants whose scoped credentials (and, bucket-per-tenant, buckets) the kit creates. */
  tenants: z.array(TenantId).default([]),
  /** bucket-per-tenant: the bucket name pattern; `{tenant}` is replaced by the lower-cased tenant id. */
  bucketPattern: z.string().regex(/^[a-z0-9.-]*\{tenant\}[a-z0-9.-]*$/, "a bucket name pattern containing `{tenant}`, e.g. og-{tenant}").default("og-{tenant}"),
}).prefault({});
export type TenancyInput = z.infer<typeof TenancyInput>;

/** How pods get cloud credentials. `none`: in-cluster MinIO with a Secret. */
export const CloudIdentityInput = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("aws"),
    accountId: z.string().regex(/^\d{12}$/, "a 12-digit AWS account id"),
    /** The EKS cluster's IAM OIDC provider, e.g. arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC. */
    oidcProviderArn: z.string().regex(/^arn:aws:iam::\d{12}:oidc-provider\/.+$/, "an IAM OIDC provider ARN"),
  }),
  z.strictObject({
    kind: z.literal("gcp"),
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id"),
    /** Workload identity pool; default `<project>.svc.id.goog`. */
    workloadIdentityPool: z.string().min(1).optional(),
  }),
  z.strictObject({ kind: z.literal("none") }),
]);
export type CloudIdentityInput = z.infer<typeof CloudIdentityInput>;

export type StorageRole = "reader" | "writer" | "worker" | "control-plane";
const ROLE_ACCESS: Record<StorageRole, "read" | "write"> = { reader: "read", writer: "write", worker: "write", "control-plane": "read" };

export interface TenantStorePlan {
  layout: TenancyInput["layout"];
  /** For the server config: `tenancy: {layout, bucket_template?}`. */
  serverTenancy: { layout: TenancyInput["layout"]; bucket_template?: string };
  /** ServiceAccount annotations that give a role its cloud identity. */
  serviceAccountAnnotations: Record<StorageRole, Record<string, string>>;
  /** Per-tenant ServiceAccounts (IRSA / workload identity) whose credentials reach only the tenant's prefix. */
  manifests: Manifest[];
  cloud: CloudResource[];
  buckets: BucketFacts[];
  /** The prefix (with trailing slash) each tenant's credentials are confined to, by bucket. */
  tenantScopes: Record<string, { bucket: string; prefix: string }>;
  /** Tenant → its cloud identity (IAM role name, or GCP service account email). */
  tenantIdentities: Record<string, string>;
}

export interface TenantStoreInput {
  /** The roles that run in this stack (no identity is made for a role that does not). */
  roles: StorageRole[];
  tenancy: TenancyInput;
  identity: CloudIdentityInput;
  storage: StorageInput;
  store: ObjectStorePlan;
}

/** Plans tenancy and scoped identities. */
export function planTenantStore(input: TenantStoreInput, ctx: ObjectStoreContext & { serviceAccountName: (role: StorageRole) => string }): TenantStorePlan {
  const { tenancy, identity, storage, store } = input;
  const l = ctx.labels;
  const problems: string[] = [];
  if (storage.provider === "s3" && identity.kind !== "aws") problems.push("`storage.provider: s3` needs `identity.kind: aws` (IRSA); static keys are not supported on AWS");
  if (storage.provider === "gcs" && identity.kind !== "gcp") problems.push("`storage.provider: gcs` needs `identity.kind: gcp` (workload identity); static keys are not supported on GCP");
  if (storage.provider === "minio" && identity.kind !== "none") problems.push("`storage.provider: minio` takes `identity.kind: none`: MinIO credentials come from its Secret");
  if (tenancy.layout === "single" && tenancy.tenants.length) problems.push("`tenancy.tenants` needs `tenancy.layout` prefix-per-tenant or bucket-per-tenant; with layout single there is one tenant and no per-tenant scope");
  if (tenancy.layout === "bucket-per-tenant" && storage.provider === "minio" && tenancy.tenants.length) problems.push("bucket-per-tenant on MinIO: create the tenant buckets with `mc mb`; the kit's scoped credentials are for AWS and GCP");
  if (problems.length) throw new KitConfigInvalid(problems);

  const tenantBucket = (t: string) => tenancy.bucketPattern.replace("{tenant}", slug(t));
  const scopes: Record<string, { bucket: string; prefix: string }> = {};
  for (const t of tenancy.tenants) {
    scopes[t] = tenancy.layout === "bucket-per-tenant"
      ? { bucket: tenantBucket(t), prefix: joinPrefix(store.prefix) }
      : { bucket: store.bucket, prefix: joinPrefix(store.prefix, "tenants", t) };
  }

  const cloud: CloudResource[] = [];
  const buckets: BucketFacts[] = [];
  if (tenancy.layout === "bucket-per-tenant") {
    for (const t of tenancy.tenants) {
      const b = scopes[t]!.bucket;
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b)) throw new KitConfigInvalid([`tenant '${t}' gives the bucket name '${b}', which is not a valid bucket name; shorten the tenant id or change \`tenancy.bucketPattern\``]);
      const planned = storage.provider === "s3" ? planS3Bucket(b, storage, ctx, `${l.instance}-tenant-${slug(t)}-bucket`)
        : storage.provider === "gcs" ? planGcsBucket(b, storage, ctx, `${l.instance}-tenant-${slug(t)}-bucket`) : undefined;
      if (planned) {
        cloud.push(...planned.cloud);
        buckets.push(planned.facts);
      }
    }
  }

  // The data-plane roles serve every tenant: scoped to the kit's prefix in every bucket it uses.
  const roleBuckets = [store.bucket, ...(tenancy.layout === "bucket-per-tenant" ? tenancy.tenants.map((t) => scopes[t]!.bucket) : [])];
  const roleScope = (b: string) => ({ bucket: b, prefix: joinPrefix(store.prefix) });
  const annotations: Record<StorageRole, Record<string, string>> = { reader: {}, writer: {}, worker: {}, "control-plane": {} };
  const manifests: Manifest[] = [];
  const tenantIdentities: Record<string, string> = {};
  const roles = [...new Set(input.roles)].sort();

  if (identity.kind === "aws") {
    const kms = storage.provider === "s3" ? storage.kmsKeyArn : undefined;
    for (const role of roles) {
      const roleName = `${l.instance}-${l.stage}-${role}`;
      const sa = ctx.serviceAccountName(role);
      cloud.push(...awsRole(`${l.instance}-${role}-role`, roleName, identity, l.namespace, sa, s3AccessPolicy(roleBuckets.map(roleScope), ROLE_ACCESS[role], kms), ctx));
      annotations[role] = { "eks.amazonaws.com/role-arn": `arn:aws:iam::${identity.accountId}:role/${roleName}`, "eks.amazonaws.com/sts-regional-endpoints": "true" };
    }
    for (const t of tenancy.tenants) {
      const roleName = `${l.instance}-${l.stage}-tenant-${slug(t)}`;
      tenantIdentities[t] = roleName;
      const sa = tenantServiceAccountName(l, t);
      cloud.push(...awsRole(`${l.instance}-tenant-${slug(t)}-role`, roleName, identity, l.namespace, sa, s3AccessPolicy([scopes[t]!], "write", kms), ctx));
      manifests.push(tenantServiceAccount(l, t, { "eks.amazonaws.com/role-arn": `arn:aws:iam::${identity.accountId}:role/${roleName}` }));
    }
  } else if (identity.kind === "gcp") {
    const pool = identity.workloadIdentityPool ?? `${identity.project}.svc.id.goog`;
    for (const role of roles) {
      const accountId = gcpAccountId(`${l.instance}-${role}`);
      const email = `${accountId}@${identity.project}.iam.gserviceaccount.com`;
      cloud.push(...gcpIdentity(`${l.instance}-${role}`, accountId, email, identity.project, pool, l.namespace, ctx.serviceAccountName(role), roleBuckets.map(roleScope), ROLE_ACCESS[role]));
      annotations[role] = { "iam.gke.io/gcp-service-account": email };
    }
    for (const t of tenancy.tenants) {
      const accountId = gcpAccountId(`${l.instance}-t-${slug(t)}`);
      const email = `${accountId}@${identity.project}.iam.gserviceaccount.com`;
      tenantIdentities[t] = email;
      cloud.push(...gcpIdentity(`${l.instance}-tenant-${slug(t)}`, accountId, email, identity.project, pool, l.namespace, tenantServiceAccountName(l, t), [scopes[t]!], "write"));
      manifests.push(tenantServiceAccount(l, t, { "iam.gke.io/gcp-service-account": email }));
    }
  }

  const serverTenancy: TenantStorePlan["serverTenancy"] = { layout: tenancy.layout };
  if (tenancy.layout === "bucket-per-tenant") serverTenancy.bucket_template = store.storeUrlPattern.replace("{bucket}", tenancy.bucketPattern);
  return { layout: tenancy.layout, serverTenancy, serviceAccountAnnotations: annotations, manifests, cloud, buckets, tenantScopes: scopes, tenantIdentities };
}

/** `a/b/` from parts, ignoring empty ones; always ends with `/` so `acme/` never matches `acme2/`. */
function joinPrefix(...parts: string[]): string {
  const p = parts.filter((x) => x !== "").join("/");
  return p === "" ? "" : `${p}/`;
}

/**
 * A tenant id as a Kubernetes/IAM name part. Injective: ids that are already clean stay
 * as they are; any other (upper case, `_`, edge dashes, long) gets a hash suffix, so
 * `org_a`, `org-a` and `Org-A` never share an identity.
 */
export function slug(t: string): string {
  if (/^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/.test(t)) return t;
  const clean = t.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 16).replace(/^-+|-+$/g, "");
  const h = createHash("sha256").update(t).digest("hex").slice(0, 8);
  return clean ? `${clean}-${h}` : `t${h}`;
}

export function tenantServiceAccountName(l: LabelContext, tenant: string): string {
  return `${l.instance}-tenant-${slug(tenant)}`;
}

function tenantServiceAccount(l: LabelContext, tenant: string, annotations: Record<string, string>): IServiceAccount {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(l, tenantServiceAccountName(l, tenant), "tenant-credentials", "infra", annotations), automountServiceAccountToken: false };
}

/** GCP account ids are 6-30 chars; long names keep a stable hash suffix. */
function gcpAccountId(base: string): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  if (clean.length <= 30) return clean.padEnd(6, "0");
  return `${clean.slice(0, 21).replace(/-+$/, "")}-${createHash("sha256").update(base).digest("hex").slice(0, 8)}`;
}

/**
 * The S3 policy of one identity: objects only under each scope's prefix, LIST only
 * with an `s3:prefix` condition inside it. Never a bucket-wide object grant.
 */
export function s3AccessPolicy(scopes: { bucket: string; prefix: string }[], access: "read" | "write", kmsKeyArn?: string): IamPolicyDocument {
  const objectActions = access === "read"
    ? ["s3:GetObject", "s3:GetObjectVersion"]
    : ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:ListMultipartUploadParts", "s3:PutObject"];
  const statements: IamStatement[] = [];
  scopes.forEach((s, i) => {
    statements.push({
      Sid: `List${i}`, Effect: "Allow",
      Action: access === "read" ? ["s3:ListBucket"] : ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
      Resource: `arn:aws:s3:::${s.bucket}`,
      Condition: { StringLike: { "s3:prefix": [`${s.prefix}*`] } },
    });
    statements.push({ Sid: `Objects${i}`, Effect: "Allow", Action: objectActions, Resource: `arn:aws:s3:::${s.bucket}/${s.prefix}*` });
  });
  if (kmsKeyArn) {
    statements.push({ Sid: "Kms", Effect: "Allow", Action: access === "read" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn });
  }
  return { Version: "2012-10-17", Statement: statements };
}

function awsRole(
  logical: string, roleName: string, identity: Extract<CloudIdentityInput, { kind: "aws" }>, namespace: string, serviceAccount: string,
  policy: IamPolicyDocument, ctx: ObjectStoreContext,
): CloudResource[] {
  const issuer = identity.oidcProviderArn.replace(/^arn:aws:iam::\d{12}:oidc-provider\//, "");
  const trust: IamPolicyDocument = {
    Version: "2012-10-17",
    Statement: [{
      Sid: "IrsaServiceAccount", Effect: "Allow", Principal: { Federated: identity.oidcProviderArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com", [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}` } },
    }],
  };
  return [
    {
      type: "aws:iam/role:Role", name: logical,
      args: { name: roleName, assumeRolePolicy: stableJson(trust), description: `OmniGraph ${serviceAccount} (${ctx.labels.stage}), via IRSA`, maxSessionDuration: 3600, tags: { "omnigraph:instance": ctx.labels.instance, "omnigraph:stage": ctx.labels.stage } },
    },
    { type: "aws:iam/rolePolicy:RolePolicy", name: `${logical}-storage`, args: { name: "object-storage", role: roleName, policy: stableJson(policy) } },
  ];
}

/** A CEL condition confining a GCS grant to a prefix: objects under it, and LIST only with a prefix inside it. */
export function gcsPrefixCondition(bucket: string, prefix: string): string {
  return `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}") || ` +
    `(resource.type == "storage.googleapis.com/Bucket" && resource.name == "projects/_/buckets/${bucket}" && ` +
    `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("${prefix}"))`;
}

function gcpIdentity(
  logical: string, accountId: string, email: string, project: string, pool: string, namespace: string, ksa: string,
  scopes: { bucket: string; prefix: string }[], access: "read" | "write",
): CloudResource[] {
  const out: CloudResource[] = [
    { type: "gcp:serviceaccount/account:Account", name: `${logical}-sa`, args: { accountId, displayName: `OmniGraph ${ksa}`, project } },
    { type: "gcp:serviceaccount/iAMMember:IAMMember", name: `${logical}-wi`, args: { serviceAccountId: `projects/${project}/serviceAccounts/${email}`, role: "roles/iam.workloadIdentityUser", member: `serviceAccount:${pool}[${namespace}/${ksa}]` } },
  ];
  scopes.forEach((s, i) => {
    out.push({
      type: "gcp:storage/bucketIAMMember:BucketIAMMember", name: `${logical}-storage-${i}`,
      args: {
        bucket: s.bucket, role: access === "read" ? "roles/storage.objectViewer" : "roles/storage.objectUser", member: `serviceAccount:${email}`,
        condition: { title: `prefix ${s.prefix || "(bucket root)"}`, description: "Confined to the OmniGraph prefix", expression: gcsPrefixCondition(s.bucket, s.prefix) },
      },
    });
  });
  return out;
}
