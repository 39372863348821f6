/**
 * Plain descriptions of the cloud objects the planners ask for. Each `args` is exactly
 * the argument object of the named Pulumi resource (so the component passes it through
 * unchanged) and is also what `render` writes to `cloud.yaml` for people who create the
 * bucket themselves (BYOC customers with their own Terraform).
 */
export interface IamStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: string | string[]; Federated?: string; Service?: string };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}
export interface IamPolicyDocument {
  Version: "2012-10-17";
  Statement: IamStatement[];
}

export type CloudResource =
  | { type: "aws:s3/bucket:Bucket"; name: string; args: { bucket: string; forceDestroy: false; objectLockEnabled?: boolean; tags: Record<string, string> } }
  | { type: "aws:s3/bucketVersioning:BucketVersioning"; name: string; args: { bucket: string; versioningConfiguration: { status: "Enabled" } } }
  | {
      type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
      name: string;
      args: { bucket: string; rules: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" | "AES256"; kmsMasterKeyId?: string }; bucketKeyEnabled: boolean }[] };
    }
  | {
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
      name: string;
      args: { bucket: string; blockPublicAcls: true; blockPublicPolicy: true; ignorePublicAcls: true; restrictPublicBuckets: true };
    }
  | { type: "aws:s3/bucketOwnershipControls:BucketOwnershipControls"; name: string; args: { bucket: string; rule: { objectOwnership: "BucketOwnerEnforced" } } }
  | { type: "aws:s3/bucketPolicy:BucketPolicy"; name: string; args: { bucket: string; policy: string } }
  | {
      type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
      name: string;
      args: { bucket: string; rules: S3LifecycleRule[] };
    }
  | { type: "aws:iam/role:Role"; name: string; args: { name: string; assumeRolePolicy: string; description: string; maxSessionDuration: number; tags: Record<string, string> } }
  | { type: "aws:iam/rolePolicy:RolePolicy"; name: string; args: { name: string; role: string; policy: string } }
  | {
      type: "gcp:storage/bucket:Bucket";
      name: string;
      args: {
        name: string; location: string; project: string; forceDestroy: false;
        uniformBucketLevelAccess: true; publicAccessPrevention: "enforced";
        versioning: { enabled: true };
        encryption?: { defaultKmsKeyName: string };
        softDeletePolicy?: { retentionDurationSeconds: number };
        lifecycleRules: { action: { type: "Delete" | "AbortIncompleteMultipartUpload" }; condition: { age?: number; matchesPrefixes?: string[]; numNewerVersions?: number; withState?: "ARCHIVED" | "LIVE" | "ANY" } }[];
        labels: Record<string, string>;
      };
    }
  | { type: "gcp:serviceaccount/account:Account"; name: string; args: { accountId: string; displayName: string; project: string } }
  | {
      type: "gcp:storage/bucketIAMMember:BucketIAMMember";
      name: string;
      args: { bucket: string; role: string; member: string; condition?: { title: string; description: string; expression: string } };
    }
  | { type: "gcp:serviceaccount/iAMMember:IAMMember"; name: string; args: { serviceAccountId: string; role: "roles/iam.workloadIdentityUser"; member: string } };

export interface S3LifecycleRule {
  id: string;
  status: "Enabled";
  filter: { prefix: string };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
  expiration?: { days: number };
  noncurrentVersionExpiration?: { noncurrentDays: number };
}

/**
 * What the guard rules know about a bucket, whoever made it (S3, GCS, the MinIO
 * bootstrap Job). Derived from the resources, never declared separately.
 */
export interface BucketFacts {
  name: string;
  provider: "s3" | "gcs" | "minio";
  public: boolean;
  encrypted: boolean;
  versioned: boolean;
  /** Principals named by Allow statements of the bucket's policy (AWS account ARNs or `*`). */
  allowedPrincipals: string[];
}

/** A stable JSON rendering (sorted keys) so policies hash and diff identically on every run. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
