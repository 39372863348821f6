/** The flat routes: liveness, readiness, metrics, the OpenAPI document, the graph list. */
import { GraphListResponseSchema, HealthOutputSchema, ReadyOutputSchema, type GraphListResponse, type ReadyOutput } from "../contract/schemas.ts";
import { buildOpenApiDocument } from "../contract/openapi.ts";
import type { RouteSpec } from "../state.ts";
import { json, responses } from "./common.ts";

/** Storage-format version this build reads and writes (`internal_schema_version`). */
export const INTERNAL_SCHEMA_VERSION = 1;

export function metaRoutes(allRoutes: () => RouteSpec[]): RouteSpec[] {
  let openapi: unknown;
  return [
    {
      operationId: "health", method: "GET", path: "/healthz", summary: "Liveness probe (never gated by auth).", body: "none", graph: false, write: false, authenticate: false,
      responses: { 200: { description: "Server is healthy", schema: HealthOutputSchema } },
      handler: async (ctx, deps) => json(ctx, { status: "ok", version: deps.version, internal_schema_version: INTERNAL_SCHEMA_VERSION }),
    },
    {
      operationId: "readyz", method: "GET", path: "/readyz", summary: "Readiness (RFC 0049 shape): 503 while booting or draining.", body: "none", graph: false, write: false, authenticate: false, extension: true,
      responses: { 200: { description: "Serving", schema: ReadyOutputSchema }, 503: { description: "Booting or draining", schema: ReadyOutputSchema } },
      handler: async (ctx, deps) => {
        const status = deps.lifecycle.status;
        const body: ReadyOutput = {
          ready: status === "serving", status, served_graph_count: deps.handles.size, quarantined_graph_count: deps.handles.quarantined.length,
          shutdown_grace_seconds: deps.config.shutdown_grace_seconds, role: deps.config.role,
        };
        json(ctx, body, status === "serving" ? 200 : 503);
      },
    },
    {
      operationId: "metrics", method: "GET", path: "/metrics", summary: "Prometheus metrics.", body: "none", graph: false, write: false, authenticate: false, extension: true,
      responses: { 200: { description: "Prometheus text format", contentType: "text/plain" } },
      handler: async (ctx, deps) => {
        deps.metrics.openHandles.set(deps.handles.size);
        deps.metrics.quarantined.set(deps.handles.quarantined.length);
        ctx.type = deps.metrics.registry.contentType;
        ctx.body = await deps.metrics.registry.metrics();
      },
    },
    {
      operationId: "openapi", method: "GET", path: "/openapi.json", summary: "This OpenAPI 3.1 document (generated from the request/response schemas).", body: "none", graph: false, write: false, authenticate: false, extension: true,
      responses: { 200: { description: "OpenAPI 3.1", contentType: "application/json" } },
      handler: async (ctx, deps) => {
        openapi ??= buildOpenApiDocument(allRoutes(), { version: deps.version, secured: !deps.open });
        json(ctx, openapi);
      },
    },
    {
      operationId: "listGraphs", method: "GET", path: "/graphs", summary: "Graphs served here, sorted; ours adds `quarantined`.", body: "none", graph: false, write: false, authenticate: true,
      authz: () => ({ action: "graph_list", branch: null, targetBranch: null }),
      responses: responses({ description: "List of registered graphs", schema: GraphListResponseSchema }, [401, 403, 405]),
      handler: async (ctx, deps) => {
        const l = await deps.handles.list(ctx.state.identity?.tenant ?? null);
        const body: GraphListResponse = {
          graphs: l.graphs.map((g) => ({ graph_id: g.graphId, uri: g.uri })),
          quarantined: l.quarantined.map((q) => ({ graph_id: q.graphId, code: q.code, error: q.error })),
        };
        json(ctx, body);
      },
    },
  ];
}
