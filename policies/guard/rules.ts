/**
 * The deploy guard rules: ONE implementation, run two ways — by the CrossGuard policy
 * pack (`policies/guard/index.ts`, over a Pulumi stack's resources) and by
 * `omnigraph render --check` (over a rendered directory). Each rule enforces an RFC
 * invariant or an operator expectation and says how to fix what it finds.
 */
import { parse } from "yaml";
import { ANNOTATION_CONTROL_PLANE_HOSTS, LABEL_ROLE, LABEL_STAGE } from "../../components/kubernetes/manifest.ts";
import { containersOf, envMap, getPath, type GuardSubject, type K8sObject, podLabelsOf, podSpecOf } from "./subject.ts";

export interface Finding {
  rule: string;
  /** `Kind/namespace/name`, or `bucket/<name>`. */
  object: string;
  message: string;
}

export interface GuardRule {
  id: string;
  description: string;
  check(subject: GuardSubject): Finding[];
}

const DATA_PLANE_ROLES = new Set(["reader", "writer", "worker"]);
const OMNIGRAPH_ROLES = new Set(["reader", "writer", "worker", "control-plane", "issuer"]);
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet"]);
const POD_KINDS = new Set(["Deployment", "StatefulSet", "Job", "CronJob", "DaemonSet", "ReplicaSet"]);

const idOf = (o: K8sObject) => `${o.kind ?? "?"}/${o.metadata?.namespace ?? "-"}/${o.metadata?.name ?? "?"}`;
const workloads = (s: GuardSubject) => s.objects.filter((o) => WORKLOAD_KINDS.has(o.kind ?? ""));
const roleOf = (o: K8sObject) => podLabelsOf(o)[LABEL_ROLE] ?? o.metadata?.labels?.[LABEL_ROLE];

/** The stage the objects were planned for (their `omnigraph.dev/stage` labels). */
export function stageOf(s: GuardSubject): string | undefined {
  const stages = new Set(s.objects.map((o) => o.metadata?.labels?.[LABEL_STAGE]).filter((x): x is string => !!x));
  return stages.size === 1 ? [...stages][0] : undefined;
}

/** The server config a workload's omnigraph container reads: `--config <path>` → its mount → the ConfigMap's key. */
export function serverConfigOf(s: GuardSubject, w: K8sObject): { config?: Record<string, unknown>; problem?: string } {
  const c = containersOf(w).find((x) => x.name === "omnigraph") ?? containersOf(w)[0];
  if (!c) return { problem: "has no container" };
  const args = Array.isArray(c.args) ? c.args.map(String) : [];
  const i = args.indexOf("--config");
  const path = i >= 0 ? args[i + 1] : undefined;
  if (!path) return { problem: "its omnigraph container has no `--config <file>` argument" };
  const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
  const mount = mounts.map((m) => ({ name: String(getPath(m, "name")), at: String(getPath(m, "mountPath")) })).find((m) => path.startsWith(`${m.at.replace(/\/$/, "")}/`));
  if (!mount) return { problem: `its config file ${path} is on no mounted volume` };
  const volumes = getPath(podSpecOf(w), "volumes");
  const vol = (Array.isArray(volumes) ? volumes : []).find((v) => getPath(v, "name") === mount.name);
  const cmName = getPath(vol, "configMap", "name");
  if (typeof cmName !== "string") return { problem: `its config file ${path} is not from a ConfigMap` };
  const cm = s.objects.find((o) => o.kind === "ConfigMap" && o.metadata?.name === cmName && o.metadata?.namespace === w.metadata?.namespace);
  const key = path.slice(mount.at.replace(/\/$/, "").length + 1);
  const text = getPath(cm, "data", key);
  if (typeof text !== "string") return { problem: `ConfigMap ${cmName} has no key ${key}` };
  try {
    const config = parse(text) as unknown;
    return config && typeof config === "object" ? { config: config as Record<string, unknown> } : { problem: `ConfigMap ${cmName} key ${key} is not a YAML map` };
  } catch {
    return { problem: `ConfigMap ${cmName} key ${key} is not valid YAML` };
  }
}

const readersRunReaderRole: GuardRule = {
  id: "readers-run-reader-role",
  description: "Every reader workload's server config says role reader, and nothing overrides it (readers open graphs read-only and never sweep).",
  check(s) {
    const out: Finding[] = [];
    for (const w of workloads(s).filter((x) => roleOf(x) === "reader")) {
      const { config, problem } = serverConfigOf(s, w);
      if (problem) out.push({ rule: this.id, object: idOf(w), message: `reader ${problem}; mount the reader ConfigMap and pass --config` });
      else if (config?.role !== "reader") out.push({ rule: this.id, object: idOf(w), message: `reader runs role '${String(config?.role)}'; its config must say role: reader` });
      for (const c of containersOf(w)) {
        const env = envMap(c);
        const args = Array.isArray(c.args) ? c.args.map(String) : [];
        const roleArg = args.indexOf("--role");
        if ((env.OMNIGRAPH_ROLE && env.OMNIGRAPH_ROLE !== "reader") || (roleArg >= 0 && args[roleArg + 1] !== "reader")) {
          out.push({ rule: this.id, object: idOf(w), message: "a reader container overrides its role by env or flag; remove OMNIGRAPH_ROLE / --role" });
        }
      }
    }
    return out;
  },
};

