/**
 * Planned Kubernetes objects → @pulumi/kubernetes resources, one typed resource per
 * object (so CrossGuard and mocks see `kubernetes:apps/v1:Deployment`, not a YAML blob).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { Manifest } from "./manifest.ts";

/** Logical resource name: kind and object name, unique within a stack. */
export function logicalName(m: Manifest): string {
  return `${m.kind.toLowerCase()}-${m.metadata!.name}`;
}

/** Creates the resource for one planned object. The manifest passes through unchanged. */
export function createManifest(m: Manifest, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const name = logicalName(m);
  // The typed constructors take the manifest's own fields; the casts only drop kubernetes-models' nominal types.
  const a = m as never;
  switch (m.kind) {
    case "Namespace": return new k8s.core.v1.Namespace(name, a, opts);
    case "ConfigMap": return new k8s.core.v1.ConfigMap(name, a, opts);
    case "Secret": return new k8s.core.v1.Secret(name, a, opts);
    case "Service": return new k8s.core.v1.Service(name, a, opts);
    case "ServiceAccount": return new k8s.core.v1.ServiceAccount(name, a, opts);
    case "Deployment": return new k8s.apps.v1.Deployment(name, a, opts);
    case "StatefulSet": return new k8s.apps.v1.StatefulSet(name, a, opts);
    case "Job": return new k8s.batch.v1.Job(name, a, opts);
    case "HorizontalPodAutoscaler": return new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, a, opts);
    case "PodDisruptionBudget": return new k8s.policy.v1.PodDisruptionBudget(name, a, opts);
    case "NetworkPolicy": return new k8s.networking.v1.NetworkPolicy(name, a, opts);
    case "HTTPRoute":
    case "BackendTrafficPolicy":
    case "EnvoyExtensionPolicy":
      return new k8s.apiextensions.CustomResource(name, a, opts);
  }
}

/** Creates every object of a plan part under one parent. */
export function createManifests(manifests: readonly Manifest[], opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
  return manifests.map((m) => createManifest(m, opts));
}
