import type { Next } from "koa";
import type { ServerConfig } from "../../config/schema.ts";
import { HttpError } from "../http-error.ts";
import type { Ctx, RouteSpec } from "../state.ts";

/**
 * Per-actor admission of writes (omnigraph-api.md §7): in-flight writes and estimated
 * bytes per actor; over either limit → immediate 429 with `Retry-After: 60`. Reads are
 * never gated. Interim: the auth helper's admission (per tenant, time budgets) replaces it.
 */
export function admission(limits: ServerConfig["admission"]) {
  // One table per process: an actor's writes count together across routes.
  const inflight = new Map<string, { n: number; bytes: number }>();
  return (route: RouteSpec) => async (ctx: Ctx, next: Next) => {
    if (!route.write) return next();
    const actor = ctx.state.identity?.actor ?? "anonymous";
    const bytes = route.body === "ndjson" ? Number(ctx.get("content-length") || "0") : route.body === "json" ? ctx.state.raw?.length ?? 0 : 256;
    const cur = inflight.get(actor) ?? { n: 0, bytes: 0 };
    if (cur.n + 1 > limits.per_actor_inflight_max || cur.bytes + bytes > limits.per_actor_bytes_max) {
      throw new HttpError("ERR_ADMISSION", `actor '${actor}' has too many writes in flight; retry after the Retry-After delay`);
    }
    cur.n++;
    cur.bytes += bytes;
    inflight.set(actor, cur);
    try {
      await next();
    } finally {
      cur.n--;
      cur.bytes -= bytes;
      if (cur.n === 0) inflight.delete(actor);
    }
  };
}
