/**
 * One stage's whole deployment as a plain, validated description: every planner run in
 * order, the results joined. The Pulumi compositions and `omnigraph render` both start
 * here, so what Pulumi deploys and what render writes cannot drift apart.
 */
import { isAbsolute, resolve } from "node:path";
import type { INamespace } from "kubernetes-models/v1";
import { ANNOTATION_CONTROL_PLANE_HOSTS, assertValidManifests, type LabelContext, LABEL_MANAGED_BY, LABEL_PART_OF, LABEL_STAGE, type Manifest } from "../components/kubernetes/manifest.ts";
import { PROFILES } from "../components/knobs/profiles.ts";
import { planObjectStore, type ObjectStorePlan } from "../components/object-store/plan.ts";
import type { BucketFacts, CloudResource } from "../components/object-store/cloud.ts";
import { planTenantStore, type TenantStorePlan } from "../components/tenant-store/plan.ts";
import { planPolicyBundle, readBundleDir, type PolicyBundlePlan } from "../components/policy-bundle/plan.ts";
import { planDataPlane, serviceAccountName, type DataPlanePlan } from "../components/data-plane/plan.ts";
import { planRouting } from "../components/routing/plan.ts";
import { planControlPlane, type ControlPlanePlan } from "../components/control-plane/plan.ts";
import { planNetwork } from "../components/network/plan.ts";
import { selectorLabels } from "../components/kubernetes/manifest.ts";
import type { StackConfig, Stage } from "./config.ts";

export interface DeploymentPlan {
  stage: Stage;
  namespace: string;
  /** Every Kubernetes object, in apply order (namespace first), validated offline. */
  manifests: Manifest[];
  /** Cloud objects (buckets, IAM) for Pulumi; `render` lists them in cloud.yaml. */
  cloud: CloudResource[];
  buckets: BucketFacts[];
  /** MinIO: the credentials Secret the operator (render) or Pulumi (secret config) provides. */
  minioSecret?: { name: string; keys: readonly string[] } | undefined;
  /** Parts, for the compositions (each becomes one ComponentResource). */
  parts: {
    objectStore: ObjectStorePlan;
    tenantStore: TenantStorePlan;
    policy: PolicyBundlePlan;
    dataPlane?: DataPlanePlan | undefined;
    routing?: { manifests: Manifest[] } | undefined;
    controlPlane?: ControlPlanePlan | undefined;
    network: { manifests: Manifest[] };
    namespace?: Manifest | undefined;
  };
}

export interface PlanOptions {
  /** Directory that relative paths in the config (policy.bundleDir) are resolved against. */
  projectDir: string;
}

export function planDeployment(c: StackConfig, opts: PlanOptions): DeploymentPlan {
  const labels: LabelContext = { instance: c.instance, namespace: c.namespace, stage: c.stage };
  const profile = PROFILES[c.profile];
  const base = { labels, clusterDomain: c.clusterDomain, profile, knobs: c.knobs };
  const elasticShape = c.stage === "elastic" || c.shape === "elastic";
  const vendorOnly = c.stage === "byoc" && c.vendorSide;

  const objectStore = planObjectStore(c.storage, base);
  const tenantStore = planTenantStore(
    {
      roles: [
        ...(vendorOnly ? [] : (["reader", "writer"] as const)),
        ...(elasticShape && !vendorOnly ? (["worker"] as const) : []),
        ...(c.controlPlane ? (["control-plane"] as const) : []),
      ],
      tenancy: c.tenancy, identity: c.identity, storage: c.storage, store: objectStore,
    },
    { ...base, serviceAccountName: (role) => serviceAccountName(labels, role) },
  );
  const bundleDir = isAbsolute(c.policy.bundleDir) ? c.policy.bundleDir : resolve(opts.projectDir, c.policy.bundleDir);
  const policy = planPolicyBundle(readBundleDir(bundleDir), { labels, jwks: c.auth.oidc?.jwks, sourceDir: bundleDir });

  const dataPlane = vendorOnly ? undefined : planDataPlane({
    ...base, image: c.image, store: objectStore, tenancy: tenantStore, policy, auth: c.auth,
    writers: c.writers ?? 1,
    workers: elasticShape ? (c.workers ?? profile.worker.replicas) : 0,
    readers: c.readers,
    writerUrl: elasticShape ? c.routing?.publicUrl : undefined,
    logLevel: c.logLevel,
  });
  const routing = dataPlane && elasticShape && c.routing ? planRouting(c.routing, { labels, services: dataPlane.services }) : undefined;
  const controlPlane = c.controlPlane ? planControlPlane(c.controlPlane, {
    ...base, image: c.image, store: objectStore, serviceAccountAnnotations: tenantStore.serviceAccountAnnotations["control-plane"],
  }) : undefined;
  const network = planNetwork(c.network, {
    labels, provider: objectStore.provider,
    dataPlane: dataPlane?.selectors ?? { reader: selectorLabels(labels, "reader"), writer: selectorLabels(labels, "writer"), worker: selectorLabels(labels, "worker") },
    workers: elasticShape,
    minio: objectStore.minioSelector,
    minioBootstrap: objectStore.provider === "minio" ? selectorLabels(labels, "minio-bootstrap") : undefined,
    controlPlane: controlPlane?.selectors,
    bundleSyncCidrs: c.vendor?.bundleSyncCidrs,
    gatewayNamespace: c.routing?.gateway.namespace,
  });

  const vendorHosts = c.vendor ? [new URL(c.vendor.controlPlaneUrl).hostname] : [];
  const namespace: INamespace | undefined = c.createNamespace ? {
    apiVersion: "v1", kind: "Namespace",
    metadata: {
      name: c.namespace,
      labels: {
        [LABEL_MANAGED_BY]: "omnigraph-kit", [LABEL_PART_OF]: "omnigraph", [LABEL_STAGE]: c.stage,
        // Every kit pod satisfies the restricted Pod Security Standard; enforce it.
        "pod-security.kubernetes.io/enforce": "restricted",
      },
      ...(vendorHosts.length ? { annotations: { [ANNOTATION_CONTROL_PLANE_HOSTS]: vendorHosts.join(",") } } : {}),
    },
  } : undefined;

  const manifests: Manifest[] = [
    ...(namespace ? [namespace] : []),
    ...policy.manifests,
    ...objectStore.manifests,
    ...tenantStore.manifests,
    ...(dataPlane?.manifests ?? []),
    ...(routing?.manifests ?? []),
    ...(controlPlane?.manifests ?? []),
    ...network.manifests,
  ];
  assertValidManifests(manifests);
  return {
    stage: c.stage, namespace: c.namespace, manifests,
    cloud: [...objectStore.cloud, ...tenantStore.cloud],
    buckets: [...objectStore.buckets, ...tenantStore.buckets],
    minioSecret: objectStore.minioSecret,
    parts: { objectStore, tenantStore, policy, dataPlane, routing, controlPlane, network, namespace },
  };
}
