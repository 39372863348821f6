/**
 * Building blocks the four stage compositions share: the namespace first, then the
 * policy bundle and storage every stage has. Each composition adds what its stage has
 * and nothing else.
 */
import * as pulumi from "@pulumi/pulumi";
import { createManifest } from "../components/kubernetes/resources.ts";
import { ObjectStore } from "../components/object-store/component.ts";
import { TenantStore } from "../components/tenant-store/component.ts";
import { PolicyBundle } from "../components/policy-bundle/component.ts";
import { Network } from "../components/network/component.ts";
import { KitPlanInvalid } from "../components/errors.ts";
import type { DeploymentPlan } from "./plan.ts";
import type { Stage } from "./config.ts";

export interface StackOptions {
  /** MinIO credentials from Pulumi secret config (`omnigraph-cloud:minioCredentials`). */
  minioCredentials?: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
}

/** What every stage's program exports. */
export interface StageOutputs {
  stage: Stage;
  namespace: string;
  storeUrl: pulumi.Output<string>;
  policyBundleHash: pulumi.Output<string>;
  components: string[];
}

export interface Foundation {
  /** Options every component takes: after the namespace exists. */
  opts: pulumi.ComponentResourceOptions;
  objectStore: ObjectStore;
  policy: PolicyBundle;
  tenants: TenantStore;
}

export function expectStage(plan: DeploymentPlan, stage: Stage): void {
  if (plan.stage !== stage) throw new KitPlanInvalid([`the ${stage} composition was given a plan for stage ${plan.stage}`]);
}

export function foundation(plan: DeploymentPlan, opts: StackOptions): Foundation {
  const ns = plan.parts.namespace ? createManifest(plan.parts.namespace, {}) : undefined;
  const componentOpts: pulumi.ComponentResourceOptions = ns ? { dependsOn: [ns] } : {};
  const labels = { instance: plan.manifests.find((m) => m.metadata?.labels?.["app.kubernetes.io/instance"])?.metadata?.labels?.["app.kubernetes.io/instance"] ?? "omnigraph", namespace: plan.namespace, stage: plan.stage };
  const policy = new PolicyBundle("policy", { plan: plan.parts.policy }, componentOpts);
  const objectStore = new ObjectStore("object-store", {
    plan: plan.parts.objectStore, labels,
    ...(opts.minioCredentials ? { minioCredentials: opts.minioCredentials } : {}),
  }, componentOpts);
  const tenants = new TenantStore("tenants", { plan: plan.parts.tenantStore }, { ...componentOpts, dependsOn: [...(ns ? [ns] : []), objectStore] });
  return { opts: componentOpts, objectStore, policy, tenants };
}

export function network(plan: DeploymentPlan, f: Foundation): Network {
  return new Network("network", { plan: plan.parts.network }, f.opts);
}

export function outputs(plan: DeploymentPlan, f: Foundation, components: string[]): StageOutputs {
  return { stage: plan.stage, namespace: plan.namespace, storeUrl: f.objectStore.storeUrl, policyBundleHash: f.policy.hash, components };
}
