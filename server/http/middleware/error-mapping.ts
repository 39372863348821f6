import type { Next } from "koa";
import type { Logger } from "../../observability/logger.ts";
import type { ServerMetrics } from "../../observability/metrics.ts";
import { toErrorResponse } from "../errors.ts";
import type { Ctx } from "../state.ts";

const CONFLICTS = new Set(["ERR_MANIFEST_CONFLICT", "ERR_READ_SET_CONFLICT", "ERR_GRAPH_COMMIT_PRECONDITION", "ERR_KEY_CONFLICT", "ERR_MERGE_CONFLICT", "ERR_PRECONDITION_FAILED", "ERR_CONFLICT_RETRYABLE"]);

/** Every thrown error becomes OmniGraph's JSON error body through the one table. */
export function errorMapping(log: Logger, metrics: ServerMetrics) {
  return async (ctx: Ctx, next: Next) => {
    try {
      await next();
    } catch (e) {
      const r = toErrorResponse(e, ctx.state.requestId, ctx.state.graphId ?? null);
      if (r.hidden && r.status >= 500) {
        // The only place internal text goes: the server's own log, never the client.
        log.error({ request_id: ctx.state.requestId, error_code: r.errorCode, err: e }, "request failed");
      }
      if (CONFLICTS.has(r.errorCode)) metrics.conflicts.inc({ code: r.errorCode });
      ctx.status = r.status;
      for (const [k, v] of Object.entries(r.headers)) ctx.set(k, v);
      ctx.type = "application/json";
      ctx.body = r.body;
    }
  };
}
