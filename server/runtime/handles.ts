/**
 * The bounded cache of open graphs. Warm handles are reused; concurrent opens of one
 * graph share one open; idle handles are closed after `idleMs` and reopened on demand;
 * past `maxOpen` the least recently used idle handle is closed. A graph whose open-time
 * recovery fails is quarantined — listed, answered with 503, never served half-recovered.
 */
import { isStorageError } from "../../drivers/errors.ts";
import type { ObjectStore } from "../../drivers/contract.ts";
import { GraphEngine } from "../engine/engine.ts";
import { Graph, type OpenMode } from "../store/graph.ts";
import { isStoreError, StoreError } from "../store/errors.ts";
import { locateGraph, type TenancyLayout } from "../store/layout.ts";
import { RuntimeError } from "./errors.ts";
import { SerialWriteQueue, type WriteQueue } from "./write-queue.ts";
import { GroupCommit, type GroupCommitConfig } from "./group-commit.ts";
import { Maintenance, type MaintenanceConfig, type RunReport } from "./maintenance.ts";

/** One open graph with its engine and its write queue. */
export interface GraphHandle {
  readonly key: string;
  readonly graphId: string;
  readonly tenant: string | null;
  readonly graph: Graph;
  readonly engine: GraphEngine;
  readonly writes: WriteQueue;
  /** Mutations: the group commit pipelines of this graph (publishing inside `writes`). */
  readonly commits: GroupCommit;
  /** Automatic maintenance (read-write handles with maintenance enabled). */
  readonly maintenance: Maintenance | undefined;
  /** The graph's storage address (no secrets). */
  readonly uri: string;
}

/** A handle in use; `release` must be called once (streams release when they end). */
export interface HandleLease {
  readonly handle: GraphHandle;
  release(): void;
}

export interface QuarantineRecord {
  graphId: string;
  tenant: string | null;
  code: string;
  error: string;
}

export interface HandleEvents {
  opened?(h: GraphHandle, ms: number): void;
  closed?(h: GraphHandle, why: "idle" | "evicted" | "shutdown"): void;
  /** Closing a handle failed (its lease then expires on its own). */
  closeFailed?(h: GraphHandle, err: unknown): void;
  recovered?(h: GraphHandle, outcome: "clean" | "repaired"): void;
  quarantined?(q: QuarantineRecord, err: unknown): void;
  openCount?(n: number): void;
  /** A maintenance run of this handle's graph finished (the server turns it into metrics). */
  maintenanceRun?(h: GraphHandle, report: RunReport): void;
}

export interface HandleCacheOptions {
  layout: TenancyLayout;
  mode: OpenMode;
  maxOpen: number;
  idleMs: number;
  openConcurrency: number;
  /** Bound of each writer handle's key sets (config `handles.key_set_max_ids`); default 200 000. */
  keySetMaxIds?: number;
  events?: HandleEvents;
  warn?: (msg: string, err?: unknown) => void;
  groupCommit?: Partial<GroupCommitConfig>;
  /** Maintenance settings; undefined = no automatic maintenance. */
  maintenance?: Partial<MaintenanceConfig> | undefined;
}

interface Entry {
  handle: GraphHandle;
  refs: number;
  lastUsed: number;
}

const keyOf = (tenant: string | null, graphId: string) => `${tenant ?? ""}/${graphId}`;

