/**
 * ObjectStore planner: one `storage` block → the bucket (AWS S3, GCS, or MinIO in the
 * cluster), the storage URL every role gets, the hosts NO_PROXY must exempt, and the
 * environment the roles need to reach it. Pure; the component turns it into resources.
 */
import { z } from "zod";
import type { IEnvVar } from "kubernetes-models/v1";
import type { IJob } from "kubernetes-models/batch/v1";
import type { IStatefulSet } from "kubernetes-models/apps/v1";
import { type LabelContext, type Manifest, meta, selectorLabels, objectLabels } from "../kubernetes/manifest.ts";
import { hardenedSecurityContext, ImageInput, imageReference, type KnobsInput, workloadKnobs } from "../knobs/plan.ts";
import type { Profile } from "../knobs/profiles.ts";
import { type BucketFacts, type CloudResource, type IamPolicyDocument, stableJson } from "./cloud.ts";

const BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "a bucket name: 3-63 lower-case letters, digits, dots and dashes");
const Prefix = z.string().regex(/^([A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)?$/, "a key prefix such as `graphs` or `prod/graphs` (no leading or trailing slash, no wildcards)");
const Lifecycle = z.strictObject({
  /** Abandoned multipart uploads (a crashed Lance writer) are removed after this many days. */
  abortMultipartDays: z.int().min(1).default(7),
  /** Usage roll-up objects (`usage/` beside the graphs) expire after this many days. */
  usageExpirationDays: z.int().min(1).default(90),
  /** Superseded object versions are kept this long (versioning is for operator mistakes, not history). */
  noncurrentVersionDays: z.int().min(1).default(30),
}).prefault({});

export const S3Storage = z.strictObject({
  provider: z.literal("s3"),
  /** The bucket's globally unique name. */
  bucket: BucketName,
  /** Key prefix under which graphs (and tenant prefixes) live. */
  prefix: Prefix.default("graphs"),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1"),
  /** SSE-KMS with this key; default SSE-S3 (AES256). */
  kmsKeyArn: z.string().startsWith("arn:aws:kms:").optional(),
  /** false: the bucket exists (a BYOC customer made it); the kit only writes the roles' IAM. */
  create: z.boolean().default(true),
  lifecycle: Lifecycle,
});
export const GcsStorage = z.strictObject({
  provider: z.literal("gcs"),
  bucket: BucketName,
  prefix: Prefix.default("graphs"),
  /** Bucket location, e.g. EU or europe-west1. */
  location: z.string().min(2),
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id"),
  /** CMEK key (projects/…/cryptoKeys/…); default Google-managed encryption. */
  kmsKeyName: z.string().startsWith("projects/").optional(),
  create: z.boolean().default(true),
  lifecycle: Lifecycle,
});
export const MinioStorage = z.strictObject({
  provider: z.literal("minio"),
  bucket: BucketName,
  prefix: Prefix.default("graphs"),
  /** 1 (single drive) or 4+ (erasure-coded, distributed). */
  replicas: z.int().min(1).default(1).refine((n) => n === 1 || n >= 4, "`storage.replicas` must be 1 or at least 4 (MinIO erasure coding needs 4 drives)"),
  volumeSize: z.string().regex(/^[0-9]+(Mi|Gi|Ti)$/).default("50Gi"),
  storageClass: z.string().min(1).optional(),
  image: ImageInput,
  /** The MinIO client image (`mc`) for the bucket bootstrap Job. */
  clientImage: ImageInput,
  /** Secret with keys root-user, root-password, access-key, secret-key, kms-key; default `<instance>-minio-credentials`. */
  credentialsSecret: z.string().min(1).optional(),
});
/** The one storage block, fanned out to every role. */
export const StorageInput = z.discriminatedUnion("provider", [S3Storage, GcsStorage, MinioStorage]);
export type StorageInput = z.infer<typeof StorageInput>;

export interface ObjectStoreContext {
  labels: LabelContext;
  clusterDomain: string;
  profile: Profile;
  knobs: KnobsInput;
}

/** Keys of the MinIO credentials Secret, created by the operator (render) or by Pulumi from secret config. */
export const MINIO_SECRET_KEYS = ["access-key", "kms-key", "root-password", "root-user", "secret-key"] as const;

export interface ObjectStorePlan {
  provider: StorageInput["provider"];
  bucket: string;
  prefix: string;
  /** The storage URL (drivers/open.ts syntax) every role's config gets. */
  storeUrl: string;
  /** The storage URL with `{bucket}` in place of the bucket name (bucket-per-tenant templates start from it). */
  storeUrlPattern: string;
  /** Hosts the data plane talks to for storage: exempt from any proxy, allowed by egress policy. */
  hosts: string[];
  /** Environment every data-plane container needs to reach the store. */
  roleEnv: IEnvVar[];
  manifests: Manifest[];
  cloud: CloudResource[];
  buckets: BucketFacts[];
  /** MinIO only: the credentials Secret the roles and MinIO read. */
  minioSecret?: { name: string; keys: readonly string[] };
  /** MinIO only: the pod labels of the MinIO server (for NetworkPolicies). */
  minioSelector?: Record<string, string>;
}

/** Plans the object store for a storage block. */
export function planObjectStore(storage: StorageInput, ctx: ObjectStoreContext): ObjectStorePlan {
  switch (storage.provider) {
    case "s3":
      return planS3(storage, ctx);
    case "gcs":
      return planGcs(storage, ctx);
    case "minio":
      return planMinio(storage, ctx);
  }
}

function tags(ctx: ObjectStoreContext): Record<string, string> {
  return { "omnigraph:instance": ctx.labels.instance, "omnigraph:stage": ctx.labels.stage, "managed-by": "omnigraph-kit" };
}

/** Plans an S3 bucket with the kit's invariants: private, encrypted, versioned, TLS only. Also used per tenant. */
export function planS3Bucket(bucket: string, storage: z.infer<typeof S3Storage>, ctx: ObjectStoreContext, logical: string): { cloud: CloudResource[]; facts: BucketFacts } {
  const policy: IamPolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
  const lc = storage.lifecycle;
  const cloud: CloudResource[] = [
    { type: "aws:s3/bucket:Bucket", name: logical, args: { bucket, forceDestroy: false, tags: tags(ctx) } },
    { type: "aws:s3/bucketOwnershipControls:BucketOwnershipControls", name: `${logical}-ownership`, args: { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } } },
    {
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: `${logical}-public-access`,
      args: { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    },
    { type: "aws:s3/bucketVersioning:BucketVersioning", name: `${logical}-versioning`, args: { bucket, versioningConfiguration: { status: "Enabled" } } },
    {
      type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: `${logical}-encryption`,
      args: {
        bucket,
        rules: [{
          applyServerSideEncryptionByDefault: storage.kmsKeyArn ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: storage.kmsKeyArn } : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: storage.kmsKeyArn !== undefined,
        }],
      },
    },
    { type: "aws:s3/bucketPolicy:BucketPolicy", name: `${logical}-policy`, args: { bucket, policy: stableJson(policy) } },
    {
      type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name: `${logical}-lifecycle`,
      args: {
        bucket,
        rules: [
          { id: "abort-abandoned-multipart-uploads", status: "Enabled", filter: { prefix: "" }, abortIncompleteMultipartUpload: { daysAfterInitiation: lc.abortMultipartDays } },
          { id: "expire-noncurrent-versions", status: "Enabled", filter: { prefix: "" }, noncurrentVersionExpiration: { noncurrentDays: lc.noncurrentVersionDays } },
          { id: "expire-old-usage-objects", status: "Enabled", filter: { prefix: "usage/" }, expiration: { days: lc.usageExpirationDays } },
        ],
      },
    },
  ];
  return { cloud, facts: { name: bucket, provider: "s3", public: false, encrypted: true, versioned: true, allowedPrincipals: [] } };
}

