/**
 * DataPlane planner: the omnigraph roles as Kubernetes workloads. Readers (Deployment +
 * HPA + PDB + topology spread), writers (a StatefulSet: exactly one in stage managed, N
 * with stable names in elastic), workers (elastic), their Services, ServiceAccounts
 * (workload identity), and one ConfigMap per role holding the server config.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { IContainer, IEnvVar, IPodSpec, IPodTemplateSpec, IVolume, IVolumeMount } from "kubernetes-models/v1";
import { KitConfigInvalid } from "../errors.ts";
import {
  ANNOTATION_CONFIG_HASH, ANNOTATION_POLICY_HASH, ANNOTATION_WRITABLE_PATHS, LABEL_VERSION,
  type LabelContext, type Manifest, meta, objectLabels, type Role, selectorLabels,
} from "../kubernetes/manifest.ts";
import { hardenedSecurityContext, type ImageInput, imageReference, type KnobsInput, mergeEnv, workloadKnobs } from "../knobs/plan.ts";
import type { Profile, Resources } from "../knobs/profiles.ts";
import type { ObjectStorePlan } from "../object-store/plan.ts";
import type { PolicyBundlePlan } from "../policy-bundle/plan.ts";
import type { TenantStorePlan } from "../tenant-store/plan.ts";
import { type AuthInput, CONFIG_FILE, MOUNTS, type RenderedServerConfig, renderServerConfig, type ServerRole } from "./server-config.ts";

export const HTTP_PORT = 8080;
/** UID/GID the image's `omnigraph` user has; pods pin it so runAsNonRoot can be verified. */
export const RUN_AS_USER = 10001;

export interface DataPlaneInput {
  labels: LabelContext;
  clusterDomain: string;
  image: ImageInput;
  profile: Profile;
  knobs: KnobsInput;
  store: ObjectStorePlan;
  tenancy: TenantStorePlan;
  policy: PolicyBundlePlan;
  auth: AuthInput;
  /** Writer replicas (StatefulSet, stable names). */
  writers: number;
  /** Worker replicas; 0 = no worker tier (stage 1 shape: recovery runs on the writer's open). */
  workers: number;
  /** Reader HPA bounds (default: the profile's). */
  readers?: { minReplicas?: number | undefined; maxReplicas?: number | undefined } | undefined;
  /** URL readers name in their 409 for writes: the writer Service, or the write route in elastic. */
  writerUrl?: string | undefined;
  logLevel: RenderedServerConfig["log"]["level"];
}

export interface DataPlanePlan {
  manifests: Manifest[];
  /** The rendered server config per role (what each ConfigMap holds). */
  serverConfigs: Partial<Record<ServerRole, RenderedServerConfig>>;
  /** Service names, for Routing and Network. */
  services: { reader: string; writer: string; writerHeadless: string };
  selectors: Record<"reader" | "writer" | "worker", Record<string, string>>;
  serviceAccounts: Record<"reader" | "writer" | "worker", string>;
}

/** ServiceAccount name of a role (TenantStore's IRSA trust names the same account). */
export function serviceAccountName(l: LabelContext, role: string): string {
  return `${l.instance}-${role}`;
}

