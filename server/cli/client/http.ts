/**
 * Served mode: the {@link GraphClient} over OmniGraph's HTTP API (routes under
 * `/graphs/{graph_id}`, omnigraph-api.md §1). Answers are passed through as the
 * server sent them; an error body becomes a {@link ServedError} whose code is the
 * server's typed code when the body names one, else rebuilt from the detail field
 * and the HTTP status, so the exit-code table sees the same codes as in direct mode.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { CliError, ServedError, type CliErrorCode } from "../errors.ts";
import type { ContractJson, ExportCall, GraphClient, LoadCall, MutateCall, QueryCall } from "./graph-client.ts";

export interface HttpClientOptions {
  baseUrl: string;
  token: string | undefined;
  /** Per-request deadline in ms (the whole response, streams included). */
  timeoutMs: number;
  /** Aborts every request (SIGINT). */
  signal?: AbortSignal | undefined;
}

/** Detail field of an error body → the typed code it stands for (omnigraph-api.md §1.4). */
const DETAIL_CODES: [field: string, code: string][] = [
  ["precondition_failure", "ERR_GRAPH_COMMIT_PRECONDITION"],
  ["recovery_required", "ERR_RECOVERY_REQUIRED"],
  ["key_conflict", "ERR_KEY_CONFLICT"],
  ["read_set_conflict", "ERR_READ_SET_CONFLICT"],
  ["published_dataset_version_conflict", "ERR_MANIFEST_CONFLICT"],
  ["resource_limit", "ERR_RESOURCE_LIMIT"],
];

function codeForStatus(status: number): CliErrorCode {
  if (status === 400 || status === 413 || status === 415 || status === 422) return "ERR_BAD_REQUEST";
  if (status === 401) return "ERR_UNAUTHENTICATED";
  if (status === 403) return "ERR_FORBIDDEN";
  if (status === 404) return "ERR_NOT_FOUND";
  if (status === 409) return "ERR_CONFLICT";
  if (status === 412) return "ERR_CONFLICT";
  if (status === 429) return "ERR_TOO_MANY_REQUESTS";
  if (status === 503) return "ERR_SERVICE_UNAVAILABLE";
  return "ERR_SERVER_INTERNAL";
}

/** The typed server code an error body carries, when it names one. */
function serverCodeOf(body: Record<string, unknown>): string | undefined {
  // Our server may add its layer code beside OmniGraph's closed `code` enum.
  for (const k of ["error_code", "omnigraph_code", "code"]) {
    const v = body[k];
    if (typeof v === "string" && v.startsWith("ERR_")) return v;
  }
  if (Array.isArray(body.merge_conflicts) && body.merge_conflicts.length > 0) return "ERR_MERGE_CONFLICT";
  for (const [field, code] of DETAIL_CODES) if (body[field] !== undefined && body[field] !== null) return code;
  return undefined;
}

/** Builds the typed error for a non-2xx response. */
export function servedErrorFrom(status: number, text: string, route: string): ServedError {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    body = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { error: text };
  } catch {
    body = { error: text.slice(0, 500) || `HTTP ${status}` };
  }
  const serverCode = status === 412 ? (serverCodeOf(body) ?? "ERR_GRAPH_COMMIT_PRECONDITION") : serverCodeOf(body);
  const message = typeof body.error === "string" ? body.error : `HTTP ${status}`;
  const cliCode: CliErrorCode = serverCode === "ERR_RECOVERY_REQUIRED" ? "ERR_RECOVERY_REQUIRED" : codeForStatus(status);
  return new ServedError(cliCode, serverCode, status, `${route} answered ${status}: ${message}`, body);
}

/** The typed code (`error_code`) of an error body, if it is one. */
function errorCodeOf(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as { error_code?: unknown };
    return typeof v.error_code === "string" ? v.error_code : undefined;
  } catch {
    return undefined;
  }
}

