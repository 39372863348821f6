/**
 * The Koa data plane. Global: request id → access log → error mapping → lifecycle gate
 * → router → JSON 404/405. Per route: body limits → authenticate → graph lookup →
 * parse/validate → authorize → role → admission → handler; each step is one
 * middleware in `middleware/`, taking the auth interfaces by injection.
 */
import Router from "@koa/router";
import Koa, { type Next } from "koa";
import { HttpError } from "./http-error.ts";
import { accessLog } from "./middleware/access-log.ts";
import { admission } from "./middleware/admission.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { authorize } from "./middleware/authorize.ts";
import { bodyLimits } from "./middleware/body-limits.ts";
import { errorMapping } from "./middleware/error-mapping.ts";
import { graphLookup } from "./middleware/graph-lookup.ts";
import { lifecycleGate } from "./middleware/lifecycle.ts";
import { parseBody } from "./middleware/parse-body.ts";
import { requestId } from "./middleware/request-id.ts";
import { roleGate } from "./middleware/role.ts";
import { GRAPH_ROUTES } from "./routes/graph.ts";
import { metaRoutes } from "./routes/meta.ts";
import type { AppDeps, Ctx, RequestState, RouteSpec } from "./state.ts";

/** `/graphs/{graph_id}/branches/{branch}` → Koa's `/graphs/:graph_id/branches/*branch` (branch names contain '/'). */
function koaPath(path: string): string {
  return path.replace("{branch}", "*branch").replace(/\{([a-z_]+)\}/g, ":$1");
}

/** Every route the app serves, in registration order. */
export function allRoutes(): RouteSpec[] {
  const routes: RouteSpec[] = [];
  routes.push(...metaRoutes(() => routes), ...GRAPH_ROUTES);
  return routes;
}

export function createApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>();
  app.proxy = false;
  app.silent = true;
  app.on("error", (err: unknown) => deps.log.warn({ err }, "connection error"));
  const router = new Router<RequestState>();
  const admit = admission(deps.config.admission);
  for (const route of allRoutes()) {
    const chain = [
      async (ctx: Ctx, next: Next) => {
        ctx.state.route = route;
        await next();
      },
      bodyLimits(route, deps.config.limits),
      ...(route.authenticate ? [authenticate(deps.authenticator)] : []),
      ...(route.graph ? [graphLookup(deps.handles)] : []),
      parseBody(route),
      authorize(route, deps.authorizer),
      roleGate(route, deps.config),
      admit(route),
      (ctx: Ctx) => route.handler(ctx, deps),
    ];
    router.register(koaPath(route.path), [route.method], chain as never);
  }

  app.use(requestId());
  app.use(accessLog(deps.log, deps.metrics));
  app.use(errorMapping(deps.log, deps.metrics));
  app.use(lifecycleGate(deps.lifecycle));
  app.use(router.routes());
  app.use(async (ctx: Ctx) => {
    if (ctx.body !== undefined && ctx.body !== null) return;
    const m = router.match(ctx.path, ctx.method);
    if (m.path.length > 0) {
      const allowed = [...new Set(m.path.flatMap((l) => l.methods))].filter((x) => x !== "HEAD" || m.path.some((l) => l.methods.includes("GET")));
      throw new HttpError("ERR_METHOD_NOT_ALLOWED", `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allowed.join(", ")}`, {}, { allow: allowed.join(", ") });
    }
    throw new HttpError("ERR_ROUTE_NOT_FOUND", `no route ${ctx.method} ${ctx.path.slice(0, 200)}${/^\/(read|query|snapshot|mutate|change|load|ingest|export|schema|branches|commits)\b/.test(ctx.path) ? "; per-graph routes live under /graphs/{graph_id}/" : ""}`);
  });
  return app;
}
