/**
 * Pulumi program entry (Pulumi.yaml `main`): validate the stack config, plan the stage,
 * and build that stage's composition. `pulumi up -s <stage>`.
 */
import * as pulumi from "@pulumi/pulumi";
import { fromPulumiConfig, parseStackConfig, PROJECT, type Stage } from "./config.ts";
import { planDeployment } from "./plan.ts";
import type { StackOptions, StageOutputs } from "./compose.ts";
import type { DeploymentPlan } from "./plan.ts";
import { deployManaged } from "./managed.ts";
import { deployElastic } from "./elastic.ts";
import { deployByoc } from "./byoc.ts";
import { deployAirgapped } from "./airgapped.ts";

export const COMPOSITIONS: Record<Stage, (plan: DeploymentPlan, opts: StackOptions) => StageOutputs> = {
  managed: deployManaged,
  elastic: deployElastic,
  byoc: deployByoc,
  airgapped: deployAirgapped,
};

// MinIO credentials are secret config, kept out of the plan (and of render's output).
const SECRET_KEY = `${PROJECT}:minioCredentials`;
const { [SECRET_KEY]: minioCredentials, ...settings } = fromPulumiConfig(pulumi.runtime.allConfig());
const config = parseStackConfig(settings);
const plan = planDeployment(config, { projectDir: process.cwd() });
const result = COMPOSITIONS[config.stage](plan, {
  minioCredentials: minioCredentials === undefined ? undefined : pulumi.secret(minioCredentials as Record<string, string>),
});

export const stage = result.stage;
export const namespace = result.namespace;
export const storeUrl = result.storeUrl;
export const policyBundleHash = result.policyBundleHash;
export const components = result.components;
