import type { Next } from "koa";
import { AuthError } from "../../auth/errors.ts";
import type { Authorizer } from "../../auth/identity.ts";
import type { Ctx, RouteSpec } from "../state.ts";

/** The route's Cedar action on its branches, decided by the injected authorizer (403). */
export function authorize(route: RouteSpec, authorizer: Authorizer) {
  return async (ctx: Ctx, next: Next) => {
    if (route.authz && ctx.state.identity) {
      const target = await route.authz(ctx);
      ctx.state.authz = target;
      const d = authorizer.authorize({ identity: ctx.state.identity, action: target.action, graphId: ctx.state.graphId ?? null, branch: target.branch, targetBranch: target.targetBranch });
      ctx.state.policyIds = d.policyIds;
      if (!d.allowed) throw new AuthError("ERR_FORBIDDEN", `actor '${ctx.state.identity.actor}' may not ${target.action}${target.branch ? ` on branch '${target.branch}'` : ""}${d.reason ? `: ${d.reason}` : ""}`);
    }
    await next();
  };
}
