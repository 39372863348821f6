/**
 * `omnigraph serve`: the data plane, one entry point for every role. With no store
 * configured anywhere (`npm start`), it serves all-in-one on ./.data (fs) at
 * 127.0.0.1:8080 with a development token (created once, kept in ./.data/dev-token,
 * printed only when created) that a built-in development policy allows everything.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { isConfigError } from "../config/errors.ts";
import { loadConfig, type ConfigFlags, type LoadedConfig } from "../config/load.ts";
import { listen } from "../http/listen.ts";

const DEV_ACTOR = "dev";

/** The development bundle: everything allowed for the development actor (local use only). */
const DEV_BUNDLE = fileURLToPath(new URL("../../policies/default", import.meta.url));

function program(): Command {
  return new Command("omnigraph serve")
    .description("Run the data plane (all-in-one on ./.data at 127.0.0.1:8080 by default).")
    .option("--store <url>", "storage URL: fs:///abs/path, s3://bucket/prefix, gs://…, minio://…, memory://name, or a plain path (OMNIGRAPH_STORE)")
    .option("--bind <host:port>", "listen address, default 127.0.0.1:8080; port 0 picks one and prints OMNIGRAPH_LISTEN_ADDR=host:port (OMNIGRAPH_BIND)")
    .option("--config <file>", "server config YAML (OMNIGRAPH_CONFIG)")
    .option("--role <role>", "all-in-one | reader | writer | worker (OMNIGRAPH_ROLE)")
    .option("--writer-url <url>", "readers name this writer when refusing writes (OMNIGRAPH_WRITER_URL)")
    .option("--unauthenticated", "serve without bearer tokens (OMNIGRAPH_UNAUTHENTICATED)")
    .option("--shutdown-grace-seconds <n>", "on SIGTERM, how long in-flight requests may take, default 25 (OMNIGRAPH_SHUTDOWN_GRACE_SECONDS)")
    .option("--log-level <level>", "fatal | error | warn | info | debug | trace | silent (OMNIGRAPH_LOG_LEVEL)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
}

/** `npm start`'s development identity: a token kept under the data directory. */
function devToken(dataDir: string): { token: string; created: boolean; file: string } {
  const file = join(dataDir, "dev-token");
  if (existsSync(file)) return { token: readFileSync(file, "utf8").trim(), created: false, file };
  mkdirSync(dataDir, { recursive: true });
  const token = `og_dev_${randomBytes(24).toString("base64url")}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true, file };
}

/** True when nothing configures auth, the store or a policy: the local `npm start` setup. */
function isLocalDefault(loaded: LoadedConfig, flags: ConfigFlags, env: NodeJS.ProcessEnv): boolean {
  const c = loaded.config;
  return (
    !flags.store && !env.OMNIGRAPH_STORE && !loaded.file && !c.auth.unauthenticated && !c.auth.static.tokens_file && !c.policy.bundle &&
    loaded.secrets.bearerToken === null && loaded.secrets.bearerTokensJson === null
  );
}

export async function run(argv: string[]): Promise<number> {
  const cmd = program();
  try {
    cmd.parse(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2;
    throw e;
  }
  const o = cmd.opts<{ store?: string; bind?: string; config?: string; role?: string; writerUrl?: string; unauthenticated?: boolean; shutdownGraceSeconds?: string; logLevel?: string }>();
  const flags: ConfigFlags = {
    store: o.store, bind: o.bind, config: o.config, role: o.role, writerUrl: o.writerUrl,
    unauthenticated: o.unauthenticated, shutdownGraceSeconds: o.shutdownGraceSeconds, logLevel: o.logLevel,
  };
  let server;
  let early: import("node:http").Server | undefined;
  // A SIGTERM during boot is remembered and honoured (drain) as soon as the server is up.
  let signalDuringBoot: string | undefined;
  const onBootSignal = (signal: string) => (signalDuringBoot ??= signal);
  process.on("SIGTERM", onBootSignal);
  process.on("SIGINT", onBootSignal);
  try {
    const loaded = loadConfig({ flags, env: process.env });
    const local = isLocalDefault(loaded, flags, process.env);
    let extraTokens: Map<string, string> | undefined;
    if (local) {
      const dataDir = resolve(loaded.config.store);
      loaded.config.store = `fs://${dataDir}`;
      const dev = devToken(dataDir);
      extraTokens = new Map([[DEV_ACTOR, dev.token]]);
      process.stderr.write(
        dev.created
          ? `omnigraph serve: development token (actor '${DEV_ACTOR}', all actions allowed; shown once, kept in ${dev.file}):\n  ${dev.token}\n`
          : `omnigraph serve: development token in ${dev.file} (actor '${DEV_ACTOR}')\n`,
      );
    }
    // Refuse a bad auth setup before binding (exit 2, nothing printed on stdout); then bind
    // and print the address before the engine and LanceDB load (seconds on a busy host),
    // and hand the socket over.
    const [{ buildAuthStack }, { createLogger }, { ServerMetrics }] = await Promise.all([
      import("../auth/from-config.ts"), import("../observability/logger.ts"), import("../observability/metrics.ts"),
    ]);
    const log = createLogger({ level: loaded.config.log.level });
    const metrics = new ServerMetrics();
    const authStack = await buildAuthStack(loaded, {
      logger: log, registry: metrics.registry,
      extraTokens: [...(extraTokens ?? [])].map(([actor, token]) => ({ actor, token })),
      defaultBundle: extraTokens ? DEV_BUNDLE : undefined,
    });
    early = await listen(loaded.config.bind, { role: loaded.config.role, shutdownGraceSeconds: loaded.config.shutdown_grace_seconds });
    const a = early.address() as import("node:net").AddressInfo;
    process.stdout.write(`OMNIGRAPH_LISTEN_ADDR=${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}\n`);
    const { startServer } = await import("../http/server.ts");
    server = await startServer(loaded, { authStack, log, metrics, server: early });
  } catch (e) {
    // A boot that fails after binding must not leave the socket holding the process open.
    early?.close();
    process.off("SIGTERM", onBootSignal);
    process.off("SIGINT", onBootSignal);
    if (isConfigError(e)) {
      process.stderr.write(`omnigraph serve: ${e.code}: ${e.message}\n`);
      return 2;
    }
    const code = (e as { code?: string }).code;
    process.stderr.write(`omnigraph serve: could not start: ${code ?? ""}${code ? ": " : ""}${(e as Error).message}\n`);
    return 1;
  }
  const s = server;
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      s.deps.log.info({ signal }, "shutting down");
      const finish = (code: number) => {
        // LanceDB worker threads may hold the event loop open; exit once the caller has had its turn.
        setTimeout(() => process.exit(code), 500).unref();
        resolveExit(code);
      };
      void s.drain().then((inTime) => finish(inTime ? 0 : 1), () => finish(1));
    };
    process.off("SIGTERM", onBootSignal);
    process.off("SIGINT", onBootSignal);
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    if (signalDuringBoot) stop(signalDuringBoot);
  });
}
