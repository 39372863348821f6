import test from "ava";
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportSPKI, SignJWT, UnsecuredJWT } from "jose";
import { Registry } from "prom-client";
import { authMetrics } from "../../server/auth/metrics.ts";
import { looksLikeJwt, OidcVerifier, type OidcOptions } from "../../server/auth/oidc.ts";
import { codeOf } from "../support/codes.ts";
import { capturingLogger, JwksServer, mint, signingKey, type SigningKey } from "./support.ts";

const AUD = "https://graphs.example.test";

async function issuer(t: { teardown(f: () => unknown): void }, ...keys: SigningKey[]): Promise<JwksServer> {
  const s = await new JwksServer().start();
  s.keys = keys.map((k) => k.jwk);
  t.teardown(() => s.stop());
  return s;
}

async function verifier(t: { teardown(f: () => unknown): void }, o: Partial<OidcOptions> & Pick<OidcOptions, "issuers" | "jwks">): Promise<OidcVerifier> {
  const v = new OidcVerifier({ audience: AUD, ...o });
  await v.start();
  t.teardown(() => v.close());
  return v;
}

test("a valid RS256 token maps sub → actor, the tenant claim → tenant (with `_`), mapped groups → groups", async (t) => {
  const k = await signingKey("k1");
  const idp = await issuer(t, k);
  const v = await verifier(t, {
    issuers: [idp.url], jwks: { uri: idp.jwksUri }, tenantClaim: "org_id",
    groups: { from: ["roles", "scope"], map: { "graph.write": "editors", reader: "viewers" } },
  });
  const token = await mint(k, { sub: "alice", org_id: "org_2abcXYZ", roles: ["reader", "unmapped"], scope: "openid graph.write" }, { iss: idp.url, aud: AUD });
  const r = await v.verify(token);
  t.deepEqual(r.identity, { actor: "alice", tenant: "org_2abcXYZ", groups: ["editors", "viewers"], via: "oidc" });
  t.deepEqual(r.audiences, [AUD]);
});

test("issuer lists, actor_claim, expected_org and groups without a map", async (t) => {
  const k = await signingKey("k1");
  const idp = await issuer(t, k);
  const v = await verifier(t, { issuers: ["https://other.example", idp.url], jwks: { uri: idp.jwksUri }, actorClaim: "email", expectedOrg: "org_acme", groups: { from: ["groups"] } });
  const ok = await mint(k, { sub: "x", email: "a@acme.test", org_id: "org_acme", groups: ["g1", "g2"] }, { iss: idp.url, aud: AUD });
  t.deepEqual((await v.verify(ok)).identity, { actor: "a@acme.test", tenant: null, groups: ["g1", "g2"], via: "oidc" });
  t.is(await codeOf(v.verify(await mint(k, { sub: "x", email: "a@acme.test", org_id: "org_other" }, { iss: idp.url, aud: AUD }))), "ERR_TOKEN_CLAIM");
  t.is(await codeOf(v.verify(await mint(k, { sub: "x", org_id: "org_acme" }, { iss: idp.url, aud: AUD }))), "ERR_TOKEN_CLAIM", "missing actor claim");
});

