import test from "ava";
import { RequestAuthenticator, protectedResourceMetadata, protectedResourceMetadataUrl, wwwAuthenticate } from "../../server/auth/authenticator.ts";
import { AuthError, TokenExpired, Unauthenticated } from "../../server/auth/errors.ts";
import { TenantBinding } from "../../server/auth/tenancy.ts";
import { codeOf } from "../support/codes.ts";
import { mint, signingKey } from "./support.ts";

const AUD = "https://graphs.example.test";

test("hybrid: a JWT-shaped token goes to OIDC only, even when it equals a static token; other tokens go to the static table", async (t) => {
  const k = await signingKey("k1");
  const jwtLooking = await mint(await signingKey("other"), { sub: "x" }, { iss: "https://i", aud: AUD }); // valid JWT shape, unknown key
  const a = await RequestAuthenticator.create({
    mode: "hybrid",
    static: { tokensJson: JSON.stringify({ leaked: jwtLooking, svc: "plain-static-token" }) },
    oidc: { issuers: ["https://i"], audience: AUD, jwks: { inline: { keys: [k.jwk] } } },
  });
  t.teardown(() => a.close());
  t.is(await codeOf(a.authenticate({ authorization: `Bearer ${jwtLooking}`, host: undefined })), "ERR_JWKS_NO_MATCHING_KEY");
  t.deepEqual(await a.authenticate({ authorization: "Bearer plain-static-token", host: undefined }), { actor: "svc", tenant: null, groups: [], via: "static" });
  const good = await mint(k, { sub: "alice" }, { iss: "https://i", aud: AUD });
  t.is((await a.authenticate({ authorization: `Bearer ${good}`, host: undefined })).via, "oidc");
});

test("static mode never parses JWTs; oidc mode never consults a static table", async (t) => {
  const k = await signingKey("k1");
  const good = await mint(k, { sub: "alice" }, { iss: "https://i", aud: AUD });
  const s = await RequestAuthenticator.create({ mode: "static", static: { tokensJson: JSON.stringify({ svc: "plain" }) } });
  t.is(await codeOf(s.authenticate({ authorization: `Bearer ${good}`, host: undefined })), "ERR_TOKEN_INVALID");
  const o = await RequestAuthenticator.create({ mode: "oidc", static: { tokensJson: JSON.stringify({ svc: "plain" }) }, oidc: { issuers: ["https://i"], audience: AUD, jwks: { inline: { keys: [k.jwk] } } } });
  t.teardown(() => o.close());
  t.is(await codeOf(o.authenticate({ authorization: "Bearer plain", host: undefined })), "ERR_TOKEN_INVALID");
});

test("a server with static mode and no tokens refuses to boot unless --unauthenticated; then the identity is the fixed anonymous actor", async (t) => {
  t.is(await codeOf(RequestAuthenticator.create({ mode: "static", static: {} })), "ERR_AUTH_CONFIG");
  const open = await RequestAuthenticator.create({ mode: "static", unauthenticated: true });
  t.deepEqual(await open.authenticate({ authorization: "Bearer whatever", host: "h" }), { actor: "anonymous", tenant: null, groups: [], via: "unauthenticated" });
  t.deepEqual(await open.authenticate({ authorization: undefined, host: undefined }), { actor: "anonymous", tenant: null, groups: [], via: "unauthenticated" });
});

