import type { Next } from "koa";
import { RuntimeError } from "../../runtime/errors.ts";
import type { Ctx, Lifecycle } from "../state.ts";

const ALWAYS = new Set(["/healthz", "/readyz", "/metrics", "/openapi.json"]);

/** Counts requests in flight; refuses new work while booting or draining (503). */
export function lifecycleGate(lifecycle: Lifecycle) {
  return async (ctx: Ctx, next: Next) => {
    if (!ALWAYS.has(ctx.path) && lifecycle.status !== "serving") {
      ctx.set("connection", "close");
      throw new RuntimeError("ERR_NOT_READY", lifecycle.status === "draining" ? "the server is draining for shutdown; retry on another instance" : "the server is still booting; retry shortly");
    }
    lifecycle.enter();
    try {
      await next();
    } finally {
      lifecycle.leave();
    }
  };
}
