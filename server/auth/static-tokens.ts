import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, unwatchFile, watchFile, type Stats } from "node:fs";
import type { Logger } from "pino";
import { z } from "zod";
import { AuthSchemeInvalid, TokenInvalid, TokensInvalid, Unauthenticated } from "./errors.ts";
import type { Authenticator, Identity } from "./identity.ts";
import { authMetrics, silentLogger, type AuthMetrics } from "./metrics.ts";
import { TENANT_ID_PATTERN } from "./tenancy.ts";

/**
 * Where static bearer tokens come from. The config loader fills these from
 * `OMNIGRAPH_SERVER_BEARER_TOKEN`, `…_TOKENS_JSON`, `…_TOKENS_FILE` and
 * `auth.static.tokens_file`; this module never reads `process.env`.
 *
 * As in OmniGraph: the single token (actor `default`) is merged with **either**
 * the file **or**, when no file is set, the JSON.
 */
export interface StaticTokenSources {
  /** `OMNIGRAPH_SERVER_BEARER_TOKEN`: one token for actor `default`. */
  bearerToken?: string | null | undefined;
  /** `OMNIGRAPH_SERVER_BEARER_TOKENS_JSON`: a token document (see {@link TokenDocumentSchema}). */
  tokensJson?: string | null | undefined;
  /** `OMNIGRAPH_SERVER_BEARER_TOKENS_FILE` / `auth.static.tokens_file`: a path to a token document; reloaded on change. */
  tokensFile?: string | null | undefined;
  /** Tenant of entries that name none (single-tenant deployments leave it null). */
  defaultTenant?: string | null | undefined;
  /** Entries given in code (the development token of `npm start`). */
  extraEntries?: { actor: string; token: string; tenant?: string | null; groups?: string[] }[] | undefined;
}

/** One entry in its long form. */
const TokenEntrySchema = z.strictObject({
  token: z.string(),
  tenant: z.string().nullable().optional(),
  groups: z.array(z.string()).optional(),
});

const TokenListEntrySchema = TokenEntrySchema.extend({ actor: z.string() });

/**
 * A token document: OmniGraph's `{actor: token}` map, a map `{actor: {token, tenant?, groups?}}`,
 * or — so that one actor name can exist in several tenants — a list
 * `[{actor, token, tenant?, groups?}]` (also accepted as `{tokens: [...]}`).
 */
export const TokenDocumentSchema = z.union([
  z.array(TokenListEntrySchema),
  z.strictObject({ tokens: z.array(TokenListEntrySchema) }),
  z.record(z.string(), z.union([z.string(), TokenEntrySchema])),
]);

interface TableEntry {
  readonly hash: Buffer;
  readonly identity: Identity;
}

/** A validated, hashed token table. Plaintext is dropped as soon as it is hashed. */
export interface TokenTable {
  readonly entries: readonly TableEntry[];
}

function sha256(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

interface RawEntry {
  actor: string;
  token: string;
  tenant: string | null | undefined;
  groups: string[] | undefined;
  source: string;
}

function parseDocument(text: string, source: string): RawEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message can quote the document (tokens): never echo it.
    throw new TokensInvalid(`${source} is not valid JSON; expected {"<actor>": "<token>"} or [{"actor", "token", "tenant", "groups"}]`, { source });
  }
  const parsed = TokenDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join(".") ?? "";
    throw new TokensInvalid(`${source} has the wrong shape${path ? ` at '${path}'` : ""}; expected {"<actor>": "<token>"} or [{"actor", "token", "tenant", "groups"}]`, { source });
  }
  const doc = parsed.data;
  const list = Array.isArray(doc) ? doc : "tokens" in doc && Array.isArray(doc.tokens) ? doc.tokens : null;
  if (list) return list.map((e) => ({ actor: e.actor, token: e.token, tenant: e.tenant, groups: e.groups, source }));
  return Object.entries(doc as Record<string, string | z.infer<typeof TokenEntrySchema>>).map(([actor, v]) =>
    typeof v === "string" ? { actor, token: v, tenant: undefined, groups: undefined, source } : { actor, token: v.token, tenant: v.tenant, groups: v.groups, source },
  );
}

