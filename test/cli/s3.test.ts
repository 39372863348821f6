/**
 * Direct mode on real S3 (RGW): the same verbs on an `s3://` store, which is a
 * non-local target — destructive writes need `--yes`, the target echo says "remote".
 */
import test from "ava";
import { freshPrefix } from "../support/rgw.ts";
import { rgwSuite } from "../support/rgw-suite.ts";
import { errorCodeOf, example, jsonOf, omnigraph, omnigraphInProcess as og, tempDir } from "./harness.ts";

rgwSuite(test, "CLI direct mode on RGW", (rgw) => {
  test.serial("init, load, query, branch delete (--yes), cleanup (--yes) on an s3:// store", async (t) => {
    const home = await tempDir(t, "og-home-");
    const url = `s3://${rgw.bucket}/${freshPrefix("cli").replace(/\/$/, "")}?endpoint=${rgw.endpoint}&region=${rgw.region}&pathStyle=true`;
    const env = { AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey };
    const run = (...args: string[]) => og(args, { home, env });
    const G = ["--store", url, "--graph", "social"];

    const init = await run("init", "--schema", example("schema.pg"), ...G);
    t.is(init.code, 0, init.stderr);
    t.regex(init.stderr, /→ s3:\/\/.*\/graphs\/social \(direct, remote\)/);
    t.notRegex(init.stderr, /endpoint=/, "the echo drops URL parameters");
    t.is((await run("load", "--data", example("data.ndjson"), "--mode", "merge", ...G, "--quiet")).code, 0);
    t.is(jsonOf<{ row_count: number }>(await run("query", "people", "--query", example("queries.gq"), ...G, "--json")).row_count, 4);

    t.is((await run("branch", "create", "tmp", ...G, "--quiet")).code, 0);
    t.is(errorCodeOf(await run("branch", "delete", "tmp", ...G)), "ERR_CONFIRMATION_REQUIRED");
    t.is((await run("branch", "delete", "tmp", ...G, "--yes", "--quiet")).code, 0);
    t.is(errorCodeOf(await run("load", "--data", example("data.ndjson"), "--mode", "overwrite", ...G)), "ERR_CONFIRMATION_REQUIRED");
    t.is(errorCodeOf(await run("cleanup", "--confirm", ...G)), "ERR_CONFIRMATION_REQUIRED");
    const clean = await run("cleanup", "--confirm", "--yes", ...G, "--json", "--quiet");
    t.is(clean.code, 0, clean.stderr);
    t.is(jsonOf<{ row_count: number }>(await run("query", "people", "--query", example("queries.gq"), ...G, "--json")).row_count, 4);
  });

  test.serial("no store credentials at all: ERR_AUTH naming the variables to set (exit 2), and no AWS SDK Node-version warning", async (t) => {
    const home = await tempDir(t, "og-home-");
    const url = `s3://${rgw.bucket}/${freshPrefix("cli").replace(/\/$/, "")}?endpoint=${rgw.endpoint}&region=${rgw.region}&pathStyle=true`;
    // A real process with no AWS_* variables, no ~/.aws and no instance metadata.
    const env: NodeJS.ProcessEnv = { HOME: home, AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: `${home}/none`, AWS_SHARED_CREDENTIALS_FILE: `${home}/none` };
    for (const k of Object.keys(process.env)) if (k.startsWith("AWS_") && !(k in env)) env[k] = "";
    const r = await omnigraph(["query", "people", "--query", example("queries.gq"), "--store", url, "--graph", "social"], { home, env });
    t.is(errorCodeOf(r), "ERR_AUTH");
    t.is(r.code, 2);
    t.notRegex(r.stderr, /NodeVersionSupportWarning/);
  });
});
