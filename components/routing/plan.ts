/**
 * Routing planner (elastic): writes to a graph always land on the same writer, through
 * an existing proxy — Gateway API HTTPRoutes plus Envoy Gateway policies. A Lua filter
 * copies the graph path segment into a header (overwriting any client value) and the
 * BackendTrafficPolicy hashes on that header over the writer pods (a consistent-hash
 * ring, so adding a writer moves ~1/N graphs). Reads spread over the readers. A
 * misrouted write is still safe: the manifest commit is a conditional write.
 */
import { z } from "zod";
import { type HTTPRouteMatch, type LabelContext, type Manifest, meta } from "../kubernetes/manifest.ts";
import { HTTP_PORT } from "../data-plane/plan.ts";

export const RoutingInput = z.strictObject({
  /** The existing Gateway (Envoy Gateway) the routes attach to. */
  gateway: z.strictObject({ name: z.string().min(1), namespace: z.string().min(1), sectionName: z.string().min(1).optional() }),
  hostnames: z.array(z.string().min(1)).min(1, "`routing.hostnames` needs at least one host name clients use"),
  /** Public base URL of the write route; readers name it in their 409 for writes. */
  publicUrl: z.url(),
});
export type RoutingInput = z.infer<typeof RoutingInput>;

export const GRAPH_HASH_HEADER = "x-omnigraph-graph";

/** Path patterns of the write routes (omnigraph-api.md route table); Envoy matches RE2 against the whole path. */
export const WRITE_PATHS: { method: "POST" | "DELETE"; regex: string }[] = [
  { method: "POST", regex: "/graphs/[^/]+/(mutate|change)(/if-graph-commit)?" },
  { method: "POST", regex: "/graphs/[^/]+/(load|load/ndjson|ingest)" },
  { method: "POST", regex: "/graphs/[^/]+/schema/apply" },
  { method: "POST", regex: "/graphs/[^/]+/branches(/merge)?" },
  { method: "DELETE", regex: "/graphs/[^/]+/branches/.+" },
  { method: "POST", regex: "/graphs/[^/]+/queries/[^/]+/if-graph-commit" },
];

/** The Lua the gateway runs: the hash key is the graph id from the path, never a client header. */
export const GRAPH_HASH_LUA = [
  "function envoy_on_request(handle)",
  "  local headers = handle:headers()",
  `  headers:remove("${GRAPH_HASH_HEADER}")`,
  '  local graph = string.match(headers:get(":path") or "", "^/graphs/([^/?]+)")',
  `  if graph then headers:add("${GRAPH_HASH_HEADER}", graph) end`,
  "end",
  "",
].join("\n");

export function planRouting(input: RoutingInput, ctx: { labels: LabelContext; services: { reader: string; writer: string } }): { manifests: Manifest[] } {
  const l = ctx.labels;
  const parentRefs = [{ name: input.gateway.name, namespace: input.gateway.namespace, ...(input.gateway.sectionName ? { sectionName: input.gateway.sectionName } : {}) }];
  const writes = `${l.instance}-writes`;
  const reads = `${l.instance}-reads`;
  const writeMatches: HTTPRouteMatch[] = WRITE_PATHS.map((w) => ({ path: { type: "RegularExpression", value: w.regex }, method: w.method }));
  return {
    manifests: [
      {
        apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: meta(l, writes, "routing", "infra"),
        spec: { parentRefs, hostnames: input.hostnames, rules: [{ matches: writeMatches, backendRefs: [{ name: ctx.services.writer, port: HTTP_PORT }] }] },
      },
      {
        apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: meta(l, reads, "routing", "infra"),
        spec: { parentRefs, hostnames: input.hostnames, rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: ctx.services.reader, port: HTTP_PORT }] }] },
      },
      {
        apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "EnvoyExtensionPolicy", metadata: meta(l, `${writes}-graph-key`, "routing", "infra"),
        spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: writes }], lua: [{ type: "Inline", inline: GRAPH_HASH_LUA }] },
      },
      {
        apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "BackendTrafficPolicy", metadata: meta(l, `${writes}-by-graph`, "routing", "infra"),
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: writes }],
          loadBalancer: { type: "ConsistentHash", consistentHash: { type: "Header", header: { name: GRAPH_HASH_HEADER } } },
        },
      },
      {
        apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "BackendTrafficPolicy", metadata: meta(l, `${reads}-spread`, "routing", "infra"),
        spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: reads }], loadBalancer: { type: "LeastRequest" } },
      },
    ],
  };
}
