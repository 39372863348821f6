/**
 * What every `omnigraph` verb shares: the global flags, one invocation context
 * (environment, operator config, output format, actor), opening the graph client for
 * the resolved address, the target echo before writes, `--yes` for destructive writes
 * on non-local targets, and turning any thrown error into one stderr line plus the
 * exit code from `errors.ts`.
 */
import { Command, CommanderError, Option } from "commander";
import { describeAddress, resolveAddress, type Address, type Capability } from "./address.ts";
import type { GraphClient } from "./client/graph-client.ts";
import { readCliEnvironment, type CliEnvironment } from "./environment.ts";
import { CliError, codeOf, EXIT, exitCodeFor } from "./errors.ts";
import { loadOperatorConfig, OUTPUT_FORMATS, type OperatorConfig, type OutputFormat } from "./operator/config.ts";
import { resolveToken } from "./operator/credentials.ts";
import { render, type Printable } from "./output.ts";

/** Flags every verb accepts (after the verb: `omnigraph query --json …`). */
export interface GlobalOptions {
  json?: boolean;
  format?: OutputFormat;
  quiet?: boolean;
  yes?: boolean;
  as?: string;
  store?: string;
  server?: string;
  graph?: string;
  profile?: string;
  timeout?: number;
}

const DEFAULT_TIMEOUT_SECONDS = 300;

/** Parses `30`, `30s`, `5m`, `2h`, `7d`, `1w` into seconds (also `cleanup --older-than`). */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new CliError("ERR_USAGE", `${flag} takes a duration like 30s, 5m, 2h, 7d or 1w (got ${JSON.stringify(text)})`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[(m[2] ?? "s") as "s"];
  return Number(m[1]) * unit;
}

/** Adds the global flags (output, addressing, safety) to a verb or sub-verb. */
export function withGlobalOptions(cmd: Command, addressing = true): Command {
  cmd
    .option("--json", "print the contract JSON (same as --format json)")
    .addOption(new Option("--format <format>", "output format").choices(OUTPUT_FORMATS))
    .option("--quiet", "no target echo, no progress bar")
    .option("--yes", "confirm a destructive write against a non-local target")
    .option("--as <actor>", "actor recorded on direct writes (default: operator.actor)")
    .option("--timeout <duration>", `deadline of each server request (default ${DEFAULT_TIMEOUT_SECONDS}s; 0 = none)`, (v) => parseDuration(v, "--timeout"));
  if (addressing) {
    cmd
      .option("--store <url>", "direct mode: storage URL of the store root (fs://…, s3://…, a path)")
      .option("--server <name|url>", "served mode: a server URL or a name from the operator config")
      .option("--graph <id>", "graph id (direct default: 'default')")
      .option("--profile <name>", "named scope from the operator config (or OMNIGRAPH_PROFILE)");
  }
  return cmd;
}

/** One invocation's context. */
export class Invocation {
  private cancel = new AbortController();
  private closers: (() => Promise<void>)[] = [];

  private constructor(
    readonly verb: string,
    readonly opts: GlobalOptions,
    readonly env: CliEnvironment,
    readonly config: OperatorConfig,
  ) {}

  static async create(verb: string, opts: GlobalOptions): Promise<Invocation> {
    if (opts.json && opts.format !== undefined && opts.format !== "json") {
      throw new CliError("ERR_USAGE", `--json and --format ${opts.format} disagree; pass one of them`);
    }
    const env = readCliEnvironment();
    const config = await loadOperatorConfig(env.configPath, (m) => process.stderr.write(`omnigraph: warning: ${m}\n`));
    return new Invocation(verb, opts, env, config);
  }

  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  /** The asked output format; `undefined` = the command's human default (or `defaults.output` for reads). */
  format(isRead = false): OutputFormat | undefined {
    if (this.opts.json) return "json";
    if (this.opts.format) return this.opts.format;
    return isRead ? (this.config.defaults?.output ?? "table") : undefined;
  }

  get wantsJson(): boolean {
    return this.format() === "json";
  }

  /** `--as` > `operator.actor` > none. */
  get actor(): string | null {
    return this.opts.as ?? this.config.operator?.actor ?? null;
  }

  address(capability: Capability, positional?: string): Address {
    const a = resolveAddress({ ...this.opts, positional }, this.config, this.env, capability, this.verb);
    if (a.kind === "served" && this.opts.as !== undefined) {
      throw new CliError("ERR_USAGE", "--as applies to direct writes only; a server takes the actor from your token");
    }
    return a;
  }

  /** Opens the graph client for an address (direct: embedded engine; served: HTTP). */
  async client(address: Address, access: { write: boolean }): Promise<GraphClient> {
    let c: GraphClient;
    if (address.kind === "served") {
      c = await this.httpClient(address.baseUrl, address.serverName, address.graphId);
    } else {
      const { openDirectClient } = await import("./client/direct.ts");
      c = await openDirectClient(address, { write: access.write, actor: this.actor, env: this.env });
    }
    this.closers.push(() => c.close());
    return c;
  }

