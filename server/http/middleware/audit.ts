import type { Next } from "koa";
import { AuthError } from "../../auth/errors.ts";
import type { AuditLog } from "../../auth/audit.ts";
import { toErrorResponse } from "../errors.ts";
import type { Ctx, RouteSpec } from "../state.ts";

/** The commit a write produced, from its response body (ChangeOutput, IngestOutput, branch ops). */
function commitOf(body: unknown): string | null {
  if (!body || typeof body !== "object") return null;
  const b = body as { commit?: unknown; graph_commit_id?: unknown };
  if (typeof b.commit === "string") return b.commit;
  if (b.commit && typeof b.commit === "object" && typeof (b.commit as { graph_commit_id?: unknown }).graph_commit_id === "string") return (b.commit as { graph_commit_id: string }).graph_commit_id;
  return typeof b.graph_commit_id === "string" ? b.graph_commit_id : null;
}

/**
 * One audit line per write (success or failure) and per refused request (401, 403,
 * 429), on the audit stream, never with tokens or bodies. Wraps the whole route chain.
 */
export function audit(log: AuditLog | undefined, route: RouteSpec) {
  return async (ctx: Ctx, next: Next) => {
    if (!log) return next();
    const base = () => ({
      requestId: ctx.state.requestId,
      actor: ctx.state.identity?.actor ?? null,
      tenant: ctx.state.identity?.tenant ?? null,
      action: ctx.state.authz?.action ?? (route.write ? "change" : "read"),
      graph: ctx.state.graphId ?? null,
      branch: ctx.state.authz?.branch ?? null,
      targetBranch: ctx.state.authz?.targetBranch ?? null,
      route: `${route.method} ${route.path}`,
      policyIds: ctx.state.policyIds,
    });
    try {
      await next();
      if (route.write) log.record({ ...base(), outcome: "succeeded", status: ctx.status, commitId: commitOf(ctx.body) });
    } catch (e) {
      const r = toErrorResponse(e, ctx.state.requestId);
      const refused = r.status === 401 || r.status === 403 || r.status === 429;
      if (refused || route.write) {
        const b = base();
        log.record({
          ...b,
          action: r.status === 401 ? "authenticate" : b.action,
          outcome: r.status === 401 || r.status === 403 ? "denied" : r.status === 429 ? "rejected" : "failed",
          status: r.status,
          code: e instanceof AuthError ? e.code : r.errorCode,
        });
      }
      throw e;
    }
  };
}