function planS3(storage: z.infer<typeof S3Storage>, ctx: ObjectStoreContext): ObjectStorePlan {
  const own = storage.create ? planS3Bucket(storage.bucket, storage, ctx, `${ctx.labels.instance}-bucket`) : { cloud: [], facts: undefined };
  const q = `?region=${storage.region}`;
  return {
    provider: "s3", bucket: storage.bucket, prefix: storage.prefix,
    storeUrl: `s3://${storage.bucket}/${storage.prefix}${q}`,
    storeUrlPattern: `s3://{bucket}/${storage.prefix}${q}`,
    hosts: [`s3.${storage.region}.amazonaws.com`, `.s3.${storage.region}.amazonaws.com`],
    roleEnv: [{ name: "AWS_REGION", value: storage.region }],
    manifests: [], cloud: own.cloud, buckets: own.facts ? [own.facts] : [],
  };
}

/** Plans a GCS bucket: uniform access, public access prevented, versioned, lifecycle. Also used per tenant. */
export function planGcsBucket(bucket: string, storage: z.infer<typeof GcsStorage>, ctx: ObjectStoreContext, logical: string): { cloud: CloudResource[]; facts: BucketFacts } {
  const lc = storage.lifecycle;
  const args: Extract<CloudResource, { type: "gcp:storage/bucket:Bucket" }>["args"] = {
    name: bucket, location: storage.location, project: storage.project, forceDestroy: false,
    uniformBucketLevelAccess: true, publicAccessPrevention: "enforced",
    versioning: { enabled: true },
    lifecycleRules: [
      { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: lc.abortMultipartDays } },
      { action: { type: "Delete" }, condition: { age: lc.noncurrentVersionDays, withState: "ARCHIVED" } },
      { action: { type: "Delete" }, condition: { age: lc.usageExpirationDays, matchesPrefixes: ["usage/"] } },
    ],
    labels: { "omnigraph-instance": ctx.labels.instance, "omnigraph-stage": ctx.labels.stage, "managed-by": "omnigraph-kit" },
  };
  if (storage.kmsKeyName) args.encryption = { defaultKmsKeyName: storage.kmsKeyName };
  // GCS encrypts every object at rest (Google-managed keys unless CMEK is set).
  return { cloud: [{ type: "gcp:storage/bucket:Bucket", name: logical, args }], facts: { name: bucket, provider: "gcs", public: false, encrypted: true, versioned: true, allowedPrincipals: [] } };
}

