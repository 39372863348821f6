import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import type { Logger } from "pino";
import type { Authorizer, AuthzDecision, AuthzRequest } from "../identity.ts";
import { BoundedCache } from "../lru.ts";
import { authMetrics, silentLogger, type AuthMetrics } from "../metrics.ts";
import { bundleFingerprint, loadBundleSet, type BundleSet, type CompiledBundle } from "./bundle.ts";
import { groupsOf } from "./policy-yaml.ts";
import { branchContext, type BranchContext } from "./schema.ts";

interface Prepared {
  bundle: CompiledBundle;
  psetId: string;
  schemaName: string;
}

interface LiveSet {
  deployment: Prepared | null;
  tenants: Map<string, Prepared>;
  digest: string;
}

/** What one decision saw: for `omnigraph policy explain` and the decision log. */
export interface DecisionExplanation extends AuthzDecision {
  scope: string | null;
  principalGroups: string[];
  context: BranchContext | null;
  resource: string;
  errors: string[];
}

let instances = 0;

/** Pre-parses every bundle of `set` under ids of generation slot `slot` (A/B, so memory stays bounded). */
function prepare(set: BundleSet, prefix: string, slot: number): LiveSet {
  const one = (b: CompiledBundle): Prepared => {
    const schemaName = `${prefix}:${slot}:${b.scope}:schema`;
    const psetId = `${prefix}:${slot}:${b.scope}:policies`;
    const s = cedar.preparseSchema(schemaName, b.schemaText);
    if (s.type === "failure") throw new Error(`preparse schema ${b.source}: ${s.errors[0]?.message}`);
    const p = cedar.preparsePolicySet(psetId, { staticPolicies: b.policies });
    if (p.type === "failure") throw new Error(`preparse policies ${b.source}: ${p.errors[0]?.message}`);
    return { bundle: b, psetId, schemaName };
  };
  return {
    deployment: set.deployment ? one(set.deployment) : null,
    tenants: new Map([...set.tenants].map(([t, b]) => [t, one(b)])),
    digest: set.digest,
  };
}

export interface CedarAuthorizerOptions {
  logger?: Logger | undefined;
  /** Where each decision is logged (default: `logger`). */
  decisionLogger?: Logger | undefined;
  metrics?: AuthMetrics | undefined;
  /** Poll period of the bundle files (ms); default 2000. */
  pollIntervalMs?: number | undefined;
  /** Decisions remembered per live bundle set (0 disables the cache); default 10 000. */
  decisionCacheSize?: number | undefined;
}

/**
 * Cedar authorization with pre-parsed policy sets and schema (`statefulIsAuthorized`).
 * Default deny: a request no permit matches is refused; a tenant with no bundle of
 * its own uses the deployment bundle, and with neither is refused.
 *
 * Bundles are re-read when their files change: the new set is validated and
 * pre-parsed into the idle A/B slot, then swapped in one assignment. A bad change
 * keeps the last good set (WARN + `omnigraph_policy_reload_failures_total`).
 */
export class CedarAuthorizer implements Authorizer {
  private live: LiveSet;
  private slot = 0;
  private readonly prefix = `og${++instances}`;
  private fingerprint: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private readonly decisionLogger: Logger;
  private readonly metrics: AuthMetrics;
  /**
   * A decision is a pure function of the live bundle set and the request (entities
   * carry no attributes; the context derives from the branches), so repeats are
   * answered from here; the cache is cleared on every swap.
   */
  private readonly decisions: BoundedCache<string, DecisionExplanation>;

  /** Loads and validates the bundles under `root`; throws ERR_POLICY_INVALID (boot fails). */
  constructor(readonly root: string, private readonly options: CedarAuthorizerOptions = {}) {
    this.logger = options.logger ?? silentLogger();
    this.decisionLogger = options.decisionLogger ?? this.logger;
    this.metrics = options.metrics ?? authMetrics();
    this.fingerprint = bundleFingerprint(this.watchRoot);
    this.live = prepare(loadBundleSet(root), this.prefix, this.slot);
    this.decisions = new BoundedCache(options.decisionCacheSize ?? 10_000);
  }

  private get watchRoot(): string {
    return existsSync(this.root) && statSync(this.root).isFile() ? dirname(this.root) : this.root;
  }

  /** SHA-256 of the live bundle inputs. */
  get digest(): string {
    return this.live.digest;
  }

  /** Tenants with a bundle of their own. */
  tenantIds(): string[] {
    return [...this.live.tenants.keys()];
  }

  /** The bundle deciding for `tenant`, or null (→ deny). */
  bundleFor(tenant: string | null): CompiledBundle | null {
    return this.preparedFor(tenant)?.bundle ?? null;
  }

  private preparedFor(tenant: string | null): Prepared | null {
    return (tenant !== null ? this.live.tenants.get(tenant) : undefined) ?? this.live.deployment;
  }

