/** Helpers the route handlers share: the caller's actor, headers, the write queue. */
import { AuthError } from "../../auth/errors.ts";
import type { Action } from "../../auth/identity.ts";
import type { GraphHandle } from "../../runtime/handles.ts";
import { HttpError } from "../http-error.ts";
import type { AppDeps, Ctx, RouteSpec } from "../state.ts";
import { ErrorOutputSchema } from "../contract/schemas.ts";
import type { z } from "zod";

export function handleOf(ctx: Ctx): GraphHandle {
  return ctx.state.lease!.handle;
}

/** The actor recorded on commits: null in open mode (as OmniGraph's `actor_id`). */
export function actorOf(ctx: Ctx): string | null {
  const id = ctx.state.identity;
  return !id || id.via === "unauthenticated" ? null : id.actor;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** `Idempotency-Key` (write routes): passed to the store, which applies it. */
export function idempotencyKeyOf(ctx: Ctx): string | undefined {
  const v = ctx.req.headersDistinct["idempotency-key"];
  if (v === undefined) return undefined;
  if (v.length !== 1 || !IDEMPOTENCY_KEY.test(v[0]!)) {
    throw new HttpError("ERR_PRECONDITION_HEADER", "Idempotency-Key must appear once and be 1–255 visible ASCII characters");
  }
  return v[0];
}

/** Runs a write in the graph's queue (one at a time per graph) and counts its commit. */
export async function inWriteQueue<T extends { commit?: unknown }>(ctx: Ctx, deps: AppDeps, kind: string, fn: (h: GraphHandle) => Promise<T>): Promise<T> {
  const h = handleOf(ctx);
  const out = await h.writes.run(() => fn(h));
  if (out.commit) deps.metrics.commits.inc({ kind });
  return out;
}

/** A second authorization check inside a route (load's branch_create, merge's branch_delete). */
export function isAllowed(ctx: Ctx, deps: AppDeps, action: Action, branch: string | null, targetBranch: string | null): { allowed: boolean; reason?: string } {
  const identity = ctx.state.identity;
  if (!identity) return { allowed: false, reason: "no identity" };
  const d = deps.authorizer.authorize({ identity, action, graphId: ctx.state.graphId ?? null, branch, targetBranch });
  if (d.allowed) ctx.state.policyIds = [...(ctx.state.policyIds ?? []), ...d.policyIds];
  return d;
}

export function requireAllowed(ctx: Ctx, deps: AppDeps, action: Action, branch: string | null, targetBranch: string | null): void {
  const d = isAllowed(ctx, deps, action, branch, targetBranch);
  if (!d.allowed) throw new AuthError("ERR_FORBIDDEN", `actor '${ctx.state.identity?.actor}' may not ${action}${targetBranch ? ` '${targetBranch}'` : branch ? ` on branch '${branch}'` : ""}${d.reason ? `: ${d.reason}` : ""}`);
}

/** `Deprecation` and `Link` headers of a deprecated route. */
export function markDeprecated(ctx: Ctx, route: RouteSpec): void {
  if (!route.successor) return;
  ctx.set("deprecation", "true");
  ctx.set("link", `</graphs/${ctx.state.graphId}/${route.successor}>; rel="successor-version"`);
}

export function json(ctx: Ctx, body: unknown, status = 200): void {
  ctx.status = status;
  ctx.type = "application/json";
  ctx.body = body;
}

const DESCRIPTIONS: Record<number, string> = {
  400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed", 409: "Conflict",
  410: "Gone", 412: "Graph-commit precondition failed; the write had no effect", 413: "Payload too large", 415: "Unsupported media type",
  424: "Failed dependency", 429: "Per-actor admission cap exceeded; honor `Retry-After` header", 500: "Internal error", 503: "Unavailable: recovery required, quarantined, booting or draining",
};

/** Responses of a route: the 200 schema plus error statuses, all answered with `ErrorOutput`. */
export function responses(ok: { description: string; schema?: z.ZodType; contentType?: string }, errors: number[]): RouteSpec["responses"] {
  const r: RouteSpec["responses"] = { 200: ok };
  for (const s of errors) r[s] = { description: DESCRIPTIONS[s] ?? "Error", schema: ErrorOutputSchema };
  return r;
}
