/**
 * A writer process and a reader process on the same RGW bucket (real S3), configured
 * through OmniGraph's AWS_* variables: the reader serves the writer's commits on its
 * next consistent read and refuses writes with 409 `ERR_WRITE_ON_READER` naming the writer.
 */
import test from "ava";
import { rgwSuite } from "../support/rgw-suite.ts";
import { freshPrefix } from "../support/rgw.ts";
import { call, codeOfReply, conforms, fixture, serve, writeConfig } from "./support.ts";

rgwSuite(test, "reader and writer on RGW", (rgw) => {
  test("the reader follows the writer's head on every read and refuses writes with the writer's address", async (t) => {
    const store = `s3://${rgw.bucket}/${freshPrefix("http-roles").replace(/\/$/, "")}`;
    const env = {
      AWS_ENDPOINT_URL_S3: rgw.endpoint, AWS_ALLOW_HTTP: "true", AWS_S3_FORCE_PATH_STYLE: "true", AWS_REGION: rgw.region,
      AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
    };
    const cfg = writeConfig("graphs:\n  social: { schema: ./test.pg }\n", { "test.pg": fixture("test.pg") });
    const writer = await serve(t, ["--config", cfg, "--store", store, "--role", "writer", "--unauthenticated"], env);
    const load = await call(writer.url, "POST", "/graphs/social/load", { body: { data: fixture("test.jsonl") } });
    t.is(load.status, 200, load.text);
    const reader = await serve(t, ["--store", store, "--role", "reader", "--writer-url", writer.url, "--unauthenticated"], env);
    const count = async () => {
      const r = await call(reader.url, "POST", "/graphs/social/query", { body: { query: "query q() { match { $p: Person } return { count($p) as n } }" } });
      t.is(r.status, 200, r.text);
      conforms(t, "cluster_query", r);
      return (r.json as { rows: { n: number }[]; graph_commit_id: string });
    };
    t.is((await count()).rows[0]!.n, 4);
    const m = await call(writer.url, "POST", "/graphs/social/mutate", { body: { query: 'query m() { insert Person { name: "Eve", age: 22 } }' } });
    t.is(m.status, 200, m.text);
    const after = await count();
    t.is(after.rows[0]!.n, 5, "the reader's next consistent read sees the writer's commit");
    t.is(after.graph_commit_id, (m.json as { commit: { graph_commit_id: string } }).commit.graph_commit_id);

    const refused = await call(reader.url, "POST", "/graphs/social/mutate", { body: { query: 'query m() { insert Person { name: "Nope" } }' } });
    t.is(refused.status, 409);
    t.is(codeOfReply(refused), "ERR_WRITE_ON_READER");
    t.is((refused.json as { writer_url: string; code: string }).writer_url, writer.url);
    t.is((refused.json as { code: string }).code, "conflict");
    conforms(t, "cluster_mutate", refused);
    for (const [op, path, body] of [
      ["cluster_createBranch", "/graphs/social/branches", { name: "x" }],
      ["cluster_load", "/graphs/social/load", { data: "" }],
      ["cluster_applySchema", "/graphs/social/schema/apply", { schema_source: fixture("test.pg") }],
      ["cluster_mergeBranches", "/graphs/social/branches/merge", { source: "x" }],
    ] as const) {
      const r = await call(reader.url, "POST", path, { body });
      t.is(codeOfReply(r), "ERR_WRITE_ON_READER", path);
      conforms(t, op, r);
    }
    const del = await call(reader.url, "DELETE", "/graphs/social/branches/x");
    t.is(codeOfReply(del), "ERR_WRITE_ON_READER");
    t.like((await call(reader.url, "GET", "/readyz")).json as object, { role: "reader", ready: true });
  });
});
