import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Logger } from "pino";
import { z } from "zod";
import { AuthConfigInvalid, JwksNoMatchingKey, JwksStale, JwksUnavailable } from "./errors.ts";
import { authMetrics, silentLogger, type AuthMetrics } from "./metrics.ts";

/** Where the trusted keys come from (omnigraph-ops.md §5). At least one source is required. */
export interface JwksSources {
  /** `auth.oidc.jwks_uri`: fetched, cached, refreshed in the background. */
  uri?: string | null | undefined;
  /** The issuer whose discovery document names the `jwks_uri` (used when `uri` is blank). */
  discoveryIssuer?: string | null | undefined;
  /** `auth.oidc.jwks_offline_path`: a pre-seeded JWKS file, reloaded on change; never goes stale. */
  offlinePath?: string | null | undefined;
  /** `auth.oidc.jwks` inline: a pre-seeded key set; never goes stale. */
  inline?: JSONWebKeySet | null | undefined;
  /** `auth.oidc.jwks_cache_path`: where fetched keys are written, so a restart boots without the issuer. */
  cachePath?: string | null | undefined;
}

export interface JwksCacheOptions {
  sources: JwksSources;
  /** `jwks_cache_ttl`: background refresh period (ms). */
  cacheTtlMs: number;
  /** `jwks_stale_max`: past this age without a successful fetch, remote keys are refused (ms). */
  staleMaxMs: number;
  /** Minimum time between two refreshes caused by an unknown `kid` (ms); default 30 s. */
  unknownKidMinIntervalMs?: number | undefined;
  /** Per-fetch timeout (ms); default 5 s. */
  fetchTimeoutMs?: number | undefined;
  /** Retry period after a failed background refresh (ms); default min(ttl, 30 s). */
  retryMs?: number | undefined;
  logger?: Logger | undefined;
  metrics?: AuthMetrics | undefined;
  /** Label of the `omnigraph_jwks_age_seconds` series. */
  issuerLabel?: string | undefined;
  now?: (() => number) | undefined;
}

const JwkSchema = z.looseObject({ kty: z.string() });
const JwksSchema = z.looseObject({ keys: z.array(JwkSchema) });
const CacheFileSchema = z.strictObject({ fetched_at: z.number(), jwks_uri: z.string(), jwks: JwksSchema });
const DiscoverySchema = z.looseObject({ issuer: z.string(), jwks_uri: z.string() });

type KeySource = "remote" | "cache" | "offline" | "inline";

interface LiveKeys {
  readonly jwks: JSONWebKeySet;
  readonly resolve: ReturnType<typeof createLocalJWKSet>;
  /** When the keys were fetched from the issuer; `null` for operator-managed keys that never go stale. */
  readonly fetchedAt: number | null;
  readonly source: KeySource;
}

function parseJwks(value: unknown, where: string): JSONWebKeySet {
  const parsed = JwksSchema.safeParse(value);
  if (!parsed.success) throw new JwksUnavailable(`${where} is not a JWKS document ({"keys": [...]})`);
  // Symmetric keys can never verify a token here: refusing them keeps HMAC-with-a-public-key impossible.
  const keys = parsed.data.keys.filter((k) => k.kty !== "oct");
  return { keys: keys as JSONWebKeySet["keys"] };
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new JwksUnavailable(`cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "not JSON"}`, e);
  }
}

/**
 * The trusted key set of one OIDC provider, validated offline on the request path.
 *
 * - Seeds from inline keys, `jwks_offline_path` or the cache file; then (when a
 *   `jwks_uri` or discovery is configured) refreshes in the background every
 *   `jwks_cache_ttl`. Boot needs the issuer only when nothing is seeded.
 * - An unknown `kid` triggers at most one refresh per `unknownKidMinIntervalMs`;
 *   concurrent misses share that one fetch.
 * - A failed refresh keeps the cached keys (WARN, `omnigraph_jwks_refresh_failures_total`);
 *   once fetched keys are older than `jwks_stale_max`, every token is refused
 *   (ERR_JWKS_STALE) until a refresh succeeds.
 */