export function planDataPlane(input: DataPlaneInput): DataPlanePlan {
  const l = input.labels;
  const p = input.profile;
  if (!Number.isInteger(input.writers) || input.writers < 1) throw new KitConfigInvalid([`\`writers\` must be at least 1 (got ${input.writers})`]);
  if (p.shutdownGraceSeconds >= p.terminationGracePeriodSeconds) {
    throw new KitConfigInvalid([`shutdown grace (${p.shutdownGraceSeconds}s) must be shorter than terminationGracePeriodSeconds (${p.terminationGracePeriodSeconds}s) or the kubelet kills pods mid-drain`]);
  }
  const names = { reader: `${l.instance}-reader`, writer: `${l.instance}-writer`, worker: `${l.instance}-worker`, writerHeadless: `${l.instance}-writer-hl` };
  const selectors = { reader: selectorLabels(l, "reader"), writer: selectorLabels(l, "writer"), worker: selectorLabels(l, "worker") };
  const sas = { reader: serviceAccountName(l, "reader"), writer: serviceAccountName(l, "writer"), worker: serviceAccountName(l, "worker") };
  const writerUrl = input.writerUrl ?? `http://${names.writer}.${l.namespace}.svc.${input.clusterDomain}:${HTTP_PORT}`;
  const manifests: Manifest[] = [];
  const serverConfigs: DataPlanePlan["serverConfigs"] = {};
  const readerBounds = {
    min: input.readers?.minReplicas ?? p.reader.minReplicas,
    max: input.readers?.maxReplicas ?? p.reader.maxReplicas,
  };
  if (readerBounds.min > readerBounds.max) throw new KitConfigInvalid([`\`readers.minReplicas\` (${readerBounds.min}) must not exceed \`readers.maxReplicas\` (${readerBounds.max})`]);

  const roles: { role: "reader" | "writer" | "worker"; resources: Resources }[] = [
    { role: "reader", resources: p.reader.resources },
    { role: "writer", resources: p.writer.resources },
  ];
  if (input.workers > 0) roles.push({ role: "worker", resources: p.worker.resources });

  for (const { role, resources } of roles) {
    const cfg = renderServerConfig({
      role,
      store: input.store.storeUrl,
      tenancy: input.tenancy.serverTenancy,
      writerUrl: role === "reader" ? writerUrl : null,
      shutdownGraceSeconds: p.shutdownGraceSeconds,
      logLevel: input.logLevel,
      auth: input.auth,
    });
    serverConfigs[role] = cfg;
    const configYaml = stringify(cfg, { sortMapEntries: true, lineWidth: 0 });
    const configMapName = `${l.instance}-${role}-config`;
    manifests.push({ apiVersion: "v1", kind: "ConfigMap", metadata: meta(l, configMapName, role, role), data: { "config.yaml": configYaml } });
    manifests.push({
      apiVersion: "v1", kind: "ServiceAccount",
      metadata: meta(l, sas[role], role, role, input.tenancy.serviceAccountAnnotations[role]),
      automountServiceAccountToken: false,
    });
    const template = podTemplate(input, role, resources, configMapName, hash(configYaml));
    if (role === "reader") {
      manifests.push({
        apiVersion: "apps/v1", kind: "Deployment", metadata: meta(l, names.reader, role, role),
        spec: {
          replicas: readerBounds.min, revisionHistoryLimit: 5,
          selector: { matchLabels: selectors.reader },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
          template,
        },
      });
      manifests.push({
        apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: meta(l, names.reader, role, role),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: names.reader },
          minReplicas: readerBounds.min, maxReplicas: readerBounds.max,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: p.reader.targetCpuPercent } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      });
      manifests.push(service(l, names.reader, role, selectors.reader));
    } else if (role === "writer") {
      manifests.push({
        apiVersion: "apps/v1", kind: "StatefulSet", metadata: meta(l, names.writer, role, role),
        spec: {
          replicas: input.writers, serviceName: names.writerHeadless,
          // Parallel: a writer holds no local state; stable names are for routing, not ordering.
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate" },
          selector: { matchLabels: selectors.writer },
          template,
        },
      });
      manifests.push(service(l, names.writer, role, selectors.writer));
      manifests.push({
        apiVersion: "v1", kind: "Service", metadata: meta(l, names.writerHeadless, role, role),
        spec: { clusterIP: "None", publishNotReadyAddresses: false, selector: selectors.writer, ports: [{ name: "http", port: HTTP_PORT, targetPort: "http" }] },
      });
    } else {
      manifests.push({
        apiVersion: "apps/v1", kind: "Deployment", metadata: meta(l, names.worker, role, role),
        spec: { replicas: input.workers, revisionHistoryLimit: 5, selector: { matchLabels: selectors.worker }, template },
      });
    }
    manifests.push({
      apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(l, `${l.instance}-${role}`, role, role),
      // maxUnavailable 1 even for one writer: a drain may pause writes briefly (the RFC's accepted stage-1 limitation), never block.
      spec: { maxUnavailable: 1, selector: { matchLabels: selectors[role] } },
    });
  }
  return { manifests, serverConfigs, services: { reader: names.reader, writer: names.writer, writerHeadless: names.writerHeadless }, selectors, serviceAccounts: sas };
}

