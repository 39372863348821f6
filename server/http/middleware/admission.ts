import type { Next } from "koa";
import { BRANCH_OPERATION_BYTES, type AdmissionController } from "../../auth/admission.ts";
import type { Ctx, RouteSpec } from "../state.ts";

/**
 * Admission of writes (omnigraph-api.md §7 plus per-tenant budgets): in-flight writes
 * and estimated bytes per actor and per tenant; over a budget → immediate 429
 * `ERR_TOO_MANY_REQUESTS` with `Retry-After`. Reads are never gated (they have
 * per-query time and materialisation budgets instead). Runs after Cedar.
 */
export function admission(controller: AdmissionController) {
  return (route: RouteSpec) => async (ctx: Ctx, next: Next) => {
    if (!route.write) return next();
    const identity = ctx.state.identity ?? { actor: "anonymous", tenant: null };
    const bytes = route.body === "ndjson" ? Number(ctx.get("content-length") || "0") : route.body === "json" ? ctx.state.raw?.length ?? 0 : BRANCH_OPERATION_BYTES;
    const permit = controller.admit(identity, bytes);
    try {
      await next();
    } finally {
      permit.release();
    }
  };
}