function encodeBranch(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

/** HTTP client of one server; `graphId` undefined = registry calls only (`/graphs`). */
export class HttpGraphClient implements GraphClient {
  constructor(private readonly opts: HttpClientOptions, private readonly graphId: string | undefined) {}

  private graphPath(rel: string): string {
    if (this.graphId === undefined) throw new CliError("ERR_USAGE", "this command needs --graph <id>");
    return `/graphs/${encodeURIComponent(this.graphId)}${rel}`;
  }

  private async send(method: string, path: string, init: { json?: unknown; body?: string | ReadableStream<Uint8Array>; contentType?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json, application/x-ndjson", ...init.headers };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let body: string | ReadableStream<Uint8Array> | undefined = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers["content-type"] = "application/json";
    } else if (init.contentType) headers["content-type"] = init.contentType;
    const signals = [AbortSignal.timeout(this.opts.timeoutMs), ...(this.opts.signal ? [this.opts.signal] : [])];
    const url = `${this.opts.baseUrl}${path}`;
    const signal = AbortSignal.any(signals);
    // A streamed body cannot be sent twice: wait out a booting server before sending it.
    if (body instanceof ReadableStream) await this.untilBooted(signal, `${method} ${path}`);
    for (;;) {
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body, signal, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
      } catch (e) {
        throw this.transportError(e, `${method} ${path}`);
      }
      if (res.ok) return res;
      const text = await res.text().catch(() => "");
      // A server that is still booting ran nothing: wait as it says (within --timeout) and
      // ask again, so a CLI started right after `npm start` just works. A streamed body
      // cannot be sent twice.
      if (res.status === 503 && !(body instanceof ReadableStream) && errorCodeOf(text) === "ERR_NOT_READY") {
        const waitMs = Math.min(1000, Math.max(100, Number(res.headers.get("retry-after") ?? "1") * 1000));
        try {
          await sleep(waitMs, undefined, { signal });
        } catch (e) {
          const reason = signal.reason as Error | undefined;
          throw this.transportError(reason?.name === "TimeoutError" ? reason : e, `${method} ${path}`);
        }
        continue;
      }
      throw servedErrorFrom(res.status, text, `${method} ${path}`);
    }
  }

  /** Polls `/readyz` while the server answers `booting` (bounded by the request's signal). */
  private async untilBooted(signal: AbortSignal, route: string): Promise<void> {
    for (;;) {
      let status: string | undefined;
      try {
        const res = await fetch(`${this.opts.baseUrl}/readyz`, { signal });
        status = ((await res.json().catch(() => ({}))) as { status?: string }).status;
      } catch (e) {
        throw this.transportError(e, route);
      }
      if (status !== "booting") return;
      try {
        await sleep(250, undefined, { signal });
      } catch (e) {
        const reason = signal.reason as Error | undefined;
        throw this.transportError(reason?.name === "TimeoutError" ? reason : e, route);
      }
    }
  }

  private transportError(e: unknown, route: string): CliError {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === "TimeoutError") return new CliError("ERR_TIMEOUT", `${route}: no answer from ${this.opts.baseUrl} within ${this.opts.timeoutMs / 1000}s; raise --timeout or check the server`, undefined, e);
    if (err.name === "AbortError") return new CliError("ERR_CANCELLED", `${route}: cancelled`, undefined, e);
    const why = err.cause?.code ?? err.cause?.message ?? err.message;
    return new CliError("ERR_SERVER_UNREACHABLE", `cannot reach ${this.opts.baseUrl} (${why}); is the server running, and is --server right?`, undefined, e);
  }

  private async json(method: string, path: string, init: Parameters<HttpGraphClient["send"]>[2] = {}): Promise<ContractJson> {
    const res = await this.send(method, path, init);
    const text = await res.text().catch((e: unknown) => {
      throw this.transportError(e, `${method} ${path}`);
    });
    try {
      const v: unknown = JSON.parse(text);
      if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as ContractJson;
    } catch {
      // fall through
    }
    throw new CliError("ERR_SERVER_PROTOCOL", `${method} ${path} answered ${res.status} with a body that is not a JSON object; is ${this.opts.baseUrl} an OmniGraph server?`);
  }

  /** `GET /graphs`: `{graphs: [{graph_id, uri}], quarantined?}`. */
  listGraphs(): Promise<ContractJson> {
    return this.json("GET", "/graphs");
  }

  /** `GET /healthz`. */
  health(): Promise<ContractJson> {
    return this.json("GET", "/healthz");
  }

  snapshot(t: { branch?: string | undefined; snapshot?: string | undefined }): Promise<ContractJson> {
    if (t.snapshot !== undefined) throw new CliError("ERR_USAGE", "snapshot takes --branch only; a pinned commit is read with query --snapshot <id>");
    return this.json("GET", this.graphPath(`/snapshot${t.branch !== undefined ? `?branch=${encodeURIComponent(t.branch)}` : ""}`));
  }

  query(c: QueryCall): Promise<ContractJson> {
    return this.json("POST", this.graphPath("/query"), { json: { query: c.query, name: c.name, params: c.params, branch: c.branch, snapshot: c.snapshot } });
  }

  mutate(c: MutateCall): Promise<ContractJson> {
    const json = { query: c.query, name: c.name, params: c.params, branch: c.branch };
    if (c.ifCommit !== undefined) return this.json("POST", this.graphPath("/mutate/if-graph-commit"), { json, headers: { "omnigraph-if-graph-commit": c.ifCommit } });
    return this.json("POST", this.graphPath("/mutate"), { json });
  }

  async load(c: LoadCall): Promise<ContractJson> {
    const size = (await stat(c.file)).size;
    const q = new URLSearchParams({ mode: c.mode });
    if (c.branch !== undefined) q.set("branch", c.branch);
    if (c.from !== undefined) q.set("from", c.from);
    let sent = 0;
    const file = createReadStream(c.file);
    file.on("data", (chunk) => {
      sent += chunk.length;
      c.onBytes?.(sent);
    });
    const body = size === 0 ? "" : (Readable.toWeb(file) as ReadableStream<Uint8Array>);
    return this.json("POST", this.graphPath(`/load/ndjson?${q.toString()}`), { body, contentType: "application/x-ndjson" });
  }

  async *exportLines(c: ExportCall): AsyncIterable<string> {
    if (c.snapshot !== undefined) throw new CliError("ERR_USAGE", "the server's /export reads a branch head; --snapshot works in direct mode (--store) only");
    const res = await this.send("POST", this.graphPath("/export"), { json: { ...(c.branch !== undefined ? { branch: c.branch } : {}), type_names: c.typeNames } });
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim() !== "") yield line;
        }
      }
    } catch (e) {
      throw this.transportError(e, "POST /export");
    }
    buffered += decoder.decode();
    // OmniGraph truncates the stream on a late error: a last line without newline is suspect but complete JSON is kept.
    if (buffered.trim() !== "") yield buffered;
  }

  listBranches(): Promise<ContractJson> {
    return this.json("GET", this.graphPath("/branches"));
  }

  createBranch(name: string, from: string | undefined): Promise<ContractJson> {
    return this.json("POST", this.graphPath("/branches"), { json: { name, ...(from !== undefined ? { from } : {}) } });
  }

  deleteBranch(name: string): Promise<ContractJson> {
    return this.json("DELETE", this.graphPath(`/branches/${encodeBranch(name)}`));
  }

  merge(source: string, target: string | undefined, deleteBranch: boolean): Promise<ContractJson> {
    return this.json("POST", this.graphPath("/branches/merge"), { json: { source, ...(target !== undefined ? { target } : {}), delete_branch: deleteBranch } });
  }

  listCommits(branch: string | undefined): Promise<ContractJson> {
    return this.json("GET", this.graphPath(`/commits${branch !== undefined ? `?branch=${encodeURIComponent(branch)}` : ""}`));
  }

  showCommit(id: string): Promise<ContractJson> {
    return this.json("GET", this.graphPath(`/commits/${encodeURIComponent(id)}`));
  }

  showSchema(): Promise<ContractJson> {
    return this.json("GET", this.graphPath("/schema"));
  }

  applySchema(source: string, allowDataLoss: boolean): Promise<ContractJson> {
    return this.json("POST", this.graphPath("/schema/apply"), { json: { schema_source: source, allow_data_loss: allowDataLoss } });
  }

  async close(): Promise<void> {}
}
