import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { loadConfig } from "../../server/config/load.ts";
import { ServerConfigSchema } from "../../server/config/schema.ts";
import { isConfigError } from "../../server/config/errors.ts";
import { maintenanceConfigFrom } from "../../server/runtime/maintenance.ts";

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "og-config-"));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function keyOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isConfigError(e)) return `${e.code}:${e.key}`;
    throw e;
  }
  return "ok";
}

test("defaults: OmniGraph's bind, all-in-one, 25 s grace, 1 MiB / 32 MiB bodies", (t) => {
  const { config } = loadConfig({ env: {} });
  t.is(config.bind, "127.0.0.1:8080");
  t.is(config.role, "all-in-one");
  t.is(config.shutdown_grace_seconds, 25);
  t.deepEqual(config.limits, { json_body_bytes: 1_048_576, load_body_bytes: 33_554_432 });
  t.deepEqual(config.handles, { max_open: 64, idle_seconds: 600, open_concurrency: 4, key_set_max_ids: 200_000 });
  t.false(config.auth.unauthenticated);
});

test("precedence: flag > env > file > default", (t) => {
  const file = tmpFile("c.yaml", "version: 1\nbind: 127.0.0.1:1111\nrole: writer\nshutdown_grace_seconds: 5\nlog: { level: debug }\n");
  const env = { OMNIGRAPH_BIND: "127.0.0.1:2222", OMNIGRAPH_SHUTDOWN_GRACE_SECONDS: "7" };
  const fileOnly = loadConfig({ env: {}, file }).config;
  t.is(fileOnly.bind, "127.0.0.1:1111");
  t.is(fileOnly.log.level, "debug");
  const withEnv = loadConfig({ env, file }).config;
  t.is(withEnv.bind, "127.0.0.1:2222");
  t.is(withEnv.shutdown_grace_seconds, 7);
  t.is(withEnv.role, "writer");
  const withFlags = loadConfig({ env, file, flags: { bind: "127.0.0.1:0", shutdownGraceSeconds: "3", role: "reader" } }).config;
  t.is(withFlags.bind, "127.0.0.1:0");
  t.is(withFlags.shutdown_grace_seconds, 3);
  t.is(withFlags.role, "reader");
});