export class GraphHandles {
  private readonly open = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<Entry>>();
  private readonly quarantine = new Map<string, QuarantineRecord>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Graph closes in flight (each releases a writer lease). */
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly opts: HandleCacheOptions) {
    this.timer = setInterval(() => this.evictIdle(), Math.max(250, Math.min(opts.idleMs / 2, 30_000)));
    this.timer.unref();
  }

  get size(): number {
    return this.open.size;
  }

  get quarantined(): QuarantineRecord[] {
    return [...this.quarantine.values()].sort((a, b) => (a.graphId < b.graphId ? -1 : 1));
  }

  /** Acquires a handle, opening the graph if needed. */
  async acquire(tenant: string | null, graphId: string, opts: { create?: boolean } = {}): Promise<HandleLease> {
    if (this.closed) throw new RuntimeError("ERR_NOT_READY", "the server is shutting down");
    const key = keyOf(tenant, graphId);
    const q = this.quarantine.get(key);
    if (q) throw new RuntimeError("ERR_GRAPH_QUARANTINED", `graph '${graphId}' is quarantined: its open-time recovery failed (${q.code}); an operator must repair it (omnigraph repair)`, { graph: graphId });
    let entry = this.open.get(key);
    if (!entry) {
      let p = this.opening.get(key);
      if (!p) {
        p = this.openEntry(tenant, graphId, opts.create ?? false).finally(() => this.opening.delete(key));
        this.opening.set(key, p);
      }
      entry = await p;
    }
    entry.refs++;
    entry.lastUsed = Date.now();
    let released = false;
    const e = entry;
    return {
      handle: e.handle,
      release: () => {
        if (released) return;
        released = true;
        e.refs--;
        e.lastUsed = Date.now();
      },
    };
  }

  /** Runs `fn` with a handle held. */
  async use<T>(tenant: string | null, graphId: string, fn: (h: GraphHandle) => Promise<T>): Promise<T> {
    const lease = await this.acquire(tenant, graphId);
    try {
      return await fn(lease.handle);
    } finally {
      lease.release();
    }
  }

  private async openEntry(tenant: string | null, graphId: string, create: boolean): Promise<Entry> {
    const key = keyOf(tenant, graphId);
    const started = Date.now();
    const loc = locateGraph(this.opts.layout, tenant ?? undefined, graphId);
    const graph = await Graph.open(loc, { mode: this.opts.mode, recover: false, create: create && this.opts.mode === "read-write", actor: null, ...(this.opts.warn ? { warn: this.opts.warn } : {}), ...(this.opts.keySetMaxIds !== undefined ? { keySetMaxIds: this.opts.keySetMaxIds } : {}) });
    const engine = new GraphEngine(graph);
    const writes = new SerialWriteQueue();
    // `handle` is assigned below, before maintenance starts (start() comes after the open).
    let handle: GraphHandle | undefined;
    const onRun = this.opts.events?.maintenanceRun;
    const maintenance = this.opts.mode === "read-write" && this.opts.maintenance
      ? new Maintenance(engine, this.opts.maintenance, {
        exclusive: (_branch, fn) => writes.run(fn),
        busy: () => writes.depth > 0,
        ...(this.opts.warn ? { warn: this.opts.warn } : {}),
        ...(onRun ? { onRun: (r: RunReport) => { if (handle) onRun(handle, r); } } : {}),
      })
      : undefined;
    handle = {
      key, graphId, tenant, graph, engine, writes, commits: new GroupCommit(engine, this.opts.groupCommit ?? {}, (fn) => writes.run(fn)), maintenance, uri: loc.description(),
    };
    if (this.opts.mode === "read-write") {
      try {
        const report = await graph.recover();
        this.opts.events?.recovered?.(handle, report.handled.length || report.audits.length ? "repaired" : "clean");
      } catch (e) {
        await graph.close();
        // A store that is down is not a broken graph: answer 503 and try again next time.
        if (isStorageError(e) && e.retryable) throw e;
        const rec: QuarantineRecord = { graphId, tenant, code: (e as { code?: string }).code ?? "ERR_INTERNAL", error: "open-time recovery failed" };
        this.quarantine.set(key, rec);
        this.opts.events?.quarantined?.(rec, e);
        throw new RuntimeError("ERR_GRAPH_QUARANTINED", `graph '${graphId}' is quarantined: its open-time recovery failed (${rec.code}); an operator must repair it (omnigraph repair)`, { graph: graphId }, e);
      }
    }
    this.makeRoom();
    const entry: Entry = { handle, refs: 0, lastUsed: Date.now() };
    if (this.closed) {
      await graph.close();
      throw new RuntimeError("ERR_NOT_READY", "the server is shutting down");
    }
    this.open.set(key, entry);
    handle.maintenance?.start();
    this.opts.events?.opened?.(handle, Date.now() - started);
    this.opts.events?.openCount?.(this.open.size);
    return entry;
  }

  private makeRoom(): void {
    while (this.open.size >= this.opts.maxOpen) {
      let lru: [string, Entry] | undefined;
      for (const kv of this.open) if (kv[1].refs === 0 && (!lru || kv[1].lastUsed < lru[1].lastUsed)) lru = kv;
      if (!lru) return; // every handle is busy: go over the bound briefly rather than fail
      this.closeEntry(lru[0], lru[1], "evicted");
    }
  }

  private closeEntry(key: string, e: Entry, why: "idle" | "evicted" | "shutdown"): void {
    this.open.delete(key);
    // A maintenance run in progress finishes in the background (bounded by its budget); none starts again.
    void e.handle.maintenance?.stop();
    // Closing releases the graph's writer lease: tracked so that shutdown waits for it
    // (a lease left to expire would stall the next writer's open).
    const closing = e.handle.graph.close().catch((err: unknown) => this.opts.events?.closeFailed?.(e.handle, err));
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
    this.opts.events?.closed?.(e.handle, why);
    this.opts.events?.openCount?.(this.open.size);
  }

  /** Closes handles unused for `idleMs`. */
  evictIdle(now = Date.now()): number {
    let n = 0;
    for (const [k, e] of [...this.open]) {
      if (e.refs === 0 && now - e.lastUsed >= this.opts.idleMs) {
        this.closeEntry(k, e, "idle");
        n++;
      }
    }
    return n;
  }

  /** Opens graphs in parallel, `openConcurrency` at a time; failures are reported, not thrown. */
  async openAll(ids: { tenant: string | null; graphId: string; create?: boolean }[]): Promise<{ graphId: string; ok: boolean; code?: string }[]> {
    const results: { graphId: string; ok: boolean; code?: string }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const item = ids[next++]!;
        try {
          const lease = await this.acquire(item.tenant, item.graphId, { create: item.create ?? false });
          lease.release();
          results.push({ graphId: item.graphId, ok: true });
        } catch (e) {
          results.push({ graphId: item.graphId, ok: false, code: (e as { code?: string }).code ?? "ERR_INTERNAL" });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.opts.openConcurrency, ids.length)) }, worker));
    return results;
  }

  /** Graph ids with objects under the tenant's graph prefix (one LIST per graph found). */
  async discover(tenant: string | null): Promise<string[]> {
    const { store, prefix } = this.root(tenant);
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.listPage(prefix, { maxKeys: 1, ...(after !== undefined ? { startAfter: after } : {}) });
      const item = page.items[0];
      if (!item) break;
      const id = item.key.slice(prefix.length).split("/")[0]!;
      if (id && /^[a-zA-Z0-9-]{1,64}$/.test(id)) ids.push(id);
      // '0' sorts right after '/', so this skips every key of this graph and nothing else.
      after = `${prefix}${id}0`;
    }
    return ids;
  }

  private root(tenant: string | null): { store: ObjectStore; prefix: string } {
    const l = this.opts.layout;
    if (l.kind === "prefix-per-tenant") return { store: l.store, prefix: tenant === null ? "graphs/" : `tenants/${tenant}/graphs/` };
    if (tenant === null) throw new StoreError("ERR_TENANT_REQUIRED", "this deployment keeps each tenant's graphs in its own bucket (tenancy layout bucket-per-tenant), and the caller names no tenant: use a token or OIDC claim that carries one", {});
    return { store: l.openTenantStore(tenant), prefix: "graphs/" };
  }

  /** The storage address of a graph (no secrets), without opening it. */
  uriOf(tenant: string | null, graphId: string): string {
    return locateGraph(this.opts.layout, tenant ?? undefined, graphId).description();
  }

  /** Graphs on storage, sorted, with quarantined ones listed apart. */
  async list(tenant: string | null): Promise<{ graphs: { graphId: string; uri: string }[]; quarantined: QuarantineRecord[] }> {
    const q = this.quarantined.filter((r) => r.tenant === tenant);
    const ids = new Set(await this.discover(tenant));
    for (const e of this.open.values()) if (e.handle.tenant === tenant) ids.add(e.handle.graphId);
    for (const r of q) ids.delete(r.graphId);
    return { graphs: [...ids].sort().map((graphId) => ({ graphId, uri: this.uriOf(tenant, graphId) })), quarantined: q };
  }

  /** Whether a graph exists on storage (without opening it). */
  async exists(tenant: string | null, graphId: string): Promise<boolean> {
    if (this.open.has(keyOf(tenant, graphId))) return true;
    try {
      const lease = await this.acquire(tenant, graphId);
      lease.release();
      return true;
    } catch (e) {
      if (isStoreError(e, "ERR_GRAPH_NOT_FOUND")) return false;
      throw e;
    }
  }

  /** Closes every handle (in-flight users should have finished) and waits until their leases are released. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const [k, e] of [...this.open]) this.closeEntry(k, e, "shutdown");
    await Promise.all([...this.closing]);
  }

  /** Handles still in use (for draining). */
  get busy(): number {
    let n = 0;
    for (const e of this.open.values()) n += e.refs;
    return n;
  }
}
