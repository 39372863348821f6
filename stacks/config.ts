/**
 * The typed stack config: one schema for `pulumi up -s <stage>` (Pulumi.<stage>.yaml,
 * keys `omnigraph-cloud:<key>`) and `omnigraph render --config <file>`. Stage rules are
 * checked here, once, with errors that say the fix.
 */
import { z } from "zod";
import { KitConfigInvalid } from "../components/errors.ts";
import { ImageInput, KnobsInput } from "../components/knobs/plan.ts";
import { PROFILE_NAMES } from "../components/knobs/profiles.ts";
import { StorageInput } from "../components/object-store/plan.ts";
import { CloudIdentityInput, TenancyInput } from "../components/tenant-store/plan.ts";
import { AuthInput } from "../components/data-plane/server-config.ts";
import { RoutingInput } from "../components/routing/plan.ts";
import { ControlPlaneInput } from "../components/control-plane/plan.ts";
import { NetworkInput } from "../components/network/plan.ts";

export const PROJECT = "omnigraph-cloud";
export const STAGES = ["managed", "elastic", "byoc", "airgapped"] as const;
export type Stage = (typeof STAGES)[number];

const Name = z.string().regex(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/, "a lower-case DNS label of at most 32 characters");

const Cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/);

export const StackConfigSchema = z.strictObject({
  /** Which composition the entry program builds. */
  stage: z.enum(STAGES),
  /** Prefix of every object name. */
  instance: Name.default("omnigraph"),
  namespace: Name.default("omnigraph"),
  /** false: the namespace exists (created by the platform team with its own labels). */
  createNamespace: z.boolean().default(true),
  clusterDomain: z.string().regex(/^[a-z0-9.-]+$/).default("cluster.local"),
  profile: z.enum(PROFILE_NAMES).default("small"),
  /** The data-plane image, by digest (`npm run image` prints it). */
  image: ImageInput,
  /** One storage block, fanned out to every role. */
  storage: StorageInput,
  /** How pods get cloud credentials: IRSA (aws), workload identity (gcp), none (MinIO). */
  identity: CloudIdentityInput,
  tenancy: TenancyInput,
  auth: AuthInput,
  /** Writer replicas: exactly 1 in managed; 2+ in elastic. */
  writers: z.int().optional(),
  /** Worker replicas (elastic shape only); default: the profile's. */
  workers: z.int().min(1).optional(),
  readers: z.strictObject({ minReplicas: z.int().min(1).optional(), maxReplicas: z.int().min(1).optional() }).optional(),
  /** byoc/airgapped: which data-plane shape runs in the customer's cluster. */
  shape: z.enum(["single-writer", "elastic"]).optional(),
  /** elastic shape: the gateway the write/read routes attach to. */
  routing: RoutingInput.optional(),
  /** managed/elastic (and a BYOC vendor-side stack): the control plane and issuer. */
  controlPlane: ControlPlaneInput,
  /** byoc: this stack runs on the vendor's side and deploys only the control plane. */
  vendorSide: z.boolean().default(false),
  /** byoc: the vendor's endpoints. Only the issuer URL reaches the data plane, as an identifier. */
  vendor: z.strictObject({
    issuerUrl: z.url(),
    controlPlaneUrl: z.url(),
    /**
     * Where the optional signed config-bundle sync pulls from (NetworkPolicy needs addresses).
     * The server has no `auth.control_plane` key yet, so only the egress allow is planned.
     */
    bundleSyncCidrs: z.array(Cidr).min(1).optional(),
  }).optional(),
  knobs: KnobsInput.prefault({}),
  network: NetworkInput,
  policy: z.strictObject({ bundleDir: z.string().min(1).default("policies/deploy-default") }).prefault({}),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
}).superRefine((c, ctx) => {
  const bad = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (!c.image.digest) bad(["image", "digest"], `\`image.digest\` is required in stage ${c.stage}; pin the image by digest (\`npm run image\` prints it), never by tag`);
  const elasticShape = c.stage === "elastic" || (c.stage !== "managed" && c.shape === "elastic");
  if (c.stage === "managed" || c.stage === "elastic") {
    if (c.shape) bad(["shape"], `\`shape\` is for stages byoc and airgapped; stage ${c.stage} fixes it`);
    if (c.storage.provider !== "s3") bad(["storage", "provider"], `stage ${c.stage} runs on AWS: \`storage.provider\` must be s3 (use stage byoc for GCS, airgapped for MinIO)`);
    if (!c.controlPlane) bad(["controlPlane"], `stage ${c.stage} needs \`controlPlane\` (issuerUrl, signingKeySecret): it runs the tenant directory and the issuer`);
    if (c.vendor) bad(["vendor"], `\`vendor\` is for stage byoc; in stage ${c.stage} the vendor is you`);
  }
  if (!elasticShape) {
    if (c.writers !== undefined && c.writers !== 1) {
      bad(["writers"], c.stage === "managed"
        ? "`writers` must be 1 in stage managed; use stage elastic for more"
        : `\`writers\` must be 1 with the single-writer shape; set \`shape: elastic\` for more`);
    }
    if (c.workers !== undefined) bad(["workers"], `\`workers\` run only in the elastic shape (the single writer recovers graphs on open); remove \`workers\`${c.stage === "managed" ? " or use stage elastic" : " or set `shape: elastic`"}`);
    if (c.routing) bad(["routing"], "`routing` (consistent-hash writes) is for the elastic shape; with one writer there is nothing to route");
  } else {
    if (c.writers === undefined || c.writers < 2) bad(["writers"], `\`writers\` must be at least 2 in the elastic shape (got ${c.writers ?? "none"}); use stage managed (or \`shape: single-writer\`) for one writer`);
    if (!c.routing) bad(["routing"], "the elastic shape needs `routing` (gateway, hostnames, publicUrl) so each graph's writes reach one writer");
  }
  if (c.stage === "byoc") {
    if (c.storage.provider === "minio") bad(["storage", "provider"], "stage byoc uses the customer's cloud bucket: `storage.provider` s3 or gcs (use stage airgapped for MinIO)");
    if (!c.vendor) bad(["vendor"], "stage byoc needs `vendor.issuerUrl` and `vendor.controlPlaneUrl` (the vendor's endpoints; the data plane never calls them on a request)");
    if (c.controlPlane && !c.vendorSide) bad(["controlPlane"], "in stage byoc the control plane stays with the vendor: remove `controlPlane`, or set `vendorSide: true` for the vendor's own stack");
    if (c.vendorSide && !c.controlPlane) bad(["controlPlane"], "`vendorSide: true` deploys the vendor's control plane: set `controlPlane`");
    if (c.tenancy.layout === "bucket-per-tenant") bad(["tenancy", "layout"], "stage byoc serves one customer from their bucket: use tenancy layout single or prefix-per-tenant");
    if (c.auth.mode !== "static" && c.vendor && c.auth.oidc && c.auth.oidc.issuer !== c.vendor.issuerUrl && !c.auth.oidc.jwks) {
      bad(["auth", "oidc", "issuer"], "in stage byoc tokens come from the vendor issuer: set `auth.oidc.issuer` to `vendor.issuerUrl`, or pre-seed `auth.oidc.jwks` for your own IdP");
    }
  }
  if (c.stage === "airgapped") {
    if (c.storage.provider !== "minio") bad(["storage", "provider"], "stage airgapped keeps data in the cluster: `storage.provider` must be minio");
    if (c.controlPlane) bad(["controlPlane"], "stage airgapped has no control plane; remove `controlPlane` (config is static files)");
    if (c.vendor) bad(["vendor"], "stage airgapped talks to no vendor; remove `vendor`");
    if (!c.knobs.registryOverride) bad(["knobs", "registryOverride"], "stage airgapped pulls every image from your mirror: set `knobs.registryOverride` (see docs/deploy/airgapped.md, Mirror the image)");
    if (c.auth.mode !== "static" && c.auth.oidc && !c.auth.oidc.jwks) bad(["auth", "oidc", "jwks"], "in stage airgapped OIDC validates offline only: pre-seed the IdP's public keys in `auth.oidc.jwks`");
    if (c.auth.oidc?.jwksUri) bad(["auth", "oidc", "jwksUri"], "stage airgapped fetches nothing: remove `auth.oidc.jwksUri` and pre-seed `auth.oidc.jwks`");
  }
});
export type StackConfig = z.infer<typeof StackConfigSchema>;