test("errors name the key: unknown keys, bad values, bad env values, a missing file", (t) => {
  t.is(keyOf(() => loadConfig({ env: {}, file: tmpFile("a.yaml", "version: 1\nbnd: 1\n") })), "ERR_CONFIG_INVALID:bnd");
  t.is(keyOf(() => loadConfig({ env: {}, file: tmpFile("b.yaml", "limits: { json_body_bytes: -1 }\n") })), "ERR_CONFIG_INVALID:limits.json_body_bytes");
  t.is(keyOf(() => loadConfig({ env: {}, file: tmpFile("c.yaml", "auth: { static: { tokenz: 1 } }\n") })), "ERR_CONFIG_INVALID:auth.static.tokenz");
  t.is(keyOf(() => loadConfig({ env: {}, file: tmpFile("d.yaml", "graphs: { healthz: {} }\n") })), "ERR_CONFIG_INVALID:graphs.healthz");
  t.is(keyOf(() => loadConfig({ env: {}, file: tmpFile("e.yaml", "graphs: { 'bad_id': {} }\n") })), "ERR_CONFIG_INVALID:graphs.bad_id");
  t.is(keyOf(() => loadConfig({ env: { OMNIGRAPH_SHUTDOWN_GRACE_SECONDS: "soon" } })), "ERR_CONFIG_INVALID:OMNIGRAPH_SHUTDOWN_GRACE_SECONDS");
  t.is(keyOf(() => loadConfig({ env: { OMNIGRAPH_ROLE: "boss" } })), "ERR_CONFIG_INVALID:role");
  t.is(keyOf(() => loadConfig({ env: {}, flags: { bind: "localhost" } })), "ERR_CONFIG_INVALID:bind");
  t.is(keyOf(() => loadConfig({ env: {}, file: "/nonexistent/og.yaml" })), "ERR_CONFIG_INVALID:--config");
  t.is(keyOf(() => loadConfig({ env: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:7480" } })), "ERR_CONFIG_INVALID:AWS_ALLOW_HTTP");
});

test("OMNIGRAPH_UNAUTHENTICATED is truthy unless empty, 0 or false", (t) => {
  for (const [v, want] of [["1", true], ["yes", true], ["true", true], ["", false], ["0", false], ["false", false], ["FALSE", false]] as const) {
    t.is(loadConfig({ env: { OMNIGRAPH_UNAUTHENTICATED: v } }).config.auth.unauthenticated, want, v);
  }
  t.true(loadConfig({ env: {}, flags: { unauthenticated: true } }).config.auth.unauthenticated);
});

test("AWS_* storage variables reach the loaded storage settings; token env stays out of the config", (t) => {
  const l = loadConfig({
    env: { AWS_ENDPOINT_URL: "http://127.0.0.1:7480/", AWS_ALLOW_HTTP: "true", AWS_S3_FORCE_PATH_STYLE: "true", AWS_REGION: "eu-west-1", OMNIGRAPH_SERVER_BEARER_TOKEN: " tok " },
  });
  t.deepEqual(l.storage.s3, { endpoint: "http://127.0.0.1:7480", region: "eu-west-1", forcePathStyle: true, allowHttp: true });
  t.is(l.secrets.bearerToken, "tok");
  t.false(JSON.stringify(l.config).includes("tok\""));
  t.is(loadConfig({ env: { AWS_ENDPOINT_URL: "http://a:1", AWS_ENDPOINT_URL_S3: "https://b:2", AWS_ALLOW_HTTP: "false" } }).storage.s3.endpoint, "https://b:2");
});

test("relative paths in the file resolve against the file's directory", (t) => {
  const file = tmpFile("c.yaml", "graphs: { social: { schema: ./social.pg } }\nauth: { static: { tokens_file: tokens.json } }\nstore: data\n");
  const { config } = loadConfig({ env: {}, file });
  const dir = file.slice(0, file.lastIndexOf("/"));
  t.is(config.graphs.social!.schema, join(dir, "social.pg"));
  t.is(config.auth.static.tokens_file, join(dir, "tokens.json"));
  t.is(config.store, join(dir, "data"));
});

test("the schema is strict at every level and accepts the contract's full example", (t) => {
  const full = {
    version: 1, role: "all-in-one", bind: "127.0.0.1:8080", store: "fs:///var/lib/omnigraph/data", tenancy: { layout: "single" },
    graphs: { social: { schema: "./social.pg", tenant: null } }, writer_url: null, shutdown_grace_seconds: 25,
    limits: { json_body_bytes: 1048576, load_body_bytes: 33554432 }, handles: { max_open: 64, idle_seconds: 600, open_concurrency: 4, key_set_max_ids: 200_000 },
    log: { level: "info" }, auth: { mode: "static", unauthenticated: false, static: { tokens_file: null }, tenants: {} }, policy: { bundle: null },
    admission: { per_actor_inflight_max: 16, per_actor_bytes_max: 4294967296 },
  };
  t.true(ServerConfigSchema.safeParse(full).success);
  t.false(ServerConfigSchema.safeParse({ ...full, limits: { ...full.limits, extra: 1 } }).success);
  t.false(ServerConfigSchema.safeParse({ ...full, tenancy: { layout: "bucket-per-tenant" } }).success);
  // Open mode has no tenant, and bucket-per-tenant has no tenantless store: refused at load, naming the key.
  const open = ServerConfigSchema.safeParse({ ...full, tenancy: { layout: "bucket-per-tenant", bucket_template: "fs:///tmp/og-{tenant}" }, auth: { ...full.auth, unauthenticated: true } });
  t.false(open.success);
  t.deepEqual(open.error?.issues.map((i) => i.path.join(".")), ["auth.unauthenticated"]);
});

test("maintenance.after_commit: defaults, a file's values reach the maintenance settings, unknown keys are named", (t) => {
  const dflt = loadConfig({ env: {} }).config.maintenance;
  t.deepEqual(dflt.after_commit, { enabled: true, delay_ms: 100, max_table_rows: 100_000, unindexed_rows: 4, compact_min_fragments: 16, max_wait_ms: 2000 });
  const file = tmpFile("m.yaml", "version: 1\nmaintenance: { after_commit: { enabled: false, delay_ms: 5, unindexed_rows: 8, max_wait_ms: 0 } }\n");
  const m = maintenanceConfigFrom(loadConfig({ env: {}, file }).config.maintenance);
  t.like(m, { afterCommit: false, afterCommitDelayMs: 5, afterCommitUnindexedRows: 8, afterCommitMaxWaitMs: 0, afterCommitMaxRows: 100_000, afterCommitCompactFragments: 16 });
  const bad = tmpFile("b.yaml", "version: 1\nmaintenance: { after_commit: { unindexed: 3 } }\n");
  t.is(keyOf(() => loadConfig({ env: {}, file: bad })), "ERR_CONFIG_INVALID:maintenance.after_commit.unindexed");
});
