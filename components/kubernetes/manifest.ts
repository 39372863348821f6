/**
 * Kubernetes objects as the planners describe them: plain JSON, typed with
 * kubernetes-models' interfaces, labelled the one way the kit labels things, and
 * validated offline (kubernetes-models' v1.27 OpenAPI schema, plus the checks that
 * schema does not make: names, label values, ports, and the two Gateway CRDs we use).
 */
import type { IConfigMap, INamespace, ISecret, IService, IServiceAccount } from "kubernetes-models/v1";
import type { IDeployment, IStatefulSet } from "kubernetes-models/apps/v1";
import type { IJob } from "kubernetes-models/batch/v1";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { z } from "zod";
import { ManifestInvalid } from "../errors.ts";

/** Gateway API HTTPRoute (gateway.networking.k8s.io/v1), the fields the kit writes. */
export interface HTTPRoute {
  apiVersion: "gateway.networking.k8s.io/v1";
  kind: "HTTPRoute";
  metadata: ObjectMeta;
  spec: {
    parentRefs: { name: string; namespace?: string; sectionName?: string }[];
    hostnames?: string[];
    rules: { matches: HTTPRouteMatch[]; backendRefs: { name: string; port: number; weight?: number }[] }[];
  };
}
export interface HTTPRouteMatch {
  path?: { type: "PathPrefix" | "Exact" | "RegularExpression"; value: string };
  method?: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
}
/** Envoy Gateway BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1), the fields the kit writes. */
export interface BackendTrafficPolicy {
  apiVersion: "gateway.envoyproxy.io/v1alpha1";
  kind: "BackendTrafficPolicy";
  metadata: ObjectMeta;
  spec: {
    targetRefs: { group: "gateway.networking.k8s.io"; kind: "HTTPRoute"; name: string; sectionName?: string }[];
    loadBalancer: { type: "ConsistentHash"; consistentHash: { type: "Header"; header: { name: string }; tableSize?: number } } | { type: "LeastRequest" | "RoundRobin" };
  };
}

/** Envoy Gateway EnvoyExtensionPolicy (gateway.envoyproxy.io/v1alpha1): the inline Lua the kit writes. */
export interface EnvoyExtensionPolicy {
  apiVersion: "gateway.envoyproxy.io/v1alpha1";
  kind: "EnvoyExtensionPolicy";
  metadata: ObjectMeta;
  spec: {
    targetRefs: { group: "gateway.networking.k8s.io"; kind: "HTTPRoute"; name: string }[];
    lua: { type: "Inline"; inline: string }[];
  };
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every kind of object the kit plans. */
export type Manifest =
  | INamespace | IConfigMap | ISecret | IService | IServiceAccount
  | IDeployment | IStatefulSet | IJob | IHorizontalPodAutoscaler | IPodDisruptionBudget | INetworkPolicy
  | HTTPRoute | BackendTrafficPolicy | EnvoyExtensionPolicy;
export type ManifestKind = Manifest["kind"];

/** `Kind/namespace/name`: how rules and errors name an object. */
export function manifestId(m: { kind: string; metadata?: { name?: string; namespace?: string } | undefined }): string {
  return `${m.kind}/${m.metadata?.namespace ?? "-"}/${m.metadata?.name ?? "?"}`;
}

// ---- labels -------------------------------------------------------------------------

export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_PART_OF = "app.kubernetes.io/part-of";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_VERSION = "app.kubernetes.io/version";
/** The data-plane role a workload runs (reader, writer, worker, control-plane, issuer) or `infra`. */
export const LABEL_ROLE = "omnigraph.dev/role";
export const LABEL_STAGE = "omnigraph.dev/stage";
export const ANNOTATION_POLICY_HASH = "omnigraph.dev/policy-bundle-hash";
export const ANNOTATION_CONFIG_HASH = "omnigraph.dev/config-hash";
export const ANNOTATION_WRITABLE_PATHS = "omnigraph.dev/writable-paths";
/** On the Namespace: vendor hosts that must never appear on a data-plane request path (guard rule input). */
export const ANNOTATION_CONTROL_PLANE_HOSTS = "omnigraph.dev/control-plane-hosts";
/** On a ConfigMap: the bucket it declares (MinIO bootstrap), as JSON facts for the guard rules. */
export const ANNOTATION_BUCKET = "omnigraph.dev/bucket";

export type Role = "reader" | "writer" | "worker" | "control-plane" | "issuer" | "infra";

export interface LabelContext {
  /** Instance name, e.g. `omnigraph`; prefixes every object name. */
  instance: string;
  namespace: string;
  stage: string;
}

/**
 * Selector labels: immutable in a Deployment/StatefulSet, so they carry identity only —
 * never a version, digest or stage that would make an upgrade impossible.
 */
export function selectorLabels(ctx: LabelContext, component: string): Record<string, string> {
  return { [LABEL_COMPONENT]: component, [LABEL_INSTANCE]: ctx.instance, [LABEL_NAME]: "omnigraph" };
}

/** Labels for an object: the selector labels plus descriptive ones (stage, role, version). */
export function objectLabels(ctx: LabelContext, component: string, role: Role, version?: string): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(ctx, component),
    [LABEL_MANAGED_BY]: "omnigraph-kit",
    [LABEL_PART_OF]: "omnigraph",
    [LABEL_ROLE]: role,
    [LABEL_STAGE]: ctx.stage,
  };
  if (version) labels[LABEL_VERSION] = version;
  return labels;
}