  /** Re-reads the bundles now; true when swapped in, false when the last good set was kept. */
  reload(): boolean {
    const fp = bundleFingerprint(this.watchRoot);
    try {
      const next = prepare(loadBundleSet(this.root), this.prefix, 1 - this.slot);
      this.slot = 1 - this.slot;
      this.live = next;
      this.decisions.clear();
      this.fingerprint = fp;
      this.logger.info({ event: "policy.reloaded", root: this.root, digest: next.digest }, "policy bundle reloaded");
      return true;
    } catch (e) {
      this.fingerprint = fp; // do not retry the same bad files every tick
      this.metrics.policyReloadFailures.inc({ scope: this.root });
      this.logger.warn({ event: "policy.reload_failed", root: this.root, code: (e as { code?: string }).code, err: (e as Error).message }, "policy bundle rejected; keeping the last good bundle");
      return false;
    }
  }

  /** Polls the bundle files and reloads on change. */
  watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (bundleFingerprint(this.watchRoot) !== this.fingerprint) this.reload();
    }, this.options.pollIntervalMs ?? 2000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private decide(r: AuthzRequest): DecisionExplanation {
    if (this.decisions.capacity === 0) return this.explain(r);
    const i = r.identity;
    const key = JSON.stringify([i.tenant, i.actor, [...i.groups].sort(), r.action, r.graphId, r.branch, r.targetBranch]);
    let e = this.decisions.get(key);
    if (!e) {
      e = this.explain(r);
      this.decisions.set(key, e);
    }
    return e;
  }

  /** Decides and explains one request (no logging, no cache). */
  explain(r: AuthzRequest): DecisionExplanation {
    const resource = r.action === "graph_list" ? `Omnigraph::Server::"root"` : `Omnigraph::Graph::${JSON.stringify(r.graphId ?? "")}`;
    const p = this.preparedFor(r.identity.tenant);
    if (!p) return { allowed: false, policyIds: [], reason: "no_policy_bundle", scope: null, principalGroups: [], context: null, resource, errors: [] };
    const b = p.bundle;
    const groups = new Set(r.identity.groups);
    if (b.policyFile) for (const g of groupsOf(b.policyFile, r.identity.actor)) groups.add(g);
    const principalGroups = [...groups].sort();
    const context = branchContext(r.branch, r.targetBranch, b.protectedBranches);
    // OmniGraph: an actor in no group is denied before Cedar runs (policy.yaml bundles).
    if (b.policyFile && principalGroups.length === 0) {
      return { allowed: false, policyIds: [], reason: "actor_in_no_group", scope: b.scope, principalGroups, context, resource, errors: [] };
    }
    const principal = { type: "Omnigraph::Actor", id: r.identity.actor };
    const answer = cedar.statefulIsAuthorized({
      principal,
      action: { type: "Omnigraph::Action", id: r.action },
      resource: r.action === "graph_list" ? { type: "Omnigraph::Server", id: "root" } : { type: "Omnigraph::Graph", id: r.graphId ?? "" },
      context,
      preparsedSchemaName: p.schemaName,
      validateRequest: true,
      preparsedPolicySetId: p.psetId,
      entities: [
        { uid: principal, attrs: {}, parents: principalGroups.map((g) => ({ type: "Omnigraph::Group", id: g })) },
        ...principalGroups.map((g) => ({ uid: { type: "Omnigraph::Group", id: g }, attrs: {}, parents: [] })),
      ],
    });
    if (answer.type === "failure") {
      return { allowed: false, policyIds: [], reason: "evaluation_error", scope: b.scope, principalGroups, context, resource, errors: answer.errors.map((e) => e.message) };
    }
    const { decision, diagnostics } = answer.response;
    const policyIds = [...diagnostics.reason].sort();
    const allowed = decision === "allow";
    return {
      allowed, policyIds, ...(allowed ? {} : { reason: policyIds.length ? "forbidden_by_policy" : "no_permit_matched" }),
      scope: b.scope, principalGroups, context, resource, errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
    };
  }

  authorize(r: AuthzRequest): AuthzDecision {
    const e = this.decide(r);
    this.metrics.decisions.inc({ outcome: e.allowed ? "allow" : "deny" });
    this.decisionLogger.info(
      {
        event: "authz.decision", actor: r.identity.actor, tenant: r.identity.tenant, action: r.action, graph: r.graphId, branch: r.branch,
        target_branch: r.targetBranch, outcome: e.allowed ? "allow" : "deny", policy_ids: e.policyIds, ...(e.reason ? { reason: e.reason } : {}),
        ...(e.errors.length ? { errors: e.errors } : {}),
      },
      "authorization decision",
    );
    return { allowed: e.allowed, policyIds: e.policyIds, ...(e.reason ? { reason: e.reason } : {}) };
  }
}
