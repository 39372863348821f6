import * as pulumi from "@pulumi/pulumi";
import { createManifests } from "../kubernetes/resources.ts";
import { createCloudResources } from "../object-store/cloud-resources.ts";
import type { TenantStorePlan } from "./plan.ts";

export interface TenantStoreArgs {
  /** The planned tenancy (`planTenantStore`): per-role and per-tenant identities scoped to their prefixes, tenant buckets. */
  plan: TenantStorePlan;
}

/** Tenancy layout and prefix-scoped cloud identities (IRSA roles / GCP service accounts). Token `omnigraph:storage:TenantStore`. */
export class TenantStore extends pulumi.ComponentResource {
  /** Tenant → the bucket and prefix its credentials are confined to. */
  readonly tenantScopes: pulumi.Output<Record<string, { bucket: string; prefix: string }>>;

  constructor(name: string, args: TenantStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("omnigraph:storage:TenantStore", name, {}, opts);
    createCloudResources(args.plan.cloud, { parent: this });
    createManifests(args.plan.manifests, { parent: this });
    this.tenantScopes = pulumi.output(args.plan.tenantScopes);
    this.registerOutputs({ tenantScopes: this.tenantScopes });
  }
}
