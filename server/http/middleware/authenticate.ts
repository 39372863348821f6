import type { Next } from "koa";
import { wwwAuthenticate } from "../../auth/authenticator.ts";
import { AuthError } from "../../auth/errors.ts";
import type { Authenticator } from "../../auth/identity.ts";
import type { Ctx } from "../state.ts";

/**
 * Resolves the caller's identity from the `Authorization` header only (a token in
 * the query string is never read). A refusal carries the RFC 6750 challenge, with
 * RFC 9728 `resource_metadata` when configured; the error table sets the status.
 */
export function authenticate(authenticator: Authenticator, resourceMetadataUrl?: string) {
  return async (ctx: Ctx, next: Next) => {
    try {
      ctx.state.identity = await authenticator.authenticate({ authorization: ctx.get("authorization") || undefined, host: ctx.get("host") || undefined });
    } catch (e) {
      if (e instanceof AuthError && e.bearerError !== undefined || e instanceof AuthError && e.code === "ERR_UNAUTHENTICATED") {
        ctx.set("WWW-Authenticate", wwwAuthenticate(e, { resourceMetadataUrl }));
      }
      throw e;
    }
    await next();
  };
}
