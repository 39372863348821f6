import type { Next } from "koa";
import type { ServerConfig } from "../../config/schema.ts";
import { RuntimeError } from "../../runtime/errors.ts";
import type { Ctx, RouteSpec } from "../state.ts";

/** A reader refuses writes with 409 `ERR_WRITE_ON_READER`, naming the writer when configured. */
export function roleGate(route: RouteSpec, config: ServerConfig) {
  return async (ctx: Ctx, next: Next) => {
    if (route.write && config.role === "reader") {
      throw new RuntimeError(
        "ERR_WRITE_ON_READER",
        `this server is a read replica and does not accept writes${config.writer_url ? `; send writes to ${config.writer_url}` : ""}`,
        config.writer_url ? { writer_url: config.writer_url } : {},
      );
    }
    await next();
  };
}
