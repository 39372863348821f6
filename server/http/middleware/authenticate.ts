import type { Next } from "koa";
import type { Authenticator } from "../../auth/identity.ts";
import type { Ctx } from "../state.ts";

/** Resolves the caller's identity from the bearer token (typed 401 on failure). */
export function authenticate(authenticator: Authenticator) {
  return async (ctx: Ctx, next: Next) => {
    ctx.state.identity = await authenticator.authenticate({ authorization: ctx.get("authorization") || undefined, host: ctx.get("host") || undefined });
    await next();
  };
}
