import test from "ava";
import { servedErrorFrom } from "../../server/cli/client/http.ts";
import { CliError, codeOf, EXIT, exitCodeFor, exitCodeForCode } from "../../server/cli/errors.ts";
import { EngineError } from "../../server/engine/errors.ts";
import { GraphCommitPreconditionFailed, StoreError } from "../../server/store/errors.ts";
import { Timeout } from "../../drivers/errors.ts";

test("typed errors of every layer map to the documented exit codes", (t) => {
  t.is(exitCodeFor(new CliError("ERR_USAGE", "x")), EXIT.refused);
  t.is(exitCodeFor(new EngineError("ERR_PARSE", "x")), EXIT.refused);
  t.is(exitCodeFor(new StoreError("ERR_BRANCH_NOT_FOUND", "x")), EXIT.refused);
  t.is(exitCodeFor(new GraphCommitPreconditionFailed("A", "B")), EXIT.preconditionLost);
  t.is(exitCodeFor(new StoreError("ERR_READ_SET_CONFLICT", "x")), EXIT.preconditionLost);
  t.is(exitCodeFor(new Timeout("x")), EXIT.timeout);
  t.is(exitCodeFor(new CliError("ERR_CANCELLED", "x")), EXIT.cancelled);
  t.is(exitCodeFor(new CliError("ERR_PARTIAL", "x")), EXIT.partial);
  t.is(exitCodeFor(new StoreError("ERR_LANCE", "x")), EXIT.failed);
  t.is(exitCodeFor(new EngineError("ERR_MERGE_CONFLICT", "x")), EXIT.failed);
  t.is(exitCodeFor(new Error("untyped")), EXIT.failed);
  t.is(codeOf(new Error("untyped")), "ERR_UNEXPECTED");
  t.is(exitCodeForCode("ERR_COMMIT_OUTCOME_UNKNOWN"), EXIT.preconditionLost);
});

test("a served error keeps the server's typed code and exits as in direct mode", (t) => {
  const e = servedErrorFrom(412, JSON.stringify({ error: "head moved", precondition_failure: { expected: "A", actual: "B" } }), "POST /x");
  t.is(codeOf(e), "ERR_GRAPH_COMMIT_PRECONDITION");
  t.is(exitCodeFor(e), EXIT.preconditionLost);
  const named = servedErrorFrom(400, JSON.stringify({ error: "bad", code: "bad_request", error_code: "ERR_PARSE" }), "POST /x");
  t.is(codeOf(named), "ERR_PARSE");
  t.is(exitCodeFor(named), EXIT.refused);
  const merge = servedErrorFrom(409, JSON.stringify({ error: "conflicts", code: "conflict", merge_conflicts: [{ kind: "divergent_update" }] }), "POST /x");
  t.is(codeOf(merge), "ERR_MERGE_CONFLICT");
  t.is(exitCodeFor(merge), EXIT.failed);
  const recovery = servedErrorFrom(503, JSON.stringify({ error: "recover", recovery_required: { operation_id: "t" } }), "POST /x");
  t.is(exitCodeFor(recovery), EXIT.preconditionLost);
});

test("a served error with an unknown or missing server code falls back to its HTTP status", (t) => {
  t.is(exitCodeFor(servedErrorFrom(404, JSON.stringify({ error: "nope", code: "not_found" }), "GET /x")), EXIT.refused);
  t.is(exitCodeFor(servedErrorFrom(401, "plain text", "GET /x")), EXIT.refused);
  t.is(exitCodeFor(servedErrorFrom(409, JSON.stringify({ error: "x", error_code: "ERR_SOMETHING_NEW" }), "GET /x")), EXIT.refused);
  t.is(exitCodeFor(servedErrorFrom(500, "{}", "GET /x")), EXIT.failed);
});
