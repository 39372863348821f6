/**
 * Where a command's graph is: resolved once per invocation from the flags, the
 * profile and the operator config (flag > env > config file > default).
 *
 * - **direct**: a storage URL (`--store <url>` or the positional argument) is a store
 *   *root*, laid out as the server lays it out: graph `<id>` lives under
 *   `graphs/<id>` (server/store/layout.ts), so a CLI and a server on the same store
 *   see the same graphs. Without `--graph` (or a `default_graph`) the graph id is
 *   {@link DEFAULT_GRAPH_ID}.
 * - **served**: `--server <name|url>` plus `--graph <id>` (or a `default_graph`).
 *
 * A positional `http(s)://` URI is refused: a server is addressed with `--server`.
 */
import { parseStoreUrl, redact } from "../../drivers/store-url.ts";
import type { CliEnvironment } from "./environment.ts";
import { CliError } from "./errors.ts";
import type { OperatorConfig, OperatorScope } from "./operator/config.ts";

/** The graph a direct command addresses when nothing names one. */
export const DEFAULT_GRAPH_ID = "default";

const GRAPH_ID = /^[a-zA-Z0-9-]{1,64}$/;

/** What a command needs to reach its graph (OmniGraph's command capabilities). */
export type Capability = "any" | "direct" | "served";

export interface DirectAddress {
  kind: "direct";
  storeUrl: string;
  graphId: string;
  /** A local directory (fs / plain path / memory): destructive writes need no `--yes`. */
  local: boolean;
}

export interface ServedAddress {
  kind: "served";
  /** Server base URL without a trailing slash. */
  baseUrl: string;
  /** The operator-config name the server resolved to (keys its credentials), if any. */
  serverName: string | undefined;
  /** Undefined only for registry commands (`graphs list`). */
  graphId: string | undefined;
  local: false;
}

export type Address = DirectAddress | ServedAddress;

export interface AddressFlags {
  store?: string | undefined;
  server?: string | undefined;
  graph?: string | undefined;
  profile?: string | undefined;
  /** The command's positional storage URI, for verbs that take one. */
  positional?: string | undefined;
}

/** The address as printed on stderr before a write: where it goes, never a secret. */
export function describeAddress(a: Address): string {
  if (a.kind === "served") return `${a.baseUrl}${a.graphId ? `/graphs/${a.graphId}` : ""} (served)`;
  const parsed = parseStoreUrl(a.storeUrl);
  const root = parsed.scheme === "fs" ? `fs://${parsed.root}` : redact(a.storeUrl).replace(/\?.*$/, "");
  return `${root.replace(/\/+$/, "")}/graphs/${a.graphId} (direct, ${a.local ? "local" : "remote"})`;
}

function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function checkGraphId(id: string, from: string): string {
  if (!GRAPH_ID.test(id)) throw new CliError("ERR_USAGE", `graph id ${JSON.stringify(id)} (from ${from}) must match ^[a-zA-Z0-9-]{1,64}$`);
  return id;
}

function resolveServer(server: string, config: OperatorConfig): { baseUrl: string; serverName: string | undefined } {
  const servers = config.servers ?? {};
  if (isHttpUrl(server)) {
    const baseUrl = server.replace(/\/+$/, "");
    // A literal URL keys the credentials of the named server whose url it starts with (gh's host model).
    const match = Object.entries(servers).find(([, s]) => baseUrl.startsWith(s.url.replace(/\/+$/, "")));
    return { baseUrl, serverName: match?.[0] };
  }
  const named = servers[server];
  if (!named) {
    const known = Object.keys(servers);
    throw new CliError("ERR_TARGET", `unknown server '${server}': pass an http(s):// URL or add 'servers.${server}.url' to the operator config${known.length ? ` (known: ${known.join(", ")})` : ""}`);
  }
  return { baseUrl: named.url.replace(/\/+$/, ""), serverName: server };
}