function planGcs(storage: z.infer<typeof GcsStorage>, ctx: ObjectStoreContext): ObjectStorePlan {
  const own = storage.create ? planGcsBucket(storage.bucket, storage, ctx, `${ctx.labels.instance}-bucket`) : { cloud: [], facts: undefined };
  const q = `?projectId=${storage.project}`;
  return {
    provider: "gcs", bucket: storage.bucket, prefix: storage.prefix,
    storeUrl: `gs://${storage.bucket}/${storage.prefix}${q}`,
    storeUrlPattern: `gs://{bucket}/${storage.prefix}${q}`,
    // The metadata server hands out the workload-identity token: never through a proxy.
    hosts: ["storage.googleapis.com", "metadata.google.internal", "169.254.169.254"],
    roleEnv: [],
    manifests: [], cloud: own.cloud, buckets: own.facts ? [own.facts] : [],
  };
}

const MINIO_PORT = 9000;

function planMinio(storage: z.infer<typeof MinioStorage>, ctx: ObjectStoreContext): ObjectStorePlan {
  const l = ctx.labels;
  const name = `${l.instance}-minio`;
  const headless = `${name}-hl`;
  const secretName = storage.credentialsSecret ?? `${name}-credentials`;
  const host = `${name}.${l.namespace}.svc.${ctx.clusterDomain}`;
  const endpoint = `http://${host}:${MINIO_PORT}`;
  const knobs = workloadKnobs(ctx.knobs, { clusterDomain: ctx.clusterDomain, namespace: l.namespace, objectStoreHosts: [host] });
  const secretEnv = (envName: string, key: string): IEnvVar => ({ name: envName, valueFrom: { secretKeyRef: { name: secretName, key } } });
  const selector = selectorLabels(l, "minio");
  const resources = ctx.profile.minio.resources;

  const volumes = storage.replicas === 1
    ? "/data"
    : `http://${name}-{0...${storage.replicas - 1}}.${headless}.${l.namespace}.svc.${ctx.clusterDomain}/data`;
  const statefulSet: IStatefulSet = {
    apiVersion: "apps/v1", kind: "StatefulSet",
    metadata: meta(l, name, "minio", "infra"),
    spec: {
      serviceName: headless, replicas: storage.replicas, podManagementPolicy: "Parallel",
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: objectLabels(l, "minio", "infra") },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
          terminationGracePeriodSeconds: 30,
          ...(knobs.imagePullSecrets ? { imagePullSecrets: knobs.imagePullSecrets } : {}),
          ...(knobs.nodeSelector ? { nodeSelector: knobs.nodeSelector } : {}),
          ...(knobs.tolerations ? { tolerations: knobs.tolerations } : {}),
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
          containers: [{
            name: "minio",
            image: imageReference(storage.image, ctx.knobs.registryOverride),
            args: ["server", volumes, "--address", `:${MINIO_PORT}`, "--console-address", ":9001"],
            env: [
              secretEnv("MINIO_ROOT_USER", "root-user"),
              secretEnv("MINIO_ROOT_PASSWORD", "root-password"),
              // SSE-S3 for the bucket needs a KMS key; MinIO's built-in static key is enough on-prem.
              secretEnv("MINIO_KMS_SECRET_KEY", "kms-key"),
              { name: "HOME", value: "/tmp" },
            ],
            ports: [{ name: "s3", containerPort: MINIO_PORT }],
            livenessProbe: { httpGet: { path: "/minio/health/live", port: MINIO_PORT }, periodSeconds: 10, failureThreshold: 6 },
            readinessProbe: { httpGet: { path: "/minio/health/ready", port: MINIO_PORT }, periodSeconds: 5, failureThreshold: 3 },
            resources,
            securityContext: hardenedSecurityContext(),
            volumeMounts: [{ name: "data", mountPath: "/data" }, { name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: storage.volumeSize } },
          ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
        },
      }],
    },
  };

  const bootstrapScript = [
    "#!/bin/sh",
    "# Idempotent: safe to re-run on every apply.",
    "set -eu",
    `until mc alias set local "$MINIO_ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do sleep 2; done`,
    `mc mb --ignore-existing "local/$BUCKET"`,
    `if [ "$BUCKET_VERSIONING" = "on" ]; then mc version enable "local/$BUCKET"; fi`,
    `mc encrypt set "$BUCKET_ENCRYPTION" "local/$BUCKET"`,
    `mc anonymous set "$BUCKET_ANONYMOUS" "local/$BUCKET"`,
    `mc admin policy create local omnigraph-data-plane /bootstrap/data-plane-policy.json`,
    `mc admin user add local "$DATA_PLANE_ACCESS_KEY" "$DATA_PLANE_SECRET_KEY"`,
    `mc admin policy attach local omnigraph-data-plane --user "$DATA_PLANE_ACCESS_KEY" || true`,
    "",
  ].join("\n");
  const dataPlanePolicy: IamPolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [`arn:aws:s3:::${storage.bucket}`] },
      { Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], Resource: [`arn:aws:s3:::${storage.bucket}/*`] },
    ],
  };
  const bootstrapConfig: Manifest = {
    apiVersion: "v1", kind: "ConfigMap",
    metadata: meta(l, `${name}-bootstrap`, "minio-bootstrap", "infra"),
    data: { "bootstrap.sh": bootstrapScript, "data-plane-policy.json": `${JSON.stringify(dataPlanePolicy, null, 2)}\n` },
  };
  const job: IJob = {
    apiVersion: "batch/v1", kind: "Job",
    metadata: meta(l, `${name}-bootstrap`, "minio-bootstrap", "infra"),
    spec: {
      backoffLimit: 10,
      template: {
        metadata: { labels: objectLabels(l, "minio-bootstrap", "infra") },
        spec: {
          restartPolicy: "OnFailure",
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          ...(knobs.imagePullSecrets ? { imagePullSecrets: knobs.imagePullSecrets } : {}),
          ...(knobs.nodeSelector ? { nodeSelector: knobs.nodeSelector } : {}),
          ...(knobs.tolerations ? { tolerations: knobs.tolerations } : {}),
          containers: [{
            name: "bootstrap",
            image: imageReference(storage.clientImage, ctx.knobs.registryOverride),
            command: ["/bin/sh", "/bootstrap/bootstrap.sh"],
            env: [
              { name: "MINIO_ENDPOINT", value: endpoint },
              secretEnv("MINIO_ROOT_USER", "root-user"),
              secretEnv("MINIO_ROOT_PASSWORD", "root-password"),
              secretEnv("DATA_PLANE_ACCESS_KEY", "access-key"),
              secretEnv("DATA_PLANE_SECRET_KEY", "secret-key"),
              { name: "BUCKET", value: storage.bucket },
              // The guard rules read these: what the Job does to the bucket is what they check.
              { name: "BUCKET_VERSIONING", value: "on" },
              { name: "BUCKET_ENCRYPTION", value: "sse-s3" },
              { name: "BUCKET_ANONYMOUS", value: "none" },
              { name: "HOME", value: "/tmp" },
              { name: "MC_CONFIG_DIR", value: "/tmp/.mc" },
            ],
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
            securityContext: hardenedSecurityContext(),
            volumeMounts: [{ name: "bootstrap", mountPath: "/bootstrap", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "bootstrap", configMap: { name: `${name}-bootstrap` } }, { name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
      },
    },
  };
  const manifests: Manifest[] = [
    {
      apiVersion: "v1", kind: "Service", metadata: meta(l, headless, "minio", "infra"),
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: [{ name: "s3", port: MINIO_PORT, targetPort: MINIO_PORT }] },
    },
    { apiVersion: "v1", kind: "Service", metadata: meta(l, name, "minio", "infra"), spec: { selector, ports: [{ name: "s3", port: MINIO_PORT, targetPort: MINIO_PORT }] } },
    statefulSet,
    {
      apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(l, name, "minio", "infra"),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    },
    bootstrapConfig,
    job,
  ];
  return {
    provider: "minio", bucket: storage.bucket, prefix: storage.prefix,
    storeUrl: `s3://${storage.bucket}/${storage.prefix}?endpoint=${endpoint}&region=us-east-1&pathStyle=true`,
    storeUrlPattern: `s3://{bucket}/${storage.prefix}?endpoint=${endpoint}&region=us-east-1&pathStyle=true`,
    hosts: [host],
    roleEnv: [
      { name: "AWS_REGION", value: "us-east-1" },
      secretEnv("AWS_ACCESS_KEY_ID", "access-key"),
      secretEnv("AWS_SECRET_ACCESS_KEY", "secret-key"),
      { name: "AWS_ALLOW_HTTP", value: "true" },
      { name: "AWS_S3_FORCE_PATH_STYLE", value: "true" },
    ],
    manifests, cloud: [],
    // Facts come from the bootstrap Job's env at check time (see policies/guard); none are declared here.
    buckets: [],
    minioSecret: { name: secretName, keys: MINIO_SECRET_KEYS },
    minioSelector: selector,
  };
}