/**
 * Builds the hashed table from raw entries with OmniGraph's rules: values are
 * trimmed; blank actors or tokens, duplicate actors (within a tenant) and duplicate
 * tokens are errors that name the actor, never the token.
 */
export function buildTokenTable(raw: readonly RawEntry[], defaultTenant: string | null = null, base: TokenTable = { entries: [] }): TokenTable {
  const entries: TableEntry[] = [...base.entries];
  const actors = new Set<string>(base.entries.map((e) => `${e.identity.tenant ?? ""}\u0000${e.identity.actor}`));
  const hashes = new Map<string, string>(base.entries.map((e) => [e.hash.toString("hex"), e.identity.actor]));
  for (const e of raw) {
    const actor = e.actor.trim();
    const token = e.token.trim();
    if (!actor) throw new TokensInvalid(`${e.source}: an actor name is blank`, { source: e.source });
    if (!token) throw new TokensInvalid(`${e.source}: the token of actor '${actor}' is blank`, { source: e.source, actor });
    const tenant = e.tenant === undefined ? defaultTenant : e.tenant === null ? null : e.tenant.trim();
    if (tenant !== null && !TENANT_ID_PATTERN.test(tenant)) {
      throw new TokensInvalid(`${e.source}: tenant '${tenant}' of actor '${actor}' must match ${TENANT_ID_PATTERN}`, { source: e.source, actor });
    }
    const key = `${tenant ?? ""}\u0000${actor}`;
    if (actors.has(key)) throw new TokensInvalid(`${e.source}: actor '${actor}'${tenant ? ` of tenant '${tenant}'` : ""} appears twice`, { source: e.source, actor });
    actors.add(key);
    const hash = sha256(token);
    const hex = hash.toString("hex");
    const other = hashes.get(hex);
    if (other !== undefined) throw new TokensInvalid(`${e.source}: actors '${other}' and '${actor}' have the same token; every token must be unique`, { source: e.source, actor });
    hashes.set(hex, actor);
    const groups = (e.groups ?? []).map((g) => g.trim());
    if (groups.some((g) => !g)) throw new TokensInvalid(`${e.source}: actor '${actor}' has a blank group name`, { source: e.source, actor });
    entries.push({ hash, identity: { actor, tenant, groups: [...new Set(groups)], via: "static" } });
  }
  return { entries };
}

/** The entries that never change at runtime: the single token, and the JSON when no file is set. */
function fixedEntries(src: StaticTokenSources): RawEntry[] {
  const raw: RawEntry[] = [];
  if (src.bearerToken !== undefined && src.bearerToken !== null) {
    raw.push({ actor: "default", token: src.bearerToken, tenant: undefined, groups: undefined, source: "OMNIGRAPH_SERVER_BEARER_TOKEN" });
  }
  if (!src.tokensFile && src.tokensJson) raw.push(...parseDocument(src.tokensJson, "OMNIGRAPH_SERVER_BEARER_TOKENS_JSON"));
  for (const e of src.extraEntries ?? []) raw.push({ actor: e.actor, token: e.token, tenant: e.tenant, groups: e.groups, source: "built-in" });
  return raw;
}