function isLocalStore(url: string): boolean {
  const parsed = parseStoreUrl(url);
  return parsed.scheme === "fs" || parsed.scheme === "memory";
}

/**
 * Resolves the address of a command.
 *
 * @example resolveAddress({ store: "fs:///tmp/og", graph: "social" }, {}, env, "any")
 *   // → { kind: "direct", storeUrl: "fs:///tmp/og", graphId: "social", local: true }
 */
export function resolveAddress(flags: AddressFlags, config: OperatorConfig, env: CliEnvironment, capability: Capability, verb: string): Address {
  if (flags.positional !== undefined && isHttpUrl(flags.positional)) {
    throw new CliError("ERR_TARGET", `a server is addressed with --server <url> --graph <id>; a positional http(s):// URI is not one (got ${flags.positional})`);
  }
  if (flags.store !== undefined && isHttpUrl(flags.store)) {
    throw new CliError("ERR_TARGET", `--store takes a storage URL (fs://, s3://, …); address a server with --server ${flags.store}`);
  }
  if (flags.positional !== undefined && flags.store !== undefined && flags.positional !== flags.store) {
    throw new CliError("ERR_USAGE", "give the storage URL once: either positionally or with --store");
  }
  const explicitStore = flags.store ?? flags.positional;
  if (explicitStore !== undefined && flags.server !== undefined) {
    throw new CliError("ERR_USAGE", "--server and a storage URL are mutually exclusive: pick direct (--store) or served (--server) mode");
  }

  let scope: OperatorScope | undefined;
  let scopeName = "";
  if (explicitStore === undefined && flags.server === undefined) {
    const profileName = flags.profile ?? env.profile;
    if (profileName !== undefined) {
      scope = config.profiles?.[profileName];
      if (!scope) throw new CliError("ERR_TARGET", `unknown profile '${profileName}': define 'profiles.${profileName}' in the operator config`);
      scopeName = `profile '${profileName}'`;
    } else if (config.defaults?.server || config.defaults?.store) {
      scope = { server: config.defaults.server, store: config.defaults.store, default_graph: config.defaults.default_graph };
      scopeName = "operator defaults";
    }
  }
  const storeUrl = explicitStore ?? scope?.store;
  const server = flags.server ?? scope?.server;
  const defaultGraph = scope?.default_graph ?? config.defaults?.default_graph;
  const graphFrom = flags.graph !== undefined ? "--graph" : scope?.default_graph ? `${scopeName} default_graph` : "defaults.default_graph";
  const graph = flags.graph ?? defaultGraph;

  if (server !== undefined) {
    if (capability === "direct") {
      throw new CliError("ERR_TARGET", `${verb} is a direct (storage) command and does not go through a server; pass the graph's storage URL with --store (or positionally) and --graph`);
    }
    const { baseUrl, serverName } = resolveServer(server, config);
    if (capability === "served") return { kind: "served", baseUrl, serverName, graphId: undefined, local: false };
    if (graph === undefined) throw new CliError("ERR_USAGE", `${verb} on a server needs --graph <id> (list them with: omnigraph graphs list --server ${server})`);
    return { kind: "served", baseUrl, serverName, graphId: checkGraphId(graph, graphFrom), local: false };
  }
  if (storeUrl !== undefined) {
    if (capability === "served") throw new CliError("ERR_TARGET", `${verb} lists a server's graphs; pass --server <name|url>`);
    return { kind: "direct", storeUrl, graphId: checkGraphId(graph ?? DEFAULT_GRAPH_ID, graph === undefined ? "the default" : graphFrom), local: isLocalStore(storeUrl) };
  }
  throw new CliError(
    "ERR_TARGET",
    capability === "served"
      ? `${verb} needs a server: pass --server <name|url>`
      : `${verb} needs a graph: pass --store <storage url> [--graph <id>] (direct) or --server <url> --graph <id> (served), or set a profile`,
  );
}