test("attack table (library level): each forged or invalid token fails with its own code", async (t) => {
  const k = await signingKey("k1");
  const idp = await issuer(t, k);
  const v = await verifier(t, { issuers: [idp.url], jwks: { uri: idp.jwksUri }, clockSkewSeconds: 30 });
  const now = Math.floor(Date.now() / 1000);
  const good = await mint(k, { sub: "alice" }, { iss: idp.url, aud: AUD });
  t.is((await v.verify(good)).identity.actor, "alice");

  const none = new UnsecuredJWT({ sub: "alice", exp: now + 600 }).setIssuer(idp.url).setAudience(AUD).encode();
  const publicPem = await exportSPKI(k.publicKey);
  const hs256 = await new SignJWT({ sub: "alice", exp: now + 600 }).setProtectedHeader({ alg: "HS256", kid: "k1" }).setIssuer(idp.url).setAudience(AUD).sign(new TextEncoder().encode(publicPem));
  const [h, p, s] = good.split(".");
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), sub: "root" })).toString("base64url")}.${s}`;
  const rows: [string, Promise<unknown>, string][] = [
    ["alg none", v.verify(none), "ERR_TOKEN_ALGORITHM"],
    ["HS256 signed with the RSA public key", v.verify(hs256), "ERR_TOKEN_ALGORITHM"],
    ["expired beyond skew", v.verify(await mint(k, { sub: "alice", exp: now - 31 }, { iss: idp.url, aud: AUD })), "ERR_TOKEN_EXPIRED"],
    ["nbf in the future beyond skew", v.verify(await mint(k, { sub: "alice", nbf: now + 120 }, { iss: idp.url, aud: AUD })), "ERR_TOKEN_NOT_YET_VALID"],
    ["wrong iss", v.verify(await mint(k, { sub: "alice" }, { iss: "https://evil.example", aud: AUD })), "ERR_TOKEN_CLAIM"],
    ["wrong aud", v.verify(await mint(k, { sub: "alice" }, { iss: idp.url, aud: "https://other.example" })), "ERR_TOKEN_CLAIM"],
    ["no exp", v.verify(await new SignJWT({ sub: "alice" }).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(idp.url).setAudience(AUD).sign(k.privateKey)), "ERR_TOKEN_CLAIM"],
    ["tampered payload", v.verify(tampered), "ERR_TOKEN_INVALID"],
    ["garbage", v.verify("not-a-jwt"), "ERR_TOKEN_INVALID"],
  ];
  for (const [name, p2, code] of rows) t.is(await codeOf(p2), code, name);
  // Within the skew, expired and not-yet-valid tokens still pass.
  t.is((await v.verify(await mint(k, { sub: "alice", exp: now - 5 }, { iss: idp.url, aud: AUD }))).identity.actor, "alice");
  t.is((await v.verify(await mint(k, { sub: "alice", nbf: now + 5 }, { iss: idp.url, aud: AUD }))).identity.actor, "alice");
  t.is(idp.jwksFetches, 1, "no forged token caused a JWKS refresh");
});

test("pinned algorithms: HS*, none and unknown names are configuration errors; clock_skew is bounded", (t) => {
  const base = { issuers: ["https://i"], jwks: { inline: { keys: [] } } };
  for (const alg of ["HS256", "none", "XYZ"]) {
    t.is((t.throws(() => new OidcVerifier({ ...base, algorithms: [alg as "RS256"] })) as unknown as { code: string }).code, "ERR_AUTH_CONFIG", alg);
  }
  t.is((t.throws(() => new OidcVerifier({ ...base, clockSkewSeconds: 3600 })) as unknown as { code: string }).code, "ERR_AUTH_CONFIG");
});

test("unknown kid: one refresh picks up a rotated key; a kid still unknown is refused and refreshes are rate-limited", async (t) => {
  const k1 = await signingKey("k1");
  const k2 = await signingKey("k2");
  const idp = await issuer(t, k1);
  const v = await verifier(t, { issuers: [idp.url], jwks: { uri: idp.jwksUri }, jwksUnknownKidMinIntervalMs: 60_000 });
  t.is(idp.jwksFetches, 1);
  idp.keys = [k1.jwk, k2.jwk]; // the issuer rotates
  t.is((await v.verify(await mint(k2, { sub: "bob" }, { iss: idp.url, aud: AUD }))).identity.actor, "bob");
  t.is(idp.jwksFetches, 2, "exactly one refresh for the new kid");
  const k3 = await signingKey("k3");
  const forged = await mint(k3, { sub: "eve" }, { iss: idp.url, aud: AUD });
  t.is(await codeOf(v.verify(forged)), "ERR_JWKS_NO_MATCHING_KEY");
  t.is(await codeOf(v.verify(forged)), "ERR_JWKS_NO_MATCHING_KEY");
  t.is(idp.jwksFetches, 2, "unknown kids within the interval cause no fetch");
});

test("concurrent unknown-kid misses share one fetch", async (t) => {
  const k1 = await signingKey("k1");
  const k2 = await signingKey("k2");
  const idp = await issuer(t, k1);
  const v = await verifier(t, { issuers: [idp.url], jwks: { uri: idp.jwksUri } });
  idp.keys = [k1.jwk, k2.jwk];
  const tok = await mint(k2, { sub: "bob" }, { iss: idp.url, aud: AUD });
  const results = await Promise.all(Array.from({ length: 10 }, () => codeOf(v.verify(tok))));
  t.deepEqual(new Set(results), new Set(["ok"]));
  t.is(idp.jwksFetches, 2);
});

test("JWKS unreachable: cached keys keep serving with a WARN and jwks_age_seconds; past jwks_stale_max it fails closed, and recovers when the issuer returns", async (t) => {
  const k = await signingKey("k1");
  const idp = await issuer(t, k);
  let clock = Date.now();
  const registry = new Registry();
  const { logger, lines } = capturingLogger();
  const v = new OidcVerifier({
    issuers: [idp.url], audience: AUD, jwks: { uri: idp.jwksUri }, jwksStaleMaxMs: 3_600_000, jwksUnknownKidMinIntervalMs: 0,
    now: () => clock, logger, metrics: authMetrics(registry), clockSkewSeconds: 300,
  });
  await v.start();
  t.teardown(() => v.close());
  const token = await mint(k, { sub: "alice" }, { iss: idp.url, aud: AUD, expSeconds: 7200 });
  idp.fail = true;
  clock += 30 * 60_000; // 30 min: within stale max
  await t.throwsAsync(v.jwks.refresh());
  t.is((await v.verify(token)).identity.actor, "alice", "serves on cached keys");
  t.true(lines().includes("auth.jwks.refresh_failed"));
  const age = (await registry.getSingleMetric("omnigraph_jwks_age_seconds")!.get()).values[0]?.value ?? 0;
  t.true(age >= 1799 && age <= 1801, `jwks_age_seconds ≈ 1800, got ${age}`);
  t.true(((await registry.getSingleMetric("omnigraph_jwks_refresh_failures_total")!.get()).values[0]?.value ?? 0) >= 1);

  clock += 31 * 60_000; // 61 min: past stale max
  t.is(await codeOf(v.verify(token)), "ERR_JWKS_STALE");
  idp.fail = false;
  await v.jwks.refresh();
  t.is((await v.verify(token)).identity.actor, "alice", "a successful refresh reopens");
});

test("boot: with nothing seeded an unreachable issuer fails closed; a cache file or offline JWKS boots with the issuer down", async (t) => {
  const k = await signingKey("k1");
  const idp = await issuer(t, k);
  const dir = mkdtempSync(join(tmpdir(), "og-jwks-"));
  const cachePath = join(dir, "jwks-cache.json");
  const first = await verifier(t, { issuers: [idp.url], jwks: { uri: idp.jwksUri, cachePath } });
  first.close();
  t.is(JSON.parse(readFileSync(cachePath, "utf8")).jwks.keys[0].kid, "k1", "the fetch wrote the cache");
  const token = await mint(k, { sub: "alice" }, { iss: idp.url, aud: AUD });
  const url = idp.url;
  await idp.stop();

  const cold = new OidcVerifier({ issuers: [url], audience: AUD, jwks: { uri: `${url}/jwks` }, jwksFetchTimeoutMs: 1000 });
  t.is(await codeOf(cold.start()), "ERR_JWKS_UNAVAILABLE");
  const cached = await verifier(t, { issuers: [url], jwks: { uri: `${url}/jwks`, cachePath }, jwksFetchTimeoutMs: 1000 });
  t.is((await cached.verify(token)).identity.actor, "alice");
  t.is(cached.jwks.source, "cache");

  const offlinePath = join(dir, "jwks.json");
  writeFileSync(offlinePath, JSON.stringify({ keys: [k.jwk] }));
  const offline = await verifier(t, { issuers: [url], jwks: { offlinePath } });
  t.is((await offline.verify(token)).identity.actor, "alice");
  const inline = await verifier(t, { issuers: [url], jwks: { inline: { keys: [k.jwk] } } });
  t.is((await inline.verify(token)).identity.actor, "alice");
  t.is(inline.jwks.ageSeconds(), 0, "operator-managed keys never go stale");
});

test("discovery: the jwks_uri comes from the issuer's openid-configuration", async (t) => {
  const k = await signingKey("k1");
  const idp = await issuer(t, k);
  const v = await verifier(t, { issuers: [idp.url], jwks: { discoveryIssuer: idp.url } });
  t.is((await v.verify(await mint(k, { sub: "alice" }, { iss: idp.url, aud: AUD }))).identity.actor, "alice");
});

test("symmetric keys in a JWKS are ignored, so an HMAC token can never verify against them", async (t) => {
  const secret = Buffer.from("0123456789abcdef0123456789abcdef");
  const v = await verifier(t, { issuers: ["https://i"], jwks: { inline: { keys: [{ kty: "oct", k: secret.toString("base64url"), kid: "s1", alg: "HS256" }] } }, algorithms: ["RS256"] });
  const hs = await new SignJWT({ sub: "alice", exp: Math.floor(Date.now() / 1000) + 60 }).setProtectedHeader({ alg: "HS256", kid: "s1" }).setIssuer("https://i").setAudience(AUD).sign(secret);
  t.is(await codeOf(v.verify(hs)), "ERR_TOKEN_ALGORITHM");
});

test("allowed_actors_path: listed actors pass, others are ERR_ACTOR_NOT_ALLOWED", async (t) => {
  const k = await signingKey("k1");
  const dir = mkdtempSync(join(tmpdir(), "og-allow-"));
  const path = join(dir, "actors.txt");
  writeFileSync(path, "# allowed\nalice\n");
  const v = await verifier(t, { issuers: ["https://i"], jwks: { inline: { keys: [k.jwk] } }, allowedActorsPath: path });
  t.is((await v.verify(await mint(k, { sub: "alice" }, { iss: "https://i", aud: AUD }))).identity.actor, "alice");
  t.is(await codeOf(v.verify(await mint(k, { sub: "bob" }, { iss: "https://i", aud: AUD }))), "ERR_ACTOR_NOT_ALLOWED");
});

test("looksLikeJwt: compact JWS with a JSON header only", (t) => {
  t.true(looksLikeJwt(new UnsecuredJWT({}).encode()));
  t.false(looksLikeJwt("abc.def.ghi"));
  t.false(looksLikeJwt("static-token-with-no-dots"));
  t.false(looksLikeJwt("a.b"));
});

test("verified-token cache: a cached token still expires, and a key removed from the JWKS stops its cached tokens", async (t) => {
  const k1 = await signingKey("k1");
  const k2 = await signingKey("k2");
  const idp = await issuer(t, k1, k2);
  let clock = Date.now();
  const v = await verifier(t, { issuers: [idp.url], jwks: { uri: idp.jwksUri }, clockSkewSeconds: 0, now: () => clock, jwksUnknownKidMinIntervalMs: 0 });
  const short = await mint(k1, { sub: "alice" }, { iss: idp.url, aud: AUD, expSeconds: 60 });
  t.is((await v.verify(short)).identity.actor, "alice");
  t.is((await v.verify(short)).identity.actor, "alice", "second use answered from the cache");
  clock += 61_000;
  t.is(await codeOf(v.verify(short)), "ERR_TOKEN_EXPIRED");
  clock = Date.now();
  const byK2 = await mint(k2, { sub: "bob" }, { iss: idp.url, aud: AUD });
  t.is((await v.verify(byK2)).identity.actor, "bob");
  idp.keys = [k1.jwk]; // the issuer revokes k2
  await v.jwks.refresh();
  t.is(await codeOf(v.verify(byK2)), "ERR_JWKS_NO_MATCHING_KEY");
});

test("jwks_offline_path is re-read when replaced: a rotated key verifies; a broken file keeps the last good keys", async (t) => {
  const k1 = await signingKey("k1");
  const k2 = await signingKey("k2");
  const dir = mkdtempSync(join(tmpdir(), "og-jwks-"));
  const path = join(dir, "jwks.json");
  writeFileSync(path, JSON.stringify({ keys: [k1.jwk] }));
  const v = await verifier(t, { issuers: ["https://i"], jwks: { offlinePath: path } });
  const byK1 = await mint(k1, { sub: "alice" }, { iss: "https://i", aud: AUD });
  const byK2 = await mint(k2, { sub: "bob" }, { iss: "https://i", aud: AUD });
  t.is(await codeOf(v.verify(byK2)), "ERR_JWKS_NO_MATCHING_KEY");
  writeFileSync(`${path}.tmp`, JSON.stringify({ keys: [k1.jwk, k2.jwk] }));
  renameSync(`${path}.tmp`, path);
  let ok = false;
  for (let i = 0; i < 80 && !ok; i++) {
    await new Promise((r) => setTimeout(r, 250));
    ok = (await codeOf(v.verify(byK2))) === "ok";
  }
  t.true(ok, "the rotated key is trusted without a restart");
  writeFileSync(`${path}.tmp`, "{not json");
  renameSync(`${path}.tmp`, path);
  await new Promise((r) => setTimeout(r, 2500));
  t.is(await codeOf(v.verify(byK1)), "ok", "the last good keys still serve");
});