export class JwksCache {
  private live: LiveKeys | undefined;
  private inflight: Promise<void> | undefined;
  private lastKidRefresh = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private discoveredUri: string | undefined;
  private readonly logger: Logger;
  private readonly metrics: AuthMetrics;
  private readonly now: () => number;
  /** Remote fetches attempted (for tests and logs). */
  fetches = 0;
  /** Bumped whenever the trusted key set changes: caches of verified tokens key on it. */
  generation = 0;

  constructor(private readonly options: JwksCacheOptions) {
    const s = options.sources;
    if (!s.uri && !s.discoveryIssuer && !s.offlinePath && !s.inline) {
      throw new AuthConfigInvalid("auth.oidc needs a key source: jwks_uri, an issuer for discovery, jwks_offline_path or inline jwks");
    }
    this.logger = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? authMetrics();
    this.now = options.now ?? Date.now;
  }

  private get remote(): boolean {
    return Boolean(this.options.sources.uri || this.options.sources.discoveryIssuer);
  }

  private get label(): string {
    return this.options.issuerLabel ?? this.options.sources.uri ?? this.options.sources.discoveryIssuer ?? "offline";
  }

  private install(jwks: JSONWebKeySet, fetchedAt: number | null, source: KeySource): void {
    if (!this.live || JSON.stringify(this.live.jwks) !== JSON.stringify(jwks)) this.generation++;
    this.live = { jwks, resolve: createLocalJWKSet(jwks), fetchedAt, source };
    this.updateAgeMetric();
  }

  /** Seconds since the live keys were fetched; 0 for operator-managed keys; Infinity before any keys. */
  ageSeconds(): number {
    if (!this.live) return Number.POSITIVE_INFINITY;
    return this.live.fetchedAt === null ? 0 : Math.max(0, (this.now() - this.live.fetchedAt) / 1000);
  }

  private updateAgeMetric(): void {
    const age = this.ageSeconds();
    if (Number.isFinite(age)) this.metrics.jwksAge.set({ issuer: this.label }, age);
  }

  /** Where the live keys came from, for `/readyz`-style reports. */
  get source(): KeySource | undefined {
    return this.live?.source;
  }

  /** Loads the seed (inline → offline file → cache file); fetches only when nothing is seeded. */
  async init(): Promise<void> {
    const s = this.options.sources;
    if (s.inline) this.install(parseJwks(s.inline, "auth.oidc.jwks"), null, "inline");
    else if (s.offlinePath) this.install(parseJwks(readJson(s.offlinePath, "JWKS file"), s.offlinePath), null, "offline");
    else if (s.cachePath) this.loadCacheFile(s.cachePath);
    if (!this.live) {
      // Nothing seeded: the issuer must answer once, or boot fails closed.
      await this.refresh();
      if (!this.live) throw new JwksUnavailable(`no JWKS could be loaded from ${this.label}; seed jwks_offline_path or jwks_cache_path for offline boots`);
    } else if (this.remote) {
      void this.refresh().catch(() => undefined);
    }
  }