/** Metadata for a namespaced object. */
export function meta(ctx: LabelContext, name: string, component: string, role: Role, annotations?: Record<string, string>): ObjectMeta {
  const m: ObjectMeta = { name, namespace: ctx.namespace, labels: objectLabels(ctx, component, role) };
  if (annotations && Object.keys(annotations).length) m.annotations = annotations;
  return m;
}

// ---- validation ---------------------------------------------------------------------

type Validator = (m: Manifest) => void;
const MODELS: Record<string, Validator> = {
  "v1/Namespace": (m) => new Namespace(m as INamespace).validate(),
  "v1/ConfigMap": (m) => new ConfigMap(m as IConfigMap).validate(),
  "v1/Secret": (m) => new Secret(m as ISecret).validate(),
  "v1/Service": (m) => new Service(m as IService).validate(),
  "v1/ServiceAccount": (m) => new ServiceAccount(m as IServiceAccount).validate(),
  "apps/v1/Deployment": (m) => new Deployment(m as IDeployment).validate(),
  "apps/v1/StatefulSet": (m) => new StatefulSet(m as IStatefulSet).validate(),
  "batch/v1/Job": (m) => new Job(m as IJob).validate(),
  "autoscaling/v2/HorizontalPodAutoscaler": (m) => new HorizontalPodAutoscaler(m as IHorizontalPodAutoscaler).validate(),
  "policy/v1/PodDisruptionBudget": (m) => new PodDisruptionBudget(m as IPodDisruptionBudget).validate(),
  "networking.k8s.io/v1/NetworkPolicy": (m) => new NetworkPolicy(m as INetworkPolicy).validate(),
  "gateway.networking.k8s.io/v1/HTTPRoute": (m) => zodValidate(HTTPRouteSchema, m),
  "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy": (m) => zodValidate(BackendTrafficPolicySchema, m),
  "gateway.envoyproxy.io/v1alpha1/EnvoyExtensionPolicy": (m) => zodValidate(EnvoyExtensionPolicySchema, m),
};

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

