import type { Next } from "koa";
import type { ServerConfig } from "../../config/schema.ts";
import { HttpError } from "../http-error.ts";
import type { Ctx, RouteSpec } from "../state.ts";

function mediaType(ctx: Ctx): string {
  return (ctx.get("content-type").split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * The request body as a stream of chunks, failing typed (413) as soon as more than
 * `limit` bytes have arrived — the one size check for JSON bodies (read whole here)
 * and NDJSON bodies (streamed by their route).
 */
export async function* boundedChunks(ctx: Ctx, limit: number, resource: string): AsyncIterable<Buffer> {
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      ctx.set("connection", "close");
      throw new HttpError("ERR_BODY_TOO_LARGE", `the request body is larger than ${limit} bytes; split it into smaller requests`, { resource, limit, actual: size });
    }
    yield chunk as Buffer;
  }
}

/** Reads at most `limit` bytes of the request body; 413 (typed) beyond. */
export async function readBounded(ctx: Ctx, limit: number, resource: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of boundedChunks(ctx, limit, resource)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The limit and resource name of a route's body. */
export function bodyLimit(route: RouteSpec, limits: ServerConfig["limits"]): { limit: number; resource: string } {
  return route.limit === "load"
    ? { limit: limits.load_body_bytes, resource: route.body === "ndjson" ? "graph_batch_request_bytes" : "request_body_bytes" }
    : { limit: limits.json_body_bytes, resource: "request_body_bytes" };
}

/**
 * Content type and size, before anything else reads the body: 415 for the wrong media
 * type, 413 for a declared or actual size past the route's limit. JSON bodies are read
 * here; NDJSON bodies are streamed later by the route (still bounded).
 */
export function bodyLimits(route: RouteSpec, limits: ServerConfig["limits"]) {
  return async (ctx: Ctx, next: Next) => {
    if (route.body === "none") return next();
    const { limit, resource } = bodyLimit(route, limits);
    const want = route.body === "json" ? "application/json" : "application/x-ndjson";
    const got = mediaType(ctx);
    if (got !== want) throw new HttpError("ERR_UNSUPPORTED_MEDIA_TYPE", `Content-Type must be ${want}${got ? `, not ${got}` : ""}`);
    const declared = Number(ctx.get("content-length") || "0");
    if (declared > limit) {
      ctx.set("connection", "close");
      throw new HttpError("ERR_BODY_TOO_LARGE", `the request body (${declared} bytes) is larger than ${limit} bytes; split it into smaller requests`, { resource, limit, actual: declared });
    }
    if (route.body === "json") ctx.state.raw = await readBounded(ctx, limit, resource);
    await next();
  };
}
