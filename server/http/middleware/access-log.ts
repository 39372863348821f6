import type { Next } from "koa";
import type { Logger } from "../../observability/logger.ts";
import type { ServerMetrics } from "../../observability/metrics.ts";
import type { Ctx } from "../state.ts";

/**
 * One log line and one metric sample per request: request id, actor, graph, route,
 * status, duration. Never headers, tokens or bodies.
 */
export function accessLog(log: Logger, metrics: ServerMetrics) {
  return async (ctx: Ctx, next: Next) => {
    const started = process.hrtime.bigint();
    let failed = false;
    try {
      await next();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = ctx.state.route?.path ?? "unmatched";
      const status = failed ? 500 : ctx.status;
      metrics.requests.inc({ route, method: ctx.method, status: String(status) });
      metrics.latency.observe({ route, method: ctx.method }, seconds);
      const line = {
        request_id: ctx.state.requestId, method: ctx.method, route, status, duration_ms: Math.round(seconds * 1e6) / 1e3,
        actor: ctx.state.identity?.actor ?? null, graph: ctx.state.graphId ?? null,
        ...(ctx.state.policyIds?.length ? { policy_ids: ctx.state.policyIds } : {}),
      };
      if (status >= 500) log.error(line, "request");
      else log.info(line, "request");
    }
  };
}
