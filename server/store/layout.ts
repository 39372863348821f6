import type { ObjectStore } from "../../drivers/contract.ts";
import { joinKey } from "../../drivers/keys.ts";
import { StoreError } from "./errors.ts";

/**
 * Where one graph lives: a store and a key prefix inside it. Every object of the graph
 * (our metadata and its Lance datasets) sits under the prefix.
 *
 * Objects under the prefix:
 * - `__manifest/log/<seq:020>.json`  immutable manifest entries (create-only)
 * - `__manifest/head.json`           head hint (a copy of a recent entry; never authority)
 * - `__recovery/<txid>.json`         recovery sidecars of in-flight writes
 * - `__schema/<sha256>.json`         accepted schemas (content-addressed, create-only)
 * - `__pins/<commit id>.json`        snapshots pinned against version cleanup
 * - `data/<table>.lance/…`           Lance datasets (written by LanceDB)
 */
export class GraphLocation {
  constructor(readonly store: ObjectStore, readonly prefix: string, readonly graphId: string, readonly tenant: string | undefined) {}

  /** The graph's address for outputs and logs (no secrets; store URL parameters dropped). */
  description(): string {
    return `${this.store.description.replace(/\?.*$/, "").replace(/\/+$/, "")}/${this.prefix}`;
  }

  key(rel: string): string {
    return joinKey(this.prefix, rel);
  }

  logKey(seq: number): string {
    return this.key(`__manifest/log/${String(seq).padStart(20, "0")}.json`);
  }

  get logPrefix(): string {
    return this.key("__manifest/log/");
  }

  get hintKey(): string {
    return this.key("__manifest/head.json");
  }

  sidecarKey(txId: string): string {
    return this.key(`__recovery/${txId}.json`);
  }

  get sidecarPrefix(): string {
    return this.key("__recovery/");
  }

  schemaKey(hash: string): string {
    return this.key(`__schema/${hash}.json`);
  }

  pinKey(commitId: string): string {
    return this.key(`__pins/${commitId}.json`);
  }

  get pinPrefix(): string {
    return this.key("__pins/");
  }

  /** Lance connection location for this graph's datasets. */
  lance(): { uri: string; storageOptions: Record<string, string> } {
    return this.store.lance(this.key("data"));
  }
}

/**
 * How graphs map onto storage, chosen by configuration (not code):
 * - `prefix-per-tenant`: one store; graph prefix `tenants/<tenant>/graphs/<graph>`.
 * - `bucket-per-tenant`: one store per tenant (`openTenantStore(tenant)`, e.g. a bucket
 *   named after the tenant); graph prefix `graphs/<graph>` inside it.
 * Single-tenant installs (air-gapped, local) use tenant `undefined` → `graphs/<graph>`.
 */
export type TenancyLayout =
  | { kind: "prefix-per-tenant"; store: ObjectStore }
  | { kind: "bucket-per-tenant"; openTenantStore: (tenant: string) => ObjectStore };

const ID = /^[a-zA-Z0-9-]{1,64}$/;
/** Tenant ids also accept `_` (IdP org ids such as `org_…`); graph ids keep OmniGraph's pattern. */
const TENANT_ID = /^(?!__proto__$)[a-zA-Z0-9_-]{1,64}$/;

export function locateGraph(layout: TenancyLayout, tenant: string | undefined, graphId: string): GraphLocation {
  if (!ID.test(graphId)) throw new StoreError("ERR_GRAPH_ID_INVALID", `graph id ${JSON.stringify(graphId.slice(0, 80))} must match ^[a-zA-Z0-9-]{1,64}$`, { graphId: graphId.slice(0, 80) });
  if (tenant !== undefined && !TENANT_ID.test(tenant)) throw new StoreError("ERR_GRAPH_ID_INVALID", `tenant id ${JSON.stringify(tenant.slice(0, 80))} must match ^[a-zA-Z0-9_-]{1,64}$ (and not be __proto__)`, { tenant: tenant.slice(0, 80) });
  if (layout.kind === "prefix-per-tenant") {
    const prefix = tenant === undefined ? `graphs/${graphId}` : `tenants/${tenant}/graphs/${graphId}`;
    return new GraphLocation(layout.store, prefix, graphId, tenant);
  }
  if (tenant === undefined) {
    throw new StoreError("ERR_TENANT_REQUIRED", `this deployment keeps each tenant's graphs in its own bucket (tenancy layout bucket-per-tenant), and the caller names no tenant: use a token or OIDC claim that carries one`, { graphId });
  }
  return new GraphLocation(layout.openTenantStore(tenant), `graphs/${graphId}`, graphId, tenant);
}
