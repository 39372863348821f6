/**
 * Chooses the authenticator and authorizer from the config: static tokens and
 * OmniGraph v0.10's runtime states, unless replaced. Kept light (no engine, no Koa) so
 * `serve` can refuse a bad auth setup before it binds.
 */
import type { Authenticator, Authorizer } from "../auth/identity.ts";
import { loadPolicyFile, runtimeState, RuntimeStateAuthorizer, type PolicyFile } from "../auth/runtime-states.ts";
import { loadStaticTokens, StaticTokenAuthenticator, UnauthenticatedAuthenticator, type TokenEntry } from "../auth/static.ts";
import type { LoadedConfig } from "../config/load.ts";

export interface ResolvedAuth {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** True in open mode (no tokens, `--unauthenticated`). */
  open: boolean;
}

export function resolveAuth(
  loaded: LoadedConfig,
  opts: { extraTokens?: Map<string, TokenEntry>; policy?: PolicyFile; authenticator?: Authenticator; authorizer?: Authorizer } = {},
): ResolvedAuth {
  const { config } = loaded;
  if (opts.authenticator && opts.authorizer) return { authenticator: opts.authenticator, authorizer: opts.authorizer, open: false };
  const tokens = loadStaticTokens({ bearerToken: loaded.secrets.bearerToken, tokensFile: config.auth.static.tokens_file, tokensJson: loaded.secrets.bearerTokensJson });
  for (const [a, t] of opts.extraTokens ?? []) if (!tokens.has(a)) tokens.set(a, t);
  const policy = config.policy.bundle ? loadPolicyFile(config.policy.bundle) : opts.policy;
  const state = runtimeState({ tokens: tokens.size, policy: policy !== undefined, unauthenticated: config.auth.unauthenticated });
  const open = state === "open";
  return {
    authenticator: opts.authenticator ?? (open ? new UnauthenticatedAuthenticator() : new StaticTokenAuthenticator(tokens)),
    authorizer: opts.authorizer ?? new RuntimeStateAuthorizer(state, policy),
    open,
  };
}
