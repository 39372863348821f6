import test from "ava";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { Registry } from "prom-client";
import { authMetrics } from "../../server/auth/metrics.ts";
import { bearerToken, StaticTokens } from "../../server/auth/static-tokens.ts";
import { codeOf } from "../support/codes.ts";
import { capturingLogger, eventually } from "./support.ts";

function codeOfSync(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") throw e;
    return code;
  }
}

const auth = (t: StaticTokens, token: string | undefined) => t.authenticate({ authorization: token === undefined ? undefined : `Bearer ${token}`, host: undefined });

test("OMNIGRAPH_SERVER_BEARER_TOKEN maps to actor default; values are trimmed", async (t) => {
  const s = StaticTokens.load({ bearerToken: "  tok-1  " });
  t.deepEqual(await auth(s, "tok-1"), { actor: "default", tenant: null, groups: [], via: "static" });
  t.is(await codeOf(auth(s, "tok-2")), "ERR_TOKEN_INVALID");
});

test("the token file wins over the JSON; the single token is merged with it", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "og-tokens-"));
  const file = join(dir, "tokens.json");
  writeFileSync(file, JSON.stringify({ alice: "from-file" }));
  const s = StaticTokens.load({ bearerToken: "single", tokensFile: file, tokensJson: JSON.stringify({ bob: "from-json" }) });
  t.is((await auth(s, "from-file")).actor, "alice");
  t.is((await auth(s, "single")).actor, "default");
  t.is(await codeOf(auth(s, "from-json")), "ERR_TOKEN_INVALID");
  const j = StaticTokens.load({ tokensJson: JSON.stringify({ bob: "from-json" }) });
  t.is((await auth(j, "from-json")).actor, "bob");
});

test("long entries carry tenant and groups; the list form allows one actor name in two tenants", async (t) => {
  const s = StaticTokens.load({
    tokensJson: JSON.stringify([
      { actor: "alice", token: "a-acme", tenant: "acme", groups: ["editors", "editors", "viewers"] },
      { actor: "alice", token: "a-globex", tenant: "org_globex" },
    ]),
  });
  t.deepEqual(await auth(s, "a-acme"), { actor: "alice", tenant: "acme", groups: ["editors", "viewers"], via: "static" });
  t.deepEqual(await auth(s, "a-globex"), { actor: "alice", tenant: "org_globex", groups: [], via: "static" });
  const m = StaticTokens.load({ tokensJson: JSON.stringify({ ci: { token: "c", tenant: "acme", groups: ["ci"] } }) });
  t.deepEqual(await auth(m, "c"), { actor: "ci", tenant: "acme", groups: ["ci"], via: "static" });
});

test("validation rules: blank actor, blank token, duplicate actor, duplicate token, bad tenant, bad JSON — each ERR_TOKENS_INVALID without the token in the message", (t) => {
  const cases: [string, string][] = [
    ["blank token", JSON.stringify({ alice: "   " })],
    ["blank actor", JSON.stringify([{ actor: " ", token: "x1" }])],
    ["duplicate actor", JSON.stringify([{ actor: "alice", token: "x1" }, { actor: " alice", token: "x2" }])],
    ["duplicate token", JSON.stringify({ alice: "same-secret", bob: " same-secret " })],
    ["bad tenant", JSON.stringify([{ actor: "a", token: "x1", tenant: "no spaces" }])],
    ["not JSON", "{alice: secret-value"],
    ["wrong shape", JSON.stringify({ alice: 42 })],
  ];
  for (const [name, json] of cases) {
    let message = "";
    const code = codeOfSync(() => {
      try {
        StaticTokens.load({ tokensJson: json });
      } catch (e) {
        message = (e as Error).message;
        throw e;
      }
    });
    t.is(code, "ERR_TOKENS_INVALID", name);
    t.false(/same-secret|secret-value|x1|x2/.test(message), `${name}: message leaks a token: ${message}`);
  }
  t.is(codeOfSync(() => StaticTokens.load({ bearerToken: "dup", tokensJson: JSON.stringify({ bob: "dup" }) })), "ERR_TOKENS_INVALID");
});

test("plaintext is never retained: the table holds only SHA-256 digests", (t) => {
  const s = StaticTokens.load({ tokensJson: JSON.stringify({ alice: "plain-text-token-123" }) });
  const dump = inspect(s, { depth: 10, showHidden: true, maxArrayLength: null, maxStringLength: null });
  t.false(dump.includes("plain-text-token-123"));
  t.false(dump.includes(Buffer.from("plain-text-token-123").toString("hex")));
});

test("bearer extraction: only `Bearer <token>` (scheme case-insensitive); other schemes and blank headers are refused with distinct codes", (t) => {
  t.is(bearerToken("Bearer abc"), "abc");
  t.is(bearerToken("bearer abc"), "abc");
  t.is(codeOfSync(() => bearerToken(undefined)), "ERR_UNAUTHENTICATED");
  t.is(codeOfSync(() => bearerToken("")), "ERR_UNAUTHENTICATED");
  t.is(codeOfSync(() => bearerToken("Basic YWxpY2U6cHc=")), "ERR_AUTH_SCHEME");
  t.is(codeOfSync(() => bearerToken("Bearer")), "ERR_AUTH_SCHEME");
  t.is(codeOfSync(() => bearerToken("Bearer a b")), "ERR_AUTH_SCHEME");
  t.is(codeOfSync(() => bearerToken("abc")), "ERR_AUTH_SCHEME");
});

test("every entry is compared: a match on the first and on the last entry take the same code path", async (t) => {
  const entries = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`actor${i}`, `token-${i}`]));
  const s = StaticTokens.load({ tokensJson: JSON.stringify(entries) });
  t.is((await auth(s, "token-0")).actor, "actor0");
  t.is((await auth(s, "token-49")).actor, "actor49");
  t.is(s.size, 50);
});

test("the token file is reloaded on change (atomic rename); a bad file keeps the last good table, logs a WARN without the token, and counts a metric", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "og-tokens-"));
  const file = join(dir, "tokens.json");
  writeFileSync(file, JSON.stringify({ alice: "first-token" }));
  const registry = new Registry();
  const metrics = authMetrics(registry);
  const { logger, lines } = capturingLogger();
  const s = StaticTokens.load({ tokensFile: file }, { logger, metrics, pollIntervalMs: 50 });
  s.watch();
  t.teardown(() => s.close());
  t.is((await auth(s, "first-token")).actor, "alice");

  const swap = (content: string) => {
    const tmp = join(dir, `next-${Math.random()}`);
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  };
  swap(JSON.stringify({ alice: "second-token", bob: "bob-token" }));
  t.true(await eventually(() => s.size === 2, 20_000), "the new table is live"); // stat polling shares the libuv pool with LanceDB under load
  t.is(await codeOf(auth(s, "first-token")), "ERR_TOKEN_INVALID");
  t.is((await auth(s, "bob-token")).actor, "bob");

  swap(JSON.stringify({ alice: "leaky-secret", carol: "leaky-secret" })); // duplicate token: invalid
  t.true(await eventually(() => lines().includes("auth.tokens.reload_failed"), 20_000), "the failure was logged");
  t.is((await auth(s, "bob-token")).actor, "bob", "the last good table still serves");
  t.is(await codeOf(auth(s, "leaky-secret")), "ERR_TOKEN_INVALID");
  const failures = (await registry.getSingleMetric("omnigraph_auth_token_reload_failures_total")!.get()).values[0]?.value;
  t.is(failures, 1);
  t.false(lines().includes("leaky-secret") || lines().includes("second-token") || lines().includes("bob-token"));
});
