import test from "ava";
import * as query from "../../../server/engine/query/index.ts";
import { fixture, fixtureCatalog } from "./catalogs.ts";

test("the public API compiles, binds and formats a fixture query end to end", (t) => {
  const q = query.compileQuery(fixture("test.gq"), fixtureCatalog("test"), "get_person");
  const params = query.bindParams(q, { name: "Alice" });
  t.is(params.get("name"), "Alice");
  t.is(q.kind, "read");
  if (q.kind !== "read") return;
  const column = q.projections[1];
  t.is(column?.column, "p.age");
  t.is(query.formatOutputValue(30, column!.expr.type), 30);
  t.is(query.typeName(column!.expr.type), "I32");
  t.is(query.WILDCARD, "_");
  t.deepEqual(Object.keys(query).sort(), [
    "MAX_NESTING", "WILDCARD", "bindParams", "castValue", "checkQuery", "compareValues", "compileQuery", "dateToDateTime",
    "float32ToNumber", "formatDateTime", "formatOutputValue", "parseDate", "parseDateTime", "parseQueries", "printExpr",
    "printQueries", "printQuery", "tokenize", "typeName", "valuesEqual",
  ]);
});