test("tenancy: tenant-A token at tenant-B's host is refused; a tenant bound to hosts is served only there; audiences bind OIDC tokens", async (t) => {
  const k = await signingKey("k1");
  const a = await RequestAuthenticator.create({
    mode: "hybrid",
    static: { tokensJson: JSON.stringify([{ actor: "ci", token: "acme-token", tenant: "acme" }, { actor: "ci", token: "globex-token", tenant: "org_globex" }, { actor: "free", token: "free-token", tenant: "org_free" }]) },
    oidc: { issuers: ["https://i"], audience: ["https://acme.graphs.test", "https://globex.graphs.test"], tenantClaim: "org_id", jwks: { inline: { keys: [k.jwk] } } },
    tenants: { acme: { hosts: ["acme.graphs.test"], audiences: ["https://acme.graphs.test"] }, org_globex: { hosts: ["Globex.Graphs.Test"] } },
  });
  t.teardown(() => a.close());
  const at = (token: string, host: string | undefined) => a.authenticate({ authorization: `Bearer ${token}`, host });
  t.is((await at("acme-token", "acme.graphs.test:8443")).tenant, "acme");
  t.is(await codeOf(at("acme-token", "globex.graphs.test")), "ERR_TENANT_MISMATCH");
  t.is(await codeOf(at("globex-token", "acme.graphs.test")), "ERR_TENANT_MISMATCH");
  t.is(await codeOf(at("acme-token", "shared.graphs.test")), "ERR_TENANT_MISMATCH", "acme is bound to its host");
  t.is(await codeOf(at("acme-token", undefined)), "ERR_TENANT_MISMATCH");
  t.is((await at("free-token", "shared.graphs.test")).tenant, "org_free", "unbound tenants are served anywhere but other tenants' hosts");
  t.is(await codeOf(at("free-token", "acme.graphs.test")), "ERR_TENANT_MISMATCH");
  const acmeJwtWrongAud = await mint(k, { sub: "u", org_id: "acme" }, { iss: "https://i", aud: "https://globex.graphs.test" });
  t.is(await codeOf(at(acmeJwtWrongAud, "acme.graphs.test")), "ERR_TENANT_MISMATCH");
  const acmeJwt = await mint(k, { sub: "u", org_id: "acme" }, { iss: "https://i", aud: "https://acme.graphs.test" });
  t.is((await at(acmeJwt, "acme.graphs.test")).tenant, "acme");
});

test("tenant binding config: a host bound to two tenants and bad tenant ids are configuration errors", (t) => {
  t.is((t.throws(() => new TenantBinding({ a: { hosts: ["h"] }, b: { hosts: ["H:80"] } })) as unknown as AuthError).code, "ERR_AUTH_CONFIG");
  t.is((t.throws(() => new TenantBinding({ "bad tenant": {} })) as unknown as AuthError).code, "ERR_AUTH_CONFIG");
  t.notThrows(() => new TenantBinding({ org_2abc: { hosts: [] } }));
});

test("WWW-Authenticate follows RFC 6750: no error attribute for a missing token, invalid_token with a description otherwise, plus resource_metadata", (t) => {
  const md = "https://graphs.example.test/.well-known/oauth-protected-resource";
  t.is(wwwAuthenticate(new Unauthenticated(), { resourceMetadataUrl: md }), `Bearer realm="omnigraph", resource_metadata="${md}"`);
  t.is(wwwAuthenticate(new TokenExpired()), `Bearer realm="omnigraph", error="invalid_token", error_description="invalid bearer token: the token has expired"`);
  t.is(wwwAuthenticate(new AuthError("ERR_AUTH_SCHEME", 'say "Bearer"')), `Bearer realm="omnigraph", error="invalid_request", error_description="say \\"Bearer\\""`);
});

test("RFC 9728 protected resource metadata and its well-known URL", (t) => {
  t.deepEqual(protectedResourceMetadata({ resource: "https://graphs.example.test", authorizationServers: ["https://idp.example.test"] }), {
    resource: "https://graphs.example.test", authorization_servers: ["https://idp.example.test"], bearer_methods_supported: ["header"],
  });
  t.is(protectedResourceMetadataUrl("https://graphs.example.test"), "https://graphs.example.test/.well-known/oauth-protected-resource");
  t.is(protectedResourceMetadataUrl("https://example.test/og"), "https://example.test/.well-known/oauth-protected-resource/og");
});
