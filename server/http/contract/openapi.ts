/**
 * The OpenAPI 3.1 document, generated from the route table and the same zod schemas
 * that validate requests. Operation ids and the `bearer_token` scheme follow OmniGraph;
 * without auth the document strips security, as OmniGraph does.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { RouteSpec } from "../state.ts";

export function buildOpenApiDocument(routes: RouteSpec[], opts: { version: string; secured: boolean }): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  if (opts.secured) registry.registerComponent("securitySchemes", "bearer_token", { type: "http", scheme: "bearer" });
  for (const r of routes) {
    const pathParams = [...r.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
    const params = pathParams.length ? z.object(Object.fromEntries(pathParams.map((p) => [p, z.string()]))) : undefined;
    const headers = r.headers?.length
      ? z.object(Object.fromEntries(r.headers.map((h) => [h.name, h.required ? z.string().openapi({ description: h.description }) : z.string().optional().openapi({ description: h.description })])))
      : undefined;
    const bodySchema = r.bodySchema instanceof z.ZodPipe ? (r.bodySchema.out as z.ZodType) : r.bodySchema;
    const body =
      r.body === "json" && bodySchema
        ? { content: { "application/json": { schema: bodySchema } }, required: true }
        : r.body === "ndjson"
          ? { content: { "application/x-ndjson": { schema: z.string() } }, required: true }
          : undefined;
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType }> | Record<string, Record<string, never>> }> = {};
    for (const [status, resp] of Object.entries(r.responses)) {
      responses[status] = resp.schema
        ? { description: resp.description, content: { [resp.contentType ?? "application/json"]: { schema: resp.schema } } }
        : { description: resp.description, ...(resp.contentType ? { content: { [resp.contentType]: {} } } : {}) };
    }
    registry.registerPath({
      method: r.method.toLowerCase() as "get" | "post" | "delete",
      path: r.path,
      operationId: r.operationId,
      summary: r.summary,
      ...(r.successor ? { deprecated: true } : {}),
      request: {
        ...(params ? { params } : {}),
        ...(r.querySchema instanceof z.ZodObject ? { query: r.querySchema } : {}),
        ...(headers ? { headers } : {}),
        ...(body ? { body } : {}),
      },
      responses: responses as never,
      ...(opts.secured && r.authenticate ? { security: [{ bearer_token: [] }] } : {}),
      ...(r.extension ? { "x-omnigraph-extension": true } : {}),
    } as Parameters<typeof registry.registerPath>[0]);
  }
  const gen = new OpenApiGeneratorV31(registry.definitions);
  return gen.generateDocument({
    openapi: "3.1.0",
    info: { title: "Omnigraph API (OmniGraph Cloud kit data plane)", version: opts.version, license: { name: "MIT", identifier: "MIT" } },
  }) as unknown as Record<string, unknown>;
}