/**
 * Validates a raw config map (keys with or without the `omnigraph-cloud:` prefix).
 * Throws `ERR_KIT_CONFIG_INVALID` with one sentence per problem.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const unprefixed: Record<string, unknown> = {};
  const problems: string[] = [];
  const paths: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const [ns, key] = k.includes(":") ? (k.split(":", 2) as [string, string]) : [PROJECT, k];
    if (ns === PROJECT) unprefixed[key] = v;
    else if (!["aws", "gcp", "kubernetes"].includes(ns)) {
      problems.push(`config key '${k}' belongs to no provider this project uses; did you mean '${PROJECT}:${key}'?`);
      paths.push(k);
    }
  }
  const r = StackConfigSchema.safeParse(unprefixed);
  if (!r.success) {
    for (const i of r.error.issues) {
      const path = i.path.join(".");
      if (i.code === "unrecognized_keys") {
        for (const k of i.keys) {
          const full = path ? `${path}.${k}` : k;
          problems.push(`unknown config key \`${full}\`; remove it or check its spelling (keys are camelCase)`);
          paths.push(full);
        }
        continue;
      }
      problems.push(i.code === "custom" || path === "" ? i.message : `\`${path}\`: ${i.message}`);
      paths.push(path);
    }
  }
  if (problems.length) throw new KitConfigInvalid(problems, paths);
  return r.data!;
}

/** Reads Pulumi's config map (values are JSON for objects) into a raw map for {@link parseStackConfig}. */
export function fromPulumiConfig(all: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) {
    try {
      out[k] = JSON.parse(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}
