/**
 * Our generated OpenAPI document against OmniGraph's v0.10 document: every tier-A
 * operation is present with the same path, method, operation id, parameters
 * (name, location, required) and response statuses, and every response schema is the
 * same after normalisation (refs inlined; descriptions, examples and formats dropped;
 * `anyOf` ≡ `oneOf`). Our additions are allowed only where listed in EXTENSIONS.
 */
import test from "ava";
import { allRoutes } from "../../server/http/app.ts";
import { buildOpenApiDocument } from "../../server/http/contract/openapi.ts";
import { CONTRACT, call, serve, tmpDir } from "./support.ts";

const TIER_B = [/\/blob$/, /\/changes/, /\/queries/];

/** Properties we add to OmniGraph's schemas (README "Server: extensions"). */
const EXTENSIONS: Record<string, string[]> = {
  ErrorOutput: ["error_code", "request_id", "writer_url"],
  GraphListResponse: ["quarantined"],
};

type Doc = { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown> } };
type Op = { operationId: string; parameters?: { name: string; in: string; required?: boolean }[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

const DROP = new Set(["description", "example", "examples", "title", "format", "deprecated"]);

function normalize(schema: unknown, doc: Doc, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => normalize(s, doc, seen));
  if (schema === null || typeof schema !== "object") return schema;
  const o = schema as Record<string, unknown>;
  if (typeof o.$ref === "string") {
    const name = o.$ref.replace("#/components/schemas/", "");
    if (seen.includes(name)) return { $ref: name };
    const target = normalize(doc.components.schemas[name], doc, [...seen, name]) as Record<string, unknown>;
    const ext = EXTENSIONS[name];
    if (ext && target.properties) {
      const props = { ...(target.properties as Record<string, unknown>) };
      for (const k of ext) delete props[k];
      return { ...target, properties: props };
    }
    return target;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (DROP.has(k)) continue;
    if (k === "anyOf") out.oneOf = normalize(v, doc, seen);
    else if (k === "required" && Array.isArray(v)) out.required = [...v].sort();
    else if (k === "enum" && Array.isArray(v)) out.enum = [...v].sort();
    else if (k === "items" && typeof v === "object" && v && Object.keys(v).length === 0) continue; // `items: {}` ≡ no items
    else out[k] = normalize(v, doc, seen);
  }
  return out;
}

function tierA(doc: Doc): [string, string, Op][] {
  const ops: [string, string, Op][] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (TIER_B.some((r) => r.test(path))) continue;
    for (const [method, op] of Object.entries(methods)) if (method !== "head" && method !== "parameters") ops.push([path, method, op]);
  }
  return ops;
}

const ours = buildOpenApiDocument(allRoutes(), { version: "test", secured: true }) as unknown as Doc;
const theirs = CONTRACT as unknown as Doc;

test("every OmniGraph tier-A operation is ours with the same path, method, operation id and parameters", (t) => {
  const ops = tierA(theirs);
  t.true(ops.length >= 20);
  for (const [path, method, op] of ops) {
    const mine = ours.paths[path]?.[method];
    if (!mine) {
      t.fail(`missing ${method.toUpperCase()} ${path}`);
      continue;
    }
    t.is(mine.operationId, op.operationId, path);
    const params = (o: Op) => (o.parameters ?? []).map((p) => `${p.in}:${p.name.toLowerCase()}:${p.required === true}`).sort();
    t.deepEqual(params(mine), params(op), `${method} ${path} parameters`);
  }
});

test("every documented status of every tier-A operation has the same response schema", (t) => {
  for (const [path, method, op] of tierA(theirs)) {
    const mine = ours.paths[path]?.[method];
    if (!mine) continue;
    for (const [status, resp] of Object.entries(op.responses)) {
      const m = mine.responses[status];
      if (!m) {
        t.fail(`${method} ${path}: status ${status} missing`);
        continue;
      }
      t.deepEqual(Object.keys(m.content ?? {}).sort(), Object.keys(resp.content ?? {}).sort(), `${method} ${path} ${status} content types`);
      for (const [ct, c] of Object.entries(resp.content ?? {})) {
        t.deepEqual(normalize(m.content?.[ct]?.schema, ours), normalize(c.schema, theirs), `${method} ${path} ${status} ${ct}`);
      }
    }
  }
});

test("security: bearer_token as OmniGraph names it; stripped when auth is off", (t) => {
  t.deepEqual((ours as unknown as { components: { securitySchemes: unknown } }).components.securitySchemes, { bearer_token: { type: "http", scheme: "bearer" } });
  t.deepEqual((ours.paths["/graphs/{graph_id}/query"]!.post as unknown as { security: unknown }).security, [{ bearer_token: [] }]);
  const open = buildOpenApiDocument(allRoutes(), { version: "test", secured: false }) as unknown as Doc & { components: { securitySchemes?: unknown } };
  t.is(open.components.securitySchemes, undefined);
  t.false(JSON.stringify(open.paths).includes("bearer_token"));
});

test("the served /openapi.json is the generated document (auth off: no security)", async (t) => {
  const s = await serve(t, ["--store", `fs://${tmpDir()}`, "--unauthenticated"]);
  const r = await call(s.url, "GET", "/openapi.json");
  t.is(r.status, 200);
  const doc = r.json as Doc & { openapi: string };
  t.is(doc.openapi, "3.1.0");
  t.deepEqual(Object.keys(doc.paths).sort(), Object.keys(ours.paths).sort());
  t.false(JSON.stringify(doc).includes("bearer_token"));
});
