/**
 * Knobs every workload takes (Loki/Mimir chart habits): global registry override and
 * pull secrets, image by digest, custom CA bundle, HTTP(S) proxy with a computed
 * NO_PROXY, extra env, node selectors, tolerations. Pure: config in, pod fragments out.
 */
import { z } from "zod";
import { KitConfigInvalid } from "../errors.ts";
import type { IContainer, IEnvVar, IToleration, IVolume, IVolumeMount } from "kubernetes-models/v1";

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** An image reference: by digest in every real stage; a tag only where explicitly allowed (never `latest`). */
export const ImageInput = z.strictObject({
  /** Registry host (and port), e.g. `registry.example.com:5000`. Replaced by `registryOverride` when set. */
  registry: z.string().min(1),
  /** Repository path inside the registry, e.g. `omnigraph/omnigraph`. */
  repository: z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, "a lower-case repository path such as omnigraph/omnigraph"),
  /** `sha256:<64 hex>`: what `npm run image` prints. */
  digest: z.string().regex(DIGEST, "`digest` must look like sha256:<64 hex digits>; take it from `npm run image`").optional(),
  /** Only for third-party images that are not mirrored by digest; `latest` is always refused. */
  tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/).refine((t) => t !== "latest", "the tag `latest` is refused: pin a version or, better, a digest").optional(),
}).refine((i) => i.digest !== undefined || i.tag !== undefined, "an image needs a `digest` (preferred) or a `tag`");
export type ImageInput = z.infer<typeof ImageInput>;

const Toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.int().optional(),
});

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

/** Workload knobs applied to every pod the kit plans. */
export const KnobsInput = z.strictObject({
  /** Replaces the registry of every image (omnigraph, MinIO, its client): the air-gapped mirror. */
  registryOverride: z.string().min(1).optional(),
  /** Names of existing `kubernetes.io/dockerconfigjson` Secrets for the private registry. */
  pullSecrets: z.array(z.string().min(1)).default([]),
  /** An existing ConfigMap holding extra trusted CAs (PEM); mounted and named by NODE_EXTRA_CA_CERTS. */
  caBundle: z.strictObject({ configMap: z.string().min(1), key: z.string().min(1).default("ca.crt") }).optional(),
  /** Outbound HTTP(S) proxy; NO_PROXY is computed (cluster suffixes, the object-store host) plus `noProxy`. */
  proxy: z.strictObject({ http: z.url().optional(), https: z.url().optional(), noProxy: z.array(z.string().min(1)).default([]) }).optional(),
  /** Extra environment for every omnigraph container (names must not collide with the kit's own). */
  extraEnv: z.record(EnvName, z.string()).default({}),
  nodeSelector: z.record(z.string(), z.string()).default({}),
  tolerations: z.array(Toleration).default([]),
});
export type KnobsInput = z.infer<typeof KnobsInput>;

/** `registry/repository@sha256:…` (or `:tag`), with the global registry override applied. */
export function imageReference(image: ImageInput, registryOverride?: string): string {
  const registry = (registryOverride ?? image.registry).replace(/\/+$/, "");
  return image.digest ? `${registry}/${image.repository}@${image.digest}` : `${registry}/${image.repository}:${image.tag}`;
}

/**
 * NO_PROXY for a pod: loopback, the cluster's service suffixes, the object-store hosts
 * (object storage is the request path; it must never detour through a proxy) and any
 * extra entries. Sorted and de-duplicated so renders are byte-stable.
 */
export function computeNoProxy(input: { clusterDomain: string; namespace: string; objectStoreHosts: string[]; extra?: string[] }): string[] {
  const suffixes = [
    "localhost", "127.0.0.1", "::1",
    ".svc", `.svc.${input.clusterDomain}`, `.${input.clusterDomain}`,
    `.${input.namespace}`, "kubernetes.default.svc",
  ];
  return [...new Set([...suffixes, ...input.objectStoreHosts.map((h) => h.toLowerCase()), ...(input.extra ?? [])])].sort();
}

/** Paths of the CA bundle when one is configured. */
export const CA_MOUNT_DIR = "/etc/omnigraph/ca";

export interface WorkloadKnobs {
  env: IEnvVar[];
  volumes: IVolume[];
  volumeMounts: IVolumeMount[];
  nodeSelector: Record<string, string> | undefined;
  tolerations: IToleration[] | undefined;
  imagePullSecrets: { name: string }[] | undefined;
}

/** The pod and container fragments the knobs contribute to one workload. */
export function workloadKnobs(knobs: KnobsInput, ctx: { clusterDomain: string; namespace: string; objectStoreHosts: string[] }): WorkloadKnobs {
  const env: IEnvVar[] = [];
  const volumes: IVolume[] = [];
  const volumeMounts: IVolumeMount[] = [];
  if (knobs.caBundle) {
    volumes.push({ name: "ca-bundle", configMap: { name: knobs.caBundle.configMap, items: [{ key: knobs.caBundle.key, path: "ca.crt" }] } });
    volumeMounts.push({ name: "ca-bundle", mountPath: CA_MOUNT_DIR, readOnly: true });
    env.push({ name: "NODE_EXTRA_CA_CERTS", value: `${CA_MOUNT_DIR}/ca.crt` });
    // Lance's Rust object_store reads the system trust store only; point it (and curl in the image) at the same bundle.
    env.push({ name: "SSL_CERT_FILE", value: `${CA_MOUNT_DIR}/ca.crt` });
  }
  if (knobs.proxy) {
    const noProxy = computeNoProxy({ ...ctx, extra: knobs.proxy.noProxy }).join(",");
    // Both spellings: Node tools read the upper case, Go/Rust clients often the lower.
    if (knobs.proxy.http) env.push({ name: "HTTP_PROXY", value: knobs.proxy.http }, { name: "http_proxy", value: knobs.proxy.http });
    if (knobs.proxy.https) env.push({ name: "HTTPS_PROXY", value: knobs.proxy.https }, { name: "https_proxy", value: knobs.proxy.https });
    env.push({ name: "NO_PROXY", value: noProxy }, { name: "no_proxy", value: noProxy });
  }
  for (const name of Object.keys(knobs.extraEnv).sort()) env.push({ name, value: knobs.extraEnv[name]! });
  const nodeSelector = Object.keys(knobs.nodeSelector).length ? sortRecord(knobs.nodeSelector) : undefined;
  return {
    env, volumes, volumeMounts, nodeSelector,
    tolerations: knobs.tolerations.length ? knobs.tolerations : undefined,
    imagePullSecrets: knobs.pullSecrets.length ? knobs.pullSecrets.map((name) => ({ name })) : undefined,
  };
}

/** Merges the kit's env with the knobs' env; a knob may not silently override a kit variable. */
export function mergeEnv(kitEnv: IEnvVar[], knobEnv: IEnvVar[]): IEnvVar[] {
  const kitNames = new Set(kitEnv.map((e) => e.name));
  const clash = knobEnv.filter((e) => kitNames.has(e.name)).map((e) => e.name);
  if (clash.length) {
    throw new KitConfigInvalid([`\`extraEnv\` may not set ${clash.join(", ")}: the kit sets them from the stack config; change that setting instead`]);
  }
  return [...kitEnv, ...knobEnv];
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The container fields every kit container shares: non-root, read-only root, no privilege escalation. */
export function hardenedSecurityContext(): NonNullable<IContainer["securityContext"]> {
  return {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
