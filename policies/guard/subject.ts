/**
 * What the guard rules look at, built the same way from either source: Pulumi resources
 * (CrossGuard's `args.resources`) or a rendered directory (`render --check`). Kubernetes
 * objects are taken as they are; bucket facts are derived from the bucket resources
 * (or the MinIO bootstrap Job's env), never from a separate declaration.
 */
import type { BucketFacts } from "../../components/object-store/cloud.ts";

/** A Kubernetes object as found (untrusted shape: rules read it defensively). */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export interface GuardSubject {
  objects: K8sObject[];
  buckets: BucketFacts[];
  /** How findings name an object in this source (a URN for Pulumi, a file for render). */
  locate?: (o: K8sObject) => string | undefined;
}

/** `{type, props}` as CrossGuard passes resources, and as render's cloud.yaml lists them. */
export interface TypedResource {
  type: string;
  props: Record<string, unknown>;
  urn?: string;
}

const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Bucket facts from cloud resources (S3 resources grouped by bucket name; GCS buckets) and MinIO bootstrap Jobs. */
export function bucketFacts(resources: TypedResource[], objects: K8sObject[]): BucketFacts[] {
  const s3 = new Map<string, BucketFacts & { accessBlocked: boolean }>();
  const bucketOf = (r: TypedResource) => str(r.props.bucket) ?? "?";
  const entry = (name: string) => {
    let b = s3.get(name);
    if (!b) {
      b = { name, provider: "s3", public: false, encrypted: false, versioned: false, allowedPrincipals: [], accessBlocked: false };
      s3.set(name, b);
    }
    return b;
  };
  const out: BucketFacts[] = [];
  const gcsPublicMembers = new Set<string>();
  for (const r of resources) {
    const t = r.type;
    if (t === "aws:s3/bucket:Bucket" || t === "aws:s3/bucketV2:BucketV2") entry(str(r.props.bucket) ?? "?");
    else if (t.startsWith("aws:s3/bucketVersioning")) {
      if (get(r.props, "versioningConfiguration", "status") === "Enabled") entry(bucketOf(r)).versioned = true;
    } else if (t.startsWith("aws:s3/bucketServerSideEncryptionConfiguration")) {
      const rules = Array.isArray(r.props.rules) ? r.props.rules : [];
      if (rules.some((x) => ["aws:kms", "AES256", "aws:kms:dsse"].includes(String(get(x, "applyServerSideEncryptionByDefault", "sseAlgorithm"))))) entry(bucketOf(r)).encrypted = true;
    } else if (t === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
      const p = r.props;
      entry(bucketOf(r)).accessBlocked = p.blockPublicAcls === true && p.blockPublicPolicy === true && p.ignorePublicAcls === true && p.restrictPublicBuckets === true;
    } else if (t === "aws:s3/bucketPolicy:BucketPolicy") {
      const b = entry(bucketOf(r));
      let doc: unknown = r.props.policy;
      if (typeof doc === "string") {
        try {
          doc = JSON.parse(doc);
        } catch {
          doc = undefined;
        }
      }
      const statements = get(doc, "Statement");
      for (const s of Array.isArray(statements) ? statements : []) {
        if (get(s, "Effect") !== "Allow") continue;
        const p = get(s, "Principal");
        const principals = p === "*" ? ["*"] : [get(p, "AWS"), get(p, "Federated"), get(p, "Service")].flat().filter((x): x is string => typeof x === "string");
        b.allowedPrincipals.push(...principals);
        if (principals.includes("*")) b.public = true;
      }
    } else if (t === "gcp:storage/bucket:Bucket") {
      out.push({
        name: str(r.props.name) ?? "?", provider: "gcs",
        public: !(r.props.publicAccessPrevention === "enforced" && r.props.uniformBucketLevelAccess === true),
        // GCS always encrypts at rest (Google-managed keys unless CMEK).
        encrypted: true,
        versioned: get(r.props, "versioning", "enabled") === true,
        allowedPrincipals: [],
      });
    } else if (t.startsWith("gcp:storage/bucketIAM")) {
      const members = [r.props.member, ...(Array.isArray(r.props.members) ? r.props.members : [])];
      if (members.some((m) => m === "allUsers" || m === "allAuthenticatedUsers")) gcsPublicMembers.add(str(r.props.bucket) ?? "?");
    }
  }
  for (const b of out) if (gcsPublicMembers.has(b.name)) b.public = true;
  for (const b of s3.values()) {
    const { accessBlocked, ...facts } = b;
    out.push({ ...facts, public: facts.public || !accessBlocked });
  }
  // MinIO: what the bootstrap Job does to the bucket is what it declares in its env.
  for (const o of objects) {
    if (o.kind !== "Job") continue;
    for (const c of containersOf(o)) {
      const env = envMap(c);
      if (!env.BUCKET) continue;
      out.push({
        name: env.BUCKET, provider: "minio",
        public: env.BUCKET_ANONYMOUS !== "none",
        encrypted: env.BUCKET_ENCRYPTION === "sse-s3" || env.BUCKET_ENCRYPTION === "sse-kms",
        versioned: env.BUCKET_VERSIONING === "on",
        allowedPrincipals: [],
      });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The subject of a Pulumi stack: CrossGuard's resources. */
export function subjectFromResources(resources: TypedResource[]): GuardSubject {
  const objects: K8sObject[] = [];
  const urns = new Map<K8sObject, string>();
  for (const r of resources) {
    if (!r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:yaml") || r.type.startsWith("kubernetes:helm")) continue;
    const o = r.props as K8sObject;
    if (!o.kind) continue;
    objects.push(o);
    if (r.urn) urns.set(o, r.urn);
  }
  return { objects, buckets: bucketFacts(resources, objects), locate: (o) => urns.get(o) };
}

export function containersOf(o: K8sObject): Record<string, unknown>[] {
  const spec = podSpecOf(o);
  const cs = get(spec, "containers");
  return Array.isArray(cs) ? (cs as Record<string, unknown>[]) : [];
}

export function podSpecOf(o: K8sObject): Record<string, unknown> | undefined {
  const s = get(o, "spec", "template", "spec") ?? get(o, "spec", "jobTemplate", "spec", "template", "spec");
  return s && typeof s === "object" ? (s as Record<string, unknown>) : undefined;
}

export function podLabelsOf(o: K8sObject): Record<string, string> {
  const l = get(o, "spec", "template", "metadata", "labels");
  return l && typeof l === "object" ? (l as Record<string, string>) : {};
}

/** Literal env values of a container (valueFrom entries map to ""). */
export function envMap(c: Record<string, unknown>): Record<string, string> {
  const env = Array.isArray(c.env) ? c.env : [];
  return Object.fromEntries(env.map((e) => [String(get(e, "name")), str(get(e, "value")) ?? ""]));
}

export { get as getPath };
