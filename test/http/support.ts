/**
 * HTTP test harness: a real `omnigraph serve` process on loopback (port 0), a real HTTP
 * client, and a validator that checks every response against OmniGraph's own OpenAPI
 * document for its operation and status.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { OMNIGRAPH_BIN } from "../support/cli.ts";

export const CONTRACT = JSON.parse(readFileSync(new URL("../contract/omnigraph-openapi-0.10.0.json", import.meta.url), "utf8")) as {
  paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string; required?: boolean }[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
};

export const FIXTURES = new URL("../contract/fixtures/", import.meta.url);
export const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");

export interface Served {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tmpDir(prefix = "og-http-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a server config YAML into a temp dir and returns its path. */
export function writeConfig(yaml: string, files: Record<string, string> = {}): string {
  const dir = tmpDir("og-cfg-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const p = join(dir, "server.yaml");
  writeFileSync(p, yaml);
  return p;
}

/** Starts `omnigraph serve --bind 127.0.0.1:0 …`, waits for OMNIGRAPH_LISTEN_ADDR and readiness; killed in teardown. */
export async function serve(t: ExecutionContext | undefined, args: string[], env: NodeJS.ProcessEnv = {}, opts: { ready?: boolean } = {}): Promise<Served> {
  const child = spawn(process.execPath, [OMNIGRAPH_BIN, "serve", "--bind", "127.0.0.1:0", "--log-level", "warn", ...args], {
    env: { ...process.env, OMNIGRAPH_SERVER_BEARER_TOKEN: undefined, OMNIGRAPH_UNAUTHENTICATED: undefined, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  // In a test: killed in its teardown; from a hook: the caller stops it in after.always.
  t?.teardown(kill);
  process.once("exit", kill);
  const addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print OMNIGRAPH_LISTEN_ADDR in 60 s\n${err}`)), 60_000);
    const check = () => {
      const m = /OMNIGRAPH_LISTEN_ADDR=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`serve exited ${code}\n${err}`)));
  });
  const url = `http://${addr}`;
  if (opts.ready !== false) {
    for (let i = 0; i < 600; i++) {
      const r = await fetch(`${url}/readyz`).catch(() => undefined);
      if (r?.status === 200) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  return {
    url, child, stdout: () => out, stderr: () => err,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** One request; the body is JSON unless `raw` is given. */
export async function call(base: string, method: string, path: string, opts: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; token?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const r = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

// ---------- contract validation ----------

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
ajv.addFormat("uint64", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= 0 });
ajv.addSchema({ $id: "omnigraph", components: CONTRACT.components } as never);
const compiled = new Map<string, ValidateFunction>();

function rewrite(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"omnigraph#/components/'));
}

function validatorFor(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(rewrite(schema) as object);
    compiled.set(key, v);
  }
  return v;
}

export function operation(operationId: string): { path: string; method: string; op: (typeof CONTRACT.paths)[string][string] } {
  for (const [path, ops] of Object.entries(CONTRACT.paths)) {
    for (const [method, op] of Object.entries(ops)) if (op.operationId === operationId) return { path, method, op };
  }
  throw new Error(`no operation ${operationId} in OmniGraph's document`);
}

/**
 * Statuses we answer that OmniGraph's document does not list for an operation, with
 * why (README "Server: extensions"). Their bodies must still be `ErrorOutput`.
 */
export const EXTRA_STATUSES: Record<number, string> = {
  400: "malformed graph id or body on routes OmniGraph documents without 400",
  404: "unknown graph (OmniGraph documents it globally, not per operation)",
  409: "a reader refusing a write / a branch with dependents",
  413: "oversized bodies on every body route",
  415: "wrong content type on every body route",
  422: "an Idempotency-Key reused with a different request (ERR_IDEMPOTENCY_KEY_REUSED)",
  429: "admission on every write route",
  500: "internal errors (typed, with a request id)",
  503: "quarantined graph, booting or draining",
};

const seen = new Map<string, Set<number>>();
/** Operation → statuses observed and validated (for coverage assertions). */
export function statusesSeen(): Map<string, Set<number>> {
  return seen;
}

/** Validates one reply against OmniGraph's document for `operationId` and its status; fails the test on drift. */
export function conforms(t: ExecutionContext, operationId: string, r: Reply, label = ""): void {
  const { op } = operation(operationId);
  (seen.get(operationId) ?? seen.set(operationId, new Set()).get(operationId)!).add(r.status);
  const resp = op.responses[String(r.status)];
  let schema: unknown;
  if (resp) {
    const content = resp.content ?? {};
    const ct = (r.headers.get("content-type") ?? "").split(";")[0]!.trim();
    if (Object.keys(content).length && !(ct in content)) {
      t.fail(`${operationId} ${r.status}${label}: content-type ${ct} is not one of ${Object.keys(content).join(", ")}`);
      return;
    }
    schema = content[ct]?.schema;
  } else if (r.status >= 400 && EXTRA_STATUSES[r.status]) {
    schema = { $ref: "#/components/schemas/ErrorOutput" };
  } else {
    t.fail(`${operationId}: status ${r.status}${label} is not documented by OmniGraph nor listed as ours: ${r.text.slice(0, 300)}`);
    return;
  }
  if (r.status >= 400) {
    t.is(typeof (r.json as { error_code?: unknown })?.error_code, "string", `${operationId} ${r.status}${label}: typed error_code`);
  }
  if (schema === undefined) return;
  const v = validatorFor(schema);
  if (!v(r.json)) t.fail(`${operationId} ${r.status}${label}: response drifts from OmniGraph's schema: ${ajv.errorsText(v.errors)}\n${r.text.slice(0, 500)}`);
}

export const codeOfReply = (r: Reply) => (r.json as { error_code?: string } | undefined)?.error_code;