const MetaSchema = z.looseObject({ name: z.string().regex(DNS1123_SUBDOMAIN), namespace: z.string().regex(DNS1123_LABEL).optional() });
const HTTPRouteSchema = z.strictObject({
  apiVersion: z.literal("gateway.networking.k8s.io/v1"),
  kind: z.literal("HTTPRoute"),
  metadata: MetaSchema,
  spec: z.strictObject({
    parentRefs: z.array(z.strictObject({ name: z.string().min(1), namespace: z.string().optional(), sectionName: z.string().optional() })).min(1),
    hostnames: z.array(z.string().min(1)).optional(),
    rules: z.array(z.strictObject({
      matches: z.array(z.strictObject({
        path: z.strictObject({ type: z.enum(["PathPrefix", "Exact", "RegularExpression"]), value: z.string().startsWith("/") }).optional(),
        method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]).optional(),
      })).max(8),
      backendRefs: z.array(z.strictObject({ name: z.string().min(1), port: z.int().min(1).max(65535), weight: z.int().min(0).optional() })).min(1),
    })).min(1).max(16),
  }),
});
const BackendTrafficPolicySchema = z.strictObject({
  apiVersion: z.literal("gateway.envoyproxy.io/v1alpha1"),
  kind: z.literal("BackendTrafficPolicy"),
  metadata: MetaSchema,
  spec: z.strictObject({
    targetRefs: z.array(z.strictObject({ group: z.literal("gateway.networking.k8s.io"), kind: z.literal("HTTPRoute"), name: z.string().min(1), sectionName: z.string().optional() })).min(1),
    loadBalancer: z.union([
      z.strictObject({ type: z.literal("ConsistentHash"), consistentHash: z.strictObject({ type: z.literal("Header"), header: z.strictObject({ name: z.string().min(1) }), tableSize: z.int().optional() }) }),
      z.strictObject({ type: z.enum(["LeastRequest", "RoundRobin"]) }),
    ]),
  }),
});

const EnvoyExtensionPolicySchema = z.strictObject({
  apiVersion: z.literal("gateway.envoyproxy.io/v1alpha1"),
  kind: z.literal("EnvoyExtensionPolicy"),
  metadata: MetaSchema,
  spec: z.strictObject({
    targetRefs: z.array(z.strictObject({ group: z.literal("gateway.networking.k8s.io"), kind: z.literal("HTTPRoute"), name: z.string().min(1) })).min(1),
    lua: z.array(z.strictObject({ type: z.literal("Inline"), inline: z.string().includes("envoy_on_request") })).min(1),
  }),
});

function zodValidate(schema: z.ZodType, m: unknown): void {
  const r = schema.safeParse(m);
  if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
}

/** Problems the OpenAPI schema does not catch: names, label values, port ranges, duplicate ids. */
function extraChecks(m: Manifest, problems: string[]): void {
  const id = manifestId(m);
  const name = m.metadata?.name ?? "";
  const needsLabelName = m.kind === "Service" || m.kind === "StatefulSet" || m.kind === "Namespace";
  if (!(needsLabelName ? DNS1123_LABEL : DNS1123_SUBDOMAIN).test(name)) problems.push(`${id}: name '${name}' is not a valid DNS-1123 ${needsLabelName ? "label" : "subdomain"}`);
  for (const [k, v] of Object.entries(m.metadata?.labels ?? {})) {
    if (!LABEL_VALUE.test(v)) problems.push(`${id}: label ${k}='${v}' is not a valid label value`);
  }
  const ports: number[] = [];
  JSON.stringify(m, (key, value: unknown) => {
    if ((key === "containerPort" || key === "port" || key === "targetPort") && typeof value === "number") ports.push(value);
    return value;
  });
  for (const p of ports) if (!Number.isInteger(p) || p < 1 || p > 65535) problems.push(`${id}: port ${p} is out of range 1-65535`);
}

/**
 * Validates every object offline. Returns the problems (empty when all are valid);
 * {@link assertValidManifests} throws them as one `ERR_MANIFEST_INVALID`.
 */
export function validateManifests(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of manifests) {
    const id = manifestId(m);
    if (seen.has(id)) problems.push(`${id}: planned twice`);
    seen.add(id);
    const validate = MODELS[`${m.apiVersion}/${m.kind}`];
    if (!validate) {
      problems.push(`${id}: ${m.apiVersion} ${m.kind} is not a kind the kit knows how to validate`);
      continue;
    }
    try {
      validate(m);
    } catch (e) {
      problems.push(`${id}: ${(e as Error).message}`);
    }
    extraChecks(m, problems);
  }
  return problems;
}

/** Throws `ERR_MANIFEST_INVALID` listing every problem. */
export function assertValidManifests(manifests: readonly Manifest[]): void {
  const problems = validateManifests(manifests);
  if (problems.length) throw new ManifestInvalid(problems);
}
