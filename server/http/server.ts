/**
 * Assembles and runs the data plane from a loaded config: store, tenancy layout, graph
 * handles, auth, the Koa app, the listener, boot (declared graphs, parallel opens) and
 * graceful shutdown. `omnigraph serve` and the benchmarks call this.
 */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ObjectStore } from "../../drivers/contract.ts";
import { openStoreLazily } from "../../drivers/open-lazily.ts";
import { buildAuthStack, type AuthStack } from "../auth/from-config.ts";
import type { Authenticator, Authorizer } from "../auth/identity.ts";
import type { LoadedConfig } from "../config/load.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { ServerMetrics } from "../observability/metrics.ts";
import { GraphHandles } from "../runtime/handles.ts";
import { groupCommitConfigFrom } from "../runtime/group-commit.ts";
import { maintenanceConfigFrom } from "../runtime/maintenance.ts";
import { MeteredStore } from "../runtime/store-metrics.ts";
import type { TenancyLayout } from "../store/layout.ts";
import { createApp } from "./app.ts";
import { listen, VERSION } from "./listen.ts";
import { Lifecycle, type AppDeps } from "./state.ts";

export { VERSION } from "./listen.ts";

export interface StartOptions {
  /** Extra tokens (the dev token of `npm start`), merged with the configured ones. */
  extraTokens?: Map<string, string>;
  /** A policy bundle used when none is configured (policies/default for `npm start`). */
  defaultBundle?: string;
  /** Replace the authenticator / authorizer (the auth helper's implementations, tests). */
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  /** An auth stack already built (by `serve`, which refuses a bad auth setup before it binds). */
  authStack?: AuthStack;
  /** An already-listening server (bound early by `serve`) to take over. */
  server?: Server;
  log?: Logger;
  metrics?: ServerMetrics;
}

export interface RunningServer {
  /** `host:port` actually bound. */
  address: string;
  url: string;
  deps: AppDeps;
  /** Resolves when boot finished (declared graphs created, known graphs opened). */
  booted: Promise<void>;
  /**
   * Graceful stop: readiness goes 503 draining, new requests are refused, in-flight ones
   * get `graceMs` to finish, then handles close. Resolves true when everything finished
   * in time.
   */
  drain(graceMs?: number): Promise<boolean>;
}

async function layoutOf(loaded: LoadedConfig, store: ObjectStore, wrap: (s: ObjectStore) => ObjectStore): Promise<TenancyLayout> {
  const t = loaded.config.tenancy;
  if (t.layout !== "bucket-per-tenant") return { kind: "prefix-per-tenant", store };
  const { openStore } = await import("../../drivers/open.ts");
  const stores = new Map<string, ObjectStore>();
  return {
    kind: "bucket-per-tenant",
    openTenantStore: (tenant) => {
      let s = stores.get(tenant);
      if (!s) {
        s = openStore(t.bucket_template!.replaceAll("{tenant}", tenant), { s3Defaults: loaded.storage.s3, wrap });
        stores.set(tenant, s);
      }
      return s;
    },
  };
}

