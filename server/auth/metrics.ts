import { Counter, Gauge, Registry } from "prom-client";
import pino, { type Logger } from "pino";

/**
 * The auth layer's metrics, registered on the registry the server passes in (the
 * one `/metrics` serves). Creation is get-or-create so several authenticators
 * (tests, hot reload) can share one registry.
 */
export interface AuthMetrics {
  /** Token-file reloads that failed validation; the last good table stays live. */
  tokenReloadFailures: Counter;
  /** Entries in the live static token table. */
  staticTokens: Gauge;
  /** JWKS refreshes that failed (network, HTTP status, bad document). */
  jwksRefreshFailures: Counter;
  /** Seconds since the live JWKS was last fetched successfully (0 for pre-seeded offline keys). */
  jwksAge: Gauge<"issuer">;
  /** Policy bundle reloads that failed; the last good bundle stays live. */
  policyReloadFailures: Counter<"scope">;
  /** Authorization decisions by outcome. */
  decisions: Counter<"outcome">;
  /** Requests refused by admission, by the budget that was full. */
  admissionRejections: Counter<"budget">;
}

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: T[] = []): Counter<T> {
  return (registry.getSingleMetric(name) as Counter<T> | undefined) ?? new Counter<T>({ name, help, labelNames, registers: [registry] });
}

function gauge<T extends string>(registry: Registry, name: string, help: string, labelNames: T[] = []): Gauge<T> {
  return (registry.getSingleMetric(name) as Gauge<T> | undefined) ?? new Gauge<T>({ name, help, labelNames, registers: [registry] });
}

/** Registers (or finds) the auth metrics on `registry`; a private registry when none is given. */
export function authMetrics(registry: Registry = new Registry()): AuthMetrics {
  return {
    tokenReloadFailures: counter(registry, "omnigraph_auth_token_reload_failures_total", "Static token file reloads that failed; the last good table is kept"),
    staticTokens: gauge(registry, "omnigraph_auth_static_tokens", "Entries in the live static token table"),
    jwksRefreshFailures: counter(registry, "omnigraph_jwks_refresh_failures_total", "JWKS refreshes that failed; cached keys keep serving until jwks_stale_max"),
    jwksAge: gauge(registry, "omnigraph_jwks_age_seconds", "Seconds since the live JWKS was fetched from its issuer", ["issuer"]),
    policyReloadFailures: counter(registry, "omnigraph_policy_reload_failures_total", "Policy bundle reloads that failed; the last good bundle is kept", ["scope"]),
    decisions: counter(registry, "omnigraph_authz_decisions_total", "Authorization decisions", ["outcome"]),
    admissionRejections: counter(registry, "omnigraph_admission_rejections_total", "Requests refused by admission (429)", ["budget"]),
  };
}

/** A logger that drops everything: the default when the caller injects none. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
