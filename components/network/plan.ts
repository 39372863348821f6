/**
 * Network planner: default-deny for every pod in the namespace, then exactly the
 * allows each role needs. The data plane reaches the object store and DNS only; in
 * BYOC and air-gapped nothing on the data plane reaches the vendor, except the optional
 * config-bundle sync when it is configured (off the request path).
 */
import { z } from "zod";
import type { INetworkPolicy, INetworkPolicyEgressRule, INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1";
import { type LabelContext, type Manifest, meta } from "../kubernetes/manifest.ts";
import { HTTP_PORT } from "../data-plane/plan.ts";

const Cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "an IPv4 CIDR such as 10.0.0.0/8");

export const NetworkInput = z.strictObject({
  /** Where cloud object storage lives (S3/GCS endpoints). Default: anywhere outside the cluster. */
  objectStoreCidrs: z.array(Cidr).default(["0.0.0.0/0"]),
  /** Pod and service CIDRs: excluded from the object-store allow so it cannot reach in-cluster services. */
  clusterCidrs: z.array(Cidr).default(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]),
  /** Namespaces (by name) allowed to call the API on 8080; default: the gateway's namespace, else any. */
  ingressNamespaces: z.array(z.string().min(1)).optional(),
  /** Namespace of the Prometheus that scrapes /metrics. */
  monitoringNamespace: z.string().min(1).optional(),
  /** The outbound proxy's address, when one is configured. */
  proxyCidrs: z.array(Cidr).default([]),
  proxyPort: z.int().min(1).max(65535).default(3128),
}).prefault({});
export type NetworkInput = z.infer<typeof NetworkInput>;

export interface NetworkContext {
  labels: LabelContext;
  provider: "s3" | "gcs" | "minio";
  dataPlane: Record<"reader" | "writer" | "worker", Record<string, string>>;
  workers: boolean;
  minio?: Record<string, string> | undefined;
  minioBootstrap?: Record<string, string> | undefined;
  controlPlane?: { controlPlane: Record<string, string>; issuer: Record<string, string> } | undefined;
  /** BYOC: where the signed config bundle is pulled from (the only vendor egress). */
  bundleSyncCidrs?: string[] | undefined;
  gatewayNamespace?: string | undefined;
}

const nsByName = (name: string): INetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });

export function planNetwork(input: NetworkInput, ctx: NetworkContext): { manifests: Manifest[] } {
  const l = ctx.labels;
  const policies: INetworkPolicy[] = [];
  const np = (name: string, podSelector: Record<string, string>, spec: Omit<NonNullable<INetworkPolicy["spec"]>, "podSelector">): void => {
    policies.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(l, `${l.instance}-${name}`, "network", "infra"), spec: { podSelector: { matchLabels: podSelector }, ...spec } });
  };
  policies.push({
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(l, `${l.instance}-default-deny`, "network", "infra"),
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  });
  const dns: INetworkPolicyEgressRule = {
    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
  };
  const objectStore: INetworkPolicyEgressRule[] = ctx.provider === "minio"
    ? [{ to: [{ podSelector: { matchLabels: ctx.minio! } }], ports: [{ protocol: "TCP", port: 9000 }] }]
    : [
      { to: input.objectStoreCidrs.map((cidr) => ({ ipBlock: { cidr, except: cidr === "0.0.0.0/0" ? input.clusterCidrs : [] } })), ports: [{ protocol: "TCP", port: 443 }] },
      // Workload identity: IRSA's STS is covered above; GKE's metadata server is link-local.
      ...(ctx.provider === "gcs" ? [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP" as const, port: 80 }, { protocol: "TCP" as const, port: 988 }] }] : []),
    ];
  const proxy: INetworkPolicyEgressRule[] = input.proxyCidrs.length ? [{ to: input.proxyCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: input.proxyPort }] }] : [];
  const bundleSync: INetworkPolicyEgressRule[] = ctx.bundleSyncCidrs?.length ? [{ to: ctx.bundleSyncCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] }] : [];
  const apiFrom = input.ingressNamespaces ?? (ctx.gatewayNamespace ? [ctx.gatewayNamespace] : undefined);
  const apiPeers: INetworkPolicyPeer[] = apiFrom ? apiFrom.map(nsByName) : [{ namespaceSelector: {} }];
  const monitoring: INetworkPolicyPeer[] = input.monitoringNamespace ? [nsByName(input.monitoringNamespace)] : [];

  for (const role of ["reader", "writer"] as const) {
    np(`${role}-allow`, ctx.dataPlane[role], {
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [...apiPeers, ...monitoring], ports: [{ protocol: "TCP", port: HTTP_PORT }] }],
      egress: [dns, ...objectStore, ...proxy, ...bundleSync],
    });
  }
  if (ctx.workers) {
    np("worker-allow", ctx.dataPlane.worker, {
      policyTypes: ["Ingress", "Egress"],
      ingress: monitoring.length ? [{ from: monitoring, ports: [{ protocol: "TCP", port: HTTP_PORT }] }] : [],
      egress: [dns, ...objectStore, ...proxy],
    });
  }
  if (ctx.minio) {
    const clients: INetworkPolicyPeer[] = [
      { podSelector: { matchLabels: ctx.dataPlane.reader } }, { podSelector: { matchLabels: ctx.dataPlane.writer } },
      ...(ctx.workers ? [{ podSelector: { matchLabels: ctx.dataPlane.worker } }] : []),
      ...(ctx.minioBootstrap ? [{ podSelector: { matchLabels: ctx.minioBootstrap } }] : []),
      ...(ctx.controlPlane ? [{ podSelector: { matchLabels: ctx.controlPlane.controlPlane } }] : []),
    ];
    np("minio-allow", ctx.minio, {
      policyTypes: ["Ingress", "Egress"],
      // MinIO peers talk to each other on 9000 too (distributed mode).
      ingress: [{ from: [...clients, { podSelector: { matchLabels: ctx.minio } }], ports: [{ protocol: "TCP", port: 9000 }] }],
      egress: [dns, { to: [{ podSelector: { matchLabels: ctx.minio } }], ports: [{ protocol: "TCP", port: 9000 }] }],
    });
    if (ctx.minioBootstrap) np("minio-bootstrap-allow", ctx.minioBootstrap, { policyTypes: ["Ingress", "Egress"], ingress: [], egress: [dns, ...objectStore] });
  }
  if (ctx.controlPlane) {
    np("control-plane-allow", ctx.controlPlane.controlPlane, {
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [...apiPeers, ...monitoring], ports: [{ protocol: "TCP", port: HTTP_PORT }] }],
      egress: [dns, ...objectStore, ...proxy],
    });
    np("issuer-allow", ctx.controlPlane.issuer, {
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ namespaceSelector: {} }, ...monitoring], ports: [{ protocol: "TCP", port: HTTP_PORT }] }],
      egress: [dns],
    });
  }
  return { manifests: policies };
}