export async function startServer(loaded: LoadedConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const { config } = loaded;
  const log = opts.log ?? createLogger({ level: config.log.level });
  const metrics = opts.metrics ?? new ServerMetrics();

  // Auth (server/auth): static/OIDC/hybrid identity, Cedar or the policyless states,
  // admission, audit. Boot fails closed on bad tokens, keys or policies.
  const stack: AuthStack = opts.authStack ?? await buildAuthStack(loaded, {
    logger: log,
    registry: metrics.registry,
    extraTokens: [...(opts.extraTokens ?? [])].map(([actor, token]) => ({ actor, token })),
    defaultBundle: opts.defaultBundle,
  });
  const authenticator = opts.authenticator ?? stack.authenticator;
  const authorizer = opts.authorizer ?? stack.authorizer;
  const open = stack.authenticator.mode === "unauthenticated";

  const wrap = (raw: ObjectStore) => new MeteredStore(raw, (kind) => metrics.storeRequests.inc({ kind }));
  const store = await openStoreLazily(config.store, { s3Defaults: loaded.storage.s3, wrap });
  const layout = await layoutOf(loaded, store, wrap);
  const handles = new GraphHandles({
    layout,
    mode: config.role === "reader" ? "read-only" : "read-write",
    maxOpen: config.handles.max_open,
    idleMs: config.handles.idle_seconds * 1000,
    openConcurrency: config.handles.open_concurrency,
    keySetMaxIds: config.handles.key_set_max_ids,
    warn: (msg, err) => log.warn({ err }, msg),
    groupCommit: groupCommitConfigFrom(config.group_commit),
    maintenance: config.maintenance.enabled ? maintenanceConfigFrom(config.maintenance) : undefined,
    events: {
      opened: (h, ms) => log.info({ graph: h.graphId, tenant: h.tenant, ms }, "graph opened"),
      closed: (h, why) => log.info({ graph: h.graphId, why }, "graph closed"),
      recovered: (h, outcome) => metrics.recoveries.inc({ outcome }),
      quarantined: (q, err) => {
        metrics.recoveries.inc({ outcome: "failed" });
        metrics.quarantined.set(handles.quarantined.length);
        log.error({ graph: q.graphId, tenant: q.tenant, code: q.code, err }, "graph quarantined: open-time recovery failed");
      },
      openCount: (n) => metrics.openHandles.set(n),
      maintenanceRun: (_h, report) => metrics.recordMaintenanceRun(report),
    },
  });
  const lifecycle = new Lifecycle();
  const deps: AppDeps = { config, handles, authenticator, authorizer, open, metrics, log, lifecycle, version: VERSION, auth: stack };
  const app = createApp(deps);
  const server: Server = opts.server ?? (await listen(config.bind, { role: config.role, shutdownGraceSeconds: config.shutdown_grace_seconds }));
  server.removeAllListeners("request");
  server.on("request", app.callback());
  server.keepAliveTimeout = 5_000;
  const addr = server.address() as AddressInfo;
  const address = `${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;

  const booted = (async () => {
    const started = Date.now();
    const writable = config.role !== "reader";
    const declared = Object.entries(config.graphs);
    if (writable) {
      for (const [graphId, g] of declared) {
        try {
          const lease = await handles.acquire(g.tenant, graphId, { create: true });
          try {
            const h = lease.handle;
            if (g.schema && !(await h.engine.snapshot()).schemaHash) {
              const source = readFileSync(g.schema, "utf8");
              await h.writes.run(() => h.engine.applySchema({ source, actor: null }));
              log.info({ graph: graphId }, "declared graph created with its schema");
            }
          } finally {
            lease.release();
          }
        } catch (e) {
          log.error({ graph: graphId, err: e }, "could not create a declared graph");
        }
      }
    }
    const known = new Set(declared.map(([id]) => id));
    let discovered: string[] = [];
    try {
      if (config.tenancy.layout !== "bucket-per-tenant") discovered = await handles.discover(null);
    } catch (e) {
      log.error({ err: e }, "could not list graphs on the store");
    }
    const toOpen = [...new Set([...known, ...discovered])].slice(0, config.handles.max_open).map((graphId) => ({ tenant: config.graphs[graphId]?.tenant ?? null, graphId }));
    const results = await handles.openAll(toOpen);
    log.info({ opened: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).map((r) => `${r.graphId}:${r.code}`), ms: Date.now() - started }, "boot complete");
    if (lifecycle.status === "booting") lifecycle.status = "serving";
  })();

  let draining: Promise<boolean> | undefined;
  const drain = (graceMs = config.shutdown_grace_seconds * 1000): Promise<boolean> => {
    draining ??= (async () => {
      // Keep accepting connections while draining, so probes see 503 `draining` and new
      // requests get a JSON 503; close the listener once in-flight work is done.
      lifecycle.status = "draining";
      log.info({ inflight: lifecycle.inflight, grace_ms: graceMs }, "draining");
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        lifecycle.idle().then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!inTime) log.error({ inflight: lifecycle.inflight }, "shutdown grace expired with requests in flight");
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      await handles.close();
      stack.close();
      await store.close();
      log.info({ in_time: inTime }, "stopped");
      return inTime;
    })();
    return draining;
  };

  return { address, url: `http://${address}`, deps, booted, drain };
}
