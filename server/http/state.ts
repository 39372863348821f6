/**
 * Types shared by the Koa app, its middleware and routes: the per-request state the
 * pipeline fills in, the dependencies injected into the app, and the route table entry.
 */
import type { ParameterizedContext } from "koa";
import type { z } from "zod";
import type { Action, Authenticator, Authorizer, Identity } from "../auth/identity.ts";
import type { ServerConfig } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import type { ServerMetrics } from "../observability/metrics.ts";
import type { GraphHandles, HandleLease } from "../runtime/handles.ts";

export type LifecycleStatus = "booting" | "serving" | "draining";

/** Process lifecycle: readiness, and the count of requests in flight (for draining). */
export class Lifecycle {
  status: LifecycleStatus = "booting";
  inflight = 0;
  private waiters: (() => void)[] = [];

  enter(): void {
    this.inflight++;
  }

  leave(): void {
    this.inflight--;
    if (this.inflight === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    return this.inflight === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}

export interface AppDeps {
  config: ServerConfig;
  handles: GraphHandles;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** True when the server runs without auth (`/openapi.json` then strips security). */
  open: boolean;
  metrics: ServerMetrics;
  log: Logger;
  lifecycle: Lifecycle;
  version: string;
}

export interface AuthzTarget {
  action: Action;
  branch: string | null;
  targetBranch: string | null;
}

export interface RequestState {
  requestId: string;
  route?: RouteSpec;
  identity?: Identity;
  graphId?: string;
  tenant?: string | null;
  lease?: HandleLease;
  /** Set by a handler that keeps the lease past the response (streams). */
  leaseTaken?: boolean;
  /** Raw request body (JSON routes), read within the limit. */
  raw?: Buffer;
  /** Parsed and validated body. */
  body?: unknown;
  /** Parsed query string. */
  query?: unknown;
  authz?: AuthzTarget;
  policyIds?: string[];
}

export type Ctx = ParameterizedContext<RequestState>;

export interface RouteSpec {
  operationId: string;
  method: "GET" | "POST" | "DELETE";
  /** OpenAPI-style path (`/graphs/{graph_id}/branches/{branch}`). */
  path: string;
  summary: string;
  /** `none`: no body; `json`: buffered JSON within `limit`; `ndjson`: streamed by the handler. */
  body: "none" | "json" | "ndjson";
  limit?: "json" | "load";
  bodySchema?: z.ZodType;
  querySchema?: z.ZodType;
  /** Whether the route is under `/graphs/{graph_id}`. */
  graph: boolean;
  /** Writes: refused on readers, gated by admission. */
  write: boolean;
  /** Whether callers must authenticate (`/healthz`, `/readyz`, `/metrics`, `/openapi.json` need not). */
  authenticate: boolean;
  /** The Cedar action and branches, once the body is parsed; undefined = no authorization. */
  authz?: (ctx: Ctx) => Promise<AuthzTarget> | AuthzTarget;
  /** Deprecated route: the successor's last path segment, for `Link`. */
  successor?: string;
  /** Our extension, not in OmniGraph's document. */
  extension?: boolean;
  /** Response statuses and schemas for the generated OpenAPI document. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** Extra header parameters (documented). */
  headers?: { name: string; required: boolean; description: string }[];
  handler: (ctx: Ctx, deps: AppDeps) => Promise<void>;
}
