import test from "ava";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveAddress } from "../../server/cli/address.ts";
import { readCliEnvironment } from "../../server/cli/environment.ts";
import { codeOf } from "../../server/cli/errors.ts";
import { loadOperatorConfig } from "../../server/cli/operator/config.ts";
import { credentialFromIni, resolveToken } from "../../server/cli/operator/credentials.ts";
import { tempDir } from "./harness.ts";

async function homeWith(t: Parameters<typeof tempDir>[0], files: { config?: string; credentials?: string; mode?: number }) {
  const home = await tempDir(t, "og-home-");
  await mkdir(home, { recursive: true });
  if (files.config !== undefined) await writeFile(join(home, "config.yaml"), files.config);
  if (files.credentials !== undefined) {
    await writeFile(join(home, "credentials"), files.credentials);
    await chmod(join(home, "credentials"), files.mode ?? 0o600);
  }
  return home;
}

test("token chain: OMNIGRAPH_TOKEN_<NAME> > credentials file > OMNIGRAPH_BEARER_TOKEN", async (t) => {
  const home = await homeWith(t, { credentials: "# mine\n[prod-eu]\ntoken = from-file\n[other]\ntoken = not-this\n" });
  const base = { OMNIGRAPH_HOME: home, OMNIGRAPH_BEARER_TOKEN: "default-token" };
  t.deepEqual(await resolveToken(readCliEnvironment({ ...base, OMNIGRAPH_TOKEN_PROD_EU: "from-env" }), "prod-eu"), { token: "from-env", source: "env-keyed" });
  t.deepEqual(await resolveToken(readCliEnvironment(base), "prod-eu"), { token: "from-file", source: "credentials-file" });
  t.deepEqual(await resolveToken(readCliEnvironment(base), "staging"), { token: "default-token", source: "env-default" });
  // A literal URL that matches no named server never gets a keyed token.
  t.deepEqual(await resolveToken(readCliEnvironment({ ...base, OMNIGRAPH_TOKEN_PROD_EU: "from-env" }), undefined), { token: "default-token", source: "env-default" });
  t.deepEqual(await resolveToken(readCliEnvironment({ OMNIGRAPH_HOME: home }), undefined), { token: undefined, source: "none" });
});

test("a credentials file readable by others is refused (ERR_CREDENTIALS_INSECURE)", async (t) => {
  const home = await homeWith(t, { credentials: "[prod]\ntoken = x\n", mode: 0o644 });
  const e = await t.throwsAsync(resolveToken(readCliEnvironment({ OMNIGRAPH_HOME: home }), "prod"));
  t.is(codeOf(e), "ERR_CREDENTIALS_INSECURE");
});

test("credentialFromIni reads only the named section's token", (t) => {
  const ini = "[a]\ntoken=one\n\n[b]\n; comment\n token = two \n";
  t.is(credentialFromIni(ini, "a"), "one");
  t.is(credentialFromIni(ini, "b"), "two");
  t.is(credentialFromIni(ini, "c"), undefined);
});

test("OMNIGRAPH_CONFIG and OMNIGRAPH_HOME move the operator files", (t) => {
  const env = readCliEnvironment({ OMNIGRAPH_HOME: "/h", OMNIGRAPH_CONFIG: "/elsewhere/c.yaml" });
  t.is(env.configPath, "/elsewhere/c.yaml");
  t.is(env.credentialsPath, "/h/credentials");
});

const CONFIG = `
operator: { actor: alice }
servers:
  prod: { url: "https://graph.example.com/" }
defaults: { output: csv, server: prod, default_graph: social }
profiles:
  scratch: { store: "fs:///tmp/og-scratch", default_graph: scratch }
future_key: 1
`;

test("addressing: flags, profile (flag > env), operator defaults", async (t) => {
  const home = await homeWith(t, { config: CONFIG });
  const warnings: string[] = [];
  const config = await loadOperatorConfig(join(home, "config.yaml"), (m) => warnings.push(m));
  t.is(warnings.length, 1); // unknown key warns and loads
  const env = readCliEnvironment({ OMNIGRAPH_HOME: home, OMNIGRAPH_PROFILE: "scratch" });
  const noProfile = readCliEnvironment({ OMNIGRAPH_HOME: home });

  t.like(resolveAddress({ store: "fs:///tmp/x" }, config, env, "any", "query"), { kind: "direct", graphId: "social", local: true });
  t.like(resolveAddress({ store: "fs:///tmp/x", graph: "g1" }, config, env, "any", "query"), { kind: "direct", graphId: "g1" });
  t.like(resolveAddress({}, config, env, "any", "query"), { kind: "direct", storeUrl: "fs:///tmp/og-scratch", graphId: "scratch" });
  t.like(resolveAddress({}, config, noProfile, "any", "query"), { kind: "served", baseUrl: "https://graph.example.com", serverName: "prod", graphId: "social" });
  t.like(resolveAddress({ server: "https://graph.example.com/v1" }, config, noProfile, "any", "query"), { kind: "served", serverName: "prod" });
  t.like(resolveAddress({ server: "http://127.0.0.1:9" , graph: "g" }, config, noProfile, "any", "query"), { kind: "served", serverName: undefined, graphId: "g" });
  t.like(resolveAddress({ store: "s3://bucket/p?region=us-east-1" }, {}, noProfile, "any", "load"), { kind: "direct", graphId: "default", local: false });
});

test("addressing refusals are typed", async (t) => {
  const env = readCliEnvironment({ OMNIGRAPH_HOME: "/nonexistent" });
  const code = (f: () => unknown) => codeOf(t.throws(f));
  t.is(code(() => resolveAddress({ positional: "http://127.0.0.1:8080" }, {}, env, "any", "load")), "ERR_TARGET");
  t.is(code(() => resolveAddress({ store: "https://x" }, {}, env, "any", "load")), "ERR_TARGET");
  t.is(code(() => resolveAddress({ store: "fs:///tmp/a", server: "http://x" }, {}, env, "any", "load")), "ERR_USAGE");
  t.is(code(() => resolveAddress({ server: "http://x", graph: "g" }, {}, env, "direct", "init")), "ERR_TARGET");
  t.is(code(() => resolveAddress({ server: "http://x" }, {}, env, "any", "query")), "ERR_USAGE");
  t.is(code(() => resolveAddress({ server: "nosuch" }, {}, env, "any", "query")), "ERR_TARGET");
  t.is(code(() => resolveAddress({ store: "fs:///tmp/a", graph: "bad id!" }, {}, env, "any", "query")), "ERR_USAGE");
  t.is(code(() => resolveAddress({}, {}, env, "any", "query")), "ERR_TARGET");
  t.is(code(() => resolveAddress({ store: "ftp://x/y" }, {}, env, "any", "query")), "ERR_INVALID_STORE_URL");
});

test("a malformed operator config is ERR_OPERATOR_CONFIG naming the key", async (t) => {
  const home = await homeWith(t, { config: "defaults: { output: xml }\n" });
  const e = await t.throwsAsync(loadOperatorConfig(join(home, "config.yaml"), () => undefined));
  t.is(codeOf(e), "ERR_OPERATOR_CONFIG");
  t.regex(e!.message, /defaults\.output/);
});
