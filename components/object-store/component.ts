import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { createManifests } from "../kubernetes/resources.ts";
import { meta } from "../kubernetes/manifest.ts";
import { createCloudResources } from "./cloud-resources.ts";
import type { ObjectStorePlan } from "./plan.ts";
import type { LabelContext } from "../kubernetes/manifest.ts";

export interface ObjectStoreArgs {
  /** The planned store (`planObjectStore`): an S3 or GCS bucket, or MinIO in the cluster. */
  plan: ObjectStorePlan;
  /** Labels of the stage (MinIO credentials Secret metadata). */
  labels: LabelContext;
  /**
   * MinIO only: values for the credentials Secret's keys (root-user, root-password,
   * access-key, secret-key, kms-key), from Pulumi secret config. Omit to use a Secret the
   * operator created with the same name (the plan's `minioSecret.name`).
   */
  minioCredentials?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The one object store every role uses. Token `omnigraph:storage:ObjectStore`. */
export class ObjectStore extends pulumi.ComponentResource {
  /** The storage URL every role's server config names. */
  readonly storeUrl: pulumi.Output<string>;
  readonly bucket: pulumi.Output<string>;

  constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("omnigraph:storage:ObjectStore", name, {}, opts);
    const child = { parent: this };
    createCloudResources(args.plan.cloud, child);
    if (args.plan.minioSecret && args.minioCredentials) {
      new k8s.core.v1.Secret(`secret-${args.plan.minioSecret.name}`, {
        metadata: meta(args.labels, args.plan.minioSecret.name, "minio", "infra"),
        type: "Opaque",
        stringData: args.minioCredentials,
      }, child);
    }
    createManifests(args.plan.manifests, child);
    this.storeUrl = pulumi.output(args.plan.storeUrl);
    this.bucket = pulumi.output(args.plan.bucket);
    this.registerOutputs({ storeUrl: this.storeUrl, bucket: this.bucket });
  }
}