/** Reads the token file (synchronously: boot and reload only). */
function fileEntries(file: string | null | undefined): RawEntry[] {
  if (!file) return [];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new TokensInvalid(`cannot read the token file ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, { source: file });
  }
  return parseDocument(text, file);
}

/** True when any static token source is configured. */
export function hasStaticTokens(src: StaticTokenSources): boolean {
  return Boolean((src.bearerToken !== undefined && src.bearerToken !== null) || src.tokensFile || src.tokensJson || src.extraEntries?.length);
}

/**
 * Extracts the token of an `Authorization: Bearer <token>` header. The scheme is
 * case-insensitive (RFC 7235); anything else is refused. Query-string tokens are
 * never looked at (RFC 6750 §2.3 is not supported on purpose).
 */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === "") throw new Unauthenticated();
  const m = /^Bearer +([^\s]+) *$/i.exec(authorization);
  if (!m) throw new AuthSchemeInvalid();
  return m[1]!;
}

export interface StaticTokensOptions {
  logger?: Logger | undefined;
  metrics?: AuthMetrics | undefined;
  /** How often the token file is stat-polled for changes (ms); default 1000. */
  pollIntervalMs?: number | undefined;
}

/**
 * The static token table (`auth.mode: static`): SHA-256 hashes only, compared in
 * constant time against every entry. With a token file, the table is reloaded
 * when the file changes and swapped atomically; a bad file keeps the last good
 * table, logs a WARN and counts `omnigraph_auth_token_reload_failures_total`.
 *
 * @example
 * const tokens = StaticTokens.load({ tokensFile: "/etc/omnigraph/tokens.json" });
 * tokens.watch();
 * const id = await tokens.authenticate({ authorization: "Bearer s3cret", host: undefined });
 */
export class StaticTokens implements Authenticator {
  private table: TokenTable;
  private listener: ((cur: Stats, prev: Stats) => void) | undefined;
  private readonly logger: Logger;
  private readonly metrics: AuthMetrics;

  /**
   * Only the file path and default tenant are kept: the fixed entries are hashed at
   * load (`fixed`), so no plaintext from the environment outlives `load`.
   */
  private constructor(
    private readonly tokensFile: string | null,
    private readonly defaultTenant: string | null,
    private readonly fixed: TokenTable,
    private readonly options: StaticTokensOptions,
  ) {
    this.table = buildTokenTable(fileEntries(tokensFile), defaultTenant, fixed);
    this.logger = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? authMetrics();
    this.metrics.staticTokens.set(this.table.entries.length);
  }

  /** Loads and validates the sources; throws ERR_TOKENS_INVALID naming the offending actor or file. */
  static load(sources: StaticTokenSources, options: StaticTokensOptions = {}): StaticTokens {
    const tenant = sources.defaultTenant ?? null;
    return new StaticTokens(sources.tokensFile ?? null, tenant, buildTokenTable(fixedEntries(sources), tenant), options);
  }

  /** Entries in the live table. */
  get size(): number {
    return this.table.entries.length;
  }

  /** The identity of `token`, or undefined. Every entry is compared, so timing does not depend on which matched. */
  lookup(token: string): Identity | undefined {
    const presented = sha256(token);
    const entries = this.table.entries; // one table for the whole loop, even if a reload swaps it
    let found: Identity | undefined;
    for (const e of entries) {
      // No early exit: the loop's length never depends on the token.
      if (timingSafeEqual(presented, e.hash)) found = e.identity;
    }
    return found === undefined ? undefined : { ...found, groups: [...found.groups] };
  }

  async authenticate(input: { authorization: string | undefined; host: string | undefined }): Promise<Identity> {
    const token = bearerToken(input.authorization);
    const id = this.lookup(token);
    if (!id) throw new TokenInvalid();
    return id;
  }

  /**
   * Re-reads the sources now. On success swaps the table and returns true; on a bad
   * file keeps the last good table, logs and counts the failure, and returns false.
   */
  reload(): boolean {
    try {
      const next = buildTokenTable(fileEntries(this.tokensFile), this.defaultTenant, this.fixed);
      this.table = next;
      this.metrics.staticTokens.set(next.entries.length);
      this.logger.info({ event: "auth.tokens.reloaded", entries: next.entries.length, file: this.tokensFile }, "static token table reloaded");
      return true;
    } catch (e) {
      this.metrics.tokenReloadFailures.inc();
      this.logger.warn({ event: "auth.tokens.reload_failed", file: this.tokensFile, code: (e as TokensInvalid).code, err: (e as Error).message }, "static token file rejected; keeping the last good table");
      return false;
    }
  }

  /** Starts watching the token file (no-op without one). Stat polling survives atomic renames. */
  watch(): void {
    const file = this.tokensFile;
    if (!file || this.listener) return;
    this.listener = (cur: Stats, prev: Stats) => {
      if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
      this.reload();
    };
    watchFile(file, { interval: this.options.pollIntervalMs ?? 1000, persistent: false }, this.listener);
  }

  /** Stops watching the token file. */
  close(): void {
    if (this.listener && this.tokensFile) unwatchFile(this.tokensFile, this.listener);
    this.listener = undefined;
  }
}
