/**
 * A deployment plan as plain files: one YAML file per Kubernetes object, a
 * `kustomization.yaml` listing them in apply order, `cloud.yaml` (the cloud objects
 * Pulumi would create — for people who create them by other means; not applied by
 * kustomize) and, for MinIO, the credentials Secret as a kustomize secretGenerator fed
 * by an env file the operator writes. Same plan → byte-identical files.
 */
import { stringify } from "yaml";
import type { Manifest } from "../components/kubernetes/manifest.ts";
import type { DeploymentPlan } from "./plan.ts";

export const KUSTOMIZATION = "kustomization.yaml";
export const CLOUD_FILE = "cloud.yaml";
export const MINIO_ENV_FILE = "minio-credentials.env";

const HEADER = "# Rendered by `omnigraph render` from the deployment kit's planners. Do not edit: change the stack config and render again.\n";

/** Deterministic YAML: sorted keys, no line folding. */
export function toYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}

export function manifestFileName(m: Manifest, index: number): string {
  return `${String(index).padStart(2, "0")}-${m.kind.toLowerCase()}-${m.metadata!.name}.yaml`;
}

/** File name → content. */
export function renderDeployment(plan: DeploymentPlan): Map<string, string> {
  const files = new Map<string, string>();
  const names: string[] = [];
  plan.manifests.forEach((m, i) => {
    const name = manifestFileName(m, i);
    names.push(name);
    files.set(name, HEADER + toYaml(m));
  });
  const kustomization: Record<string, unknown> = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: names,
  };
  if (plan.minioSecret) {
    kustomization.secretGenerator = [{ name: plan.minioSecret.name, namespace: plan.namespace, envs: [MINIO_ENV_FILE] }];
    // Stable name: the workloads reference the Secret by this name.
    kustomization.generatorOptions = { disableNameSuffixHash: true };
    files.set(`${MINIO_ENV_FILE}.example`, [
      "# Copy to minio-credentials.env (keep it out of git) and fill in before `kubectl apply -k`.",
      "# root-*: MinIO's admin; access-key/secret-key: the data plane's bucket-scoped user (created by the bootstrap Job);",
      "# kms-key: `omnigraph-minio:$(head -c 32 /dev/urandom | base64)` (encrypts the bucket, SSE-S3).",
      ...plan.minioSecret.keys.map((k) => `${k}=`),
      "",
    ].join("\n"));
  }
  files.set(KUSTOMIZATION, HEADER + toYaml(kustomization));
  if (plan.cloud.length) {
    files.set(CLOUD_FILE, "# The cloud objects the kit's Pulumi stack creates for this stage (type = Pulumi resource token, args = its inputs).\n" +
      "# Not applied by kustomize: create them with Pulumi, or by your own means with exactly these settings.\n" +
      toYaml({ resources: plan.cloud.map((r) => ({ type: r.type, name: r.name, args: r.args })) }));
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
