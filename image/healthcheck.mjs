// HEALTHCHECK probe for the image: GET /healthz on the port the server binds.
// Plain JavaScript (no tsx) so that a probe every few seconds costs one small
// Node start, not a TypeScript transpile. It reads only OMNIGRAPH_BIND, the
// variable the image sets; a wildcard host is probed on loopback.
const bind = process.env.OMNIGRAPH_BIND ?? "0.0.0.0:8080";
const cut = bind.lastIndexOf(":");
const port = Number(bind.slice(cut + 1));
let host = bind.slice(0, cut).replace(/^\[|\]$/g, "");
if (host === "" || host === "0.0.0.0") host = "127.0.0.1";
if (host === "::") host = "::1";
const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/healthz`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
