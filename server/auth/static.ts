/**
 * Static bearer tokens (OmniGraph §6.1): token → actor (ours also tenant and groups),
 * stored as SHA-256 hashes and compared in constant time. Interim implementation; the
 * auth helper's full one replaces it behind the same {@link Authenticator} interface.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/errors.ts";
import { AuthError } from "./errors.ts";
import type { Authenticator, Identity } from "./identity.ts";

/** One configured token: a bare token string, or a token with tenant and groups (our extension). */
export type TokenEntry = string | { token: string; tenant?: string | null; groups?: string[] };

interface HashedToken {
  hash: Buffer;
  identity: Identity;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

function parseTable(source: string, text: string): Record<string, TokenEntry> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(source, `${source} is not valid JSON: write an object {"actor": "token", …}`, e);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError(source, `${source} must be a JSON object {"actor": "token", …}`);
  return doc as Record<string, TokenEntry>;
}

/**
 * Builds the token table from OmniGraph's sources: `OMNIGRAPH_SERVER_BEARER_TOKEN`
 * (actor `default`) merged with either the tokens file or, when no file is set, the
 * tokens JSON. Blank values, duplicate actors and duplicate tokens are config errors.
 */
export function loadStaticTokens(src: { bearerToken: string | null; tokensFile: string | null; tokensJson: string | null }): Map<string, TokenEntry> {
  const table = new Map<string, TokenEntry>();
  const add = (source: string, actor: string, entry: TokenEntry) => {
    const a = actor.trim();
    const token = (typeof entry === "string" ? entry : entry?.token)?.trim?.();
    if (!a) throw new ConfigError(source, `${source}: an actor name is blank; name every actor`);
    if (!token) throw new ConfigError(source, `${source}: the token of actor '${a}' is blank; set a non-empty token`);
    if (table.has(a)) throw new ConfigError(source, `${source}: actor '${a}' is configured twice; keep one token per actor`);
    for (const [other, e] of table) {
      if ((typeof e === "string" ? e : e.token).trim() === token) throw new ConfigError(source, `${source}: actors '${other}' and '${a}' share a token; give each its own`);
    }
    table.set(a, typeof entry === "string" ? token : { ...entry, token });
  };
  if (src.bearerToken !== null) add("OMNIGRAPH_SERVER_BEARER_TOKEN", "default", src.bearerToken);
  if (src.tokensFile !== null) {
    let text: string;
    try {
      text = readFileSync(src.tokensFile, "utf8");
    } catch (e) {
      throw new ConfigError("auth.static.tokens_file", `cannot read the tokens file ${src.tokensFile}; check auth.static.tokens_file / OMNIGRAPH_SERVER_BEARER_TOKENS_FILE`, e);
    }
    for (const [a, t] of Object.entries(parseTable("auth.static.tokens_file", text))) add("auth.static.tokens_file", a, t);
  } else if (src.tokensJson !== null) {
    for (const [a, t] of Object.entries(parseTable("OMNIGRAPH_SERVER_BEARER_TOKENS_JSON", src.tokensJson))) add("OMNIGRAPH_SERVER_BEARER_TOKENS_JSON", a, t);
  }
  return table;
}

export class StaticTokenAuthenticator implements Authenticator {
  private readonly tokens: HashedToken[];

  constructor(table: Map<string, TokenEntry>) {
    this.tokens = [...table].map(([actor, e]) => ({
      hash: sha256(typeof e === "string" ? e : e.token),
      identity: { actor, tenant: typeof e === "string" ? null : e.tenant ?? null, groups: typeof e === "string" ? [] : e.groups ?? [], via: "static" },
    }));
  }

  get size(): number {
    return this.tokens.length;
  }

  async authenticate(input: { authorization: string | undefined; host: string | undefined }): Promise<Identity> {
    const h = input.authorization;
    if (h === undefined || h.trim() === "") throw new AuthError("ERR_UNAUTHENTICATED", "missing bearer token");
    const m = /^Bearer +(\S+) *$/.exec(h);
    if (!m) throw new AuthError("ERR_UNAUTHENTICATED", "invalid bearer token");
    const presented = sha256(m[1]!);
    let found: Identity | undefined;
    // Compare against every entry so the time does not depend on which one matches.
    for (const t of this.tokens) if (timingSafeEqual(t.hash, presented) && !found) found = t.identity;
    if (!found) throw new AuthError("ERR_UNAUTHENTICATED", "invalid bearer token");
    return { ...found, groups: [...found.groups] };
  }
}

/** Open mode (`--unauthenticated`, no tokens): every caller is `anonymous`. */
export class UnauthenticatedAuthenticator implements Authenticator {
  async authenticate(): Promise<Identity> {
    return { actor: "anonymous", tenant: null, groups: [], via: "unauthenticated" };
  }
}
