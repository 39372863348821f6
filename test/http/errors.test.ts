/** The one error table: typed codes map to their rows; nothing untyped or internal leaks. */
import test from "ava";
import { StorageFailure } from "../../drivers/errors.ts";
import { EngineError } from "../../server/engine/errors.ts";
import { ERROR_TABLE, toErrorResponse } from "../../server/http/errors.ts";
import { StoreError } from "../../server/store/errors.ts";
import { ErrorOutputSchema } from "../../server/http/contract/schemas.ts";

test("an untyped error is a 500 'internal' carrying only the request id", (t) => {
  const r = toErrorResponse(new TypeError("/usr/local/cargo/registry/src/lance-datafusion/src/x.rs:24 boom"), "rid-1");
  t.is(r.status, 500);
  t.is(r.body.code, "internal");
  t.is(r.body.error_code, "ERR_INTERNAL");
  t.false(r.body.error.includes("cargo"));
  t.true(r.body.error.includes("rid-1"));
  t.true(r.hidden);
});

test("internal failures (LanceDB, storage) keep their text out of the body", (t) => {
  for (const e of [new StoreError("ERR_LANCE", "Lance failed: /build/path/lance.rs:1"), new StorageFailure("SDK said: secret-bucket/key")]) {
    const r = toErrorResponse(e, "rid");
    t.is(r.status, 500);
    t.false(/build\/path|secret-bucket/.test(JSON.stringify(r.body)));
  }
});

test("wrong-route errors name the route to use, with the graph id", (t) => {
  const r = toErrorResponse(new EngineError("ERR_MUTATION_IN_READ", "query 'm' is a mutation, not a read"), "rid", "social");
  t.is(r.status, 400);
  t.regex(r.body.error, /POST \/graphs\/social\/mutate/);
  const back = toErrorResponse(new EngineError("ERR_READ_IN_MUTATION", "query 'q' is a read, not a mutation"), "rid", "social");
  t.regex(back.body.error, /POST \/graphs\/social\/query/);
});

test("the misfilings are fixed: unknown table, no shared history, tier B", (t) => {
  t.is(ERROR_TABLE.ERR_TABLE_NOT_FOUND.status, 500);
  t.is(ERROR_TABLE.ERR_MERGE_UNRELATED.status, 409);
  t.is(ERROR_TABLE.ERR_NOT_SUPPORTED.status, 400);
  t.is(ERROR_TABLE.ERR_READ_IN_MUTATION.status, 400);
});

test("every row's body is a valid ErrorOutput; every retryable 429/503 row sets Retry-After", (t) => {
  for (const [code, row] of Object.entries(ERROR_TABLE)) {
    t.true([400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422, 429, 500, 503].includes(row.status), code);
    const r = toErrorResponse(new StoreError(code as never, "m"), "rid");
    t.true(ErrorOutputSchema.safeParse(r.body).success, code);
    // A quarantined graph needs an operator, not a retry.
    if ((row.status === 429 || row.status === 503) && code !== "ERR_GRAPH_QUARANTINED") t.truthy(row.retryAfter, code);
  }
  t.is(toErrorResponse(new StoreError("ERR_MANIFEST_CONFLICT", "m", { table: "node:T1", expected: 3, actual: 4 }), "r").body.published_dataset_version_conflict?.actual_published_dataset_version, 4);
});
