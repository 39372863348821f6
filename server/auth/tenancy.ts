import { AuthConfigInvalid, TenantMismatch } from "./errors.ts";
import type { Identity } from "./identity.ts";

/**
 * Tenant ids: OmniGraph's graph-id alphabet plus `_`, so IdP organisation ids
 * such as `org_2abc…` are accepted as they are.
 */
export const TENANT_ID_PATTERN = /^(?!__proto__$)[a-zA-Z0-9_-]{1,64}$/;

/** Graph ids keep OmniGraph's pattern exactly. */
export const GRAPH_ID_PATTERN = /^[a-zA-Z0-9-]{1,64}$/;

/** `auth.tenants.<tenant>`: the hosts and token audiences that belong to one tenant. */
export interface TenantBindingConfig {
  hosts?: string[] | undefined;
  audiences?: string[] | undefined;
}

/** The host without port, lower-cased (`Acme.Example.com:443` → `acme.example.com`). */
export function normaliseHost(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1); // IPv6 literal
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}

/**
 * Binds tenants to hosts and audiences (`auth.tenants`). The tenant itself comes
 * only from the identity; this check refuses a valid token of tenant A presented
 * at tenant B's host, at a host of no tenant it owns, or carrying none of its
 * tenant's audiences.
 */
export class TenantBinding {
  private readonly hostOwner = new Map<string, string>();
  private readonly byTenant = new Map<string, { hosts: Set<string>; audiences: Set<string> }>();

  constructor(config: Record<string, TenantBindingConfig> = {}) {
    for (const [tenant, c] of Object.entries(config)) {
      if (!TENANT_ID_PATTERN.test(tenant)) throw new AuthConfigInvalid(`auth.tenants: tenant id '${tenant}' must match ${TENANT_ID_PATTERN}`);
      const hosts = new Set((c.hosts ?? []).map(normaliseHost));
      for (const h of hosts) {
        const owner = this.hostOwner.get(h);
        if (owner !== undefined) throw new AuthConfigInvalid(`auth.tenants: host '${h}' is bound to both '${owner}' and '${tenant}'`);
        this.hostOwner.set(h, tenant);
      }
      this.byTenant.set(tenant, { hosts, audiences: new Set(c.audiences ?? []) });
    }
  }

  /** True when no tenant has a binding (the check is then a no-op). */
  get empty(): boolean {
    return this.byTenant.size === 0;
  }

  /**
   * Throws ERR_TENANT_MISMATCH unless `identity` may be used at `host` with the
   * token audiences `audiences` (undefined for static tokens, which carry none).
   */
  check(identity: Identity, host: string | undefined, audiences?: readonly string[]): void {
    if (this.empty) return;
    const h = host === undefined ? undefined : normaliseHost(host);
    const owner = h === undefined ? undefined : this.hostOwner.get(h);
    if (owner !== undefined && owner !== identity.tenant) throw new TenantMismatch("the token belongs to another tenant than this host");
    const own = identity.tenant === null ? undefined : this.byTenant.get(identity.tenant);
    if (!own) return;
    if (own.hosts.size > 0 && (h === undefined || !own.hosts.has(h))) throw new TenantMismatch("the token's tenant is not served at this host");
    if (own.audiences.size > 0 && audiences !== undefined && !audiences.some((a) => own.audiences.has(a))) {
      throw new TenantMismatch("the token's audience does not belong to its tenant");
    }
  }
}
