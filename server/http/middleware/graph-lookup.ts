import type { Next } from "koa";
import { GRAPH_ID, RESERVED_GRAPH_IDS } from "../../config/schema.ts";
import type { GraphHandles } from "../../runtime/handles.ts";
import { HttpError } from "../http-error.ts";
import type { Ctx } from "../state.ts";

/**
 * Resolves `graph_id` within the caller's tenant (the tenant comes from the identity,
 * never from the URL) to an open handle: 400 malformed id, 404 unknown, 503 quarantined.
 * The handle is held until the response is done (or by a stream that takes it).
 */
export function graphLookup(handles: GraphHandles) {
  return async (ctx: Ctx, next: Next) => {
    const id = String((ctx as unknown as { params: Record<string, string> }).params.graph_id ?? "");
    if (!GRAPH_ID.test(id) || (RESERVED_GRAPH_IDS as readonly string[]).includes(id)) {
      throw new HttpError("ERR_GRAPH_ID_INVALID", `graph id ${JSON.stringify(id.slice(0, 80))} is not valid: use 1–64 letters, digits or '-' (not ${RESERVED_GRAPH_IDS.join(", ")})`);
    }
    ctx.state.graphId = id;
    const tenant = ctx.state.identity?.tenant ?? null;
    ctx.state.tenant = tenant;
    const lease = await handles.acquire(tenant, id);
    ctx.state.lease = lease;
    try {
      await next();
    } finally {
      if (!ctx.state.leaseTaken) lease.release();
    }
  };
}
