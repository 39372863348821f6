import test from "ava";
import { exportSPKI, SignJWT, UnsecuredJWT } from "jose";
import { JwksServer, mint, signingKey } from "../auth/support.ts";
import { call, serveWith } from "./auth-support.ts";

const AUD = "https://graphs.example.test";
const SCHEMA = "node Person {\n  name: String @key\n}\n";
const POLICY = `version: 1
groups: { readers: [svc, alice, acme-ci, globex-ci] }
rules:
  - id: readers-read
    allow: { actors: { group: readers }, actions: [read] }
`;

test("attack table through a real server: every forged, stale or misplaced credential gets its status, error_code and RFC 6750 challenge", async (t) => {
  const key = await signingKey("k1");
  const idp = await new JwksServer().start();
  idp.keys = [key.jwk];
  t.teardown(() => idp.stop());
  const iss = idp.url;
  const now = Math.floor(Date.now() / 1000);
  const valid = await mint(key, { sub: "alice" }, { iss, aud: AUD, expSeconds: 3600 });
  const [h, p, s] = valid.split(".") as [string, string, string];
  // A JWT-shaped string (right kid, broken signature) that is ALSO configured as a static token.
  const jwtShapedStatic = `${h}.${p}.${s.slice(0, -4)}AAAA`;
  const server = await serveWith(t, {
    graphs: { social: { schema: "./social.pg" } },
    auth: {
      mode: "hybrid",
      oidc: { issuer: iss, audience: AUD, jwks_uri: idp.jwksUri },
      tenants: { acme: { hosts: ["acme.graphs.test"] }, globex: { hosts: ["globex.graphs.test"] } },
      resource_url: "https://graphs.example.test",
    },
    policy: { bundle: "./policy" },
  }, {
    files: { "social.pg": SCHEMA, "policy/policy.yaml": POLICY },
    env: {
      OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: JSON.stringify([
        { actor: "svc", token: "static-token-abc" },
        { actor: "leaked", token: jwtShapedStatic },
        { actor: "acme-ci", token: "acme-token", tenant: "acme" },
        { actor: "globex-ci", token: "globex-token", tenant: "globex" },
      ]),
    },
  });
  const route = "/graphs/social/branches";
  const get = (o: Parameters<typeof call>[3] = {}, path = route) => call(server.url, "GET", path, o);

  t.is((await get({ token: "static-token-abc" })).status, 200, "control: a static token reads");
  t.is((await get({ token: valid })).status, 200, "control: a valid JWT reads");
  const fetchesBefore = idp.jwksFetches;

  const publicPem = await exportSPKI(key.publicKey);
  const hs256 = await new SignJWT({ sub: "alice", exp: now + 600 }).setProtectedHeader({ alg: "HS256", kid: "k1" }).setIssuer(iss).setAudience(AUD).sign(new TextEncoder().encode(publicPem));
  const none = new UnsecuredJWT({ sub: "alice", exp: now + 600 }).setIssuer(iss).setAudience(AUD).encode();
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: "root" })).toString("base64url")}.${s}`;
  const other = await signingKey("k-unknown");

  const rows: { name: string; o: Parameters<typeof call>[3]; path?: string; status: number; code: string; bearer: string | null }[] = [
    { name: "missing bearer", o: {}, status: 401, code: "ERR_UNAUTHENTICATED", bearer: null },
    { name: "wrong scheme", o: { authorization: "Basic c3ZjOnN0YXRpYy10b2tlbi1hYmM=" }, status: 401, code: "ERR_AUTH_SCHEME", bearer: "invalid_request" },
    { name: "token in the query string is ignored", o: {}, path: `${route}?access_token=static-token-abc`, status: 401, code: "ERR_UNAUTHENTICATED", bearer: null },
    { name: "unknown static token", o: { token: "static-token-xyz" }, status: 401, code: "ERR_TOKEN_INVALID", bearer: "invalid_token" },
    { name: "alg none", o: { token: none }, status: 401, code: "ERR_TOKEN_ALGORITHM", bearer: "invalid_token" },
    { name: "HS256 signed with the RSA public key", o: { token: hs256 }, status: 401, code: "ERR_TOKEN_ALGORITHM", bearer: "invalid_token" },
    { name: "expired", o: { token: await mint(key, { sub: "alice", exp: now - 120 }, { iss, aud: AUD }) }, status: 401, code: "ERR_TOKEN_EXPIRED", bearer: "invalid_token" },
    { name: "nbf in the future", o: { token: await mint(key, { sub: "alice", nbf: now + 600 }, { iss, aud: AUD }) }, status: 401, code: "ERR_TOKEN_NOT_YET_VALID", bearer: "invalid_token" },
    { name: "wrong iss", o: { token: await mint(key, { sub: "alice" }, { iss: "https://evil.example", aud: AUD }) }, status: 401, code: "ERR_TOKEN_CLAIM", bearer: "invalid_token" },
    { name: "wrong aud", o: { token: await mint(key, { sub: "alice" }, { iss, aud: "https://other.example" }) }, status: 401, code: "ERR_TOKEN_CLAIM", bearer: "invalid_token" },
    { name: "tampered payload", o: { token: tampered }, status: 401, code: "ERR_TOKEN_INVALID", bearer: "invalid_token" },
    { name: "JWT-shaped token equal to a static token", o: { token: jwtShapedStatic }, status: 401, code: "ERR_TOKEN_INVALID", bearer: "invalid_token" },
    { name: "tenant-A token at tenant-B's host", o: { token: "acme-token", host: "globex.graphs.test" }, status: 401, code: "ERR_TENANT_MISMATCH", bearer: "invalid_token" },
    { name: "tenant-B token at tenant-A's host", o: { token: "globex-token", host: "acme.graphs.test" }, status: 401, code: "ERR_TENANT_MISMATCH", bearer: "invalid_token" },
  ];
  for (const r of rows) {
    const res = await get(r.o, r.path);
    t.is(res.status, r.status, r.name);
    t.is(res.json.error_code, r.code, r.name);
    t.is(res.json.code, "unauthorized", r.name);
    const challenge = String(res.headers["www-authenticate"] ?? "");
    t.true(challenge.startsWith('Bearer realm="omnigraph"'), `${r.name}: ${challenge}`);
    t.true(challenge.includes('resource_metadata="https://graphs.example.test/.well-known/oauth-protected-resource"'), r.name);
    if (r.bearer) t.true(challenge.includes(`error="${r.bearer}"`), `${r.name}: ${challenge}`);
    else t.false(challenge.includes("error="), `${r.name}: ${challenge}`);
  }
  t.is(idp.jwksFetches, fetchesBefore, "no forged token made the server fetch the JWKS");

  // Unknown kid: one refresh, then 401; a second unknown kid within the interval fetches nothing.
  const unknownKid = await mint(other, { sub: "alice" }, { iss, aud: AUD });
  const u1 = await get({ token: unknownKid });
  t.is(u1.status, 401);
  t.is(u1.json.error_code, "ERR_JWKS_NO_MATCHING_KEY");
  t.is(idp.jwksFetches, fetchesBefore + 1, "exactly one refresh for the unknown kid");
  t.is((await get({ token: await mint(other, { sub: "bob" }, { iss, aud: AUD }) })).json.error_code, "ERR_JWKS_NO_MATCHING_KEY");
  t.is(idp.jwksFetches, fetchesBefore + 1, "rate-limited: no second refresh");

  // The RFC 9728 document, unauthenticated.
  const md = await get({}, "/.well-known/oauth-protected-resource");
  t.is(md.status, 200);
  t.deepEqual(md.json, { resource: "https://graphs.example.test", authorization_servers: [iss], bearer_methods_supported: ["header"] });

  // Audit: every refusal is on the audit stream; no token appears in any output.
  const audit = server.stdout().split("\n").filter((l) => l.includes('"log":"audit"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(audit.filter((a) => a.action === "authenticate" && a.outcome === "denied").length >= rows.length);
  const everything = server.stdout() + server.stderr();
  for (const secret of ["static-token-abc", "acme-token", "globex-token", jwtShapedStatic, valid, s]) t.false(everything.includes(secret), "a token leaked into the logs");
});

test("JWKS unreachable: within jwks_stale_max the server keeps serving on cached keys; past it, tokens fail closed (503 ERR_JWKS_STALE); the issuer's return reopens", async (t) => {
  const key = await signingKey("k1");
  const idp = await new JwksServer().start();
  idp.keys = [key.jwk];
  t.teardown(() => idp.stop());
  const token = await mint(key, { sub: "alice" }, { iss: idp.url, aud: AUD, expSeconds: 3600 });
  const server = await serveWith(t, {
    graphs: { social: { schema: "./social.pg" } },
    auth: { mode: "oidc", oidc: { issuer: idp.url, audience: AUD, jwks_uri: idp.jwksUri, jwks_cache_ttl: "1s", jwks_stale_max: "4s" } },
    policy: { bundle: "./policy" },
  }, { files: { "social.pg": SCHEMA, "policy/policy.yaml": POLICY } });
  const get = () => call(server.url, "GET", "/graphs/social/branches", { token });
  t.is((await get()).status, 200);
  idp.fail = true;
  const since = Date.now();
  t.is((await get()).status, 200, "within jwks_stale_max: cached keys serve");
  while (Date.now() - since < 5500) await new Promise((r) => setTimeout(r, 250));
  const stale = await get();
  t.is(stale.status, 503);
  t.is(stale.json.error_code, "ERR_JWKS_STALE");
  t.truthy(stale.headers["retry-after"]);
  t.true(server.stdout().includes("auth.jwks.refresh_failed") || server.stderr().includes("auth.jwks.refresh_failed"), "the refresh failure was logged");
  const metrics = await call(server.url, "GET", "/metrics");
  t.regex(String(metrics.json.text), /omnigraph_jwks_age_seconds\{issuer="[^"]+"\} [4-9]/);
  idp.fail = false;
  let reopened = false;
  for (let i = 0; i < 40 && !reopened; i++) {
    await new Promise((r) => setTimeout(r, 250));
    reopened = (await get()).status === 200;
  }
  t.true(reopened, "a successful background refresh reopens");
});