const managedHasOneWriter: GuardRule = {
  id: "managed-single-writer",
  description: "Stage managed runs exactly one writer (all-in-one counts as a writer) and never autoscales it.",
  check(s) {
    if (stageOf(s) !== "managed") return [];
    const out: Finding[] = [];
    let writers = 0;
    const writerNames = new Set<string>();
    for (const w of workloads(s)) {
      const { config } = serverConfigOf(s, w);
      const role = config?.role ?? roleOf(w);
      if (role === "writer" || role === "all-in-one") {
        const replicas = getPath(w, "spec", "replicas");
        writers += typeof replicas === "number" ? replicas : 1;
        writerNames.add(`${w.kind}/${w.metadata?.name}`);
      }
    }
    if (writers !== 1) out.push({ rule: this.id, object: "stage/managed", message: `stage managed runs ${writers} writer replicas; it must run exactly 1 (use stage elastic for more)` });
    for (const h of s.objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
      const ref = getPath(h, "spec", "scaleTargetRef");
      if (writerNames.has(`${String(getPath(ref, "kind"))}/${String(getPath(ref, "name"))}`)) out.push({ rule: this.id, object: idOf(h), message: "an HPA scales the writer; stage managed keeps exactly one writer — remove it" });
    }
    return out;
  },
};

const oneImageDigest: GuardRule = {
  id: "one-image-digest",
  description: "Every OmniGraph role runs the same image, pinned by digest (P3: one image, config-driven).",
  check(s) {
    const out: Finding[] = [];
    const digests = new Map<string, string[]>();
    for (const w of s.objects.filter((o) => POD_KINDS.has(o.kind ?? ""))) {
      if (!OMNIGRAPH_ROLES.has(roleOf(w) ?? "")) continue;
      for (const c of containersOf(w)) {
        const image = String(c.image ?? "");
        const m = /@(sha256:[a-f0-9]{64})$/.exec(image);
        if (!m) {
          out.push({ rule: this.id, object: idOf(w), message: `container ${String(c.name)} image '${image}' is not pinned by digest; use registry/repo@sha256:…` });
          continue;
        }
        digests.set(m[1]!, [...(digests.get(m[1]!) ?? []), idOf(w)]);
      }
    }
    if (digests.size > 1) {
      out.push({ rule: this.id, object: "image", message: `roles run ${digests.size} different image digests (${[...digests.entries()].map(([d, ws]) => `${d.slice(0, 19)}… in ${ws.join(", ")}`).join("; ")}); every role must run the same one` });
    }
    return out;
  },
};

const noControlPlaneOnRequestPath: GuardRule = {
  id: "no-control-plane-on-request-path",
  description: "In byoc and airgapped, no data-plane container names a control-plane URL in its env, args or server config (only the optional, background config-bundle sync may, and never in airgapped).",
  check(s) {
    const stage = stageOf(s);
    if (stage !== "byoc" && stage !== "airgapped") return [];
    const hosts = new Set<string>();
    for (const o of s.objects) {
      const ann = o.metadata?.annotations?.[ANNOTATION_CONTROL_PLANE_HOSTS];
      if (o.kind === "Namespace" && ann) for (const h of ann.split(",")) if (h.trim()) hosts.add(h.trim().toLowerCase());
      const role = o.metadata?.labels?.[LABEL_ROLE];
      if (o.kind === "Service" && (role === "control-plane" || role === "issuer") && o.metadata?.name) {
        const ns = o.metadata.namespace ?? "default";
        // Match the service's FQDN forms; the bare name is checked as a URL host below.
        for (const h of [`${o.metadata.name}.${ns}`, `${o.metadata.name}.${ns}.svc`]) hosts.add(h);
        hosts.add(`//${o.metadata.name}:`);
        hosts.add(`//${o.metadata.name}/`);
      }
    }
    const out: Finding[] = [];
    for (const w of s.objects.filter((o) => POD_KINDS.has(o.kind ?? "") && DATA_PLANE_ROLES.has(roleOf(o) ?? ""))) {
      const { config } = serverConfigOf(s, w);
      const auth = config?.auth as Record<string, unknown> | undefined;
      if (stage === "airgapped" && auth?.control_plane) out.push({ rule: this.id, object: idOf(w), message: "airgapped data plane configures auth.control_plane (a vendor bundle sync); air-gapped config is static files — remove it" });
      // The bundle sync runs in the background, off the request path: the one allowed exception.
      const onPath = config ? { ...config, auth: auth ? { ...auth, control_plane: undefined } : undefined } : {};
      const texts: string[] = [JSON.stringify(onPath)];
      for (const c of containersOf(w)) {
        texts.push(JSON.stringify(c.env ?? []), JSON.stringify(c.args ?? []), JSON.stringify(c.command ?? []));
      }
      const hay = texts.join("\n").toLowerCase();
      for (const h of hosts) {
        if (hay.includes(h)) out.push({ rule: this.id, object: idOf(w), message: `data-plane ${roleOf(w)} names control-plane host ${h.replace(/^\/\/|[:/]$/g, "")} on its request path; the data plane must serve with the control plane down (P2)` });
      }
    }
    return out;
  },
};

