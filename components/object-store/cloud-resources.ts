/**
 * Planned cloud objects → @pulumi/aws and @pulumi/gcp resources. `args` pass through
 * unchanged; dependencies follow the names (a bucket's settings after the bucket, a
 * role's policy after the role, a service account's bindings after the account).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type { CloudResource } from "./cloud.ts";

export function createCloudResources(resources: readonly CloudResource[], opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
  const buckets = new Map<string, pulumi.CustomResource>();
  const roles = new Map<string, pulumi.CustomResource>();
  const accounts = new Map<string, pulumi.CustomResource>();
  const out: pulumi.CustomResource[] = [];
  const after = (...deps: (pulumi.CustomResource | undefined)[]): pulumi.CustomResourceOptions => {
    const d = deps.filter((x): x is pulumi.CustomResource => x !== undefined);
    return d.length ? { ...opts, dependsOn: d } : opts;
  };
  // Owners first, so dependents can name them.
  const order = (r: CloudResource) => (["aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket", "aws:iam/role:Role", "gcp:serviceaccount/account:Account"].includes(r.type) ? 0 : 1);
  for (const r of [...resources].sort((a, b) => order(a) - order(b))) {
    switch (r.type) {
      case "aws:s3/bucket:Bucket": {
        const b = new aws.s3.Bucket(r.name, r.args, opts);
        buckets.set(r.args.bucket, b);
        out.push(b);
        break;
      }
      case "aws:s3/bucketOwnershipControls:BucketOwnershipControls": out.push(new aws.s3.BucketOwnershipControls(r.name, r.args, after(buckets.get(r.args.bucket)))); break;
      case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": out.push(new aws.s3.BucketPublicAccessBlock(r.name, r.args, after(buckets.get(r.args.bucket)))); break;
      case "aws:s3/bucketVersioning:BucketVersioning": out.push(new aws.s3.BucketVersioning(r.name, r.args, after(buckets.get(r.args.bucket)))); break;
      case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        out.push(new aws.s3.BucketServerSideEncryptionConfiguration(r.name, r.args, after(buckets.get(r.args.bucket))));
        break;
      case "aws:s3/bucketPolicy:BucketPolicy": out.push(new aws.s3.BucketPolicy(r.name, r.args, after(buckets.get(r.args.bucket)))); break;
      case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": out.push(new aws.s3.BucketLifecycleConfiguration(r.name, r.args, after(buckets.get(r.args.bucket)))); break;
      case "aws:iam/role:Role": {
        const role = new aws.iam.Role(r.name, r.args, opts);
        roles.set(r.args.name, role);
        out.push(role);
        break;
      }
      case "aws:iam/rolePolicy:RolePolicy": out.push(new aws.iam.RolePolicy(r.name, r.args, after(roles.get(r.args.role)))); break;
      case "gcp:storage/bucket:Bucket": {
        const b = new gcp.storage.Bucket(r.name, r.args, opts);
        buckets.set(r.args.name, b);
        out.push(b);
        break;
      }
      case "gcp:serviceaccount/account:Account": {
        const a = new gcp.serviceaccount.Account(r.name, r.args, opts);
        accounts.set(`${r.args.accountId}@${r.args.project}.iam.gserviceaccount.com`, a);
        out.push(a);
        break;
      }
      case "gcp:storage/bucketIAMMember:BucketIAMMember":
        out.push(new gcp.storage.BucketIAMMember(r.name, r.args, after(buckets.get(r.args.bucket), accounts.get(r.args.member.replace(/^serviceAccount:/, "")))));
        break;
      case "gcp:serviceaccount/iAMMember:IAMMember":
        out.push(new gcp.serviceaccount.IAMMember(r.name, r.args, after(accounts.get(r.args.serviceAccountId.replace(/^projects\/[^/]+\/serviceAccounts\//, "")))));
        break;
    }
  }
  return out;
}