function service(l: LabelContext, name: string, role: Role, selector: Record<string, string>): Manifest {
  return { apiVersion: "v1", kind: "Service", metadata: meta(l, name, role, role), spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: HTTP_PORT, targetPort: "http" }] } };
}

function hash(s: string): string {
  return `sha256:${createHash("sha256").update(s).digest("hex")}`;
}

/** The short version label: the digest's first 12 hex (or the tag); never in a selector. */
export function versionLabel(image: ImageInput): string {
  return image.digest ? image.digest.slice("sha256:".length, "sha256:".length + 12) : image.tag!;
}

function podTemplate(input: DataPlaneInput, role: "reader" | "writer" | "worker", resources: Resources, configMapName: string, configHash: string): IPodTemplateSpec {
  const l = input.labels;
  const p = input.profile;
  const knobs = workloadKnobs(input.knobs, { clusterDomain: input.clusterDomain, namespace: l.namespace, objectStoreHosts: input.store.hosts });
  const volumes: IVolume[] = [
    { name: "config", configMap: { name: configMapName } },
    { name: "policy", configMap: { name: input.policy.configMapName } },
    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
    { name: "data", emptyDir: { sizeLimit: p.scratchSizeLimit } },
  ];
  const mounts: IVolumeMount[] = [
    { name: "config", mountPath: MOUNTS.config, readOnly: true },
    { name: "policy", mountPath: MOUNTS.policy, readOnly: true },
    { name: "tmp", mountPath: MOUNTS.tmp },
    { name: "data", mountPath: MOUNTS.data },
  ];
  if (input.auth.mode !== "oidc") {
    volumes.push({ name: "tokens", secret: { secretName: input.auth.tokensSecret!, items: [{ key: "tokens.json", path: "tokens.json" }] } });
    mounts.push({ name: "tokens", mountPath: MOUNTS.tokens, readOnly: true });
  }
  if (input.policy.jwksConfigMapName) {
    volumes.push({ name: "jwks", configMap: { name: input.policy.jwksConfigMapName } });
    mounts.push({ name: "jwks", mountPath: MOUNTS.jwks, readOnly: true });
  }
  volumes.push(...knobs.volumes);
  mounts.push(...knobs.volumeMounts);

  const kitEnv: IEnvVar[] = [...input.store.roleEnv];
  const env = mergeEnv(kitEnv, knobs.env);
  const container: IContainer = {
    name: "omnigraph",
    image: imageReference(input.image, input.knobs.registryOverride),
    imagePullPolicy: "IfNotPresent",
    args: ["serve", "--config", CONFIG_FILE, "--shutdown-grace-seconds", String(p.shutdownGraceSeconds)],
    ports: [{ name: "http", containerPort: HTTP_PORT, protocol: "TCP" }],
    env,
    startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 60 },
    livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    resources,
    securityContext: hardenedSecurityContext(),
    volumeMounts: mounts,
  };
  const annotations: Record<string, string> = {
    [ANNOTATION_CONFIG_HASH]: configHash,
    [ANNOTATION_POLICY_HASH]: input.policy.hash,
    [ANNOTATION_WRITABLE_PATHS]: `${MOUNTS.tmp},${MOUNTS.data}`,
  };
  if (input.policy.jwksHash) annotations["omnigraph.dev/jwks-hash"] = input.policy.jwksHash;
  const selector = selectorLabels(l, role);
  const spec: IPodSpec = {
    serviceAccountName: serviceAccountName(l, role),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: p.terminationGracePeriodSeconds,
    securityContext: { runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, fsGroup: RUN_AS_USER, seccompProfile: { type: "RuntimeDefault" } },
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
    ],
    containers: [container],
    volumes,
  };
  if (knobs.imagePullSecrets) spec.imagePullSecrets = knobs.imagePullSecrets;
  if (knobs.nodeSelector) spec.nodeSelector = knobs.nodeSelector;
  if (knobs.tolerations) spec.tolerations = knobs.tolerations;
  return { metadata: { labels: { ...objectLabels(l, role, role), [LABEL_VERSION]: versionLabel(input.image) }, annotations }, spec };
}