const bucketsPrivateEncryptedVersioned: GuardRule = {
  id: "buckets-private-encrypted-versioned",
  description: "Every bucket is private, encrypted at rest and versioned.",
  check(s) {
    const out: Finding[] = [];
    for (const b of s.buckets) {
      const why = [b.public ? "public (block all public access)" : "", b.encrypted ? "" : "not encrypted (set default encryption)", b.versioned ? "" : "not versioned (enable versioning)"].filter(Boolean);
      if (why.length) out.push({ rule: this.id, object: `bucket/${b.name}`, message: `${b.provider} bucket ${b.name} is ${why.join(", ")}` });
    }
    return out;
  },
};

const workloadHygiene: GuardRule = {
  id: "workload-hygiene",
  description: "Every Deployment/StatefulSet has a PodDisruptionBudget, liveness and readiness probes, CPU/memory requests and limits, and runs as non-root.",
  check(s) {
    const out: Finding[] = [];
    const pdbs = s.objects.filter((o) => o.kind === "PodDisruptionBudget");
    for (const w of workloads(s)) {
      const labels = podLabelsOf(w);
      const covered = pdbs.some((p) => {
        if (p.metadata?.namespace !== w.metadata?.namespace) return false;
        const sel = getPath(p, "spec", "selector", "matchLabels");
        return !!sel && typeof sel === "object" && Object.keys(sel).length > 0 && Object.entries(sel as Record<string, string>).every(([k, v]) => labels[k] === v);
      });
      if (!covered) out.push({ rule: this.id, object: idOf(w), message: "has no PodDisruptionBudget selecting its pods; add one (maxUnavailable: 1)" });
      const pod = podSpecOf(w);
      const podNonRoot = getPath(pod, "securityContext", "runAsNonRoot") === true;
      const podUser = getPath(pod, "securityContext", "runAsUser");
      for (const c of containersOf(w)) {
        const n = String(c.name);
        if (!getPath(c, "livenessProbe")) out.push({ rule: this.id, object: idOf(w), message: `container ${n} has no livenessProbe` });
        if (!getPath(c, "readinessProbe")) out.push({ rule: this.id, object: idOf(w), message: `container ${n} has no readinessProbe` });
        for (const kind of ["requests", "limits"] as const) {
          for (const r of ["cpu", "memory"]) if (getPath(c, "resources", kind, r) === undefined) out.push({ rule: this.id, object: idOf(w), message: `container ${n} has no ${r} ${kind === "requests" ? "request" : "limit"}` });
        }
        const cNonRoot = getPath(c, "securityContext", "runAsNonRoot");
        const cUser = getPath(c, "securityContext", "runAsUser") ?? podUser;
        if (!(cNonRoot === true || (podNonRoot && cNonRoot !== false)) || cUser === 0) out.push({ rule: this.id, object: idOf(w), message: `container ${n} may run as root; set securityContext.runAsNonRoot: true and a non-zero runAsUser` });
      }
    }
    return out;
  },
};

const noLatestTags: GuardRule = {
  id: "no-latest-tag",
  description: "No container image uses the `latest` tag or no tag at all (an untagged image is latest).",
  check(s) {
    const out: Finding[] = [];
    for (const w of s.objects.filter((o) => POD_KINDS.has(o.kind ?? ""))) {
      const pod = podSpecOf(w);
      const init = getPath(pod, "initContainers");
      for (const c of [...containersOf(w), ...(Array.isArray(init) ? (init as Record<string, unknown>[]) : [])]) {
        const image = String(c.image ?? "");
        if (image.includes("@sha256:")) continue;
        const lastSegment = image.slice(image.lastIndexOf("/") + 1);
        const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : undefined;
        if (!tag || tag === "latest") out.push({ rule: this.id, object: idOf(w), message: `container ${String(c.name)} image '${image}' ${tag ? "uses :latest" : "has no tag (means :latest)"}; pin a version or a digest` });
      }
    }
    return out;
  },
};

/** Every rule, in report order. */
export const GUARD_RULES: readonly GuardRule[] = [
  readersRunReaderRole, managedHasOneWriter, oneImageDigest, noControlPlaneOnRequestPath,
  bucketsPrivateEncryptedVersioned, workloadHygiene, noLatestTags,
];

/** Runs every rule; findings sorted for stable output. */
export function runGuardRules(subject: GuardSubject, rules: readonly GuardRule[] = GUARD_RULES): Finding[] {
  return rules.flatMap((r) => r.check(subject)).sort((a, b) => `${a.rule} ${a.object} ${a.message}`.localeCompare(`${b.rule} ${b.object} ${b.message}`));
}
