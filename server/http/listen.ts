/**
 * Binding the listener early: `serve` binds and prints its address before the engine,
 * LanceDB and Koa are loaded, answering `/healthz` 200 and everything else 503
 * (`booting`) until the app takes the server over. Kept free of heavy imports.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";

export const VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Binds `host:port` with a placeholder handler (503 JSON while booting; /healthz 200). */
export async function listen(bind: string, info: { role: string; shutdownGraceSeconds: number } = { role: "all-in-one", shutdownGraceSeconds: 25 }): Promise<Server> {
  const server = createServer((req, res) => {
    const healthz = req.url === "/healthz";
    res.writeHead(healthz ? 200 : 503, { "content-type": "application/json", ...(healthz ? {} : { "retry-after": "1" }) });
    res.end(JSON.stringify(healthz ? { status: "ok", version: VERSION, internal_schema_version: 1 } : req.url === "/readyz"
      ? { ready: false, status: "booting", served_graph_count: 0, quarantined_graph_count: 0, shutdown_grace_seconds: info.shutdownGraceSeconds, role: info.role }
      : { error: "the server is still booting; retry shortly", error_code: "ERR_NOT_READY", request_id: "" }));
  });
  const host = bind.slice(0, bind.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  const port = Number(bind.slice(bind.lastIndexOf(":") + 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