  async httpClient(baseUrl: string, serverName: string | undefined, graphId: string | undefined) {
    const { HttpGraphClient } = await import("./client/http.ts");
    const { token } = await resolveToken(this.env, serverName);
    const seconds = this.opts.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    return new HttpGraphClient({ baseUrl, token, timeoutMs: seconds > 0 ? seconds * 1000 : 2 ** 31 - 1, signal: this.signal }, graphId);
  }

  /** Every write except mutate says where it goes, on stderr (`--quiet` silences it). */
  echoTarget(address: Address): void {
    if (!this.opts.quiet) process.stderr.write(`omnigraph ${this.verb} → ${describeAddress(address)}\n`);
  }

  /** Destructive writes (cleanup, overwrite load, branch delete) on a non-local target need `--yes`. */
  confirmDestructive(address: Address, what: string): void {
    if (address.local || this.opts.yes) return;
    throw new CliError("ERR_CONFIRMATION_REQUIRED", `${what} on ${describeAddress(address)} is destructive and the target is not local; re-run with --yes to confirm`);
  }

  /** Prints a result in the asked format on stdout. */
  print(p: Printable, isRead = false): void {
    process.stdout.write(render(p, this.format(isRead)));
  }

  warn(message: string): void {
    process.stderr.write(`omnigraph ${this.verb}: warning: ${message}\n`);
  }

  async close(): Promise<void> {
    for (const c of this.closers.splice(0)) await c().catch(() => undefined);
  }
}

/** What to do next, for codes whose own message cannot know the CLI command. */
const HINTS: Record<string, string> = {
  ERR_GRAPH_NOT_FOUND: "create it with `omnigraph init --schema <file.pg> --graph <id> <store url>`, or check --graph",
  ERR_UNAUTHENTICATED: "set OMNIGRAPH_BEARER_TOKEN (or OMNIGRAPH_TOKEN_<NAME>, or [<name>] token = … in ~/.omnigraph/credentials)",
  ERR_UNEXPECTED: "an untyped failure; please report it",
};

function reportError(verb: string, e: unknown, json: boolean): number {
  const code = codeOf(e);
  const message = e instanceof Error ? e.message : String(e);
  const hint = HINTS[code] ? ` (${HINTS[code]})` : "";
  process.stderr.write(`omnigraph ${verb}: ${code}: ${message}${hint}\n`);
  if (json) {
    const detail = (e as { detail?: unknown; body?: unknown }).body ?? (e as { detail?: unknown }).detail;
    const location = (e as { location?: unknown }).location;
    process.stdout.write(`${JSON.stringify({ error: { code, message, ...(location ? { location } : {}), ...(detail && typeof detail === "object" ? { detail } : {}) } }, null, 2)}\n`);
  }
  return exitCodeFor(e);
}

/**
 * Runs a commander program built by a verb module: parses `argv`, runs the chosen
 * action, maps errors to exit codes. `action` handlers return their exit code.
 */
export async function runProgram(verb: string, build: (program: Command, done: (code: number) => void) => void, argv: string[]): Promise<number> {
  const program = new Command(`omnigraph ${verb}`);
  let exit: number = EXIT.ok;
  program.exitOverride().showHelpAfterError(false).configureOutput({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => write(`omnigraph ${verb}: ERR_USAGE: ${s.replace(/^error: /, "")}`),
  });
  build(program, (code) => (exit = code));
  const onSignal = () => {
    process.stderr.write(`omnigraph ${verb}: ERR_CANCELLED: interrupted\n`);
    process.exit(EXIT.cancelled);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    await program.parseAsync(argv, { from: "user" });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      // `--help` exits 0; help shown because a subcommand is missing is a usage error.
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok;
      if (e.code === "commander.help") return e.exitCode === 0 ? EXIT.ok : EXIT.refused;
      return EXIT.refused;
    }
    const json = argv.includes("--json") || argv.some((a, i) => (a === "--format" && argv[i + 1] === "json") || a === "--format=json");
    return reportError(verb, e, json);
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}

/**
 * Wraps a verb's action: builds the invocation from the merged flags, runs `body`,
 * closes what it opened, reports its exit code.
 */
export function action<A extends unknown[]>(verb: string, done: (code: number) => void, body: (inv: Invocation, ...args: A) => Promise<number>) {
  return async (...raw: unknown[]): Promise<void> => {
    const cmd = raw[raw.length - 1] as Command;
    const args = raw.slice(0, -2) as A;
    const inv = await Invocation.create(verb, cmd.optsWithGlobals<GlobalOptions>());
    try {
      done(await body(inv, ...args));
    } finally {
      await inv.close();
    }
  };
}