  private loadCacheFile(path: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return; // no cache yet: the first fetch writes it
    }
    const parsed = CacheFileSchema.safeParse(raw);
    if (!parsed.success) {
      this.logger.warn({ event: "auth.jwks.cache_invalid", path }, "ignoring an unreadable JWKS cache file");
      return;
    }
    this.install(parseJwks(parsed.data.jwks, path), parsed.data.fetched_at, "cache");
  }

  private writeCacheFile(uri: string, jwks: JSONWebKeySet, fetchedAt: number): void {
    const path = this.options.sources.cachePath;
    if (!path) return;
    try {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ fetched_at: fetchedAt, jwks_uri: uri, jwks }));
      renameSync(tmp, path); // readers never see a half-written cache
    } catch (e) {
      this.logger.warn({ event: "auth.jwks.cache_write_failed", path, err: (e as Error).message }, "could not write the JWKS cache file");
    }
  }

  private async fetchJson(url: string): Promise<unknown> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5000), headers: { accept: "application/json" }, redirect: "error" });
    if (!res.ok) throw new JwksUnavailable(`GET ${url} answered ${res.status}`);
    return res.json();
  }

  private async jwksUri(): Promise<string> {
    const s = this.options.sources;
    if (s.uri) return s.uri;
    if (this.discoveredUri) return this.discoveredUri;
    const issuer = s.discoveryIssuer!;
    const doc = DiscoverySchema.safeParse(await this.fetchJson(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`));
    if (!doc.success) throw new JwksUnavailable(`the discovery document of ${issuer} has no jwks_uri`);
    // OIDC Discovery §4.3: the document must be about the issuer we trust.
    if (doc.data.issuer !== issuer) throw new JwksUnavailable(`the discovery document of ${issuer} names issuer ${doc.data.issuer}`);
    this.discoveredUri = doc.data.jwks_uri;
    return this.discoveredUri;
  }

  /**
   * Fetches the remote key set now (one fetch shared by concurrent callers). On
   * failure keeps the live keys, logs a WARN, counts the failure and rethrows.
   */
  refresh(): Promise<void> {
    if (!this.remote) return Promise.resolve();
    this.inflight ??= (async () => {
      this.fetches++;
      try {
        const uri = await this.jwksUri();
        const jwks = parseJwks(await this.fetchJson(uri), uri);
        const at = this.now();
        this.install(jwks, at, "remote");
        this.writeCacheFile(uri, jwks, at);
      } catch (e) {
        this.metrics.jwksRefreshFailures.inc();
        this.updateAgeMetric();
        this.logger.warn(
          { event: "auth.jwks.refresh_failed", issuer: this.label, jwks_age_seconds: Math.round(this.ageSeconds()), err: (e as Error).message },
          "JWKS refresh failed; serving on cached keys until jwks_stale_max",
        );
        throw e instanceof JwksUnavailable ? e : new JwksUnavailable(`JWKS refresh from ${this.label} failed`, e);
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** Starts the background refresh loop (timers are unref'd: they never hold the process up). */
  start(): void {
    if (this.timer || !this.remote) return;
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        this.refresh().then(
          () => schedule(this.options.cacheTtlMs),
          () => schedule(this.options.retryMs ?? Math.min(this.options.cacheTtlMs, 30_000)),
        );
      }, ms);
      this.timer.unref();
    };
    schedule(this.options.cacheTtlMs);
  }

  /** Stops the background loop. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Re-reads `jwks_offline_path` (operators rotate keys in place); false when the file is bad. */
  reloadOffline(): boolean {
    const p = this.options.sources.offlinePath;
    if (!p) return false;
    try {
      this.install(parseJwks(readJson(p, "JWKS file"), p), null, "offline");
      return true;
    } catch (e) {
      this.logger.warn({ event: "auth.jwks.offline_reload_failed", path: p, err: (e as Error).message }, "keeping the last good offline JWKS");
      return false;
    }
  }

  /** Throws ERR_JWKS_STALE / ERR_JWKS_UNAVAILABLE when no usable keys are live (checked on every request). */
  assertFresh(): LiveKeys {
    const live = this.live;
    if (!live) throw new JwksUnavailable("no JWKS has been loaded");
    this.updateAgeMetric();
    if (live.fetchedAt !== null && this.now() - live.fetchedAt > this.options.staleMaxMs) {
      void this.refresh().catch(() => undefined); // keep trying in the background; refuse meanwhile
      throw new JwksStale(this.ageSeconds(), Math.round(this.options.staleMaxMs / 1000));
    }
    return live;
  }

  /** The key resolver for `jwtVerify`: stale check, lookup, one rate-limited refresh on an unknown `kid`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const live = this.assertFresh();
    try {
      return await live.resolve(header, token);
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw e;
    }
    const now = this.now();
    const kidRefreshAllowed = this.remote && now - this.lastKidRefresh >= (this.options.unknownKidMinIntervalMs ?? 30_000);
    if (kidRefreshAllowed || this.inflight) {
      if (kidRefreshAllowed) this.lastKidRefresh = now;
      try {
        await this.refresh();
      } catch {
        throw new JwksNoMatchingKey(header.kid);
      }
      try {
        return await this.live!.resolve(header, token);
      } catch (e) {
        if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw e;
      }
    }
    throw new JwksNoMatchingKey(header.kid);
  };
}
