import { AdmissionRejected } from "./errors.ts";
import type { Identity } from "./identity.ts";
import { authMetrics, type AuthMetrics } from "./metrics.ts";

/**
 * `admission.*` (omnigraph-api.md §7 plus our per-tenant keys). A limit of 0
 * disables that budget.
 */
export interface AdmissionLimits {
  /** `OMNIGRAPH_PER_ACTOR_INFLIGHT_MAX` (default 16). */
  perActorInflightMax: number;
  /** `OMNIGRAPH_PER_ACTOR_BYTES_MAX` (default 4 GiB). */
  perActorBytesMax: number;
  /** `OMNIGRAPH_PER_TENANT_INFLIGHT_MAX` (default 64). */
  perTenantInflightMax: number;
  /** `OMNIGRAPH_PER_TENANT_BYTES_MAX` (default 16 GiB). */
  perTenantBytesMax: number;
  /** `Retry-After` seconds of the 429 (OmniGraph: 60). */
  retryAfterSeconds: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  perActorInflightMax: 16,
  perActorBytesMax: 4 * 1024 ** 3,
  perTenantInflightMax: 64,
  perTenantBytesMax: 16 * 1024 ** 3,
  retryAfterSeconds: 60,
};

/** The byte estimate of branch operations (OmniGraph). */
export const BRANCH_OPERATION_BYTES = 256;

/** Which budget refused a request: the `resource` of the 429 body and the metric label. */
export type AdmissionBudget = "actor_inflight" | "actor_bytes" | "tenant_inflight" | "tenant_bytes";

interface Usage {
  inflight: number;
  bytes: number;
}

/** One admitted request; `release()` (idempotent) returns its share of the budgets. */
export interface AdmissionPermit {
  readonly actor: string;
  readonly tenant: string | null;
  readonly bytes: number;
  release(): void;
}

/**
 * Per-actor and per-tenant in-flight and byte budgets for writes. Admission is
 * immediate (no queueing, as in OmniGraph): over a limit the request is refused
 * with ERR_TOO_MANY_REQUESTS (429 + `Retry-After`) and nothing is counted.
 * Actors are keyed by tenant too: `alice` of two tenants are two actors.
 */
export class AdmissionController {
  private readonly actors = new Map<string, Usage>();
  private readonly tenants = new Map<string, Usage>();
  private readonly metrics: AuthMetrics;

  constructor(readonly limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS, metrics?: AuthMetrics) {
    this.metrics = metrics ?? authMetrics();
  }

  /** Admits a write of about `bytes`, or throws ERR_TOO_MANY_REQUESTS naming the full budget. */
  admit(identity: Pick<Identity, "actor" | "tenant">, bytes: number): AdmissionPermit {
    const size = Math.max(0, Math.ceil(bytes));
    const actorKey = `${identity.tenant ?? ""}\u0000${identity.actor}`;
    const tenantKey = identity.tenant ?? "";
    const a = this.actors.get(actorKey) ?? { inflight: 0, bytes: 0 };
    const t = this.tenants.get(tenantKey) ?? { inflight: 0, bytes: 0 };
    const l = this.limits;
    const over = (limit: number, used: number, add: number) => limit > 0 && used + add > limit;
    let budget: AdmissionBudget | undefined;
    let limit = 0;
    let used = 0;
    if (over(l.perActorInflightMax, a.inflight, 1)) [budget, limit, used] = ["actor_inflight", l.perActorInflightMax, a.inflight];
    else if (over(l.perActorBytesMax, a.bytes, size)) [budget, limit, used] = ["actor_bytes", l.perActorBytesMax, a.bytes];
    else if (over(l.perTenantInflightMax, t.inflight, 1)) [budget, limit, used] = ["tenant_inflight", l.perTenantInflightMax, t.inflight];
    else if (over(l.perTenantBytesMax, t.bytes, size)) [budget, limit, used] = ["tenant_bytes", l.perTenantBytesMax, t.bytes];
    if (budget) {
      this.metrics.admissionRejections.inc({ budget });
      const who = budget.startsWith("actor") ? `actor '${identity.actor}'` : `tenant '${identity.tenant ?? "default"}'`;
      throw new AdmissionRejected(
        `too many requests: ${who} is at its ${budget.endsWith("bytes") ? "in-flight byte" : "in-flight request"} limit (${limit}); retry after ${l.retryAfterSeconds} s`,
        { resource: budget, limit, actual: used + (budget.endsWith("bytes") ? size : 1) },
        l.retryAfterSeconds,
      );
    }
    a.inflight++;
    a.bytes += size;
    t.inflight++;
    t.bytes += size;
    this.actors.set(actorKey, a);
    this.tenants.set(tenantKey, t);
    let released = false;
    return {
      actor: identity.actor,
      tenant: identity.tenant,
      bytes: size,
      release: () => {
        if (released) return;
        released = true;
        a.inflight--;
        a.bytes -= size;
        t.inflight--;
        t.bytes -= size;
        // Drop idle entries so the maps stay as small as the set of active callers.
        if (a.inflight === 0) this.actors.delete(actorKey);
        if (t.inflight === 0) this.tenants.delete(tenantKey);
      },
    };
  }

  /** Current usage (for `/readyz`-style reports and tests). */
  usage(identity: Pick<Identity, "actor" | "tenant">): { actor: Usage; tenant: Usage } {
    const a = this.actors.get(`${identity.tenant ?? ""}\u0000${identity.actor}`) ?? { inflight: 0, bytes: 0 };
    const t = this.tenants.get(identity.tenant ?? "") ?? { inflight: 0, bytes: 0 };
    return { actor: { ...a }, tenant: { ...t } };
  }
}
