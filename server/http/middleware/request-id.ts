import { randomUUID } from "node:crypto";
import type { Next } from "koa";
import type { Ctx } from "../state.ts";

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a well-formed `x-request-id`, else mints one; echoes it on the response. */
export function requestId() {
  return async (ctx: Ctx, next: Next) => {
    const given = ctx.get("x-request-id");
    ctx.state.requestId = ACCEPTABLE.test(given) ? given : randomUUID();
    ctx.set("x-request-id", ctx.state.requestId);
    await next();
  };
}
