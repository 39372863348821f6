/**
 * The guard subject of a rendered directory: the objects its kustomization lists (or
 * every YAML file when there is none) plus the cloud objects of `cloud.yaml`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { bucketFacts, type GuardSubject, type K8sObject, type TypedResource } from "./subject.ts";

export function subjectFromRenderedDir(dir: string): GuardSubject {
  const kustomization = join(dir, "kustomization.yaml");
  let files: string[];
  if (existsSync(kustomization)) {
    const k = parseAllDocuments(readFileSync(kustomization, "utf8"))[0]?.toJS() as { resources?: unknown } | undefined;
    files = Array.isArray(k?.resources) ? k.resources.map(String) : [];
  } else {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== "cloud.yaml").sort();
  }
  const objects: K8sObject[] = [];
  const where = new Map<K8sObject, string>();
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) {
      const o = doc.toJS() as K8sObject | null;
      if (o && typeof o === "object" && o.kind) {
        objects.push(o);
        where.set(o, f);
      }
    }
  }
  const cloudFile = join(dir, "cloud.yaml");
  const cloud: TypedResource[] = [];
  if (existsSync(cloudFile)) {
    const c = parseAllDocuments(readFileSync(cloudFile, "utf8"))[0]?.toJS() as { resources?: { type: string; args: Record<string, unknown> }[] } | undefined;
    for (const r of c?.resources ?? []) cloud.push({ type: r.type, props: r.args });
  }
  return { objects, buckets: bucketFacts(cloud, objects), locate: (o) => where.get(o) };
}
