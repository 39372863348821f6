import type { Next } from "koa";
import type { z } from "zod";
import { HttpError } from "../http-error.ts";
import type { Ctx, RouteSpec } from "../state.ts";

function describe(issues: z.core.$ZodIssue[]): string {
  const i = issues[0]!;
  const where = i.path.length ? `'${i.path.join(".")}'` : "the body";
  if (i.code === "unrecognized_keys") return `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(", ")}; remove them`;
  return `${where}: ${i.message}`;
}

/** Parses the JSON body and the query string and validates both with the route's zod schemas (400). */
export function parseBody(route: RouteSpec) {
  return async (ctx: Ctx, next: Next) => {
    if (route.body === "json") {
      let doc: unknown;
      try {
        doc = JSON.parse((ctx.state.raw ?? Buffer.alloc(0)).toString("utf8"));
      } catch (e) {
        throw new HttpError("ERR_MALFORMED_JSON", `the request body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
      }
      if (route.bodySchema) {
        const r = route.bodySchema.safeParse(doc);
        if (!r.success) throw new HttpError("ERR_REQUEST_INVALID", `invalid request body: ${describe(r.error.issues)}`);
        doc = r.data;
      }
      ctx.state.body = doc;
    }
    if (route.querySchema) {
      const q: Record<string, string> = {};
      for (const [k, v] of Object.entries(ctx.query)) {
        if (Array.isArray(v)) throw new HttpError("ERR_REQUEST_INVALID", `query parameter '${k}' is given more than once; give it once`);
        if (v !== undefined) q[k] = v;
      }
      const r = route.querySchema.safeParse(q);
      if (!r.success) throw new HttpError("ERR_REQUEST_INVALID", `invalid query parameters: ${describe(r.error.issues)}`);
      ctx.state.query = r.data;
    }
    await next();
  };
}
