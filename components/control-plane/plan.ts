/**
 * ControlPlane planner: the control plane (tenant directory, provisioning, usage
 * roll-up, signed config bundle) and the identity issuer, from the same image with
 * their own roles. Soft state only (P2): both rebuild from object storage / their key
 * Secret, and neither is ever on the data plane's request path. Absent in air-gapped.
 */
import { z } from "zod";
import type { IPodTemplateSpec, IVolume, IVolumeMount } from "kubernetes-models/v1";
import { stringify } from "yaml";
import { type LabelContext, LABEL_VERSION, type Manifest, meta, objectLabels, selectorLabels } from "../kubernetes/manifest.ts";
import { hardenedSecurityContext, type ImageInput, imageReference, type KnobsInput, mergeEnv, workloadKnobs } from "../knobs/plan.ts";
import type { Profile, Resources } from "../knobs/profiles.ts";
import type { ObjectStorePlan } from "../object-store/plan.ts";
import { HTTP_PORT, RUN_AS_USER, serviceAccountName, versionLabel } from "../data-plane/plan.ts";
import { CONFIG_FILE, MOUNTS } from "../data-plane/server-config.ts";

export const ControlPlaneInput = z.strictObject({
  /** Public issuer URL (the `iss` of the tokens it mints). */
  issuerUrl: z.url(),
  /** Existing Secret with the issuer's signing key (`signing-key.pem`); rotated by the operator. */
  signingKeySecret: z.string().min(1),
}).optional();
export type ControlPlaneInput = z.infer<typeof ControlPlaneInput>;

export interface ControlPlanePlan {
  manifests: Manifest[];
  services: { controlPlane: string; issuer: string };
  selectors: { controlPlane: Record<string, string>; issuer: Record<string, string> };
  /** In-cluster host names of the control plane (guard rules keep them off the request path). */
  hosts: string[];
}

export function planControlPlane(input: NonNullable<ControlPlaneInput>, ctx: {
  labels: LabelContext; clusterDomain: string; image: ImageInput; profile: Profile; knobs: KnobsInput; store: ObjectStorePlan;
  serviceAccountAnnotations: Record<string, string>;
}): ControlPlanePlan {
  const l = ctx.labels;
  const names = { controlPlane: `${l.instance}-control-plane`, issuer: `${l.instance}-issuer` };
  const selectors = { controlPlane: selectorLabels(l, "control-plane"), issuer: selectorLabels(l, "issuer") };
  const manifests: Manifest[] = [];
  const roles = [
    { role: "control-plane" as const, name: names.controlPlane, replicas: ctx.profile.controlPlane.replicas, resources: ctx.profile.controlPlane.resources, selector: selectors.controlPlane,
      config: { version: 1, role: "control-plane", bind: `0.0.0.0:${HTTP_PORT}`, store: ctx.store.storeUrl, issuer_url: input.issuerUrl, shutdown_grace_seconds: ctx.profile.shutdownGraceSeconds } },
    { role: "issuer" as const, name: names.issuer, replicas: ctx.profile.issuer.replicas, resources: ctx.profile.issuer.resources, selector: selectors.issuer,
      config: { version: 1, role: "issuer", bind: `0.0.0.0:${HTTP_PORT}`, issuer_url: input.issuerUrl, signing_key_file: "/etc/omnigraph/issuer/signing-key.pem", shutdown_grace_seconds: ctx.profile.shutdownGraceSeconds } },
  ];
  for (const r of roles) {
    const configMap = `${r.name}-config`;
    manifests.push({ apiVersion: "v1", kind: "ConfigMap", metadata: meta(l, configMap, r.role, r.role), data: { "config.yaml": stringify(r.config, { sortMapEntries: true, lineWidth: 0 }) } });
    manifests.push({
      apiVersion: "v1", kind: "ServiceAccount",
      metadata: meta(l, serviceAccountName(l, r.role), r.role, r.role, r.role === "control-plane" ? ctx.serviceAccountAnnotations : undefined),
      automountServiceAccountToken: false,
    });
    manifests.push({
      apiVersion: "apps/v1", kind: "Deployment", metadata: meta(l, r.name, r.role, r.role),
      spec: { replicas: r.replicas, revisionHistoryLimit: 5, selector: { matchLabels: r.selector }, template: template(ctx, r.role, r.resources, configMap, r.role === "issuer" ? input.signingKeySecret : undefined) },
    });
    manifests.push({ apiVersion: "v1", kind: "Service", metadata: meta(l, r.name, r.role, r.role), spec: { type: "ClusterIP", selector: r.selector, ports: [{ name: "http", port: HTTP_PORT, targetPort: "http" }] } });
    manifests.push({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(l, r.name, r.role, r.role), spec: { maxUnavailable: 1, selector: { matchLabels: r.selector } } });
  }
  const hosts = [names.controlPlane, names.issuer].flatMap((n) => [n, `${n}.${l.namespace}`, `${n}.${l.namespace}.svc`, `${n}.${l.namespace}.svc.${ctx.clusterDomain}`]);
  return { manifests, services: names, selectors, hosts };
}

function template(ctx: Parameters<typeof planControlPlane>[1], role: "control-plane" | "issuer", resources: Resources, configMap: string, signingKeySecret?: string): IPodTemplateSpec {
  const l = ctx.labels;
  const knobs = workloadKnobs(ctx.knobs, { clusterDomain: ctx.clusterDomain, namespace: l.namespace, objectStoreHosts: ctx.store.hosts });
  const volumes: IVolume[] = [{ name: "config", configMap: { name: configMap } }, { name: "tmp", emptyDir: { sizeLimit: "128Mi" } }, ...knobs.volumes];
  const mounts: IVolumeMount[] = [{ name: "config", mountPath: MOUNTS.config, readOnly: true }, { name: "tmp", mountPath: MOUNTS.tmp }, ...knobs.volumeMounts];
  if (signingKeySecret) {
    volumes.push({ name: "signing-key", secret: { secretName: signingKeySecret } });
    mounts.push({ name: "signing-key", mountPath: "/etc/omnigraph/issuer", readOnly: true });
  }
  const selector = selectorLabels(l, role);
  return {
    metadata: { labels: { ...objectLabels(l, role, role), [LABEL_VERSION]: versionLabel(ctx.image) }, annotations: { "omnigraph.dev/writable-paths": MOUNTS.tmp } },
    spec: {
      serviceAccountName: serviceAccountName(l, role),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: ctx.profile.terminationGracePeriodSeconds,
      securityContext: { runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, fsGroup: RUN_AS_USER, seccompProfile: { type: "RuntimeDefault" } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
      ...(knobs.imagePullSecrets ? { imagePullSecrets: knobs.imagePullSecrets } : {}),
      ...(knobs.nodeSelector ? { nodeSelector: knobs.nodeSelector } : {}),
      ...(knobs.tolerations ? { tolerations: knobs.tolerations } : {}),
      containers: [{
        name: "omnigraph",
        image: imageReference(ctx.image, ctx.knobs.registryOverride),
        imagePullPolicy: "IfNotPresent",
        args: ["serve", "--config", CONFIG_FILE, "--shutdown-grace-seconds", String(ctx.profile.shutdownGraceSeconds)],
        ports: [{ name: "http", containerPort: HTTP_PORT, protocol: "TCP" }],
        env: mergeEnv(role === "control-plane" ? [...ctx.store.roleEnv] : [], knobs.env),
        livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
        readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, failureThreshold: 2 },
        resources,
        securityContext: hardenedSecurityContext(),
        volumeMounts: mounts,
      }],
      volumes,
    },
  };
}
